"""Phone calls reported by the phone system (CTI) and the extension each agent answers on."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person

from .tickets import CallReason, Channel, Ticket


class AgentExtension(models.Model):
    """The 内線 an agent's phone rings on: a ringing call to it pops up on that agent's screen."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="support_extension")
    extension = models.CharField(_("内線番号"), max_length=10, unique=True)

    class Meta:
        verbose_name = _("内線")
        verbose_name_plural = _("内線")

    def __str__(self):
        return self.extension


class Call(models.Model):
    class State(models.TextChoices):
        RINGING = "ringing", _("着信中")
        ANSWERED = "answered", _("通話中")
        ENDED = "ended", _("終了")

    channel = models.ForeignKey(Channel, models.CASCADE, related_name="calls")
    call_id = models.CharField(max_length=100)
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.RINGING)
    caller = models.CharField(_("発信者番号"), max_length=40, blank=True)
    caller_digits = models.CharField(max_length=20, blank=True)
    extension = models.CharField(_("内線番号"), max_length=10, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+")
    ringing_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    recording_url = models.URLField(_("録音"), max_length=500, blank=True)
    ticket = models.ForeignKey(Ticket, models.SET_NULL, null=True, blank=True, related_name="+")
    activity = models.ForeignKey("timeline.Activity", models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.ForeignKey(CallReason, models.PROTECT, null=True, blank=True, related_name="+")
    dismissed_at = models.DateTimeField(null=True, blank=True)  # the agent closed the pop
    wrapped_up_at = models.DateTimeField(null=True, blank=True)  # the call reason was given
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通話")
        verbose_name_plural = _("通話")
        constraints = [models.UniqueConstraint(fields=["channel", "call_id"], name="call_once")]
        indexes = [
            models.Index(fields=["agent", "wrapped_up_at", "dismissed_at", "-created_at"], name="call_agent_open_idx")
        ]

    def __str__(self):
        return f"{self.caller} → {self.extension}"
