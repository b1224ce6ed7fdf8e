"""A one-line progress bar for long commands (reindex, dedup); silent when the output is not a terminal."""

import sys


def bar(done: int, total: int, label: str = "", *, width: int = 30) -> None:
    if not sys.stdout.isatty():
        return
    filled = int(width * done / max(total, 1))
    head = f"{label:<8} " if label else ""
    sys.stdout.write(f"\r{head}[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stdout.flush()
