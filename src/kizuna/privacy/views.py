"""Privacy pages: the section on the person page, purpose/consent, third-party provisions, disclosure download,
suspension of use, correction, erasure (typed confirmation) and the admins' request log."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kizuna.contacts.models import Person
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.pagination import paginate
from kizuna.core.records import get_for_user

from . import services
from .forms import ConsentForm, CorrectionForm, EraseForm, ProvisionForm, ReasonForm, RequestForm
from .models import PrivacyRequest, RequestKind
from .permissions import can_manage, can_record, require_manage, require_record


def _person(request, pk: int) -> Person:
    return get_for_user(Person, request.user, pk)


def _add_errors(form, exc: ValidationFailed) -> None:
    for field, errors in exc.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not exc.field_errors:
        form.add_error(None, exc.message)


# --- sections on the person page (registered in apps.py) -----------------------------------------------
def _record_for_page(request, person):
    """The badge and the section read the record once per page."""
    cache = request.__dict__.setdefault("_privacy_records", {})
    if person.pk not in cache:
        cache[person.pk] = services.privacy_of(person)
    return cache[person.pk]


def suspension_badge(request, person) -> str:
    record = _record_for_page(request, person)
    if not record.is_suspended:
        return ""
    return render_to_string("privacy/partials/badge.html", {"record": record, "object": person}, request=request)


def privacy_panel(request, person) -> str:
    record = _record_for_page(request, person)
    context = {"object": person, "record": record, "provision_count": person.provisions.count(),
               "can_record": can_record(request.user, person), "can_manage": can_manage(request.user)}  # fmt: skip
    return render_to_string("privacy/partials/panel.html", context, request=request)


# --- pages ---------------------------------------------------------------------------------------------
def _page(request, person, *, consent_form=None, provision_form=None, request_form=None, status=200):
    record = services.privacy_of(person)
    initial = {"purposes": record.purposes, "purpose_note": record.purpose_note,
               "consent_source": record.consent_source, "consent_note": record.consent_note,
               "consent_date": record.consent_date.strftime("%Y/%m/%d") if record.consent_date else ""}  # fmt: skip
    context = {
        "object": person, "record": record, "nav": "people",
        "provisions": person.provisions.select_related("recorded_by").prefetch_related("people"),
        "requests": person.privacy_requests.select_related("handled_by")[:50] if can_manage(request.user) else [],
        "consent_form": consent_form or ConsentForm(initial=initial),
        "provision_form": provision_form or ProvisionForm(),
        "reason_form": ReasonForm(), "request_form": request_form or RequestForm(),
        "can_record": can_record(request.user, person), "can_manage": can_manage(request.user),
    }  # fmt: skip
    return render(request, "privacy/person.html", context, status=status)


@page_view
@require_GET
def person_privacy(request, pk: int):
    return _page(request, _person(request, pk))


def _form_post(request, person, form_class, form_name: str, save, done: str):
    """A form on the privacy page: saved through `save(cleaned_data)`, else shown again with its errors."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("privacy:person", pk=person.pk)
    return _page(request, person, **{form_name: form}, status=422)


@page_view
@require_POST
def consent(request, pk: int):
    person = _person(request, pk)
    require_record(request.user, person)
    return _form_post(
        request, person, ConsentForm, "consent_form",
        lambda data: services.set_purpose_and_consent(actor=request.user, person=person, data=data),
        _("利用目的と取得経路を保存しました。"),
    )  # fmt: skip


@page_view
@require_POST
def provision_create(request, pk: int):
    person = _person(request, pk)
    require_record(request.user, person)
    return _form_post(
        request, person, ProvisionForm, "provision_form",
        lambda data: services.add_provision(actor=request.user, person=person, data=data),
        _("第三者提供記録を追加しました。"),
    )  # fmt: skip


@page_view
@require_POST
def disclosure(request, pk: int):
    """開示: everything held about the person, as JSON or as a PDF (both audited and logged as requests): a
    POST from the page's form, never a GET, which a link or an image could send."""
    person = _person(request, pk)
    require_manage(request.user)
    if (request.POST.get("format") or request.GET.get("format")) == "pdf":
        try:
            pdf = services.disclosure_pdf(actor=request.user, person=person, request=request,
                                          base_url=request.build_absolute_uri("/"))  # fmt: skip
        except OSError:  # WeasyPrint without Pango on this machine
            messages.error(
                request, _("PDFを作成できません（サーバーに Pango がありません）。JSON で開示してください。")
            )
            return redirect("privacy:person", pk=person.pk)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="disclosure-{person.pk}.pdf"'
        return response
    data = services.disclose(actor=request.user, person=person, fmt="json")
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="disclosure-{person.pk}.json"'
    return response


def _reason_post(request, pk: int, action, done: str):
    person = _person(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        action(actor=request.user, person=person, reason=form.cleaned_data.get("reason", ""))
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    else:
        messages.success(request, done)
    return redirect("privacy:person", pk=person.pk)


@page_view
@require_POST
def suspend(request, pk: int):
    return _reason_post(
        request, pk, services.suspend, _("利用を停止しました。書き出しとマーケティングの対象から外れます。")
    )


@page_view
@require_POST
def resume(request, pk: int):
    return _reason_post(request, pk, services.resume, _("利用を再開しました。"))


@page_view
def correct(request, pk: int):
    person = _person(request, pk)
    require_manage(request.user)
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                changed = services.correct(actor=request.user, person=person, data=form.changes(person) or {},
                                           note=form.cleaned_data.get("note", ""))  # fmt: skip
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                done = _("訂正しました。") if changed else _("変更はありませんでした（請求は記録しました）。")
                messages.success(request, done)
                return redirect("privacy:person", pk=person.pk)
    else:
        form = CorrectionForm(initial={name: getattr(person, name) for name in CorrectionForm.PERSON_FIELDS} | {
            "birthday": person.birthday.strftime("%Y/%m/%d") if person.birthday else ""})  # fmt: skip
    return render(request, "privacy/correct.html", {"form": form, "object": person, "nav": "people"},
                  status=422 if form.errors else 200)  # fmt: skip


@page_view
def erase(request, pk: int):
    """消去: irreversible; the id of the person must be typed to confirm."""
    person = _person(request, pk)
    require_manage(request.user)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erase(actor=request.user, person=person, confirm=form.cleaned_data["confirm"],
                           note=form.cleaned_data.get("note", ""))  # fmt: skip
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("個人データを消去しました。集計用の匿名データだけが残ります。"))
            return redirect("privacy:requests")
    context = {"form": form, "object": person, "nav": "people", "record": services.privacy_of(person)}
    return render(request, "privacy/erase.html", context, status=422 if form.errors else 200)


@page_view
@require_POST
def request_create(request, pk: int):
    """Log a request as it arrives (e.g. 第三者提供記録の開示 answered by letter), with what was done."""
    person = _person(request, pk)
    require_manage(request.user)
    return _form_post(
        request, person, RequestForm, "request_form",
        lambda data: services.record_request(actor=request.user, person=person, data=data),
        _("請求を記録しました。"),
    )  # fmt: skip


@page_view
@require_GET
def request_log(request):
    """Admins: every privacy request and how it was handled, newest first; filter by kind."""
    if not can_manage(request.user):
        raise DjangoPermissionDenied
    rows = PrivacyRequest.objects.select_related("person", "handled_by")
    kind = request.GET.get("kind", "")
    if kind in RequestKind.values:
        rows = rows.filter(kind=kind)
    try:
        page = paginate(rows, sort="-received_at", cursor=request.GET.get("cursor") or None, limit=50)
    except ValidationFailed:
        page = paginate(rows, sort="-received_at", limit=50)
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {"page": page, "kind": kind, "kinds": RequestKind.choices, "base_query": params.urlencode(),
               "suspended_count": services.suspended_people().count()}  # fmt: skip
    return render(request, "privacy/requests.html", context)
