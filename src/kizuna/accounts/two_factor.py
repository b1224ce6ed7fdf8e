"""TOTP two-factor login (RFC 6238, 30-second steps, ±1 step of clock drift) and single-use recovery codes.

Writes (enable, disable, regenerate, reset, a recovery code used) are services: each one transaction with its
audit row. A TOTP code is accepted once: the device remembers the last accepted step and only a later one passes.
"""

import hmac
import secrets
import time
import unicodedata

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin

from .models import RecoveryCode, TwoFactorDevice, User

STEP = 30
DRIFT = 1  # steps accepted before and after the current one
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters = 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=settings.KIZUNA_2FA_ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI (allowed by the CSP's img-src; no script, no inline style)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111", light="#fff")


def spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize_code(raw: str) -> str:
    """Full-width digits, spaces and hyphens are forgiven: "１２３ ４５６" → "123456"."""
    text = unicodedata.normalize("NFKC", raw or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def is_enabled(user) -> bool:
    return bool(user and user.pk) and TwoFactorDevice.objects.filter(user_id=user.pk).exists()


def _matching_step(secret: str, code: str, *, after: int, now: float | None = None) -> tuple[int | None, bool]:
    """(step, replayed): the step whose code matches and is later than `after`; replayed when it matched an
    already used step."""
    if len(code) != 6 or not code.isdigit():
        return None, False
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    replayed = False
    for step in range(current - DRIFT, current + DRIFT + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            if step > after:
                return step, False
            replayed = True
    return None, replayed


def _code_hash(user_id: int, code: str) -> str:
    return salted_hmac("kizuna.accounts.recovery-code", f"{user_id}:{code}", algorithm="sha256").hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_code_hash(user.pk, normalize_code(c))) for c in codes]
    )
    return codes


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


class CodeResult:
    OK_TOTP = "totp"
    OK_RECOVERY = "recovery"
    WRONG = "wrong"
    REPLAYED = "replayed"


def check_code(user: User, raw: str) -> str:
    """Check a 6-digit code or a recovery code for `user` and use it up. Returns a CodeResult value."""
    code = normalize_code(raw)
    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is None or not code:
        return CodeResult.WRONG
    step, replayed = _matching_step(device.secret, code, after=device.last_step)
    now = timezone.now()
    if step is not None:
        # Conditional update: two requests racing with the same code cannot both pass.
        if TwoFactorDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step, last_used_at=now):
            return CodeResult.OK_TOTP
        return CodeResult.REPLAYED
    if replayed:
        return CodeResult.REPLAYED
    if len(code) == 10:
        with transaction.atomic():
            used = RecoveryCode.objects.filter(
                user=user, code_hash=_code_hash(user.pk, code), used_at__isnull=True
            ).update(used_at=now)
            if used:
                audit.record(
                    actor=user, action="2fa.recovery_code_used", obj=user, label=user.get_username(),
                    changes={"remaining": remaining_recovery_codes(user)},
                )  # fmt: skip
                return CodeResult.OK_RECOVERY
    return CodeResult.WRONG


def enable(*, actor, user: User, secret: str, code: str) -> list[str]:
    """Switch 2FA on after the user proved their authenticator shows the right code. Returns the recovery codes
    (shown once; only their hashes are kept)."""
    if actor != user:
        raise PermissionDenied()
    step, _replayed = _matching_step(secret, normalize_code(code), after=0)
    if step is None:
        message = _("コードが正しくありません。認証アプリに表示されている 6 桁の数字を入力してください。")
        raise ValidationFailed(field_errors={"code": [message]})
    with transaction.atomic():
        if TwoFactorDevice.objects.select_for_update().filter(user=user).exists():
            raise ValidationFailed(field_errors={"code": [_("二要素認証はすでに有効です。")]})
        TwoFactorDevice.objects.create(user=user, secret=secret, last_step=step, last_used_at=timezone.now())
        codes = _new_recovery_codes(user)
        audit.record(actor=actor, action="2fa.enable", obj=user, label=user.get_username())
    return codes


def regenerate_recovery_codes(*, actor, user: User) -> list[str]:
    if actor != user:
        raise PermissionDenied()
    with transaction.atomic():
        if not TwoFactorDevice.objects.filter(user=user).exists():
            raise ValidationFailed(_("二要素認証が有効になっていません。"))
        codes = _new_recovery_codes(user)
        audit.record(actor=actor, action="2fa.recovery_codes", obj=user, label=user.get_username())
    return codes


def disable(*, actor, user: User, password: str = "", code: str = "") -> None:
    """The user switches 2FA off; they prove it is them with their password or a current code."""
    if actor != user:
        raise PermissionDenied()
    proven = bool(password) and user.check_password(password)
    if not proven and code:
        proven = check_code(user, code) in (CodeResult.OK_TOTP, CodeResult.OK_RECOVERY)
    if not proven:
        raise ValidationFailed(field_errors={"password": [_("パスワードまたは確認コードが正しくありません。")]})
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(actor=actor, action="2fa.disable", obj=user, label=user.get_username())


def reset(*, actor, user: User) -> bool:
    """An admin (or the operator on the command line: actor None) removes a user's 2FA, e.g. a lost phone.
    The user sets it up again at their next login when their role requires it. Returns whether it was on."""
    if actor is not None and not is_admin(actor):
        raise PermissionDenied()
    with transaction.atomic():
        was_on, _count = TwoFactorDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(
            actor=actor, action="2fa.reset", obj=user, label=user.get_username(), changes={"was_enabled": bool(was_on)}
        )
    return bool(was_on)


def record_wrong_code(user: User, attempt: int) -> None:
    """A wrong or reused code at the login's second step (the caller counts attempts in the session)."""
    audit.record(
        actor=None, action="login.2fa_failed", obj=user, label=user.get_username(), changes={"attempt": attempt}
    )
