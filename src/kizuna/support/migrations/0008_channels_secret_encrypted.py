"""Channel secrets (mail passwords, LINE secret and token, CTI signing secret) are stored encrypted: the column
becomes an EncryptedTextField and the values stored before are encrypted with the newest key."""

from django.db import migrations

import kizuna.core.crypto

CONTEXT = "support.channel.secret"


def _rows(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret FROM support_channel WHERE secret <> ''")
        return cursor.fetchall()


def _write(schema_editor, rows):
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany("UPDATE support_channel SET secret = %s WHERE id = %s", [(v, pk) for pk, v in rows])


def encrypt_stored(apps, schema_editor):
    crypto = kizuna.core.crypto
    rows = [(pk, crypto.encrypt(value, context=CONTEXT)) for pk, value in _rows(schema_editor)
            if not crypto.is_encrypted(value)]  # fmt: skip
    _write(schema_editor, rows)


def decrypt_stored(apps, schema_editor):
    crypto = kizuna.core.crypto
    rows = [(pk, crypto.decrypt(value, context=CONTEXT)) for pk, value in _rows(schema_editor)]
    if any(len(value) > 500 for _, value in rows):
        raise ValueError("A channel secret is longer than the 500 characters of the old column.")
    _write(schema_editor, rows)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0007_knowledge_articles_assist"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channel",
            name="secret",
            field=kizuna.core.crypto.EncryptedTextField(blank=True, verbose_name="シークレット"),
        ),
        migrations.RunPython(encrypt_stored, decrypt_stored),
    ]
