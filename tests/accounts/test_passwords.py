"""Password reset by e-mail (same answer for unknown addresses, single-use links) and password change."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kizuna.accounts import services
from kizuna.core.models import AuditEvent
from tests.accounts.helpers import logged_in_user_id, password_step
from tests.conftest import PASSWORD

NEW_PASSWORD = "sakura-mochi-2026-kizuna"


@pytest.fixture
def owner_with_mail(cast):
    cast.owner.email = "tanaka@example.co.jp"
    cast.owner.save(update_fields=["email"])
    return cast.owner


def test_login_page_links_to_the_reset(db):
    page = Client().get("/accounts/login/").content.decode()
    assert "パスワードをお忘れですか" in page and 'href="/accounts/password/reset/"' in page


@pytest.mark.django_db(transaction=True)  # the real worker closes connections when it is done
def test_reset_mail_for_a_known_address_and_the_same_answer_for_an_unknown_one(owner_with_mail, mailoutbox):
    client = Client()
    with CaptureQueriesContext(connection) as known_queries:
        known = client.post("/accounts/password/reset/", {"email": "Tanaka@example.co.jp"}, follow=True)
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.co.jp"}, follow=True)
    # The same work for both (no lookup, no mail in the request: a timing difference would tell them apart)
    assert _shapes(known_queries) == _shapes(unknown_queries)
    assert mailoutbox == [] and not AuditEvent.objects.filter(action="password.reset_requested").exists()
    run_jobs()
    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    main = [r.content.decode().split("<main", 1)[1].split("</main>")[0] for r in (known, unknown)]
    assert main[0] == main[1]  # the page body is identical (only the per-response CSRF mask differs elsewhere)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["tanaka@example.co.jp"] and "パスワード再設定" in mail.subject
    assert re.search(r"http://testserver/accounts/password/reset/[\w-]+/[\w-]+/", mail.body)
    rows = AuditEvent.objects.filter(action="password.reset_requested").order_by("id")
    assert [(r.object_id, r.changes) for r in rows] == [(str(owner_with_mail.pk), {}), ("", {"known": False})]


def _shape(query) -> str:
    """A query without its parameters (the addresses and session keys differ; the statements must not)."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"])


def _shapes(queries) -> list[str]:
    # The rate limit's first hit in a window sweeps old counters (in a transaction of its own): not the address's
    skipped = ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")
    return [_shape(q) for q in queries if "ratecounter" not in q["sql"] and q["sql"] not in skipped]


def run_jobs():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


def reset_link(client, mailoutbox, email):
    client.post("/accounts/password/reset/", {"email": email})
    run_jobs()
    return re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[-1].body).group(1)


@pytest.mark.django_db(transaction=True)  # the real worker closes connections when it is done
def test_reset_link_sets_the_password_once(owner_with_mail, mailoutbox):
    client = Client()
    link = reset_link(client, mailoutbox, owner_with_mail.email)
    form = client.get(link, follow=True)
    assert "新しいパスワード" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "1234567890", "new_password2": "1234567890"})
    assert weak.status_code == 200 and 'class="error"' in weak.content.decode()  # validators still apply
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/complete/"
    event = AuditEvent.objects.get(action="password.reset")
    assert event.actor == owner_with_mail and event.object_id == str(owner_with_mail.pk)
    assert logged_in_user_id(client) is None  # the reset does not log in (2FA still applies at login)

    # the same link a second time: refused
    again = Client().get(link, follow=True)
    assert "このリンクは使えません" in again.content.decode()
    retry = Client()
    retry.get(link, follow=True)
    assert (
        retry.post(set_url, {"new_password1": "another-pass-9876", "new_password2": "another-pass-9876"}).status_code
        == 200
    )
    assert AuditEvent.objects.filter(action="password.reset").count() == 1

    fresh = Client()
    password_step(fresh, owner_with_mail.username, NEW_PASSWORD)
    assert logged_in_user_id(fresh) == str(owner_with_mail.pk)


def test_password_change_is_audited_and_ends_other_sessions(cast):
    here, elsewhere = Client(), Client()
    password_step(here, cast.owner.username)
    password_step(elsewhere, cast.owner.username)
    wrong = here.post("/accounts/password/change/", {
        "old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})  # fmt: skip
    assert wrong.status_code == 200 and not AuditEvent.objects.filter(action="password.change").exists()
    response = here.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/done/"
    assert here.get("/people/").status_code == 200  # this session stays logged in
    assert elsewhere.get("/people/").status_code == 302  # the other one is logged out
    event = AuditEvent.objects.get(action="password.change")
    assert event.actor == cast.owner and event.object_id == str(cast.owner.pk)


def test_set_password_service_is_for_the_user_or_an_admin(cast):
    from kizuna.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_password(actor=cast.teammate, user=cast.owner, password=NEW_PASSWORD)
    services.set_password(actor=cast.admin, user=cast.owner, password=NEW_PASSWORD)
    cast.owner.refresh_from_db()
    assert cast.owner.check_password(NEW_PASSWORD)
