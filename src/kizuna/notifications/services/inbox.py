"""Delivering notices (the deliverer core.notices calls), reading and marking them, and the user's preferences."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.notices import Notice

from .. import kinds
from ..models import Notification, Preference

log = logging.getLogger(__name__)
TITLE_MAX = 200


def _target(obj):
    """The record whose visibility decides (an attachment's activity, a relationship's person)."""
    parent = getattr(obj, "access_parent", None)
    return parent if parent is not None else obj


def _visible(user, objs) -> set:
    """(model, pk) of those of `objs` that `user` may see through each record's own `visible_to`; a model without
    one (a webhook subscription of the user's own) counts as seen: the caller vouches for it."""
    by_model: dict = {}
    for obj in objs:
        target = _target(obj)
        by_model.setdefault(type(target), set()).add(target.pk)
    seen = set()
    for model, pks in by_model.items():
        manager = model._default_manager
        if not hasattr(manager, "visible_to"):
            seen |= {(model, pk) for pk in pks}
            continue
        seen |= {(model, pk) for pk in manager.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True)}
    return seen


def can_see(user, obj) -> bool:
    """Whether `user` may see `obj` through the record's own visibility (the one read filter)."""
    target = _target(obj)
    return (type(target), target.pk) in _visible(user, [obj])


def neutral_title(kind: str) -> str:
    return _("%(kind)s: 閲覧権限のない記録についての通知です") % {"kind": kinds.label(kind)}


def preferences_of(users) -> dict[int, Preference]:
    """Each user's preferences; those who never saved any get the defaults (unsaved rows)."""
    saved = {p.user_id: p for p in Preference.objects.filter(user__in=[u.pk for u in users])}
    return {u.pk: saved.get(u.pk) or default_preference(u) for u in users}


def default_preference(user) -> Preference:
    return Preference(user=user, in_app_kinds=list(kinds.DEFAULT_IN_APP), email_kinds=list(kinds.DEFAULT_EMAIL))


def _wanted(pref: Preference, kind: str) -> tuple[bool, bool]:
    """(under the bell, in the digest) for a kind; kinds the preferences do not know are always shown."""
    if kind not in kinds.KINDS:
        return True, pref.digest
    return kind in pref.in_app_kinds, pref.digest and kind in pref.email_kinds


def deliver(users, notice: Notice) -> list[Notification]:
    """core.notices' deliverer: one row per recipient who wants this kind, once per `notice.data["key"]`; a
    recipient who may not see `notice.obj` gets a neutral title with no body and no link."""
    return deliver_many([(user, notice) for user in users])


def deliver_many(pairs) -> list[Notification]:
    """Deliver many (user, notice) pairs at once (the clock's reminders): one query for the preferences, one per
    user and kind of record for visibility, two inserts."""
    users = list({user.pk: user for user, _notice in pairs}.values())
    prefs = preferences_of(users)
    objs_of: dict[int, list] = {}
    for user, notice in pairs:
        if notice.obj is not None:
            objs_of.setdefault(user.pk, []).append(notice.obj)
    seen = {pk: _visible(next(u for u in users if u.pk == pk), objs) for pk, objs in objs_of.items()}
    keyed, plain = [], []
    for user, notice in pairs:
        in_app, by_mail = _wanted(prefs[user.pk], notice.kind)
        if not (in_app or by_mail):
            continue
        title, body, url = str(notice.title), str(notice.body or ""), notice.url or ""
        object_type = object_id = ""
        if notice.obj is not None:
            object_type = getattr(notice.obj, "permission_type", "") or notice.obj._meta.model_name
            object_id = str(notice.obj.pk)
            target = _target(notice.obj)
            if (type(target), target.pk) not in seen[user.pk]:
                title, body, url, object_type, object_id = neutral_title(notice.kind), "", "", "", ""
        key = str((notice.data or {}).get("key", ""))[:120]
        (keyed if key else plain).append(Notification(
            user=user, kind=notice.kind[:40], title=title[:TITLE_MAX], body=body[:2000], url=url[:500],
            actor=notice.actor if getattr(notice.actor, "pk", None) else None, object_type=object_type,
            object_id=object_id, key=key, in_app=in_app,
        ))  # fmt: skip
    with transaction.atomic():
        if keyed:  # the same key again (an event seen twice, a job run twice) is skipped by the unique constraint
            Notification.objects.bulk_create(keyed, ignore_conflicts=True, batch_size=500)
        if plain:
            Notification.objects.bulk_create(plain, batch_size=500)
    return keyed + plain


# --- reading and marking -------------------------------------------------------------------------------------
def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def mark_read(*, actor, notification: Notification) -> Notification:
    """The recipient's own notice (get it with `Notification.objects.for_user(actor)`)."""
    if notification.user_id != actor.pk:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor) -> int:
    return Notification.objects.for_user(actor).unread().update(read_at=timezone.now())


# --- preferences ---------------------------------------------------------------------------------------------
def preference_for(user) -> Preference:
    return Preference.objects.filter(user=user).first() or default_preference(user)


def _kinds(data: dict, field: str, errors: dict) -> list[str]:
    value = data.get(field)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors.setdefault(field, []).append(_("通知の種類の一覧を指定してください。"))
        return []
    unknown = sorted(set(value) - set(kinds.KINDS))
    if unknown:
        errors.setdefault(field, []).append(_("不明な通知の種類です: %(kinds)s") % {"kinds": ", ".join(unknown)})
    return [k for k in kinds.KINDS if k in value]


def update_preferences(*, actor, data: dict) -> Preference:
    """Set any of in_app_kinds, email_kinds (lists of kinds) and digest (on/off) for the actor; audited."""
    pref = preference_for(actor)
    fields = ("in_app_kinds", "email_kinds", "digest")
    before = {f: getattr(pref, f) for f in fields}
    errors: dict = {}
    values = {}
    for field in ("in_app_kinds", "email_kinds"):
        if field in data:
            values[field] = _kinds(data, field, errors)
    if "digest" in data:
        if not isinstance(data["digest"], bool):
            errors.setdefault("digest", []).append(_("true か false を指定してください。"))
        values["digest"] = bool(data["digest"])
    if errors:
        raise ValidationFailed(field_errors=errors)
    with transaction.atomic():
        for field, value in values.items():
            setattr(pref, field, value)
        pref.updated_at = timezone.now()
        pref.save()
        changes = audit.diff(before, {f: getattr(pref, f) for f in fields})
        audit.record(actor=actor, action="notifications.preferences", obj=pref, changes=changes,
                     label=str(actor))  # fmt: skip
    return pref
