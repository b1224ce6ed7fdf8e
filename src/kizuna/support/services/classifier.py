"""Suggested call reason and priority: multinomial naive Bayes over Sudachi terms, trained on the center's own
resolved tickets (subject and the customer's messages), in plain Python. One in five tickets (chosen by a hash of
its id, so the split is stable) is held out to measure accuracy; the model kept is then trained on all of them.
Training runs in the worker (`queue_training`); the newest finished model answers `predict`."""

import hashlib
import math
from collections import Counter, defaultdict
from functools import lru_cache

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.japanese.tokens import terms
from kizuna.core.permissions import is_admin
from kizuna.core.tasks import enqueue

from ..models import AssistModel, CallReason, Message, Ticket
from .assist import customer_text

MIN_TICKETS = 20
MAX_TICKETS = 20_000  # the newest resolved tickets are enough to learn from
MAX_VOCABULARY = 8_000
ALPHA = 0.5  # additive smoothing
DONE = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def _held_out(pk: int) -> bool:
    return hashlib.sha256(f"kb:{pk}".encode()).digest()[0] % 5 == 0


def training_rows(target: str) -> list[tuple[int, list[str], str]]:
    """[(ticket id, terms, label)] of resolved tickets that have the label (a call reason, or their priority)."""
    qs = Ticket.objects.alive().filter(status__in=DONE, merged_into__isnull=True).order_by("-resolved_at", "-id")
    if target == AssistModel.Target.REASON:
        qs = qs.filter(call_reason__isnull=False)
    tickets = list(qs[:MAX_TICKETS])
    first: dict[int, list[str]] = defaultdict(list)
    inbound = Message.objects.filter(ticket__in=[t.pk for t in tickets], direction=Message.Direction.INBOUND)
    for ticket_id, body in inbound.order_by("sent_at", "id").values_list("ticket_id", "body_text"):
        if len(first[ticket_id]) < 3:
            first[ticket_id].append(body[:4000])
    rows = []
    for t in tickets:
        text = "\n".join([t.subject, *first.get(t.pk, [])])
        label = str(t.call_reason_id) if target == AssistModel.Target.REASON else t.priority
        rows.append((t.pk, terms(text), label))
    return rows


def fit(rows) -> dict:
    """Counts per label and term, limited to the most frequent terms overall."""
    vocabulary = Counter(t for _pk, ts, _label in rows for t in ts)
    keep = {t for t, _n in vocabulary.most_common(MAX_VOCABULARY)}
    docs = Counter(label for _pk, _ts, label in rows)
    counts: dict[str, Counter] = defaultdict(Counter)
    for _pk, ts, label in rows:
        counts[label].update(t for t in ts if t in keep)
    return {
        "labels": sorted(docs),
        "docs": dict(docs),
        "totals": {label: sum(c.values()) for label, c in counts.items()},
        "counts": {label: dict(c) for label, c in counts.items()},
        "vocabulary": len(keep),
    }


def scores(params: dict, text_terms: list[str]) -> list[tuple[str, float]]:
    """[(label, probability)] best first."""
    n_docs = sum(params["docs"].values()) or 1
    v = max(params["vocabulary"], 1)
    out = []
    for label in params["labels"]:
        counts = params["counts"].get(label, {})
        denom = params["totals"].get(label, 0) + ALPHA * v
        logp = math.log(params["docs"][label] / n_docs)
        logp += sum(math.log((counts.get(t, 0) + ALPHA) / denom) for t in text_terms)
        out.append((label, logp))
    if not out:
        return []
    top = max(lp for _l, lp in out)
    norm = sum(math.exp(lp - top) for _l, lp in out)
    return sorted(((label, math.exp(lp - top) / norm) for label, lp in out), key=lambda x: -x[1])


def train(run: AssistModel) -> AssistModel:
    rows = training_rows(run.target)
    labels = Counter(label for *_x, label in rows)
    if len(rows) < MIN_TICKETS or len(labels) < 2:
        run.state, run.finished_at = AssistModel.State.FAILED, timezone.now()
        message = _(
            "学習に使える解決済みの問い合わせが足りません（%(n)s件、%(k)s種類。%(min)s件以上・2種類以上が必要です）。"
        )
        run.error = message % {"n": len(rows), "k": len(labels), "min": MIN_TICKETS}
        run.save()
        return run
    train_rows = [r for r in rows if not _held_out(r[0])]
    test_rows = [r for r in rows if _held_out(r[0])]
    if test_rows and train_rows:
        params = fit(train_rows)
        right = sum(1 for _pk, ts, label in test_rows if (scores(params, ts) or [("", 0)])[0][0] == label)
        majority = Counter(label for *_x, label in train_rows).most_common(1)[0][0]
        run.accuracy = right / len(test_rows)
        run.baseline_accuracy = sum(1 for *_x, label in test_rows if label == majority) / len(test_rows)
    run.params = fit(rows)
    run.n_train, run.n_test = len(train_rows), len(test_rows)
    run.state, run.finished_at, run.error = AssistModel.State.DONE, timezone.now(), ""
    run.save()
    return run


def queue_training(*, actor, targets=tuple(AssistModel.Target.values)) -> list[AssistModel]:
    """Administrators ask for a new training; the worker runs it (support.tasks_knowledge.train_models)."""
    if not is_admin(actor):
        raise PermissionDenied()
    from ..tasks_knowledge import train_models

    runs = []
    with transaction.atomic():
        for target in targets:
            if target not in AssistModel.Target.values:
                raise ValidationFailed(field_errors={"target": [_("reason か priority を指定してください。")]})
            run = AssistModel.objects.create(target=target, requested_by=actor)
            audit.record(actor=actor, action="assist.train", obj=run, changes={"target": [None, target]})
            runs.append(run)
        ids = [r.pk for r in runs]
        transaction.on_commit(lambda: enqueue(train_models, ids))
    return runs


def current(target: str) -> AssistModel | None:
    """The newest finished model, without its parameters (`params_of` reads and keeps those once per process)."""
    done = AssistModel.objects.filter(target=target, state=AssistModel.State.DONE).defer("params")
    return done.order_by("-finished_at", "-id").first()


@lru_cache(maxsize=8)
def params_of(model_id: int) -> dict:
    """A finished model never changes, so its parameters are parsed once per process, not on every suggestion."""
    return AssistModel.objects.filter(pk=model_id).values_list("params", flat=True).first() or {}


def predict(ticket: Ticket) -> dict:
    """{"reason": (CallReason, probability) | None, "priority": (value, label, probability) | None}."""
    text_terms = terms(customer_text(ticket))
    out: dict = {"reason": None, "priority": None}
    if not text_terms:
        return out
    model = current(AssistModel.Target.REASON)
    if model is not None:
        best = scores(params_of(model.pk), text_terms) or [("0", 0.0)]
        reason = CallReason.objects.select_related("parent").filter(pk=int(best[0][0]), active=True).first()
        if reason is not None:
            out["reason"] = (reason, best[0][1])
    model = current(AssistModel.Target.PRIORITY)
    if model is not None:
        best = scores(params_of(model.pk), text_terms) or [("", 0.0)]
        if best[0][0] in Ticket.Priority.values:
            out["priority"] = (best[0][0], Ticket.Priority(best[0][0]).label, best[0][1])
    return out
