#!/usr/bin/env bash
# Migrate, load demo data on the first run, print the demo logins and serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIZUNA_DATA_DIR="${KIZUNA_DATA_DIR:-./var}"
mkdir -p "$KIZUNA_DATA_DIR"
# PDF handover briefs need Pango and a Japanese font; everything else runs without them.
if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  echo "==> installing Pango and a Japanese font for PDF briefs (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpangoft2-1.0-0 fonts-noto-cjk >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpangoft2-1.0-0 fonts-noto-cjk >/dev/null 2>&1; } ||
    echo "   (not installed: PDF briefs will be unavailable; HTML briefs work)"
fi
.venv/bin/kizuna migrate --noinput -v0
if [ ! -f "$KIZUNA_DATA_DIR/.demo-loaded" ]; then
  echo "==> loading demo data (first run)"
  .venv/bin/kizuna demo --people "${KIZUNA_DEMO_PEOPLE:-2000}" >/dev/null
  touch "$KIZUNA_DATA_DIR/.demo-loaded"
fi
.venv/bin/kizuna demo --print-logins
exec .venv/bin/kizuna serve --host "${KIZUNA_HOST:-127.0.0.1}" --port "${KIZUNA_PORT:-8000}"
