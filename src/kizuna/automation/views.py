"""設定 → 自動化ルール: the list (order, on/off), the form with condition and action rows (htmx), the run history and
"test on this record". Every change goes through automation.services."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kizuna.accounts.models import Team
from kizuna.core import actions
from kizuna.core.exceptions import NotFound, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import is_admin
from kizuna.core.records import get_for_user

from . import engine, fields, forms, services
from .permissions import get_rule_for_user, require_rule_manager, rules_visible_to


def _trigger(request) -> str:
    trigger = request.GET.get("trigger") or request.POST.get("trigger") or ""
    return trigger if trigger in engine.trigger_choices() else "person.updated"


def _context(request, **extra) -> dict:
    return {"nav": "settings", "is_admin": is_admin(request.user), "teams": Team.objects.all(), **extra}


@page_view
@require_GET
def rule_list(request):
    require_rule_manager(request.user)
    rules = list(rules_visible_to(request.user).order_by("position", "id"))
    labels = engine.trigger_choices()
    for rule in rules:
        rule.trigger_label = labels.get(rule.trigger, rule.trigger)
        rule.action_labels = [str(getattr(actions.get(s.get("action", "")), "label", s.get("action")))
                              for s in rule.actions]  # fmt: skip
    return render(request, "automation/rule_list.html", _context(request, rules=rules))


def _form_page(request, rule=None):
    trigger = _trigger(request) if request.method == "POST" or rule is None else rule.trigger
    object_type = engine.object_type_of(trigger)
    errors, status = {}, 200
    if request.method == "POST":
        data = forms.posted_rule(request.POST)
        try:
            if rule is None:
                rule = services.create_rule(actor=request.user, data=data)
                messages.success(request, _("ルールを作成しました。"))
            else:
                services.update_rule(actor=request.user, rule=rule, data=data,
                                     expected_version=request.POST.get("version") or None)  # fmt: skip
                messages.success(request, _("ルールを保存しました。"))
            return redirect("automation:rule_list")
        except ValidationFailed as exc:
            errors, status = exc.field_errors or {"": [exc.message]}, 422
        except StaleVersion:
            errors, status = (
                {"": [_("ほかの人がこのルールを先に変更しました。内容を確かめてもう一度保存してください。")]},
                409,
            )
            rule.refresh_from_db()
        form = data
    elif rule is not None:
        form = {"name": rule.name, "description": rule.description, "trigger": rule.trigger, "days": rule.days,
                "enabled": rule.enabled, "team": rule.team_id, "conditions": rule.conditions,
                "actions": rule.actions}  # fmt: skip
    else:
        form = {"name": "", "description": "", "trigger": trigger, "days": None, "enabled": True, "team": None,
                "conditions": [], "actions": [{"action": "", "params": {}}]}  # fmt: skip
    context = _context(request, rule=rule if rule and rule.pk else None, form=form, errors=errors,
                       action_rows=forms.action_rows(form["actions"], object_type, request.user),
                       **forms.choices(object_type))  # fmt: skip
    return render(request, "automation/rule_form.html", context, status=status)


@page_view
@require_http_methods(["GET", "POST"])
def rule_new(request):
    require_rule_manager(request.user)
    return _form_page(request)


@page_view
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    return _form_page(request, get_rule_for_user(request.user, pk))


@page_view
@require_POST
def rule_delete(request, pk):
    rule = get_rule_for_user(request.user, pk)
    services.delete_rule(actor=request.user, rule=rule)
    messages.success(request, _("ルール「%(name)s」を削除しました。") % {"name": rule.name})
    return redirect("automation:rule_list")


@page_view
@require_POST
def rule_toggle(request, pk):
    rule = get_rule_for_user(request.user, pk)
    services.set_enabled(actor=request.user, rule=rule, enabled=request.POST.get("enabled") == "on")
    if request.htmx:
        rule.trigger_label = engine.trigger_choices().get(rule.trigger, rule.trigger)
        return render(request, "automation/partials/toggle.html", {"rule": rule})
    return redirect("automation:rule_list")


@page_view
@require_POST
def rule_move(request, pk):
    rule = get_rule_for_user(request.user, pk)
    services.move_rule(actor=request.user, rule=rule, direction=request.POST.get("direction", ""))
    return redirect("automation:rule_list")


@page_view
@require_GET
def rule_runs(request, pk):
    rule = get_rule_for_user(request.user, pk)
    runs = list(rule.runs.order_by("-at", "-id")[:100])
    return render(request, "automation/rule_runs.html", _context(request, rule=rule, runs=runs))


@page_view
@require_http_methods(["GET", "POST"])
def rule_dry_run(request, pk):
    """Pick a record (by its id) and see which conditions hold and what each action would do; nothing is written."""
    rule = get_rule_for_user(request.user, pk)
    object_type = engine.object_type_of(rule.trigger)
    model = fields.model_for(object_type)
    result, error, record = None, "", None
    raw = (request.POST.get("object_number") or request.POST.get("object_id") or "").strip()
    if request.method == "POST" and model is not None:
        try:
            record = get_for_user(model, request.user, raw)
            result = engine.dry_run(rule, record)
        except NotFound:
            error = _("その番号のレコードは見つかりません（見られるレコードだけを試せます）。")
    recent = list(model.objects.visible_to(request.user).order_by("-updated_at", "-id")[:20]) if model else []
    return render(request, "automation/rule_dry_run.html", _context(
        request, rule=rule, result=result, error=error, record=record, object_id=raw, recent=recent,
        object_type=object_type))  # fmt: skip


# --- htmx fragments of the form ------------------------------------------------------------------------------------
@page_view
@require_GET
def row_condition(request):
    require_rule_manager(request.user)
    return render(
        request,
        "automation/partials/condition_row.html",
        {"c": {}, **forms.choices(engine.object_type_of(_trigger(request)))},
    )


@page_view
@require_GET
def row_action(request):
    require_rule_manager(request.user)
    object_type = engine.object_type_of(_trigger(request))
    row = {"uid": forms.new_uid(), "key": "", "params": []}
    return render(request, "automation/partials/action_row.html", {"row": row, **forms.choices(object_type)})


@page_view
@require_GET
def row_params(request):
    require_rule_manager(request.user)
    uid = "".join(ch for ch in request.GET.get("uid", "") if ch.isalnum())[:16] or forms.new_uid()
    object_type = engine.object_type_of(_trigger(request))
    action = actions.get(request.GET.get(f"act_{uid}_action", ""))
    row = {"uid": uid, "params": forms.param_widgets(action, {}, object_type, request.user)}
    return render(request, "automation/partials/action_params.html", {"row": row})


@page_view
@require_GET
def row_fields(request):
    require_rule_manager(request.user)
    return render(request, "automation/partials/field_options.html",
                  {"field_options": fields.catalog(engine.object_type_of(_trigger(request)))})  # fmt: skip


@page_view
@require_GET
def row_none(request):
    require_rule_manager(request.user)
    return HttpResponse("")
