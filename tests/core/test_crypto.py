"""Encrypted fields (core/crypto.py): what is stored is ciphertext, reads give the value back, keys rotate, and a
value that no key opens or that was altered fails loudly instead of turning into garbage."""

import importlib
import json
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from kizuna.core import crypto
from kizuna.core.models import AuditEvent
from kizuna.support.models import Channel

OLD, NEW = "o" * 40, "n" * 40
CONTEXT = "support.channel.secret"


def raw_secret(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM support_channel WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_round_trip_is_randomized_bound_to_its_field_and_detects_tampering(settings):
    settings.ENCRYPTION_KEYS = [NEW]
    first, second = (
        crypto.encrypt("秘密のパスワード", context=CONTEXT),
        crypto.encrypt("秘密のパスワード", context=CONTEXT),
    )
    assert first != second and "秘密" not in first and first.startswith("kz1$")
    assert crypto.decrypt(first, context=CONTEXT) == "秘密のパスワード"
    assert (
        crypto.encrypt("", context=CONTEXT) == "" and crypto.decrypt("plain before", context=CONTEXT) == "plain before"
    )
    with pytest.raises(crypto.DecryptionError, match="integrity"):
        crypto.decrypt(first, context="webhooks.subscription.secret")
    body = first.rsplit("$", 1)[1]
    flipped = first[: -len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(crypto.DecryptionError, match="integrity"):
        crypto.decrypt(flipped, context=CONTEXT)


def test_rotation_newest_encrypts_all_decrypt_and_a_missing_key_is_named(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    stored = crypto.encrypt("token", context=CONTEXT)
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    assert crypto.decrypt(stored, context=CONTEXT) == "token"
    assert (
        crypto.key_id_of(crypto.encrypt("token", context=CONTEXT)) == crypto.newest_key_id() != crypto.key_id_of(stored)
    )
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.DecryptionError, match=crypto.key_id_of(stored)):
        crypto.decrypt(stored, context=CONTEXT)
    settings.ENCRYPTION_KEYS = ["short"]
    with pytest.raises(Exception, match="at least 32"):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_channel_secret_is_ciphertext_in_the_database_and_reencrypt_moves_it_to_the_newest_key(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    channel = Channel.objects.create(kind="line", name="LINE", slug="line-enc", secret='{"channel_secret": "abc"}')
    empty = Channel.objects.create(kind="chat", name="チャット", slug="chat-enc")
    old_raw = raw_secret(channel.pk)
    assert "abc" not in old_raw and raw_secret(empty.pk) == ""
    assert Channel.objects.get(pk=channel.pk).secret == '{"channel_secret": "abc"}'

    settings.ENCRYPTION_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("reencrypt", "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue())["fields"][CONTEXT] == {"reencrypted": 1, "current": 0}
    assert raw_secret(channel.pk) == old_raw
    call_command("reencrypt", stdout=StringIO())
    assert crypto.key_id_of(raw_secret(channel.pk)) == crypto.newest_key_id()
    assert AuditEvent.objects.filter(action="encryption.rotated").count() == 1

    settings.ENCRYPTION_KEYS = [NEW]  # the old key can go now
    assert Channel.objects.get(pk=channel.pk).secret == '{"channel_secret": "abc"}'
    assert crypto.key_ids_in_use() == [crypto.newest_key_id()]


@pytest.mark.django_db
def test_the_migration_encrypts_secrets_stored_in_plain_text(settings):
    settings.ENCRYPTION_KEYS = [NEW]
    channel = Channel.objects.create(kind="phone", name="代表", slug="pbx-enc")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE support_channel SET secret = %s WHERE id = %s", ["whsec_legacy", channel.pk])
    migration = importlib.import_module("kizuna.support.migrations.0008_channels_secret_encrypted")
    editor = SimpleNamespace(connection=connection)  # all the data step uses of the schema editor
    migration.encrypt_stored(None, editor)
    assert crypto.is_encrypted(raw_secret(channel.pk))
    migration.encrypt_stored(None, editor)  # twice is harmless
    assert Channel.objects.get(pk=channel.pk).secret == "whsec_legacy"
    migration.decrypt_stored(None, editor)  # the way back
    assert raw_secret(channel.pk) == "whsec_legacy"
