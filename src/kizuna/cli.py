"""The `kizuna` console script: Django's manage.py with Kizuna's settings and commands.

`kizuna serve` runs gunicorn (production-grade) on the given host and port.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["kizuna", *(sys.argv[1:] if argv is None else argv)])
    except Exception as exc:
        from kizuna.ops import storage  # a full disk or a read-only data dir: what to do, not a traceback

        kind = storage.problem(exc)
        if kind is None:
            raise
        print(storage.operator_message(kind), file=sys.stderr)
        print(f"({type(exc).__name__}: {exc})", file=sys.stderr)
        sys.exit(storage.EXIT_CODE)


if __name__ == "__main__":
    main()
