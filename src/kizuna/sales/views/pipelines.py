"""設定 → パイプライン: each team's sequence of stages (administrators)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kizuna.accounts.models import Team
from kizuna.core.exceptions import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import is_admin

from ..models import Pipeline, Stage
from ..services import pipelines as services

EMPTY_ROWS = 3  # blank rows for new stages under the existing ones


def _admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied()


def _context(**extra) -> dict:
    return {"nav": "settings", "tab": "pipelines", "kinds": Stage.Kind.choices, "teams": Team.objects.order_by("name"),
            **extra}  # fmt: skip


@page_view
def pipeline_list(request):
    _admin(request)
    pipelines = Pipeline.objects.alive().select_related("team").prefetch_related("stages")
    pipelines = pipelines.order_by("-is_default", "name")
    return render(request, "sales/pipelines/list.html", _context(pipelines=pipelines))


def _posted(post) -> dict:
    """The form's rows: stage_name / stage_probability / stage_kind / stage_id, in their order. A row whose name is
    blank is dropped: a new one is not added, an existing one is removed (unless it holds deals)."""
    rows = zip(post.getlist("stage_id"), post.getlist("stage_name"), post.getlist("stage_probability"),
               post.getlist("stage_kind"), strict=False)  # fmt: skip
    stages = [{"id": pk or None, "name": name, "probability": probability.strip() or "0", "kind": kind}
              for pk, name, probability, kind in rows if name.strip()]  # fmt: skip
    return {"name": post.get("name", ""), "team": post.get("team") or None, "stages": stages}


def _rows(stages) -> list[dict]:
    return [*stages, *({"id": "", "name": "", "probability": "", "kind": "open"} for _ in range(EMPTY_ROWS))]


@page_view
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pk: int | None = None):
    _admin(request)
    pipeline = None
    if pk is not None:
        pipeline = Pipeline.objects.alive().filter(pk=pk).first()
        if pipeline is None:
            raise NotFound()
    if request.method == "GET":
        stages = [{"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
                  for s in (pipeline.stages.all() if pipeline else [])]  # fmt: skip
        values = {"name": pipeline.name if pipeline else "", "team": pipeline.team_id if pipeline else None}
        context = _context(
            pipeline=pipeline, values=values, rows=_rows(stages), version=getattr(pipeline, "version", "")
        )
        return render(request, "sales/pipelines/form.html", context)
    data = _posted(request.POST)
    version = request.POST.get("version", "")
    try:
        if pipeline is None:
            pipeline = services.create_pipeline(actor=request.user, data=data)
        else:
            services.update_pipeline(actor=request.user, pipeline=pipeline, data=data,
                                     version=int(version) if version.isdigit() else None)  # fmt: skip
    except (ValidationFailed, StaleVersion) as exc:
        context = _context(pipeline=pipeline, values=data, rows=_rows(data["stages"]), version=version,
                           errors=exc.summary)  # fmt: skip
        status = 409 if isinstance(exc, StaleVersion) else 422
        return render(request, "sales/pipelines/form.html", context, status=status)
    messages.success(request, _("パイプライン「%(name)s」を保存しました。") % {"name": pipeline.name})
    return redirect("sales:pipeline_list")
