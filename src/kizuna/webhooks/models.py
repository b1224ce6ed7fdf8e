"""Outgoing webhooks: an admin's subscription (event types → URL, signed with its secret) and one Delivery per
event and subscription, with every attempt logged."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    """Events of the chosen types are POSTed to `url`, as `owner` may see the records they are about."""

    name = models.CharField(_("名前"), max_length=100)
    url = models.CharField(_("送信先 URL"), max_length=2000)
    event_types = models.JSONField(_("イベント"), default=list)  # ["person.created", ...]
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("受信者")
    )  # payloads show the records as this user sees them; without an owner nothing is sent
    secret = models.CharField(max_length=120)  # whsec_<base64>, needed in clear to sign
    previous_secret = models.CharField(max_length=120, blank=True)  # still signed with until previous_until
    previous_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)  # first failed attempt since the last success
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("webhooks:detail", args=[self.pk])

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


class Delivery(models.Model):
    """One event for one subscription: the request body is fixed when the event is handed out, so every attempt
    (and a manual redelivery) sends the same bytes under the same `webhook-id`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失敗（再試行終了）")

    subscription = models.ForeignKey(Subscription, models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=80)  # the webhook-id header: the receiver's idempotency key
    event_id = models.UUIDField(null=True, blank=True)
    event_type = models.CharField(max_length=80)
    trigger = models.CharField(max_length=40, blank=True)  # "" for the subscription, "rule:<id>"/"action" else
    request_body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    retry_until = models.DateTimeField()  # 24 hours of backoff from the first try (or from a redelivery)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    manual = models.BooleanField(default=False)  # the next attempt is a redelivery asked for by a person

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "message_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="webhook_due_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.subscription_id}"


class Attempt(models.Model):
    """One HTTP request of a delivery: what came back (or why nothing did) and how long it took."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    manual = models.BooleanField(default=False)  # a redelivery asked for by a person
    address = models.CharField(max_length=64, blank=True)  # the checked address the request went to
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_snippet = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def ok(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"
