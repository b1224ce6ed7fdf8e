"""The optional outside language model: any OpenAI-compatible chat-completions endpoint. Off by default; an admin
turns it on in 設定 → アシスタント with the endpoint URL, the model name and a key (or KIZUNA_LLM_API_KEY /
KIZUNA_LLM_URL in the environment). Every call, sent or failed, leaves an AssistCall row and an audit row; with
`mask_personal_data` on (the default) the ticket's names, e-mail addresses and phone numbers are replaced before
anything is sent. The local result (extractive summary, assembled draft) is always what the agent gets when the
model is off or fails."""

import hashlib
import json
import os
import time
import urllib.error
import urllib.request

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin

from ..models import AssistCall, AssistConfig, Ticket
from .assist import masker_for

TIMEOUT = 20
MAX_SEND_CHARS = 12_000
MAX_ANSWER_BYTES = 256 * 1024
PROMPTS = {
    "summary": "あなたはコールセンターの記録係です。次の問い合わせのやり取りを、"
               "事実だけで3〜5行の箇条書きに要約してください。伏せ字（［氏名等］など）はそのまま残してください。",
    "draft": "あなたはコールセンターの担当者です。次の問い合わせと下書きをもとに、丁寧で簡潔な日本語の返信文を"
             "書いてください。下書きにない約束はしないでください。伏せ字（［氏名等］など）はそのまま残してください。",
}  # fmt: skip


class LlmError(Exception):
    pass


def config() -> AssistConfig:
    return AssistConfig.objects.order_by("pk").first() or AssistConfig()


def api_key(cfg: AssistConfig) -> str:
    return cfg.llm_api_key or os.environ.get("KIZUNA_LLM_API_KEY", "")


def endpoint(cfg: AssistConfig) -> str:
    url = (cfg.llm_url or os.environ.get("KIZUNA_LLM_URL", "")).rstrip("/")
    if url and not url.endswith("/chat/completions"):
        url += "/chat/completions"
    return url


def enabled(cfg: AssistConfig | None = None) -> bool:
    cfg = cfg or config()
    return bool(cfg.llm_enabled and endpoint(cfg))


def save_config(*, actor, data: dict) -> AssistConfig:
    if not is_admin(actor):
        raise PermissionDenied()
    cfg = config()
    url = str(data.get("llm_url") or "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise ValidationFailed(field_errors={"llm_url": [_("URLは http:// か https:// で始めてください。")]})
    if len(url) > 300:
        raise ValidationFailed(field_errors={"llm_url": [_("URLは300文字以内にしてください。")]})
    enabled_wanted = bool(data.get("llm_enabled"))
    if enabled_wanted and not (url or os.environ.get("KIZUNA_LLM_URL")):
        raise ValidationFailed(
            field_errors={"llm_url": [_("外部の言語モデルを使うには、エンドポイントURLが必要です。")]}
        )
    before = {"llm_enabled": cfg.llm_enabled, "llm_url": cfg.llm_url, "llm_model": cfg.llm_model,
              "mask_personal_data": cfg.mask_personal_data, "llm_api_key": bool(cfg.llm_api_key)}  # fmt: skip
    cfg.llm_enabled, cfg.llm_url = enabled_wanted, url
    cfg.llm_model = str(data.get("llm_model") or "").strip()[:100]
    cfg.mask_personal_data = bool(data.get("mask_personal_data"))
    key = str(data.get("llm_api_key") or "").strip()
    if key:
        cfg.llm_api_key = key[:300]
    elif data.get("clear_api_key"):
        cfg.llm_api_key = ""
    cfg.updated_at, cfg.updated_by = timezone.now(), actor
    after = {"llm_enabled": cfg.llm_enabled, "llm_url": cfg.llm_url, "llm_model": cfg.llm_model,
             "mask_personal_data": cfg.mask_personal_data, "llm_api_key": bool(cfg.llm_api_key)}  # fmt: skip
    with transaction.atomic():
        cfg.save()
        audit.record(actor=actor, action="assist.settings", obj=cfg, changes=audit.diff(before, after),
                     label=_("アシスタント設定"))  # fmt: skip
    return cfg


def _post(url: str, key: str, payload: dict) -> str:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if not url.startswith(("http://", "https://")):  # an admin-set URL; never file: or other schemes
        raise LlmError(_("エンドポイントURLは http:// か https:// で始めてください。"))
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (scheme checked above)
            raw = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise LlmError(_("言語モデルがエラーを返しました（HTTP %(status)s）。") % {"status": exc.code}) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LlmError(_("言語モデルに接続できませんでした。")) from exc
    if len(raw) > MAX_ANSWER_BYTES:
        raise LlmError(_("言語モデルの応答が大きすぎます。"))
    try:
        answer = json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmError(_("言語モデルの応答を読めませんでした（OpenAI互換の形式ではありません）。")) from exc
    if not isinstance(answer, str) or not answer.strip():
        raise LlmError(_("言語モデルの応答が空でした。"))
    return answer.strip()


def improve(*, actor, ticket: Ticket, purpose: str, text: str) -> str:
    """The model's version of `text` (a thread to summarize, or a draft with its thread). Raises LlmError when the
    model is off or fails; the call is logged either way."""
    cfg = config()
    if not enabled(cfg):
        raise LlmError(_("外部の言語モデルは使わない設定です。"))
    if purpose not in PROMPTS:
        raise ValidationFailed(_("不明な用途です。"))
    masked_count = 0
    if cfg.mask_personal_data:
        text, masked_count = masker_for(ticket)(text)
    text = text[:MAX_SEND_CHARS]
    payload = {"messages": [{"role": "system", "content": PROMPTS[purpose]}, {"role": "user", "content": text}],
               "temperature": 0.2}  # fmt: skip
    if cfg.llm_model:
        payload["model"] = cfg.llm_model
    url = endpoint(cfg)
    call = AssistCall(actor=actor, ticket=ticket, purpose=purpose, url=url[:300], model=cfg.llm_model,
                      masked=cfg.mask_personal_data, masked_count=masked_count, sent_chars=len(text),
                      sent_sha256=hashlib.sha256(text.encode()).hexdigest())  # fmt: skip
    started = time.monotonic()
    try:
        answer = _post(url, api_key(cfg), payload)
        call.ok, call.received_chars = True, len(answer)
        return answer
    except LlmError as exc:
        call.error = str(exc)[:300]
        raise
    finally:
        call.duration_ms = int((time.monotonic() - started) * 1000)
        with transaction.atomic():
            call.save()
            changes = {"ticket": [None, ticket.pk], "purpose": [None, purpose], "masked": [None, call.masked],
                       "sent_chars": [None, call.sent_chars], "ok": [None, call.ok]}  # fmt: skip
            audit.record(actor=actor, action="assist.llm_call", obj=call, label=str(ticket), changes=changes)
