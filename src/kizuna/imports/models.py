"""Import jobs: the file, the mapping, progress (resumable), per-row outcomes (revertible)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待機中")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")
        REVERTED = "reverted", _("取り消し済み")

    class Kind(models.TextChoices):
        PERSON = "person", _("人")
        COMPANY = "company", _("会社")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSON)
    filename = models.CharField(_("ファイル名"), max_length=255)
    path = models.CharField(max_length=500)  # the uploaded file, kept under KIZUNA_DATA_DIR/imports/
    size = models.BigIntegerField(default=0)
    encoding = models.CharField(_("文字コード"), max_length=20, default="auto")
    sheet = models.CharField(max_length=100, blank=True)
    # the row the headers are on (title rows above it are no data); found at upload, the user may pick another
    header_row = models.PositiveIntegerField(_("見出し行"), null=True, blank=True)
    mapping = models.JSONField(default=dict)  # column index (as text) → field
    match_on = models.CharField(_("照合キー"), max_length=20, default="external_id")  # external_id | email | phone
    file_wins = models.JSONField(default=list, blank=True)  # fields an update may overwrite with the file's value
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    total_rows = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)  # rows done; a restarted job continues after it
    counts = models.JSONField(default=dict)  # created / updated / skipped / duplicates / errors
    errors = models.JSONField(default=list)  # [{"row", "field", "message"}], capped
    message = models.TextField(blank=True)
    created_companies = models.JSONField(default=list, blank=True)  # registered for its rows: revert removes them
    checked = models.JSONField(default=dict, blank=True)  # the last dry run, for the settings it was run with
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the running worker at each batch; a running job whose worker stopped beating is taken up again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("インポート")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        return int(100 * self.position / self.total_rows) if self.total_rows else (100 if self.finished_at else 0)


class ImportRow(models.Model):
    """What one row did: created or updated which record (with the values before), so the whole import
    can be reverted and a resumed job never applies a row twice."""

    class Action(models.TextChoices):
        CREATED = "created", _("作成")
        UPDATED = "updated", _("更新")
        SKIPPED = "skipped", _("スキップ")

    job = models.ForeignKey(ImportJob, models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    object_id = models.BigIntegerField(null=True)
    record_kind = models.CharField(max_length=10, blank=True)  # "company" for a company row of a person import
    before = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="import_row_once")]

    def __str__(self):
        return f"{self.job_id}:{self.row_number} {self.action}"


class MappingTemplate(models.Model):
    """A column mapping saved by name ("基幹システムの顧客一覧"), applied to the next file with those headers."""

    name = models.CharField(_("名前"), max_length=100)
    kind = models.CharField(max_length=10, choices=ImportJob.Kind.choices, default=ImportJob.Kind.PERSON)
    columns = models.JSONField(default=dict)  # normalized header → field
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="mapping_template_name_unique")]

    def __str__(self):
        return self.name
