"""Who else may see a record, and whether reading it is logged: sharing with named users or teams (on top of the
record's visibility level) and the 機密扱い flag. One service for every record type with an owner."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, records
from .exceptions import NotFound, ValidationFailed
from .models import VisibleModel

# API path words → the record types (permission_type) they name; apps add theirs with register_kind.
KINDS = {"people": "person", "companies": "company", "activities": "activity", "insights": "insight", "tasks": "task"}


def register_kind(path_word: str, object_type: str) -> None:
    """Open an app's record type to GET/PUT /api/v1/<path_word>/{id}/access (`register_kind("deals", "deal")`)."""
    KINDS[path_word] = object_type


def model_for(object_type: str):
    """The VisibleModel subclass whose permission_type is `object_type` (the apps declare it; core names none)."""
    for model in apps.get_models():
        if issubclass(model, VisibleModel) and getattr(model, "permission_type", None) == object_type:
            return model
    raise NotFound()


def _ids(raw, field: str, errors: dict) -> list[int]:
    try:
        return sorted({int(v) for v in raw})
    except (TypeError, ValueError):
        errors[field] = [_("ID の一覧で指定してください。")]
        return []


def set_access(*, actor, obj, data: dict, expected_version=None) -> dict:
    """Set any of shared_with (user ids), shared_with_teams (team ids) and sensitive. Needs the right to edit."""
    records.require_write(actor, obj)
    errors: dict[str, list[str]] = {}
    targets: dict = {}
    if "shared_with" in data:
        ids = _ids(data["shared_with"] or [], "shared_with", errors)
        users = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
        if len(users) != len(ids):
            errors["shared_with"] = [_("共有先のユーザーが見つかりません（無効なユーザーを含みます）。")]
        targets["shared_with"] = users
    if "shared_with_teams" in data:
        ids = _ids(data["shared_with_teams"] or [], "shared_with_teams", errors)
        teams = list(apps.get_model("accounts", "Team").objects.filter(pk__in=ids))
        if len(teams) != len(ids):
            errors["shared_with_teams"] = [_("共有先のチームが見つかりません。")]
        targets["shared_with_teams"] = teams
    if errors:
        raise ValidationFailed(field_errors=errors)
    with transaction.atomic():
        current = records.lock(obj)
        records.check_version(current, expected_version)
        changes = {}
        for field, chosen in targets.items():
            manager = getattr(obj, field)
            before = sorted(manager.all(), key=lambda t: t.pk)
            if [t.pk for t in before] != [t.pk for t in sorted(chosen, key=lambda t: t.pk)]:
                manager.set(chosen)
                changes[field] = [[str(t) for t in before], [str(t) for t in sorted(chosen, key=lambda t: t.pk)]]
        if "sensitive" in data and bool(data["sensitive"]) != current.sensitive:
            changes["sensitive"] = [current.sensitive, bool(data["sensitive"])]
            obj.sensitive = bool(data["sensitive"])
        if not changes:
            return {}
        obj.version = current.version
        records.touch(obj, actor)
        obj.save(update_fields=["sensitive", "version", "updated_at", "updated_by"])
        audit.record(actor=actor, action="share", obj=obj, changes=changes)
    return changes


def access_of(obj) -> dict:
    return {
        "shared_with": [{"id": u.pk, "name": str(u)} for u in obj.shared_with.order_by("pk")],
        "shared_with_teams": [{"id": t.pk, "name": t.name} for t in obj.shared_with_teams.order_by("pk")],
        "sensitive": obj.sensitive,
        "version": obj.version,
    }


def note_view(actor, obj) -> None:
    """Reading a record marked sensitive leaves an audit row (pages and API alike)."""
    if getattr(obj, "sensitive", False):
        audit.record(actor=actor, action="view", obj=obj)
