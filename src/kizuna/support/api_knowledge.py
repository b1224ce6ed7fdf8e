"""/api/v1/articles (list, search, create, read, update with ETag/If-Match, delete, versions),
/api/v1/article-categories, and /api/v1/tickets/{id}/assist (suggested articles, summary, suggested call reason
and priority, computed locally)."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import PermissionDenied
from kizuna.core.pagination import paginate
from kizuna.core.permissions import has_perm
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Bounded, Strict

from .models import Article, ArticleCategory, Ticket
from .services import assist, classifier, kb_search
from .services import knowledge as service
from .services.tickets import sees_notes

router = Router(tags=["knowledge"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    category: dict | None
    audience: str
    visibility: str
    brands: list[int]
    call_reasons: list[int]
    helpful_yes: int
    helpful_no: int
    chat_opens: int = 0
    owner: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleParams(Bounded):
    category: int | None = None
    audience: str | None = None
    cursor: str | None = None
    limit: int = 25


class ArticleSearchParams(Bounded):
    q: str
    limit: int = 10


class SearchHit(Schema):
    id: int
    title: str
    score: float
    audience: str
    category: str


class ArticleIn(Strict):
    title: str
    body: str
    category: int | None = None
    audience: str = "internal"
    visibility: str = "public"
    brands: list[int] = []
    call_reasons: list[int] = []
    note: str = ""


class ArticlePatch(Strict):
    title: str | None = None
    body: str | None = None
    category: int | None = None
    audience: str | None = None
    visibility: str | None = None
    brands: list[int] | None = None
    call_reasons: list[int] | None = None
    note: str = ""


class VersionOut(Schema):
    number: int
    title: str
    body: str
    category: str
    audience: str
    note: str
    edited_by: int | None
    edited_at: datetime


class CategoryOut(Schema):
    id: int
    name: str
    order: int


class CategoryIn(Strict):
    name: str
    order: int = 0


class AssistOut(Schema):
    articles: list[SearchHit]
    summary: list[str]
    call_reason: dict | None
    priority: dict | None


def article_out(a: Article) -> dict:
    return {
        "id": a.pk, "title": a.title, "body": a.body, "audience": a.audience, "visibility": a.visibility,
        "category": {"id": a.category_id, "name": a.category.name} if a.category_id else None,
        "brands": sorted(b.pk for b in a.brands.all()), "call_reasons": sorted(r.pk for r in a.call_reasons.all()),
        "helpful_yes": a.helpful_yes, "helpful_no": a.helpful_no, "owner": a.owner_id,
        "chat_opens": a.chat_opens,
        "created_at": a.created_at, "updated_at": a.updated_at, "version": a.version,
    }  # fmt: skip


def _related(qs):
    return qs.select_related("category").prefetch_related("brands", "call_reasons")


def _out(response, pk: int) -> dict:
    article = _related(Article.objects.filter(pk=pk)).get()
    set_etag(response, article)
    return article_out(article)


def _require_read(request) -> None:
    if not has_perm(request.user, "article", "view"):
        raise PermissionDenied()


def _hit(h) -> dict:
    a = h.article
    return {"id": a.pk, "title": a.title, "score": round(h.score, 3), "audience": a.audience,
            "category": a.category.name if a.category_id else ""}  # fmt: skip


@router.get("/articles", response={200: ArticlePage, **ERRORS})
def list_articles(request: HttpRequest, params: Query[ArticleParams]):
    _require_read(request)
    qs = Article.objects.visible_to(request.user)
    if params.category is not None:
        qs = qs.filter(category_id=params.category)
    if params.audience:
        qs = qs.filter(audience=params.audience)
    page = paginate(_related(qs), sort="-updated_at", cursor=params.cursor, limit=max(1, min(params.limit, 100)))
    return {"items": [article_out(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get("/articles/search", response={200: list[SearchHit], **ERRORS})
def search_articles(request: HttpRequest, params: Query[ArticleSearchParams]):
    """Best first: BM25 over Sudachi terms for questions, the substring index for fragments."""
    _require_read(request)
    q = params.q.strip()[:2000]
    if not q:
        return []
    return [_hit(h) for h in kb_search.rank(Article.objects.visible_to(request.user), q,
                                            limit=max(1, min(params.limit, 50)))]  # fmt: skip


@router.post("/articles", response={201: ArticleOut, **ERRORS})
def create_article(request: HttpRequest, response: HttpResponse, payload: ArticleIn):
    article = service.create_article(actor=request.user, data=payload.dict())
    return Status(201, _out(response, article.pk))


@router.get("/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def get_article(request: HttpRequest, response: HttpResponse, article_id: int):
    article = get_for_user(Article, request.user, article_id)
    return _out(response, article.pk)


@router.patch("/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def patch_article(request: HttpRequest, response: HttpResponse, article_id: int, payload: ArticlePatch):
    article = get_for_user(Article, request.user, article_id, for_write=True)
    version = expected_version(request, article)
    service.update_article(actor=request.user, article=article, data=payload.dict(exclude_unset=True),
                           expected_version=version)  # fmt: skip
    return _out(response, article.pk)


@router.delete("/articles/{article_id}", response={204: None, **ERRORS})
def delete_article(request: HttpRequest, article_id: int):
    article = get_for_user(Article, request.user, article_id)
    service.delete_article(actor=request.user, article=article)
    return Status(204, None)


@router.get("/articles/{article_id}/versions", response={200: list[VersionOut], **ERRORS})
def article_versions(request: HttpRequest, article_id: int):
    article = get_for_user(Article, request.user, article_id)
    return [{"number": v.number, "title": v.title, "body": v.body, "category": v.category_name,
             "audience": v.audience, "note": v.note, "edited_by": v.edited_by_id, "edited_at": v.edited_at}
            for v in article.versions.order_by("-number")]  # fmt: skip


@router.get("/article-categories", response={200: list[CategoryOut], **ERRORS})
def list_categories(request: HttpRequest):
    _require_read(request)
    return [{"id": c.pk, "name": c.name, "order": c.order} for c in ArticleCategory.objects.all()]


@router.post("/article-categories", response={201: CategoryOut, **ERRORS})
def create_category(request: HttpRequest, payload: CategoryIn):
    c = service.save_category(actor=request.user, data=payload.dict())
    return Status(201, {"id": c.pk, "name": c.name, "order": c.order})


@router.get("/tickets/{ticket_id}/assist", response={200: AssistOut, **ERRORS})
def ticket_assist(request: HttpRequest, ticket_id: int):
    """What the ticket page suggests, computed here (nothing is sent out)."""
    ticket = get_for_user(Ticket, request.user, ticket_id)
    hits = assist.suggest_articles(request.user, ticket) if has_perm(request.user, "article", "view") else []
    prediction = classifier.predict(ticket)
    reason = prediction["reason"]
    priority = prediction["priority"]
    return {
        "articles": [_hit(h) for h in hits],
        "summary": assist.summarize(ticket, sees_notes=sees_notes(request.user)).sentences,
        "call_reason": {"id": reason[0].pk, "name": str(reason[0]), "probability": round(reason[1], 3)}
        if reason else None,
        "priority": {"value": priority[0], "probability": round(priority[2], 3)} if priority else None,
    }  # fmt: skip
