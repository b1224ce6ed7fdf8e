"""設定 pages of the support desk: the call-reason taxonomy, macros (定型文), agents' assignment settings."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kizuna.accounts.models import Team
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import Scope, has_perm, is_admin, scope_of

from ..models import AgentProfile, CallReason, ChannelKind, Macro
from ..services import assignment, macros, reasons


def _errors(exc: ValidationFailed) -> list[str]:
    return [m for ms in (exc.field_errors or {}).values() for m in ms] or [exc.message]


def may_keep_macros(user) -> bool:
    return is_admin(user) or (scope_of(user) == Scope.TEAM and bool(user.team_id))


def may_see_desk_settings(user) -> bool:
    return is_admin(user) or (scope_of(user) == Scope.TEAM and has_perm(user, "ticket", "edit"))


@require_http_methods(["GET", "POST"])
@page_view
def call_reasons(request):
    if not is_admin(request.user):
        raise PermissionDenied()
    errors = []
    if request.method == "POST":
        pk = request.POST.get("id", "")
        reason = CallReason.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
        data = {"name": request.POST.get("name", ""), "order": request.POST.get("order", ""),
                "active": request.POST.get("active") == "1" if reason else True}  # fmt: skip
        if reason is None:
            data["parent"] = request.POST.get("parent") or None
        try:
            reasons.save_call_reason(actor=request.user, data=data, reason=reason)
            messages.success(request, _("コールリーズンを保存しました。"))
            return redirect("support:call_reasons")
        except ValidationFailed as exc:
            errors = _errors(exc)
    return render(request, "support/settings_call_reasons.html",
                  {"nav": "settings", "tab": "call_reasons", "tree": reasons.tree(), "errors": errors},
                  status=422 if errors else 200)  # fmt: skip


@require_http_methods(["GET", "POST"])
@page_view
def macro_list(request):
    if not may_keep_macros(request.user):
        raise PermissionDenied()
    errors, data = [], {}
    if request.method == "POST":
        pk = request.POST.get("id", "")
        macro = Macro.objects.alive().filter(pk=int(pk)).first() if pk.isdigit() else None
        data = {"name": request.POST.get("name", ""), "body": request.POST.get("body", "")}
        try:
            if macro is not None and request.POST.get("delete") == "1":
                macros.delete_macro(actor=request.user, macro=macro)
                messages.success(request, _("定型文を削除しました。"))
            else:
                team = None
                if macro is None and (request.POST.get("team") == "mine" or not is_admin(request.user)):
                    team = request.user.team
                macros.save_macro(actor=request.user, data=data, macro=macro, team=team)
                messages.success(request, _("定型文を保存しました。"))
            return redirect("support:macros")
        except ValidationFailed as exc:
            errors = _errors(exc)
    rows = Macro.objects.alive().select_related("team")
    if not is_admin(request.user):
        rows = rows.filter(team_id=request.user.team_id)
    return render(request, "support/settings_macros.html",
                  {"nav": "settings", "tab": "macros", "macros": rows, "errors": errors, "data": data,
                   "variables": macros.VARIABLES, "is_admin": is_admin(request.user)},
                  status=422 if errors else 200)  # fmt: skip


@require_http_methods(["GET", "POST"])
@page_view
def agent_list(request):
    if not may_see_desk_settings(request.user):
        raise PermissionDenied()
    users = get_user_model().objects.filter(is_active=True).select_related("team").order_by("team__name", "username")
    if not is_admin(request.user):
        users = users.filter(team_id=request.user.team_id)
    errors = []
    if request.method == "POST":
        pk = request.POST.get("user", "")
        user = users.filter(pk=int(pk)).first() if pk.isdigit() else None
        if user is None:
            raise PermissionDenied()
        data = {"accepts_tickets": request.POST.get("accepts_tickets") == "1",
                "skills": [s.strip() for s in request.POST.get("skills", "").replace("、", ",").split(",")],
                "channel_kinds": request.POST.getlist("channel_kinds")}  # fmt: skip
        try:
            assignment.save_agent_profile(actor=request.user, user=user, data=data)
            messages.success(request, _("%(user)s の設定を保存しました。") % {"user": user})
            return redirect("support:agents")
        except ValidationFailed as exc:
            errors = _errors(exc)
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(user__in=users)}
    rows = [(u, profiles.get(u.pk)) for u in users if has_perm(u, "ticket", "edit")]
    return render(request, "support/settings_agents.html",
                  {"nav": "settings", "tab": "support_agents", "rows": rows, "kinds": ChannelKind.choices,
                   "errors": errors, "teams": Team.objects.order_by("name")},
                  status=422 if errors else 200)  # fmt: skip
