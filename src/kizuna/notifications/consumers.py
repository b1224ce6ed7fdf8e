"""Notices made from domain events (the `notifications` consumer): @@mentions in activities, and assignments (a
record's owner changed to someone else, a task given to someone). Each notice is keyed by its event, so an event
seen twice notifies once."""

import re
from functools import cache

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.core.notices import Notice, notify
from kizuna.timeline.capture import user_mentions
from kizuna.timeline.services.mentions import mentioned_users

from . import kinds

_ROW_ID = re.compile(r"\(#(\d+)\)$")  # how the audit log names a linked row: "鈴木 一郎 (#12)"


@cache
def _models() -> dict:
    """object type → model, for every registered domain record (anything with a permission_type)."""
    found = {}
    for model in apps.get_models():
        kind = getattr(model, "permission_type", None)
        if kind and model._meta.concrete_model is model:
            found.setdefault(kind, model)
    return found


def load(event):
    model = _models().get(event.object_type)
    if model is None or not str(event.object_id).isdigit():
        return None
    rows = model._default_manager.filter(pk=int(event.object_id))
    if any(f.name == "deleted_at" for f in model._meta.concrete_fields):
        rows = rows.filter(deleted_at__isnull=True)  # a record deleted since the event: nothing to tell
    return rows.first()


def user_id(value) -> int | None:
    match = _ROW_ID.search(str(value or ""))
    return int(match[1]) if match else None


def _users(ids):
    User = apps.get_model("accounts", "User")
    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True))


def record_url(obj) -> str:
    if obj._meta.model_name == "followup":
        return reverse("timeline:tasks")  # a task is shown in its assignee's task list
    getter = getattr(obj, "get_absolute_url", None)
    return getter() if getter else ""


def handle(event) -> None:
    if event.data.get("bulk") or not event.object_id:
        return
    kind, _dot, verb = event.type.rpartition(".")
    if kind == "activity" and verb in ("created", "updated"):
        _mentions(event, verb)
    if verb in ("created", "updated"):
        _assignment(event, kind, verb)


def _mentions(event, verb) -> None:
    if verb == "updated" and not {"subject", "body"} & set(event.changes):
        return
    activity = load(event)
    if activity is None:
        return
    # What this event wrote (not the record as it is now: a later edit is its own event).
    new, old = _text(event, activity, 1), _text(event, activity, 0) if verb == "updated" else ""
    already = set(user_mentions(old))
    names = [n for n in user_mentions(new) if n not in already]  # an edit tells only those it newly mentions
    users = [u for u in mentioned_users(names) if u.pk != event.actor_id]
    if not users:
        return
    notify(users, Notice(
        kind=kinds.MENTION, title=_("%(actor)sさんが「%(record)s」であなたに言及しました")
        % {"actor": _actor_name(event), "record": str(activity)[:80]},
        body=activity.body[:500], url=record_url(activity), obj=activity, actor=event.actor,
        data={"key": f"mention:{event.event_id}"},
    ))  # fmt: skip


def _text(event, activity, index: int) -> str:
    """Subject and body as the event's change left them (index 1) or found them (index 0)."""
    parts = []
    for field in ("subject", "body"):
        change = event.changes.get(field)
        if isinstance(change, list) and len(change) == 2:
            parts.append(str(change[index] or ""))
        elif event.type.endswith(".updated"):
            parts.append(getattr(activity, field) or "")  # not changed by this edit
    return "\n".join(parts)


def _assignment(event, kind, verb) -> None:
    """A task's assignee, any other record's owner, set (at creation or later) to someone other than the actor."""
    field = "assignee" if kind == "task" else "owner"
    change = event.changes.get(field)
    if not isinstance(change, list) or len(change) != 2:
        return
    new_id = user_id(change[1])
    if not new_id or new_id == event.actor_id or new_id == user_id(change[0]):
        return
    recipients = {new_id}
    if event.data.get("action") == "handover":  # 引き継ぎ moves many records at once: one notice, not one each
        group = f"{event.actor_id}:{event.occurred_at:%Y%m%d%H%M}"  # one run (jobs and the CLI have no request)
        title = _("%(actor)sさんから担当の引き継ぎがありました") % {"actor": _actor_name(event)}
        notify(_users(recipients), Notice(kind=kinds.ASSIGNMENT, title=title, url=reverse("timeline:tasks"),
                                          actor=event.actor, data={"key": f"handover:{group}"[:120]}))  # fmt: skip
        return
    obj = load(event)
    if obj is None:
        return
    label = _("タスク") if kind == "task" else str(obj._meta.verbose_name)
    notify(_users(recipients), Notice(
        kind=kinds.ASSIGNMENT, title=_("%(actor)sさんが%(label)s「%(record)s」をあなたの担当にしました")
        % {"actor": _actor_name(event), "label": label, "record": str(obj)[:80]},
        url=record_url(obj), obj=obj, actor=event.actor, data={"key": f"assignment:{event.event_id}"},
    ))  # fmt: skip


def _actor_name(event) -> str:
    return str(event.actor) if event.actor_id and event.actor else event.actor_name or _("システム")
