"""Standard Webhooks signatures (standardwebhooks package): `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with a `whsec_<base64>` secret.
During a rotation the old secret signs too, for a day, so receivers can switch over without losing messages."""

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(*, message_id: str, body: bytes, at: datetime, secrets_: list[str]) -> dict[str, str]:
    signatures = [Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body) for secret in secrets_ if secret]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
