"""Writes to the knowledge base: articles (each save keeps a version), categories, FAQ brands and readers'
"was this helpful" answers. Each is one transaction with its audit row; the search index follows each write."""

import hashlib

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kizuna.core import audit, records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Visibility, is_admin
from kizuna.core.services import Errors, require_writer, save_setting_row, text

from ..models import Article, ArticleCategory, ArticleFeedback, ArticleVersion, CallReason, Channel, FaqBrand
from . import kb_search

FIELDS = ("title", "body", "category", "audience", "visibility")
MAX_BODY = 50_000
MAX_COMMENT = 1000


def _ids(value, errors: Errors, field: str) -> list[int]:
    if value in (None, ""):
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        if isinstance(v, int) or (isinstance(v, str) and v.strip().isdigit() and len(v.strip()) < 12):
            out.append(int(v))
        elif v not in ("", None):
            errors.add(field, _("番号で指定してください: %(value)s") % {"value": str(v)[:40]})
    return out


def _clean(data: dict, current: Article | None) -> tuple[dict, list | None, list | None]:
    errors = Errors()
    values: dict = {}
    if current is None or "title" in data:
        values["title"] = text(data, "title", 200, errors, required=True, label=_("タイトル"))
    if current is None or "body" in data:
        values["body"] = text(data, "body", MAX_BODY, errors, required=True, label=_("本文"))
    if "category" in data or current is None:
        raw = data.get("category")
        category = raw if isinstance(raw, ArticleCategory) else None
        if category is None and raw not in (None, ""):
            found = _ids(raw, errors, "category")
            category = ArticleCategory.objects.filter(pk=found[0]).first() if found else None
            if category is None and "category" not in errors:
                errors.add("category", _("カテゴリが見つかりません。"))
        values["category"] = category
    if "audience" in data or current is None:
        audience = data.get("audience") or Article.Audience.INTERNAL
        if audience not in Article.Audience.values:
            errors.add("audience", _("公開先は internal（社内限定）か public（公開FAQ）です。"))
        values["audience"] = audience
    if "visibility" in data or current is None:
        visibility = data.get("visibility") or Visibility.PUBLIC
        if visibility not in Visibility.values:
            errors.add("visibility", _("公開範囲は public / team / private のいずれかです。"))
        values["visibility"] = visibility
    brands = reasons = None
    if "brands" in data:
        wanted = _ids(data.get("brands"), errors, "brands")
        brands = list(FaqBrand.objects.alive().filter(pk__in=wanted))
        if len(brands) != len(set(wanted)):
            errors.add("brands", _("ブランドが見つかりません。"))
    if "call_reasons" in data:
        wanted = _ids(data.get("call_reasons"), errors, "call_reasons")
        reasons = list(CallReason.objects.filter(pk__in=wanted))
        if len(reasons) != len(set(wanted)):
            errors.add("call_reasons", _("コールリーズンが見つかりません。"))
    errors.raise_if_any()
    return values, brands, reasons


def _keep_version(article: Article, actor, note: str) -> None:
    ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, body=article.body,
        category_name=article.category.name if article.category_id else "", audience=article.audience,
        note=note[:200], edited_by=actor if getattr(actor, "pk", None) else None, edited_at=article.updated_at,
    )  # fmt: skip


def _snapshot(article: Article) -> dict:
    return {
        "title": article.title, "body": article.body, "audience": article.audience,
        "category": article.category.name if article.category_id else "", "visibility": article.visibility,
        "brands": sorted(b.name for b in article.brands.all()),
        "call_reasons": sorted(str(r) for r in article.call_reasons.select_related("parent")),
    }  # fmt: skip


def create_article(*, actor, data: dict) -> Article:
    require_writer(actor, "article", "create")
    values, brands, reasons = _clean(data, None)
    with transaction.atomic():
        article = Article.objects.create(**values, owner=actor, team=actor.team, created_by=actor, updated_by=actor)
        if brands:
            article.brands.set(brands)
        if reasons:
            article.call_reasons.set(reasons)
        _keep_version(article, actor, str(data.get("note") or _("作成")))
        kb_search.index_article(article)
        audit.record(actor=actor, action="create", obj=article, changes=audit.diff({}, _snapshot(article)))
    return article


def update_article(*, actor, article: Article, data: dict, expected_version=None) -> Article:
    """Each save that changes something is a new version; the one before it stays in the history."""
    records.require_write(actor, article)
    values, brands, reasons = _clean(data, article)
    with transaction.atomic():
        current = records.lock(article)
        records.check_version(current, expected_version)
        before = _snapshot(current)
        for key, value in values.items():
            setattr(current, key, value)
        if brands is not None:
            current.brands.set(brands)
        if reasons is not None:
            current.call_reasons.set(reasons)
        changes = audit.diff(before, _snapshot(current))
        if not changes:
            return current
        records.touch(current, actor)
        current.save()
        _keep_version(current, actor, str(data.get("note") or ""))
        kb_search.index_article(current)
        audit.record(actor=actor, action="update", obj=current, changes=changes)
    return current


def delete_article(*, actor, article: Article, expected_version=None) -> None:
    records.require_write(actor, article, "delete")
    with transaction.atomic():
        current = records.lock(article)
        records.check_version(current, expected_version)
        records.touch(current, actor)
        current.deleted_at, current.deleted_by = current.updated_at, actor
        current.save()
        kb_search.index_article(current)
        audit.record(actor=actor, action="delete", obj=current)


def restore_version(*, actor, article: Article, number: int) -> Article:
    """Bring back what an earlier version said, as a new version (history is never rewritten)."""
    old = article.versions.filter(number=number).first()
    if old is None:
        raise ValidationFailed(_("その版は見つかりません。"))
    note = _("第%(number)s版に戻しました") % {"number": number}
    return update_article(actor=actor, article=article, data={"title": old.title, "body": old.body,
                                                             "audience": old.audience, "note": note})  # fmt: skip


# --- categories and brands (administrators) ---------------------------------------------------------------------
def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied()


def save_category(*, actor, data: dict, category: ArticleCategory | None = None) -> ArticleCategory:
    _require_admin(actor)
    errors = Errors()
    name = " ".join(text(data, "name", 100, errors, required=True, label=_("名前")).split())
    try:
        order = max(0, min(int(data.get("order") or 0), 32767))
    except (TypeError, ValueError):
        errors.add("order", _("順番は数字で入力してください。"))
        order = 0
    errors.raise_if_any()
    values = {"name": name, "order": order}
    return save_setting_row(actor=actor, model=ArticleCategory, row=category, values=values, action="article_category",
                            taken=("name", _("同じ名前のカテゴリがあります。")))  # fmt: skip


def delete_category(*, actor, category: ArticleCategory) -> None:
    """Its articles stay, without a category."""
    _require_admin(actor)
    with transaction.atomic():
        audit.record(actor=actor, action="article_category.delete", obj=category)
        category.delete()


def save_brand(*, actor, data: dict, brand: FaqBrand | None = None) -> FaqBrand:
    _require_admin(actor)
    errors = Errors()
    name = text(data, "name", 100, errors, required=True, label=_("ブランド名"))
    slug = slugify(str(data.get("slug") or "").strip()) or (brand.slug if brand else slugify(name))
    if not slug:
        errors.add("slug", _("識別子（英数字とハイフン）を入力してください。"))
    elif FaqBrand.objects.filter(slug=slug).exclude(pk=getattr(brand, "pk", None)).exists():
        errors.add("slug", _("この識別子はほかのブランドが使っています。"))
    intro = text(data, "intro", 2000, errors)
    channel = None
    if data.get("chat_channel") not in (None, ""):
        found = _ids(data.get("chat_channel"), errors, "chat_channel")
        channel = Channel.objects.filter(pk__in=found, kind="chat").first() if found else None
        if channel is None:
            errors.add("chat_channel", _("チャットのサイトが見つかりません。"))
    errors.raise_if_any()
    values = {"name": name, "slug": slug[:60], "intro": intro, "chat_channel": channel,
              "active": bool(data.get("active", True))}  # fmt: skip
    with transaction.atomic():
        if brand is None:
            brand = FaqBrand.objects.create(**values, created_by=actor, updated_by=actor)
            audit.record(actor=actor, action="faq_brand.create", obj=brand, changes=audit.diff({}, values))
        else:
            before = {k: getattr(brand, k) for k in values}
            for key, value in values.items():
                setattr(brand, key, value)
            records.touch(brand, actor)
            brand.save()
            audit.record(actor=actor, action="faq_brand.update", obj=brand, changes=audit.diff(before, values))
    return brand


# --- was this helpful ---------------------------------------------------------------------------------------------
def visitor_key(session_key: str) -> str:
    """A reader is known by a hash of their session: the same reader answering twice changes one answer."""
    return hashlib.sha256(f"{django_settings.SECRET_KEY}:kb:{session_key}".encode()).hexdigest()


def record_feedback(*, article: Article, visitor: str, helpful: bool, comment: str = "", brand=None, user=None,
                    person=None) -> ArticleFeedback:  # fmt: skip
    """Idempotent per reader: a repeat of the same answer changes nothing, a changed answer moves one count."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            field_errors={"comment": [_("コメントは%(n)s文字以内にしてください。") % {"n": MAX_COMMENT}]}
        )
    if not visitor:
        raise ValidationFailed(_("回答を記録できませんでした（セッションがありません）。"))
    with transaction.atomic():
        row = ArticleFeedback.objects.select_for_update().filter(article=article, visitor_key=visitor).first()
        if row is not None and row.helpful == helpful and (not comment or comment == row.comment):
            return row
        if row is None:
            row = ArticleFeedback.objects.create(article=article, visitor_key=visitor, helpful=helpful,
                                                 comment=comment, brand=brand, user=user, person=person)  # fmt: skip
            field = "helpful_yes" if helpful else "helpful_no"
            Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
        else:
            if row.helpful != helpful:
                up, down = ("helpful_yes", "helpful_no") if helpful else ("helpful_no", "helpful_yes")
                Article.objects.filter(pk=article.pk).update(**{up: F(up) + 1, down: F(down) - 1})
            row.helpful, row.updated_at = helpful, timezone.now()
            if comment:
                row.comment = comment
            row.save()
        audit.record(actor=user, action="article.feedback", obj=row, label=article.title,
                     changes={"helpful": [None, helpful], "comment": [None, bool(comment)]})  # fmt: skip
    return row
