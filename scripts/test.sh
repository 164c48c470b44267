#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then lint and pytest.
#   scripts/test.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/setup-env.sh"

echo "==> ruff"
ruff check workbench tests bench
ruff format --check workbench tests bench

echo "==> PostgreSQL"
eval "$("$ROOT/scripts/pg-test-server.sh")"
trap stop_postgres EXIT
echo "    $WORKBENCH_TEST_PG"

echo "==> Chromium (the browser tests drive Debian's Chromium with Playwright)"
command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

echo "==> pytest"
python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
