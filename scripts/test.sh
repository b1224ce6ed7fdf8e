#!/usr/bin/env bash
# The whole suite: ruff, unit/integration on SQLite and on a throwaway PostgreSQL, browser tests in Chromium.
set -uo pipefail
cd "$(dirname "$0")/.."
export KIZUNA_ARTIFACTS="${KIZUNA_ARTIFACTS:-var/test-artifacts}"
export KIZUNA_CHROMIUM="${KIZUNA_CHROMIUM:-/usr/bin/chromium}"
export KIZUNA_DATA_DIR="${KIZUNA_TEST_DATA_DIR:-var/test-data}"
unset DATABASE_URL
mkdir -p "$KIZUNA_ARTIFACTS" "$KIZUNA_DATA_DIR" "$KIZUNA_DATA_DIR-e2e"

# --- system packages the tests need (a fresh machine has none of them) ---
missing=()
[ -x "$KIZUNA_CHROMIUM" ] || missing+=(chromium)
fc-list :lang=ja 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || missing+=(dovecot-imapd)  # mail tests (IMAP)
command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -q jpn || missing+=(tesseract-ocr tesseract-ocr-jpn)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpangoft2-1.0-0)  # WeasyPrint (handover PDF)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null || {
    echo "could not install ${missing[*]}" >&2; exit 1; }
fi

# axe-core for the accessibility checks in the browser tests (npm, pinned and checksummed; var/vendor/)
KIZUNA_AXE=$(bash scripts/vendor_axe.sh) || { echo "could not fetch axe-core" >&2; exit 1; }
export KIZUNA_AXE

PASSED=0
FAILED=0
STATUS=0
run_pytest() {  # label, pytest args...
  local label=$1 log rc
  shift
  log=$(mktemp)
  echo "==> $label"
  .venv/bin/python -m pytest "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  tally "$label" "$log" "$rc"
}
tally() {  # label, log, exit code: counts the run's results and removes its log
  local label=$1 log=$2 rc=$3 p f e
  p=$(grep -Eo '[0-9]+ passed' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '[0-9]+ failed' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  e=$(grep -Eo '[0-9]+ errors?' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f + e))
  rm -f "$log"
  if [ "$rc" -ne 0 ]; then
    echo "!! $label failed (exit $rc)"
    STATUS=1
  fi
}

echo "==> ruff"
.venv/bin/ruff check src tests && .venv/bin/ruff format --check src tests || { echo "!! ruff failed"; STATUS=1; }

echo "==> bandit (no high-severity findings)"
.venv/bin/bandit -r src -lll -q || { echo "!! bandit reports a high-severity finding"; STATUS=1; }

echo "==> pip-audit (known vulnerabilities in the pinned dependencies)"
audit_log=$(mktemp)
timeout 180 .venv/bin/pip-audit -r requirements/lock.txt --require-hashes --disable-pip --progress-spinner off \
  >"$audit_log" 2>&1
audit_rc=$?
if [ "$audit_rc" -eq 0 ]; then
  if grep -q "could not be audited" "$audit_log"; then
    echo "   warning: the vulnerability service could not be reached; $(grep -c 'could not be audited' "$audit_log") packages were not audited"
  else
    tail -1 "$audit_log"
  fi
elif [ "$audit_rc" -eq 124 ] || grep -qE "ConnectionError|Max retries|Temporary failure|timed out" "$audit_log"; then
  echo "   warning: the vulnerability service could not be reached; dependencies were not audited"
else
  cat "$audit_log"; echo "!! pip-audit found known vulnerabilities"; STATUS=1
fi
rm -f "$audit_log"

run_pytest "unit and integration tests on SQLite" -m "not e2e" -n 2 -q --durations=25

PG_URL=$(bash scripts/pg_cluster.sh start) || { echo "!! could not start PostgreSQL"; exit 1; }
# The browser tests leave most of the two cores idle (the browser and the server wait for each other), so they run
# beside the PostgreSQL tests, on a data dir of their own; their output follows once both are done.
e2e_log=$(mktemp)
KIZUNA_DATA_DIR="$KIZUNA_DATA_DIR-e2e" .venv/bin/python -m pytest -m e2e -q -p no:xdist >"$e2e_log" 2>&1 &
e2e_pid=$!
trap 'kill $e2e_pid 2>/dev/null; bash scripts/pg_cluster.sh stop' EXIT
# The API fuzz sends fewer cases per operation here: what PostgreSQL refuses that SQLite accepts (NUL, integers past
# bigint, ...) has its own regression tests, and the full count has run on SQLite just before.
DATABASE_URL="$PG_URL" KIZUNA_FUZZ_EXAMPLES="${KIZUNA_FUZZ_EXAMPLES_PG:-10}" \
  run_pytest "unit and integration tests on PostgreSQL" -m "not e2e and not replica" -n 2 -q --durations=25
# A standby only serves reads once the primary has no long transaction full of savepoints open: run alone.
DATABASE_URL="$PG_URL" run_pytest "read replicas on PostgreSQL" -m replica -q -p no:xdist
bash scripts/pg_cluster.sh stop
wait $e2e_pid
e2e_rc=$?
trap - EXIT

echo "==> browser tests in Chromium (run beside the PostgreSQL tests)"
cat "$e2e_log"
tally "browser tests in Chromium" "$e2e_log" "$e2e_rc"

echo
echo "screenshots: $KIZUNA_ARTIFACTS"
echo "$PASSED passed, $FAILED failed"
find "$KIZUNA_ARTIFACTS/fuzz-api" -name '*.tsv' -mmin -60 -exec cat {} + 2>/dev/null | awk -F'\t' '{n[$1] += $3; o[$1]++} END {for (v in n) printf "API fuzz on %s: %d operations, %d generated requests\n", v, o[v], n[v]}'
exit $STATUS
