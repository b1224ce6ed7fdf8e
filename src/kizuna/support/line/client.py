"""The LINE Messaging API as this channel calls it: profile, message content, reply and push.

Credentials live in the channel's `secret` as JSON: {"channel_secret": "...", "access_token": "..."} (the channel
secret signs webhooks, the long-lived channel access token authorises calls). `settings.api_base_url` (default
https://api.line.me) and `settings.data_base_url` (default https://api-data.line.me, where message content is
served) can point elsewhere: a proxy, or the local stand-in the tests run."""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

API_BASE = "https://api.line.me"
DATA_BASE = "https://api-data.line.me"
TIMEOUT = 10
MAX_CONTENT_BYTES = 20 * 1024 * 1024


class LineError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(f"LINE API {status}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Credentials:
    channel_secret: str
    access_token: str


def credentials(channel) -> Credentials:
    try:
        data = json.loads(channel.secret or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return Credentials(str(data.get("channel_secret", "")), str(data.get("access_token", "")))


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str, body: bytes, given: str) -> bool:
    return bool(secret and given) and hmac.compare_digest(signature(secret, body).encode(), given.strip().encode())


class LineClient:
    def __init__(self, channel):
        settings = channel.settings or {}
        self.api = (settings.get("api_base_url") or API_BASE).rstrip("/")
        self.data = (settings.get("data_base_url") or settings.get("api_base_url") or DATA_BASE).rstrip("/")
        self.token = credentials(channel).access_token

    def _call(self, method: str, url: str, payload: dict | None = None) -> tuple[bytes, str]:
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        if not url.startswith(("https://", "http://")):
            raise LineError(0, "the LINE API URL must be http(s)")
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (scheme checked above)
        request.add_header("Authorization", f"Bearer {self.token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (an admin's https URL)
                data = response.read(MAX_CONTENT_BYTES + 1)
                if len(data) > MAX_CONTENT_BYTES:
                    raise LineError(413, "content too large")
                return data, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise LineError(exc.code, exc.read(2000).decode("utf-8", "replace")) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LineError(0, str(exc)) from exc

    def profile(self, user_id: str) -> dict:
        data, _ = self._call("GET", f"{self.api}/v2/bot/profile/{urllib.request.quote(user_id, safe='')}")
        return json.loads(data or b"{}")

    def content(self, message_id: str) -> tuple[bytes, str]:
        return self._call("GET", f"{self.data}/v2/bot/message/{urllib.request.quote(message_id, safe='')}/content")

    def reply(self, reply_token: str, messages: list[dict]) -> None:
        self._call("POST", f"{self.api}/v2/bot/message/reply", {"replyToken": reply_token, "messages": messages})

    def push(self, to: str, messages: list[dict]) -> None:
        self._call("POST", f"{self.api}/v2/bot/message/push", {"to": to, "messages": messages})


def text_messages(text: str) -> list[dict]:
    """A reply as LINE text messages: at most 5 per call, 5,000 characters each."""
    chunks = [text[i : i + 5000] for i in range(0, len(text), 5000)] or [""]
    return [{"type": "text", "text": chunk} for chunk in chunks[:5]]
