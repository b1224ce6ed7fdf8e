"""Admin settings pages: roles (object types × actions, scope, two-factor requirement) and users (role, team,
active). Every change goes through accounts.roles / accounts.services, which audit it."""

import secrets

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import ACTIONS, APPLICABLE_ACTIONS, OBJECT_TYPES, Scope, is_admin

from . import roles as role_services
from . import services as account_services
from .models import Role, Team, User


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied()


def _matrix(role: Role | None, posted: dict | None = None) -> list[dict]:
    """Rows for the template: one per object type, one cell per action (None where it does not apply)."""
    granted = posted if posted is not None else (role.permissions if role else {})
    rows = []
    for object_type, label in OBJECT_TYPES.items():
        cells = []
        for action in ACTIONS:
            if action in APPLICABLE_ACTIONS[object_type]:
                cells.append({"name": f"perm:{object_type}:{action}", "on": action in granted.get(object_type, [])})
            else:
                cells.append(None)
        rows.append({"type": object_type, "label": label, "cells": cells})
    return rows


def _posted_permissions(post) -> dict:
    permissions: dict[str, list[str]] = {}
    for name in post:
        parts = name.split(":")
        if len(parts) == 3 and parts[0] == "perm":
            permissions.setdefault(parts[1], []).append(parts[2])
    return permissions


def _posted_role(post) -> dict:
    return {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "scope": post.get("scope", ""),
        "administers": post.get("administers") == "on",
        "require_two_factor": post.get("require_two_factor") == "on",
        "permissions": _posted_permissions(post),
    }


def _role_context(role, **extra) -> dict:
    return {"nav": "settings", "actions": ACTIONS, "scopes": Scope.choices, "role": role, **extra}


@page_view
def role_list(request):
    _require_admin(request)
    users = dict(User.objects.values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    roles = list(Role.objects.all())
    for role in roles:
        role.user_count = users.get(role.key, 0)
    return render(request, "accounts/settings_roles.html", {"nav": "settings", "roles": roles})


@page_view
@require_http_methods(["GET", "POST"])
def role_new(request):
    _require_admin(request)
    source = Role.objects.filter(key=request.GET.get("copy") or request.POST.get("copy") or "member").first()
    errors, data = {}, None
    if request.method == "POST":
        data = {"key": request.POST.get("key", ""), **_posted_role(request.POST)}
        try:
            role = role_services.create_role(actor=request.user, data=data)
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
        else:
            messages.success(request, _("ロール「%(name)s」を作成しました。") % {"name": role.name})
            return redirect("settings:role_edit", key=role.key)
    context = _role_context(
        None,
        matrix=_matrix(source, data["permissions"] if data else None),
        form=data or {"scope": getattr(source, "scope", Scope.STANDARD)},
        errors=errors,
        copy=getattr(source, "key", ""),
        all_roles=Role.objects.all(),
    )
    return render(request, "accounts/settings_role_form.html", context, status=422 if errors else 200)


@page_view
@require_http_methods(["GET", "POST"])
def role_edit(request, key):
    _require_admin(request)
    role = get_object_or_404(Role, key=key)
    errors, data, conflict = {}, None, False
    if request.method == "POST":
        try:
            if request.POST.get("reset"):
                role_services.reset_role(actor=request.user, role=role)
                messages.success(request, _("既定の権限に戻しました。"))
                return redirect("settings:role_edit", key=role.key)
            data = _posted_role(request.POST)
            changes = role_services.update_role(
                actor=request.user, role=role, data=data, expected_version=request.POST.get("version") or None
            )
        except StaleVersion:
            conflict = True
            role.refresh_from_db()
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
            if exc.message and "__all__" not in errors:
                errors["__all__"] = [exc.message]
        else:
            messages.success(request, _("保存しました。") if changes else _("変更はありません。"))
            return redirect("settings:role_edit", key=role.key)
    context = _role_context(
        role,
        matrix=_matrix(role, data["permissions"] if data and not conflict else None),
        form=data if data and not conflict else role.__dict__,
        errors=errors,
        conflict=conflict,
        user_count=User.objects.filter(role=role.key).count(),
    )
    return render(request, "accounts/settings_role_form.html", context, status=422 if errors or conflict else 200)


@page_view
@require_POST
def role_delete(request, key):
    _require_admin(request)
    role = get_object_or_404(Role, key=key)
    try:
        role_services.delete_role(actor=request.user, role=role)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("settings:role_edit", key=role.key)
    messages.success(request, _("ロール「%(name)s」を削除しました。") % {"name": role.name})
    return redirect("settings:role_list")


@page_view
@require_http_methods(["GET", "POST"])
def user_list(request):
    _require_admin(request)
    created = None
    errors: dict = {}
    if request.method == "POST":
        team_name = request.POST.get("team", "").strip()
        password = secrets.token_urlsafe(12)
        try:
            team = account_services.get_or_create_team(actor=request.user, name=team_name) if team_name else None
            created = account_services.create_user(
                actor=request.user,
                username=request.POST.get("username", "").strip(),
                password=password,
                role=request.POST.get("role", ""),
                team=team,
                display_name=request.POST.get("display_name", "").strip(),
                email=request.POST.get("email", "").strip(),
                check_password=False,
            )
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
        else:
            created.initial_password = password  # shown once on this page, never stored in clear
    context = {
        "nav": "settings",
        "users": User.objects.select_related("team", "two_factor").order_by("username"),
        "roles": Role.objects.all(),
        "teams": Team.objects.all(),
        "created": created,
        "errors": errors,
        "posted": request.POST if errors else {},
    }
    return render(request, "accounts/settings_users.html", context, status=422 if errors else 200)


@page_view
@require_POST
def user_access(request, pk):
    _require_admin(request)
    user = get_object_or_404(User, pk=pk)
    team_id = request.POST.get("team") or None
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    try:
        changes = role_services.set_user_access(
            actor=request.user,
            user=user,
            role=request.POST.get("role") or None,
            team=team,
            is_active=request.POST.get("is_active") == "on",
        )
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    else:
        if changes:
            messages.success(request, _("%(user)s の設定を変更しました。") % {"user": user})
    return redirect("settings:user_list")
