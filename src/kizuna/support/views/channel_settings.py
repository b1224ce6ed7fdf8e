"""設定 → チャネル (admins): the list, one form per channel kind, the 内線 mapping and the IMAP/SMTP test."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.accounts.models import Team
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import is_admin

from ..models import AgentExtension, Channel, ChannelKind
from ..services import channel_settings as service

FIELDS = ["name", "slug", "team", "active", "allowed_origins", "imap_port", "smtp_port", "imap_security",
          "smtp_security", "charset", "new_signing_secret", *{k for kind in service.TEXT.values() for k in kind},
          *{k for keys in service.SECRETS.values() for k in keys}]  # fmt: skip


def _admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied()


@require_http_methods(["GET", "POST"])
@page_view
def channel_list(request):
    _admin(request)
    errors = {}
    if request.method == "POST":  # the 内線 → agent mapping
        data = {k.removeprefix("ext_"): v for k, v in request.POST.items() if k.startswith("ext_")}
        try:
            changed = service.save_extensions(actor=request.user, data=data)
            messages.success(request, _("内線番号を保存しました（%(n)d件）。") % {"n": changed})
            return redirect("support:channel_list")
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
    extensions = dict(AgentExtension.objects.values_list("user_id", "extension"))
    agents = list(get_user_model().objects.filter(is_active=True).order_by("username")[:500])
    for agent in agents:
        agent.extension = request.POST.get(f"ext_{agent.pk}", extensions.get(agent.pk, ""))
    return render(request, "support/channels/list.html",
                  {"nav": "settings", "tab": "support_channels", "channels": Channel.objects.order_by("kind", "name"),
                   "kinds": [(k.value, k.label) for k in service.KINDS], "agents": agents,
                   "errors": [m for ms in errors.values() for m in ms]},
                  status=422 if errors else 200)  # fmt: skip


def _form(request, channel, kind, data, errors, status=200):
    settings = (channel.settings or {}) if channel else {}
    values = {**settings, "name": getattr(channel, "name", ""), "slug": getattr(channel, "slug", ""),
              "team": getattr(channel, "team_id", "") or "", "active": getattr(channel, "active", True)}  # fmt: skip
    values["allowed_origins"] = "\n".join(settings.get("allowed_origins") or [])
    values.update({k: v for k, v in data.items() if k not in service.SECRETS[kind]})
    stored = service.current_secrets(channel)
    return render(request, "support/channels/form.html",
                  {"nav": "settings", "tab": "support_channels", "channel": channel, "kind": kind,
                   "kind_label": ChannelKind(kind).label, "values": values, "errors": errors,
                   "general_errors": errors.get("__all__", []),
                   "secrets": [(key, bool(stored.get(key))) for key in service.SECRETS[kind]],
                   "teams": Team.objects.order_by("name"), "security": service.SECURITY},
                  status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
@page_view
def channel_edit(request, pk: int | None = None, kind: str = ""):
    _admin(request)
    channel = get_object_or_404(Channel, pk=pk) if pk else None
    kind = channel.kind if channel else kind
    if kind not in service.KINDS:
        raise Http404
    if request.method != "POST":
        return _form(request, channel, kind, {}, {})
    data = {key: request.POST.get(key, "") for key in FIELDS}
    data["active"] = request.POST.get("active") == "1"
    try:
        saved = service.save_channel(actor=request.user, kind=kind, data=data, channel=channel)
    except ValidationFailed as exc:
        return _form(request, channel, kind, data, exc.field_errors or {"__all__": [exc.message]}, status=422)
    messages.success(request, _("チャネル「%(name)s」を保存しました。") % {"name": saved.name})
    return redirect("support:channel_edit", saved.pk)


@require_POST
@page_view
def channel_test(request, pk: int):
    _admin(request)
    channel = get_object_or_404(Channel, pk=pk, kind=ChannelKind.EMAIL)
    try:
        results = service.test_connection(actor=request.user, channel=channel)
    except ValidationFailed as exc:
        results = [("IMAP/SMTP", False, exc.summary)]
    for label, ok, message in results:
        (messages.success if ok else messages.error)(request, f"{label}: {message}")
    return redirect("support:channel_edit", channel.pk)
