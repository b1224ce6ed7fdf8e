"""Changes made on the deal page and the board: move to a stage, add a person, add a line item.

Each is a POST that calls one service with the version the page was rendered with; an htmx request gets the
changed part back, a plain form post is redirected to the deal page (the buttons work without JavaScript)."""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.core.exceptions import StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.records import get_for_user

from ..models import Deal
from ..services import deals as services
from .deals import deal_context

_ID = re.compile(r"#?(\d+)\s*$")


def _version(request):
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _stale(request, deal):
    messages.warning(request, _("この商談は他のユーザーによって更新されています。最新の内容を確認してください。"))
    return redirect(deal)


@page_view
@require_POST
def deal_move(request, pk: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    reason = request.POST.get("lost_reason", "")
    try:
        services.move_deal(actor=request.user, deal=deal, stage=request.POST.get("stage", ""), lost_reason=reason,
                           version=_version(request))  # fmt: skip
    except StaleVersion:
        return _stale(request, deal)
    except ValidationFailed as exc:
        if request.htmx:
            context = deal_context(request, deal) | {"move_error": exc.summary, "lost_reason": reason}
            return render(request, "sales/partials/deal_stage_form.html", context, status=422)
        messages.error(request, exc.summary)
        return redirect(deal)
    messages.success(request, _("ステージを「%(stage)s」に変更しました。") % {"stage": deal.stage.name})
    return redirect(deal)


@page_view
@require_POST
def deal_people(request, pk: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    match = _ID.search(request.POST.get("person", ""))
    current = [{"person": c.person_id, "role": c.role} for c in deal.contacts.all()]
    if match is None:
        messages.error(request, _("人を ID（または「名前 #ID」）で指定してください。"))
        return redirect(deal)
    person_id = int(match[1])
    wanted = [c for c in current if c["person"] != person_id]
    wanted.append({"person": person_id, "role": request.POST.get("role")})
    try:
        services.set_deal_contacts(actor=request.user, deal=deal, contacts=wanted, version=_version(request))
    except StaleVersion:
        return _stale(request, deal)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    return redirect(deal)


@page_view
@require_POST
def deal_person_remove(request, pk: int, person_pk: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    wanted = [{"person": c.person_id, "role": c.role} for c in deal.contacts.all() if c.person_id != person_pk]
    try:
        services.set_deal_contacts(actor=request.user, deal=deal, contacts=wanted, version=_version(request))
    except StaleVersion:
        return _stale(request, deal)
    return redirect(deal)


@page_view
@require_POST
def deal_line_add(request, pk: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    lines = [{"product": line.product_id, "name": line.name, "quantity": line.quantity, "unit": line.unit,
              "unit_price": line.unit_price, "discount": line.discount, "tax_rate": line.tax_rate}
             for line in deal.lines.all()]  # fmt: skip
    post = request.POST
    lines.append({key: post.get(key, "") for key in ("name", "quantity", "unit", "unit_price", "tax_rate")})
    try:
        services.set_deal_lines(actor=request.user, deal=deal, lines=lines, version=_version(request))
    except StaleVersion:
        return _stale(request, deal)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    return redirect(deal)


@page_view
@require_POST
def deal_line_remove(request, pk: int, position: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    lines = [{"product": line.product_id, "name": line.name, "quantity": line.quantity, "unit": line.unit,
              "unit_price": line.unit_price, "discount": line.discount, "tax_rate": line.tax_rate}
             for n, line in enumerate(deal.lines.all()) if n != position]  # fmt: skip
    try:
        services.set_deal_lines(actor=request.user, deal=deal, lines=lines, version=_version(request))
    except StaleVersion:
        return _stale(request, deal)
    return redirect(deal)
