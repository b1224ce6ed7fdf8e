"""設定 → 営業カレンダー and SLAポリシー: administrators edit calendars (weekly hours, closed days, extra working
days, a preview of the coming holidays) and policies (targets, matching order, escalation)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pages import page_view

from ..api_sla import closures
from ..models import BusinessCalendar, CalendarDay, SlaPolicy, Ticket
from ..sla import admin
from ..sla.admin import WEEKDAYS, format_intervals

FLAGS = ("national_holidays", "year_end_closed", "is_default")


def _calendar_form(calendar: BusinessCalendar | None, post=None) -> dict:
    if post is not None:
        hours = [post.get(f"hours_{d}", "") for d in range(7)]
        values = {"name": post.get("name", ""), "timezone": post.get("timezone", "Asia/Tokyo")} | {
            f: bool(post.get(f)) for f in FLAGS
        }
    elif calendar is not None:
        hours = [format_intervals(h) for h in calendar.weekly()]
        values = {"name": calendar.name, "timezone": calendar.timezone} | {f: getattr(calendar, f) for f in FLAGS}
    else:
        hours = ["9:00-12:00, 13:00-18:00"] * 5 + ["", ""]
        values = {"name": "", "timezone": "Asia/Tokyo", "national_holidays": True, "year_end_closed": True,
                  "is_default": False}  # fmt: skip
    values["weekdays"] = [(d, WEEKDAYS[d], hours[d]) for d in range(7)]
    return values


@page_view
def calendar_list(request):
    admin.require_admin(request.user)
    calendars = BusinessCalendar.objects.prefetch_related("days")
    rows = [(c, [(WEEKDAYS[d], format_intervals(h)) for d, h in enumerate(c.weekly()) if h]) for c in calendars]
    return render(request, "support/sla/calendar_list.html", {"nav": "settings", "tab": "sla_calendars", "rows": rows})


@page_view
@require_http_methods(["GET", "POST"])
def calendar_edit(request, pk: int | None = None):
    admin.require_admin(request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk else None
    errors = {}
    if request.method == "POST":
        post = request.POST
        data = {
            "name": post.get("name", ""),
            "timezone": post.get("timezone", "Asia/Tokyo"),
            "hours": {str(d): post.get(f"hours_{d}", "") for d in range(7)},
        } | {f: bool(post.get(f)) for f in FLAGS}
        try:
            saved = admin.save_calendar(actor=request.user, data=data, calendar=calendar)
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            messages.success(request, _("営業カレンダー「%(name)s」を保存しました。") % {"name": saved.name})
            return redirect("support:sla_calendar_edit", saved.pk)
    context = {"nav": "settings", "tab": "sla_calendars", "calendar": calendar, "errors": errors,
               "form": _calendar_form(calendar, request.POST if request.method == "POST" else None),
               "days": list(calendar.days.all()) if calendar else [], "kinds": CalendarDay.Kind.choices,
               "closures": closures(calendar, 120) if calendar else [], "today": timezone.localdate()}  # fmt: skip
    return render(request, "support/sla/calendar_form.html", context, status=422 if errors else 200)


@page_view
@require_POST
def calendar_delete(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    admin.delete_calendar(actor=request.user, calendar=calendar)
    messages.success(request, _("営業カレンダー「%(name)s」を削除しました。") % {"name": calendar.name})
    return redirect("support:sla_calendar_list")


@page_view
@require_POST
def day_add(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    data = {k: request.POST.get(k, "") for k in ("date", "kind", "hours", "note")}
    try:
        admin.add_day(actor=request.user, calendar=calendar, data=data)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    else:
        messages.success(request, _("%(date)s を登録しました。") % {"date": data["date"]})
    return redirect("support:sla_calendar_edit", calendar.pk)


@page_view
@require_POST
def day_remove(request, pk: int, day_pk: int):
    day = get_object_or_404(CalendarDay, pk=day_pk, calendar_id=pk)
    admin.remove_day(actor=request.user, day=day)
    messages.success(request, _("%(date)s の登録を削除しました。") % {"date": day.date})
    return redirect("support:sla_calendar_edit", pk)


# --- policies ----------------------------------------------------------------------------------------------------
POLICY_FIELDS = ("name", "priority", "category", "customer_tier", "calendar", "first_response_minutes",
                 "next_response_minutes", "resolution_minutes", "warn_before_minutes", "escalation_user")  # fmt: skip
POLICY_FLAGS = ("active", "escalate_to_manager", "raise_priority")


@page_view
def policy_list(request):
    admin.require_admin(request.user)
    policies = SlaPolicy.objects.select_related("calendar", "escalation_user").order_by("position", "id")
    return render(request, "support/sla/policy_list.html",
                  {"nav": "settings", "tab": "sla_policies", "policies": policies})  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk: int | None = None):
    admin.require_admin(request.user)
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else None
    errors = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in POLICY_FIELDS} | {
            f: bool(request.POST.get(f)) for f in POLICY_FLAGS
        }
        try:
            saved = admin.save_policy(actor=request.user, data=data, policy=policy)
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            messages.success(request, _("SLAポリシー「%(name)s」を保存しました。") % {"name": saved.name})
            return redirect("support:sla_policy_list")
        values = data
    elif policy is not None:
        values = {k: getattr(policy, f"{k}_id" if k in ("calendar", "escalation_user") else k) for k in POLICY_FIELDS}
        values |= {f: getattr(policy, f) for f in POLICY_FLAGS}
    else:
        default = BusinessCalendar.objects.order_by("-is_default", "id").first()
        values = {"active": True, "warn_before_minutes": 30, "calendar": default.pk if default else "",
                  "first_response_minutes": 60, "resolution_minutes": 1440}  # fmt: skip
    values = {k: "" if v is None else v for k, v in values.items()}
    context = {"nav": "settings", "tab": "sla_policies", "policy": policy, "errors": errors, "v": values,
               "priorities": Ticket.Priority.choices, "calendars": BusinessCalendar.objects.all(),
               "users": get_user_model().objects.filter(is_active=True).order_by("username")}  # fmt: skip
    return render(request, "support/sla/policy_form.html", context, status=422 if errors else 200)


@page_view
@require_POST
def policy_delete(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    admin.delete_policy(actor=request.user, policy=policy)
    messages.success(request, _("SLAポリシー「%(name)s」を削除しました。") % {"name": policy.name})
    return redirect("support:sla_policy_list")


@page_view
@require_POST
def policy_move(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    admin.move_policy(actor=request.user, policy=policy, direction=request.POST.get("direction", ""))
    return redirect("support:sla_policy_list")
