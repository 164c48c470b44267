"""Import benchmark (issue #16): events/s and peak memory of ``workbench import events``.

    python -m bench.import_bench --events 20000000 [--format parquet|csv] [--store-holds 180000000]
    python -m bench.import_bench --events 20000000 100000000 200000000 --format parquet csv

Each file is generated once with DuckDB (columns of SPEC §1: 10M contacts, a mix of web,
custom and messaging events over three years, amounts on purchases, JSON properties) and
cached in ``bench/.cache/imports/``. Each import runs ``workbench import`` in a child
process of its own; its peak RSS is the child's ``ru_maxrss``. In the same run, the same
file is loaded by DuckDB alone (``INSERT INTO events SELECT … FROM read_parquet``: no
checks, no de-duplication, no order), the ceiling the importer is measured against.

``--skip-again`` leaves out the second import of the same file (idempotent: it stores
nothing, and at 200M events takes a quarter of an hour). ``--store-holds N`` first imports N other events into the store (cached too), so that the
figure is that of a file arriving in a big store.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache" / "imports"
CONTACTS = 10_000_000

# Hand-written DuckDB SQL: benchmark data, not the product (which writes no SQL by hand).
EVENTS_SQL = """
SELECT
  '{prefix}' || i AS event_id,
  'c_' || lpad(CAST(hash(i) % {contacts} AS VARCHAR), 8, '0') AS contact_id,
  CASE WHEN i % 50 = 0 THEN 'a_' || CAST(hash(i * 3) % 1000000 AS VARCHAR) END AS anonymous_id,
  CASE WHEN k < 70 THEN 'web' WHEN k < 85 THEN 'messaging' ELSE 'custom' END AS source,
  CASE WHEN k < 60 THEN 'page_view' WHEN k < 70 THEN 'time_on_page' WHEN k < 80 THEN 'email_open'
       WHEN k < 85 THEN 'email_click' WHEN k < 92 THEN 'add_to_cart' WHEN k < 96 THEN 'purchase'
       ELSE 'app_open' END AS name,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(hash(i * 7) % (3 * 365 * 86400)) AS ts,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(hash(i * 7) % (3 * 365 * 86400) + 1) AS received_at,
  CASE WHEN k < 70 THEN '/p/' || CAST(hash(i * 5) % 5000 AS VARCHAR) END AS url,
  CASE WHEN k < 70 THEN ['shoes', 'garden', 'sport', 'kitchen', 'toys'][CAST(1 + hash(i * 11) % 5 AS BIGINT)] END AS category,
  CASE WHEN k >= 85 AND k < 96 THEN 'p_' || CAST(hash(i * 13) % 5000 AS VARCHAR) END AS product_id,
  CASE WHEN k >= 70 AND k < 85 THEN 'cmp_' || CAST(hash(i * 17) % 200 AS VARCHAR) END AS campaign_id,
  CASE WHEN k >= 70 AND k < 85 THEN 'email' END AS channel,
  CASE WHEN k >= 92 AND k < 96 THEN 'PLN' END AS currency,
  CASE WHEN k >= 92 AND k < 96 THEN CAST((hash(i * 19) % 100000) / 100 AS DECIMAL(18, 4)) END AS amount,
  CASE WHEN k >= 60 AND k < 70 THEN CAST(hash(i * 23) % 600 AS DOUBLE) END AS duration_s,
  CASE WHEN k >= 92 AND k < 96 THEN CAST(1 + hash(i * 29) % 3 AS DOUBLE) END AS quantity,
  CASE WHEN k >= 85 AND k < 96 THEN '{{"cart_id": "k' || CAST(hash(i * 31) % 1000000 AS VARCHAR) || '"}}' END
    AS properties
FROM (SELECT range AS i, hash(range * 37) % 100 AS k FROM range({start}, {start} + {n}))
"""


def events_file(n: int, fmt: str, prefix: str = "ev", start: int = 0) -> Path:
    """A cached file of ``n`` generated events (ids ``<prefix><i>`` from ``start``)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"events-{prefix}{start}-{n}.{fmt}"
    if path.exists():
        return path
    partial = path.with_suffix(path.suffix + ".partial")
    sql = EVENTS_SQL.format(prefix=prefix, contacts=CONTACTS, start=start, n=n)
    options = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880" if fmt == "parquet" else "FORMAT csv, HEADER"
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '4GB'; SET temp_directory = '{CACHE / 'spill'}'")
    started = time.perf_counter()
    con.execute(f"COPY ({sql}) TO '{partial}' ({options})")
    con.close()
    partial.rename(path)
    print(f"  generated {path.name} ({path.stat().st_size / 1e9:.1f} GB) in {time.perf_counter() - started:.0f} s")
    return path


def child(command: list[str]) -> None:
    """Run ``command`` and print its peak RSS as the last line. ``ru_maxrss`` of children is the
    largest of any child so far, so each measurement runs in a fresh process of its own."""
    done = subprocess.run(command)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"returncode": done.returncode, "peak_rss_kb": peak}))


def run_measured(command: list[str]) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_bench", "--child", "--", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    last = json.loads(done.stdout.strip().splitlines()[-1])
    if last["returncode"] not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return {"wall_s": round(wall, 1), "peak_rss_gb": round(last["peak_rss_kb"] / 1e6, 2)}


def workbench(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "workbench.cli", "--db", f"duckdb://{db}", *args]


def duckdb_alone(db: Path, path: Path, fmt: str) -> list[str]:
    """DuckDB loading the file into an empty ``events`` table: the ceiling."""
    read = f"read_parquet('{path}')" if fmt == "parquet" else f"read_csv('{path}', header=true)"
    sql = f"CREATE TABLE events AS SELECT * FROM {read}"
    script = (
        f"import duckdb; con = duckdb.connect({str(db)!r}); con.execute(\"SET memory_limit = '4GB'\"); "
        f"con.execute({sql!r}); con.close()"
    )
    return [sys.executable, "-c", script]


def store_holding(n: int, work: Path) -> Path:
    """A store that already holds ``n`` events (imported once, then copied for each run)."""
    cached = CACHE / f"store-holding-{n}.duckdb"
    if not cached.exists():
        building = cached.with_suffix(".building.duckdb")
        building.unlink(missing_ok=True)
        subprocess.run(workbench(building, "init"), check=True, capture_output=True)
        path = events_file(n, "parquet", prefix="old")
        subprocess.run(workbench(building, "import", "events", str(path)), check=True, capture_output=True)
        building.rename(cached)
    copy = work / "store.duckdb"
    shutil.copyfile(cached, copy)
    return copy


def bench_one(n: int, fmt: str, holds: int, work: Path, again: bool = True) -> dict:
    path = events_file(n, fmt)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ceiling = run_measured(duckdb_alone(work / "alone.duckdb", path, fmt))
    (work / "alone.duckdb").unlink()
    db = store_holding(holds, work) if holds else work / "store.duckdb"
    if not holds:
        subprocess.run(workbench(db, "init"), check=True, capture_output=True)
    imported = run_measured(workbench(db, "import", "events", str(path)))
    # idempotent: stores nothing new
    repeated = run_measured(workbench(db, "import", "events", str(path))) if again else None
    stored = duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM events").fetchone()[0]
    shutil.rmtree(work, ignore_errors=True)
    result = {
        "events": n,
        "format": fmt,
        "store_held": holds,
        "stored_after": stored,
        "import": {**imported, "events_per_s": round(n / imported["wall_s"])},
        "import_again": {**repeated, "events_per_s": round(n / repeated["wall_s"])} if repeated else None,
        "duckdb_alone": {**ceiling, "events_per_s": round(n / ceiling["wall_s"])},
    }
    result["ratio_to_duckdb_alone"] = round(imported["wall_s"] / ceiling["wall_s"], 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[20_000_000])
    parser.add_argument("--format", nargs="+", choices=["parquet", "csv"], default=["parquet"])
    parser.add_argument("--store-holds", type=int, default=0, help="events already in the store")
    parser.add_argument("--work", type=Path, default=CACHE / "work")
    parser.add_argument("--skip-again", action="store_true", help="do not import the same file a second time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.command)
        return 0
    results = []
    for n in args.events:
        for fmt in args.format:
            print(f"== {n:,} events, {fmt}, store holding {args.store_holds:,}", flush=True)
            result = bench_one(n, fmt, args.store_holds, args.work, again=not args.skip_again)
            print(json.dumps(result, indent=2), flush=True)
            results.append(result)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
