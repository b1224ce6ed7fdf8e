"""The public FAQ of each brand, /faq/<brand>/: no login, public articles only. Readers search it, read an article
and answer "was this helpful" (once per browser session; a changed answer replaces the first). The chat widget's
sites search it through /faq/<brand>/search.json, answered for the origins allowed in the brand's chat site (CORS)."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kizuna.core.exceptions import ValidationFailed

from ..chat import services as chat
from ..models import Article, ArticleCategory, FaqBrand
from ..services import kb_search
from ..services import knowledge as service

MAX_QUERY = 500
JSON_LIMIT = 5


def _brand(slug: str) -> FaqBrand:
    brand = FaqBrand.objects.alive().filter(slug=slug, active=True).first()
    if brand is None:
        raise Http404
    return brand


def _article(brand: FaqBrand, pk: int) -> Article:
    if pk > 2**62:
        raise Http404
    article = kb_search.public_articles(brand).select_related("category").filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def _visitor(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return service.visitor_key(request.session.session_key)


@require_GET
def faq_home(request, brand: str):
    brand = _brand(brand)
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    articles = kb_search.public_articles(brand)
    if q:
        results = [h.article for h in kb_search.rank(articles, q, limit=20)]
        groups = []
    else:
        results = []
        rows = list(articles.select_related("category").order_by("category__order", "category_id", "title")[:500])
        groups, by_category = [], {}
        for a in rows:
            key = a.category_id or 0
            if key not in by_category:
                by_category[key] = (a.category.name if a.category_id else _("その他"), [])
                groups.append(by_category[key])
            by_category[key][1].append(a)
    return render(request, "support/knowledge/public/home.html",
                  {"brand": brand, "q": q, "results": results, "groups": groups})  # fmt: skip


@require_GET
def faq_article(request, brand: str, pk: int):
    brand = _brand(brand)
    article = _article(brand, pk)
    answered = None
    if request.session.session_key:
        row = article.feedback.filter(visitor_key=service.visitor_key(request.session.session_key)).first()
        answered = row.helpful if row else None
    related = [h.article for h in kb_search.rank(kb_search.public_articles(brand).exclude(pk=article.pk),
                                                 article.title, limit=3)]  # fmt: skip
    return render(request, "support/knowledge/public/article.html",
                  {"brand": brand, "article": article, "answered": answered, "related": related,
                   "categories": ArticleCategory.objects.all()})  # fmt: skip


@require_POST
def faq_feedback(request, brand: str, pk: int):
    brand = _brand(brand)
    article = _article(brand, pk)
    helpful = request.POST.get("helpful")
    if helpful not in ("1", "0"):
        return HttpResponse(
            _("「はい」か「いいえ」を選んでください。"), status=400, content_type="text/plain; charset=utf-8"
        )
    try:
        service.record_feedback(article=article, visitor=_visitor(request), helpful=helpful == "1",
                                comment=request.POST.get("comment", ""), brand=brand)  # fmt: skip
    except ValidationFailed as exc:
        message = " ".join(m for ms in (exc.field_errors or {}).values() for m in ms) or exc.message
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    return redirect(reverse("faq:article", args=[brand.slug, article.pk]) + "?thanks=1")


def _cors(response, origin: str):
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def _preflight(origin: str, methods: str):
    """The answer to a browser's CORS preflight (OPTIONS) from an allowed site."""
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = methods
    response["Access-Control-Max-Age"] = "600"
    return _cors(response, origin)


def faq_search_json(request, brand: str):
    """{"results": [{"id", "title", "url", "snippet", "category"}]}; browsers on other sites get an answer only
    when their origin is allowed in the brand's chat site."""
    brand = _brand(brand)
    origin = request.headers.get("Origin", "")
    if origin and not (brand.chat_channel_id and chat.origin_allowed(brand.chat_channel, origin)):
        return JsonResponse({"detail": _("このサイトからは利用できません（許可されていないオリジン）。")}, status=403,
                            json_dumps_params={"ensure_ascii": False})  # fmt: skip
    if request.method == "OPTIONS":
        return _preflight(origin, "GET, OPTIONS")
    if request.method != "GET":
        return _cors(JsonResponse({"detail": _("GET で呼び出してください。")}, status=405), origin)
    q = request.GET.get("q", "").strip()
    if len(q) > MAX_QUERY:
        return _cors(JsonResponse({"detail": _("質問は%(n)s文字以内にしてください。") % {"n": MAX_QUERY}}, status=400,
                                  json_dumps_params={"ensure_ascii": False}), origin)  # fmt: skip
    hits = kb_search.rank(kb_search.public_articles(brand), q, limit=JSON_LIMIT) if q else []
    results = [{
        "id": h.article.pk, "title": h.article.title,
        "url": request.build_absolute_uri(reverse("faq:article", args=[brand.slug, h.article.pk])),
        "snippet": " ".join(h.article.body.split())[:120],
        "category": h.article.category.name if h.article.category_id else ""} for h in hits]  # fmt: skip
    return _cors(JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False}), origin)
