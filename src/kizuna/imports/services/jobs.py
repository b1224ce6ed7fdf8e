"""Upload, column mapping, mapping templates and the start of a run: what the wizard, the API and the CLI call
before any row is written."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core import audit, files
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.services import require_writer
from kizuna.core.tasks import enqueue

from .. import mapping as mapping_module
from .. import readers
from ..models import ImportJob, MappingTemplate
from ..planning import SINGLE_VALUES
from ..tasks import run_import
from .common import MATCH_KEYS, _read_error, _require_owner, open_table


def upload(*, actor, file, filename: str, kind: str = "person", encoding: str = "auto", sheet: str = "",
           match_on: str = "external_id") -> ImportJob:  # fmt: skip
    """Keep the file (outside the static root), read its header, guess the mapping. Nothing is imported yet."""
    if kind not in ImportJob.Kind.values:
        raise ValidationFailed(field_errors={"kind": [_("種類は person か company です。")]})
    require_writer(actor, kind, "import")
    if match_on not in MATCH_KEYS:
        raise ValidationFailed(
            field_errors={"match_on": [_("照合キーは external_id / email / phone のいずれかです。")]}
        )
    size = getattr(file, "size", None)
    limit = settings.KIZUNA_IMPORT_MAX_BYTES
    if size is not None and size > limit:
        message = _("ファイルが大きすぎます（%(size).0f MB）。上限は %(limit)s MB です。") % {
            "size": size / 1024 / 1024,
            "limit": limit // 1024 // 1024,
        }
        raise ValidationFailed(message, field_errors={"file": [message]})
    stored = files.save("imports", file, suffix=Path(filename).suffix.lower()[:10])
    job = ImportJob(kind=kind, filename=Path(filename).name[:255], path=stored, size=files.size(stored),
                    encoding=encoding, sheet=sheet, match_on=match_on, created_by=actor)  # fmt: skip
    try:
        with open_table(job) as table:
            headers = table.headers
            job.encoding = table.encoding or encoding
            job.header_row = table.header_row
    except readers.ReadError as exc:
        files.delete(stored)
        raise _read_error(exc) from None
    job.mapping = {str(i): f for i, f in mapping_module.auto_map(headers, kind=kind).items()}
    template = _best_template(kind, headers)
    if template is not None:
        job.mapping = _template_mapping(template, headers)
        job.message = _("テンプレート「%(name)s」の列の対応を使いました。") % {"name": template.name}
    job.save()
    audit.record(actor=actor, action="import.upload", obj=job, changes={"file": [None, job.filename]})
    return job


def _template_mapping(template: MappingTemplate, headers: list[str]) -> dict:
    keys = [mapping_module.header_key(h) for h in headers]
    return {str(i): template.columns[k] for i, k in enumerate(keys) if template.columns.get(k)}


def _best_template(kind: str, headers: list[str]):
    """The saved template that knows most of these headers (at least half of them), if any."""
    keys = {mapping_module.header_key(h) for h in headers if h}
    best, best_share = None, 0.5
    for template in MappingTemplate.objects.filter(kind=kind)[:200]:
        share = len(keys & template.columns.keys()) / max(len(keys), 1)
        if share >= best_share:
            best, best_share = template, share
    return best


def save_template(*, actor, job: ImportJob, name: str) -> MappingTemplate:
    """Keep this job's column mapping under a name; the next file with these headers gets it."""
    _require_owner(actor, job)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationFailed(field_errors={"template": [_("テンプレートの名前を入力してください。")]})
    with open_table(job) as table:
        headers = table.headers
    columns = {mapping_module.header_key(headers[int(i)]): field for i, field in job.mapping.items()
               if int(i) < len(headers)}  # fmt: skip
    template, _created = MappingTemplate.objects.update_or_create(
        kind=job.kind, name=name, defaults={"columns": columns, "created_by": actor}
    )
    audit.record(actor=actor, action="import.template", obj=template, changes={"columns": [None, columns]})
    return template


def set_mapping(*, actor, job: ImportJob, mapping: dict, encoding: str | None = None, match_on: str | None = None,
                sheet: str | None = None, header_row: int | None = None, file_wins=None):  # fmt: skip
    """The user's column mapping (and encoding, match key). Another sheet, or another header row, has its own
    headers: they are read and mapped afresh, and `mapping` is not used."""
    _require_owner(actor, job)
    if file_wins is not None:
        allowed = set(SINGLE_VALUES[job.kind])
        unknown = [f for f in file_wins if f not in allowed]
        if unknown:
            message = _("「ファイルを優先」にできない項目です: %(fields)s") % {"fields": "、".join(map(str, unknown))}
            raise ValidationFailed(message, field_errors={"file_wins": [message]})
        job.file_wins = sorted(set(file_wins))
    new_sheet = bool(sheet) and sheet != job.sheet
    if header_row is not None and (header_row < 1 or header_row > readers.base.MAX_ROWS):
        raise ValidationFailed(field_errors={"header_row": [_("見出し行は1以上の行番号で指定してください。")]})
    if new_sheet or (header_row is not None and header_row != (job.header_row or 1)):
        job.sheet = sheet if new_sheet else job.sheet
        job.header_row = header_row if header_row is not None else None
        try:
            with open_table(job) as table:
                job.header_row = table.header_row
                job.mapping = {str(i): f for i, f in mapping_module.auto_map(table.headers, kind=job.kind).items()}
        except readers.ReadError as exc:
            raise ValidationFailed(exc.message, field_errors={"header_row" if not new_sheet else "sheet": [
                exc.message]}) from None  # fmt: skip
        job.save(update_fields=["sheet", "header_row", "mapping", "file_wins"])
        return
    cleaned = {int(k): v for k, v in mapping.items() if v}
    problems = mapping_module.validate_mapping(cleaned, kind=job.kind)
    if problems:
        raise ValidationFailed(problems[0], field_errors={"mapping": problems})
    job.mapping = {str(k): v for k, v in cleaned.items()}
    if encoding:
        job.encoding = encoding
    if match_on in MATCH_KEYS:
        job.match_on = match_on
    job.save(update_fields=["mapping", "encoding", "match_on", "file_wins"])


def start(*, actor, job: ImportJob) -> ImportJob:
    """Queue the import (or its resumption after a failure) for the worker, once: the page, the API and scripts
    start it here, and the audit log says who did."""
    _require_owner(actor, job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.RUNNING:
            raise ValidationFailed(_("このインポートは実行中です。終わるまでお待ちください。"))
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.REVERTED):
            raise ValidationFailed(_("このインポートはすでに終わっています。"))
        resumed = job.status == ImportJob.Status.FAILED
        job.status, job.message = ImportJob.Status.RUNNING, ""
        job.save(update_fields=["status", "message"])
        audit.record(actor=actor, action="import.start", obj=job,
                     changes={"status": ["failed" if resumed else "pending", "running"]})  # fmt: skip
        transaction.on_commit(lambda: enqueue(run_import, job.pk))
    return job
