"""Custom field definitions. The values live on the records themselves, in one JSON column `custom` per model
({key: value}); a definition says how a key is typed, labelled, ordered, and which roles may read and edit it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("テキスト")
    LONG_TEXT = "long_text", _("長いテキスト")
    NUMBER = "number", _("数値")
    MONEY = "money", _("金額（円）")
    DATE = "date", _("日付")
    CHOICE = "choice", _("選択")
    MULTI_CHOICE = "multi_choice", _("複数選択")
    USER = "user", _("ユーザー")
    URL = "url", _("URL")
    CHECKBOX = "checkbox", _("チェックボックス")


# How each type is held in the JSON column (and described in the API).
JSON_TYPES = {
    FieldType.TEXT: "string", FieldType.LONG_TEXT: "string", FieldType.NUMBER: "number",
    FieldType.MONEY: "integer", FieldType.DATE: "string", FieldType.CHOICE: "string",
    FieldType.MULTI_CHOICE: "array", FieldType.USER: "integer", FieldType.URL: "string",
    FieldType.CHECKBOX: "boolean",
}  # fmt: skip
TEXT_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT)  # found by search
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)
RANGE_TYPES = (FieldType.NUMBER, FieldType.MONEY, FieldType.DATE)  # filtered by min/max


class CustomFieldQuerySet(models.QuerySet):
    def active(self):
        """Fields in use (a removed field is hidden everywhere, its values kept until it is purged)."""
        return self.filter(removed_at__isnull=True)


class CustomField(models.Model):
    object_type = models.CharField(_("対象"), max_length=30)
    key = models.CharField(_("キー"), max_length=40)  # ASCII slug, never changed (the JSON key of the values)
    type = models.CharField(_("種類"), max_length=20, choices=FieldType.choices)
    label_ja = models.CharField(_("表示名（日本語）"), max_length=100)
    label_en = models.CharField(_("表示名（英語）"), max_length=100, blank=True)
    help_text = models.CharField(_("説明"), max_length=300, blank=True)
    required = models.BooleanField(_("必須"), default=False)
    position = models.PositiveIntegerField(_("表示順"), default=0)
    choices = models.JSONField(_("選択肢"), default=list, blank=True)  # [str] for choice and multi_choice
    filterable = models.BooleanField(_("一覧で絞り込む"), default=False)
    # Role keys (accounts.Role.key); empty = every role. Administrators always read and edit.
    read_roles = models.JSONField(_("閲覧できるロール"), default=list, blank=True)
    edit_roles = models.JSONField(_("編集できるロール"), default=list, blank=True)
    removed_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    purge_started_at = models.DateTimeField(null=True, blank=True)  # values being removed from every record
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = CustomFieldQuerySet.as_manager()

    class Meta:
        ordering = ["object_type", "position", "id"]
        verbose_name = _("カスタム項目")
        constraints = [models.UniqueConstraint(fields=["object_type", "key"], name="customfield_key_unique")]
        indexes = [models.Index(fields=["object_type", "removed_at"], name="customfield_type_idx")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The label in the reader's language (English falls back to Japanese)."""
        if (get_language() or "ja").startswith("en") and self.label_en:
            return self.label_en
        return self.label_ja

    @property
    def json_type(self) -> str:
        return JSON_TYPES[self.type]

    @property
    def path(self) -> str:
        """The field's name in error bodies, history rows and filters: custom.<key>."""
        return f"custom.{self.key}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


ACTIVE = Q(removed_at__isnull=True)
