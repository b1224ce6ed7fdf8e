"""What the clock runs even when nobody is logged in: reminders for tasks due today or overdue (once per task per
day), and the daily e-mail digest to the users who asked for it."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.core.notices import Notice
from kizuna.timeline.models import FollowUp

from . import kinds
from .models import Notification, Preference
from .services.inbox import deliver_many, preference_for

BATCH = 500  # reminders delivered per batch (one visibility query per user and batch)

log = logging.getLogger(__name__)


def due_tasks(today=None):
    """Open tasks due today or earlier, of active assignees (the clock's view: every record, no reader)."""
    today = today or timezone.localdate()
    return (FollowUp.objects.alive().filter(done_at__isnull=True, due_date__lte=today, assignee__is_active=True)
            .select_related("assignee").order_by("due_date", "pk"))  # fmt: skip


def remind_due_tasks(*, today=None) -> int:
    """One notice per open task due today or overdue per day, to its assignee; returns how many were new."""
    today = today or timezone.localdate()
    suffix = f":{today.isoformat()}"
    done = set(Notification.objects.filter(kind=kinds.TASK_DUE, key__endswith=suffix).values_list("key", flat=True))
    url = reverse("timeline:tasks")
    pairs = []
    for task in due_tasks(today).iterator(chunk_size=500):
        key = f"task_due:{task.pk}{suffix}"
        if key in done:
            continue
        days = (today - task.due_date).days
        title = (_("今日が期日のタスク: %(task)s") if days == 0 else _("期日を%(days)d日過ぎたタスク: %(task)s")) % {
            "task": task.title[:120], "days": days}  # fmt: skip
        pairs.append((task.assignee, Notice(kind=kinds.TASK_DUE, title=title, url=url, obj=task, data={"key": key})))
    for start in range(0, len(pairs), BATCH):
        deliver_many(pairs[start : start + BATCH])
    return len(pairs)


# --- the daily digest ----------------------------------------------------------------------------------------
def _base_url() -> str:
    return getattr(settings, "KIZUNA_BASE_URL", "").rstrip("/")


def digest_for(user, *, today):
    """(unread notices not yet mailed, of the kinds the user wants by e-mail; tasks due today or overdue)."""
    pref = preference_for(user)
    pending = Notification.objects.filter(user=user, read_at__isnull=True, emailed_at__isnull=True)
    wanted = Q(kind__in=pref.email_kinds) | ~Q(kind__in=list(kinds.KINDS))
    notices = list(pending.filter(wanted).order_by("-created_at")[:50])
    tasks = list(FollowUp.objects.visible_to(user).filter(assignee=user, done_at__isnull=True, due_date__lte=today)
                 .order_by("due_date", "pk")[:50])  # fmt: skip
    return notices, tasks


def send_digests(*, now=None) -> int:
    """Mail each opted-in user with an e-mail address once a day, after KIZUNA_DIGEST_HOUR (local time), if
    they have unread notices or tasks due; returns how many mails were sent. A failed send is retried at the
    next run (the day is not marked)."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    if now.hour < settings.KIZUNA_DIGEST_HOUR:
        return 0
    User = get_user_model()
    waiting = (Preference.objects.filter(digest=True, user__is_active=True).exclude(user__email="")
               .exclude(digest_sent_on__gte=today).select_related("user"))  # fmt: skip
    sent = 0
    for pref in waiting:
        user = User.objects.get(pk=pref.user_id)
        notices, tasks = digest_for(user, today=today)
        if notices or tasks:
            try:
                _mail(user, notices, tasks, today)
            except Exception:  # one bad address or a down server must not stop the others
                log.exception("digest to user %s failed", user.pk)
                continue
            sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
        Preference.objects.filter(pk=pref.pk).update(digest_sent_on=today)
    return sent


def _mail(user, notices, tasks, today) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "notices": notices, "tasks": tasks, "today": today, "base_url": _base_url(),
                   "kinds": kinds.KINDS}  # fmt: skip
        subject = _("【Kizuna】%(date)s のお知らせ（通知 %(n)d 件・期日のタスク %(t)d 件）") % {
            "date": today.strftime("%Y/%m/%d"), "n": len(notices), "t": len(tasks)}  # fmt: skip
        body = render_to_string("notifications/digest.txt", context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
