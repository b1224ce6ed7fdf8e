"""The deal rollup (`DealRollup`): what each deal contributes to the forecast and dashboards, kept current on every
write and rebuilt on demand.

Each deal contributes one row per basis it belongs to (open / won / lost, and created): keys are team, rep,
pipeline, stage, month (and lost reason), values count and amounts. A save of a deal or of a stage change — whatever
code path makes it (services, imports, the demo, the admin) — reads the deal's contribution before and after and
adds the difference to the rollup in the same transaction (`INSERT … ON CONFLICT … DO UPDATE`, so concurrent writers
add rather than overwrite); deleting a deal takes its contribution out. Queryset `.update()`, `.delete()` and
`bulk_create` bypass model signals: code that changes what a deal contributes that way wraps it in
`tracking(deal_ids)`, a change to a pipeline's stages (kind, order, removal) rebuilds that pipeline's rows
(`services/pipelines.py`), and a bulk load ends with `rebuild()` (`kizuna sales_rollup`). `check()` compares the
table with a fresh computation; the consistency test runs it after every kind of write.

Who may read it: `serves(viewer, subject)` — only readers who see every deal a row summarises (administrators; a
rep their own deals; a manager their own team's), the same rule `Deal.objects.visible_to()` applies. Everyone
else gets the visible-set SQL path.
"""

import contextlib
import threading
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from kizuna.core.permissions import Scope, has_perm, is_active_user, scope_of

FIELDS = ("n", "amount", "amount_at_stage_probability", "weighted_own", "cycle_ms", "cycle_n")
KEY = ("basis", "team_id", "owner_id", "pipeline_id", "stage_id", "month", "reason")
DEAL_VALUES = ("pk", "team_id", "owner_id", "pipeline_id", "stage_id", "amount", "probability", "expected_close_on",
               "won_on", "closed_at", "created_at", "lost_reason")  # fmt: skip
_state = threading.local()


def _models():
    from ..models import Deal, DealRollup, DealStageChange, Stage

    return Deal, DealStageChange, Stage, DealRollup


# --- who may read it -------------------------------------------------------------------------------------------


def reads_enabled() -> bool:
    return not getattr(_state, "bypass", False)


@contextlib.contextmanager
def bypassed():
    """Reads take the visible-set SQL path (the benchmark's baseline, and tests comparing both paths)."""
    _state.bypass = True
    try:
        yield
    finally:
        _state.bypass = False


def serves(viewer, subject) -> bool:
    """True when the viewer sees every live deal of the subject, so the rollup's sums are exactly their numbers:
    whoever reads every record; a rep asking for their own deals (the owner always sees their deals); a manager
    (team scope) asking for their own team (team scope sees the team's private deals too)."""
    if not reads_enabled() or not is_active_user(viewer) or not has_perm(viewer, "deal", "view"):
        return False
    scope = scope_of(viewer)
    if scope == Scope.ALL:
        return True
    if subject.kind == "rep":
        return subject.user.pk == viewer.pk
    if subject.kind == "team":
        return scope == Scope.TEAM and viewer.team_id is not None and subject.team.pk == viewer.team_id
    return False


# --- what a deal contributes ----------------------------------------------------------------------------------


def yyyymm(day) -> int:
    return day.year * 100 + day.month if day else 0


def _local_month(moment) -> int:
    return yyyymm(timezone.localtime(moment)) if moment else 0


def contributions(deal_ids, models=None, *, pipeline_id=None) -> Counter:
    """{key: (n, amount, …)} summed over the live deals with these ids (all deals when deal_ids is None; with
    pipeline_id, those of that pipeline)."""
    Deal, DealStageChange, Stage, _rollup = models or _models()
    deals = Deal.objects.filter(deleted_at__isnull=True)
    changes = DealStageChange.objects.exclude(to_stage__kind="lost").exclude(to_stage__isnull=True)
    if deal_ids is not None:
        deals, changes = deals.filter(pk__in=deal_ids), changes.filter(deal_id__in=deal_ids)
    if pipeline_id is not None:
        deals, changes = deals.filter(pipeline_id=pipeline_id), changes.filter(deal__pipeline_id=pipeline_id)
    stages = {s.pk: (s.kind, s.order) for s in Stage.objects.all()}
    furthest: dict[int, tuple[int, int]] = {}  # deal → (order, stage id) of the furthest open/won stage reached
    for deal_id, stage_id in changes.order_by().values_list("deal_id", "to_stage_id").distinct().iterator(5000):
        order = stages.get(stage_id, ("", -1))[1]
        if deal_id not in furthest or order > furthest[deal_id][0]:
            furthest[deal_id] = (order, stage_id)
    out: dict = defaultdict(lambda: [0] * len(FIELDS))
    for row in deals.order_by().values_list(*DEAL_VALUES).iterator(5000):
        pk, team, owner, pipeline, stage, amount, probability, close_on, won_on, closed_at, created_at, reason = row
        kind, order = stages.get(stage, ("", -1))
        base = (team or 0, owner or 0, pipeline or 0)
        if kind == "open":
            v = out[("open", *base, stage, yyyymm(close_on), "")]
            v[0] += 1
            v[1] += amount
            if probability is None:
                v[2] += amount
            else:
                v[3] += amount * probability
        elif kind == "won":
            v = out[("won", *base, stage, yyyymm(won_on), "")]
            v[0] += 1
            v[1] += amount
            if closed_at is not None:
                v[4] += round((closed_at - created_at).total_seconds() * 1000)
                v[5] += 1
        elif kind == "lost":
            v = out[("lost", *base, stage, _local_month(closed_at), reason or "")]
            v[0] += 1
            v[1] += amount
        reached = furthest.get(pk)
        if kind != "lost" and (reached is None or order > reached[0]):
            reached = (order, stage)
        v = out[("created", *base, reached[1] if reached else 0, _local_month(created_at), "")]
        v[0] += 1
    return Counter({k: tuple(v) for k, v in out.items()})


def _difference(before: Counter, after: Counter) -> dict:
    out = {}
    for key in before.keys() | after.keys():
        a, b = after.get(key, (0,) * len(FIELDS)), before.get(key, (0,) * len(FIELDS))
        delta = tuple(x - y for x, y in zip(a, b, strict=True))
        if any(delta):
            out[key] = delta
    return out


def _add(deltas: dict, table: str = "sales_dealrollup") -> None:
    if not deltas:
        return
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in (*KEY, *FIELDS))
    marks = ", ".join(["%s"] * (len(KEY) + len(FIELDS)))
    sums = ", ".join(f"{q(f)} = {table}.{q(f)} + excluded.{q(f)}" for f in FIELDS)
    key = ", ".join(q(c) for c in KEY)  # every name here is a constant of this module, not input
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({key}) DO UPDATE SET {sums}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*key, *delta] for key, delta in sorted(deltas.items())])


@contextlib.contextmanager
def tracking(deal_ids):
    """Around a queryset `.update()` of these deals: their contribution before and after goes into the rollup."""
    ids = list(deal_ids)
    with transaction.atomic():
        before = contributions(ids)
        yield
        _add(_difference(before, contributions(ids)))


# --- rebuild and check ------------------------------------------------------------------------------------------


def rebuild(models=None, *, pipeline_id=None) -> int:
    """Recompute the rollup from the deals (after a bulk load, a restore, a change of TIME_ZONE); with pipeline_id,
    only that pipeline's rows (its stages changed kind or order, or one was removed)."""
    _deal, _change, _stage, DealRollup = models or _models()
    rows = contributions(None, models, pipeline_id=pipeline_id)
    with transaction.atomic():
        old = DealRollup.objects.all()
        (old if pipeline_id is None else old.filter(pipeline_id=pipeline_id)).delete()
        DealRollup.objects.bulk_create(
            (DealRollup(**dict(zip(KEY, key, strict=True)), **dict(zip(FIELDS, values, strict=True)))
             for key, values in rows.items()), batch_size=2000)  # fmt: skip
    return len(rows)


def stored() -> Counter:
    *_rest, DealRollup = _models()
    out = Counter()
    for row in DealRollup.objects.order_by().values_list(*KEY, *FIELDS).iterator(5000):
        values = tuple(row[len(KEY) :])
        if any(values):
            out[tuple(row[: len(KEY)])] = values
    return out


def check() -> list[str]:
    """The differences between the rollup and the deals (empty when consistent), one line per key."""
    fresh, have = contributions(None), stored()
    return [f"{key}: rollup {have.get(key)} ≠ deals {fresh.get(key)}"
            for key in sorted(fresh.keys() | have.keys(), key=str) if fresh.get(key) != have.get(key)]  # fmt: skip


# --- kept current on every save ---------------------------------------------------------------------------------


def _deal_before(sender, instance, raw=False, **kwargs):
    instance._rollup_before = contributions([instance.pk]) if instance.pk else Counter()


def _deal_after(sender, instance, raw=False, **kwargs):
    before = getattr(instance, "_rollup_before", None)
    instance._rollup_before = None
    _add(_difference(before or Counter(), contributions([instance.pk])))


def _deal_deleted(sender, instance, **kwargs):
    before = getattr(instance, "_rollup_before", None) or Counter()
    instance._rollup_before = None
    _add(_difference(before, Counter()))


def _change_before(sender, instance, raw=False, **kwargs):
    instance._rollup_before = contributions([instance.deal_id]) if instance.deal_id else Counter()


def _change_after(sender, instance, raw=False, **kwargs):
    before = getattr(instance, "_rollup_before", None)
    instance._rollup_before = None
    if instance.deal_id:
        _add(_difference(before or Counter(), contributions([instance.deal_id])))


def connect() -> None:
    """Called from SalesConfig.ready()."""
    Deal, DealStageChange, _stage, _rollup = _models()
    pre_save.connect(_deal_before, sender=Deal, dispatch_uid="sales_rollup_deal_pre")
    post_save.connect(_deal_after, sender=Deal, dispatch_uid="sales_rollup_deal_post")
    pre_delete.connect(_deal_before, sender=Deal, dispatch_uid="sales_rollup_deal_pre_delete")
    post_delete.connect(_deal_deleted, sender=Deal, dispatch_uid="sales_rollup_deal_post_delete")
    pre_save.connect(_change_before, sender=DealStageChange, dispatch_uid="sales_rollup_change_pre")
    post_save.connect(_change_after, sender=DealStageChange, dispatch_uid="sales_rollup_change_post")
