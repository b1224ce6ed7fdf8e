"""/api/v1/imports: the same import as the wizard and `kizuna import`, for scripts."""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from kizuna.core.api import ErrorOut
from kizuna.core.schemas import Strict

from . import services

router = Router(tags=["imports"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


class RowError(Schema):
    row: int
    field: str
    message: str


class JobOut(Schema):
    id: int
    kind: str
    filename: str
    encoding: str
    match_on: str
    mapping: dict[str, str]
    header_row: int | None
    file_wins: list[str]
    status: str
    position: int
    counts: dict
    errors: list[RowError]
    created_at: datetime
    finished_at: datetime | None
    reverted_at: datetime | None


class SummaryOut(Schema):
    """The same shape as `kizuna import --json`."""

    encoding: str | None
    rows: int
    created: int
    updated: int
    skipped: int
    errors: list[RowError]
    notices: list[str] = []


class JobPatch(Strict):
    mapping: dict[str, str] | None = Field(
        None, description='列番号（0 から）→ 項目（"phone"、"phone:home"、"email:personal"、"label:3" など）'
    )
    encoding: str | None = None
    match_on: str | None = None
    header_row: int | None = Field(None, ge=1, description="見出しの行番号（1 から）。変えると列の対応は選び直されます")
    file_wins: list[str] | None = Field(None, description="更新のとき、登録済みの値よりファイルの値を優先する項目")

    @field_validator("mapping")
    @classmethod
    def _column_numbers(cls, value):
        """Keys are column numbers as written by the API ("0", "1", ...); int() would also take "-1" or "１"."""
        if value and any(not (key.isascii() and key.isdigit() and len(key) <= 4) for key in value):
            raise PydanticCustomError("column_number", _("列は 0 から始まる列番号で指定してください。"))
        return value


@router.post("/imports", response={201: JobOut, **ERRORS})
def upload(request: HttpRequest, file: File[UploadedFile], kind: Form[str] = "person", encoding: Form[str] = "auto",
           match_on: Form[str] = "external_id"):  # fmt: skip
    """Upload a CSV/TSV, xlsx or vCard file (multipart). Nothing is imported yet: the columns are mapped and
    the job waits for a dry run and a start."""
    job = services.upload(actor=request.user, file=file, filename=file.name, kind=kind, encoding=encoding,
                          match_on=match_on)  # fmt: skip
    return Status(201, job)


@router.get("/imports/{job_id}", response={200: JobOut, **ERRORS})
def get_job(request: HttpRequest, job_id: int):
    return services.job_for(request.user, job_id)


@router.patch("/imports/{job_id}", response={200: JobOut, **ERRORS})
def change_job(request: HttpRequest, job_id: int, payload: JobPatch):
    """Change the column mapping (`{"0": "external_id", "1": "full_name"}`), the encoding or the match key."""
    job = services.job_for(request.user, job_id)
    services.set_mapping(actor=request.user, job=job, mapping=payload.mapping or dict(job.mapping),
                         encoding=payload.encoding, match_on=payload.match_on,
                         header_row=payload.header_row, file_wins=payload.file_wins)  # fmt: skip
    return job


@router.post("/imports/{job_id}/dry-run", response={200: SummaryOut, **ERRORS})
def dry_run(request: HttpRequest, job_id: int):
    """Every row read, mapped, matched and checked; nothing written."""
    return services.dry_run(actor=request.user, job=services.job_for(request.user, job_id), preview=0).as_json()


@router.post("/imports/{job_id}/start", response={202: JobOut, **ERRORS})
def start(request: HttpRequest, job_id: int):
    """Run (or resume) the import in the background; poll GET /imports/{id}."""
    job = services.start(actor=request.user, job=services.job_for(request.user, job_id))
    return Status(202, job)


@router.post("/imports/{job_id}/revert", response={200: JobOut, **ERRORS})
def revert(request: HttpRequest, job_id: int):
    job = services.job_for(request.user, job_id)
    services.revert(actor=request.user, job=job)
    job.refresh_from_db()
    return job
