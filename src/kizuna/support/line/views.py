"""POST /hooks/line/<channel>: the LINE platform's webhook for one LINE official account."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import hooks
from . import services
from .client import credentials, signature_ok


@csrf_exempt
@require_POST
def webhook(request, channel: str):
    found = hooks.channel_for(channel, "line")
    if found is None:
        return hooks.error(404, _("このLINEチャネルはありません。"))
    if hooks.too_large(request):
        return hooks.oversize_error()
    body = request.body
    if len(body) > hooks.MAX_BODY_BYTES:
        return hooks.oversize_error()
    if not signature_ok(credentials(found).channel_secret, body, request.headers.get("X-Line-Signature", "")):
        hooks.refuse(found, "support.line.signature_refused", "bad or missing X-Line-Signature", request)
        return hooks.error(401, _("署名（X-Line-Signature）が正しくありません。"))
    try:
        events = services.parse(body)
    except services.BadPayload as exc:
        return hooks.error(400, str(exc))
    return JsonResponse(services.handle_events(found, events))
