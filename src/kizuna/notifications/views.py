"""Pages: the bell's count, my notices, notification settings (with the calendar feed), the calendar, the feed."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kizuna.core.exceptions import NotFound
from kizuna.core.pages import page_view
from kizuna.core.schemas import fits_bigint

from . import calendar, kinds, services
from .models import CalendarFeed, Notification

PAGE = 30


@page_view
@require_GET
def bell(request):
    """The count under the bell (htmx asks for it on load and every KIZUNA_BELL_POLL_SECONDS)."""
    return render(request, "notifications/partials/bell_count.html", {"unread": services.unread_count(request.user)})


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and fits_bigint(int(value)) else None


@page_view
@require_GET
def notification_list(request):
    qs = Notification.objects.for_user(request.user).select_related("actor").order_by("-id")
    only_unread = request.GET.get("status") == "unread"
    if only_unread:
        qs = qs.unread()
    before = _int(request.GET.get("before"))
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: PAGE + 1])
    for row in rows:
        row.kind_label = kinds.label(row.kind)
    context = {"nav": "notifications", "items": rows[:PAGE], "more": rows[PAGE - 1].pk if len(rows) > PAGE else None,
               "only_unread": only_unread, "unread": services.unread_count(request.user)}  # fmt: skip
    return render(request, "notifications/list.html", context)


def _own(request, pk: int) -> Notification:
    notification = Notification.objects.for_user(request.user).filter(pk=pk).first() if fits_bigint(pk) else None
    if notification is None:
        raise NotFound()
    return notification


@page_view
@require_POST
def read(request, pk: int):
    """Mark one notice read; with `open`, go on to what it is about."""
    notification = services.mark_read(actor=request.user, notification=_own(request, pk))
    if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    if request.htmx:
        notification.kind_label = kinds.label(notification.kind)
        return render(request, "notifications/partials/row.html", {"n": notification})
    return redirect("notifications:list")


@page_view
@require_POST
def read_all(request):
    count = services.mark_all_read(actor=request.user)
    messages.success(request, _("%(n)d 件を既読にしました。") % {"n": count})
    return redirect("notifications:list")


# --- settings: preferences and the calendar feed -------------------------------------------------------------
@page_view
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        services.update_preferences(actor=request.user, data={
            "in_app_kinds": request.POST.getlist("in_app"), "email_kinds": request.POST.getlist("email"),
            "digest": request.POST.get("digest") == "on",
        })  # fmt: skip
        messages.success(request, _("通知設定を保存しました。"))
        return redirect("notifications:settings")
    return _settings_page(request)


def _settings_page(request, new_feed_url: str = ""):
    pref = services.preference_for(request.user)
    rows = [{"key": k, "label": v, "in_app": k in pref.in_app_kinds, "email": k in pref.email_kinds}
            for k, v in kinds.KINDS.items()]  # fmt: skip
    context = {"nav": "notification_settings", "pref": pref, "rows": rows, "new_feed_url": new_feed_url,
               "feed": CalendarFeed.objects.filter(user=request.user).first(),
               "digest_hour": settings.KIZUNA_DIGEST_HOUR}  # fmt: skip
    return render(request, "notifications/settings.html", context)


@page_view
@require_POST
def feed_token(request):
    """Create or regenerate (`action=create`) or revoke (`action=revoke`) my calendar feed's secret URL."""
    if request.POST.get("action") == "revoke":
        if services.revoke_feed(actor=request.user):
            messages.success(request, _("カレンダー配信URLを無効にしました。"))
        return redirect("notifications:settings")
    _feed, raw = services.create_feed(actor=request.user)
    # Shown once, in this response (never stored in clear anywhere).
    url = request.build_absolute_uri(reverse("notifications:feed", args=[raw]))
    return _settings_page(request, new_feed_url=url)


# --- the calendar --------------------------------------------------------------------------------------------
def _anchor(value) -> date:
    try:
        day = date.fromisoformat((value or "")[:10])
    except ValueError:
        return timezone.localdate()
    return day if date(1900, 1, 1) <= day <= date(2999, 12, 31) else timezone.localdate()


@page_view
@require_GET
def calendar_page(request):
    view = "week" if request.GET.get("view") == "week" else "month"
    scope = "team" if request.GET.get("scope") == "team" and request.user.team_id else "mine"
    anchor = _anchor(request.GET.get("date"))
    first, last, previous, following = calendar.grid(view, anchor)
    found = calendar.entries(request.user, first, last, scope=scope)

    def link(**changes):
        params = {"view": view, "scope": scope, "date": anchor.isoformat()} | changes
        return "?" + urlencode(params)

    context = {
        "nav": "calendar", "view": view, "scope": scope, "anchor": anchor, "today": timezone.localdate(),
        "weeks": calendar.weeks(first, last, found), "count": len(found), "has_team": bool(request.user.team_id),
        "prev_url": link(date=previous.isoformat()), "next_url": link(date=following.isoformat()),
        "today_url": link(date=timezone.localdate().isoformat()),
        "month_url": link(view="month"), "week_url": link(view="week"),
        "mine_url": link(scope="mine"), "team_url": link(scope="team"),
    }  # fmt: skip
    template = "notifications/partials/calendar.html" if request.htmx else "notifications/calendar.html"
    return render(request, template, context)


@require_GET
def feed(request, token: str):
    """The private ICS feed: no login, the secret in the URL is the key. Unknown or revoked → 404."""
    user = services.user_for_token(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar.ics(user, host=request.get_host()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kizuna.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
