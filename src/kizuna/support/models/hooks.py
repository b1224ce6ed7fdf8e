"""Events received on a channel's webhook, by the sender's own event id: a replayed event is found here and ignored."""

from django.db import models
from django.utils import timezone

from .tickets import Channel


class HookEvent(models.Model):
    channel = models.ForeignKey(Channel, models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=200)  # LINE webhookEventId, Standard Webhooks webhook-id
    kind = models.CharField(max_length=40)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "event_id"], name="hook_event_once")]

    def __str__(self):
        return f"{self.kind} {self.event_id}"
