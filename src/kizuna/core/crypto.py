"""Encryption at rest for secrets kept in the database (mail passwords, LINE tokens, CTI signing secrets).

`EncryptedTextField` stores `encrypt(value)` and reads back `decrypt(value)`; code that uses the model sees the plain
value, the database, its dumps and backups see only ciphertext. An empty value stays empty (so "is a secret set?"
still works in queries); any other lookup on an encrypted column is meaningless (the ciphertext is randomized).

Keys come from `settings.ENCRYPTION_KEYS` (env `KIZUNA_ENCRYPTION_KEYS`, else the data dir's `encryption_keys` file,
generated once like `secret_key`): several keys, newest first. The newest encrypts; every listed key decrypts, so a
key can be rotated by putting a new one in front, running `kizuna reencrypt`, and then dropping the old one.

The cipher is AES-256-GCM (the `cryptography` package): per key, HKDF-SHA256 derives the AES key and a short key
id; each value gets a random 96-bit nonce, and the authenticated data binds the format version, the key id and the
field the value belongs to, so a ciphertext cannot be moved to another column. The stored form is
`kz1$<key id>$<base64url(nonce | ciphertext and tag)>`; the `kz1` prefix versions the format, so a later cipher can
be added as `kz2` while `kz1` values stay readable.
"""

import base64
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

VERSION = "kz1"
_NONCE, _TAG = 12, 16
_MIN_KEY_LENGTH = 32


class DecryptionError(Exception):
    """A stored value that no configured key opens (key missing from ENCRYPTION_KEYS, or the value was altered)."""


def generate_key() -> str:
    """A new random key in the form ENCRYPTION_KEYS takes (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"kizuna-encrypted-fields", info=info).derive(secret)


class _Key:
    __slots__ = ("aead", "id")

    def __init__(self, text: str):
        raw = text.encode()
        self.aead = AESGCM(_hkdf(raw, b"aes-256-gcm"))
        self.id = _hkdf(raw, b"id", 4).hex()


@lru_cache(maxsize=4)
def _keys_for(texts: tuple[str, ...]) -> tuple[_Key, ...]:
    if not texts:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS is empty: set KIZUNA_ENCRYPTION_KEYS or keep the data dir's encryption_keys file."
        )
    for text in texts:
        if len(text) < _MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"Every ENCRYPTION_KEYS entry needs at least {_MIN_KEY_LENGTH} characters "
                "(make one with `kizuna reencrypt --generate-key`)."
            )
    keys = tuple(_Key(t) for t in texts)
    if len({k.id for k in keys}) != len(keys):
        raise ImproperlyConfigured("ENCRYPTION_KEYS lists the same key twice.")
    return keys


def configured_keys() -> tuple[_Key, ...]:
    return _keys_for(tuple(getattr(settings, "ENCRYPTION_KEYS", ())))


def newest_key_id() -> str:
    return configured_keys()[0].id


def _associated(key: _Key, context: str) -> bytes:
    return f"{VERSION}${key.id}${context}".encode()


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(VERSION + "$")


def key_id_of(value: str) -> str:
    """The id of the key a stored value was encrypted with ("" for a plain value)."""
    return value.split("$", 2)[1] if is_encrypted(value) and value.count("$") >= 2 else ""


def encrypt(value: str, *, context: str = "") -> str:
    """The stored form of `value` under the newest key. `context` (e.g. "support.channel.secret") must be the same
    when decrypting. Empty stays empty; an already encrypted value is returned as it is."""
    if not value or is_encrypted(value):
        return value
    key = configured_keys()[0]
    nonce = secrets.token_bytes(_NONCE)
    body = key.aead.encrypt(nonce, value.encode(), _associated(key, context))
    packed = base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")
    return f"{VERSION}${key.id}${packed}"


def decrypt(value: str, *, context: str = "") -> str:
    """The plain value of a stored one. A value stored before encryption (no `kz1$` prefix) is returned as it is,
    so a column can be switched to encryption and its rows encrypted afterwards."""
    if not is_encrypted(value):
        return value
    try:
        _, key_id, packed = value.split("$", 2)
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
    except ValueError as exc:
        raise DecryptionError("The encrypted value is malformed.") from exc
    key = next((k for k in configured_keys() if k.id == key_id), None)
    if key is None:
        raise DecryptionError(
            f"No key in ENCRYPTION_KEYS has the id {key_id}: add the key this data was encrypted with "
            "(KIZUNA_ENCRYPTION_KEYS or the data dir's encryption_keys file)."
        )
    if len(raw) < _NONCE + _TAG:
        raise DecryptionError("The encrypted value is too short.")
    try:
        plain = key.aead.decrypt(raw[:_NONCE], raw[_NONCE:], _associated(key, context))
    except InvalidTag as exc:
        raise DecryptionError(
            "The encrypted value fails its integrity check (altered, or moved from another field)."
        ) from exc
    try:
        return plain.decode()
    except UnicodeDecodeError as exc:  # cannot happen for a value that passed the tag
        raise DecryptionError("The decrypted value is not text.") from exc


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (see the module doc). Reads give the plain value; writes encrypt it."""

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        return decrypt(value, context=self._context()) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value, context=self._context()) if value else value


def encrypted_fields() -> list[EncryptedTextField]:
    from django.apps import apps

    return [
        f
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def _raw_rows(field, *, using: str = "default"):
    """(pk, stored value) of every non-empty value of `field`, read without decrypting."""
    from django.db import connections

    connection = connections[using]
    model, q = field.model, connections[using].ops.quote_name
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q(pk)}, {q(field.column)} FROM {q(model._meta.db_table)} "  # noqa: S608 (names from models)
            f"WHERE {q(field.column)} <> '' ORDER BY {q(pk)}"
        )
        return cursor.fetchall()


def key_ids_in_use(*, using: str = "default") -> list[str]:
    """The ids of the keys the stored values need (for backups: a restore needs them too)."""
    found = set()
    for field in encrypted_fields():
        found.update(key_id_of(value) for _, value in _raw_rows(field, using=using) if is_encrypted(value))
    return sorted(found)


def reencrypt(*, dry_run: bool = False, using: str = "default") -> dict[str, dict[str, int]]:
    """Re-encrypt every encrypted column with the newest key (and encrypt values stored before encryption).
    Returns {"app.model.field": {"reencrypted": n, "current": m}}. Every value is checked to decrypt first."""
    from django.db import connections, transaction

    newest = newest_key_id()
    report = {}
    with transaction.atomic(using=using):
        for field in encrypted_fields():
            context = f"{field.model._meta.label_lower}.{field.name}"
            changed, current = [], 0
            for pk, value in _raw_rows(field, using=using):
                if key_id_of(value) == newest:
                    decrypt(value, context=context)  # still proves it opens
                    current += 1
                    continue
                changed.append((pk, encrypt(decrypt(value, context=context), context=context)))
            if changed and not dry_run:
                q = connections[using].ops.quote_name
                sql = f"UPDATE {q(field.model._meta.db_table)} SET {q(field.column)} = %s WHERE {q(field.model._meta.pk.column)} = %s"  # noqa: E501,S608
                with connections[using].cursor() as cursor:
                    cursor.executemany(sql, [(value, pk) for pk, value in changed])
            report[context] = {"reencrypted": len(changed), "current": current}
    return report
