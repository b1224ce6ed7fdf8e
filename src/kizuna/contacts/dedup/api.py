"""/api/v1 duplicates: the check before saving, the review queue, background scans, merge, undo, dismiss."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Strict
from kizuna.core.tasks import enqueue

from ..models import Merge
from ..schemas import CompanyIn, PersonIn
from ..services import merge as merging
from . import linkage, queue, service
from .tasks import scan_duplicates

router = Router(tags=["duplicates"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422)}
Kind = Literal["person", "company"]


class EvidenceOut(Schema):
    label: str  # the reason without its weight ("同じ携帯電話")
    weight: float | None  # log2 of the likelihood ratio it adds; None for a rule ("誕生日が違う")


class DuplicateOut(Schema):
    id: int
    external_id: str
    label: str
    score: float  # the probability that the two records are one person or company
    reasons: list[str]  # each with its weight, strongest first ("同じ携帯電話 +19.8")
    evidence: list[EvidenceOut]
    url: str


class DuplicatesOut(Schema):
    duplicates: list[DuplicateOut]


class MemberOut(Schema):
    id: int
    external_id: str
    label: str


class GroupOut(Schema):
    id: int
    type: str
    score: float
    reasons: list[str]
    evidence: list[EvidenceOut]
    members: list[MemberOut]


class ScanIn(Strict):
    type: Kind = "person"
    min_score: float = Field(0.9, ge=0.5, le=1.0)


class ScanOut(Schema):
    task_id: str
    status: str
    result: dict | None = None


class MergeIn(Strict):
    type: Kind
    survivor: int
    others: list[int] = Field(..., min_length=1)
    choices: dict[str, int] = Field(default_factory=dict, description="field → id of the record whose value survives")
    version: int | None = Field(None, description="the survivor's version you looked at (412 if it changed)")


class MergeOut(Schema):
    id: int
    type: str
    survivor: int
    merged: list[int]
    merged_at: datetime
    undone_at: datetime | None


class DismissIn(Strict):
    type: Kind
    ids: list[int] = Field(..., min_length=2)


def _merge_out(merge: Merge) -> dict:
    return {"id": merge.pk, "type": merge.kind, "survivor": merge.survivor_id, "merged": merge.merged_ids,
            "merged_at": merge.merged_at, "undone_at": merge.undone_at}  # fmt: skip


@router.post("/people/duplicates", response={200: DuplicatesOut, **ERRORS})
def person_duplicates(request: HttpRequest, payload: PersonIn):
    """Probable duplicates of a person about to be created (same body as POST /people). Nothing is saved."""
    data = payload.dict()
    company = get_for_user(service.Company, request.user, data["company"]) if data.get("company") else None
    found = service.probable_duplicates(request.user, service.PERSON, data, company=company)
    return {"duplicates": service.describe(service.PERSON, found)}


@router.post("/companies/duplicates", response={200: DuplicatesOut, **ERRORS})
def company_duplicates(request: HttpRequest, payload: CompanyIn):
    """Probable duplicates of a company about to be created (same body as POST /companies). Nothing is saved."""
    found = service.probable_duplicates(request.user, service.COMPANY, payload.dict())
    return {"duplicates": service.describe(service.COMPANY, found)}


@router.get("/duplicates", response={200: list[GroupOut], **ERRORS})
def review_queue(request: HttpRequest, type: Kind = "person", limit: int = 50):
    """Open groups of probable duplicates whose members the caller can all see, best first."""
    if not 1 <= limit <= 200:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜200 で指定してください。")]})
    return [
        {"id": g.group.pk, "type": type, "score": g.group.score, "reasons": [linkage.shown(r) for r in g.group.reasons],
         "evidence": linkage.evidence(g.group.reasons),
         "members": [{"id": m.pk, "external_id": getattr(m, "external_id", ""), "label": label}
                     for m, label in g.labels()]}
        for g in queue.open_groups(request.user, type, limit=limit)
    ]  # fmt: skip


@router.post("/duplicates/scan", response={202: ScanOut, **ERRORS})
def start_scan(request: HttpRequest, payload: ScanIn):
    """Run a full scan in the background; its groups replace the open review queue."""
    queue.require_scanner(request.user)
    result = enqueue(scan_duplicates, payload.type, payload.min_score)
    return Status(202, {"task_id": str(result.id), "status": str(result.status)})


@router.get("/duplicates/scan/{task_id}", response={200: ScanOut, **ERRORS})
def scan_status(request: HttpRequest, task_id: str):
    queue.require_scanner(request.user)
    return queue.scan_state(task_id)


@router.post("/duplicates/dismiss", response={200: dict, **ERRORS})
def dismiss(request: HttpRequest, payload: DismissIn):
    """Remember that these records are not duplicates: later scans and warnings leave them alone."""
    model = merging.model_for(payload.type)
    objects = [get_for_user(model, request.user, pk, for_write=True) for pk in payload.ids]
    return {"dismissed": merging.dismiss(actor=request.user, kind=payload.type, objects=objects)}


@router.post("/merges", response={201: MergeOut, **ERRORS})
def merge(request: HttpRequest, payload: MergeIn):
    model = merging.model_for(payload.type)
    survivor = get_for_user(model, request.user, payload.survivor, for_write=True)
    others = [get_for_user(model, request.user, pk, for_write=True) for pk in payload.others]
    done = merging.merge_records(
        actor=request.user, kind=payload.type, survivor=survivor, others=others, choices=payload.choices,
        expected_version=payload.version,
    )  # fmt: skip
    return Status(201, _merge_out(done))


@router.get("/merges/{merge_id}", response={200: MergeOut, **ERRORS})
def get_merge(request: HttpRequest, merge_id: int):
    return _merge_out(queue.merge_for_user(request.user, merge_id))


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, **ERRORS})
def undo(request: HttpRequest, merge_id: int):
    done = queue.merge_for_user(request.user, merge_id)
    merging.undo_merge(actor=request.user, merge=done)
    done.refresh_from_db()
    return _merge_out(done)
