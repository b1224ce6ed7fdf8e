"""Customer journey pages: the funnel over months, a company's or person's stage and LTV (panels), segments."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.contacts.models import Company, Person
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_record, has_perm
from kizuna.core.records import get_for_user

from .models.journey import JourneyStage, LifecycleChange
from .services import journey, segments

MODELS = {"company": Company, "person": Person}


def _months(value) -> int:
    text = str(value or "12").strip()
    if not (text.isdecimal() and 1 <= int(text) <= 36):
        message = _("月数は 1〜36 で指定してください。")
        raise ValidationFailed(message, field_errors={"months": [message]})
    return int(text)


@page_view
def funnel_page(request):
    """How many companies (or people) stood at each stage at the end of each month."""
    kind = request.GET.get("type", "company")
    if kind not in MODELS:
        raise ValidationFailed(_("type は company か person です。"), field_errors={"type": [_("不正な値です。")]})
    if not has_perm(request.user, kind, "view"):
        raise NotFound()
    rows = journey.funnel(request.user, kind, _months(request.GET.get("months")))
    stages = JourneyStage.choices
    table = [(row["month"], row["total"], [(value, row["counts"][value]) for value, _label in stages]) for row in rows]
    context = {"nav": "journey", "kind": kind, "stages": stages, "table": table, "latest": table[-1] if table else None}
    return render(request, "sales/journey/funnel.html", context)


@page_view
@require_POST
def set_stage(request, kind: str, pk: int):
    model = MODELS.get(kind)
    if model is None:
        raise NotFound()
    obj = get_for_user(model, request.user, pk, for_write=True)
    try:
        if journey.set_stage(actor=request.user, obj=obj, stage=request.POST.get("stage", ""),
                             reason=request.POST.get("reason", "")):  # fmt: skip
            messages.success(request, _("ライフサイクルを変更しました。"))
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    return redirect(obj.get_absolute_url())


def _panel(request, obj, kind: str) -> str:
    history = LifecycleChange.objects.filter(object_type=kind, object_id=obj.pk).select_related("by").order_by(
        "-at", "-id")[:10]  # fmt: skip
    context = {"obj": obj, "kind": kind, "stage": journey.stage_of(obj), "stages": JourneyStage.choices,
               "history": history, "can_edit": can_write_record(request.user, obj),
               "ltv": journey.ltv(request.user, obj) if kind == "company" else None}  # fmt: skip
    return render_to_string("sales/journey/panel.html", context, request=request)


def company_panel(request, company) -> str:
    return _panel(request, company, "company")


def person_panel(request, person) -> str:
    return _panel(request, person, "person")


# --- segments -----------------------------------------------------------------------------------------------------
def _list_url(segment) -> str:
    name = "contacts:company_list" if segment.object_type == "company" else "contacts:person_list"
    return f"{reverse(name)}?segment={segment.pk}"


def _export_url(segment, fmt: str = "csv") -> str:
    return f"{reverse('contacts:export', args=[segment.object_type])}?segment={segment.pk}&format={fmt}"


@page_view
@require_http_methods(["GET", "POST"])
def segment_list(request):
    values, errors = {}, {}
    if request.method == "POST":
        post = request.POST
        values = {"name": post.get("name", ""), "object_type": post.get("object_type", "company"),
                  "shared": post.get("shared") == "on",
                  "filters": {**{k: post.get(k, "") for k in ("q", "owner", "tag", "prefecture", "industry",
                                                                "ltv_min", "ltv_max", "contact_within_days",
                                                                "no_contact_days")},
                              "lifecycle": post.getlist("lifecycle")}}  # fmt: skip
        try:
            segment = segments.create_segment(actor=request.user, data=values)
            messages.success(request, _("セグメント「%(name)s」を保存しました。") % {"name": segment.name})
            return redirect("sales:segment_detail", pk=segment.pk)
        except ValidationFailed as exc:
            messages.error(request, exc.summary)
            errors = exc.field_errors
    rows = list(segments.segments_for(request.user).select_related("owner"))
    context = {"nav": "journey", "segments": [(s, _list_url(s)) for s in rows], "values": values, "errors": errors,
               "stages": JourneyStage.choices}  # fmt: skip
    return render(request, "sales/journey/segments.html", context, status=422 if errors else 200)


@page_view
def segment_detail(request, pk: int):
    segment = segments.get_segment_for_user(request.user, pk)
    model = MODELS[segment.object_type]
    qs = segments.apply(segment, request.user, model.objects.visible_to(request.user))
    preview = list(qs.order_by("-updated_at", "-id")[:20])
    context = {"nav": "journey", "segment": segment, "preview": preview, "list_url": _list_url(segment),
               "csv_url": _export_url(segment), "xlsx_url": _export_url(segment, "xlsx"),
               "stages": dict(JourneyStage.choices),
               "can_delete": segment.owner_id == request.user.pk or request.user.is_superuser}  # fmt: skip
    return render(request, "sales/journey/segment_detail.html", context)


@page_view
@require_POST
def segment_delete(request, pk: int):
    segment = segments.get_segment_for_user(request.user, pk)
    segments.delete_segment(actor=request.user, segment=segment)
    messages.success(request, _("セグメントを削除しました。"))
    return redirect("sales:segment_list")
