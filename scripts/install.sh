#!/usr/bin/env bash
# Build .venv with Python 3.12+ from the pinned, hashed requirements/lock.txt, then install the project.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  for candidate in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PYTHON=$(find_python) || {
    echo "Python 3.12 以上が見つかりません / Kizuna needs Python 3.12+ (e.g. 'pyenv install 3.12')." >&2
    exit 1
  }
  echo "==> creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip uv
echo "==> installing pinned dependencies (requirements/lock.txt)"
.venv/bin/uv pip install --quiet --python .venv/bin/python --require-hashes -r requirements/lock.txt \
  || .venv/bin/python -m pip install --quiet --require-hashes -r requirements/lock.txt
.venv/bin/python -m pip install --quiet --no-deps -e .
