"""Rules run on domain events and from the clock: each action type, conditions, order, switching off, loop
protection, the once-per-period ledger, the dry run and failures that are recorded instead of raised."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from kizuna.automation import engine, services
from kizuna.automation.models import RuleMatch, RuleRun
from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.core import notices
from kizuna.core.models import AuditEvent, OutboxEvent
from kizuna.timeline import services as timeline
from kizuna.timeline.models import Activity, FollowUp
from tests import factories
from tests.automation.conftest import drain
from tests.factories import relayed_events

TO_CUSTOMER = [{"field": "lifecycle_stage", "op": "changed_to", "value": "customer"}]


def tag(name):
    return {"action": "record.add_tag", "params": {"tag": name}}


def tags(obj):
    return sorted(obj.tags.values_list("name", flat=True))


def became_customer(actor, person):
    contacts.update_person(actor=actor, person=person, data={"lifecycle_stage": "customer"})
    drain()
    person.refresh_from_db()


@pytest.fixture
def person(cast):
    p = factories.person(cast.owner, "山田", "花子")
    drain()
    return p


@pytest.fixture
def delivered(monkeypatch):
    got = []
    monkeypatch.setattr(notices, "_deliverer", lambda users, notice: got.append(([u.username for u in users], notice)))
    return got


# --- actions -----------------------------------------------------------------------------------------------------
def test_add_tag_runs_as_the_rules_owner_and_is_audited_and_recorded(cast, rule, person):
    r = rule(conditions=TO_CUSTOMER, actions=[tag("VIP")])
    became_customer(cast.owner, person)
    assert tags(person) == ["VIP"]
    row = AuditEvent.objects.for_object(person).filter(changes__has_key="tags").get()
    assert row.actor == cast.admin and row.channel == "automation"
    (run,) = RuleRun.objects.filter(rule=r)
    assert run.status == "ok" and run.object_id == str(person.pk) and run.event_type == "person.updated"
    assert run.results[0]["status"] == "ok" and "VIP" in run.results[0]["message"]
    event = relayed_events().filter(object_id=str(person.pk), origin=r.source).get()
    assert event.depth == 1  # the rule's own write carries its origin and depth


def test_assign_owner_and_set_field(cast, rule, person):
    rule(conditions=TO_CUSTOMER, actions=[
        {"action": "record.assign_owner", "params": {"user": cast.teammate.pk}},
        {"action": "record.set_field", "params": {"field": "visibility", "value": "public"}},
    ])  # fmt: skip
    became_customer(cast.owner, person)
    assert person.owner == cast.teammate and person.visibility == "public"


def test_set_field_is_validated_by_the_service(cast, rule, person):
    r = rule(conditions=TO_CUSTOMER, actions=[
        {"action": "record.set_field", "params": {"field": "prefecture", "value": "ない県"}}, tag("後続")])  # fmt: skip
    became_customer(cast.owner, person)
    (run,) = RuleRun.objects.filter(rule=r)
    assert run.status == "error" and "ない県" in run.results[0]["message"]
    assert run.results[1]["status"] == "skipped" and tags(person) == []  # the first failure stops the rule


def test_create_task_with_a_relative_due_date(cast, rule, person):
    rule(conditions=TO_CUSTOMER, actions=[{"action": "timeline.create_task", "params": {
        "title": "{{ name }} さんにお礼状", "days": 3}}])  # fmt: skip
    became_customer(cast.owner, person)
    task = FollowUp.objects.get()
    assert task.title == "山田 花子 さんにお礼状" and task.person == person
    assert task.due_date == timezone.localdate() + timedelta(days=3) and task.assignee == cast.owner


def test_business_days_skip_weekends():
    friday = timezone.datetime(2026, 12, 4).date()
    assert engine.TIME_TRIGGERS and friday.weekday() == 4
    from kizuna.automation.builtin_actions import due_in

    assert due_in(1, business_days=True, start=friday).weekday() == 0  # Monday
    assert due_in(1, business_days=False, start=friday).weekday() == 5


def test_notify_user_and_team(cast, rule, person, delivered):
    rule(conditions=TO_CUSTOMER, actions=[
        {"action": "notify.user", "params": {"user": cast.manager.pk, "message": "{{ name }} が顧客に"}},
        {"action": "notify.team", "params": {"team": cast.team_b.pk, "message": "共有"}},
    ])  # fmt: skip
    became_customer(cast.owner, person)
    assert delivered[0][0] == ["manager"] and delivered[0][1].body == "山田 花子 が顧客に"
    assert delivered[1][0] == ["outsider"] and delivered[1][1].kind == "rule"


def test_email_from_a_template_is_plain_substitution(cast, rule):
    p = factories.person(cast.owner, "鈴木", "一郎", emails=[{"value": "ichiro@example.jp", "label": "work"}],
                         notes="{{ owner_email }} {% debug %}")  # fmt: skip
    drain()
    rule(conditions=TO_CUSTOMER, actions=[{"action": "email.send", "params": {
        "to": "{{ owner_email }}, {{ email }}", "subject": "顧客化\n{{ name }}",
        "body": "{{ name }}（{{ lifecycle_stage }}）{{ notes }}"}}])  # fmt: skip
    cast.owner.email = "owner@example.jp"
    cast.owner.save()
    became_customer(cast.owner, p)
    (message,) = mail.outbox
    assert message.to == ["owner@example.jp", "ichiro@example.jp"]
    assert message.subject == "顧客化 鈴木 一郎"  # one line: no header injection
    assert message.body == "鈴木 一郎（顧客）{{ owner_email }} {% debug %}"  # a value is never expanded again


def test_unknown_placeholders_are_refused_when_saving(cast, rule):
    from kizuna.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        rule(actions=[{"action": "email.send", "params": {"to": "a@example.jp", "subject": "{{ secret }}",
                                                          "body": "x"}}])  # fmt: skip
    assert "secret" in str(exc.value.field_errors)


# --- conditions --------------------------------------------------------------------------------------------------
def test_conditions_on_fields_tags_owner_team_and_custom(cast, rule):
    p = factories.person(cast.owner, "佐藤", "健", prefecture="東京都", tags=["展示会"])
    p.custom = {"rank": "A", "score": 80}
    ok = [
        {"field": "prefecture", "op": "equals", "value": "東京都"},
        {"field": "prefecture", "op": "not_equals", "value": "大阪府"},
        {"field": "family_name", "op": "contains", "value": "佐"},
        {"field": "notes", "op": "empty"},
        {"field": "tags", "op": "equals", "value": "展示会"},
        {"field": "owner", "op": "equals", "value": "owner"},
        {"field": "owner", "op": "equals", "value": str(cast.owner.pk)},
        {"field": "team", "op": "equals", "value": "営業1部"},
        {"field": "custom.rank", "op": "equals", "value": "a"},
        {"field": "custom.score", "op": "gt", "value": "50"},
        {"field": "created_at", "op": "gt", "value": "2020-01-01"},
        {"field": "custom.missing", "op": "empty"},
    ]
    from kizuna.automation import conditions

    for c in ok:
        assert conditions.check(c, p).holds, c
    refused = [
        {"field": "custom.score", "op": "lt", "value": "50"},
        {"field": "tags", "op": "empty"},
        {"field": "owner", "op": "equals", "value": "teammate"},
        {"field": "prefecture", "op": "contains", "value": "大阪"},
        {"field": "custom.rank", "op": "empty"},
    ]
    for c in refused:
        assert not conditions.check(c, p).holds, c


def test_changed_to_and_changed_from(cast, rule, person):
    rule(conditions=TO_CUSTOMER, actions=[tag("顧客化")])
    rule(conditions=[{"field": "lifecycle_stage", "op": "changed_from", "value": "customer"}], actions=[tag("離脱")])
    contacts.update_person(actor=cast.owner, person=person, data={"notes": "関係のない変更"})
    drain()
    assert tags(person) == []
    became_customer(cast.owner, person)
    assert tags(person) == ["顧客化"]
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "inactive"})
    drain()
    assert tags(person) == ["離脱", "顧客化"]


def test_custom_field_changes_are_read_from_the_event(cast):
    from kizuna.automation import conditions

    event = OutboxEvent(changes={"custom": [{"rank": "B"}, {"rank": "A"}]})
    assert conditions.check({"field": "custom.rank", "op": "changed_to", "value": "A"}, object(), event).holds
    event = OutboxEvent(changes={"custom.rank": ["A", "B"]})
    assert conditions.check({"field": "custom.rank", "op": "changed_from", "value": "A"}, object(), event).holds


def test_days_since_contact(cast, rule, person):
    long_ago = timezone.now() - timedelta(days=120)
    Person.objects.filter(pk=person.pk).update(created_at=long_ago)
    rule(
        conditions=[*TO_CUSTOMER, {"field": "days_since_contact", "op": "gt", "value": "90"}], actions=[tag("久しぶり")]
    )
    act = timeline.create_activity(actor=cast.owner, data={"body": "電話", "people": [person.pk]})
    Activity.objects.filter(pk=act.pk).update(occurred_at=timezone.now() - timedelta(days=100))
    became_customer(cast.owner, person)
    assert tags(person) == ["久しぶり"]
    timeline.create_activity(actor=cast.owner, data={"body": "訪問", "people": [person.pk]})
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "lead", "tags": []})
    became_customer(cast.owner, person)
    assert tags(person) == []  # contacted today: 0 days


# --- order, switching off, team ---------------------------------------------------------------------------------
def test_rules_run_in_order_and_disabled_rules_do_not_run(cast, rule, person):
    first = rule(name="一番目", conditions=TO_CUSTOMER, actions=[
        {"action": "record.set_field", "params": {"field": "notes", "value": "一番目"}}])  # fmt: skip
    second = rule(name="二番目", conditions=TO_CUSTOMER, actions=[
        {"action": "record.set_field", "params": {"field": "notes", "value": "二番目"}}])  # fmt: skip
    off = rule(name="無効", conditions=TO_CUSTOMER, actions=[tag("無効")], enabled=False)
    became_customer(cast.owner, person)
    assert person.notes == "二番目" and tags(person) == []
    services.move_rule(actor=cast.admin, rule=second, direction="up")
    services.set_enabled(actor=cast.admin, rule=off, enabled=True)
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "lead"})
    became_customer(cast.owner, person)
    assert person.notes == "一番目" and tags(person) == ["無効"]
    assert RuleRun.objects.filter(rule=first).count() == 2


def test_a_managers_rule_only_acts_on_their_teams_records(cast, rule):
    mine = factories.person(cast.owner, "自", "チーム")
    theirs = factories.person(cast.outsider, "他", "チーム")
    drain()
    rule(actor=cast.manager, conditions=TO_CUSTOMER, actions=[tag("営業1部")])
    became_customer(cast.owner, mine)
    became_customer(cast.outsider, theirs)
    assert tags(mine) == ["営業1部"] and tags(theirs) == []


# --- loops --------------------------------------------------------------------------------------------------------
def test_two_rules_that_ping_pong_stop_at_the_depth_limit(cast, rule, person):
    rule(name="A", conditions=[{"field": "notes", "op": "changed_to", "value": "ping"}],
         actions=[{"action": "record.set_field", "params": {"field": "notes", "value": "pong"}}])  # fmt: skip
    rule(name="B", conditions=[{"field": "notes", "op": "changed_to", "value": "pong"}],
         actions=[{"action": "record.set_field", "params": {"field": "notes", "value": "ping"}}])  # fmt: skip
    contacts.update_person(actor=cast.owner, person=person, data={"notes": "ping"})
    drain()
    depths = list(relayed_events().filter(object_id=str(person.pk), type="person.updated").values_list(
        "depth", flat=True))  # fmt: skip
    assert depths == [0, 1, 2, 3]  # the event 3 deep triggers nothing
    assert RuleRun.objects.count() == 3
    assert not relayed_events().filter(dispatched_at__isnull=True).exists()


def test_a_rule_never_retriggers_on_its_own_change(cast, rule, person):
    r = rule(
        conditions=[{"field": "notes", "op": "changed"}],
        actions=[{"action": "record.set_field", "params": {"field": "notes", "value": "ルールが書いた"}}],
    )
    contacts.update_person(actor=cast.owner, person=person, data={"notes": "人が書いた"})
    drain()
    person.refresh_from_db()
    assert person.notes == "ルールが書いた" and RuleRun.objects.filter(rule=r).count() == 1


def test_an_event_seen_twice_runs_each_rule_once(cast, rule, person):
    rule(
        conditions=TO_CUSTOMER, actions=[{"action": "timeline.create_task", "params": {"title": "一度だけ", "days": 1}}]
    )
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "customer"})
    event = relayed_events().filter(object_id=str(person.pk)).last()
    engine.handle(event)
    engine.handle(event)
    assert FollowUp.objects.count() == 1 and RuleRun.objects.count() == 1


# --- permission failures ------------------------------------------------------------------------------------------
def test_a_permission_failure_is_recorded_not_raised(cast, rule, person):
    r = rule(actor=cast.manager, conditions=TO_CUSTOMER, actions=[tag("VIP")])
    from kizuna.accounts import roles

    roles.set_user_access(actor=cast.admin, user=cast.manager, role="member", team=False, is_active=None)
    became_customer(cast.owner, person)
    (run,) = RuleRun.objects.filter(rule=r)
    assert run.status == "error" and "権限" in run.results[0]["message"] and tags(person) == []
    assert not relayed_events().filter(dispatched_at__isnull=True).exists()  # the worker did not fail


def test_an_action_the_owner_may_not_do_fails_in_the_history(cast, rule, person):
    r = rule(
        actor=cast.manager,
        conditions=TO_CUSTOMER,
        actions=[{"action": "record.assign_owner", "params": {"user": cast.outsider.pk}}],
    )  # another team's member
    became_customer(cast.owner, person)
    (run,) = RuleRun.objects.filter(rule=r)
    assert run.status == "error" and person.owner == cast.owner


# --- the clock ----------------------------------------------------------------------------------------------------
def test_a_time_based_rule_fires_once_per_period(cast, rule, person):
    quiet = factories.person(cast.owner, "静", "香")
    drain()
    Person.objects.filter(pk__in=[person.pk, quiet.pk]).update(created_at=timezone.now() - timedelta(days=200))
    act = timeline.create_activity(actor=cast.owner, data={"body": "訪問", "people": [person.pk]})
    Activity.objects.filter(pk=act.pk).update(occurred_at=timezone.now() - timedelta(days=10))
    r = rule(trigger="time.person.no_contact", days=90, actions=[
        {"action": "timeline.create_task", "params": {"title": "{{ name }} さんに連絡", "days": 0}}])  # fmt: skip
    assert engine.run_time_rules() == 1
    assert engine.run_time_rules() == 0  # the ledger keeps it from firing every run
    assert list(FollowUp.objects.values_list("title", flat=True)) == ["静 香 さんに連絡"]
    (match,) = RuleMatch.objects.filter(rule=r)
    assert match.object_pk == quiet.pk
    # A contact, then another 90 days of silence: a new period, so it fires again.
    later = timeline.create_activity(actor=cast.owner, data={"body": "電話", "people": [quiet.pk]})
    Activity.objects.filter(pk=later.pk).update(occurred_at=timezone.now() - timedelta(days=95))
    assert engine.run_time_rules() == 1


def test_overdue_tasks_fire_once_from_the_clock(cast, rule, delivered):
    task = timeline.create_follow_up(actor=cast.owner, data={"title": "見積", "due_date": "2026-01-05"})
    timeline.create_follow_up(actor=cast.owner, data={"title": "未来", "due_date": "2099-01-05"})
    rule(
        trigger="time.task.overdue",
        days=0,
        actions=[{"action": "notify.user", "params": {"user": cast.manager.pk, "message": "{{ title }} が期限切れ"}}],
    )
    from kizuna.core import clock

    clock.run_due(force=True)
    clock.run_due(force=True)
    assert [n.body for _, n in delivered] == ["見積 が期限切れ"]
    timeline.complete_follow_up(actor=cast.owner, follow_up=task)


# --- dry run ------------------------------------------------------------------------------------------------------
def test_dry_run_describes_and_writes_nothing(cast, rule, person, delivered):
    r = rule(conditions=TO_CUSTOMER, actions=[
        tag("VIP"), {"action": "record.assign_owner", "params": {"user": cast.teammate.pk}},
        {"action": "timeline.create_task", "params": {"title": "お礼", "days": 2}},
        {"action": "notify.user", "params": {"user": cast.manager.pk, "message": "x"}},
        {"action": "email.send", "params": {"to": "a@example.jp", "subject": "s", "body": "b"}},
    ])  # fmt: skip
    counts = (AuditEvent.objects.count(), relayed_events().count(), FollowUp.objects.count())
    result = engine.dry_run(r, person)
    assert counts == (AuditEvent.objects.count(), relayed_events().count(), FollowUp.objects.count())
    assert not delivered and not mail.outbox and tags(person) == [] and not RuleRun.objects.exists()
    assert result["matched"] is False  # still a lead
    assert [a["status"] for a in result["actions"]] == ["ok"] * 5
    assert "VIP" in result["actions"][0]["message"] and "お礼" in result["actions"][2]["message"]
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "customer"})
    assert engine.dry_run(r, person)["matched"] is True


def test_rules_on_records_without_their_own_visibility_and_broken_rules_do_not_stop_the_worker(cast, rule, monkeypatch):
    from kizuna.automation import conditions

    rule(trigger="relationship.deleted", actions=[{"action": "notify.user", "params": {
        "user": cast.manager.pk, "message": "{{ name }}"}}])  # fmt: skip
    a, b = factories.person(cast.owner, "甲", "一"), factories.person(cast.owner, "乙", "二")
    rel = timeline.create_relationship(actor=cast.owner, data={"from_person": a.pk, "to_person": b.pk, "kind": "boss"})
    timeline.delete_relationship(actor=cast.owner, relationship=rel)  # filed under the relationship itself
    drain()
    assert RuleRun.objects.get().status == "ok"
    broken = rule(conditions=TO_CUSTOMER, actions=[tag("x")])
    monkeypatch.setattr(conditions, "matches", lambda *args: 1 / 0)
    became_customer(cast.owner, a)
    assert "ZeroDivisionError" in RuleRun.objects.get(rule=broken).results[0]["message"]
    assert not relayed_events().filter(dispatched_at__isnull=True).exists()
