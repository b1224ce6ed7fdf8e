"""Knowledge (FAQ) and assistance: articles with categories and versions, the public FAQ of each brand, "was this
helpful" answers, the BM25 term index, the assistant's trained classifiers, its settings and the log of every call
to an outside language model."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person
from kizuna.core.models import TrackedModel, VisibleModel

from .tickets import CallReason, Channel, Ticket


class ArticleCategory(models.Model):
    name = models.CharField(_("名前"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("順番"), default=0)

    class Meta:
        verbose_name = _("記事カテゴリ")
        verbose_name_plural = _("記事カテゴリ")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class FaqBrand(TrackedModel):
    """One public FAQ site (/faq/<slug>/). Its chat site's allowed origins may call the FAQ's JSON search (CORS)."""

    name = models.CharField(_("ブランド名"), max_length=100)
    slug = models.SlugField(_("識別子"), max_length=60, unique=True)
    intro = models.TextField(_("紹介文"), blank=True)
    chat_channel = models.ForeignKey(
        Channel, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("チャットのサイト")
    )
    active = models.BooleanField(_("公開中"), default=True)

    class Meta:
        verbose_name = _("FAQブランド")
        verbose_name_plural = _("FAQブランド")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Article(VisibleModel):
    """A knowledge article. `audience` says who may read it outside the company: internal articles are for agents
    only; public ones also show on the FAQ of the brands listed (every brand when none is listed). `visibility`
    (inherited) says which agents see it, like every record."""

    permission_type = "article"

    class Audience(models.TextChoices):
        INTERNAL = "internal", _("社内限定")
        PUBLIC = "public", _("公開（FAQ）")

    title = models.CharField(_("タイトル"), max_length=200)
    body = models.TextField(_("本文"))
    category = models.ForeignKey(
        ArticleCategory, models.SET_NULL, null=True, blank=True, related_name="articles", verbose_name=_("カテゴリ")
    )
    audience = models.CharField(_("公開先"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    brands = models.ManyToManyField(FaqBrand, blank=True, related_name="articles", verbose_name=_("ブランド"))
    call_reasons = models.ManyToManyField(
        CallReason, blank=True, related_name="articles", verbose_name=_("コールリーズン")
    )
    helpful_yes = models.PositiveIntegerField(_("役に立った"), default=0)
    helpful_no = models.PositiveIntegerField(_("役に立たなかった"), default=0)
    chat_opens = models.PositiveIntegerField(_("チャットで開かれた回数"), default=0)  # from the widget's suggestions
    token_count = models.PositiveIntegerField(default=0, editable=False)  # BM25 document length

    class Meta:
        verbose_name = _("ナレッジ記事")
        verbose_name_plural = _("ナレッジ記事")
        indexes = [models.Index(fields=["audience", "-updated_at"], name="article_audience_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("support:article_detail", args=[self.pk])


class ArticleVersion(models.Model):
    """What an article said at one version: every save keeps one, so history shows each edit."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    title = models.CharField(_("タイトル"), max_length=200)
    body = models.TextField(_("本文"))
    category_name = models.CharField(_("カテゴリ"), max_length=100, blank=True)
    audience = models.CharField(_("公開先"), max_length=10, choices=Article.Audience.choices)
    note = models.CharField(_("変更内容"), max_length=200, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_once")]

    def __str__(self):
        return f"{self.title} (v{self.number})"


class ArticleTerm(models.Model):
    """The BM25 index: how often each Sudachi term occurs in an article's title and body."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="+")
    term = models.CharField(max_length=60)
    tf = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["term", "article"], name="article_term_idx")]
        constraints = [models.UniqueConstraint(fields=["article", "term"], name="article_term_once")]

    def __str__(self):
        return f"{self.term} ×{self.tf}"


class ArticleFeedback(models.Model):
    """One reader's "was this helpful": one row per article and visitor (a hashed session), changed in place."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="feedback")
    visitor_key = models.CharField(max_length=64)
    helpful = models.BooleanField(_("役に立った"))
    comment = models.TextField(_("コメント"), blank=True)
    brand = models.ForeignKey(FaqBrand, models.SET_NULL, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "visitor_key"], name="article_feedback_once")]

    def __str__(self):
        return f"{self.article_id}: {self.helpful}"


class AssistConfig(models.Model):
    """One row: the assistant's settings. The outside language model is off until an admin turns it on."""

    llm_enabled = models.BooleanField(_("外部の言語モデルを使う"), default=False)
    llm_url = models.URLField(_("エンドポイントURL（OpenAI互換）"), max_length=300, blank=True)
    llm_model = models.CharField(_("モデル名"), max_length=100, blank=True)
    llm_api_key = models.CharField(_("APIキー"), max_length=300, blank=True)  # else KIZUNA_LLM_API_KEY
    mask_personal_data = models.BooleanField(_("送信前に個人データを伏せる"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self):
        return "assist"


class AssistCall(models.Model):
    """Every call to the outside language model, sent or failed: who, for which ticket, what for, how much."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    ticket = models.ForeignKey(Ticket, models.SET_NULL, null=True, blank=True, related_name="+")
    purpose = models.CharField(max_length=20)  # summary | draft
    url = models.CharField(max_length=300)
    model = models.CharField(max_length=100, blank=True)
    masked = models.BooleanField()
    masked_count = models.PositiveIntegerField(default=0)
    sent_chars = models.PositiveIntegerField(default=0)
    sent_sha256 = models.CharField(max_length=64)
    received_chars = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.purpose} {self.at:%Y-%m-%d %H:%M}"


class AssistModel(models.Model):
    """One training of a classifier (call reason or priority) on resolved tickets: multinomial naive Bayes over
    Sudachi terms, with its accuracy on held-out tickets. The newest finished one is used."""

    class Target(models.TextChoices):
        REASON = "reason", _("コールリーズン")
        PRIORITY = "priority", _("優先度")

    class State(models.TextChoices):
        QUEUED = "queued", _("待機中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    target = models.CharField(max_length=10, choices=Target.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+")  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    n_train = models.PositiveIntegerField(default=0)
    n_test = models.PositiveIntegerField(default=0)
    accuracy = models.FloatField(null=True, blank=True)
    baseline_accuracy = models.FloatField(null=True, blank=True)  # always guessing the most common label
    params = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["target", "state", "-finished_at"], name="assist_model_idx")]

    def __str__(self):
        return f"{self.target} {self.requested_at:%Y-%m-%d}"
