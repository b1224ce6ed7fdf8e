"""Login (password step, then the 2FA code step), password reset by e-mail and password change.

The password step is Django's LoginView, so django-axes still counts every wrong password. For a user with
2FA the session is NOT logged in after it: the user id waits in the session ("pending", 5 minutes) until a
correct code; every 5th wrong code of a user (counted across sessions, per lockout period) sends the user back
to the password step and counts as one failed login for axes.
"""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import forms, ratelimit, two_factor
from .middleware import VERIFIED
from .models import User

PENDING = "kizuna_2fa_pending"


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if limited := ratelimit.guard(request, "login"):
            return limited
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.is_enabled(user):
            return super().form_valid(form)  # auth_login: new session key, audit row "login"
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "started": time.time(),
            "failures": 0,
            "next": self.get_success_url(),
        }
        return redirect("accounts:login_code")


def _failure_window() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _pending(request):
    """(state, user), or (None, None) when there is no second step waiting (or it timed out)."""
    state = request.session.get(PENDING)
    if not state:
        return None, None
    if time.time() - state["started"] > settings.KIZUNA_2FA_PENDING_SECONDS:
        del request.session[PENDING]
        messages.info(request, _("確認コードの入力時間（5 分）が過ぎました。もう一度ログインしてください。"))
        return None, None
    user = User.objects.filter(pk=state["user"], is_active=True).first()
    if user is None:
        del request.session[PENDING]
        return None, None
    return state, user


@never_cache
@sensitive_post_parameters("code")
def login_code(request):
    state, user = _pending(request)
    if user is None:
        return redirect("accounts:login")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST":
        if limited := ratelimit.guard(request, "two_factor"):
            return limited
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            del request.session[PENDING]
            return get_lockout_response(request, None, credentials)
        if form.is_valid():
            result = two_factor.check_code(user, form.cleaned_data["code"])
            if result in (two_factor.CodeResult.OK_TOTP, two_factor.CodeResult.OK_RECOVERY):
                del request.session[PENDING]
                ratelimit.reset("two_factor_failures", f"user:{user.pk}", seconds=_failure_window())
                request.kizuna_second_factor = result  # shown in the "login" audit row
                auth_login(request, user, backend=state["backend"])  # rotates the session key
                request.session[VERIFIED] = result
                if result == two_factor.CodeResult.OK_RECOVERY:
                    left = {"n": two_factor.remaining_recovery_codes(user)}
                    messages.warning(request, _("リカバリーコードでログインしました。残り %(n)d 個です。") % left)
                return redirect(state["next"] or settings.LOGIN_REDIRECT_URL)
            # Wrong codes are counted per user (not per session: a new session must not start from zero).
            failures = ratelimit.increment("two_factor_failures", f"user:{user.pk}", seconds=_failure_window())
            two_factor.record_wrong_code(user, failures)
            state["failures"] = failures
            if failures % settings.KIZUNA_2FA_MAX_FAILURES == 0:
                del request.session[PENDING]
                # One failed login for django-axes (and the audit row login.2fa_too_many).
                user_login_failed.send(__name__, credentials={**credentials, "second_factor": True}, request=request)
                messages.error(request, _("確認コードの誤りが続いたため、ログインをやり直してください。"))
                return redirect("accounts:login")
            request.session[PENDING] = state
            if result == two_factor.CodeResult.REPLAYED:
                message = _("このコードはすでに使われています。次のコードが表示されるまでお待ちください。")
                form.add_error("code", message)
            else:
                form.add_error("code", _("確認コードが正しくありません。"))
    remaining = settings.KIZUNA_2FA_PENDING_SECONDS - int(time.time() - state["started"])
    return render(request, "accounts/login_code.html", {"form": form, "remaining": max(remaining, 0)})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = forms.PasswordResetForm.EMAIL_TEMPLATE
    subject_template_name = forms.PasswordResetForm.SUBJECT_TEMPLATE
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if limited := ratelimit.guard(request, "password_reset"):
            return limited
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def post(self, request, *args, **kwargs):
        if limited := ratelimit.guard(request, "password_reset"):
            return limited
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")
