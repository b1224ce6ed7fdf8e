"""What a rule can look at on a record: its fields (foreign keys as ids), tags, custom fields (`custom.<key>` in the
model's JSON column `custom`, when it has one) and the days since the last contact (the most recent activity on the
timeline that names the person or the company)."""

from django.apps import apps
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

# Columns that only the services write for search and matching: nothing a rule should read.
INTERNAL = {"name_search", "kana_search", "name_key", "phone_digits", "legal_form", "unparsed_values", "custom",
            "version", "deleted_by", "id"}  # fmt: skip
READABLE = {"company", "created_at", "updated_at", "created_by", "updated_by", "deleted_at"}  # editable=False, useful
DAYS_SINCE_CONTACT = "days_since_contact"
CONTACT_TYPES = ("person", "company", "task")
CUSTOM_PREFIX = "custom."


def model_for(object_type: str):
    """The model of a registered object type (person → contacts.Person), or None."""
    for model in apps.get_models():
        if getattr(model, "permission_type", None) == object_type and not model._meta.abstract:
            return model
    return None


def load(object_type: str, object_id):
    """The record an event is about, deleted ones included (a rule on person.deleted still sees it)."""
    model = model_for(object_type)
    if model is None or not str(object_id).isdigit():
        return None
    qs = model._base_manager.filter(pk=int(object_id))
    if object_type == "person":
        qs = qs.prefetch_related("contact_points")
    return qs.first()


# Values other apps compute for a record (a company's lifecycle stage, its LTV, the saved segments it is in):
# {(object_type, path): (label, value(obj))}. They appear in the condition editor like fields.
_COMPUTED: dict[tuple[str, str], tuple] = {}


def register_computed(object_type: str, path: str, label, value) -> None:
    """A condition may name `path` on `object_type`; `value(obj)` gives its current value."""
    _COMPUTED[(object_type, path)] = (label, value)


def catalog(object_type: str) -> list[tuple[str, str]]:
    """(path, label) of every field a condition may name on `object_type` (custom fields aside)."""
    model = model_for(object_type)
    if model is None:
        return []
    out = []
    for field in model._meta.get_fields():
        related_but_not_fk = field.is_relation and not (field.many_to_one or field.name == "tags")
        if field.name in INTERNAL or field.auto_created or related_but_not_fk:
            continue
        if not field.editable and field.name not in READABLE:
            continue
        out.append((field.name, str(getattr(field, "verbose_name", field.name))))
    if object_type in CONTACT_TYPES:
        out.append((DAYS_SINCE_CONTACT, str(_l("最終接触からの日数"))))
    out.extend((path, str(label)) for (kind, path), (label, _value) in _COMPUTED.items() if kind == object_type)
    return out


def is_known_path(object_type: str, path: str) -> bool:
    if path.startswith(CUSTOM_PREFIX):
        key = path.removeprefix(CUSTOM_PREFIX)
        return bool(key) and len(key) <= 60 and key.replace("_", "").replace("-", "").isalnum()
    return path in dict(catalog(object_type))


def value_of(obj, path: str):
    """The current value at `path`: a foreign key as its related record, tags as a sorted list of names."""
    if path.startswith(CUSTOM_PREFIX):
        return (getattr(obj, "custom", None) or {}).get(path.removeprefix(CUSTOM_PREFIX))
    if path == DAYS_SINCE_CONTACT:
        return days_since_contact(obj)
    computed = _COMPUTED.get((getattr(obj, "permission_type", ""), path))
    if computed is not None:
        return computed[1](obj)
    if path == "tags":
        return sorted(obj.tags.values_list("name", flat=True)) if hasattr(obj, "tags") else []
    return getattr(obj, path, None)


# --- the last contact --------------------------------------------------------------------------------------------
def _activity_model():
    return apps.get_model("timeline", "Activity")


def last_contact_subquery(object_type: str):
    """The latest activity's time for each row of a people or companies query (OuterRef("pk"))."""
    link = {"person": "people", "company": "companies"}[object_type]
    activities = _activity_model().objects.filter(deleted_at__isnull=True, **{link: OuterRef("pk")})
    return Subquery(activities.order_by("-occurred_at").values("occurred_at")[:1])


def last_contact(obj):
    """When the record was last in touch: its latest activity (a task: its person's or company's), else None."""
    kind = getattr(obj, "permission_type", "")
    if kind == "task":
        subject = obj.person if obj.person_id else obj.company
        return last_contact(subject) if subject is not None else None
    link = {"person": "people", "company": "companies"}.get(kind)
    if link is None:
        return None
    activities = _activity_model().objects.filter(deleted_at__isnull=True, occurred_at__lte=timezone.now())
    return activities.filter(**{link: obj}).aggregate(last=Max("occurred_at"))["last"]


def days_since_contact(obj) -> int | None:
    """Whole days since the last contact; a record never contacted counts from when it was registered."""
    if getattr(obj, "permission_type", "") not in CONTACT_TYPES:
        return None
    since = last_contact(obj)
    if since is None:
        subject = obj if obj.permission_type != "task" else (obj.person or obj.company)
        since = getattr(subject, "created_at", None)
    if since is None:
        return None
    return (timezone.now() - since).days
