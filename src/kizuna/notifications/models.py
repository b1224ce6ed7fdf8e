"""A user's notices (the bell), what they want to be told and how, and their private calendar feed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The one read filter: a notice is its recipient's alone (administrators do not read others' bells)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user, in_app=True)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One notice for one user: a mention, an assignment, a task due, a rule's message, a webhook switched off.
    The title never names a record the recipient cannot see (services.deliver)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(_("種類"), max_length=40)
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # What makes a notice the same notice (the event it came from, a task and a day): delivered once per user.
    key = models.CharField(max_length=120, blank=True)
    in_app = models.BooleanField(default=True)  # False: only for the e-mail digest (the user turned the bell off)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # listed in a digest

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key")
        ]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """Which kinds of notice a user sees under the bell and gets in the daily e-mail digest (opt-in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preference")
    in_app_kinds = models.JSONField(default=list)
    email_kinds = models.JSONField(default=list)
    digest = models.BooleanField(_("毎日のメールダイジェスト"), default=False)
    digest_sent_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知設定")

    def __str__(self):
        return f"preferences of {self.user_id}"


class CalendarFeed(models.Model):
    """A user's private ICS feed: the secret is shown once, only its SHA-256 is kept. Revoking deletes the row;
    regenerating replaces it (the old URL stops working at once)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # the first characters, to tell feeds apart in the settings page
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("カレンダー配信")

    def __str__(self):
        return f"feed {self.prefix}… of {self.user_id}"
