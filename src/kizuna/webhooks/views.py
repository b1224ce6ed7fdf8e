"""設定 → Webhook: subscriptions, their delivery log, redelivery and secret rotation (administrators only)."""

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.core.exceptions import StaleVersion, ValidationFailed
from kizuna.core.pages import page_view

from . import services
from .forms import SubscriptionForm
from .models import Subscription


def _context(**extra) -> dict:
    return {"nav": "settings", **extra}


@page_view
def subscription_list(request):
    services.require_admin(request.user)
    subs = Subscription.objects.select_related("owner")
    return render(request, "webhooks/list.html", _context(subscriptions=subs))


@page_view
@require_http_methods(["GET", "POST"])
def subscription_new(request):
    services.require_admin(request.user)
    form = SubscriptionForm(request.POST or None, user=request.user, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            sub, secret = services.create_subscription(actor=request.user, data=form.service_data())
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        else:
            messages.success(request, _("Webhook を作成しました。"))
            return _detail(request, sub, secret=secret)
    return render(request, "webhooks/form.html", _context(form=form), status=422 if form.errors else 200)


def _initial(sub: Subscription) -> dict:
    return {"name": sub.name, "url": sub.url, "event_types": sub.event_types, "owner": sub.owner_id,
            "is_active": sub.is_active, "version": sub.version}  # fmt: skip


def _detail(request, sub, *, form=None, secret=None, status=200):
    deliveries = list(sub.deliveries.all()[:50])
    return render(request, "webhooks/detail.html", _context(
        subscription=sub, form=form or SubscriptionForm(initial=_initial(sub), user=request.user),
        deliveries=deliveries, secret=secret,
    ), status=status)  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def subscription_detail(request, pk: int):
    sub = services.get_subscription(request.user, pk)
    if request.method == "GET":
        return _detail(request, sub)
    form = SubscriptionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.update_subscription(actor=request.user, subscription=sub, data=form.service_data(),
                                         version=form.cleaned_data.get("version"))  # fmt: skip
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        except StaleVersion:
            form.add_error(
                None, _("この Webhook は他のユーザーによって更新されています。最新の内容を確認してください。")
            )
        else:
            messages.success(request, _("保存しました。"))
            return redirect(sub.get_absolute_url())
    return _detail(request, sub, form=form, status=422)


@page_view
@require_POST
def rotate_secret(request, pk: int):
    sub = services.get_subscription(request.user, pk)
    secret = services.rotate_secret(actor=request.user, subscription=sub)
    messages.success(request, _("署名鍵を再発行しました。以前の鍵でも24時間は署名します。"))
    return _detail(request, sub, secret=secret)


@page_view
@require_POST
def subscription_delete(request, pk: int):
    sub = services.get_subscription(request.user, pk)
    services.delete_subscription(actor=request.user, subscription=sub)
    messages.success(request, _("Webhook を削除しました。"))
    return redirect("webhooks:list")


@page_view
def delivery_detail(request, pk: int, delivery_pk: int):
    sub = services.get_subscription(request.user, pk)
    delivery = services.get_delivery(request.user, sub, delivery_pk)
    try:
        body = json.dumps(json.loads(delivery.request_body), ensure_ascii=False, indent=2)
    except ValueError:
        body = delivery.request_body
    return render(request, "webhooks/delivery.html", _context(
        subscription=sub, delivery=delivery, body=body, attempts=delivery.attempt_log.all()))  # fmt: skip


@page_view
@require_POST
def redeliver(request, pk: int, delivery_pk: int):
    sub = services.get_subscription(request.user, pk)
    services.redeliver(actor=request.user, delivery=services.get_delivery(request.user, sub, delivery_pk))
    messages.success(request, _("再送を予約しました。まもなく送信されます。"))
    return redirect("webhooks:delivery", pk=sub.pk, delivery_pk=delivery_pk)
