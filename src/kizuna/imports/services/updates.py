"""The batch path for rows that update people: what `rows._apply` does for one row (phones and e-mails added,
a メモ appended, the old values kept for revert, a new post as a new career), for the rows of a batch at once,
through the contacts services' batch variants. A person updated twice in one batch is updated in two rounds,
in file order, as the row-by-row path would."""

from datetime import timedelta

from django.utils import timezone

from kizuna.contacts.models import Company, Employment
from kizuna.contacts.services import batch as contacts_batch
from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed

from ..models import ImportJob, ImportRow
from ..planning import RowPlan
from .batch import resolve_companies
from .common import Summary, _count, _error
from .rows import _append_notes, _before, _company_for


def _rounds(plans: list[RowPlan]) -> list[list[RowPlan]]:
    rounds: list[list[RowPlan]] = []
    seen: dict[int, int] = {}
    for plan in plans:
        n = seen.get(plan.existing.pk, 0)
        seen[plan.existing.pk] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(plan)
    return rounds


def _merged_points(points: list, data: dict) -> dict:
    """`rows._merged_points` over the person's points read for the whole round."""
    out = {}
    for kind, key in (("email", "emails"), ("phone", "phones")):
        if not data.get(key):
            continue
        held = [p for p in points if p.kind == kind]
        current = [{"value": str(p), "label": p.label} for p in held]
        have = {p.normalized for p in held}
        for entry in data[key]:
            value = entry["value"]
            norm = japanese.normalize_email(value) if kind == "email" else japanese.parse_phone(value).digits
            if norm not in have:
                current.append(entry)
                have.add(norm)
        out[key] = current
    return out


def _careers(actor, moves: list, companies: dict) -> list[dict]:
    """`rows._career_change` for [(person, company id, post)], each person once: what revert needs, per move."""
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    current: dict[int, list] = {}
    jobs = Employment.objects.alive().current().filter(person_id__in=[p.pk for p, _, _ in moves])
    for job in jobs.select_related("company").order_by("person_id", "-is_primary", "-id"):
        current.setdefault(job.person_id, []).append(job)
    updates, additions, changes = [], [], []
    for person, company_id, post in moves:
        post = {key: value for key, value in post.items() if value}
        held = current.get(person.pk, [])
        for job in held:
            job.person = person
        here = next((j for j in held if j.company_id == company_id), None)
        change: dict = {}
        changes.append(change)
        if here is not None and all(getattr(here, key) == value for key, value in post.items()):
            continue
        ended = []
        for job in [here] if here is not None else [j for j in held if j.is_primary]:
            if job.start_date and job.start_date >= today:  # begun today: corrected, not followed
                ended.append({"id": job.pk, "end_date": None, "is_primary": job.is_primary,
                              "department": job.department, "title": job.title, "in_place": True})  # fmt: skip
                updates.append((job, post))
                change |= {"added": [], "ended": ended}
                break
            ended.append({"id": job.pk, "end_date": job.end_date.isoformat() if job.end_date else None,
                          "is_primary": job.is_primary})  # fmt: skip
            updates.append((job, {"end_date": yesterday, "is_primary": False}))
        if change:
            continue
        additions.append((person, {
            "company": companies[company_id], "start_date": today, "is_primary": True,
            "department": post.get("department", here.department if here else ""),
            "title": post.get("title", here.title if here else ""),
        }))  # fmt: skip
        change |= {"added": [len(additions) - 1], "ended": ended}
    added = contacts_batch.change_employments(actor=actor, updates=updates, additions=additions)
    for change in changes:
        if change:
            change["added"] = [added[i].pk for i in change["added"]]
    return changes


def apply_updates(actor, job: ImportJob, plans: list[RowPlan], cache: dict, summary: Summary) -> list[ImportRow]:
    rows = []
    resolve_companies(actor, plans, cache)
    for round_plans in _rounds(plans):
        people = [plan.existing for plan in round_plans]
        points = contacts_batch.points_of([p.pk for p in people])
        tags = contacts_batch.tags_of([p.pk for p, plan in zip(people, round_plans, strict=True)
                                       if plan.data.get("tags")])  # fmt: skip
        items, befores, posts = [], [], []
        for plan, person in zip(round_plans, people, strict=True):
            data = dict(plan.data)
            data.pop("record_kind", "")
            company_id = _company_for(actor, data, cache)
            post = {key: data.pop(key, "") for key in ("department", "title")}
            data |= _merged_points(points.get(person.pk, []), data)
            _append_notes(person, data)
            befores.append(_before(person, data, points=points.get(person.pk, []), tags=tags.get(person.pk, [])))
            posts.append((company_id, post))
            items.append((person, data))
        results = contacts_batch.update_people(actor=actor, items=items)
        moves, moved = [], []
        for plan, person, result, before, (company_id, post) in zip(round_plans, people, results, befores, posts,
                                                                     strict=True):  # fmt: skip
            if isinstance(result, ValidationFailed):
                for field_name, messages in result.field_errors.items():
                    for message in messages:
                        _error(summary, plan.row_number, field_name, message)
                plan.action = "skip"
                rows.append(ImportRow(job=job, row_number=plan.row_number, action="skipped"))
            else:
                rows.append(ImportRow(job=job, row_number=plan.row_number, action="updated", object_id=person.pk,
                                      before=before))  # fmt: skip
                if company_id:
                    moves.append((person, company_id, post))
                    moved.append(rows[-1])
            _count(summary, plan)
        if moves:
            companies = Company.objects.visible_to(actor).in_bulk({company_id for _, company_id, _ in moves})
            for row, change in zip(moved, _careers(actor, moves, companies), strict=True):
                row.before["_careers"] = change
    return rows
