"""Checks a process makes before it starts serving."""

import sys

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def refuse_unapplied_migrations() -> None:
    """Serving new code on an old schema corrupts nothing only by luck: stop, and say what to run."""
    from . import storage

    try:
        pending = unapplied_migrations()
    except Exception as exc:  # a data dir that is full, read-only or missing: say so, not a traceback
        if (kind := storage.problem(exc)) is None:
            raise
        sys.stderr.write(storage.operator_message(kind) + "\n")
        raise SystemExit(storage.EXIT_CODE) from exc
    if pending:
        message = _(
            "未適用のマイグレーションが %(count)s 件あります（%(names)s）。先に `kizuna migrate` を実行してください。"
        )
        sys.stderr.write(message % {"count": len(pending), "names": ", ".join(pending[:5])} + "\n")
        raise SystemExit(3)
