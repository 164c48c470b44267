#!/usr/bin/env bash
# Re-extract the messages of workbench/ and merge them into the English and Polish catalogs.
# New messages arrive untranslated; translate them in workbench/i18n/locale/pl/LC_MESSAGES/workbench.po.
# tests/test_i18n.py fails until every message has a Polish entry and none is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
pybabel extract -F workbench/i18n/babel.cfg --no-location --sort-output --project=segment-workbench -o "$pot" workbench
for locale in en pl; do
    pybabel update --no-fuzzy-matching --ignore-obsolete -i "$pot" -d workbench/i18n/locale -D workbench -l "$locale" 2>/dev/null \
        || pybabel init -i "$pot" -d workbench/i18n/locale -D workbench -l "$locale"
done
