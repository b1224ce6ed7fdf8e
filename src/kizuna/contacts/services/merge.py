"""Merging duplicate people or companies into one survivor, and undoing a merge.

A merge picks the surviving value per field, moves the related rows (contact points, careers, sites,
current people, subsidiaries, tags) to the survivor, soft-deletes the others and keeps, in a Merge row,
everything needed to put each row back. A contact point or a career the survivor already has stays with the
merged record (one person, one 職歴 per post), and one current career stays 主所属. History follows: the
survivor's history shows the merged records' events too (see `history_ids`).
"""

import datetime

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, japanese, records
from kizuna.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from kizuna.core.permissions import has_perm
from kizuna.customfields.values import history_paths

from ..models import (
    Company,
    ContactPoint,
    DuplicateDismissal,
    DuplicateGroup,
    DuplicateKind,
    Employment,
    Merge,
    Person,
    Site,
    Tag,
)
from ..search import index_company, index_person
from .employments import sync_current_company
from .people import add_unparsed, unparsed_values

PERSON_FIELDS = [
    "family_name", "given_name", "family_name_kana", "given_name_kana", "birthday", "lifecycle_stage",
    "external_id", "postcode", "prefecture", "city", "street", "notes",
]  # fmt: skip
COMPANY_FIELDS = [
    "name", "name_kana", "corporate_number", "industry", "website", "phone", "postcode", "prefecture", "city",
    "street", "notes",
]  # fmt: skip
# (model, foreign key, unique-with) rows that follow a merged record to its survivor; other apps add theirs
# with register_move() (the timeline's activities, insights and follow-ups), so contacts imports none of them.
# A person's careers move by _fold_careers, which leaves out the posts the survivor already holds.
_MOVES = {
    DuplicateKind.PERSON: [],
    DuplicateKind.COMPANY: [
        (Employment, "company", None),
        (Site, "company", None),
        (Person, "company", None),
        (Company, "parent", None),
    ],
}


def register_move(kind: str, model, fk: str, *, unique_with: str | None = None) -> None:
    """`model.fk` rows move to the survivor. `unique_with` names the other column of a unique pair (an M2M
    through table): a row whose pair the survivor already has stays with the merged record."""
    if (model, fk, unique_with) not in _MOVES[kind]:
        _MOVES[kind].append((model, fk, unique_with))


def _move_rows(kind: str, model, survivor, other_ids, undo: dict) -> None:
    for rel_model, fk, unique_with in _MOVES[kind]:
        rows = rel_model.objects.filter(**{f"{fk}_id__in": other_ids}).order_by("pk")
        if rel_model is model:
            rows = rows.exclude(pk=survivor.pk)  # a survivor that was a subsidiary does not become its own parent
        if unique_with:
            taken = set(
                rel_model.objects.filter(**{f"{fk}_id": survivor.pk}).values_list(f"{unique_with}_id", flat=True)
            )
            moved = {}
            for pk, old, pair in rows.values_list("pk", f"{fk}_id", f"{unique_with}_id"):
                if pair not in taken:
                    taken.add(pair)
                    moved[pk] = old
        else:
            moved = dict(rows.values_list("pk", f"{fk}_id"))
        if moved:
            undo["moved"][f"{rel_model._meta.label}.{fk}"] = {str(k): v for k, v in moved.items()}
            rel_model.objects.filter(pk__in=list(moved)).update(**{f"{fk}_id": survivor.pk})


def _career_key(job: Employment) -> tuple:
    """One post: the same company, department, title and dates (department and title compared normalized)."""
    return (
        job.company_id, japanese.search_text(job.department), japanese.search_text(job.title), job.start_date,
        job.end_date,
    )  # fmt: skip


def _fold_careers(survivor, other_ids, undo: dict) -> None:
    """Move the merged records' careers to the survivor, except a post it already holds: that copy stays with the
    merged record and lends the survivor's post what it lacked (the site, the 主所属 flag). Then at most one current
    career is 主所属: the survivor's own, else a lent one, else the latest moved one. Every value changed on a row
    that stays is kept in `undo["careers"]`."""
    held: dict[tuple, Employment] = {}
    own_primaries = set()
    for job in Employment.objects.alive().filter(person_id=survivor.pk).order_by("pk"):
        held.setdefault(_career_key(job), job)
        if job.is_primary:
            own_primaries.add(job.pk)
    moved, changed = {}, {}

    def change(job, **values):
        old = changed.setdefault(str(job.pk), {})
        for field, value in values.items():
            old.setdefault(field, getattr(job, field))
            setattr(job, field, value)
        Employment.objects.filter(pk=job.pk).update(**values)

    for job in Employment.objects.filter(person_id__in=other_ids).order_by("pk"):
        if job.deleted_at is None:
            twin = held.get(_career_key(job))
            if twin is None:
                held[_career_key(job)] = job
            else:
                if twin.site_id is None and job.site_id is not None:
                    change(twin, site_id=job.site_id)
                if job.is_primary and not twin.is_primary:
                    change(twin, is_primary=True)
                continue
        moved[str(job.pk)] = job.person_id
    if moved:
        undo["moved"]["contacts.Employment.person"] = moved
        Employment.objects.filter(pk__in=[int(pk) for pk in moved]).update(person_id=survivor.pk)
    primaries = list(Employment.objects.alive().current().filter(person_id=survivor.pk, is_primary=True))
    primaries.sort(
        key=lambda j: (
            0 if j.pk in own_primaries else 2 if str(j.pk) in moved else 1,
            -(j.start_date or datetime.date.min).toordinal(),
            -j.pk,
        )
    )
    for job in primaries[1:]:
        change(job, is_primary=False)  # the one 主所属 left is the company sync_current_company gives the person
    if changed:
        undo["careers"] = changed


def model_for(kind: str):
    return Person if kind == DuplicateKind.PERSON else Company


def mergeable_fields(kind: str) -> list[str]:
    return PERSON_FIELDS if kind == DuplicateKind.PERSON else COMPANY_FIELDS


def default_choices(kind: str, survivor, others) -> dict[str, int]:
    """The survivor's value unless it is empty; then the first other record that has one."""
    choices = {}
    for field in mergeable_fields(kind):
        source = next((o for o in [survivor, *others] if getattr(o, field) not in ("", None)), survivor)
        choices[field] = source.pk
    return choices


def _renormalize(kind: str, obj) -> None:
    if kind == DuplicateKind.PERSON:
        obj.name_search = japanese.search_text(obj.family_name + obj.given_name)
        obj.kana_search = japanese.reading_key(obj.family_name_kana + obj.given_name_kana)
    else:
        obj.legal_form = japanese.legal_form(obj.name)
        obj.name_key = japanese.company_key(obj.name)
        obj.name_search = f"{japanese.search_text(obj.name)} {japanese.reading_key(obj.name_kana)}".strip()
        phone = japanese.parse_phone(obj.phone) if obj.phone else None
        obj.phone_digits = phone.digits if phone else ""


def _reindex(kind: str, obj) -> None:
    if kind == DuplicateKind.PERSON:
        index_person(obj)
    else:
        index_company(obj)
        for person in obj.current_people.alive().select_related("company"):
            index_person(person)


def merge_records(*, actor, kind: str, survivor, others, choices: dict | None = None, expected_version=None) -> Merge:
    """Fold `others` into `survivor`. `choices` maps a field to the id of the record whose value survives."""
    others = [o for o in others if o.pk != survivor.pk]
    if not others:
        raise ValidationFailed(field_errors={"members": [_("統合する相手を1件以上選んでください。")]})
    if not has_perm(actor, kind, "merge"):
        raise PermissionDenied(_("このロールには統合の権限がありません。"))
    for obj in [survivor, *others]:
        records.require_write(actor, obj)
    fields = mergeable_fields(kind)
    by_id = {o.pk: o for o in [survivor, *others]}
    choices = default_choices(kind, survivor, others) | {k: int(v) for k, v in (choices or {}).items() if k in fields}
    unknown = {k: v for k, v in choices.items() if v not in by_id}
    if unknown:
        raise ValidationFailed(field_errors={k: [_("統合対象に含まれないレコードです。")] for k in unknown})
    model = model_for(kind)
    with transaction.atomic():
        current = records.lock(survivor)
        records.check_version(current, expected_version)
        locked = {obj.pk: records.lock(obj) for obj in others}
        undo: dict = {"fields": {f: audit.jsonable(getattr(survivor, f)) for f in fields}, "moved": {}, "tags": []}
        undo["external_ids"] = {}
        for field, source_id in choices.items():
            value = getattr(by_id[source_id], field)
            if field == "external_id" and source_id != survivor.pk and value:
                undo["external_ids"][str(source_id)] = value
                model.objects.filter(pk=source_id).update(external_id="")  # the id is unique: free it first
            setattr(survivor, field, value)
        _renormalize(kind, survivor)
        # Custom values: the survivor's as stored, plus the keys only the others hold (never dropped).
        custom_before = dict(current.custom or {})
        survivor.custom = dict(custom_before)
        for obj in others:
            for key, value in (locked[obj.pk].custom or {}).items():
                survivor.custom.setdefault(key, value)
        undo["custom"] = custom_before
        other_ids = [o.pk for o in others]
        unparsed_before = None
        if kind == DuplicateKind.PERSON:
            undo["company"] = current.company_id
            survivor.unparsed_values = current.unparsed_values  # as stored: the save below writes the whole row
            undo["unparsed_values"] = list(survivor.unparsed_values or [])
            unparsed_before = unparsed_values(survivor)
            add_unparsed(survivor, [e for o in others for e in locked[o.pk].unparsed_values or []])  # never dropped
            _fold_careers(survivor, other_ids, undo)
            kept = set(survivor.contact_points.values_list("kind", "normalized"))
            for point in ContactPoint.objects.filter(person_id__in=other_ids).order_by("pk"):
                if (point.kind, point.normalized) not in kept:  # the same number twice stays with the merged
                    kept.add((point.kind, point.normalized))
                    undo["moved"].setdefault("contacts.ContactPoint.person", {})[str(point.pk)] = point.person_id
                    ContactPoint.objects.filter(pk=point.pk).update(person_id=survivor.pk)
        _move_rows(kind, model, survivor, other_ids, undo)
        if kind == DuplicateKind.COMPANY and survivor.parent_id in other_ids:
            undo["survivor_parent"] = survivor.parent_id
            survivor.parent = None
        have = set(survivor.tags.values_list("pk", flat=True))
        tag_owner = "people" if kind == DuplicateKind.PERSON else "companies"
        added = set(Tag.objects.filter(**{f"{tag_owner}__in": other_ids}).values_list("pk", flat=True)) - have
        survivor.tags.add(*added)
        undo["tags"] = sorted(added)
        before = {f: undo["fields"][f] for f in fields}
        records.touch(survivor, actor)
        survivor.save()
        changes = audit.diff(before, records.snapshot(survivor, fields))
        for path in history_paths(custom_before, survivor.custom):
            changes[path] = [custom_before.get(path[7:]), survivor.custom.get(path[7:])]
        if unparsed_before is not None and unparsed_before != unparsed_values(survivor):
            changes["unparsed_values"] = [unparsed_before, unparsed_values(survivor)]
        changes["merged"] = [None, [f"{o} (#{o.pk})" for o in others]]
        audit.record(actor=actor, action="merge", obj=survivor, changes=changes)
        now = timezone.now()
        for obj in others:
            model.objects.filter(pk=obj.pk).update(
                deleted_at=now, deleted_by=actor, version=obj.version + 1, updated_at=now, updated_by=actor
            )
            obj.deleted_at = now
            audit.record(actor=actor, action="merged_into", obj=obj, changes={"merged_into": [None, str(survivor)]})
            _reindex(kind, obj)
        if kind == DuplicateKind.PERSON:
            sync_current_company(survivor)
        _reindex(kind, survivor)
        merge = Merge.objects.create(
            kind=kind, survivor_id=survivor.pk, merged_ids=other_ids, undo=undo, survivor_version=survivor.version,
            merged_by=actor,
        )  # fmt: skip
        _resolve_groups(kind, {survivor.pk, *other_ids}, DuplicateGroup.Status.MERGED, actor)
    return merge


def undo_merge(*, actor, merge: Merge) -> None:
    """Put every moved row back, restore the merged records and the survivor's previous values."""
    if merge.undone_at:
        raise Conflict(_("この統合はすでに取り消されています。"))
    model = model_for(merge.kind)
    with transaction.atomic():
        survivor = records.lock(model.objects.get(pk=merge.survivor_id))
        if survivor.version != merge.survivor_version:
            raise Conflict(_("統合のあとで統合先のレコードが更新されたため、取り消せません。"))
        others = list(model.objects.filter(pk__in=merge.merged_ids))
        for obj in [survivor, *others]:
            records.require_write(actor, obj)
        for key, moved in merge.undo.get("moved", {}).items():
            label, fk = key.rsplit(".", 1)
            rel_model = apps.get_model(label)
            for pk, old in moved.items():
                rel_model.objects.filter(pk=int(pk)).update(**{f"{fk}_id": old})
        for pk, values in merge.undo.get("careers", {}).items():
            Employment.objects.filter(pk=int(pk)).update(**values)
        if "company" in merge.undo:
            survivor.company_id = merge.undo["company"]
        for field in mergeable_fields(merge.kind):
            value, model_field = merge.undo["fields"].get(field), model._meta.get_field(field)
            empty = None if model_field.null else ""
            setattr(survivor, field, model_field.to_python(value) if value is not None else empty)
        if "unparsed_values" in merge.undo:
            survivor.unparsed_values = merge.undo["unparsed_values"]
        if "custom" in merge.undo:
            survivor.custom = merge.undo["custom"]
        if "survivor_parent" in merge.undo:
            survivor.parent_id = merge.undo["survivor_parent"]
        survivor.tags.remove(*merge.undo.get("tags", []))
        _renormalize(merge.kind, survivor)
        if merge.undo.get("external_ids"):  # the survivor gives the borrowed id back before its owner takes it
            model.objects.filter(pk=survivor.pk).update(external_id=survivor.external_id)
            for pk, external_id in merge.undo["external_ids"].items():
                model.objects.filter(pk=int(pk)).update(external_id=external_id)
        records.touch(survivor, actor)
        survivor.save()
        audit.record(actor=actor, action="merge.undo", obj=survivor, changes={"restored": [None, merge.merged_ids]})
        for obj in others:
            records.touch(obj, actor)
            model.objects.filter(pk=obj.pk).update(
                deleted_at=None, deleted_by=None, version=obj.version, updated_at=obj.updated_at, updated_by=actor
            )
            obj.deleted_at = None
            audit.record(actor=actor, action="merge.undo", obj=obj)
            _reindex(merge.kind, obj)  # a merged record's own company was never changed: its careers are back
        if merge.kind == DuplicateKind.PERSON and "company" not in merge.undo:
            sync_current_company(survivor)  # a merge from before the survivor's company was kept
        _reindex(merge.kind, survivor)
        merge.undone_at, merge.undone_by = timezone.now(), actor
        merge.save(update_fields=["undone_at", "undone_by"])
        _resolve_groups(
            merge.kind, {survivor.pk, *merge.merged_ids}, DuplicateGroup.Status.OPEN, None,
            was=DuplicateGroup.Status.MERGED,
        )  # fmt: skip


def dismiss(*, actor, kind: str, objects) -> int:
    """Remember that these records are not duplicates of each other (pairwise)."""
    objects = list(objects)
    if len(objects) < 2:
        raise ValidationFailed(field_errors={"members": [_("2件以上選んでください。")]})
    if not has_perm(actor, kind, "merge"):
        raise PermissionDenied(_("このロールには統合の権限がありません。"))
    for obj in objects:
        records.require_write(actor, obj)
    ids = sorted(o.pk for o in objects)
    created = 0
    with transaction.atomic():
        for i, low in enumerate(ids):
            for high in ids[i + 1 :]:
                _dismissal, new = DuplicateDismissal.objects.get_or_create(
                    kind=kind, low_id=low, high_id=high, defaults={"dismissed_by": actor}
                )
                created += new
        audit.record(
            actor=actor, action="duplicate.dismiss", obj=objects[0],
            changes={"not_duplicate_of": [None, [f"{o} (#{o.pk})" for o in objects[1:]]]},
        )  # fmt: skip
        _resolve_groups(kind, set(ids), DuplicateGroup.Status.DISMISSED, actor)
    return created


def _resolve_groups(kind: str, ids: set, status: str, actor, *, was=DuplicateGroup.Status.OPEN) -> None:
    """Close (or, after an undo, reopen) the review-queue groups made only of these records."""
    reopen = status == DuplicateGroup.Status.OPEN
    for group in DuplicateGroup.objects.filter(kind=kind, status=was, first_id__in=ids):
        if set(group.member_ids) <= ids:
            group.status, group.resolved_at, group.resolved_by = status, None if reopen else timezone.now(), actor
            group.save(update_fields=["status", "resolved_at", "resolved_by"])


def history_ids(kind: str, pk: int) -> list[int]:
    """The record and every record merged into it (and not undone): its history is theirs too."""
    ids, frontier = [pk], [pk]
    while frontier:
        merged = Merge.objects.filter(kind=kind, survivor_id__in=frontier, undone_at__isnull=True)
        frontier = [i for m in merged for i in m.merged_ids if i not in ids]
        ids += frontier
    return ids
