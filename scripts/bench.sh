#!/usr/bin/env bash
# The segment evaluation benchmark of issue #9 (see docs/benchmarks.md):
#   scripts/bench.sh                       # 1,000,000 contacts, PostgreSQL at 100,000, all segments
#   scripts/bench.sh --write-docs          # ... and write the results into docs/benchmarks.md
#   scripts/bench.sh --contacts 250000 --repeats 3 --skip-pg --segments vip,lapsed
#   scripts/bench.sh --help
# The sample stores are cached in bench/.cache/ (the first run at 1M contacts generates and
# imports ~22M events: several minutes and a few GB of memory). PostgreSQL: --pg URL or
# $WORKBENCH_TEST_PG; without either a throwaway server is started (scripts/pg-test-server.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/setup-env.sh"

needs_pg=1
for arg in "$@"; do
  case "$arg" in
    --skip-pg|--pg|--pg=*|--help|-h|--show-sql|--show-sql=*|--report|--report=*) needs_pg=0 ;;
  esac
done
if [ "$needs_pg" = 1 ] && [ -z "${WORKBENCH_TEST_PG:-}" ]; then
  echo "==> PostgreSQL (throwaway server; pass --skip-pg to leave it out)" >&2
  eval "$("$ROOT/scripts/pg-test-server.sh")"
  trap stop_postgres EXIT
fi

python -m bench.segments "$@"
