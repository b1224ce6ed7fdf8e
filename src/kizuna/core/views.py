import csv
import io
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import audit
from .exceptions import ValidationFailed
from .models import AuditEvent
from .pagination import paginate
from .permissions import is_admin
from .spreadsheet import escape_formula


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


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
    if since := parse_date(filters["since"] or ""):
        events = events.filter(at__date__gte=since)
    if until := parse_date(filters["until"] or ""):
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
