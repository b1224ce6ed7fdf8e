"""The "notify" rule action the automation engine runs: a user, the record's owner or a team, with a message;
a dry run writes nothing; a notice from an event is delivered once."""

import pytest

from kizuna.core import actions
from kizuna.core.actions import ActionContext
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.notices import Notice, notify
from kizuna.notifications.models import Notification
from tests.factories import person, relayed_events

from .conftest import titles


def run(params, obj, actor, *, dry_run=False, event=None):
    return actions.get("notify").run(ActionContext(obj=obj, actor=actor, event=event, dry_run=dry_run), params)


def test_the_action_is_registered_with_its_parameters():
    action = actions.get("notify")
    assert action is not None and [p.name for p in action.params] == ["user", "team", "message"]
    assert [p.kind for p in action.params] == ["user", "team", "long_text"]


def test_notify_a_user_the_owner_or_a_team(cast):
    p = person(cast.owner, visibility="team")
    assert "teammate" in run({"user": str(cast.teammate.pk), "message": "要フォロー"}, p, cast.admin)
    run({"user": "owner", "message": "担当の方へ"}, p, cast.admin)
    run({"team": str(cast.team_b.pk), "message": "他部署にも"}, p, cast.admin)
    assert titles(cast.teammate, "rule") == ["要フォロー"]
    assert titles(cast.owner, "rule") == ["担当の方へ"]
    outsider = Notification.objects.get(user=cast.outsider)  # team B cannot see a team-A record: not named
    assert outsider.title != "他部署にも" and outsider.url == "" and outsider.kind == "rule"
    assert Notification.objects.get(user=cast.teammate).url == p.get_absolute_url()


def test_dry_run_describes_and_writes_nothing(cast):
    p = person(cast.owner)
    line = run({"team": str(cast.team_a.pk), "message": "確認"}, p, cast.admin, dry_run=True)
    assert "通知します" in line and not Notification.objects.exists()


def test_bad_parameters_fail_the_action(cast):
    p = person(cast.owner)
    for params, field in (({"message": "x"}, "user"), ({"user": "999999", "message": "x"}, "user"),
                          ({"team": "999999", "message": "x"}, "team"), ({"user": "owner"}, "message")):  # fmt: skip
        with pytest.raises(ValidationFailed) as err:
            run(params, p, cast.admin)
        assert field in err.value.field_errors


def test_one_event_notifies_once_however_often_the_rule_runs(cast):
    p = person(cast.owner)
    event = relayed_events().filter(object_id=str(p.pk)).first()
    for _ in range(2):
        run({"user": str(cast.teammate.pk), "message": "一度だけ"}, p, cast.admin, event=event)
    assert titles(cast.teammate, "rule") == ["一度だけ"]


def test_a_webhook_disabled_notice_arrives_through_notify(cast):
    notify([cast.owner], Notice(kind="webhook_disabled", title="Webhook「受注連携」を停止しました",
                                url="/settings/webhooks/1/"))  # fmt: skip
    notice = Notification.objects.get(user=cast.owner)
    assert notice.kind == "webhook_disabled" and notice.url == "/settings/webhooks/1/"
    notify([cast.owner], Notice(kind="rule", title="無効なユーザーには届かない"))
    cast.teammate.is_active = False
    notify([cast.teammate], Notice(kind="rule", title="x"))
    assert not Notification.objects.filter(user=cast.teammate).exists()


def test_two_rules_on_one_event_with_different_messages_both_notify(cast):
    p = person(cast.owner)
    event = relayed_events().filter(object_id=str(p.pk)).first()
    run({"user": str(cast.teammate.pk), "message": "一つ目"}, p, cast.admin, event=event)
    run({"user": str(cast.teammate.pk), "message": "二つ目"}, p, cast.admin, event=event)
    assert titles(cast.teammate, "rule") == ["一つ目", "二つ目"]
