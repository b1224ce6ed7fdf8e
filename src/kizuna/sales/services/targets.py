"""Writes of the PDCA loop: targets, KPI definitions, the sales settings and monthly reviews. Each is one
transaction with its audit row; who may write is decided here (views and the API only call these).

- targets: administrators for anyone; a manager (team scope) for their own team and its members
- KPI definitions and settings: administrators
- a monthly review: the rep for themselves, their manager, administrators; a team's review: its manager, admins
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.accounts.models import Team, User
from kizuna.core import audit
from kizuna.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import Scope, can_write_records, is_active_user, is_admin, manages_team_of, scope_of
from kizuna.core.services import Errors
from kizuna.timeline.models import Activity
from kizuna.timeline.services.follow_ups import create_follow_up

from ..models import KpiDefinition, MonthlyReview, SalesSettings, Stage, Target
from .forecast import as_id
from .kpi import check_metric, month_of

MAX_TARGET = 10**13  # ten trillion yen: beyond any month of any company, below the column's limit


# --- reach -----------------------------------------------------------------------------------------------------


def may_plan_for(actor, *, user=None, team=None) -> bool:
    """Whether the actor sets targets for (and reviews) this rep or team."""
    if not is_active_user(actor):
        return False
    if is_admin(actor):
        return True
    if user is not None:
        return manages_team_of(actor, user)
    return scope_of(actor) == Scope.TEAM and team is not None and actor.team_id == team.pk


def may_read_plan(actor, *, user=None, team=None) -> bool:
    """Reps read their own and their team's targets and reviews; managers their team's; admins and every-record
    roles everyone's."""
    if not is_active_user(actor):
        return False
    if scope_of(actor) == Scope.ALL or may_plan_for(actor, user=user, team=team):
        return True
    if user is not None:
        return user.pk == actor.pk
    return team is not None and team.pk == actor.team_id


def visible_targets(viewer):
    """The one read of targets: what may_read_plan allows, as a queryset."""
    qs = Target.objects.select_related("user", "team")
    if not is_active_user(viewer):
        return qs.none()
    if scope_of(viewer) == Scope.ALL:
        return qs
    from django.db.models import Q

    rule = Q(user_id=viewer.pk)
    if viewer.team_id:
        rule |= Q(team_id=viewer.team_id)
        if scope_of(viewer) == Scope.TEAM:
            rule |= Q(user__team_id=viewer.team_id)
    return qs.filter(rule)


def _subject(data: dict, errors: Errors, field_prefix: str = ""):
    user_id, team_id = data.get("user"), data.get("team")
    if bool(user_id) == bool(team_id):
        errors.add(field_prefix + "user", _("担当者かチームのどちらか一方を指定してください。"))
        return None, None
    if user_id:
        user = User.objects.filter(pk=as_id(user_id), is_active=True).first() if as_id(user_id) else None
        if user is None:
            errors.add(field_prefix + "user", _("担当者が見つかりません。"))
        return user, None
    team = Team.objects.filter(pk=as_id(team_id)).first() if as_id(team_id) else None
    if team is None:
        errors.add(field_prefix + "team", _("チームが見つかりません。"))
    return None, team


def _month(value, errors: Errors, field: str) -> date | None:
    if isinstance(value, date):
        return value.replace(day=1)
    try:
        return month_of(str(value or "").strip() or "x").start
    except ValidationFailed:
        errors.add(field, _("月は 2026-04 の形式で指定してください。"))
        return None


# --- targets ---------------------------------------------------------------------------------------------------


def set_targets(*, actor, items: list[dict]) -> list[Target]:
    """Set (or, with value null, remove) targets: [{month: "2026-04", user: id | team: id, metric, value}].
    All or nothing: one bad row rejects the batch, with every problem listed by row."""
    errors, rows = Errors(), []
    if not items:
        errors.add("items", _("目標を1件以上指定してください。"))
    for i, item in enumerate(items or []):
        prefix = f"items.{i}."
        user, team = _subject(item, errors, prefix)
        month = _month(item.get("month"), errors, prefix + "month")
        metric = item.get("metric") or "revenue"
        try:
            check_metric(metric)
        except ValidationFailed:
            errors.add(prefix + "metric", _("指標 %(metric)s はありません。") % {"metric": metric})
        value = item.get("value")
        if value is not None:
            try:
                value = int(str(value).replace(",", "").strip())
            except ValueError:
                errors.add(prefix + "value", _("目標値は整数で入力してください。"))
                value = None
            else:
                if not 0 <= value <= MAX_TARGET:
                    errors.add(prefix + "value", _("目標値は0以上の整数で入力してください。"))
        if (user or team) and not may_plan_for(actor, user=user, team=team):
            raise PermissionDenied(_("この担当者・チームの目標を設定する権限がありません。"))
        rows.append((user, team, month, metric, value, item.get("value") is None))
    errors.raise_if_any()
    saved = []
    with transaction.atomic():
        for user, team, month, metric, value, remove in rows:
            existing = (
                Target.objects.select_for_update().filter(month=month, user=user, team=team, metric=metric).first()
            )
            if remove:
                if existing is not None:
                    audit.record(actor=actor, action="target.delete", obj=existing,
                                 changes={"value": [existing.value, None]})  # fmt: skip
                    existing.delete()
                continue
            before = existing.value if existing else None
            target = existing or Target(month=month, user=user, team=team, metric=metric)
            if existing is not None and before == value:
                saved.append(existing)
                continue
            target.value = value
            target.updated_by = actor if getattr(actor, "pk", None) else None
            target.updated_at = timezone.now()
            if existing is not None:
                target.version += 1
            target.save()
            audit.record(actor=actor, action="target.set", obj=target, changes={"value": [before, value]},
                         label=f"{month:%Y-%m} {metric} {(user or team)}")  # fmt: skip
            saved.append(target)
    return saved


# --- settings and KPI definitions (administrators) -------------------------------------------------------------


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied()


def update_settings(*, actor, data: dict, expected_version=None) -> SalesSettings:
    _require_admin(actor)
    errors = Errors()
    current = SalesSettings.current()
    values = {}
    for key, low, high, message in (
        ("fiscal_year_start_month", 1, 12, _("期首月は1〜12で指定してください。")),
        ("stale_days", 1, 365, _("停滞とみなす日数は1〜365で指定してください。")),
    ):
        if key in data:
            try:
                value = int(str(data[key]).strip())
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                errors.add(key, message)
            values[key] = value
    errors.raise_if_any()
    with transaction.atomic():
        stored = SalesSettings.objects.select_for_update().filter(pk=1).first()
        row = stored or current
        if expected_version is not None and int(expected_version) != row.version:
            raise Conflict()
        changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
        if not changes:
            return row
        for key, value in values.items():
            setattr(row, key, value)
        if stored is not None:
            row.version += 1
        row.updated_at, row.updated_by = timezone.now(), actor
        row.save()
        audit.record(actor=actor, action="sales_settings.update", obj=row, changes=changes)
    return row


def save_kpi_definition(*, actor, data: dict, definition: KpiDefinition | None = None) -> KpiDefinition:
    """Create or change what a KPI counts."""
    _require_admin(actor)
    errors = Errors()
    d = definition or KpiDefinition()
    before = {f: getattr(d, f"{f}_id" if f in ("stage", "technical_team") else f) for f in KPI_FIELDS}
    if definition is None or "key" in data:
        key = str(data.get("key") or "").strip()
        if not key or not key.replace("_", "").isalnum() or not key.isascii() or key == "revenue":
            errors.add("key", _("キーは半角英数字と _ で入力してください（revenue は使えません）。"))
        elif KpiDefinition.objects.filter(key=key).exclude(pk=d.pk).exists():
            errors.add("key", _("このキーはすでに使われています。"))
        d.key = key
    if definition is None or "name" in data:
        d.name = str(data.get("name") or "").strip()[:60]
        if not d.name:
            errors.add("name", _("名前を入力してください。"))
    if definition is None or "measure" in data:
        d.measure = data.get("measure") or ""
        if d.measure not in KpiDefinition.Measure.values:
            errors.add("measure", _("数え方を選んでください。"))
    if "activity_kinds" in data:
        kinds = [k for k in (data.get("activity_kinds") or []) if k]
        unknown = [k for k in kinds if k not in Activity.Kind.values]
        if unknown:
            errors.add("activity_kinds", _("活動の種類 %(kinds)s はありません。") % {"kinds": ", ".join(unknown)})
        d.activity_kinds = kinds
    if "stage" in data:
        stage_id = data.get("stage")
        d.stage = Stage.objects.filter(pk=as_id(stage_id)).first() if as_id(stage_id) else None
        if stage_id and d.stage is None:
            errors.add("stage", _("ステージが見つかりません。"))
    if "technical_team" in data:
        team_id = data.get("technical_team")
        d.technical_team = Team.objects.filter(pk=as_id(team_id)).first() if as_id(team_id) else None
        if team_id and d.technical_team is None:
            errors.add("technical_team", _("チームが見つかりません。"))
    if "technical_role" in data:
        d.technical_role = str(data.get("technical_role") or "").strip()[:40]
    if "min_participants" in data:
        try:
            d.min_participants = int(data.get("min_participants"))
            assert 1 <= d.min_participants <= 20
        except (TypeError, ValueError, AssertionError):
            errors.add("min_participants", _("自社参加者の最少人数は1〜20で指定してください。"))
    if "active" in data:
        d.active = bool(data.get("active"))
    if d.measure == KpiDefinition.Measure.STAGE_ENTERED and d.stage_id is None:
        errors.add("stage", _("ステージに進んだ件数を数えるにはステージを選んでください。"))
    if d.measure == KpiDefinition.Measure.SITE_VISITS and not (d.technical_team_id or d.technical_role):
        errors.add("technical_team", _("現場同席を数えるには技術チームか技術ロールを指定してください。"))
    errors.raise_if_any()
    with transaction.atomic():
        if definition is not None:
            d.version += 1
        d.updated_at = timezone.now()
        d.save()
        after = {f: getattr(d, f"{f}_id" if f in ("stage", "technical_team") else f) for f in KPI_FIELDS}
        audit.record(actor=actor, action="kpi.update" if definition else "kpi.create", obj=d,
                     changes=audit.diff({} if definition is None else before, after))  # fmt: skip
    return d


KPI_FIELDS = ["key", "name", "measure", "activity_kinds", "stage", "min_participants", "technical_team",
              "technical_role", "active"]  # fmt: skip


# --- monthly reviews -------------------------------------------------------------------------------------------


def get_review(viewer, *, month: date, user=None, team=None) -> MonthlyReview | None:
    if not may_read_plan(viewer, user=user, team=team):
        raise NotFound()
    return MonthlyReview.objects.filter(month=month, user=user, team=team).prefetch_related("tasks").first()


def save_review(*, actor, month: date, user=None, team=None, data: dict, snapshot: dict,
                expected_version=None) -> MonthlyReview:  # fmt: skip
    """Keep the month's Check and Act: the numbers as they stand (snapshot), the gaps, the agreed actions; each
    line of `new_tasks` ([{title, due_date, assignee}]) becomes a task through the timeline's task service."""
    if not may_read_plan(actor, user=user, team=team):
        raise NotFound()
    own = user is not None and user.pk == actor.pk and can_write_records(actor)  # read-only roles only read
    if not (may_plan_for(actor, user=user, team=team) or own):
        raise PermissionDenied(_("この月次レビューを保存する権限がありません。"))
    errors = Errors()
    gaps = str(data.get("gaps") or "").strip()
    actions = str(data.get("actions") or "").strip()
    for key, value in (("gaps", gaps), ("actions", actions)):
        if len(value) > 10000:
            errors.add(key, _("%(max_length)s文字以内で入力してください。") % {"max_length": 10000})
    tasks = [t for t in (data.get("new_tasks") or []) if str(t.get("title") or "").strip()]
    errors.raise_if_any()
    with transaction.atomic():
        review = MonthlyReview.objects.select_for_update().filter(month=month, user=user, team=team).first()
        if review is not None and expected_version is not None and int(expected_version) != review.version:
            raise Conflict()
        before = {"gaps": review.gaps, "actions": review.actions} if review else {}
        if review is None:
            review = MonthlyReview(month=month, user=user, team=team, created_by=actor)
        else:
            review.version += 1
        review.gaps, review.actions, review.snapshot = gaps, actions, snapshot
        review.updated_by, review.updated_at = actor, timezone.now()
        review.save()
        created = []
        for i, task in enumerate(tasks):
            owner = user or actor
            payload = {"title": task.get("title"), "due_date": task.get("due_date") or None,
                       "assignee": task.get("assignee") or owner.pk}  # fmt: skip
            try:
                created.append(create_follow_up(actor=actor, data=payload))
            except ValidationFailed as exc:
                problems = {f"new_tasks.{i}.{k}": v for k, v in exc.field_errors.items()}
                raise ValidationFailed(field_errors=problems) from exc
        if created:
            review.tasks.add(*created)
        changes = audit.diff(before, {"gaps": gaps, "actions": actions})
        if created:
            changes["tasks"] = [None, [t.pk for t in created]]
        audit.record(actor=actor, action="review.save", obj=review, changes=changes,
                     label=f"{month:%Y-%m} {user or team}")  # fmt: skip
    return review
