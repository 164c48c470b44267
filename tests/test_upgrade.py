"""Stores made by earlier versions keep working: ``workbench init`` brings them up to date."""

from __future__ import annotations

import ibis
import pyarrow as pa

from workbench.collector import tables
from workbench.collector.tokens import PUBLIC_URL_SETTING, SECRET_SETTING, Signer, _b64decode, workspace_signer
from workbench.store.connection import transaction
from workbench.store.upgrade import OLD_COLLECTOR_SETTINGS, outdated
from workbench.store.workspace import Workspace

SECRET = "c2VjcmV0LW9mLWFuLW9sZC1zdG9yZQ"  # base64 of b"secret-of-an-old-store"


def test_the_collector_settings_table_of_an_old_store_becomes_rows_of_the_one_settings_table(new_store_url):
    ws = Workspace(new_store_url())
    ws.init()
    tables.write_setting(ws, "collector.public_url", "https://set.by.this.version/")
    # the collector's own settings table as earlier versions made it; a name written twice
    # at once by two processes keeps its smallest value
    old = pa.table(
        {
            "name": ["signing_secret", "public_url", "max_event_names", "max_event_names"],
            "value": [SECRET, "https://old.example/", "70", "50"],
        }
    )
    with ws.connector.writing() as con, transaction(con):
        con.create_table(OLD_COLLECTOR_SETTINGS, ibis.memtable(old))
        assert outdated(con) == [f"the collector's settings are in {OLD_COLLECTOR_SETTINGS}"]
    ws.close()

    upgraded = Workspace(ws.url.url)
    upgraded.init()
    with upgraded.connector.reading() as con:
        assert OLD_COLLECTOR_SETTINGS not in con.list_tables() and outdated(con) == []
    settings = tables.read_settings(upgraded)
    assert {k: v for k, v in settings.items() if k.startswith("collector.")} == {
        SECRET_SETTING: SECRET,
        PUBLIC_URL_SETTING: "https://set.by.this.version/",  # written by this version: kept
        "collector.max_event_names": "50",
    }
    # links signed before the upgrade still verify: the secret was kept, not made anew
    payload = {"t": "o", "cp": "spring", "ct": "c1"}
    assert workspace_signer(upgraded).sign(payload) == Signer(_b64decode(SECRET)).sign(payload)
    upgraded.close()
