"""Running rules: on each domain event (the `automation` consumer) and from the clock (time-based rules).

Loop protection: an event caused by automated writes `depth` deep or deeper (MAX_DEPTH) triggers nothing, and a
rule never runs on an event its own writes caused (`event.origin == rule.source`). A rule's writes run inside
`events.caused_by(rule.source, depth=event.depth + 1)` and as the rule's owner; an action that fails (no
permission, bad value) stops that rule's run and is recorded in its history, never raised to the event worker."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.core import actions, context, events
from kizuna.core.exceptions import DomainError

from . import conditions, fields
from .models import Rule, RuleMatch, RuleRun
from .permissions import may_manage_rules

log = logging.getLogger(__name__)
MAX_DEPTH = 3  # events this many automated steps deep trigger no rule
TIME_BATCH = 500  # records one time-based rule handles per clock run (the rest come next time)


# --- time triggers -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeTrigger:
    key: str
    label: object
    object_type: str
    candidates: object  # (rule, now) -> queryset annotated with `period` (a date: one firing per record and period)


def _no_contact(object_type):
    def candidates(rule, now):
        model = fields.model_for(object_type)
        cutoff = now - timedelta(days=rule.days or 0)
        silence = Coalesce(fields.last_contact_subquery(object_type), F("created_at"))
        return model.objects.alive().annotate(since=silence, period=TruncDate(silence)).filter(since__lt=cutoff)

    return candidates


def _task_overdue(rule, now):
    model = fields.model_for("task")
    due_before = timezone.localdate(now) - timedelta(days=rule.days or 0)
    return model.objects.alive().filter(done_at__isnull=True, due_date__lt=due_before).annotate(period=F("due_date"))


TIME_TRIGGERS = {
    t.key: t
    for t in (
        TimeTrigger("time.person.no_contact", _l("時間: 人と一定日数接触がない"), "person", _no_contact("person")),
        TimeTrigger("time.company.no_contact", _l("時間: 会社と一定日数接触がない"), "company", _no_contact("company")),
        TimeTrigger("time.task.overdue", _l("時間: タスクが期日を一定日数過ぎた"), "task", _task_overdue),
    )
}


def trigger_choices() -> dict:
    """{trigger: label}: every domain event type, then the time triggers."""
    return events.event_types() | {k: t.label for k, t in TIME_TRIGGERS.items()}


def object_type_of(trigger: str) -> str:
    if trigger in TIME_TRIGGERS:
        return TIME_TRIGGERS[trigger].object_type
    return trigger.split(".", 1)[0]


# --- running one rule on one record ------------------------------------------------------------------------------
def _blocked(rule, obj) -> str:
    """Why the rule's owner cannot act on `obj` at all, or ""."""
    owner = rule.owner
    if not owner.is_active or not may_manage_rules(owner):
        return _("ルールの実行ユーザー %(user)s にルールを実行する権限がありません。") % {"user": owner}
    if not sees(owner, obj):
        return _("ルールの実行ユーザー %(user)s はこのレコードを見られません。") % {"user": owner}
    return ""


def sees(user, obj) -> bool:
    """Whether `user` sees `obj`, remembered on the user object for the rules of one event."""
    memo = user.__dict__.setdefault("_automation_sees", {})
    key = (obj.permission_type, obj.pk)
    if key not in memo:
        target = obj
        if not hasattr(type(obj).objects, "visible_to"):  # a relationship: seen with the record it belongs to
            target = getattr(obj, "access_parent", None)
        memo[key] = (
            target is not None
            and type(target).objects.visible_to(user, deleted=target.is_deleted).filter(pk=target.pk).exists()
        )
    return memo[key]


def run_actions(rule, obj, *, event=None, dry_run: bool = False) -> tuple[str, list[dict]]:
    """Run (or, dry, describe) the rule's actions in order; the first failure stops the rest."""
    results, status = [], RuleRun.Status.OK
    depth = (event.depth if event is not None else 0) + 1
    blocked = _blocked(rule, obj)
    if blocked:
        return RuleRun.Status.ERROR, [{"action": "", "label": "", "status": "error", "message": blocked}]
    with events.caused_by(rule.source, depth=depth), context.request_context(channel="automation"):
        for step in rule.actions:
            key, params = step.get("action", ""), step.get("params") or {}
            action = actions.get(key)
            entry = {"action": key, "label": str(action.label) if action else key}
            if status == RuleRun.Status.ERROR:
                results.append(
                    entry | {"status": "skipped", "message": _("前のアクションが失敗したため実行していません。")}
                )
                continue
            try:
                if action is None:
                    raise DomainError(_("アクション「%(key)s」は登録されていません。") % {"key": key})
                ctx = actions.ActionContext(obj=obj, actor=rule.owner, event=event, dry_run=dry_run,
                                            extra={"rule": rule})  # fmt: skip
                with transaction.atomic():
                    message = action.run(ctx, params)
                results.append(entry | {"status": "ok", "message": str(message or "")})
            except DomainError as exc:
                status = RuleRun.Status.ERROR
                results.append(entry | {"status": "error", "message": exc.summary})
            except Exception as exc:  # a bug in an action is recorded like any failure; the worker goes on
                log.exception("automation rule %s action %s failed", rule.pk, key)
                status = RuleRun.Status.ERROR
                results.append(entry | {"status": "error", "message": repr(exc)[:500]})
    return status, results


def run_rule(rule, obj, *, event=None) -> RuleRun:
    status, results = run_actions(rule, obj, event=event)
    return RuleRun.objects.create(
        rule=rule, event_id=event.event_id if event is not None else None,
        event_type=event.type if event is not None else rule.trigger, object_type=obj.permission_type,
        object_id=str(obj.pk), object_label=str(obj)[:300], depth=event.depth if event is not None else 0,
        status=status, results=results,
    )  # fmt: skip


# --- the event consumer ------------------------------------------------------------------------------------------
def handle(event) -> None:
    """Evaluate the enabled rules for the event's type, in order. Safe to call twice for one event."""
    if event.depth >= MAX_DEPTH or not event.object_id:
        return
    rules = list(
        Rule.objects.filter(enabled=True, trigger=event.type).select_related("owner").order_by("position", "id")
    )
    if not rules:
        return
    obj = fields.load(event.object_type, event.object_id)
    if obj is None:
        return
    done = set(RuleRun.objects.filter(event_id=event.event_id).values_list("rule_id", flat=True))
    owners: dict = {}
    for rule in rules:
        rule.owner = owners.setdefault(rule.owner_id, rule.owner)  # one role lookup per owner, not per rule
        if rule.pk in done or event.origin == rule.source:
            continue
        if rule.team_id and getattr(obj, "team_id", None) != rule.team_id:
            continue
        try:
            with transaction.atomic():
                if conditions.matches(rule.conditions, obj, event):
                    run_rule(rule, obj, event=event)
        except IntegrityError:  # another worker ran it for this event at the same moment
            continue
        except Exception as exc:  # a broken rule is recorded in its history; the other rules and the worker go on
            log.exception("automation rule %s failed on %s", rule.pk, event.event_id)
            RuleRun.objects.create(
                rule=rule, event_id=event.event_id, event_type=event.type, object_type=event.object_type,
                object_id=event.object_id, object_label=str(obj)[:300], depth=event.depth, status=RuleRun.Status.ERROR,
                results=[{"action": "", "label": "", "status": "error", "message": repr(exc)[:500]}],
            )  # fmt: skip


# --- the clock ---------------------------------------------------------------------------------------------------
def run_time_rules(*, now=None) -> int:
    """Fire each enabled time-based rule once per record and period; returns how many runs were made."""
    now = now or timezone.now()
    fired = 0
    for rule in Rule.objects.filter(enabled=True, trigger__in=list(TIME_TRIGGERS)).select_related("owner"):
        trigger = TIME_TRIGGERS[rule.trigger]
        seen = RuleMatch.objects.filter(rule=rule, object_pk=OuterRef("pk"), period=OuterRef("period"))
        qs = trigger.candidates(rule, now).filter(~Exists(seen))
        if rule.team_id:
            qs = qs.filter(team_id=rule.team_id)
        for obj in qs.order_by("pk")[:TIME_BATCH]:
            if not conditions.matches(rule.conditions, obj, None):
                continue
            with transaction.atomic():
                RuleMatch.objects.create(rule=rule, object_pk=obj.pk, period=obj.period)
                run_rule(rule, obj)
            fired += 1
    return fired


# --- dry run -----------------------------------------------------------------------------------------------------
def dry_run(rule, obj) -> dict:
    """ "Test on this record": which conditions hold and what each action would do; nothing is written (and the
    transaction is rolled back in case an action forgot to look at ctx.dry_run)."""
    with transaction.atomic():
        outcomes = conditions.evaluate(rule.conditions, obj, None, dry_run=True)
        team_ok = not rule.team_id or getattr(obj, "team_id", None) == rule.team_id
        status, results = run_actions(rule, obj, dry_run=True)
        transaction.set_rollback(True)
    return {
        "matched": team_ok and all(o.holds for o in outcomes),
        "team_matches": team_ok,
        "conditions": [
            {
                **o.condition,
                "holds": o.holds,
                "note": o.note,
                "op_label": str(conditions.OPS.get(o.condition.get("op"), "")),
            }
            for o in outcomes
        ],
        "status": status,
        "actions": results,
    }
