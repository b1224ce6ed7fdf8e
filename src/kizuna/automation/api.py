"""/api/v1/automation: rules (list, create, read, change, delete, reorder), their run history and the dry run.
Administrators see every rule; managers their own team's; anyone else gets 403."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from kizuna.core import actions
from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Strict

from . import conditions, engine, fields, services
from .permissions import get_rule_for_user, require_rule_manager, rules_visible_to

router = Router(tags=["automation"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class ConditionIO(Strict):
    field: str = Field(..., max_length=80, description="a field, custom.<key> or days_since_contact")
    op: str = Field(..., max_length=20, description=", ".join(conditions.OPS))
    value: str = Field("", max_length=200)


class ActionIO(Strict):
    action: str = Field(..., max_length=80, description="a key registered in core.actions")
    params: dict = Field(default_factory=dict)


class RuleOut(Schema):
    id: int
    name: str
    description: str
    trigger: str
    days: int | None
    conditions: list[ConditionIO]
    actions: list[ActionIO]
    enabled: bool
    position: int
    owner: int = Field(..., alias="owner_id")
    team: int | None = Field(None, alias="team_id")
    version: int


class RuleIn(Strict):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=300)
    trigger: str = Field(..., max_length=80)
    days: int | None = Field(None, ge=0, le=3650, description="time triggers: days without contact, or overdue")
    conditions: list[ConditionIO] = Field(default_factory=list, max_length=20)
    actions: list[ActionIO] = Field(..., min_length=1, max_length=10)
    enabled: bool = True
    team: int | None = Field(None, description="administrators: limit the rule to one team's records")


class RulePatch(Strict):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=300)
    trigger: str | None = Field(None, max_length=80)
    days: int | None = Field(None, ge=0, le=3650)
    conditions: list[ConditionIO] | None = Field(None, max_length=20)
    actions: list[ActionIO] | None = Field(None, min_length=1, max_length=10)
    enabled: bool | None = None
    team: int | None = None


class MoveIn(Strict):
    direction: str = Field(..., pattern="^(up|down)$")


class RunOut(Schema):
    id: int
    at: str
    event_id: str | None
    event_type: str
    object_type: str
    object_id: str
    object_label: str
    depth: int
    status: str
    results: list[dict]


class DryRunIn(Strict):
    object_type: str = Field(..., max_length=40)
    object_id: int


class DryRunOut(Schema):
    matched: bool
    team_matches: bool
    conditions: list[dict]
    status: str
    actions: list[dict]


class CatalogOut(Schema):
    triggers: dict[str, str]
    operators: dict[str, str]
    actions: list[dict]
    fields: dict[str, list[list[str]]]


def _data(payload: Strict, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial)
    for key in ("conditions", "actions"):
        if data.get(key) is not None:
            data[key] = [dict(item) for item in data[key]]
    return data


@router.get("/automation/catalog", response={200: CatalogOut, **ERRORS})
def catalog(request: HttpRequest):
    """What rules can be built from: triggers, condition operators, actions with their parameters, fields."""
    require_rule_manager(request.user)
    triggers = {k: str(v) for k, v in engine.trigger_choices().items()}
    kinds = sorted({engine.object_type_of(t) for t in triggers})
    return {
        "triggers": triggers,
        "operators": {k: str(v) for k, v in conditions.OPS.items()},
        "actions": [
            {
                "key": a.key,
                "label": str(a.label),
                "object_types": list(a.object_types),
                "params": [
                    {"name": p.name, "label": str(p.label), "kind": p.kind, "required": p.required} for p in a.params
                ],
            }
            for a in actions.actions().values()
        ],
        "fields": {k: [[path, label] for path, label in fields.catalog(k)] for k in kinds},
    }


@router.get("/automation/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request: HttpRequest):
    require_rule_manager(request.user)
    return list(rules_visible_to(request.user).order_by("position", "id"))


@router.post("/automation/rules", response={201: RuleOut, **ERRORS})
def create_rule(request: HttpRequest, response: HttpResponse, payload: RuleIn):
    rule = services.create_rule(actor=request.user, data=_data(payload, partial=False))
    set_etag(response, rule)
    return Status(201, rule)


@router.get("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def get_rule(request: HttpRequest, response: HttpResponse, rule_id: int):
    rule = get_rule_for_user(request.user, rule_id)
    set_etag(response, rule)
    return rule


@router.patch("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def patch_rule(request: HttpRequest, response: HttpResponse, rule_id: int, payload: RulePatch):
    rule = get_rule_for_user(request.user, rule_id)
    version = expected_version(request, rule)
    services.update_rule(actor=request.user, rule=rule, data=_data(payload, partial=True), expected_version=version)
    set_etag(response, rule)
    return rule


@router.delete("/automation/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: int):
    services.delete_rule(actor=request.user, rule=get_rule_for_user(request.user, rule_id))
    return Status(204, None)


@router.post("/automation/rules/{rule_id}/move", response={200: RuleOut, **ERRORS})
def move_rule(request: HttpRequest, response: HttpResponse, rule_id: int, payload: MoveIn):
    """Swap the rule with the one above (`up`) or below (`down`) it; rules run in this order."""
    rule = get_rule_for_user(request.user, rule_id)
    services.move_rule(actor=request.user, rule=rule, direction=payload.direction)
    set_etag(response, rule)
    return rule


@router.get("/automation/rules/{rule_id}/runs", response={200: list[RunOut], **ERRORS})
def list_runs(request: HttpRequest, rule_id: int, limit: int = 50):
    """The rule's latest runs: which record, which event, what each action did or why it failed."""
    rule = get_rule_for_user(request.user, rule_id)
    limit = max(1, min(limit, 200))
    return [{"id": r.pk, "at": r.at.isoformat(), "event_id": str(r.event_id) if r.event_id else None,
             "event_type": r.event_type, "object_type": r.object_type, "object_id": r.object_id,
             "object_label": r.object_label, "depth": r.depth, "status": r.status, "results": r.results}
            for r in rule.runs.order_by("-at", "-id")[:limit]]  # fmt: skip


@router.post("/automation/rules/{rule_id}/dry-run", response={200: DryRunOut, **ERRORS})
def dry_run(request: HttpRequest, rule_id: int, payload: DryRunIn):
    """Test the rule on one record you can see: which conditions hold and what each action would do. Writes
    nothing."""
    rule = get_rule_for_user(request.user, rule_id)
    model = fields.model_for(payload.object_type)
    if model is None:
        raise NotFound()
    if payload.object_type != engine.object_type_of(rule.trigger):
        raise ValidationFailed(field_errors={"object_type": [_("このルールは %(t)s のルールです。") % {
            "t": engine.object_type_of(rule.trigger)}]})  # fmt: skip
    obj = get_for_user(model, request.user, payload.object_id)
    return engine.dry_run(rule, obj)
