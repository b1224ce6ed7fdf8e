"""設定 → 見積書: our company as quotes show it (name, address, 登録番号, seal). Administrators only; audited. New
quotes copy these values, so changing them never rewrites a quote already made."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, files
from kizuna.core.exceptions import PermissionDenied, StaleVersion
from kizuna.core.japanese import normalize_postcode
from kizuna.core.permissions import is_admin
from kizuna.core.services import Errors, text

from .. import tax
from ..models import QuoteIssuer
from .quotes import get_issuer

FIELDS = ["name", "postcode", "address", "phone", "registration_number", "validity_days", "number_prefix",
          "default_notes", "seal_path"]  # fmt: skip
SEAL_MAX_BYTES = 1024 * 1024
_SEAL_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def _clean(data: dict) -> dict:
    errors = Errors()
    out = {
        "name": text(data, "name", 200, errors, required=True, label=_("会社名")),
        "address": text(data, "address", 300, errors),
        "phone": text(data, "phone", 40, errors),
        "default_notes": text(data, "default_notes", 2000, errors),
        "number_prefix": text(data, "number_prefix", 10, errors) or "Q",
    }
    if not out["number_prefix"].replace("-", "").isalnum() or not out["number_prefix"].isascii():
        errors.add("number_prefix", _("見積番号の接頭辞は半角英数字で入力してください（例: Q）。"))
    raw_postcode = text(data, "postcode", 10, errors)
    postcode = normalize_postcode(raw_postcode) if raw_postcode else None
    if raw_postcode and postcode is None:
        errors.add("postcode", _("郵便番号は7桁の数字で入力してください（例: 100-0001）。"))
    out["postcode"] = postcode.display if postcode else ""
    try:
        out["registration_number"] = tax.normalize_registration_number(str(data.get("registration_number") or ""))
    except ValueError as exc:
        errors.add("registration_number", str(exc))
    days = str(data.get("validity_days") or "30").strip()
    if not days.isdigit() or not 1 <= int(days) <= 365:
        errors.add("validity_days", _("有効期限の日数は1〜365で入力してください。"))
    out["validity_days"] = int(days) if days.isdigit() else 30
    errors.raise_if_any()
    return out


def _store_seal(upload) -> str:
    if upload.size > SEAL_MAX_BYTES:
        raise_seal(_("印影の画像は1 MBまでです。"))
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig, _kind in _SEAL_TYPES):
        raise_seal(_("印影は PNG か JPEG の画像を選んでください。"))
    return files.save("sales/seal", upload, dated=False)


def raise_seal(message: str):
    errors = Errors()
    errors.add("seal", message)
    errors.raise_if_any()


def update_issuer(*, actor, data: dict, seal=None, remove_seal: bool = False, expected_version=None) -> dict:
    if not is_admin(actor):
        raise PermissionDenied()
    values = _clean(data)
    if seal is not None:
        values["seal_path"] = _store_seal(seal)
    elif remove_seal:
        values["seal_path"] = ""
    with transaction.atomic():
        issuer = QuoteIssuer.objects.select_for_update().order_by("pk").first() or QuoteIssuer(pk=1)
        if str(expected_version or "").isdigit() and int(expected_version) != issuer.version:
            raise StaleVersion(current=issuer)
        saved = issuer.updated_at is not None
        before = {f: getattr(issuer, f) for f in FIELDS}
        for key, value in values.items():
            setattr(issuer, key, value)
        changes = audit.diff(before, {f: getattr(issuer, f) for f in FIELDS})
        if not changes:
            return {}
        issuer.version += 1 if saved else 0
        issuer.updated_at = timezone.now()
        issuer.save()
        audit.record(actor=actor, action="quote_issuer.update", obj=issuer, changes=changes)
    return changes


def open_seal():
    issuer = get_issuer()
    if not issuer.seal_path:
        return None
    try:
        return files.open_file(issuer.seal_path)
    except OSError:
        return None


def seal_type() -> str:
    issuer = get_issuer()
    try:
        with files.open_file(issuer.seal_path) as handle:
            head = handle.read(8)
    except OSError:
        return "application/octet-stream"
    return "image/png" if head.startswith(b"\x89PNG") else "image/jpeg"
