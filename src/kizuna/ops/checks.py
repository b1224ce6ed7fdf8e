"""`kizuna check --deploy`: besides Django's own deploy checks, the database, the background processes, mail and
the data directory, each with what to do about it."""

import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Info, Warning, register
from django.db import connection
from django.utils.translation import gettext as _

from . import sizing

MIN_POSTGRES = 150000
MIN_WORK_MEM_KB = 16 * 1024


@register("kizuna", deploy=True)
def check_database(app_configs=None, **kwargs):
    if connection.vendor == "sqlite":
        return [Info(_("SQLite は試用と小規模向けです。本番では PostgreSQL 15 以上を使ってください。"),
                        hint=_("DATABASE_URL を設定し、`kizuna restore` で SQLite のバックアップを移せます。"),
                        id="kizuna.I001")]  # fmt: skip
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version_num')::int, "
                           "pg_size_bytes(current_setting('work_mem')) / 1024, "
                           "current_setting('max_connections')::int")  # fmt: skip
            version, work_mem_kb, max_connections = cursor.fetchone()
    except Exception as exc:
        return [Error(_("データベースに接続できません: %(error)s") % {"error": exc}, id="kizuna.E001")]
    problems = []
    if version < MIN_POSTGRES:
        message = _("PostgreSQL %(version)s は古すぎます（15 以上が必要です）。")
        problems.append(Error(message % {"version": version // 10000}, id="kizuna.E002"))
    if work_mem_kb < MIN_WORK_MEM_KB:
        message = _("work_mem が %(mb)s MB です。検索と集計には 16 MB 以上を勧めます。")
        hint = "KIZUNA_PG_WORK_MEM=32MB"
        problems.append(Warning(message % {"mb": work_mem_kb // 1024}, hint=hint, id="kizuna.W002"))
    needed = sizing.expected_connections()
    if max_connections < needed:
        message = _("max_connections=%(have)s は、ワーカー数から見込む接続数 %(need)s より少なくなっています。")
        problems.append(Warning(message % {"have": max_connections, "need": needed},
                                hint=_("max_connections を増やすか KIZUNA_WORKERS を減らしてください。"),
                                id="kizuna.W003"))  # fmt: skip
    return problems


@register("kizuna", deploy=True)
def check_background(app_configs=None, **kwargs):
    from . import heartbeat

    try:
        beats = heartbeat.status()
    except Exception:
        return []  # no database (reported above) or not migrated yet (Django says so)
    message = _("バックグラウンド処理「%(name)s」の応答がありません（最終 %(at)s）。")
    return [
        Warning(message % {"name": name, "at": beat["at"] or "-"},
                hint=_("`kizuna db_worker` と `kizuna clock` を起動してください（deploy/ の systemd ユニット）。"),
                id="kizuna.W004")
        for name, beat in beats.items() if not beat["ok"]
    ]  # fmt: skip


@register("kizuna", deploy=True)
def check_mail(app_configs=None, **kwargs):
    backend = settings.MAILERS["default"]["BACKEND"]
    if backend.endswith("console.EmailBackend"):
        return [Warning(_("メールは送信されず、サーバーログに出力されます（パスワード再設定・通知・返信）。"),
                        hint=_("KIZUNA_EMAIL_HOST、KIZUNA_EMAIL_USER、KIZUNA_EMAIL_PASSWORD を設定してください。"),
                        id="kizuna.W005")]  # fmt: skip
    if settings.DEFAULT_FROM_EMAIL.endswith("@localhost"):
        return [Warning(_("差出人アドレスが既定の kizuna@localhost のままです。"),
                        hint=_("KIZUNA_EMAIL_FROM を設定してください。"), id="kizuna.W006")]  # fmt: skip
    return []


@register("kizuna", deploy=True)
def check_data_dir(app_configs=None, **kwargs):
    problems = []
    data_dir = settings.DATA_DIR
    for path in (data_dir, settings.MEDIA_ROOT):
        if path.exists() and path.stat().st_mode & (stat.S_IRWXO):
            problems.append(Warning(_("%(path)s は他のユーザーから読めます。") % {"path": path},
                                    hint=f"chmod o-rwx {path}", id="kizuna.W007"))  # fmt: skip
    secret = data_dir / "secret_key"
    if secret.exists() and secret.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problems.append(Error(_("%(path)s がグループまたは他のユーザーから読めます。") % {"path": secret},
                              hint=f"chmod 600 {secret}", id="kizuna.E003"))  # fmt: skip
    probe = data_dir / ".write-check"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        message = _("データディレクトリ %(path)s に書き込めません: %(error)s")
        problems.append(Error(message % {"path": data_dir, "error": exc.strerror}, id="kizuna.E004"))
    return problems


@register("kizuna", deploy=True)
def check_file_store(app_configs=None, **kwargs):
    """The store every file goes to (kizuna.core.files): a writable folder, or a bucket these keys can reach."""
    from django.core.files.storage import default_storage

    bucket = getattr(default_storage, "bucket_name", None)  # S3Storage
    if bucket is not None:
        if not bucket:
            return [Error(_("ファイルの保存先が S3 ですが、バケットが設定されていません。"),
                          hint=_("KIZUNA_S3_BUCKET を設定してください。"), id="kizuna.E005")]  # fmt: skip
        try:
            default_storage.connection.meta.client.head_bucket(Bucket=bucket)  # endpoint, keys and bucket
        except Exception as exc:
            return [Error(_("ファイルの保存先（S3 バケット %(bucket)s）に接続できません: %(error)s")
                          % {"bucket": bucket, "error": exc}, id="kizuna.E006")]  # fmt: skip
        return []
    if not hasattr(default_storage, "location"):
        return []  # another backend: its own checks
    folder = Path(default_storage.location)
    probe = folder / ".write-check"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # as the data dir: the owner only (kizuna.W007)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        message = _("ファイルの保存先 %(path)s に書き込めません: %(error)s")
        return [Error(message % {"path": folder, "error": exc.strerror}, id="kizuna.E007",
                      hint=_("KIZUNA_UPLOADS_DIR（共有ボリューム）のマウントと権限を確かめてください。"))]  # fmt: skip
    return []
