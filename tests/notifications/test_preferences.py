"""Per-user preferences: which kinds under the bell, which in the e-mail digest; audited; API and page."""

import pytest

from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.core.notices import Notice, notify
from kizuna.notifications import services
from kizuna.notifications.models import Notification, Preference


def test_defaults_show_every_kind_and_mail_nothing(cast):
    pref = services.preference_for(cast.owner)
    assert "mention" in pref.in_app_kinds and pref.digest is False and pref.pk is None


def test_a_kind_turned_off_does_not_reach_the_bell(cast):
    services.update_preferences(actor=cast.owner, data={"in_app_kinds": ["mention"], "email_kinds": []})
    notify([cast.owner], Notice(kind="assignment", title="担当になりました"))
    notify([cast.owner], Notice(kind="mention", title="言及されました"))
    notify([cast.owner], Notice(kind="custom.kind", title="他のアプリの通知"))  # unknown kinds always show
    assert sorted(Notification.objects.for_user(cast.owner).values_list("title", flat=True)) == [
        "他のアプリの通知", "言及されました"]  # fmt: skip


def test_a_kind_only_for_the_digest_is_kept_off_the_bell(cast):
    services.update_preferences(actor=cast.owner, data={"in_app_kinds": [], "email_kinds": ["rule"],
                                                        "digest": True})  # fmt: skip
    notify([cast.owner], Notice(kind="rule", title="ルール"))
    row = Notification.objects.get(user=cast.owner)
    assert row.in_app is False and services.unread_count(cast.owner) == 0


def test_changes_are_audited_and_bad_kinds_refused(cast):
    services.update_preferences(actor=cast.owner, data={"digest": True})
    row = AuditEvent.objects.get(action="notifications.preferences")
    assert row.actor == cast.owner and row.changes["digest"] == [False, True]
    with pytest.raises(ValidationFailed) as err:
        services.update_preferences(actor=cast.owner, data={"in_app_kinds": ["nope"], "digest": "yes"})
    assert set(err.value.field_errors) == {"in_app_kinds", "digest"}
    assert Preference.objects.get(user=cast.owner).digest is True


def test_api_reads_and_writes_my_preferences(cast, api):
    client = api(cast.readonly)
    body = client.get("/api/v1/notifications/preferences").json()
    assert body["digest"] is False and "task_due" in body["kinds"]
    response = client.request("put", "/api/v1/notifications/preferences",
                              {"email_kinds": ["task_due"], "digest": True})  # fmt: skip
    assert response.status_code == 200 and response.json()["email_kinds"] == ["task_due"]
    bad = client.request("put", "/api/v1/notifications/preferences", {"digest": True, "extra": 1})
    assert bad.status_code == 422
    assert api(None).get("/api/v1/notifications/preferences").status_code == 401
    assert client.post("/api/v1/notifications/preferences").status_code == 405


def test_settings_page_saves_the_form(cast, client):
    client.force_login(cast.owner)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200 and "メールダイジェスト" in page.content.decode()
    response = client.post("/notifications/settings/", {"in_app": ["mention", "task_due"], "email": ["task_due"],
                                                        "digest": "on"})  # fmt: skip
    assert response.status_code == 302
    pref = Preference.objects.get(user=cast.owner)
    assert pref.in_app_kinds == ["mention", "task_due"] and pref.email_kinds == ["task_due"] and pref.digest
