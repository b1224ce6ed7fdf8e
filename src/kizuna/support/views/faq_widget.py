"""POST /faq/<brand>/<id>/opened.json: the chat widget says a visitor opened one of its FAQ suggestions. Answered
only for the origins of the brand's chat site (CORS), like the brand's JSON search; nothing is counted otherwise."""

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ..chat import services as chat
from ..services import faq_widget
from .faq_public import _article, _brand, _cors, _preflight


def _error(message: str, status: int, origin: str = ""):
    response = JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return _cors(response, origin) if origin else response


@csrf_exempt
def faq_opened_json(request, brand: str, pk: int):
    brand = _brand(brand)
    origin = request.headers.get("Origin", "")
    if not (origin and brand.chat_channel_id and chat.origin_allowed(brand.chat_channel, origin)):
        return _error(_("このサイトからは利用できません（許可されていないオリジン）。"), 403)
    if request.method == "OPTIONS":
        return _preflight(origin, "POST, OPTIONS")
    if request.method != "POST":
        return _error(_("POST で呼び出してください。"), 405, origin)
    faq_widget.record_chat_open(article=_article(brand, pk))
    return _cors(HttpResponse(status=204), origin)
