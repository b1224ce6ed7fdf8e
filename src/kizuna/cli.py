"""The `kizuna` console script: Django's manage.py with Kizuna's settings and commands.

`kizuna serve` runs gunicorn (production-grade) on the given host and port.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kizuna", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
