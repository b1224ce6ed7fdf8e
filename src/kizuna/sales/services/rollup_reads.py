"""The forecast's and dashboards' figures read from the deal rollup, in the shapes the SQL path returns, for readers
the rollup serves (`rollup.serves`). Every function answers for whole months, as every period is (fiscal year,
quarter, month); a few hundred rollup rows replace a scan of the subject's deals."""

import contextlib
from contextvars import ContextVar
from datetime import date

from django.db.models import Sum

from ..models import DealRollup, Stage
from .rollup import yyyymm

SUMS = {"n": Sum("n"), "amount": Sum("amount"), "free": Sum("amount_at_stage_probability"),
        "own": Sum("weighted_own"), "cycle_ms": Sum("cycle_ms"), "cycle_n": Sum("cycle_n")}  # fmt: skip


def _rows(basis, subject, period=None):
    """Rollup rows of one basis, or of several (a tuple), for the subject and the period's months."""
    bases = basis if isinstance(basis, tuple) else (basis,)
    rows = DealRollup.objects.filter(basis__in=bases).order_by()
    if subject.kind == "rep":
        rows = rows.filter(owner_id=subject.user.pk)
    elif subject.kind == "team":
        rows = rows.filter(team_id=subject.team.pk)
    if period is not None:
        rows = rows.filter(month__gte=yyyymm(period.start), month__lt=yyyymm(period.end))
    return rows


def _month(value: int) -> date:
    return date(value // 100, value % 100, 1)


_memo: ContextVar[dict | None] = ContextVar("sales_rollup_memo", default=None)


@contextlib.contextmanager
def one_read():
    """Within one page or API answer the stages are read once (a dashboard asks for them five times)."""
    if _memo.get() is not None:  # already inside one
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo(key: str, read):
    """read() once per `one_read()` block (every time outside one)."""
    held = _memo.get()
    if held is None:
        return read()
    if key not in held:
        held[key] = read()
    return held[key]


def _stages() -> dict[int, Stage]:
    return memo("stages", lambda: {s.pk: s for s in Stage.objects.all()})


def sales_settings():
    from ..models import SalesSettings

    return memo("settings", SalesSettings.current)


def _weighted_raw(row: dict, stages: dict) -> int:
    stage = stages.get(row["stage_id"])
    return int(row["free"] or 0) * (stage.probability if stage else 0) + int(row["own"] or 0)


def monthly(subject, period, group: str | None = None) -> dict:
    """forecast._monthly from the rollup: (group value, month) → committed, won_count, pipeline, weighted_raw,
    open_count. `group` is "owner_id" or "team_id" (0 in the rollup is None, as on the deal)."""
    keys = [group] if group else []
    stages = _stages()
    out: dict = {}
    rows = _rows(("won", "open"), subject, period).values("basis", *keys, "month", "stage_id")
    for row in rows.annotate(n=SUMS["n"], amount=SUMS["amount"], free=SUMS["free"], own=SUMS["own"]):
        if not row["n"]:
            continue
        part = out.setdefault(((row[group] or None) if group else None, _month(row["month"])), {})
        if row["basis"] == "won":
            part["committed"] = part.get("committed", 0) + int(row["amount"] or 0)
            part["won_count"] = part.get("won_count", 0) + int(row["n"])
            continue
        part["pipeline"] = part.get("pipeline", 0) + int(row["amount"] or 0)
        part["weighted_raw"] = part.get("weighted_raw", 0) + _weighted_raw(row, stages)
        part["open_count"] = part.get("open_count", 0) + int(row["n"])
    return {k: v for k, v in out.items() if v.get("won_count") or v.get("open_count")}


def pipeline_by_stage(subject) -> dict[int, dict]:
    """stage id → n, total, w (Σ amount × probability, in percent-yen) of the open deals now."""
    stages = _stages()
    rows = _rows("open", subject).values("stage_id").annotate(n=SUMS["n"], amount=SUMS["amount"], free=SUMS["free"],
                                                              own=SUMS["own"])  # fmt: skip
    return {r["stage_id"]: {"n": int(r["n"]), "total": int(r["amount"] or 0), "w": _weighted_raw(r, stages)}
            for r in rows if r["n"]}  # fmt: skip


def outcomes(subject, period) -> tuple[dict, dict]:
    """(won: n, total, avg, cycle_days_raw, lost: n, total) over the period."""
    sums = {k: SUMS[k] for k in ("n", "amount", "cycle_ms", "cycle_n")}
    by_basis = {r["basis"]: r for r in _rows(("won", "lost"), subject, period).values("basis").annotate(**sums)}
    empty = dict.fromkeys(sums)
    w, lost = by_basis.get("won", empty), by_basis.get("lost", empty)
    n = int(w["n"] or 0)
    won = {"n": n, "total": int(w["amount"] or 0), "avg": (int(w["amount"] or 0) / n) if n else None,
           "cycle_seconds": (int(w["cycle_ms"]) / 1000 / int(w["cycle_n"])) if w["cycle_n"] else None}  # fmt: skip
    return won, {"n": int(lost["n"] or 0), "total": int(lost["amount"] or 0)}


def lost_reasons(subject, period) -> list[dict]:
    rows = _rows("lost", subject, period).values("reason").annotate(n=SUMS["n"], amount=SUMS["amount"])
    rows = [r for r in rows if r["n"]]
    rows.sort(key=lambda r: (-r["n"], r["reason"]))
    return [{"lost_reason": r["reason"], "n": int(r["n"]), "total": int(r["amount"] or 0)} for r in rows]


def furthest_counts(subject, period, pipeline) -> dict[int, int]:
    """Deals of the pipeline created in the period by the order of the furthest open/won stage they reached (-1:
    none)."""
    stages = _stages()
    rows = _rows("created", subject, period).filter(pipeline_id=pipeline.pk).values("stage_id").annotate(n=SUMS["n"])
    out: dict[int, int] = {}
    for row in rows:
        stage = stages.get(row["stage_id"])
        order = stage.order if stage is not None and stage.kind != Stage.Kind.LOST else -1
        if row["n"]:
            out[order] = out.get(order, 0) + int(row["n"])
    return out


def created_monthly(subject, period) -> dict[date, int]:
    rows = _rows("created", subject, period).values("month").annotate(n=SUMS["n"])
    return {_month(r["month"]): int(r["n"]) for r in rows if r["n"]}


def created_per_rep(subject, period) -> dict[int, int]:
    rows = _rows("created", subject, period).values("owner_id").annotate(n=SUMS["n"])
    return {(r["owner_id"] or None): int(r["n"]) for r in rows if r["n"]}
