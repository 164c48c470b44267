#!/usr/bin/env bash
# The main job: the sample shop in an embedded DuckDB, served as a Voila web app.
#   scripts/demo.sh [PORT] [VOILA OPTIONS…]   (default 8866; then open http://127.0.0.1:PORT)
#   DEMO_DB=/path/shop.duckdb scripts/demo.sh  another store file (the sample is generated there if missing)
#   DEMO_LOCALE=en scripts/demo.sh              the app in English (default: Polish, the sample shop's language)
# Voila reads voila.json from the repository root: kernel pool, kernel lifecycle, CSP (docs/app.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup-env.sh"
cd "$ROOT"  # voila.json is read from the directory Voila starts in
PORT="${1:-${PORT:-8866}}"
shift $(($# > 0 ? 1 : 0))
DB_FILE="${DEMO_DB:-$ROOT/demo/workbench.duckdb}"
export WORKBENCH_DB="duckdb://$DB_FILE"

if [ ! -f "$DB_FILE" ]; then
  mkdir -p "$(dirname "$DB_FILE")"
  echo "==> generating the sample shop (${CONTACTS:-5000} contacts) into $DB_FILE"
  # The sample is dated to now, so "last 7 days" means the last 7 days.
  workbench demo-data --contacts "${CONTACTS:-5000}" --as-of "$(date -u +%Y-%m-%dT%H:00:00Z)"
fi
# The sample shop is Polish: its marketers read the app in Polish, with Warsaw's dates.
workbench config set locale "${DEMO_LOCALE:-pl}" >/dev/null
workbench config set timezone Europe/Warsaw >/dev/null
APP="${APP:-$ROOT/voila_apps/segments.ipynb}"
echo "==> serving $APP on http://127.0.0.1:$PORT"
# The app's page template (voila_apps/jupyter/voila/templates/workbench: Voila's lab template
# without its animated spinner) is found on the Jupyter data path.
export JUPYTER_PATH="$ROOT/voila_apps/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec voila "$APP" --no-browser --Voila.ip=127.0.0.1 --Voila.port="$PORT" --Voila.port_retries=0 \
  --Voila.root_dir="$ROOT" --template=workbench "$@"
