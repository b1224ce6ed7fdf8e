"""The deal board: open deals of a pipeline by stage (kanban), moved by drag and drop (static/sales/board.js, htmx)
or with each card's ◀ ▶ buttons (keyboard, no JavaScript). A move answers an htmx request with the board again,
so every column's count and total stay right."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.core.exceptions import NotFound, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_record, has_perm
from kizuna.core.records import get_for_user

from ..board_cards import render_columns
from ..models import Deal, Pipeline
from ..queries import STALLED_DAYS, DealFilters, board, pipelines_for
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


def _board_context(request, pipeline: Pipeline, filters: DealFilters) -> dict:
    data = board(request.user, pipeline, filters)
    stages = [c.stage for c in data.columns]
    for n, column in enumerate(data.columns):
        column.prev_stage = stages[n - 1] if n > 0 else None
        column.next_stage = stages[n + 1] if n + 1 < len(stages) else None
    may_edit = has_perm(request.user, "deal", "edit")
    for column in data.columns:
        for deal in column.deals:
            deal.movable = may_edit and can_write_record(request.user, deal)
    params = request.GET.copy()
    stalled_before = timezone.now() - timedelta(days=STALLED_DAYS)
    render_columns(request, data.columns, query=params.urlencode(), stalled_before=stalled_before)
    may_create = has_perm(request.user, "deal", "create")
    return {"board": data, "stalled_before": stalled_before, "pipeline": pipeline, "filters": request.GET,
            "query": params.urlencode(), "nav": "deals", "can_create": may_create}  # fmt: skip


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
