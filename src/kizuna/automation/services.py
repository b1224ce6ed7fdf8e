"""All writes to automation rules: create, update, switch on/off, reorder, delete. Each checks who may manage the
rule, validates the whole rule (trigger, conditions, actions and their parameters) and writes its audit row."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.accounts.models import Team
from kizuna.core import actions, audit, records
from kizuna.core.exceptions import PermissionDenied
from kizuna.core.permissions import is_admin
from kizuna.core.services import Errors, text

from . import conditions, fields, templating
from .builtin_actions import SETTABLE
from .engine import TIME_TRIGGERS, object_type_of, trigger_choices
from .models import Rule
from .permissions import require_rule_manager

FIELDS = ["name", "description", "trigger", "days", "conditions", "actions", "enabled", "team", "owner"]
MAX_CONDITIONS, MAX_ACTIONS, MAX_DAYS = 20, 10, 3650


def _clean_conditions(raw, object_type: str, timed: bool, errors: Errors) -> list[dict]:
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        errors.add("conditions", _("条件は %(n)d 個までのリストです。") % {"n": MAX_CONDITIONS})
        return []
    out = []
    for i, item in enumerate(raw, 1):
        item = item if isinstance(item, dict) else {}
        path, op = str(item.get("field") or "").strip(), str(item.get("op") or "").strip()
        value = str(item.get("value") if item.get("value") is not None else "").strip()
        if not fields.is_known_path(object_type, path):
            errors.add("conditions", _("条件 %(i)d: 項目「%(f)s」はありません。") % {"i": i, "f": path})
        if op not in conditions.OPS:
            errors.add("conditions", _("条件 %(i)d: 比較「%(op)s」は使えません。") % {"i": i, "op": op})
        elif timed and op in conditions.CHANGE_OPS:
            errors.add("conditions", _("条件 %(i)d: 時間のきっかけでは「変わった」の条件は使えません。") % {"i": i})
        elif op not in conditions.NO_VALUE and not value and op not in ("equals", "not_equals"):
            errors.add("conditions", _("条件 %(i)d: 値を入力してください。") % {"i": i})
        if len(value) > 200:
            errors.add("conditions", _("条件 %(i)d: 値は200文字以内です。") % {"i": i})
        out.append({"field": path, "op": op, "value": "" if op in conditions.NO_VALUE else value})
    return out


def _clean_param(actor, param, value, object_type: str, where: str, errors: Errors):
    value = "" if value is None else value
    if param.kind == "checkbox":
        return bool(value) and str(value).lower() not in ("0", "false", "off", "")
    value = str(value).strip()
    if not value:
        if param.required:
            errors.add("actions", _("%(w)s: 「%(p)s」を入力してください。") % {"w": where, "p": param.label})
        return ""
    if param.kind == "user":
        if not get_user_model().objects.filter(pk=value if value.isdigit() else None, is_active=True).exists():
            errors.add("actions", _("%(w)s: ユーザーが見つかりません。") % {"w": where})
        return int(value) if value.isdigit() else value
    if param.kind == "team":
        team = Team.objects.filter(pk=value if value.isdigit() else None).first()
        if team is None:
            errors.add("actions", _("%(w)s: チームが見つかりません。") % {"w": where})
        elif not is_admin(actor) and team.pk != actor.team_id:
            errors.add("actions", _("%(w)s: 自分のチームにだけ通知できます。") % {"w": where})
        return int(value) if value.isdigit() else value
    if param.kind == "days":
        if not value.isdigit() or int(value) > 365:
            errors.add("actions", _("%(w)s: 日数は0〜365の整数です。") % {"w": where})
            return value
        return int(value)
    if param.kind == "field" and value not in SETTABLE.get(object_type, ()):
        errors.add("actions", _("%(w)s: 項目「%(v)s」はルールから変更できません。") % {"w": where, "v": value})
    if param.kind in ("template", "long_template") and (bad := templating.unknown(value, object_type)):
        errors.add("actions", _("%(w)s: 差し込み項目 %(names)s はありません。") % {"w": where, "names": ", ".join(bad)})
    if len(value) > (5000 if param.kind == "long_template" else 500):
        errors.add("actions", _("%(w)s: 「%(p)s」が長すぎます。") % {"w": where, "p": param.label})
    return value


def _clean_actions(actor, raw, object_type: str, errors: Errors) -> list[dict]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ACTIONS:
        errors.add("actions", _("アクションを1〜%(n)d 個指定してください。") % {"n": MAX_ACTIONS})
        return []
    out = []
    for i, item in enumerate(raw, 1):
        item = item if isinstance(item, dict) else {}
        key, given = str(item.get("action") or ""), item.get("params") or {}
        where = _("アクション %(i)d") % {"i": i}
        action = actions.get(key)
        if action is None:
            errors.add("actions", _("%(w)s: アクション「%(k)s」はありません。") % {"w": where, "k": key})
            continue
        if action.object_types and object_type not in action.object_types:
            errors.add(
                "actions",
                _("%(w)s: 「%(a)s」はこのきっかけのレコードには使えません。") % {"w": where, "a": action.label},
            )
        if not isinstance(given, dict):
            given = {}
        params = {p.name: _clean_param(actor, p, given.get(p.name), object_type, where, errors) for p in action.params}
        out.append({"action": key, "params": params})
    return out


def _clean(actor, data: dict, *, current: Rule | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "name" in data:
        out["name"] = text(data, "name", 100, errors, required=True, label=_("名前"))
    if "description" in data:
        out["description"] = text(data, "description", 300, errors)
    trigger = str(data.get("trigger") if "trigger" in data else getattr(current, "trigger", "") or "")
    if trigger not in trigger_choices():
        errors.add("trigger", _("きっかけ「%(t)s」はありません。") % {"t": trigger})
    out["trigger"] = trigger
    object_type, timed = object_type_of(trigger), trigger in TIME_TRIGGERS
    days = data.get("days") if "days" in data else getattr(current, "days", None)
    if timed:
        if days in (None, "") or not str(days).isdigit() or int(days) > MAX_DAYS:
            errors.add("days", _("日数は0〜%(n)d の整数で入力してください。") % {"n": MAX_DAYS})
        out["days"] = int(days) if str(days).isdigit() else None
    else:
        out["days"] = None
    raw_conditions = data.get("conditions") if "conditions" in data else getattr(current, "conditions", [])
    out["conditions"] = _clean_conditions(raw_conditions, object_type, timed, errors)
    raw_actions = data.get("actions") if "actions" in data else getattr(current, "actions", [])
    out["actions"] = _clean_actions(actor, raw_actions, object_type, errors)
    if "enabled" in data:
        out["enabled"] = bool(data["enabled"])
    if is_admin(actor):
        if "team" in data:
            team = data.get("team")
            out["team"] = Team.objects.filter(pk=team).first() if str(team or "").isdigit() else None
            if team and out["team"] is None:
                errors.add("team", _("チームが見つかりません。"))
    elif current is None or "team" in data:
        if data.get("team") not in (None, "", actor.team_id, str(actor.team_id)):
            errors.add("team", _("マネージャーは自分のチームのルールだけを作れます。"))
        out["team"] = actor.team  # a manager's rules act on their own team's records only
    errors.raise_if_any()
    return out


def _snapshot(rule: Rule) -> dict:
    return records.snapshot(rule, FIELDS)


def create_rule(*, actor, data: dict) -> Rule:
    require_rule_manager(actor)
    values = _clean(actor, data)
    with transaction.atomic():
        last = Rule.objects.aggregate(last=Max("position"))["last"]
        rule = Rule(**values, owner=actor, created_by=actor, updated_by=actor, position=(last or 0) + 1)
        rule.save()
        audit.record(actor=actor, action="automation.rule.create", obj=rule, changes=audit.diff({}, _snapshot(rule)))
    return rule


def _check_reach(actor, rule: Rule) -> None:
    require_rule_manager(actor)
    if not is_admin(actor) and rule.team_id != actor.team_id:
        raise PermissionDenied()


def _save(actor, rule: Rule, values: dict, *, action: str, expected_version=None) -> dict:
    with transaction.atomic():
        current = Rule.objects.select_for_update().get(pk=rule.pk)
        records.check_version(current, expected_version)
        before = _snapshot(current)
        for key, value in values.items():
            setattr(rule, key, value)
        changes = audit.diff(before, _snapshot(rule))
        if not changes:
            return {}
        rule.version = current.version + 1
        rule.updated_at, rule.updated_by = timezone.now(), actor
        rule.save()
        audit.record(actor=actor, action=action, obj=rule, changes=changes)
    return changes


def update_rule(*, actor, rule: Rule, data: dict, expected_version=None) -> dict:
    _check_reach(actor, rule)
    records.check_version(rule, expected_version)
    values = _clean(actor, data, current=rule)
    return _save(actor, rule, values, action="automation.rule.update", expected_version=expected_version)


def set_enabled(*, actor, rule: Rule, enabled: bool) -> dict:
    _check_reach(actor, rule)
    action = "automation.rule.enable" if enabled else "automation.rule.disable"
    return _save(actor, rule, {"enabled": bool(enabled)}, action=action)


def move_rule(*, actor, rule: Rule, direction: str) -> bool:
    """Swap the rule with its neighbour above or below among the rules the actor manages; False at either end."""
    from .permissions import rules_visible_to

    _check_reach(actor, rule)
    if direction not in ("up", "down"):
        from kizuna.core.exceptions import ValidationFailed

        raise ValidationFailed(field_errors={"direction": [_("up か down を指定してください。")]})
    with transaction.atomic():
        ordered = list(rules_visible_to(actor).select_related(None).select_for_update().order_by("position", "id"))
        index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(ordered):
            return False
        other = ordered[other_index]
        mine, theirs = ordered[index].position, other.position
        if mine == theirs:  # equal positions (older data): make room first
            theirs = mine - 1 if direction == "up" else mine + 1
        Rule.objects.filter(pk=rule.pk).update(position=theirs, version=rule.version + 1)
        Rule.objects.filter(pk=other.pk).update(position=mine)
        changes = {"position": [mine, theirs], "swapped_with": [None, f"{other} (#{other.pk})"]}
        audit.record(actor=actor, action="automation.rule.move", obj=rule, changes=changes)
        rule.position, rule.version = theirs, rule.version + 1
    return True


def delete_rule(*, actor, rule: Rule) -> None:
    _check_reach(actor, rule)
    with transaction.atomic():
        gone = {key: [value, None] for key, value in audit.diff({}, _snapshot(rule)).items()}
        audit.record(actor=actor, action="automation.rule.delete", obj=rule, changes=gone)
        rule.delete()
