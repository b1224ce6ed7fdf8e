"""ナレッジ: the article list and search, an article's page, its form and its history, and 設定 → ナレッジ
(categories and FAQ brands). Reads go through Article.objects.visible_to; writes through services.knowledge."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view, require_writer
from kizuna.core.permissions import can_write_record, has_perm, is_admin
from kizuna.core.records import get_for_user

from ..models import Article, ArticleCategory, CallReason, Channel, FaqBrand
from ..services import kb_search
from ..services import knowledge as service

PAGE = 50


def may_read(user) -> bool:
    return has_perm(user, "article", "view")


@page_view
def article_list(request):
    if not may_read(request.user):
        raise PermissionDenied()
    q = request.GET.get("q", "").strip()[:500]
    category = request.GET.get("category", "")
    audience = request.GET.get("audience", "")
    qs = Article.objects.visible_to(request.user)
    if category.isdigit() and len(category) < 12:
        qs = qs.filter(category_id=int(category))
    if audience in Article.Audience.values:
        qs = qs.filter(audience=audience)
    if q:
        hits = kb_search.rank(qs, q, limit=PAGE)
        rows = [(h.article, h.score) for h in hits]
    else:
        rows = [(a, None) for a in qs.select_related("category").order_by("-updated_at", "-id")[:PAGE]]
    context = {
        "nav": "knowledge", "rows": rows, "q": q, "category": category, "audience": audience,
        "categories": ArticleCategory.objects.all(), "audiences": Article.Audience.choices,
        "may_create": has_perm(request.user, "article", "create"),
    }  # fmt: skip
    template = "support/knowledge/partials/rows.html" if request.htmx else "support/knowledge/list.html"
    return render(request, template, context)


def _form_context(request, article=None, data=None, errors=None) -> dict:
    return {
        "nav": "knowledge", "article": article, "data": data or {}, "errors": errors or {},
        "categories": ArticleCategory.objects.all(), "audiences": Article.Audience.choices,
        "brands": FaqBrand.objects.alive(), "reasons": CallReason.objects.filter(parent__isnull=False, active=True)
        .select_related("parent").order_by("parent__order", "parent_id", "order", "id"),
    }  # fmt: skip


def _data(request) -> dict:
    post = request.POST
    return {"title": post.get("title", ""), "body": post.get("body", ""), "category": post.get("category", ""),
            "audience": post.get("audience", ""), "visibility": post.get("visibility", "") or "public",
            "brands": post.getlist("brands"), "call_reasons": post.getlist("call_reasons"),
            "note": post.get("note", "")}  # fmt: skip


def _initial(article: Article) -> dict:
    return {"title": article.title, "body": article.body, "category": str(article.category_id or ""),
            "audience": article.audience, "visibility": article.visibility,
            "brands": [str(b.pk) for b in article.brands.all()],
            "call_reasons": [str(r.pk) for r in article.call_reasons.all()]}  # fmt: skip


@require_http_methods(["GET", "POST"])
@page_view
def article_create(request):
    require_writer(request.user, "article", "create")
    data = {"audience": "internal", "visibility": "public"}
    if request.method == "POST":
        data = _data(request)
        try:
            article = service.create_article(actor=request.user, data=data)
            messages.success(request, _("記事を作成しました。"))
            return redirect(article.get_absolute_url())
        except ValidationFailed as exc:
            return render(request, "support/knowledge/form.html",
                          _form_context(request, None, data, exc.field_errors), status=422)  # fmt: skip
    return render(request, "support/knowledge/form.html", _form_context(request, None, data))


@require_http_methods(["GET", "POST"])
@page_view
def article_edit(request, pk: int):
    article = get_for_user(Article, request.user, pk, for_write=True)
    data = _initial(article)
    if request.method == "POST":
        data = _data(request)
        version = request.POST.get("version", "")
        try:
            service.update_article(actor=request.user, article=article, data=data,
                                   expected_version=int(version) if version.isdigit() else None)  # fmt: skip
            messages.success(request, _("記事を保存しました（前の版は履歴に残っています）。"))
            return redirect(article.get_absolute_url())
        except StaleVersion:
            errors = {
                "__all__": [_("ほかの人がこの記事を先に保存しました。最新の内容を確認してから保存し直してください。")]
            }
            return render(request, "support/knowledge/form.html", _form_context(request, article, data, errors),
                          status=409)  # fmt: skip
        except ValidationFailed as exc:
            return render(request, "support/knowledge/form.html",
                          _form_context(request, article, data, exc.field_errors), status=422)  # fmt: skip
    return render(request, "support/knowledge/form.html", _form_context(request, article, data))


@page_view
def article_detail(request, pk: int):
    article = get_for_user(Article, request.user, pk)
    context = {
        "nav": "knowledge", "article": article, "may_edit": can_write_record(request.user, article),
        "may_delete": can_write_record(request.user, article, "delete"),
        "brands": list(article.brands.all()), "reasons": list(article.call_reasons.select_related("parent")),
        "versions": article.versions.count(),
    }  # fmt: skip
    return render(request, "support/knowledge/detail.html", context)


@page_view
def article_history(request, pk: int):
    article = get_for_user(Article, request.user, pk)
    versions = list(article.versions.select_related("edited_by").order_by("-number"))
    return render(request, "support/knowledge/history.html", {
        "nav": "knowledge", "article": article, "versions": versions,
        "may_edit": can_write_record(request.user, article)})  # fmt: skip


@require_POST
@page_view
def article_restore(request, pk: int):
    article = get_for_user(Article, request.user, pk, for_write=True)
    number = request.POST.get("number", "")
    if not number.isdigit() or len(number) > 9:
        raise Http404
    service.restore_version(actor=request.user, article=article, number=int(number))
    messages.success(request, _("第%(number)s版の内容に戻しました。") % {"number": number})
    return redirect("support:article_history", article.pk)


@require_POST
@page_view
def article_delete(request, pk: int):
    article = get_for_user(Article, request.user, pk)
    service.delete_article(actor=request.user, article=article)
    messages.success(request, _("記事を削除しました。"))
    return redirect("support:article_list")


@require_POST
@page_view
def article_feedback(request, pk: int):
    """An agent's own answer to "was this helpful", from the article page (one per agent)."""
    article = get_for_user(Article, request.user, pk)
    service.record_feedback(article=article, visitor=service.visitor_key(f"user:{request.user.pk}"),
                            helpful=request.POST.get("helpful") == "1", user=request.user)  # fmt: skip
    messages.success(request, _("ご回答ありがとうございました。"))
    return redirect(article.get_absolute_url())


# --- 設定 → ナレッジ ---------------------------------------------------------------------------------------------
def may_keep_knowledge(user) -> bool:
    return is_admin(user)


@require_http_methods(["GET", "POST"])
@page_view
def knowledge_settings(request):
    if not is_admin(request.user):
        raise PermissionDenied()
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("form") == "category":
                pk = post.get("id", "")
                category = ArticleCategory.objects.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 12 else None
                if category is not None and post.get("delete"):
                    service.delete_category(actor=request.user, category=category)
                else:
                    service.save_category(actor=request.user, data=post, category=category)
            elif post.get("form") == "brand":
                pk = post.get("id", "")
                brand = FaqBrand.objects.alive().filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 12 else None
                data = {k: post.get(k, "") for k in ("name", "slug", "intro", "chat_channel")}
                data["active"] = post.get("active") == "1"
                service.save_brand(actor=request.user, data=data, brand=brand)
            messages.success(request, _("保存しました。"))
            return redirect("support:knowledge_settings")
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
    return render(request, "support/knowledge/settings.html", {
        "nav": "settings", "tab": "knowledge", "categories": ArticleCategory.objects.all(),
        "brands": FaqBrand.objects.alive(), "chat_channels": Channel.objects.alive().filter(kind="chat"),
        "errors": [m for ms in errors.values() for m in ms]}, status=422 if errors else 200)  # fmt: skip
