"""The benchmark's data: the sample shop, generated once and cached.

Generating 1,000,000 contacts takes about half a minute and importing their ~20,000,000
events a few minutes and several GB of memory, so a loaded DuckDB store is kept under
``bench/.cache/`` and reused while nothing that shapes it changes. The cache key is
(contacts, seed, the sample's anchor instant, a hash of the generator and loader
sources): change any of them, or pass ``--rebuild``, and the store is built again.

The sample is dated relative to its anchor ``SAMPLE_AS_OF`` (2026-11-30 12:00 UTC), which
is fixed in the generator; the benchmark evaluates every segment at that same instant, so
cached data and ``as_of`` always agree.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import workbench
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.connection import StoreURL, retry_while_vanished
from workbench.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / "bench" / ".cache"
AS_OF = SAMPLE_AS_OF
DEFAULT_SEED = 7

_PACKAGE = Path(workbench.__file__).resolve().parent
# What decides the rows: the generator and the loader. The importer and the schema are left
# out on purpose (they change for speed, not for content); ``--rebuild`` forces a new store.
_SOURCES = ("sample/vocabulary.py", "sample/arrays.py", "sample/simulation.py", "sample/writer.py", "sample/load.py")


def generator_version() -> str:
    """A short hash of every source file that decides what the loaded store holds."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update(name.encode())
        digest.update((_PACKAGE / name).read_bytes())
    return digest.hexdigest()[:10]


def cache_key(contacts: int, seed: int = DEFAULT_SEED) -> str:
    anchor = AS_OF.strftime("%Y%m%dT%H%M")
    return f"shop-c{contacts}-s{seed}-a{anchor}-g{generator_version()}"


@dataclass(frozen=True)
class Dataset:
    """A loaded store and what was in it."""

    url: str
    contacts: int
    events: int
    identities: int
    built_s: float | None  # seconds to generate and import; None when taken from the cache
    cached: bool
    info: dict


def duckdb_dataset(
    contacts: int, seed: int = DEFAULT_SEED, cache_dir: Path = CACHE_DIR, log=print, rebuild: bool = False
) -> Dataset:
    """The DuckDB store of the sample at this scale, built unless cached. Runs in the caller's
    process (the benchmark calls it in a child process to measure its peak memory)."""
    final = Path(cache_dir) / cache_key(contacts, seed)
    marker = final / "dataset.json"
    if rebuild and final.exists():
        shutil.rmtree(final)
    if marker.exists():
        info = json.loads(marker.read_text())
        return Dataset(f"duckdb://{final / 'store.duckdb'}", **_counts(info), built_s=None, cached=True, info=info)
    building = final.with_name(final.name + f".building-{uuid.uuid4().hex[:8]}")
    building.mkdir(parents=True)
    started = time.perf_counter()

    def progress(done: int) -> None:
        log(f"  generated and written {done:,} / {contacts:,} contacts ({time.perf_counter() - started:.0f} s)")

    info = _load(f"duckdb://{building / 'store.duckdb'}", contacts, seed, progress)
    (building / "dataset.json").write_text(json.dumps(info, indent=2))
    if final.exists():  # a concurrent run finished first: keep theirs
        shutil.rmtree(building)
    else:
        building.rename(final)
    return Dataset(
        f"duckdb://{final / 'store.duckdb'}", **_counts(info), built_s=info["built_s"], cached=False, info=info
    )


def remember(dataset: Dataset, **facts) -> None:
    """Add facts about a cached DuckDB store to its ``dataset.json``."""
    marker = StoreURL.parse(dataset.url).path.with_name("dataset.json")
    info = json.loads(marker.read_text())
    info.update(facts)
    dataset.info.update(facts)
    marker.write_text(json.dumps(info, indent=2))


def _load(url: str, contacts: int, seed: int, progress=None) -> dict:
    """Generate and import the sample into the store at ``url``; what it holds and took.
    The measured segments are saved by the benchmark's build phases, cached store or not."""
    started = time.perf_counter()
    ws = Workspace(url)
    try:
        summary = load_sample(ws, contacts, seed=seed, as_of=AS_OF, save_segments=False, progress=progress)
        info = {**_table_counts(ws), "summary": summary, "seed": seed, "as_of": AS_OF.isoformat()}
    finally:
        ws.close()
    info["built_s"] = round(time.perf_counter() - started, 1)
    return info


def libpq(url: str) -> str:
    """A store URL as psycopg takes it."""
    return url.replace("postgres://", "postgresql://", 1)


def _counts(info: dict) -> dict:
    return {k: info[k] for k in ("contacts", "events", "identities")}


def _table_counts(ws: Workspace) -> dict:
    with ws.connector.reading() as con:
        return {name: int(con.execute(con.table(name).count())) for name in ("contacts", "events", "identities")}


def postgres_dataset(
    admin_url: str, contacts: int, seed: int = DEFAULT_SEED, log=print, rebuild: bool = False
) -> Dataset:
    """A database on the PostgreSQL server at ``admin_url`` holding the sample at this scale,
    loaded with the store's own loader; reused while it exists on that server."""
    import psycopg

    name = "wb_bench_" + hashlib.sha256(cache_key(contacts, seed).encode()).hexdigest()[:16]
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(libpq(admin_url), autocommit=True) as admin:
        # two runs against one server (two test workers, two people) build it once: the
        # second waits here for the first and then finds it built
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not rebuild:
            with psycopg.connect(libpq(url)) as conn:
                try:
                    row = conn.execute("SELECT info FROM bench_dataset").fetchone()
                except psycopg.Error:
                    row = None  # an interrupted load: start again
            if row is not None:
                info = json.loads(row[0])
                return Dataset(url, **_counts(info), built_s=None, cached=True, info=info)
        if exists:
            admin.execute(f'DROP DATABASE "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        log(f"  loading {contacts:,} contacts into PostgreSQL database {name}")
        info = _load(url, contacts, seed)
        # The completion marker: a table of the benchmark's own, outside the workbench's schema.
        # a freshly loaded database may be refused for a moment: see retry_while_vanished
        with retry_while_vanished(lambda: psycopg.connect(libpq(url))) as conn:
            conn.execute("CREATE TABLE bench_dataset (info text)")
            conn.execute("INSERT INTO bench_dataset VALUES (%s)", (json.dumps(info),))
            conn.execute("ANALYZE")
    return Dataset(url, **_counts(info), built_s=info["built_s"], cached=False, info=info)
