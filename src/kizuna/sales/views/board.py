"""The deal board: open deals of a pipeline by stage (kanban), moved by drag and drop (static/sales/board.js, htmx)
or with each card's ◀ ▶ buttons (keyboard, no JavaScript). A move answers an htmx request with the board again,
so every column's count and total stay right. A column shows its first cards; "もっと見る" fetches the next page of
that column (`board_column`)."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.core.exceptions import NotFound, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_record, has_perm
from kizuna.core.records import get_for_user

from ..board_cards import render_column, render_columns
from ..models import Deal, Pipeline, Stage
from ..queries import STALLED_DAYS, Column, DealFilters, board, board_deals, column_cards, pipelines_for
from ..services import deals as services
from .deals import _filters, _people_choices


def _pipeline(request) -> Pipeline:
    value = request.GET.get("pipeline") or request.POST.get("pipeline") or ""
    if value:
        pipeline = Pipeline.objects.alive().filter(pk=int(value)).first() if value.isdigit() else None
        if pipeline is None:
            raise NotFound()
        return pipeline
    return services.default_pipeline_for(request.user.team_id)


def _neighbours(columns) -> None:
    """Each open column's `prev_stage` and `next_stage` (the ◀ ▶ buttons)."""
    for n, column in enumerate(columns):
        column.prev_stage = columns[n - 1].stage if n > 0 else None
        column.next_stage = columns[n + 1].stage if n + 1 < len(columns) else None


def _mark_movable(request, deals) -> None:
    may_edit = has_perm(request.user, "deal", "edit")
    for deal in deals:
        deal.movable = may_edit and can_write_record(request.user, deal)


def _query(request) -> str:
    params = request.GET.copy()
    for name in ("after", "left"):
        params.pop(name, None)
    return params.urlencode()


def _board_context(request, pipeline: Pipeline, filters: DealFilters) -> dict:
    data = board(request.user, pipeline, filters)
    _neighbours(data.columns)
    _mark_movable(request, [deal for column in data.columns for deal in column.deals])
    query = _query(request)
    stalled_before = timezone.now() - timedelta(days=STALLED_DAYS)
    render_columns(request, data.columns, query=query, stalled_before=stalled_before)
    may_create = has_perm(request.user, "deal", "create")
    return {"board": data, "stalled_before": stalled_before, "pipeline": pipeline, "filters": request.GET,
            "query": query, "nav": "deals", "can_create": may_create}  # fmt: skip


@page_view
def deal_board(request):
    pipeline = _pipeline(request)
    filters = _filters(request)
    filters.pipeline = None  # the board is of one pipeline
    context = _board_context(request, pipeline, filters) | _people_choices()
    context["pipelines"] = pipelines_for(request.user)
    template = "sales/partials/board.html" if request.htmx else "sales/deals/board.html"
    return render(request, template, context)


@page_view
def board_column(request, stage: int):
    """The next cards of one column after the keyset cursor `after`, for the same filters as the board: the cards
    and, when more are left, a new "もっと見る" (htmx swaps them in place of the one clicked; the link's own href,
    followed without JavaScript, is the deal list)."""
    stage_id = stage
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id, kind=Stage.Kind.OPEN,
                              pipeline__deleted_at__isnull=True)  # fmt: skip
    try:
        filters = DealFilters.from_params(request.GET, request.user)
        filters.pipeline = None
        cards, cursor = column_cards(request.user, board_deals(request.user, stage.pipeline, filters), stage,
                                     after=request.GET.get("after") or None)  # fmt: skip
    except ValidationFailed as exc:
        return HttpResponse(exc.summary, status=400, content_type="text/plain; charset=utf-8")
    open_stages = [s for s in stage.pipeline.stages.all() if s.kind == Stage.Kind.OPEN]
    at = next(n for n, s in enumerate(open_stages) if s.pk == stage.pk)
    column = Column(stage, deals=cards, next_cursor=cursor)
    column.prev_stage = open_stages[at - 1] if at > 0 else None
    column.next_stage = open_stages[at + 1] if at + 1 < len(open_stages) else None
    _mark_movable(request, cards)
    left = request.GET.get("left", "")
    left = int(left) - len(cards) if left.isascii() and left.isdigit() and len(left) < 12 else None
    render_column(request, column, query=_query(request), stalled_before=timezone.now() - timedelta(days=STALLED_DAYS),
                  left=left)  # fmt: skip
    return HttpResponse(column.cards_html)


@page_view
@require_POST
def board_move(request, pk: int):
    """Move one card; `stage`, `version` and for a lost stage `lost_reason` in the POST."""
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    version = request.POST.get("version", "")
    status = 200
    try:
        services.move_deal(actor=request.user, deal=deal, stage=request.POST.get("stage", ""),
                           lost_reason=request.POST.get("lost_reason", ""),
                           version=int(version) if version.isdigit() else None)  # fmt: skip
    except StaleVersion:
        messages.warning(request, _("「%(title)s」は他のユーザーが先に更新しました。最新のボードを表示します。")
                         % {"title": deal.title})  # fmt: skip
        status = 409
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
        status = 422
    else:
        messages.success(request, _("「%(title)s」を「%(stage)s」に移動しました。")
                         % {"title": deal.title, "stage": deal.stage.name})  # fmt: skip
    query = request.POST.get("query", "")
    if not request.htmx:
        return redirect(reverse("sales:deal_board") + (f"?{query}" if query else ""))
    request.GET = request.GET.copy()
    request.GET.update({k: v for k, v in _parse(query).items() if k != "pipeline"})
    context = _board_context(request, deal.pipeline, _filters(request))
    response = render(request, "sales/partials/board.html", context, status=200)
    response["X-Board-Status"] = str(status)  # htmx swaps 200 only; the status is told in the flash and here
    return response


def _parse(query: str) -> dict:
    from django.http import QueryDict

    return {k: v for k, v in QueryDict(query).items()}
