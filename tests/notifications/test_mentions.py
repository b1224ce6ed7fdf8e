"""@@mentions: in the one-line capture and in activity notes, the named user is told once, after the commit."""

from datetime import date

from kizuna.accounts.models import User
from kizuna.core.models import OutboxEvent
from kizuna.notifications.models import Notification
from kizuna.timeline import services as timeline
from kizuna.timeline.capture import parse
from tests.conftest import make_user
from tests.factories import person

from .conftest import titles


def test_the_parser_tells_users_from_people_and_keeps_the_mention_in_the_note():
    parsed = parse("@田中 #山田製作所 @@鈴木さん に共有。仕様に厳しい ＠＠owner", date(2026, 12, 7))
    assert parsed.people == ["田中"] and parsed.companies == ["山田製作所"]
    assert parsed.users == ["鈴木", "owner"]
    assert "@@鈴木さん" in parsed.body and "田中" in parsed.body and "@田中" not in parsed.body
    assert parsed.insight and "@@" not in parsed.insight[1]


def test_capture_plan_names_the_user_and_saving_notifies_them(cast, dispatch):
    person(cast.owner)
    plan = timeline.plan_capture(cast.teammate, "@田中 打ち合わせ。@@田中 さんに共有")
    assert [m.chosen for m in plan.users] == [cast.owner]  # 田中 一郎 is the owner's display name
    saved = timeline.save_capture(cast.teammate, "@田中 打ち合わせ。@@田中 さんに共有")
    assert not Notification.objects.exists()  # nothing before the commit's events are dispatched
    dispatch()
    notice = Notification.objects.get(user=cast.owner, kind="mention")
    assert "teammate" in notice.title and notice.url == saved.activity.get_absolute_url()
    assert notice.actor == cast.teammate and notice.object_id == str(saved.activity.pk)


def test_a_mention_in_a_note_by_username_and_an_event_seen_twice_notifies_once(cast, dispatch):
    activity = timeline.create_activity(actor=cast.owner, data={"body": "見積の件 @@teammate 確認お願いします"})
    dispatch()
    event = OutboxEvent.objects.get(type="activity.created", object_id=str(activity.pk))
    from kizuna.notifications import consumers

    consumers.handle(event)  # at-least-once delivery: the same event again
    assert len(titles(cast.teammate, "mention")) == 1
    assert not Notification.objects.filter(user=cast.owner).exists()


def test_mentioning_yourself_or_nobody_tells_no_one(cast, dispatch):
    timeline.create_activity(actor=cast.owner, data={"body": "@@owner メモ @@存在しない人"})
    dispatch()
    assert not Notification.objects.exists()


def test_an_edit_tells_only_the_newly_mentioned(cast, dispatch):
    activity = timeline.create_activity(actor=cast.owner, data={"body": "@@teammate 見てください"})
    timeline.update_activity(actor=cast.owner, activity=activity, data={"body": "@@teammate @@manager 見てください"})
    timeline.update_activity(actor=cast.owner, activity=activity, data={"subject": "件名だけ変更"})
    dispatch()
    assert len(titles(cast.teammate, "mention")) == 1
    assert len(titles(cast.manager, "mention")) == 1


def test_two_users_of_the_same_name_are_not_guessed(cast, dispatch):
    make_user("suzuki1", "member", cast.team_a, display_name="鈴木 一郎")
    make_user("suzuki2", "member", cast.team_a, display_name="鈴木 花子")
    plan = timeline.plan_capture(cast.owner, "@@鈴木 確認")
    assert plan.users[0].chosen is None and len(plan.users[0].candidates) == 2
    assert any("一人に決まりません" in p for p in plan.problems)
    timeline.create_activity(actor=cast.owner, data={"body": "@@鈴木 確認 @@鈴木花子 も"})
    dispatch()
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["suzuki2"]


def test_a_mention_in_a_record_the_user_cannot_see_does_not_name_it(cast, dispatch):
    secret = timeline.create_activity(actor=cast.owner, data={"subject": "鍵穴会議", "body": "@@outsider 極秘",
                                                               "visibility": "private"})  # fmt: skip
    dispatch()
    notice = Notification.objects.get(user=cast.outsider)
    assert "鍵穴" not in notice.title and notice.body == "" and notice.url == "" and notice.object_id == ""
    assert not User.objects.filter(pk=cast.outsider.pk, is_active=False).exists()
    assert secret.pk  # the activity exists; only its name is withheld
