"""Session security after authentication: idle timeout, absolute session age, and the two-factor requirement.

- Idle: a session unused for KIZUNA_SESSION_IDLE_MINUTES is logged out (the last request time is written to the
  session at most once a minute, so ordinary page views do not write the session table every time).
- Absolute: KIZUNA_SESSION_AGE seconds after login the session ends however busy it is.
- Two-factor: when the user's role requires 2FA (core.permissions.requires_two_factor) and the user has none,
  every page redirects to the enrolment page and session API calls answer 403, until it is set up. API calls
  with a bearer token are not affected (tokens are their own credential).
"""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from kizuna.core.api import error_body
from kizuna.core.permissions import requires_two_factor

from . import two_factor

LOGIN_AT = "kizuna_login_at"
SEEN_AT = "kizuna_seen_at"
VERIFIED = "kizuna_2fa"  # set when this session passed the second step or enrolled
SEEN_WRITE_EVERY = 60  # seconds

# Reachable while 2FA enrolment is pending (everything else redirects to the enrolment page).
_ENROLMENT_OPEN = ("/accounts/2fa/", "/accounts/logout/", "/accounts/login/", "/accounts/password/", "/i18n/")
_ALWAYS_OPEN = ("/static/", "/healthz", "/readyz", "/metrics")


def start_session(request) -> None:
    """Called on every login (accounts.signals): stamps the session for the idle and absolute timeouts."""
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def _bearer_api(request) -> bool:
    return request.path.startswith("/api/") and request.headers.get("Authorization", "").lower().startswith("bearer ")


def _redirect(request, url: str):
    """htmx requests (a fragment, a search box) move the whole page instead of swapping a page into a fragment."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(_ALWAYS_OPEN) or _bearer_api(request) or not request.user.is_authenticated:
            return self.get_response(request)
        if (expired := self._expired(request)) is not None:
            return expired
        if self._needs_enrolment(request) and not request.path.startswith(_ENROLMENT_OPEN):
            if request.path.startswith("/api/"):
                body = error_body("two_factor_required", _("二要素認証を設定してから利用してください。"))
                return JsonResponse(body, status=403)
            messages.warning(request, _("このアカウントのロールでは二要素認証が必須です。設定を完了してください。"))
            return _redirect(request, reverse("accounts:two_factor"))
        return self.get_response(request)

    def _expired(self, request):
        session, now = request.session, time.time()
        idle = settings.KIZUNA_SESSION_IDLE_MINUTES * 60
        seen, login_at = session.get(SEEN_AT), session.get(LOGIN_AT)
        too_old = login_at is not None and now - login_at > settings.SESSION_COOKIE_AGE
        if (seen is not None and now - seen > idle) or too_old:
            logout(request)
            if request.path.startswith("/api/"):
                return None  # now anonymous: the API answers 401
            if too_old:
                message = _("ログインの有効期間が過ぎたため、ログアウトしました。もう一度ログインしてください。")
            else:
                message = _("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。")
            messages.info(request, message)
            back = request.get_full_path()
            if getattr(request, "htmx", False) and (page := urlsplit(request.headers.get("HX-Current-URL", ""))).path:
                back = page.path + (f"?{page.query}" if page.query else "")  # the page, not the fragment
            return _redirect(request, f"{reverse('accounts:login')}?{urlencode({'next': back})}")
        if seen is None or now - seen > SEEN_WRITE_EVERY:
            session[SEEN_AT] = now
        return None

    def _needs_enrolment(self, request) -> bool:
        if request.session.get(VERIFIED):
            return False
        user = request.user
        return requires_two_factor(user) and not two_factor.is_enabled(user)
