"""/api/v1/pipelines: every signed-in user with access to deals reads them; administrators change them."""

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import NotFound, PermissionDenied
from kizuna.core.permissions import has_perm
from kizuna.core.schemas import Strict

from .models import Pipeline
from .services import pipelines as services

router = Router(tags=["sales"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class StageIn(Strict):
    id: int | None = Field(None, description="an existing stage of the pipeline (kept, with its deals)")
    name: str = Field(..., max_length=60)
    probability: int = Field(0, ge=0, le=100)
    kind: str = Field("open", description="open, won or lost")


class PipelineIn(Strict):
    name: str = Field(..., max_length=100)
    team: int | None = None
    stages: list[StageIn] = Field(..., max_length=30, description="in order; open, won and lost each at least once")


class PipelinePatch(Strict):
    name: str | None = Field(None, max_length=100)
    team: int | None = None
    stages: list[StageIn] | None = Field(None, max_length=30, description="replaces the stages (ids keep theirs)")


class StageOut(Schema):
    id: int
    name: str
    order: int
    probability: int
    kind: str


class PipelineOut(Schema):
    id: int
    name: str
    team_id: int | None
    is_default: bool
    stages: list[StageOut]
    version: int

    @staticmethod
    def resolve_stages(obj):
        return list(obj.stages.all())


def _readable(request) -> None:
    if not has_perm(request.user, "deal", "view"):
        raise PermissionDenied()


def _get(pipeline_id: int) -> Pipeline:
    pipeline = Pipeline.objects.alive().filter(pk=pipeline_id).prefetch_related("stages").first()
    if pipeline is None:
        raise NotFound()
    return pipeline


@router.get("/pipelines", response={200: list[PipelineOut], **ERRORS})
def list_pipelines(request: HttpRequest):
    _readable(request)
    return list(Pipeline.objects.alive().prefetch_related("stages").order_by("-is_default", "name", "id"))


@router.post("/pipelines", response={201: PipelineOut, **ERRORS})
def create_pipeline(request: HttpRequest, response: HttpResponse, payload: PipelineIn):
    pipeline = services.create_pipeline(actor=request.user, data=payload.dict())
    pipeline = _get(pipeline.pk)
    set_etag(response, pipeline)
    return Status(201, pipeline)


@router.get("/pipelines/{pipeline_id}", response={200: PipelineOut, **ERRORS})
def get_pipeline(request: HttpRequest, response: HttpResponse, pipeline_id: int):
    _readable(request)
    pipeline = _get(pipeline_id)
    set_etag(response, pipeline)
    return pipeline


@router.patch("/pipelines/{pipeline_id}", response={200: PipelineOut, **ERRORS})
def patch_pipeline(request: HttpRequest, response: HttpResponse, pipeline_id: int, payload: PipelinePatch):
    """Administrators; needs If-Match."""
    _readable(request)
    pipeline = _get(pipeline_id)
    data = payload.dict(exclude_unset=True)
    services.update_pipeline(actor=request.user, pipeline=pipeline, data=data,
                             version=expected_version(request, pipeline) if _may_admin(request) else None)  # fmt: skip
    pipeline = _get(pipeline_id)
    set_etag(response, pipeline)
    return pipeline


@router.delete("/pipelines/{pipeline_id}", response={204: None, **ERRORS})
def delete_pipeline(request: HttpRequest, pipeline_id: int):
    """Administrators; needs If-Match. Not the default one, not one with deals."""
    _readable(request)
    pipeline = _get(pipeline_id)
    version = expected_version(request, pipeline) if _may_admin(request) else None
    services.delete_pipeline(actor=request.user, pipeline=pipeline, version=version)
    return Status(204, None)


def _may_admin(request) -> bool:
    from kizuna.core.permissions import is_admin

    return is_admin(request.user)
