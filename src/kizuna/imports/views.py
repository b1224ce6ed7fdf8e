"""The import wizard: upload → check the encoding and the columns → dry run → import (background) → revert."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import is_admin, may_import

from . import mapping as mapping_module
from . import readers, services
from .models import ImportJob
from .planning import CONFLICT_LABELS, SINGLE_VALUES

ENCODING_CHOICES = [("auto", _l("自動判定")), ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"),
                    ("cp932", "Shift_JIS (CP932)"), ("euc-jp", "EUC-JP")]  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def import_list(request):
    if not may_import(request.user):
        raise PermissionDenied()
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("ファイルを選んでください。"))
        else:
            try:
                job = services.upload(
                    actor=request.user, file=upload, filename=upload.name, kind=request.POST.get("kind", "person"),
                    encoding=request.POST.get("encoding", "auto"), match_on=request.POST.get("match_on", "external_id"),
                )  # fmt: skip
            except ValidationFailed as exc:
                messages.error(request, exc.summary)
            else:
                return redirect("imports:detail", pk=job.pk)
    jobs = ImportJob.objects.all() if is_admin(request.user) else ImportJob.objects.filter(created_by=request.user)
    context = {"nav": "imports", "jobs": jobs[:50], "encodings": ENCODING_CHOICES,
               "max_mb": services.settings.KIZUNA_IMPORT_MAX_BYTES // 1024 // 1024}  # fmt: skip
    return render(request, "imports/list.html", context)


def _header_row(value) -> int | None:
    """The header row the user typed, or None (keep it); a number that is no row is said so by the service."""
    value = (value or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 7:
        raise ValidationFailed(field_errors={"header_row": [_("見出し行は行番号（数字）で指定してください。")]})
    return int(value)


def _label_choices(index: int, headers: list[str], chosen: str) -> list[tuple[str, str]]:
    """A column may hold the labels (Work, 携帯 ...) of the phone or e-mail column beside it."""
    near = [j for j in (index + 1, index - 1) if 0 <= j < len(headers)]
    spec = mapping_module.parse_spec(chosen)
    if spec is not None and spec.label_of is not None and spec.label_of not in near:
        near.append(spec.label_of)
    return [(f"label:{j}", mapping_module.spec_label(f"label:{j}", headers)) for j in near]


@page_view
@require_http_methods(["GET", "POST"])
def import_detail(request, pk: int):
    """Columns and encoding can be changed; every change runs the dry run again. Nothing is written here."""
    job = services.job_for(request.user, pk)
    context = {"nav": "imports", "job": job, "encodings": ENCODING_CHOICES}
    if request.method == "POST" and job.status == ImportJob.Status.PENDING:
        wanted = {k.removeprefix("col_"): v for k, v in request.POST.items() if k.startswith("col_")}
        try:
            services.set_mapping(actor=request.user, job=job, mapping=wanted, encoding=request.POST.get("encoding"),
                                 match_on=request.POST.get("match_on"), sheet=request.POST.get("sheet"),
                                 header_row=_header_row(request.POST.get("header_row")),
                                 file_wins=request.POST.getlist("file_wins"))  # fmt: skip
            if request.POST.get("template"):
                template = services.save_template(actor=request.user, job=job, name=request.POST["template"])
                messages.success(
                    request, _("列の対応をテンプレート「%(name)s」として保存しました。") % {"name": template}
                )
        except ValidationFailed as exc:
            context["error"] = exc.summary
    try:
        with services.open_table(job) as table:
            headers = table.headers
            context["sheets"] = table.sheet_names
        if table.format in ("csv", "tsv"):  # text files: show how they decode, so a wrong guess is visible
            with services.open_job_file(job) as fh:
                sample = fh.read(4096)
            context["preview_lines"] = readers.decode_start(sample, job.encoding).preview_lines
    except readers.ReadError as exc:
        context["error"] = exc.message
        headers = []
    context["file_wins"] = [(name, CONFLICT_LABELS.get(name, name), name in job.file_wins)
                            for name in SINGLE_VALUES[job.kind]]  # fmt: skip
    fields = mapping_module.choices(job.kind)
    context["columns"] = [
        (i, h, job.mapping.get(str(i), ""), fields + _label_choices(i, headers, job.mapping.get(str(i), "")))
        for i, h in enumerate(headers)
    ]  # fmt: skip
    if job.status == ImportJob.Status.PENDING and "error" not in context:
        try:
            context["summary"] = services.checked(actor=request.user, job=job)
        except ValidationFailed as exc:
            context["error"] = exc.summary
    return render(request, "imports/detail.html", context)


@page_view
@require_POST
def import_start(request, pk: int):
    job = services.job_for(request.user, pk)
    try:
        services.start(actor=request.user, job=job)  # the page now follows its progress
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    else:
        messages.info(request, _("インポートを開始しました。ほかの作業を続けられます。"))
    return redirect("imports:detail", pk=job.pk)


@page_view
def import_progress(request, pk: int):
    job = services.job_for(request.user, pk)
    return render(request, "imports/partials/progress.html", {"job": job})


@page_view
@require_POST
def import_revert(request, pk: int):
    job = services.job_for(request.user, pk)
    try:
        count = services.revert(actor=request.user, job=job)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    else:
        messages.success(request, _("インポートを取り消しました（%(n)d 件）。") % {"n": count})
    return redirect("imports:detail", pk=job.pk)
