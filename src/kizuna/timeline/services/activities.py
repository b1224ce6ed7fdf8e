from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kizuna.contacts.models import Company, Person
from kizuna.core import audit, records

from .. import sources
from ..models import Activity, ActivityLink
from ..search import index_activity
from .common import Errors, companies_of, provenance, require_writer, resolve_ownership, text, visible_many, when

FIELDS = [
    "kind", "occurred_at", "duration_minutes", "subject", "body", "source", "heard_from", "confidence", "owner",
    "team", "visibility",
]  # fmt: skip
LINKS = ("people", "companies", "our_participants")


def _clean(actor, data: dict, *, current: Activity | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "kind" in data:
        kind = data.get("kind") or Activity.Kind.NOTE
        if kind not in Activity.Kind.values:
            errors.add("kind", _("活動の種類が正しくありません。"))
        out["kind"] = kind
    if current is None or "occurred_at" in data:
        out["occurred_at"] = when(data, "occurred_at", errors, default=timezone.now())
    if "duration_minutes" in data:
        minutes = data.get("duration_minutes")
        if minutes not in (None, "") and (not str(minutes).isdigit() or int(minutes) > 24 * 60):
            errors.add("duration_minutes", _("所要時間は0〜1440分で入力してください。"))
        out["duration_minutes"] = int(minutes) if str(minutes or "").isdigit() else None
    for key, limit in (("subject", 200), ("body", 20000)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    if current is None and not (out.get("subject") or out.get("body")):
        errors.add("body", _("内容を入力してください。"))
    out.update(provenance(actor, data, errors, current=current))
    out.update(resolve_ownership(actor, data, errors, current=current))
    links = {}
    if "people" in data:
        links["people"] = visible_many(actor, Person, data["people"], "people", errors, pgettext("record", "人"))
    if "companies" in data:
        links["companies"] = visible_many(
            actor, Company, data["companies"], "companies", errors, pgettext("record", "会社")
        )
    if "our_participants" in data:
        from kizuna.accounts.models import User

        ids = [getattr(u, "pk", u) for u in data["our_participants"] or []]
        users = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(users) != len(set(ids)):
            errors.add("our_participants", _("自社の参加者が見つかりません。"))
        links["our_participants"] = users
    if "links" in data:
        links["links"] = _records(actor, data["links"], errors)
    errors.raise_if_any()
    out["_links"] = links
    return out


def _records(actor, refs, errors: Errors) -> list[tuple[str, int]]:
    """`[{"type": "deal", "id": 5}, ...]`: registered types, records the actor can see (else not found)."""
    found = []
    for ref in refs or []:
        kind, pk = (ref.get("type"), ref.get("id")) if isinstance(ref, dict) else (None, None)
        model = sources.linkable_model(kind) if isinstance(kind, str) else None
        if model is None or not str(pk).isdigit():
            errors.add("links", _("リンク先の種類または ID が正しくありません。"))
            continue
        if not model.objects.visible_to(actor).filter(pk=int(pk)).exists():
            errors.add("links", _("リンク先（%(type)s #%(id)s）が見つかりません。") % {"type": kind, "id": pk})
            continue
        found.append((kind, int(pk)))
    return sorted(set(found))


def _link_values(activity: Activity) -> dict:
    """The linked records as the history writes them: "name (#id)", so a reader who may not see one reads its
    placeholder (core.visibility); participants are users, named as they are."""
    values = {name: sorted(audit.jsonable(o) if name != "our_participants" else str(o)
                           for o in getattr(activity, name).all()) for name in LINKS}  # fmt: skip
    # Other apps' records by type and id only: the history never names a record its reader may not see.
    values["links"] = [str(link) for link in activity.links.order_by("object_type", "object_id")]
    return values


def _set_links(activity: Activity, links: dict) -> None:
    if "people" in links:  # the people's companies join the activity, so it shows on their timelines
        extra = companies_of(links["people"])
        links["companies"] = list(
            {c.pk: c for c in [*links.get("companies", activity.companies.all()), *extra]}.values()
        )
    if "links" in links:
        activity.links.all().delete()
        ActivityLink.objects.bulk_create(
            ActivityLink(activity=activity, object_type=kind, object_id=pk) for kind, pk in links.pop("links")
        )
    for name, objs in links.items():
        getattr(activity, name).set(objs)


def create_activity(*, actor, data: dict) -> Activity:
    require_writer(actor, "activity")
    values = _clean(actor, data)
    links = values.pop("_links")
    links.setdefault("our_participants", [actor])
    with transaction.atomic():
        activity = Activity(**values, recorded_by=actor, created_by=actor, updated_by=actor)
        activity.save()
        _set_links(activity, links)
        snapshot = records.snapshot(activity, FIELDS) | _link_values(activity)
        audit.record(actor=actor, action="create", obj=activity, changes=audit.diff({}, snapshot))
        index_activity(activity)
    return activity


def update_activity(*, actor, activity: Activity, data: dict, expected_version=None) -> dict:
    require_writer(actor, "activity", "edit")
    records.check_version(activity, expected_version)  # a stale form is a conflict before its values are checked
    values = _clean(actor, data, current=activity)
    links = values.pop("_links")
    with transaction.atomic():
        changes = records.apply_changes(
            actor=actor, obj=activity, data=values, fields=FIELDS, expected_version=expected_version
        )
        if links:
            before = _link_values(activity)
            _set_links(activity, links)
            extra = audit.diff(before, _link_values(activity))
            records.record_related_changes(actor=actor, obj=activity, changes=extra, version_bumped=bool(changes))
            changes |= extra
        if {"subject", "body"} & changes.keys():
            index_activity(activity)
    return changes


def delete_activity(*, actor, activity: Activity, expected_version=None) -> None:
    with transaction.atomic():
        records.soft_delete(actor=actor, obj=activity, expected_version=expected_version)
        index_activity(activity)


def restore_activity(*, actor, activity: Activity) -> None:
    with transaction.atomic():
        records.restore(actor=actor, obj=activity)
        index_activity(activity)
