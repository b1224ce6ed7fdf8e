"""設定 → チャネル: mailboxes (IMAP/SMTP), LINE channels, chat widget sites and CTI lines, edited by admins.

Secrets (mail passwords, the LINE channel secret and access token, the CTI signing secret) are write-only: a form
never shows them, a blank field keeps the stored one, and the audit row says only that one changed. They are kept in
`Channel.secret` in the shape each channel reads (mail/config.py, line/client.py, cti/services.py), encrypted at rest
by `core.crypto.EncryptedTextField` (docs/ops/encryption.md).
"""

import imaplib
import json
import re
import smtplib
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kizuna.accounts.models import Team
from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin

from ..models import AgentExtension, Channel, ChannelKind

KINDS = (ChannelKind.EMAIL, ChannelKind.LINE, ChannelKind.CHAT, ChannelKind.PHONE)
SECURITY = ("tls", "starttls", "plain")
TEXT = {  # settings key -> max length, per kind
    "email": {"address": 254, "display_name": 100, "imap_host": 253, "imap_user": 254, "folder": 200,
              "smtp_host": 253, "smtp_user": 254, "signature": 2000},
    "line": {"api_base_url": 200},
    "chat": {"title": 100, "greeting": 500},
    "phone": {},
}  # fmt: skip
PORTS = ("imap_port", "smtp_port")
SECRETS = {"email": ("imap_password", "smtp_password"), "line": ("channel_secret", "access_token"), "chat": (),
           "phone": ("signing_secret",)}  # fmt: skip
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[?[0-9a-fA-F:]+\]?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied()


def current_secrets(channel: Channel | None) -> dict[str, str]:
    """The stored secrets of a channel by form field (for keeping what a blank field leaves alone)."""
    if channel is None or not channel.secret:
        return {}
    if channel.kind == "email":
        from ..mail.config import _secrets

        imap, smtp = _secrets(channel.secret)
        return {"imap_password": imap, "smtp_password": smtp}
    if channel.kind == "line":
        from ..line.client import credentials

        found = credentials(channel)
        return {"channel_secret": found.channel_secret, "access_token": found.access_token}
    if channel.kind == "phone":
        return {"signing_secret": channel.secret}
    return {}


def _secret_value(kind: str, values: dict[str, str]) -> str:
    if kind == "email":
        imap, smtp = values.get("imap_password", ""), values.get("smtp_password", "")
        return imap if not smtp or smtp == imap else json.dumps({"imap": imap, "smtp": smtp})
    if kind == "line":
        return json.dumps({"channel_secret": values.get("channel_secret", ""),
                           "access_token": values.get("access_token", "")})  # fmt: skip
    return values.get("signing_secret", "")


def _origins(text: str, errors: dict) -> list[str]:
    out = []
    for line in str(text or "").replace(",", "\n").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.path or parts.query:
            errors.setdefault("allowed_origins", []).append(
                _("「%(value)s」はオリジンではありません（例: https://www.example.co.jp）。") % {"value": line[:100]}
            )
            continue
        out.append(line)
    return out


def _settings(kind: str, data: dict, before: dict, errors: dict) -> dict:
    out = dict(before)
    for key, limit in TEXT[kind].items():
        value = str(data.get(key) or "").strip()
        if len(value) > limit:
            errors[key] = [_("%(limit)d文字までです。") % {"limit": limit}]
        elif key.endswith("_host") and value and not _HOST.match(value):
            errors[key] = [_("ホスト名に使えない文字があります。")]
        out[key] = value
    if kind == "email":
        for key in PORTS:
            value = str(data.get(key) or "").strip()
            if value and not (value.isdigit() and 1 <= int(value) <= 65535):
                errors[key] = [_("ポート番号は1〜65535です。")]
            out[key] = int(value) if value.isdigit() else None
        for key in ("imap_security", "smtp_security"):
            out[key] = str(data.get(key) or "").strip().lower() or ("tls" if key == "imap_security" else "starttls")
        out["charset"] = str(data.get("charset") or "utf-8").strip().lower()
        if out["address"] and "@" not in out["address"]:
            errors["address"] = [_("メールアドレスの形式ではありません。")]
    if kind == "chat":
        out["allowed_origins"] = _origins(data.get("allowed_origins", ""), errors)
    if kind == "line" and out.get("api_base_url") and not out["api_base_url"].startswith(("https://", "http://")):
        errors["api_base_url"] = [_("http(s) のURLを入力してください。")]
    return {k: v for k, v in out.items() if v not in (None, "")}


def save_channel(*, actor, kind: str, data: dict, channel: Channel | None = None) -> Channel:
    """Create or change a channel; validation errors name each field in Japanese and nothing is saved."""
    _require_admin(actor)
    if kind not in KINDS or (channel is not None and channel.kind != kind):
        raise ValidationFailed(_("チャネルの種類が正しくありません。"))
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("名前（100文字まで）を入力してください。")]
    slug = str(data.get("slug") or "").strip().lower() or slugify(name)
    if not _SLUG.match(slug):
        errors["slug"] = [_("識別子は半角英小文字・数字・ハイフン（60文字まで）です。")]
    elif Channel.objects.filter(slug=slug).exclude(pk=getattr(channel, "pk", None)).exists():
        errors["slug"] = [_("この識別子は別のチャネルが使っています。")]
    team_id = str(data.get("team") or "")
    team = Team.objects.filter(pk=int(team_id)).first() if team_id.isdigit() else None
    if team_id and team is None:
        errors["team"] = [_("チームが見つかりません。")]
    values = _settings(kind, data, dict(channel.settings or {}) if channel else {}, errors)
    secrets = current_secrets(channel)
    changed_secrets = []
    for key in SECRETS[kind]:
        given = str(data.get(key) or "")
        if key == "signing_secret" and data.get("new_signing_secret"):
            from kizuna.webhooks.signing import new_secret

            given = new_secret()
        if given:
            if len(given) > 400:
                errors[key] = [_("長すぎます（400文字まで）。")]
            elif given != secrets.get(key):
                changed_secrets.append(key)
                secrets[key] = given
    if kind == "phone" and secrets.get("signing_secret", "") and not secrets["signing_secret"].startswith("whsec_"):
        errors["signing_secret"] = [_("署名シークレットは whsec_ で始まる値です（「新しく発行」を使えます）。")]
    candidate = Channel(pk=getattr(channel, "pk", None), kind=kind, name=name, slug=slug, team=team,
                        active=bool(data.get("active", True)), settings=values,
                        secret=_secret_value(kind, secrets))  # fmt: skip
    if kind == "email" and not errors:
        from ..mail.config import mailbox

        try:
            mailbox(candidate)  # the same checks the fetch and the send make (plain only on loopback, charsets)
        except ValidationFailed as exc:
            errors.update(exc.field_errors or {"__all__": [exc.message]})
    if errors:
        raise ValidationFailed(_("チャネルの設定を確認してください。"), field_errors=errors)
    before = {"name": channel.name, "slug": channel.slug, "team": channel.team, "active": channel.active,
              "settings": channel.settings} if channel else {}  # fmt: skip
    with transaction.atomic():
        if channel is None:
            channel = candidate
            channel.pk = None
            channel.created_by = channel.updated_by = actor
        else:
            for field in ("name", "slug", "team", "active", "settings", "secret"):
                setattr(channel, field, getattr(candidate, field))
            channel.updated_by = actor
        channel.save()
        after = {"name": channel.name, "slug": channel.slug, "team": channel.team, "active": channel.active,
                 "settings": channel.settings}  # fmt: skip
        changes = audit.diff(before, after)
        for key in changed_secrets:
            changes[key] = [None, _("（変更）")]  # never the value
        audit.record(actor=actor, action="create" if not before else "update", obj=channel, changes=changes)
    return channel


def save_extensions(*, actor, data: dict) -> int:
    """The 内線 → agent mapping of the CTI lines: `data` is {user id: extension}; a blank extension removes it."""
    _require_admin(actor)
    from ..cti.services import set_extension

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[int(k) for k in data if str(k).isdigit()])}
    current = dict(AgentExtension.objects.values_list("user_id", "extension"))
    changed, errors = 0, {}
    with transaction.atomic():
        for key, extension in data.items():
            user = users.get(int(key)) if str(key).isdigit() else None
            extension = str(extension or "").strip()
            if user is None or current.get(user.pk, "") == extension:
                continue
            try:
                set_extension(actor=actor, user=user, extension=extension)
                changed += 1
            except ValidationFailed as exc:
                errors[f"ext_{user.pk}"] = [f"{user}: {m}" for ms in exc.field_errors.values() for m in ms]
        if errors:
            transaction.set_rollback(True)
            raise ValidationFailed(_("内線番号を確認してください。"), field_errors=errors)
    return changed


def test_connection(*, actor, channel: Channel) -> list[tuple[str, bool, str]]:
    """Log in to the mailbox's IMAP and SMTP servers (nothing is read or sent): [(label, ok, message)]."""
    _require_admin(actor)
    from ..mail import imap, smtp
    from ..mail.config import mailbox

    box = mailbox(channel)
    results = []
    if box.imap_host:
        try:
            conn = imap.connect(box, timeout=10)
            typ, _data = conn.select(imap._quote(box.folder), readonly=True)
            imap._logout(conn)
            ok = typ == "OK"
            message = _("ログインしてフォルダ「%(folder)s」を開けました。")
            if not ok:
                message = _("フォルダ「%(folder)s」を開けません。")
            results.append(("IMAP", ok, message % {"folder": box.folder}))
        except (ValidationFailed, OSError, imaplib.IMAP4.error) as exc:
            results.append(("IMAP", False, getattr(exc, "summary", "") or str(exc)))
    if box.smtp_host:
        try:
            with smtp.connect(box, timeout=10) as client:
                client.noop()
            results.append(("SMTP", True, _("接続できました（メールは送っていません）。")))
        except (OSError, smtplib.SMTPException) as exc:
            results.append(("SMTP", False, _("SMTP サーバー %(host)s:%(port)s に接続できません（%(error)s）。")
                            % {"host": box.smtp_host, "port": box.smtp_port, "error": exc}))  # fmt: skip
    if not results:
        results.append(("IMAP/SMTP", False, _("IMAP・SMTP のサーバーが設定されていません。")))
    audit.record(actor=actor, action="support.channel.test", obj=channel,
                 changes={label: [None, "ok" if ok else "failed"] for label, ok, _m in results})  # fmt: skip
    return results
