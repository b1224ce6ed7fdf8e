"""One-file backups and their restore.

`backup()` writes a tar archive: a consistent database snapshot (SQLite's online backup API; `pg_dump -Fc` on
PostgreSQL, run inside an exported snapshot), the stored files (whatever `STORAGES["default"]` is: the local uploads
folder, a shared volume or an S3-compatible bucket), and `manifest.json` with each table's row count and
checksum *as of the snapshot*, each file's sha256 and the audit chain's head. The server keeps serving meanwhile.

`restore()` refuses a non-empty target, checks every file against the manifest, loads the database (a SQLite backup
may be restored into PostgreSQL: the way from the embedded default to production), then recounts and re-checksums
every table and verifies the audit hash chain. Checksums are order-free sums of per-row hashes over values read
through the models, so the same data gives the same checksum on SQLite and on PostgreSQL.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import crypto, files

FORMAT = 1
SNAPSHOT_ALIAS = "kizuna_backup_snapshot"
_MOD = 2**256


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in the user's language."""


# --- what a snapshot holds -------------------------------------------------------------------------------------
def _models():
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _canonical(value):
    if isinstance(value, datetime):
        return (value if timezone.is_aware(value) else timezone.make_aware(value, UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_summary(using: str = "default") -> dict[str, dict]:
    """{model label: {"table", "count", "checksum"}} of every table, read through the models on `using`."""
    out = {}
    for model in _models():
        names = [f.attname for f in model._meta.concrete_fields]
        total, count = 0, 0
        rows = model._base_manager.using(using).order_by().values_list(*names).iterator(chunk_size=5000)
        for row in rows:
            line = json.dumps([_canonical(v) for v in row], ensure_ascii=False, sort_keys=True, default=str)
            total = (total + int.from_bytes(hashlib.sha256(line.encode()).digest(), "big")) % _MOD
            count += 1
        out[model._meta.label_lower] = {"table": model._meta.db_table, "count": count, "checksum": f"{total:064x}"}
    return out


def _audit_head(using: str = "default") -> dict:
    from kizuna.core.models import AuditEvent

    last = AuditEvent.objects.using(using).order_by("-id").values_list("id", "hash").first()
    return {"events": AuditEvent.objects.using(using).count(), "last_id": last[0] if last else None,
            "last_hash": last[1] if last else ""}  # fmt: skip


def _applied_migrations(using: str = "default") -> list[list[str]]:
    recorder = MigrationRecorder(connections[using])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL client programs ----------------------------------------------------------------------------------
def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(_("%(program)s が見つかりません（postgresql-client を入れてください）。") % {"program": name})
    return str(candidates[-1])


def _pg_env() -> dict:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db.get("USER") or "", "PGHOST": db.get("HOST") or "",
           "PGPORT": str(db.get("PORT") or "")}  # fmt: skip
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # not on the command line, where `ps` would show it
    return env


# --- backup ------------------------------------------------------------------------------------------------------
@dataclass
class BackupResult:
    path: Path
    manifest: dict


def backup(output: Path) -> BackupResult:
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kizuna-backup-", dir=output.parent) as tmp:
        work = Path(tmp)
        if connection.vendor == "sqlite":
            db_file, manifest = _snapshot_sqlite(work)
        elif connection.vendor == "postgresql":
            db_file, manifest = _snapshot_postgres(work)
        else:
            raise BackupError(
                _("このデータベース（%(vendor)s）のバックアップには対応していません。") % {"vendor": connection.vendor}
            )
        manifest["database"]["sha256"] = _sha256(db_file)
        # Encrypted fields are kept encrypted; the keys are not in the archive (keep them apart), only their ids.
        manifest["encryption_key_ids"] = crypto.key_ids_in_use()
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(db_file, manifest["database"]["file"])
            # Files are read after the snapshot: every file the snapshot names already exists (files never change).
            manifest["uploads"] = _add_stored_files(archive)
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            (work / "manifest.json").write_bytes(body)
            archive.add(work / "manifest.json", "manifest.json")
        partial.replace(output)  # a backup on disk is always a whole one
    return BackupResult(output, manifest)


def _snapshot_sqlite(work: Path) -> tuple[Path, dict]:
    target = work / "kizuna.sqlite3"
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent snapshot while writers go on (WAL)
    finally:
        copy.close()
        source.close()
    with _sqlite_alias(target):
        manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                    "database": {"vendor": "sqlite", "file": "db/kizuna.sqlite3"},
                    "migrations": _applied_migrations(SNAPSHOT_ALIAS), "tables": table_summary(SNAPSHOT_ALIAS),
                    "audit": _audit_head(SNAPSHOT_ALIAS)}  # fmt: skip
    return target, manifest


@contextmanager
def _sqlite_alias(db_file: Path):
    """A SQLite backup file opened as SNAPSHOT_ALIAS for the ORM, whatever the current database is."""
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db_file), "OPTIONS": {}, "HOST": "", "PORT": "",
              "USER": "", "PASSWORD": "", "CONN_MAX_AGE": 0}  # fmt: skip
    connections.settings[SNAPSHOT_ALIAS] = {**connections["default"].settings_dict, **sqlite}
    try:
        yield SNAPSHOT_ALIAS
    finally:
        connections[SNAPSHOT_ALIAS].close()
        del connections[SNAPSHOT_ALIAS]
        connections.settings.pop(SNAPSHOT_ALIAS, None)


def _snapshot_postgres(work: Path) -> tuple[Path, dict]:
    target = work / "kizuna.pgdump"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # pg_dump reads the very snapshot this transaction holds, so the counts below describe the dump exactly.
        dump = subprocess.run(  # noqa: S603 (fixed program, no shell)
            [_pg_program("pg_dump"), "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             "-f", str(target)],
            env=_pg_env(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if dump.returncode != 0:
            raise BackupError(_("pg_dump が失敗しました: %(error)s") % {"error": dump.stderr.strip()[-500:]})
        manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                    "database": {"vendor": "postgresql", "file": "db/kizuna.pgdump"},
                    "migrations": _applied_migrations(), "tables": table_summary(), "audit": _audit_head()}  # fmt: skip
    return target, manifest


class _Hashing:
    """A file object read once into the archive, hashing what passes."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        block = self.handle.read(size)
        self.digest.update(block)
        return block


def _add_stored_files(archive: tarfile.TarFile) -> dict:
    """Every file of the file storage into `uploads/` of the archive, streamed (a remote store's files are not
    copied to the disk first); their count, bytes and sha256 for the manifest."""
    found = {}
    for name in files.walk():
        info = tarfile.TarInfo(f"uploads/{name}")
        info.size, info.mtime, info.mode = files.size(name), int(timezone.now().timestamp()), 0o640
        with files.open_file(name) as handle:
            reader = _Hashing(handle)
            archive.addfile(info, reader)
        found[name] = (info.size, reader.digest.hexdigest())
    return {"count": len(found), "bytes": sum(size for size, _ in found.values()),
            "files": {name: digest for name, (_, digest) in found.items()}}  # fmt: skip


# --- restore -----------------------------------------------------------------------------------------------------
@dataclass
class RestoreResult:
    manifest: dict
    tables: int
    rows: int
    mismatches: list[str]
    audit_broken: list[int]


def restore(archive_path: Path) -> RestoreResult:
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(_("バックアップファイル %(path)s がありません。") % {"path": archive_path})
    _require_empty_target()
    with tempfile.TemporaryDirectory(prefix="kizuna-restore-") as tmp:
        work = Path(tmp)
        manifest = _unpack(archive_path, work)
        _require_keys(manifest)
        source = manifest["database"]["vendor"]
        db_file = work / manifest["database"]["file"]
        if source == "sqlite" and connection.vendor == "sqlite":
            connection.close()
            name = settings.DATABASES["default"]["NAME"]
            for leftover in (f"{name}-wal", f"{name}-shm"):  # an old log must not be replayed onto the copy
                Path(leftover).unlink(missing_ok=True)
            shutil.copyfile(db_file, name)
        elif source == "postgresql" and connection.vendor == "postgresql":
            _pg_restore(db_file)
        elif source == "sqlite" and connection.vendor == "postgresql":
            _copy_sqlite_into_current(db_file, manifest)
        else:
            raise BackupError(_("%(source)s のバックアップを %(target)s には復元できません。")
                              % {"source": source, "target": connection.vendor})  # fmt: skip
        _place_uploads(work / "uploads", manifest)
    return _verify(manifest)


def _require_keys(manifest: dict) -> None:
    """The encrypted values of the backup must open with this installation's ENCRYPTION_KEYS."""
    missing = sorted(set(manifest.get("encryption_key_ids", ())) - {k.id for k in crypto.configured_keys()})
    if missing:
        raise BackupError(_("このバックアップの暗号化された値を開く鍵がありません（鍵 ID: %(ids)s）。バックアップした"
                            "環境の KIZUNA_ENCRYPTION_KEYS またはデータディレクトリの encryption_keys を設定してから"
                            "復元してください。") % {"ids": ", ".join(missing)})  # fmt: skip


def _require_empty_target() -> None:
    """Tables may exist (a migrated, unused database); rows that someone wrote may not."""
    from kizuna.core.models import AuditEvent

    tables = set(connection.introspection.table_names())
    for model in (AuditEvent, apps.get_model("accounts", "User")):
        if model._meta.db_table in tables and model.objects.exists():
            raise BackupError(_("復元先のデータベースが空ではありません。空のデータベースに復元してください。"))
    if next(files.walk(), None) is not None:
        raise BackupError(_("復元先のファイル保存先（%(where)s）が空ではありません。") % {"where": _storage_label()})


def _unpack(archive_path: Path, work: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r") as archive:
            archive.extractall(work, filter="data")  # no absolute paths, links out of the tree or devices
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("バックアップファイルを読めません: %(error)s") % {"error": exc}) from exc
    try:
        manifest = json.loads((work / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(_("バックアップに manifest.json がないか、読めません。")) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("このバックアップの形式（%(format)s）には対応していません。") % {"format": manifest.get("format")}
        )
    db_file = work / manifest["database"]["file"]
    if not db_file.is_file() or _sha256(db_file) != manifest["database"]["sha256"]:
        raise BackupError(
            _("データベースのファイルがマニフェストと一致しません（壊れているか、書き換えられています）。")
        )
    for rel, digest in manifest["uploads"]["files"].items():
        path = work / "uploads" / rel
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(_("アップロードファイル %(file)s がマニフェストと一致しません。") % {"file": rel})
    return manifest


def _pg_restore(dump: Path) -> None:
    connection.close()
    result = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [_pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--clean", "--if-exists",
         "-d", settings.DATABASES["default"]["NAME"], str(dump)],
        env=_pg_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(_("pg_restore が失敗しました: %(error)s") % {"error": result.stderr.strip()[-500:]})


def _copy_sqlite_into_current(db_file: Path, manifest: dict) -> None:
    """SQLite → PostgreSQL: the schema from this code's migrations, then every row through the models."""
    applied = {tuple(m) for m in manifest["migrations"]}
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    if known - applied or applied - known:
        raise BackupError(_("バックアップと同じバージョンの Kizuna で復元してください（マイグレーションが"
                            "一致しません）。復元後に `kizuna migrate` で更新できます。"))  # fmt: skip
    call_command("migrate", verbosity=0, interactive=False)
    models = _models()
    with _sqlite_alias(db_file), transaction.atomic(), _stored_times_kept(models):
        with connection.cursor() as cursor:  # the rows the migrations seeded (content types, defaults) go
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")  # names from the models
        for model in models:  # foreign keys are checked at the commit (Django's are DEFERRABLE)
            batch = []
            for obj in model._base_manager.using(SNAPSHOT_ALIAS).order_by().iterator(chunk_size=2000):
                batch.append(obj)
                if len(batch) >= 2000:
                    model._base_manager.using("default").bulk_create(batch)
                    batch = []
            if batch:
                model._base_manager.using("default").bulk_create(batch)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


@contextmanager
def _stored_times_kept(models):
    """bulk_create stamps auto_now/auto_now_add fields with the current time; a restore keeps the stored ones."""
    fields = [f for m in models for f in m._meta.concrete_fields if getattr(f, "auto_now", False)
              or getattr(f, "auto_now_add", False)]  # fmt: skip
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _place_uploads(source: Path, manifest: dict) -> None:
    """Every file back into the configured storage under its own name (a local backup may go to S3 and back)."""
    for name in manifest["uploads"]["files"]:
        with (source / name).open("rb") as handle:
            placed = default_storage.save(name, File(handle))
        if placed != name:
            raise BackupError(_("ファイル %(file)s を元の名前で復元できませんでした。") % {"file": name})


def _storage_label() -> str:
    location = getattr(default_storage, "location", "") or ""
    bucket = getattr(default_storage, "bucket_name", None)
    return f"s3://{bucket}/{location}" if bucket else str(location)


def _verify(manifest: dict) -> RestoreResult:
    from kizuna.core.audit import verify_chain

    now = table_summary()
    mismatches = []
    for label, expected in manifest["tables"].items():
        got = now.get(label)
        if got is None:
            mismatches.append(f"{label}: missing")
        elif (got["count"], got["checksum"]) != (expected["count"], expected["checksum"]):
            mismatches.append(f"{label}: {expected['count']} rows expected, {got['count']} found"
                              + ("" if got["count"] != expected["count"] else " (checksum differs)"))  # fmt: skip
    return RestoreResult(manifest, len(now), sum(t["count"] for t in now.values()), mismatches, verify_chain())
