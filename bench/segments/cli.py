"""``python -m bench.segments`` (``scripts/bench.sh``): run the benchmark, print the table,
optionally write it to ``docs/benchmarks.md``. Progress goes to stderr, the table to stdout;
the exit status is 1 when any member set disagrees or a phase failed."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.segments import data, library, phases, report
from bench.segments.handwritten import SEGMENT_IDS, sql_text

DOCS = data.ROOT / "docs" / "benchmarks.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench.sh", description=__doc__)
    p.add_argument(
        "--contacts",
        type=int,
        default=1_000_000,
        help="contacts of the DuckDB sample (default 1,000,000; the generator makes ~22 events each)",
    )
    p.add_argument("--seed", type=int, default=data.DEFAULT_SEED)
    p.add_argument("--repeats", type=int, default=5, help="warm repeats per measurement (median reported)")
    p.add_argument(
        "--segments",
        default="",
        help="comma-separated segment ids: the examples' and the benchmark's own (default: all)",
    )
    p.add_argument("--skip-pg", action="store_true", help="leave PostgreSQL out")
    p.add_argument(
        "--pg", default=os.environ.get("WORKBENCH_TEST_PG"), help="PostgreSQL admin URL (default $WORKBENCH_TEST_PG)"
    )
    p.add_argument(
        "--pg-contacts", type=int, default=100_000, help="contacts of the PostgreSQL sample (default 100,000)"
    )
    p.add_argument("--show-sql", metavar="ID", help="print the hand-written SQL of a segment and exit")
    p.add_argument(
        "--report",
        type=Path,
        metavar="RESULTS_JSON",
        help="lay out an earlier run's results.json again (with --write-docs: into the page) instead of measuring",
    )
    p.add_argument("--rebuild", action="store_true", help="build the cached stores again")
    p.add_argument(
        "--quick",
        action="store_true",
        help="one run of everything, no held-connection counts: a check of the results (tests)",
    )
    p.add_argument("--skip-pandas", action="store_true")
    p.add_argument("--skip-builder", action="store_true")
    p.add_argument(
        "--isolate",
        choices=("segment", "phase"),
        default="segment",
        help="a fresh process per segment (default; every cold count is a process's first) or per phase (faster)",
    )
    p.add_argument("--cache-dir", type=Path, default=data.CACHE_DIR, help="where loaded stores are kept")
    p.add_argument("--out", type=Path, default=None, help="run directory (member lists, results.json)")
    p.add_argument(
        "--write-docs",
        nargs="?",
        const=DOCS,
        default=None,
        type=Path,
        help=f"write the results into {DOCS.relative_to(data.ROOT)} (or the given file)",
    )
    return p.parse_args(argv)


def run(args: argparse.Namespace, argv: list[str]) -> report.Report:
    started = time.perf_counter()
    as_of = data.AS_OF
    known = library.segment_ids()
    segments = [s.strip() for s in args.segments.split(",") if s.strip()] or known
    unknown = [s for s in segments if s not in known or s not in SEGMENT_IDS]
    if unknown:
        raise SystemExit(f"unknown segment(s): {', '.join(unknown)}; known: {', '.join(known)}")
    missing = [s for s in known if s not in SEGMENT_IDS]
    run_dir = args.out or args.cache_dir / "runs" / datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    pg = None if args.skip_pg else args.pg
    rep = report.Report(
        config={
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "scripts/bench.sh " + shlex.join(argv),
            "contacts": args.contacts,
            "seed": args.seed,
            "as_of": as_of.isoformat(),
            "repeats": args.repeats,
            "segments": segments,
            "pg_contacts": args.pg_contacts if pg else None,
            "isolate": args.isolate,
            "run_dir": str(run_dir),
        },
        machine=report.machine(),
    )
    if missing:
        rep.errors.append(f"no hand-written SQL for segment(s) {', '.join(missing)}")
    say = phases.log

    def phase(name: str, fn, *a, **kw):
        t0 = time.perf_counter()
        try:
            result, rss = phases.isolated(fn, *a, **kw)
        except phases.PhaseFailed as exc:
            say(f"!! {name} failed: {exc}")
            rep.errors.append(f"{name}: {exc}")
            return None
        rep.rss[name] = rss
        say(f"   {name}: {time.perf_counter() - t0:.1f} s, peak RSS {rss:,.0f} MB")
        return result

    say(f"== data: {args.contacts:,} contacts (cache {args.cache_dir})")
    main = phase("build:duckdb", phases.build_duckdb, args.contacts, args.seed, str(args.cache_dir), args.rebuild)
    if main is None:
        return rep
    if main["cached"]:
        rep.rss.pop("build:duckdb", None)  # opening the cache says nothing about importing
    rep.datasets[f"DuckDB {args.contacts:,}"] = main
    url = main["url"]

    say(f"== compiler and hand-written SQL on DuckDB ({len(segments)} segments, {args.repeats} repeats)")
    groups = [[s] for s in segments] if args.isolate == "segment" else [segments]
    for group in groups:
        label = group[0] if len(group) == 1 else "all"
        got = phase(f"compiler:{label}", phases.compiler, url, group, as_of, args.repeats, str(run_dir), args.quick)
        rep.compiler.update(got or {})
        got = phase(f"hand:{label}", phases.hand_duckdb, url, group, as_of, args.repeats, str(run_dir), args.quick)
        rep.hand.update(got or {})
        for sid in group:
            c, h = rep.compiler.get(sid), rep.hand.get(sid)
            if c and h:
                say(
                    f"   {sid}: {c['count']:,} members; compile {c['compile_ms']:.1f} ms; count cold "
                    f"{c['count_cold_ms']:.0f} warm {c['count_warm_ms']:.0f} ms; hand {h['count_warm_ms']:.0f} ms"
                )

    if not args.skip_pandas:
        say("== pandas")
        rep.pandas = phase("pandas", phases.pandas_phase, url, segments, as_of, args.repeats, str(run_dir)) or {}

    say("== all segments in one pass")
    rep.one_pass = phase("one_pass", phases.one_pass, url, segments, as_of, args.repeats, args.quick)

    if not args.skip_builder:
        say("== builder: edit → count shown")
        rep.builder = phase("builder", phases.builder, url, as_of, args.repeats, segments)

    if pg:
        say(f"== PostgreSQL at {args.pg_contacts:,} contacts")
        small = (
            main
            if args.pg_contacts == args.contacts
            else phase(
                "build:duckdb-pg-scale",
                phases.build_duckdb,
                args.pg_contacts,
                args.seed,
                str(args.cache_dir),
                args.rebuild,
            )
        )
        pg_data = phase("build:postgres", phases.build_postgres, pg, args.pg_contacts, args.seed, args.rebuild)
        if small and pg_data:
            if small is not main:
                rep.datasets[f"DuckDB {args.pg_contacts:,} (PG scale)"] = small
            rep.datasets[f"PostgreSQL {args.pg_contacts:,}"] = pg_data
            rep.pg = phase(
                "postgres",
                phases.postgres,
                pg_data["url"],
                None if small is main else small["url"],
                segments,
                as_of,
                args.repeats,
                str(run_dir),
                args.quick,
            )
    elif not args.skip_pg:
        rep.errors.append("PostgreSQL: no server given (--pg URL or WORKBENCH_TEST_PG); use --skip-pg to leave it out")

    check_members(rep, segments)
    rep.duration_s = time.perf_counter() - started
    (run_dir / "results.json").write_text(json.dumps(rep.__dict__, indent=2, default=str))
    return rep


def _same(rep: report.Report, what: str, files: dict[str, str | None]) -> None:
    present = {name: path for name, path in files.items() if path}
    if len(present) < 2:
        return
    sets = {name: phases.read_members(path) for name, path in present.items()}
    names = list(sets)
    base = sets[names[0]]
    bad = []
    for other in names[1:]:
        if sets[other] != base:
            only_a = sorted(set(base) - set(sets[other]))[:3]
            only_b = sorted(set(sets[other]) - set(base))[:3]
            bad.append(
                f"{names[0]} {len(base):,} vs {other} {len(sets[other]):,} "
                f"(only in {names[0]}: {only_a}; only in {other}: {only_b})"
            )
    detail = "; ".join(bad) if bad else f"{len(base):,} members in " + ", ".join(names)
    rep.checks.append((what, not bad, detail))


def check_members(rep: report.Report, segments: list[str]) -> None:
    """Every implementation must select exactly the same contacts."""
    same_scale = rep.config.get("pg_contacts") == rep.config["contacts"]
    for sid in segments:
        c = rep.compiler.get(sid, {})
        if c and c.get("members_count") != c.get("count"):
            rep.checks.append(
                (f"{sid}: compiler count = members", False, f"{c.get('count')} vs {c.get('members_count')}")
            )
        _same(
            rep,
            f"{sid} at {rep.config['contacts']:,}: compiler = hand-written SQL = pandas",
            {
                "compiler": c.get("members_file"),
                "handwritten": rep.hand.get(sid, {}).get("members_file"),
                "pandas": rep.pandas.get(sid, {}).get("members_file"),
            },
        )
        if rep.one_pass and c and sid in rep.one_pass.get("counts", {}):
            n = rep.one_pass["counts"][sid]
            if n != c["count"]:
                rep.checks.append((f"{sid}: one-pass count = single count", False, f"{n} vs {c['count']}"))
        g = (rep.pg or {}).get("segments", {}).get(sid)
        if g:
            _same(
                rep,
                f"{sid} at {rep.config['pg_contacts']:,}: PostgreSQL compiler = PostgreSQL hand-written = DuckDB compiler",
                {
                    "pg_compiler": g.get("members_file"),
                    "pg_handwritten": g.get("hand_members_file"),
                    "duckdb_compiler": g.get("duckdb_members_file") or (c.get("members_file") if same_scale else None),
                },
            )
    for sid in segments:
        if sid not in rep.compiler or sid not in rep.hand:
            rep.checks.append((f"{sid}: measured", False, "a phase failed; see the errors"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.show_sql:
        print(sql_text(args.show_sql))
        return 0
    if args.quick:
        args.repeats = 1
    rep = report.Report(**json.loads(args.report.read_text())) if args.report else run(args, argv)
    print(rep.table_text())
    print()
    for what, verdict, detail in rep.targets():
        print(f"{verdict.replace('*', ''):>12}  {what}: {detail}")
    if rep.builder:
        print(f"\nbuilder edit → count shown: {rep.builder_text()}")
    print()
    failed = [c for c in rep.checks if not c[1]]
    for what, _, detail in failed:
        print(f"MISMATCH  {what}: {detail}")
    for error in rep.errors:
        print(f"ERROR  {error}")
    if not failed and not rep.errors:
        print(f"all {len(rep.checks)} member-set checks agree")
    if args.write_docs:
        rep.write_docs(args.write_docs)
        phases.log(f"wrote {args.write_docs}")
    phases.log(f"run directory: {rep.config['run_dir']} ({rep.duration_s / 60:.1f} min)")
    return 0 if rep.ok else 1
