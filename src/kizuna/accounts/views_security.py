"""A user's own security pages: two-factor login (enrol, recovery codes, disable), API tokens; and the admins'
page to reset someone's 2FA."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kizuna.core.exceptions import DomainError
from kizuna.core.permissions import is_admin, requires_two_factor

from . import forms, ratelimit, services, two_factor
from .middleware import VERIFIED
from .models import TwoFactorDevice, User

ENROL_SECRET = "kizuna_2fa_enrol_secret"  # the not yet confirmed secret lives only in the session


def _page(request, context, status=200):
    context = {"nav": "security", "is_admin": is_admin(request.user), **context}
    return render(request, "accounts/two_factor.html", context, status=status)


def _show_codes(request, codes):
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "nav": "security"})


@never_cache
@login_required
@sensitive_post_parameters("code")
def two_factor_settings(request):
    """Enrolment (secret + QR, confirmed with a code before it is switched on) or, once on, its status."""
    user = request.user
    if two_factor.is_enabled(user):
        return _page(request, {
            "enabled": True, "remaining": two_factor.remaining_recovery_codes(user),
            "disable_form": forms.DisableTwoFactorForm(),
        })  # fmt: skip
    secret = request.session.get(ENROL_SECRET) or two_factor.new_secret()
    request.session[ENROL_SECRET] = secret
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.enable(actor=user, user=user, secret=secret, code=form.cleaned_data["code"])
        except DomainError as exc:
            for field, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            del request.session[ENROL_SECRET]
            request.session[VERIFIED] = "enrolled"
            messages.success(request, _("二要素認証を有効にしました。"))
            return _show_codes(request, codes)
    uri = two_factor.provisioning_uri(user, secret)
    return _page(request, {
        "enabled": False, "form": form, "secret": two_factor.spaced(secret), "qr": two_factor.qr_data_uri(uri),
        "required": requires_two_factor(user),
    })  # fmt: skip


@never_cache
@login_required
@require_POST
def regenerate_recovery_codes(request):
    try:
        codes = two_factor.regenerate_recovery_codes(actor=request.user, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.summary)
        return redirect("accounts:two_factor")
    messages.success(request, _("新しいリカバリーコードを発行しました。以前のコードは使えなくなりました。"))
    return _show_codes(request, codes)


@never_cache
@login_required
@require_POST
@sensitive_post_parameters("password", "code")
def disable_two_factor(request):
    form = forms.DisableTwoFactorForm(request.POST)
    if form.is_valid():
        try:
            two_factor.disable(actor=request.user, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.summary)
        else:
            request.session.pop(VERIFIED, None)
            messages.success(request, _("二要素認証を無効にしました。"))
            return redirect("accounts:two_factor")
    return _page(request, {
        "enabled": True, "remaining": two_factor.remaining_recovery_codes(request.user), "disable_form": form,
    }, status=422)  # fmt: skip


@never_cache
@login_required
def two_factor_admin(request):
    """Admins: who has 2FA, and a reset button (a lost phone)."""
    if not is_admin(request.user):
        raise PermissionDenied
    users = User.objects.filter(is_active=True).annotate(
        has_2fa=Exists(TwoFactorDevice.objects.filter(user=OuterRef("pk")))
    )
    return render(request, "accounts/two_factor_admin.html", {"users": users, "nav": "security"})


@login_required
@require_POST
def two_factor_admin_reset(request, user_id: int):
    if not is_admin(request.user):
        raise PermissionDenied
    target = get_object_or_404(User, pk=user_id)
    if two_factor.reset(actor=request.user, user=target):
        messages.success(request, _("%(user)s の二要素認証をリセットしました。") % {"user": target})
    else:
        messages.info(request, _("%(user)s は二要素認証を使っていません。") % {"user": target})
    return redirect("accounts:two_factor_admin")


@never_cache
@login_required
def tokens(request):
    """The user's API tokens (admins: everyone's): create (the raw value is shown once) and revoke."""
    form = forms.TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if limited := ratelimit.guard(request, "token_create", who=f"user:{request.user.pk}"):
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                token, raw = services.create_token(
                    actor=request.user, user=request.user, name=data["name"], scopes=data["scopes"], days=data["days"]
                )
            except DomainError as exc:
                for field, errors in exc.field_errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                status = 422
            else:
                created = {"token": token, "raw": raw}
                form = forms.TokenForm()
        else:
            status = 422
    listing = services.tokens_visible_to(request.user).order_by("revoked_at", "-created_at")[:200]
    return render(request, "accounts/tokens.html", {
        "form": form, "created": created, "tokens": listing, "show_owner": is_admin(request.user), "nav": "tokens",
        "now": timezone.now(),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(services.tokens_visible_to(request.user), pk=token_id)  # others' tokens: 404
    try:
        services.revoke_token(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.summary)
    else:
        messages.success(request, _("トークン「%(name)s」を無効にしました。") % {"name": token.name})
    return redirect("accounts:tokens")
