"""設定 → カスタム項目: administrators list, add, change, remove, restore and purge custom fields."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import is_admin

from . import registry, services
from .forms import DefinitionForm
from .models import CustomField


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied()


def _roles() -> list[tuple[str, str]]:
    from kizuna.accounts.models import Role

    return [(r.key, r.display_name) for r in Role.objects.all()]


def _object_type(request) -> str:
    types = registry.object_types()
    chosen = request.GET.get("object_type") or request.POST.get("object_type") or "person"
    return chosen if chosen in types else next(iter(types))


@page_view
def field_list(request):
    _require_admin(request)
    object_type = _object_type(request)
    fields = CustomField.objects.filter(object_type=object_type)
    context = {
        "nav": "settings", "tab": "custom_fields", "object_type": object_type,
        "object_types": registry.object_types(), "fields": [f for f in fields if not f.is_removed],
        "removed": [f for f in fields if f.is_removed],
    }  # fmt: skip
    return render(request, "customfields/field_list.html", context)


def _form_page(request, form, field=None):
    context = {"nav": "settings", "tab": "custom_fields", "form": form, "field": field}
    return render(request, "customfields/field_form.html", context, status=422 if form.errors else 200)


@page_view
@require_http_methods(["GET", "POST"])
def field_new(request):
    _require_admin(request)
    initial = {"object_type": _object_type(request)}
    form = DefinitionForm(request.POST or None, initial=initial, object_types=registry.object_types(), roles=_roles())
    if request.method == "POST" and form.is_valid():
        try:
            field = services.create_field(actor=request.user, data=form.service_data(editing=False))
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        else:
            messages.success(request, _("カスタム項目「%(label)s」を追加しました。") % {"label": field.label})
            return redirect(_list_url(field))
    return _form_page(request, form)


def _initial(field: CustomField) -> dict:
    names = ["object_type", "key", "type", "label_ja", "label_en", "help_text", "required", "filterable",
             "position", "read_roles", "edit_roles", "version"]  # fmt: skip
    return {n: getattr(field, n) for n in names} | {"choices": "\n".join(field.choices)}


@page_view
@require_http_methods(["GET", "POST"])
def field_edit(request, pk: int):
    _require_admin(request)
    field = get_object_or_404(CustomField, pk=pk)
    kwargs = {"object_types": registry.object_types(), "roles": _roles(), "editing": True}
    form = DefinitionForm(request.POST or None, initial=_initial(field), **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_field(actor=request.user, field=field, data=form.service_data(editing=True),
                                  expected_version=form.cleaned_data.get("version"))  # fmt: skip
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        except StaleVersion as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("保存しました。"))
            return redirect(_list_url(field))
    return _form_page(request, form, field)


def _list_url(field: CustomField) -> str:
    from django.urls import reverse

    return f"{reverse('customfields:list')}?object_type={field.object_type}"


@page_view
@require_POST
def field_remove(request, pk: int):
    _require_admin(request)
    field = get_object_or_404(CustomField, pk=pk)
    services.remove_field(actor=request.user, field=field)
    messages.success(request, _("「%(label)s」を削除しました。値はレコードに残っています（元に戻せます）。")
                     % {"label": field.label})  # fmt: skip
    return redirect(_list_url(field))


@page_view
@require_POST
def field_restore(request, pk: int):
    _require_admin(request)
    field = get_object_or_404(CustomField, pk=pk)
    services.restore_field(actor=request.user, field=field)
    messages.success(request, _("「%(label)s」を元に戻しました。") % {"label": field.label})
    return redirect(_list_url(field))


@page_view
@require_http_methods(["GET", "POST"])
def field_purge(request, pk: int):
    _require_admin(request)
    field = get_object_or_404(CustomField, pk=pk, removed_at__isnull=False)
    if request.method == "POST":
        services.purge_field(actor=request.user, field=field)
        messages.success(
            request, _("「%(label)s」の値の消去を始めました。終わると項目も消えます。") % {"label": field.label}
        )
        return redirect(_list_url(field))
    entry = registry.get(field.object_type)
    holding = entry.model.objects.filter(custom__has_key=field.key).count() if entry else 0
    return render(request, "customfields/field_purge.html",
                  {"nav": "settings", "tab": "custom_fields", "field": field, "holding": holding})  # fmt: skip
