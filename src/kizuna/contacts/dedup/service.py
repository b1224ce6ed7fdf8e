"""Duplicate finding as the product uses it: the full scan behind `kizuna dedup` and the review queue,
and the warning shown before a new or edited record is saved."""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from kizuna.core import audit

from ..models import Company, ContactPoint, DuplicateDismissal, DuplicateGroup, LinkageModel, Person
from . import linkage
from .facts import DatabaseFrequencies, company_facts, company_facts_from_data, people_facts, person_facts_from_data
from .matching import scorer_for
from .scan import COMPANY, DEFAULT_MIN_SCORE, PERSON, ScanStats, best_matches, find_clusters, train

__all__ = ["COMPANY", "PERSON", "describe", "probable_duplicates", "run_scan", "scan", "train_model"]
WARN_SCORE = 0.5  # the warning before saving errs on the side of asking (a shared mobile under another name)


def dismissed_pairs(kind: str) -> set[tuple[int, int]]:
    return set(DuplicateDismissal.objects.filter(kind=kind).values_list("low_id", "high_id"))


def _facts(kind: str, progress=None):
    return people_facts(progress=progress) if kind == PERSON else company_facts(progress=progress)


def stored_model(kind: str) -> linkage.Model | None:
    """The model `kizuna dedup --train` stored for `kind`, or None (the shipped priors are used)."""
    row = LinkageModel.objects.filter(kind=kind).first()
    return linkage.Model.from_json(row.params) if row else None


def train_model(kind: str, *, actor=None, progress=None) -> linkage.Model:
    """Estimate the model of `kind` from every live record (no labels needed) and store it."""
    model = train(kind, _facts(kind, progress))
    with transaction.atomic():
        row, _ = LinkageModel.objects.update_or_create(
            kind=kind, defaults={"params": model.to_json(), "records": model.trained_on,
                                 "trained_at": timezone.now(), "trained_by": actor if getattr(actor, "pk", None)
                                 else None},
        )  # fmt: skip
        audit.record(actor=actor, action="dedup.train", obj=row, changes={"records": [None, model.trained_on]})
    return model


def scan(kind: str, *, min_score: float = DEFAULT_MIN_SCORE, progress=None):
    """(clusters, stats) over every live record of `kind`, weighed by the stored model."""
    return find_clusters(kind, _facts(kind, progress), min_score=min_score, dismissed=dismissed_pairs(kind),
                         stats=ScanStats(), model=stored_model(kind))  # fmt: skip


def _scorer(kind: str, facts_list):
    """The stored model weighed by the database's frequencies of the values of `facts_list`."""
    return scorer_for(kind, stored_model(kind), DatabaseFrequencies(kind, facts_list, unsaved=1))


def refresh_queue(kind: str, clusters) -> int:
    """Replace the open review-queue groups of `kind` with the clusters of a new scan."""
    with transaction.atomic():
        DuplicateGroup.objects.filter(kind=kind, status=DuplicateGroup.Status.OPEN).delete()
        DuplicateGroup.objects.bulk_create(
            [
                DuplicateGroup(
                    kind=kind,
                    score=round(c.score, 3),
                    reasons=c.reasons,
                    member_ids=[m.id for m in c.members],
                    first_id=c.members[0].id,
                )
                for c in clusters
            ],
            batch_size=1000,
        )
    return len(clusters)


def run_scan(kind: str, *, min_score: float = DEFAULT_MIN_SCORE, progress=None):
    clusters, stats = scan(kind, min_score=min_score, progress=progress)
    refresh_queue(kind, clusters)
    return clusters, stats


def _person_candidates(user, facts):
    numbers = facts.mobiles | facts.phones | facts.emails
    match = Q(pk__in=ContactPoint.objects.filter(normalized__in=numbers).values("person_id")) if numbers else Q()
    for name in {facts.name, facts.reading} - {""}:
        match |= Q(name_search=name) | Q(kana_search=name)
    if not match:
        return Person.objects.none()
    return Person.objects.filter(
        pk__in=list(Person.objects.visible_to(user).filter(match).values_list("pk", flat=True)[:50])
    )


def _company_candidates(user, facts):
    match = Q(name_key=facts.key) if facts.key else Q()
    if facts.corporate_number:
        match |= Q(corporate_number=facts.corporate_number)
    if facts.phone:
        match |= Q(phone_digits=facts.phone)
    if not match:
        return Company.objects.none()
    return Company.objects.filter(
        pk__in=list(Company.objects.visible_to(user).filter(match).values_list("pk", flat=True)[:50])
    )


def probable_duplicates(user, kind: str, data: dict, *, exclude_id: int | None = None, company=None):
    """[(score, reasons, facts)] for a record about to be saved, among the records the user can see.
    `company` is the person's company (a Company) when the form names one."""
    if kind == PERSON:
        facts = person_facts_from_data(data, company=company)
        candidates = list(people_facts(_person_candidates(user, facts)))
    else:
        facts = company_facts_from_data(data)
        candidates = list(company_facts(_company_candidates(user, facts)))
    if exclude_id:
        facts.id = exclude_id
        dismissed = dismissed_pairs(kind)
        candidates = [c for c in candidates if (min(c.id, exclude_id), max(c.id, exclude_id)) not in dismissed]
    if not candidates:
        return []
    return best_matches(kind, facts, candidates, min_score=WARN_SCORE, scorer=_scorer(kind, [facts]))


def people_duplicates_many(user, items, *, min_score: float = WARN_SCORE) -> list[list]:
    """probable_duplicates() for many people at once (an import batch): three queries for the whole batch.
    `items` are (data, company or None); the result lists the matches of each item, in order."""
    facts_list = [person_facts_from_data(data, company=company) for data, company in items]
    numbers = set().union(*(f.mobiles | f.phones | f.emails for f in facts_list)) if facts_list else set()
    names = {n for f in facts_list for n in (f.name, f.reading) if n}
    company_ids = {company.pk for _, company in items if company is not None}
    # Each lookup is one index range (a name alone never scores as a duplicate, so names are only looked up
    # among the people of the batch's companies and by the phones and e-mails; the full scan adds postcodes).
    ids = set()
    if numbers:
        ids |= set(ContactPoint.objects.filter(normalized__in=numbers).values_list("person_id", flat=True))
    if company_ids and names:  # by the name and reading indexes, not by reading every colleague
        same_name = Q(name_search__in=names) | Q(kana_search__in=names)
        ids |= set(Person.objects.filter(same_name, company_id__in=company_ids).values_list("pk", flat=True))
    if not ids:
        return [[] for _ in items]
    by_key: dict = {}  # the candidates the user can see, read in the query that reads their facts
    for candidate in people_facts(Person.objects.visible_to(user).filter(pk__in=list(ids)[:20000])):
        for key in candidate.mobiles | candidate.phones | candidate.emails | {candidate.name, candidate.reading}:
            if key:
                by_key.setdefault(key, []).append(candidate)
    scorer = _scorer(PERSON, facts_list)
    out = []
    for facts in facts_list:
        keys = facts.mobiles | facts.phones | facts.emails | {facts.name, facts.reading}
        pool = {c.id: c for key in keys if key for c in by_key.get(key, ())}
        out.append(best_matches(PERSON, facts, pool.values(), min_score=min_score, scorer=scorer))
    return out


def describe(kind: str, matches) -> list[dict]:
    """Matches as the UI and API show them."""
    view = "contacts:person_detail" if kind == PERSON else "contacts:company_detail"
    rows = []
    for score, reasons, f in matches:
        rows.append({"id": f.id, "external_id": f.external_id, "label": f.label, "score": round(score, 3),
                     "reasons": reasons, "evidence": linkage.evidence(reasons),
                     "url": reverse(view, args=[f.id])})  # fmt: skip
    return rows
