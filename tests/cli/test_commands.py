"""The `kizuna` console commands: createuser, token, demo."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from kizuna.accounts.models import ApiToken, User
from kizuna.accounts.services import authenticate_token
from kizuna.contacts.models import Company, Employment, Person
from kizuna.core.models import AuditEvent


def run(*args, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createuser_with_password_from_stdin(db, monkeypatch):
    output = run("createuser", "kato", "--role", "manager", "--team", "営業3部", "--password-stdin",
                 stdin="a-long-passphrase-1\n", monkeypatch=monkeypatch)  # fmt: skip
    user = User.objects.get(username="kato")
    assert "created user kato" in output and user.role == "manager" and user.team.name == "営業3部"
    assert user.check_password("a-long-passphrase-1")
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk), channel="cli").exists()


def test_createuser_generates_and_prints_a_password(db):
    output = run("createuser", "ito", "--role", "readonly")
    password = output.split("password: ")[1].strip()
    assert User.objects.get(username="ito").check_password(password)


def test_createuser_rejects_duplicates_and_weak_passwords(db, monkeypatch):
    run("createuser", "ueda", "--role", "member")
    with pytest.raises(CommandError, match="username"):
        run("createuser", "ueda", "--role", "member")
    with pytest.raises(CommandError, match="password"):
        run("createuser", "mori", "--role", "member", "--password-stdin", stdin="123\n", monkeypatch=monkeypatch)


def test_token_create_prints_a_working_token_stored_hashed(db):
    run("createuser", "api-user", "--role", "member")
    payload = json.loads(run("token", "create", "api-user", "--json"))
    assert payload["user"] == "api-user" and payload["scopes"] == ["read", "write"]
    token = ApiToken.objects.get()
    assert payload["token"] not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert authenticate_token(payload["token"]).user.username == "api-user"
    raw = run("token", "create", "api-user").strip()
    assert raw.startswith("kz_") and authenticate_token(raw)


def test_token_for_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="no such user"):
        run("token", "create", "nobody")


def test_demo_builds_a_believable_data_set_that_tells_a_story_on_every_timeline(db, settings, tmp_path):
    """One demo build, checked twice: the address book, then the story (three months of visits, insights with
    provenance, tasks (some overdue, some done), relationships and a review queue with the planted duplicates), so
    that the first screen after login shows a day worth working."""
    from datetime import timedelta

    from django.utils import timezone

    from kizuna.contacts.models import DuplicateGroup
    from kizuna.timeline.models import Activity, FollowUp, Insight, Relationship

    settings.DATA_DIR = tmp_path
    output = run("demo", "--people", "300")
    # --people of the address book, and the contact center's new customers who wrote in (found by no duplicate check)
    newcomers = Person.objects.filter(tickets__isnull=False, external_id="").distinct().count()
    assert Person.objects.count() == 300 + newcomers and Company.objects.count() == 60
    assert "admin" in output and "readonly" in output
    person = Person.objects.exclude(family_name_kana="").first()
    assert person.kana_search and person.company_id and person.contact_points.exists()
    assert Employment.objects.filter(end_date__isnull=False).exists()  # some career moves
    assert json.loads((tmp_path / "demo-logins.json").read_text())["tanaka"]["role"] == "manager"
    assert "tanaka" in run("demo", "--print-logins")
    first_page = Person.objects.order_by("-updated_at", "-id").values_list("external_id", flat=True)[:25]
    assert not [e for e in first_page if e.endswith("-B")]  # the planted duplicates are old entries, not the top

    # the story
    assert Activity.objects.count() >= 100 and Activity.objects.values("kind").distinct().count() >= 4
    assert Activity.objects.filter(occurred_at__lt=timezone.now() - timedelta(days=60)).exists()
    assert Insight.objects.count() >= 20 and Insight.objects.exclude(confidence="certain").exists()
    assert not Insight.objects.filter(heard_from__isnull=True).exists()  # who said it, always
    open_tasks = FollowUp.objects.filter(done_at__isnull=True)
    assert open_tasks.filter(due_date__lt=timezone.localdate()).exists() and FollowUp.objects.exclude(done_at=None)
    assert Relationship.objects.count() >= 3
    assert DuplicateGroup.objects.filter(kind="person").exists()
    suzuki = User.objects.get(username="suzuki")
    assert Activity.objects.visible_to(suzuki).filter(recorded_by=suzuki).count() >= 20
