"""Password reset answers a known and an unknown address with the same work. Not a timing test: the functions
that cost time (the account lookup, the token, the mail, the audit row) are spied on, and the request must call
none of them for either address; both queue the same one job, which does that work after the response."""

import pytest
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

from kizuna.accounts import forms, services, tasks

EXPENSIVE = [
    (auth_forms.PasswordResetForm, "get_users"),
    (auth_forms.PasswordResetForm, "send_mail"),
    (default_token_generator, "make_token"),
    (services, "record_password_reset_request"),
]


@pytest.fixture
def calls(cast, monkeypatch):
    """The names of the expensive functions called, in order (they still run)."""
    cast.owner.email = "tanaka@example.co.jp"
    cast.owner.save(update_fields=["email"])
    called = []
    for owner, name in EXPENSIVE:
        real = getattr(owner, name)
        spy = lambda *a, _real=real, _name=name, **kw: called.append(_name) or _real(*a, **kw)  # noqa: E731
        monkeypatch.setattr(owner, name, spy)
    return called


def test_known_and_unknown_addresses_make_the_same_calls_in_the_request(calls, monkeypatch, mailoutbox):
    queued = []

    def enqueue(job, email, domain, use_https):
        assert job is tasks.send_password_reset
        queued.append((domain, use_https))

    monkeypatch.setattr(forms, "enqueue", enqueue)
    seen = []
    for email in ("Tanaka@example.co.jp", "nobody@example.co.jp"):
        calls.clear()
        queued.clear()
        assert Client().post("/accounts/password/reset/", {"email": email}).status_code == 302
        seen.append((list(calls), list(queued)))
    assert seen[0] == seen[1] == ([], [("testserver", False)]) and mailoutbox == []


def test_the_job_does_the_work_the_request_left_out(calls, mailoutbox):
    """The spies see real work when the job runs: the lookup, the token, the mail and the audit row."""
    tasks.send_password_reset.call("Tanaka@example.co.jp", "testserver", False)
    assert set(calls) == {name for _, name in EXPENSIVE}
    assert [m.to for m in mailoutbox] == [["tanaka@example.co.jp"]]
