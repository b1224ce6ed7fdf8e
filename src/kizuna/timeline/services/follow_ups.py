from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kizuna.contacts.models import Company, Person
from kizuna.core import audit, japanese, records

from ..models import Activity, FollowUp
from .common import Errors, require_writer, resolve_ownership, text, visible_one

FIELDS = ["title", "due_date", "assignee", "person", "company", "activity", "owner", "team", "visibility"]


def _clean(actor, data: dict, *, current: FollowUp | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "title" in data:
        out["title"] = text(data, "title", 200, errors, required=True, label=_("タスク"))
    if "due_date" in data:
        due = data.get("due_date") or None
        if isinstance(due, str):
            parsed = japanese.parse_relative_date(due, timezone.localdate())
            if parsed is None:
                errors.add("due_date", _("期日の形式が正しくありません（例: 2026/12/4、来週金曜、3日後）。"))
            due = parsed
        out["due_date"] = due
    if current is None or "assignee" in data:
        assignee = data.get("assignee") or (current.assignee if current else actor)
        if not hasattr(assignee, "pk"):
            assignee = get_user_model().objects.filter(pk=assignee, is_active=True).first()
            if assignee is None:
                errors.add("assignee", _("担当者が見つかりません。"))
        out["assignee"] = assignee
    for key, model, label in (
        ("person", Person, pgettext("record", "人")),
        ("company", Company, pgettext("record", "会社")),
        ("activity", Activity, pgettext("record", "活動")),
    ):
        if key in data:
            out[key] = visible_one(actor, model, data.get(key), key, errors, label)
    out.update(resolve_ownership(actor, data, errors, current=current))
    errors.raise_if_any()
    return out


def create_follow_up(*, actor, data: dict) -> FollowUp:
    require_writer(actor, "task")
    values = _clean(actor, data)
    with transaction.atomic():
        follow_up = FollowUp(**values, created_by=actor, updated_by=actor)
        follow_up.save()
        audit.record(actor=actor, action="create", obj=follow_up,
                     changes=audit.diff({}, records.snapshot(follow_up, FIELDS)))  # fmt: skip
    return follow_up


def update_follow_up(*, actor, follow_up: FollowUp, data: dict, expected_version=None) -> dict:
    require_writer(actor, "task", "edit")
    values = _clean(actor, data, current=follow_up)
    return records.apply_changes(
        actor=actor, obj=follow_up, data=values, fields=FIELDS, expected_version=expected_version
    )


def complete_follow_up(*, actor, follow_up: FollowUp, done: bool = True) -> None:
    records.require_write(actor, follow_up)
    with transaction.atomic():
        before = follow_up.done_at
        follow_up.done_at = timezone.now() if done else None
        follow_up.done_by = actor if done else None
        records.touch(follow_up, actor)
        follow_up.save(update_fields=["done_at", "done_by", "version", "updated_at", "updated_by"])
        changes = audit.diff({"done_at": before}, {"done_at": follow_up.done_at})
        action = "follow_up.done" if done else "follow_up.reopen"
        audit.record(actor=actor, action=action, obj=follow_up, changes=changes)


def delete_follow_up(*, actor, follow_up: FollowUp, expected_version=None) -> None:
    records.soft_delete(actor=actor, obj=follow_up, expected_version=expected_version)
