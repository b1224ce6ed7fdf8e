import csv
import io
import json

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import audit, sharing
from .exceptions import NotFound, StaleVersion, ValidationFailed
from .exceptions import PermissionDenied as RecordPermissionDenied
from .models import AuditEvent
from .pagination import paginate
from .permissions import is_admin
from .records import get_for_user
from .spreadsheet import escape_formula


def _day(request, value: str, label: str):
    """A date filter (2026-04-01); one that is not a real date is left out and said so, not a 500."""
    try:
        return parse_date(value) if value else None
    except ValueError:
        message = _("%(label)s「%(value)s」は日付として読めないため、絞り込みに使いませんでした。")
        messages.error(request, message % {"label": label, "value": value[:20]})
        return None


@login_required
def audit_log(request):
    """Admins read the audit log: filters by action, actor, record type and dates; CSV export (itself audited)."""
    if not is_admin(request.user):
        raise PermissionDenied
    events = AuditEvent.objects.all()
    filters = {k: request.GET.get(k, "").strip() for k in ("action", "actor", "object_type", "since", "until")}
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["actor"]:
        events = events.filter(actor_name=filters["actor"])
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"])
    if since := _day(request, filters["since"], _("開始日")):
        events = events.filter(at__date__gte=since)
    if until := _day(request, filters["until"], _("終了日")):
        events = events.filter(at__date__lte=until)
    if request.GET.get("format") == "csv":
        return _audit_csv(request, events, filters)
    try:
        page = paginate(events, sort="-at", cursor=request.GET.get("cursor") or None, limit=50)
    except ValidationFailed:
        page = paginate(events, sort="-at", limit=50)
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(request, "core/audit_log.html", {"page": page, "filters": filters, "base_query": params.urlencode(),
                                                   "nav": "audit"})  # fmt: skip


_AUDIT_COLUMNS = ["id", "日時", "実行者", "操作", "対象の種類", "対象ID", "対象", "変更", "経路", "IP", "リクエストID"]


def _audit_csv(request, events, filters):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["id", "日時", "実行者", "操作", "対象の種類", "対象ID", "対象", "変更", "経路", "IP", "リクエストID"]
    )
    count = 0
    for e in events.order_by("-at", "-id").iterator(chunk_size=2000):
        count += 1
        writer.writerow([escape_formula(str(v)) for v in (
            e.id, e.at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id, e.object_label,
            json.dumps(e.changes, ensure_ascii=False), e.channel, e.ip, e.request_id)])  # fmt: skip
    used = {k: v for k, v in filters.items() if v}
    audit.record(actor=request.user, action="export", object_type="core.auditevent", label=f"audit.csv ({count})",
                 changes={"rows": [None, count], "filters": [None, used]})  # fmt: skip
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kizuna-audit.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def record_access(request, object_type: str, pk: int):
    """Share a record with users and teams, or mark it 機密 (its views are then audited)."""
    try:
        model = sharing.model_for(object_type)
        if not hasattr(model, "get_absolute_url"):  # insights and tasks: shared through the API
            raise NotFound()
        record = get_for_user(model, request.user, pk, for_write=True)
    except NotFound:
        raise Http404 from None
    except RecordPermissionDenied:
        raise PermissionDenied from None
    errors, conflict = {}, False
    if request.method == "POST":
        data = {
            "shared_with": request.POST.getlist("shared_with"),
            "shared_with_teams": request.POST.getlist("shared_with_teams"),
            "sensitive": request.POST.get("sensitive") == "on",
        }
        try:
            sharing.set_access(actor=request.user, obj=record, data=data, expected_version=request.POST.get("version"))
        except StaleVersion:
            conflict = True
            record.refresh_from_db()
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
        else:
            return redirect(record.get_absolute_url())
    context = {
        "record": record,
        "back_url": record.get_absolute_url(),
        "users": get_user_model().objects.filter(is_active=True).select_related("team").order_by("username"),
        "teams": apps.get_model("accounts", "Team").objects.all(),
        "chosen_users": set(record.shared_with.values_list("pk", flat=True)),
        "chosen_teams": set(record.shared_with_teams.values_list("pk", flat=True)),
        "errors": errors,
        "conflict": conflict,
    }
    return render(request, "core/record_access.html", context, status=422 if errors or conflict else 200)
