"""Base mechanisms every record uses: timestamps and actor, version, soft delete, visibility; the audit log."""

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .permissions import Scope, Visibility, has_perm, scope_of


class TrackedQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class TrackedModel(models.Model):
    """Timestamps, actor, optimistic-concurrency version and soft delete."""

    created_at = models.DateTimeField(_("作成日時"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新日時"), default=timezone.now, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(_("バージョン"), default=1, editable=False)
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = TrackedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


class VisibleQuerySet(TrackedQuerySet):
    def visible_to(self, user, *, deleted: bool = False):
        """The one read filter for records: lists, detail, search, export, API and reports all use it."""
        qs = self.deleted() if deleted else self.alive()
        if not has_perm(user, self.model.permission_type, "view"):
            return qs.none()
        scope = scope_of(user)
        if scope == Scope.ALL:
            return qs
        own_fk = f"{self.model._meta.model_name}_id"
        users = self.model.shared_with.through.objects.filter(**{own_fk: OuterRef("pk"), "user_id": user.pk})
        rule = Q(visibility=Visibility.PUBLIC) | Q(owner_id=user.pk) | Exists(users)
        if user.team_id:
            teams = self.model.shared_with_teams.through.objects.filter(
                **{own_fk: OuterRef("pk"), "team_id": user.team_id}
            )
            rule |= Exists(teams)
            if scope == Scope.TEAM:
                rule |= Q(team_id=user.team_id)  # managers also see their team's private records
            else:
                rule |= Q(visibility=Visibility.TEAM, team_id=user.team_id)
        return qs.filter(rule)


class VisibleModel(TrackedModel):
    """A record with an owner, a team and a visibility level."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("担当者"),
    )
    team = models.ForeignKey(
        "accounts.Team", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("チーム")
    )
    visibility = models.CharField(
        _("公開範囲"), max_length=10, choices=Visibility.choices, default=Visibility.TEAM, db_index=True
    )
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("共有先")
    )
    shared_with_teams = models.ManyToManyField(
        "accounts.Team", blank=True, related_name="+", verbose_name=_("共有先チーム")
    )
    # Every view of a sensitive record (M&A talks, a complaint, a VIP) is written to the audit log.
    sensitive = models.BooleanField(_("機密扱い（閲覧を記録）"), default=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def update(self, **kwargs):
        raise TypeError("audit events are append-only")

    def delete(self):
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """Append-only log of changes, logins, exports and sensitive reads, chained by hash.

    The chain hash covers a digest of the payload (`object_label` and `changes`) rather than the payload itself,
    and the digest is stored on the row. So an erasure under the APPI (個人情報保護法) can replace a row's
    payload (`redacted_at` set, digest kept) without breaking the chain, while any other edit still shows."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    # The automated origin of the change ("rule:12") and how many automated steps led to it, for the domain event
    # relayed from this row (loop protection). Not part of the chain: they describe the cause, not the change.
    origin = models.CharField(max_length=64, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    payload_digest = models.CharField(max_length=64, blank=True)  # sha256 of (object_label, changes) as written
    redacted_at = models.DateTimeField(null=True, blank=True)  # payload replaced by an erasure; digest kept
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx")]
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")

    @property
    def is_redacted(self) -> bool:
        return self.redacted_at is not None

    def compute_payload_digest(self) -> str:
        raw = json.dumps({"object_label": self.object_label, "changes": self.changes},
                         sort_keys=True, ensure_ascii=False, default=str)  # fmt: skip
        return hashlib.sha256(raw.encode()).hexdigest()

    def compute_hash(self) -> str:
        payload = {
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "payload": self.payload_digest,
            "request_id": self.request_id,
            "prev": self.prev_hash,
        }
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()


# --- search index (written and queried by core/search.py) ---------------------------------------------
class SearchDocument(models.Model):
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    text = models.TextField()  # normalized fields, one per line
    names = models.TextField(default="")  # the fields results are ranked by, each between newlines
    private_text = models.TextField(default="")  # fields only some readers may match on (a mobile number)
    tokens = models.TextField(default="")  # encoded 1-2 grams; indexed by FTS5 (SQLite) or GIN (PostgreSQL)
    stamp = models.DateTimeField(null=True)  # the record's updated_at when indexed; a new one moves the id up

    class Meta:
        constraints = [models.UniqueConstraint(fields=["object_type", "object_id"], name="searchdoc_object_unique")]
        indexes = [models.Index(fields=["object_type", "id"], name="searchdoc_recency_idx")]

    def __str__(self):
        return f"{self.object_type}#{self.object_id}"


# --- domain events (written by core/events.py) -----------------------------------------------------------
class OutboxEvent(models.Model):
    """A domain event that the worker hands to every registered consumer (automation, webhooks, notifications) at
    least once. Record events are relayed from the audit log (written in the same transaction as the change, so
    never lost when a process dies after the commit); app events are written here in the change's transaction.
    `done` lists the consumers that have handled it."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=80)  # person.created, deal.stage_changed, ...
    object_type = models.CharField(max_length=40, blank=True)  # the registered object type: person, company, ...
    object_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    changes = models.JSONField(default=dict, blank=True)  # {field: [old, new]}
    data = models.JSONField(default=dict, blank=True)  # what an app event adds (stage, SLA, ids of a bulk write)
    occurred_at = models.DateTimeField(default=timezone.now)
    request_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)  # how many automated actions led to this change
    origin = models.CharField(max_length=64, blank=True)  # the automated source of the change ("rule:12"), if any
    audit_id = models.BigIntegerField(null=True, blank=True)  # the audit row a record event was relayed from
    done = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(dispatched_at__isnull=True), name="outbox_pending_idx"
            ),
            models.Index(fields=["object_type", "object_id"], name="outbox_object_idx"),
        ]
        ordering = ["id"]

    def __str__(self):
        return f"{self.type} {self.object_type}#{self.object_id}"


class EventRelay(models.Model):
    """How far the event relay has read the audit log: record events are made from audit rows past `position`.
    Audit rows are appended under the hash chain's lock, so their ids are in commit order and a cursor misses none."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}@{self.position}"


class PeriodicRun(models.Model):
    """When each periodic job of `kizuna clock` last ran (one row per job; claimed under a row lock)."""

    name = models.CharField(max_length=80, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name


class IdempotencyKey(models.Model):
    """The first response to an API POST sent with an `Idempotency-Key` header, replayed for 24 hours."""

    principal = models.CharField(max_length=80)  # who sent it: a token's digest or a signed-in user
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # method, path and body; the same key with another body is refused
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # null while the first request is still running
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_principal_key")]

    def __str__(self):
        return f"{self.principal} {self.key}"
