"""The rule form's rows: conditions and actions posted as repeated fields (one row per condition, one per action,
in the order shown), read back into the service's data and rendered again from a rule or a refused post."""

import uuid

from django.contrib.auth import get_user_model

from kizuna.accounts.models import Team
from kizuna.core import actions

from . import conditions, engine, fields
from .builtin_actions import SETTABLE


def posted_rule(post) -> dict:
    """The service's data from the form: conditions from cond_field/cond_op/cond_value, actions from `act` (one
    row id per action) and act_<id>_<param>."""
    rows = zip(post.getlist("cond_field"), post.getlist("cond_op"), post.getlist("cond_value"), strict=False)
    found_conditions = [{"field": f.strip(), "op": o, "value": v} for f, o, v in rows if f.strip()]
    found_actions = []
    for uid in post.getlist("act"):
        uid = "".join(ch for ch in uid if ch.isalnum())[:16]
        key = post.get(f"act_{uid}_action", "")
        if not key:
            continue
        action = actions.get(key)
        params = {p.name: post.get(f"act_{uid}_{p.name}", "") for p in (action.params if action else ())}
        found_actions.append({"action": key, "params": params})
    return {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "trigger": post.get("trigger", ""),
        "days": post.get("days", "").strip() or None,
        "enabled": post.get("enabled") == "on",
        "team": post.get("team") or None,
        "conditions": found_conditions,
        "actions": found_actions,
    }


def new_uid() -> str:
    return uuid.uuid4().hex[:10]


def param_widgets(action, values: dict, object_type: str, user) -> list[dict]:
    """What the template needs to draw an action's parameters."""
    if action is None:
        return []
    out = []
    for param in action.params:
        widget = {"name": param.name, "label": param.label, "kind": param.kind, "required": param.required,
                  "value": values.get(param.name, "")}  # fmt: skip
        if param.kind == "user":
            widget["choices"] = [(u.pk, str(u)) for u in get_user_model().objects.filter(is_active=True)
                                 .order_by("username")[:500]]  # fmt: skip
        elif param.kind == "team":
            widget["choices"] = [(t.pk, t.name) for t in Team.objects.all()]
        elif param.kind == "field":
            model = fields.model_for(object_type)
            widget["choices"] = [(f, model._meta.get_field(f).verbose_name) for f in SETTABLE.get(object_type, ())]
        out.append(widget)
    return out


def action_rows(rule_actions: list[dict], object_type: str, user) -> list[dict]:
    return [{"uid": new_uid(), "key": step.get("action", ""),
             "params": param_widgets(actions.get(step.get("action", "")), step.get("params") or {}, object_type, user)}
            for step in rule_actions]  # fmt: skip


def choices(object_type: str) -> dict:
    available = [a for a in actions.actions().values() if not a.object_types or object_type in a.object_types]
    return {
        "triggers": engine.trigger_choices(),
        "time_triggers": list(engine.TIME_TRIGGERS),
        "operators": conditions.OPS,
        "actions": [(a.key, a.label) for a in available] or [(a.key, a.label) for a in actions.actions().values()],
        "field_options": fields.catalog(object_type),
    }
