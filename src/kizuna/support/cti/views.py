"""The CTI hook (`POST /hooks/cti/<channel>`) and the agent's screen pop (polled by the header widget)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from standardwebhooks.webhooks import WebhookVerificationError

from kizuna.core.exceptions import DomainError

from .. import hooks
from ..models import AgentExtension, Call
from . import pop, services

POLL_SECONDS = 2


@csrf_exempt
@require_POST
def hook(request, channel: str):
    found = hooks.channel_for(channel, "phone")
    if found is None:
        return hooks.error(404, _("このCTIチャネルはありません。"))
    if hooks.too_large(request) or len(request.body) > hooks.MAX_BODY_BYTES:
        return hooks.oversize_error()
    body = request.body
    try:
        services.verify(found, body, request.headers)
    except WebhookVerificationError as exc:
        hooks.refuse(found, "support.cti.signature_refused", str(exc)[:200], request)
        return hooks.error(401, _("署名または時刻（webhook-signature / webhook-timestamp）が正しくありません。"))
    try:
        event = services.parse(body)
    except services.BadEvent as exc:
        return hooks.error(400, str(exc))
    call = services.handle(found, request.headers["webhook-id"], event)
    if call is None:
        return JsonResponse({"replayed": True})
    return JsonResponse({"call": call.call_id, "state": call.state, "agent": bool(call.agent_id)})


def render_widget(request) -> str:
    """The header widget: only for agents with an extension; it polls the pop every 2 s."""
    if not AgentExtension.objects.filter(user=request.user).exists():
        return ""
    return render_to_string("support/cti/widget.html", {"poll": POLL_SECONDS}, request=request)


@login_required
@require_GET
def pop_view(request):
    """The pop's content; 204 (htmx leaves the page alone) while nothing changed since `seen`."""
    call = services.current_call(request.user)
    seen = request.GET.get("seen", "")
    if call is None:
        if seen == "none":
            return HttpResponse(status=204)
        return render(request, "support/cti/widget.html", {"poll": POLL_SECONDS, "seen": "none"})
    built = pop.build(request.user, call)
    if seen == built.key:
        return HttpResponse(status=204)
    context = {"pop": built, "reasons": services.reason_choices(), "poll": POLL_SECONDS}
    return render(request, "support/cti/pop.html", context)


def _back(request):
    """Back to the page the agent was on (the pop lives in the header of every page)."""
    target = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("home")


def _own_call(request, pk: int) -> Call:
    return get_object_or_404(Call, pk=pk, agent=request.user)


@login_required
@require_POST
def dismiss(request, pk: int):
    try:
        services.dismiss(actor=request.user, call=_own_call(request, pk))
    except DomainError as exc:
        messages.error(request, exc.summary)
    return _back(request)


@login_required
@require_POST
def wrap_up(request, pk: int):
    call = _own_call(request, pk)
    try:
        services.wrap_up(
            actor=request.user, call=call, reason_id=request.POST.get("reason"), note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.summary)
    else:
        messages.success(request, _("通話を記録しました。"))
    return _back(request)


@login_required
@require_POST
def new_person(request, pk: int):
    call = _own_call(request, pk)
    try:
        person = services.link_new_person(
            actor=request.user,
            call=call,
            family_name=request.POST.get("family_name", ""),
            given_name=request.POST.get("given_name", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.summary)
        return _back(request)
    messages.success(request, _("お客様を登録しました。"))
    return redirect(person.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def extension(request):
    """The agent's own 内線: calls ringing on it pop up on their screen."""
    current = AgentExtension.objects.filter(user=request.user).values_list("extension", flat=True).first() or ""
    errors = []
    if request.method == "POST":
        try:
            services.set_extension(actor=request.user, user=request.user, extension=request.POST.get("extension", ""))
        except DomainError as exc:
            errors = [exc.summary]
            current = request.POST.get("extension", "")
        else:
            messages.success(request, _("内線番号を保存しました。"))
            return redirect("support_cti:extension")
    return render(
        request, "support/cti/extension.html", {"extension": current, "errors": errors}, status=422 if errors else 200
    )
