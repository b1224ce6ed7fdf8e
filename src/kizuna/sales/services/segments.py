"""Saved segments: a named filter over companies or people, used by the lists (?segment=<id>), their API lists and
exports (contacts.filters.register_list_filter) and by automation conditions ("segments" contains a name).

Filters: the lists' own (q, owner, tag, prefecture, industry; custom fields as {"<key>": v, "<key>.min": v}) plus
`lifecycle` (stages), `ltv_min` / `ltv_max` (yen, won deals; companies) and `contact_within_days` /
`no_contact_days` (the last activity). A segment is its author's, or everyone's when `shared`.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.filters import filter_companies, filter_people
from kizuna.contacts.models import Company, Person
from kizuna.core import audit
from kizuna.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import has_perm, is_admin
from kizuna.core.services import Errors, text

from ..models.journey import JourneyStage, Lifecycle, Segment
from .journey import ltv_subquery

TEXT_KEYS = {"company": ("q", "owner", "tag", "prefecture", "industry"),
             "person": ("q", "owner", "tag", "prefecture")}  # fmt: skip
NUMBER_KEYS = ("ltv_min", "ltv_max", "contact_within_days", "no_contact_days")


def last_contact_subquery(object_type: str):
    """The latest activity's time for each row of a people or companies query."""
    from kizuna.timeline.models import Activity

    link = {"person": "people", "company": "companies"}[object_type]
    activities = Activity.objects.filter(deleted_at__isnull=True, **{link: OuterRef("pk")})
    return Subquery(activities.order_by("-occurred_at").values("occurred_at")[:1])


def segments_for(user, object_type: str | None = None):
    qs = Segment.objects.alive().filter(Q(owner=user) | Q(shared=True))
    return qs.filter(object_type=object_type) if object_type else qs


def get_segment_for_user(user, pk, object_type: str | None = None) -> Segment:
    text_pk = str(pk).strip()
    if not (text_pk.isascii() and text_pk.isdecimal() and len(text_pk) <= 18):
        raise NotFound()
    segment = segments_for(user, object_type).filter(pk=int(text_pk)).first()
    if segment is None:
        raise NotFound()
    return segment


def _number(raw, key: str, errors: Errors):
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).replace(",", "").strip())
    except ValueError:
        errors.add(key, _("数値で入力してください。"))
        return None
    if value < 0 or value > 10**15:
        errors.add(key, _("0 以上の数値で入力してください。"))
        return None
    return value


def clean_filters(object_type: str, raw: dict, errors: Errors) -> dict:
    out: dict = {}
    for key in TEXT_KEYS[object_type]:
        if value := str(raw.get(key) or "").strip():
            out[key] = value[:200]
    stages = raw.get("lifecycle") or []
    stages = [stages] if isinstance(stages, str) else list(stages)
    unknown = [s for s in stages if s not in JourneyStage.values]
    if unknown:
        errors.add(
            "lifecycle",
            _("ライフサイクルは %(choices)s のいずれかです。") % {"choices": " / ".join(JourneyStage.values)},
        )
    elif stages:
        out["lifecycle"] = stages
    for key in NUMBER_KEYS:
        if key.startswith("ltv") and object_type != "company":
            continue
        value = _number(raw.get(key), key, errors)
        if value is not None:
            out[key] = value
    custom = raw.get("custom") or {}
    if not isinstance(custom, dict):
        errors.add("custom", _("カスタム項目の条件が不正です。"))
    elif custom:
        out["custom"] = {str(k): str(v) for k, v in custom.items() if str(v).strip()}
    return out


def create_segment(*, actor, data: dict) -> Segment:
    if not has_perm(actor, data.get("object_type") or "company", "view"):
        raise PermissionDenied()
    errors = Errors()
    name = text(data, "name", 100, errors, required=True, label=_("名前"))
    object_type = data.get("object_type")
    if object_type not in ("company", "person"):
        errors.add("object_type", _("対象は company か person です。"))
        errors.raise_if_any()
    filters = clean_filters(object_type, data.get("filters") or {}, errors)
    # Sharing a segment offers it to everyone's lists: for whoever may export the records (each reader still sees
    # only the records visible to them).
    shared = bool(data.get("shared")) and (is_admin(actor) or has_perm(actor, object_type, "export"))
    errors.raise_if_any()
    probe = Segment(object_type=object_type, filters=filters)
    apply(probe, actor, (Company if object_type == "company" else Person).objects.none())  # custom keys checked
    with transaction.atomic():
        segment = Segment.objects.create(name=name, object_type=object_type, filters=filters, owner=actor,
                                         shared=shared, created_by=actor, updated_by=actor)  # fmt: skip
        audit.record(
            actor=actor, action="create", obj=segment, changes={"name": [None, name], "filters": [None, filters]}
        )
    return segment


def delete_segment(*, actor, segment: Segment) -> None:
    if segment.owner_id != actor.pk and not is_admin(actor):
        raise PermissionDenied(_("セグメントを削除できるのは作成者と管理者です。"))
    with transaction.atomic():
        segment.deleted_at, segment.deleted_by = timezone.now(), actor
        segment.save(update_fields=["deleted_at", "deleted_by"])
        audit.record(actor=actor, action="delete", obj=segment)


def apply(segment: Segment, user, qs):
    """`qs` (companies or people the user sees) narrowed to the segment."""
    f = segment.filters or {}
    kind = segment.object_type
    base = {k: f[k] for k in TEXT_KEYS[kind] if f.get(k)}
    if kind == "company":
        qs = filter_companies(qs, user=user, custom=f.get("custom"), **base)
    else:
        qs = filter_people(qs, user=user, custom=f.get("custom"), **base)
    if stages := f.get("lifecycle"):
        field = "company_id" if kind == "company" else "person_id"
        at = Lifecycle.objects.filter(**{field: OuterRef("pk")}, stage__in=stages)
        anywhere = Lifecycle.objects.filter(**{field: OuterRef("pk")})
        cond = Exists(at)
        if JourneyStage.AWARENESS in stages:  # no row: 認知
            cond |= ~Exists(anywhere)
        qs = qs.filter(cond)
    if kind == "company" and (f.get("ltv_min") is not None or f.get("ltv_max") is not None):
        qs = qs.annotate(segment_ltv=ltv_subquery(user))
        if f.get("ltv_min") is not None:
            qs = qs.filter(segment_ltv__gte=f["ltv_min"])
        if f.get("ltv_max") is not None:
            qs = qs.filter(segment_ltv__lte=f["ltv_max"])
    if f.get("contact_within_days") is not None or f.get("no_contact_days") is not None:
        qs = qs.annotate(segment_last_contact=last_contact_subquery(kind))
        now = timezone.now()
        if f.get("contact_within_days") is not None:
            qs = qs.filter(segment_last_contact__gte=now - timedelta(days=f["contact_within_days"]))
        if f.get("no_contact_days") is not None:
            cutoff = now - timedelta(days=f["no_contact_days"])
            qs = qs.filter(Q(segment_last_contact__lt=cutoff) | Q(segment_last_contact__isnull=True))
    return qs


def list_filter(qs, *, user, object_type: str, value):
    """contacts.filters plug: ?segment=<id> on the people and company lists, API lists and exports."""
    try:
        segment = get_segment_for_user(user, value, object_type)
    except NotFound:
        message = _("セグメントが見つかりません（%(value)s）。") % {"value": str(value)[:20]}
        raise ValidationFailed(message, field_errors={"segment": [message]}) from None
    return apply(segment, user, qs)


def segment_names(obj) -> list[str]:
    """Automation condition value: the shared segments `obj` belongs to (as their author sees it)."""
    kind = getattr(obj, "permission_type", "")
    model = Company if kind == "company" else Person
    names = []
    for segment in Segment.objects.alive().filter(object_type=kind, shared=True).select_related("owner"):
        if apply(segment, segment.owner, model.objects.visible_to(segment.owner)).filter(pk=obj.pk).exists():
            names.append(segment.name)
    return sorted(names)
