"""The widget's JSON API, `/chat/api/<site>/…`, answered only for the site's allowed origins (CORS).

POST conversation          → 201 {"token": ...}  (the browser keeps it in localStorage)
GET  config                → the widget's labels, title and greeting
GET  messages?after=<id>   → {"messages": [...], "visitor": {...}}         X-Chat-Token
GET  stream?after=<id>     → text/event-stream of `message` frames (id = message id), support/live.py   X-Chat-Token
POST messages {"text", "client_id"} → 201 {"message": ...}                 X-Chat-Token
POST profile {"name", "email"}      → 200 {"visitor": ...}                 X-Chat-Token
"""

import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kizuna.core.exceptions import DomainError

from .. import hooks, live
from ..models import Channel, ChatVisitor, Message
from ..services.faq_widget import brand_for_chat
from . import services

MAX_BODY = 16 * 1024
TOKEN_HEADER = "X-Chat-Token"


def _cors(response, origin: str):
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["Cache-Control"] = "no-store"
    return response


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _message(message: Message) -> dict:
    return {
        "id": message.pk,
        "from": "visitor" if message.direction == Message.Direction.INBOUND else "agent",
        "text": message.body_text,
        "at": message.sent_at.isoformat(),
        "agent": (message.author.display_name or message.author.username) if message.author_id else "",
    }


def _stream(request, visitor: ChatVisitor):
    """Agent replies (and the visitor's own messages from another tab) as they are stored; the widget reads it with
    fetch() so the token stays in a header, and polls `messages` where a browser cannot stream."""
    ChatVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())

    def poll(position: int):
        if not visitor.ticket_id:  # the conversation's ticket comes with the visitor's first message
            visitor.refresh_from_db(fields=["ticket"])
        rows = services.messages_for(visitor, after=position, touch=False)
        return (rows[-1].pk if rows else position), [live.frame("message", _message(m), m.pk) for m in rows]

    return live.stream(request, poll, live.cursor(request))


def _visitor(visitor: ChatVisitor) -> dict:
    return {"name": visitor.name, "email": visitor.email, "identified": bool(visitor.name or visitor.email)}


def _config(channel: Channel) -> dict:
    brand = brand_for_chat(channel)
    return {
        "faq": {"brand": brand.slug} if brand else None,  # the widget suggests this brand's public articles
        "title": services.setting(channel, "title") or _("チャットでお問い合わせ"),
        "greeting": services.setting(channel, "greeting") or _("ご用件をお書きください。担当者がお返事します。"),
        "labels": {
            "open": _("チャットで問い合わせ"),
            "close": _("閉じる"),
            "send": _("送信"),
            "placeholder": _("メッセージを入力"),
            "name": _("お名前（任意）"),
            "email": _("メールアドレス（任意）"),
            "save": _("保存"),
            "who": _("お名前とメールアドレスを教えていただくと、担当者からメールでもお返事できます。"),
            "you": _("あなた"),
            "agent": _("担当者"),
            "error": _("送信できませんでした。もう一度お試しください。"),
            "faq": _("よくある質問から、お探しの答えが見つかるかもしれません"),
            "faq_open": _("新しいタブで開きます"),
        },
    }


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise DomainError(_("リクエストが大きすぎます。"))
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(_("JSONとして読めません。")) from exc
    if not isinstance(data, dict):
        raise DomainError(_("JSONオブジェクトで送ってください。"))
    return data


@csrf_exempt
def api(request, site: str, action: str):
    channel = hooks.channel_for(site, "chat")
    if channel is None:
        return _json({"detail": _("このチャットのサイトはありません。")}, 404)
    origin = request.headers.get("Origin", "")
    if not services.origin_allowed(channel, origin):
        return _json({"detail": _("このサイトからは利用できません（許可されていないオリジン）。")}, 403)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
        response["Access-Control-Max-Age"] = "600"
        return _cors(response, origin)
    if hooks.too_large(request):
        return _cors(_json({"detail": _("リクエストが大きすぎます。")}, 413), origin)
    try:
        response = _dispatch(request, channel, action, origin)
    except DomainError as exc:
        body = {"detail": exc.summary, "errors": exc.field_errors}
        response = _json(body, exc.status)
        if exc.status == 429:
            response["Retry-After"] = "60"
    return _cors(response, origin)


ROUTES = {("conversation", "POST"), ("config", "GET"), ("messages", "GET"), ("messages", "POST"), ("profile", "POST"),
          ("stream", "GET")}  # fmt: skip


def _dispatch(request, channel: Channel, action: str, origin: str):
    if (action, request.method) not in ROUTES:
        known = any(a == action for a, _m in ROUTES)
        return _json({"detail": _("この操作はありません。")}, 405 if known else 404)
    if action == "config":
        return _json(_config(channel))
    if action == "conversation":
        visitor = services.visitor_for(channel, request.headers.get(TOKEN_HEADER, ""))
        if visitor is not None:
            return _json({"token": request.headers[TOKEN_HEADER], "visitor": _visitor(visitor)})
        visitor, token = services.open_conversation(channel, origin=origin, ip=request.META.get("REMOTE_ADDR", ""))
        return _json({"token": token, "visitor": _visitor(visitor)}, 201)
    visitor = services.visitor_for(channel, request.headers.get(TOKEN_HEADER, ""))
    if visitor is None:
        return _json({"detail": _("会話が見つかりません。新しい会話を始めてください。")}, 401)
    if action == "stream":
        return _stream(request, visitor)
    if action == "messages" and request.method == "GET":
        after = request.GET.get("after", "0")
        after = int(after) if after.isdigit() and len(after) < 19 else 0
        rows = services.messages_for(visitor, after=after)
        return _json({"messages": [_message(m) for m in rows], "visitor": _visitor(visitor)})
    data = _body(request)
    if action == "messages":
        message = services.post_message(
            visitor, text=str(data.get("text") or ""), client_id=str(data.get("client_id") or "")
        )
        return _json({"message": _message(message)}, 201)
    visitor = services.set_profile(visitor, name=str(data.get("name") or ""), email=str(data.get("email") or ""))
    return _json({"visitor": _visitor(visitor)})
