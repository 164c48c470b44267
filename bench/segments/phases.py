"""The benchmark's phases. Each runs in a fresh child process (see ``isolated``), so that a
"cold" run really is the first in its process and each phase's peak memory is its own.

Member lists are written to files in the run directory (one sorted id per line) for the
parent to compare; everything else comes back as a small dict.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis

from bench.segments import data, handwritten, library
from workbench.expr.context import CompileContext
from workbench.store.connection import StoreURL
from workbench.store.workspace import connect


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_members(out_dir: Path, engine: str, segment_id: str, ids: list[str]) -> str:
    path = Path(out_dir) / "members" / engine / f"{segment_id}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{i}\n" for i in ids))
    return str(path)


def read_members(path: str | Path) -> list[str]:
    return Path(path).read_text().split()


# --- running a phase in a child process ----------------------------------------------------

_CONTEXT: multiprocessing.context.BaseContext | None = None


def _context() -> multiprocessing.context.BaseContext:
    """A forkserver that has imported the workbench once: children start in milliseconds,
    with nothing opened, cached or compiled yet."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["bench.segments.phases", "bench.segments.pandas_impl"])
    return _CONTEXT


def _child(conn, fn: Callable, args: tuple, kwargs: dict) -> None:
    # DuckDB draws its progress bar on stdout; the parent's stdout is for the result table.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        result = fn(*args, **kwargs)
        conn.send(("ok", result, peak_rss_mb()))
    except BaseException:
        conn.send(("error", traceback.format_exc(), peak_rss_mb()))
    finally:
        conn.close()


class PhaseFailed(RuntimeError):
    pass


def isolated(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Run ``fn(*args, **kwargs)`` in a new process; returns (its result, its peak RSS in MB)."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, fn, args, kwargs))
    process.start()
    sender.close()
    try:
        status, payload, rss = receiver.recv()
    except EOFError:
        process.join()
        raise PhaseFailed(f"{fn.__name__} died (exit code {process.exitcode})") from None
    finally:
        receiver.close()
    process.join()
    if status != "ok":
        raise PhaseFailed(f"{fn.__name__} failed:\n{payload}")
    return payload, rss


# --- phases ------------------------------------------------------------------------------------


def build_duckdb(contacts: int, seed: int, cache_dir: str, rebuild: bool = False) -> dict:
    """The cached DuckDB store (built if missing), with the measured segments saved again."""
    dataset = data.duckdb_dataset(contacts, seed, Path(cache_dir), log=log, rebuild=rebuild)
    if not dataset.cached:  # remember what importing took, for runs that find it cached
        data.remember(dataset, import_peak_rss_mb=round(peak_rss_mb()))
    ws = connect(dataset.url)
    try:
        library.save_segments(ws)  # they may have changed since the store was cached
    finally:
        ws.close()
    return {**dataset.__dict__}


def build_postgres(admin_url: str, contacts: int, seed: int, rebuild: bool = False) -> dict:
    dataset = data.postgres_dataset(admin_url, contacts, seed, log=log, rebuild=rebuild)
    ws = connect(dataset.url)
    try:
        library.save_segments(ws)  # they may have changed since the store was cached
    finally:
        ws.close()
    return {**dataset.__dict__}


def compiler(
    url: str, segment_ids: list[str], as_of: datetime, repeats: int, out_dir: str, quick: bool = False
) -> dict:
    """The compiler through the public API, per segment: compile, cold and warm count, members.
    ``quick`` (tests) measures each once: the cold run stands for the warm one too."""
    ws = connect(url)
    results = {}
    catalog = ws.catalog
    library = {saved.id: saved.segment for saved in ws.segments()}
    for sid in segment_ids:
        segment = library[sid]
        r: dict[str, Any] = {}
        # cold: the first compile, SQL generation and count of this process
        context = CompileContext(catalog, library.__getitem__, ws.dialect)
        compile_once = functools.partial(context.members, segment, as_of)
        started = time.perf_counter()
        expr = compile_once()
        r["compile_cold_ms"] = ms_since(started)
        started = time.perf_counter()
        ibis.to_sql(expr, dialect=ws.dialect)
        r["sql_cold_ms"] = ms_since(started)
        started = time.perf_counter()
        r["count"], r["count_cold_ms"] = ws.count_timed(sid, as_of)
        r["count_cold_e2e_ms"] = ms_since(started)
        compile_ms, sql_ms = ([r["compile_cold_ms"]], [r["sql_cold_ms"]]) if quick else ([], [])
        for _ in range(0 if quick else repeats):
            started = time.perf_counter()
            expr = compile_once()
            compile_ms.append(ms_since(started))
            started = time.perf_counter()
            ibis.to_sql(expr, dialect=ws.dialect)
            sql_ms.append(ms_since(started))
        r["compile_ms"], r["sql_ms"] = median(compile_ms), median(sql_ms)
        # The workspace's own rule -> SQL path (``members_sql``, which keeps compiled SQL per
        # process): what a count pays for compiling once the rule was seen.
        cached = []
        for _ in range(1 if quick else repeats):
            started = time.perf_counter()
            context.members_sql(segment, as_of)
            cached.append(ms_since(started))
        r["sql_cached_ms"] = median(cached)
        warm, e2e = ([r["count_cold_ms"]], [r["count_cold_e2e_ms"]]) if quick else ([], [])
        for _ in range(0 if quick else repeats):
            started = time.perf_counter()
            n, ms = ws.count_timed(sid, as_of)
            e2e.append(ms_since(started))
            warm.append(ms)
            assert n == r["count"], (sid, n, r["count"])
        r["count_warm_ms"], r["count_e2e_ms"], r["count_warm_all"] = median(warm), median(e2e), warm
        held = []
        with ws.hold():
            for _ in range(0 if quick else repeats):
                held.append(ws.count_timed(sid, as_of)[1])
        r["count_held_ms"] = median(held) if held else None
        members_ms, ids = [], []
        for _ in range(1 if quick else min(repeats, 3)):
            started = time.perf_counter()
            ids = ws.members(sid, as_of)
            members_ms.append(ms_since(started))
        r["members_ms"] = median(members_ms)
        r["members_file"] = write_members(Path(out_dir), "compiler", sid, ids)
        r["members_count"] = len(ids)
        results[sid] = r
    ws.close()
    return results


def _duckdb_path(url: str) -> str:
    return str(StoreURL.parse(url).path)


def _timed_count(con: duckdb.DuckDBPyConnection, sql: str, values: dict) -> tuple[float, int]:
    started = time.perf_counter()
    n = con.execute(sql, values).fetchone()[0]
    return ms_since(started), n


def hand_duckdb(
    url: str, segment_ids: list[str], as_of: datetime, repeats: int, out_dir: str, quick: bool = False
) -> dict:
    """The hand-written SQL on the same file, with the same connection regime as the store:
    a fresh read-only connection per query (warm), and one kept connection (held)."""
    path = _duckdb_path(url)
    results = {}
    for sid in segment_ids:
        count_sql, values = handwritten.render(sid, as_of, "duckdb", count=True)
        members_sql, _ = handwritten.render(sid, as_of, "duckdb")
        r: dict[str, Any] = {}
        times, counts = [], set()
        for _ in range(1 if quick else repeats + 1):  # the first is the cold one
            con = duckdb.connect(path, read_only=True)
            ms, n = _timed_count(con, count_sql, values)
            con.close()
            times.append(ms)
            counts.add(n)
        warm = times[1:] or times
        r["count_cold_ms"], r["count_warm_ms"], r["count_warm_all"] = times[0], median(warm), warm
        con = duckdb.connect(path, read_only=True)
        held = [_timed_count(con, count_sql, values) for _ in range(0 if quick else repeats)]
        r["count_held_ms"] = median([ms for ms, _ in held]) if held else None
        counts.update(n for _, n in held)
        assert len(counts) == 1, (sid, counts)
        r["count"] = counts.pop()
        ids = sorted(row[0] for row in con.execute(members_sql, values).fetchall())
        con.close()
        r["members_file"] = write_members(Path(out_dir), "handwritten", sid, ids)
        r["members_count"] = len(ids)
        results[sid] = r
    return results


def pandas_phase(url: str, segment_ids: list[str], as_of: datetime, repeats: int, out_dir: str) -> dict:
    from bench.segments import pandas_impl

    started = time.perf_counter()
    frames = pandas_impl.load(_duckdb_path(url), as_of)
    results: dict[str, Any] = {"_load": {"load_ms": ms_since(started), "rss_after_load_mb": peak_rss_mb()}}
    for sid in segment_ids:
        times, ids = [], []
        for _ in range(max(1, min(repeats, 3))):
            started = time.perf_counter()
            ids = pandas_impl.SEGMENTS[sid](frames)
            times.append(ms_since(started))
        results[sid] = {
            "ms": median(times),
            "members_file": write_members(Path(out_dir), "pandas", sid, ids),
            "members_count": len(ids),
        }
    return results


def one_pass(url: str, segment_ids: list[str], as_of: datetime, repeats: int, quick: bool = False) -> dict:
    """Every segment counted in one call, ``Workspace.counts``: the API call against the API call."""
    ws = connect(url)
    out: dict[str, Any] = {"method": "Workspace.counts(refs, as_of)"}
    started = time.perf_counter()
    counts = ws.counts(segment_ids, as_of)
    out["cold_e2e_ms"] = ms_since(started)
    e2e = [out["cold_e2e_ms"]] if quick else []
    for _ in range(0 if quick else repeats):
        started = time.perf_counter()
        counts = ws.counts(segment_ids, as_of)
        e2e.append(ms_since(started))
    out["e2e_ms"] = median(e2e)
    out["counts"] = {str(k): int(v) for k, v in counts.items()}
    ws.close()
    return out


# (segment, path of the node edited, method, values cycled through): edits a marketer makes,
# one per measured segment. Each value differs from the one before it (and the first from
# the saved document), so every edit asks for a new count; the last value is the saved one.
BUILDER_EDITS = (
    ("abandoned_cart", "rule", "set_within", ("4h", "1h", "24h", "2h")),
    ("birthday", "rule", "set_value", (14, 3, 30, 7)),
    ("cross_sell", "rule.all[0].where[0]", "set_value", ("p_shoe_run_02", "p_shoe_run_03", "p_shoe_run_01")),
    ("interested", "rule", "set_window", ("14d", "3d", "30d", "7d")),
    ("lapsed", "rule", "set_window", ("60d", "14d", "90d", "30d")),
    ("mobile_active", "rule", "set_window", ("30d", "1d", "14d", "7d")),
    ("multichannel", "rule", "set_within", ("48h", "1h", "12h", "24h")),
    ("new_subscribers", "rule", "set_value", ("14d", "30d", "1d", "7d")),
    ("no_email_opens", "rule.all[0]", "set_window", ("14d", "60d", "7d", "30d")),
    ("push_ignored", "rule", "set_within", ("48h", "12h", "72h", "24h")),
    ("target_city", "rule", "set_value", ("Kraków", "Warszawa", "Poznań", "Gdańsk")),
    ("topic_readers", "rule", "set_value", (2, 4, 5, 3)),
    ("vip", "rule", "set_value", (1500, 2000, 800, 1200)),
    (
        "two_attributes",
        "rule.all[0]",
        "set_value",
        (["Szczecin", "Bydgoszcz"], ["Lublin", "Białystok"], ["Kraków", "Wrocław"], ["Szczecin", "Lublin"]),
    ),
)


def builder(url: str, as_of: datetime, repeats: int, segment_ids: list[str]) -> dict:
    """The rule builder's path in-process: from a rule edit method call to the count being
    shown (validation, re-rendering the tree, compiling every part and the one count query),
    for the edits of ``segment_ids``."""
    from workbench.widgets.builder import SegmentBuilder

    ws = connect(url)
    samples: dict[str, list[float]] = {}
    first_ms: dict[str, float] = {}
    for sid, path, method, values in (edit for edit in BUILDER_EDITS if edit[0] in segment_ids):
        b = SegmentBuilder(ws, sid, as_of=as_of, debounce=0)
        b.wait_for_count()
        times = []
        for i in range(max(repeats, len(values))):
            value = values[i % len(values)]
            started = time.perf_counter()
            if method == "set_window":
                b.set_window(path, last=value)
            else:
                getattr(b, method)(path, value)
            preview = b.wait_for_count()
            times.append(ms_since(started))
            if preview.error:
                raise RuntimeError(f"builder count failed for {sid}: {preview.error}")
            if b.problems or preview.total is None:  # an invalid rule is not counted: no timing
                raise RuntimeError(f"builder edit {method}({path!r}, {value!r}) of {sid} made the rule invalid")
        first_ms[sid] = times[0]
        samples[sid] = times
        b.close()
    ws.close()
    every = [t for ts in samples.values() for t in ts]
    return {
        "median_ms": median(every),
        "max_ms": max(every, default=float("nan")),
        "per_segment_ms": {sid: median(ts) for sid, ts in samples.items()},
        "per_segment_max_ms": {sid: max(ts) for sid, ts in samples.items()},
        "first_ms": first_ms,
        "edits": len(every),
    }


def postgres(
    pg_url: str,
    duck_url: str | None,
    segment_ids: list[str],
    as_of: datetime,
    repeats: int,
    out_dir: str,
    quick: bool = False,
) -> dict:
    """The compiler on PostgreSQL and the hand-written SQL on the same database; the
    compiler on DuckDB at the same scale (``duck_url``; None when the main run already has
    that scale) for the member check and a timing next to PostgreSQL's."""
    import psycopg

    results = {}
    duck = connect(duck_url) if duck_url else None
    pg_info: dict[str, Any] = {}
    conninfo = data.libpq(pg_url)
    with psycopg.connect(conninfo) as conn:
        pg_info["version"] = conn.execute("SHOW server_version").fetchone()[0]
    for sid in segment_ids:
        r: dict[str, Any] = {}
        ws = connect(pg_url)  # a new connection: the first count is cold (server caches stay warm)
        r["count"], r["count_cold_ms"] = ws.count_timed(sid, as_of)
        warm = [ws.count_timed(sid, as_of)[1] for _ in range(0 if quick else repeats)]
        r["count_warm_ms"] = median(warm or [r["count_cold_ms"]])
        r["members_file"] = write_members(Path(out_dir), "pg_compiler", sid, ws.members(sid, as_of))
        ws.close()
        count_sql, values = handwritten.render(sid, as_of, "postgres", count=True)
        members_sql, _ = handwritten.render(sid, as_of, "postgres")
        with psycopg.connect(conninfo) as conn:
            conn.execute("SET statement_timeout = '300s'")
            times = []
            for _ in range(1 if quick else repeats + 1):
                started = time.perf_counter()
                conn.execute(count_sql, values).fetchone()
                times.append(ms_since(started))
            r["hand_cold_ms"], r["hand_warm_ms"] = times[0], median(times[1:] or times)
            hand_ids = sorted(row[0] for row in conn.execute(members_sql, values).fetchall())
        r["hand_members_file"] = write_members(Path(out_dir), "pg_handwritten", sid, hand_ids)
        if duck is not None:
            r["duckdb_count_ms"] = median([duck.count_timed(sid, as_of)[1] for _ in range(1 if quick else repeats)])
            ids = duck.members(sid, as_of)
            r["duckdb_members_file"] = write_members(Path(out_dir), "pg_scale_duckdb", sid, ids)
        results[sid] = r
    if duck is not None:
        duck.close()
    return {"segments": results, "server": pg_info}
