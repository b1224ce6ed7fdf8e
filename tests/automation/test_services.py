"""Writing rules: who may, what is refused, and the audit row of every change."""

import pytest

from kizuna.automation import services
from kizuna.automation.models import Rule
from kizuna.automation.permissions import get_rule_for_user
from kizuna.core.exceptions import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent

TAG = [{"action": "record.add_tag", "params": {"tag": "VIP"}}]


def audit_actions(rule_pk):
    return list(AuditEvent.objects.filter(object_type="automation.rule", object_id=str(rule_pk)).order_by("id")
                .values_list("action", flat=True))  # fmt: skip


def test_create_update_toggle_move_delete_are_audited(cast, rule):
    r = rule(actions=TAG)
    other = rule(name="二つ目", actions=TAG)
    services.update_rule(actor=cast.admin, rule=r, data={"name": "改名"}, expected_version=1)
    services.set_enabled(actor=cast.admin, rule=r, enabled=False)
    services.move_rule(actor=cast.admin, rule=other, direction="up")
    assert list(Rule.objects.values_list("name", flat=True)) == ["二つ目", "改名"]
    pk = r.pk
    services.delete_rule(actor=cast.admin, rule=r)
    assert audit_actions(pk) == ["automation.rule.create", "automation.rule.update", "automation.rule.disable",
                                   "automation.rule.delete"]  # fmt: skip
    row = AuditEvent.objects.get(action="automation.rule.update")
    assert row.changes["name"] == ["テストルール", "改名"] and row.actor == cast.admin
    assert audit_actions(other.pk)[-1] == "automation.rule.move"


def test_a_stale_version_is_refused(cast, rule):
    r = rule(actions=TAG)
    services.update_rule(actor=cast.admin, rule=r, data={"name": "一"})
    with pytest.raises(StaleVersion):
        services.update_rule(actor=cast.admin, rule=r, data={"name": "二"}, expected_version=1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"trigger": "nothing.happened"}, "trigger"),
        ({"conditions": [{"field": "no_such_field", "op": "equals", "value": "x"}]}, "conditions"),
        ({"conditions": [{"field": "notes", "op": "resembles", "value": "x"}]}, "conditions"),
        ({"conditions": [{"field": "notes", "op": "contains", "value": ""}]}, "conditions"),
        ({"actions": []}, "actions"),
        ({"actions": [{"action": "no.such", "params": {}}]}, "actions"),
        ({"actions": [{"action": "record.add_tag", "params": {}}]}, "actions"),
        ({"actions": [{"action": "record.set_field", "params": {"field": "family_name", "value": "x"}}]}, "actions"),
        ({"actions": [{"action": "record.assign_owner", "params": {"user": 987654}}]}, "actions"),
        ({"trigger": "time.person.no_contact", "days": None}, "days"),
        ({"trigger": "time.person.no_contact", "days": 90,
          "conditions": [{"field": "notes", "op": "changed", "value": ""}]}, "conditions"),
        ({"trigger": "task.updated", "actions": TAG}, "actions"),  # tasks have no tags
    ],
)  # fmt: skip
def test_bad_rules_are_refused_with_every_problem_named(cast, data, field):
    base = {"name": "x", "trigger": "person.updated", "actions": TAG}
    with pytest.raises(ValidationFailed) as exc:
        services.create_rule(actor=cast.admin, data=base | data)
    assert field in exc.value.field_errors
    assert not Rule.objects.exists()


def test_custom_fields_are_accepted_by_path(cast, rule):
    r = rule(conditions=[{"field": "custom.rank", "op": "equals", "value": "A"}], actions=TAG)
    assert r.conditions[0]["field"] == "custom.rank"


def test_managers_make_rules_for_their_own_team_only(cast, rule):
    r = rule(actor=cast.manager, actions=TAG)
    assert r.team == cast.team_a and r.owner == cast.manager
    with pytest.raises(ValidationFailed):
        services.create_rule(actor=cast.manager, data={"name": "x", "trigger": "person.updated", "actions": TAG,
                                                       "team": cast.team_b.pk})  # fmt: skip
    with pytest.raises(ValidationFailed):  # notices only to their own team
        rule(actor=cast.manager, actions=[{"action": "notify.team", "params": {"team": cast.team_b.pk,
                                                                               "message": "x"}}])  # fmt: skip
    global_rule = rule(actions=TAG)
    with pytest.raises(NotFound):
        get_rule_for_user(cast.manager, global_rule.pk)
    with pytest.raises(PermissionDenied):
        services.update_rule(actor=cast.manager, rule=global_rule, data={"name": "乗っ取り"})
    assert get_rule_for_user(cast.admin, r.pk) == r


@pytest.mark.parametrize("who", ["owner", "readonly", "outsider"])
def test_members_and_read_only_users_may_not_manage_rules(cast, who):
    with pytest.raises(PermissionDenied):
        services.create_rule(actor=getattr(cast, who), data={"name": "x", "trigger": "person.updated",
                                                             "actions": TAG})  # fmt: skip
