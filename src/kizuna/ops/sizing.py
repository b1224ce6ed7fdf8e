"""How many web workers and threads a machine runs: one answer for gunicorn and for `kizuna check --deploy`.

Plain Python with no Django import, so that deploy/gunicorn.conf.py can read it before Django is set up.
"""

import os


def web_workers() -> int:
    return int(os.environ.get("KIZUNA_WORKERS", (os.cpu_count() or 1) * 2 + 1))


def web_threads() -> int:
    return int(os.environ.get("KIZUNA_THREADS", 4))


def expected_connections() -> int:
    """Database connections at full load: every web thread, plus the task worker, the clock and an admin shell."""
    return web_workers() * web_threads() + 4
