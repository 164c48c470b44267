"""The benchmark's report: the machine, the table of medians and ratios, the targets."""

from __future__ import annotations

import math
import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"

# Issue #9's targets (DuckDB, warm).
COUNT_RATIO_MAX = 1.5
COUNT_MS_MAX = 500.0
COMPILE_MS_MAX = 20.0
BUILDER_MS_MAX = 300.0
ONE_PASS_RATIO_MAX = 2.0
RSS_MB_MAX = 4096.0


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS and the versions that matter."""
    import duckdb
    import ibis
    import pandas
    import pyarrow

    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    load = _read("/proc/loadavg").split()[:3]
    return {
        "cpu": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "memory": f"{int(mem.group(1)) / 1024**2:.1f} GiB" if mem else "unknown",
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "load average at start": " ".join(load) if load else "unknown",
    }


def fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b:
        return None
    return a / b


@dataclass
class Report:
    """Everything one run measured; ``markdown`` and ``text`` lay it out."""

    config: dict
    machine: dict
    datasets: dict = field(default_factory=dict)
    compiler: dict = field(default_factory=dict)
    hand: dict = field(default_factory=dict)
    pandas: dict = field(default_factory=dict)
    one_pass: dict | None = None
    builder: dict | None = None
    pg: dict | None = None
    rss: dict = field(default_factory=dict)  # phase -> peak MB
    checks: list = field(default_factory=list)  # (what, ok, detail)
    errors: list = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and all(ok for _, ok, _ in self.checks)

    def segments(self) -> list[str]:
        return list(self.config["segments"])

    # --- the per-segment table -----------------------------------------------------------

    HEADER = (
        "segment",
        "members",
        "compile ms",
        "to SQL ms",
        "cached SQL ms",
        "count cold ms",
        "count warm ms",
        "count held ms",
        "count call ms",
        "hand SQL ms",
        "ratio",
        "hand held ms",
        "held ratio",
        "pandas ms",
        "members ms",
        "PG ms (compiler / hand)",
        "RSS MB",
    )

    def rows(self) -> list[list[str]]:
        out = []
        for sid in self.segments():
            c, h = self.compiler.get(sid, {}), self.hand.get(sid, {})
            p = self.pandas.get(sid, {})
            g = (self.pg or {}).get("segments", {}).get(sid, {})
            pg = f"{fmt(g.get('count_warm_ms'))} / {fmt(g.get('hand_warm_ms'))}" if g else "–"
            rss = max(v for v in (self.rss.get(f"compiler:{sid}"), self.rss.get(f"hand:{sid}"), 0.0) if v is not None)
            out.append(
                [
                    sid,
                    fmt(c.get("count")),
                    fmt(c.get("compile_ms"), 1),
                    fmt(c.get("sql_ms"), 1),
                    fmt(c.get("sql_cached_ms"), 1),
                    fmt(c.get("count_cold_ms")),
                    fmt(c.get("count_warm_ms")),
                    fmt(c.get("count_held_ms")),
                    fmt(c.get("count_e2e_ms")),
                    fmt(h.get("count_warm_ms")),
                    fmt(ratio(c.get("count_warm_ms"), h.get("count_warm_ms")), 2),
                    fmt(h.get("count_held_ms")),
                    fmt(ratio(c.get("count_held_ms"), h.get("count_held_ms")), 2),
                    fmt(p.get("ms")),
                    fmt(c.get("members_ms")),
                    pg,
                    fmt(rss or None),
                ]
            )
        return out

    def table_markdown(self) -> str:
        lines = ["| " + " | ".join(self.HEADER) + " |", "|" + "|".join("---" for _ in self.HEADER) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows()]
        return "\n".join(lines)

    def table_text(self) -> str:
        rows = [list(self.HEADER), *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADER))]
        lines = [
            "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
            for r in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    # --- targets -------------------------------------------------------------------------

    def targets(self) -> list[tuple[str, str, str]]:
        """(target, met/missed/not measured, detail)."""
        out = []
        segs = [s for s in self.segments() if s in self.compiler and s in self.hand]

        def verdict(ok: bool | None) -> str:
            return "not measured" if ok is None else ("met" if ok else "**missed**")

        ratios = {s: ratio(self.compiler[s]["count_warm_ms"], self.hand[s]["count_warm_ms"]) for s in segs}
        over = [f"{s} {r:.2f}×" for s, r in ratios.items() if r is not None and r > COUNT_RATIO_MAX]
        out.append(
            (
                f"warm count ≤ {COUNT_RATIO_MAX}× the hand-written SQL, every segment",
                verdict(not over if segs else None),
                ("over: " + ", ".join(over)) if over else f"worst {max(ratios.values(), default=0):.2f}×",
            )
        )
        slow = [
            f"{s} {self.compiler[s]['count_warm_ms']:.0f} ms"
            for s in segs
            if self.compiler[s]["count_warm_ms"] > COUNT_MS_MAX
        ]
        worst = max((self.compiler[s]["count_warm_ms"] for s in segs), default=0.0)
        out.append(
            (
                f"warm count ≤ {COUNT_MS_MAX:.0f} ms, every segment",
                verdict(not slow if segs else None),
                ("over: " + ", ".join(slow)) if slow else f"slowest {worst:.0f} ms",
            )
        )
        comp = {s: self.compiler[s]["compile_ms"] for s in segs}
        comp_sql = {s: self.compiler[s]["compile_ms"] + self.compiler[s]["sql_ms"] for s in segs}
        cached = [self.compiler[s]["sql_cached_ms"] for s in segs if self.compiler[s].get("sql_cached_ms") is not None]
        over_c = [f"{s} {v:.1f} ms" for s, v in comp.items() if v > COMPILE_MS_MAX]
        worst_sql = max(comp_sql.values(), default=0.0)
        out.append(
            (
                f"compile ≤ {COMPILE_MS_MAX:.0f} ms (rule → Ibis expression, uncached)",
                verdict(not over_c if segs else None),
                (("over: " + ", ".join(over_c)) if over_c else f"slowest {max(comp.values(), default=0):.1f} ms")
                + f"; rule → SQL text uncached (what a new or edited rule costs): slowest {worst_sql:.1f} ms"
                + (
                    f"; from the workspace's SQL cache (a rule seen before): slowest {max(cached):.1f} ms"
                    if cached
                    else ""
                ),
            )
        )
        every_segment = f"builder edit → count shown ≤ {BUILDER_MS_MAX:.0f} ms, every segment (its median; issue 16)"
        if self.builder:
            b = self.builder["median_ms"]
            out.append(
                (
                    f"builder edit → count shown ≤ {BUILDER_MS_MAX:.0f} ms median",
                    verdict(b <= BUILDER_MS_MAX),
                    f"median {b:.0f} ms over {self.builder['edits']} edits (max {self.builder['max_ms']:.0f} ms)",
                )
            )
            per = self.builder["per_segment_ms"]
            over_b = [f"{s} {v:.0f} ms" for s, v in per.items() if v > BUILDER_MS_MAX]
            slowest_b = max(per, key=per.__getitem__, default=None)
            if over_b:
                detail = f"over: {', '.join(over_b)}"
            else:
                detail = f"slowest {slowest_b} {per[slowest_b]:.0f} ms" if slowest_b else ""
            out.append(
                (every_segment, verdict(not over_b if per else None), f"{detail} ({len(over_b)} of {len(per)} over)")
            )
        else:
            out.append((f"builder edit → count shown ≤ {BUILDER_MS_MAX:.0f} ms median", "not measured", ""))
            out.append((every_segment, "not measured", ""))
        if self.one_pass and segs:
            singles = {s: self.compiler[s] for s in segs}
            # the API call against the API call: catalog read, SQL, connection, query
            q, kind, key = self.one_pass["e2e_ms"], "whole call", "count_e2e_ms"
            slowest_id = max(singles, key=lambda s: singles[s][key])
            slowest = singles[slowest_id][key]
            out.append(
                (
                    f"all segments in one pass ≤ {ONE_PASS_RATIO_MAX:.0f}× the slowest single one",
                    verdict(q <= ONE_PASS_RATIO_MAX * slowest),
                    f"{self.one_pass['method']}: {q:,.0f} ms vs the slowest single count "
                    f"({slowest_id}) {slowest:,.0f} ms, {kind} against {kind} ({q / slowest:.2f}×); "
                    f"the {len(segs)} single counts one after another: "
                    f"{sum(v[key] for v in singles.values()):,.0f} ms",
                )
            )
        else:
            out.append(
                (f"all segments in one pass ≤ {ONE_PASS_RATIO_MAX:.0f}× the slowest single one", "not measured", "")
            )
        workbench_phases = {k: v for k, v in self.rss.items() if k.split(":")[0] in ("compiler", "one_pass", "builder")}
        if workbench_phases:
            phase, peak = max(workbench_phases.items(), key=lambda kv: kv[1])
            main = next(iter(self.datasets.values()), {})
            imported = self.rss.get("build:duckdb") or main.get("info", {}).get("import_peak_rss_mb")
            out.append(
                (
                    f"peak RSS ≤ {RSS_MB_MAX / 1024:.0f} GB (segment evaluation)",
                    verdict(peak <= RSS_MB_MAX),
                    f"highest {peak:,.0f} MB ({phase}); pandas {fmt(self.rss.get('pandas'))} MB; "
                    + (f"importing the data peaked at {imported:,.0f} MB" if imported else "import peak not recorded"),
                )
            )
        return out

    # --- documents -------------------------------------------------------------------------

    def machine_markdown(self) -> str:
        return "\n".join(f"- **{k}**: {v}" for k, v in self.machine.items())

    def data_markdown(self) -> str:
        lines = []
        for name, d in self.datasets.items():
            info = d.get("info", {})
            built = f"built in {d['built_s']:.0f} s" if d.get("built_s") else "from the cache"
            if info.get("built_s") and not d.get("built_s"):
                built += f"; building it took {info['built_s']:.0f} s"
            if info.get("import_peak_rss_mb"):
                built += f", peak RSS {info['import_peak_rss_mb']:,} MB"
            lines.append(
                f"- **{name}**: {d['contacts']:,} contacts, {d['events']:,} events, "
                f"{d['identities']:,} identity links ({built})"
            )
        return "\n".join(lines)

    def checks_markdown(self) -> str:
        lines = []
        for what, ok, detail in self.checks:
            lines.append(f"- {'OK' if ok else '**MISMATCH**'}: {what}" + (f" — {detail}" if detail else ""))
        for error in self.errors:
            first = error.strip().splitlines()
            lines.append(f"- **ERROR**: {first[0] if first else error}" + (f" … {first[-1]}" if len(first) > 1 else ""))
        return "\n".join(lines)

    def extras_markdown(self) -> str:
        lines = []
        if self.one_pass:
            lines.append(
                f"- **All segments in one pass** ({self.one_pass['method']}): "
                f"compile + query {self.one_pass['e2e_ms']:,.0f} ms"
            )
        if self.builder:
            lines.append(f"- **Builder edit → count shown**: {self.builder_text()}")
        load = self.pandas.get("_load")
        if load:
            lines.append(
                f"- **pandas load** (columns read from the store, stitched, categoricals): "
                f"{load['load_ms'] / 1000:,.1f} s, peak RSS {self.rss.get('pandas', 0):,.0f} MB"
            )
        if self.pg:
            lines.append(
                f"- **PostgreSQL** {self.pg.get('server', {}).get('version', '')} at "
                f"{self.config['pg_contacts']:,} contacts (compiler / hand-written SQL, warm ms): "
                + ", ".join(
                    f"{s} {fmt(r.get('count_warm_ms'))} / {fmt(r.get('hand_warm_ms'))}"
                    + (f" (DuckDB {fmt(r['duckdb_count_ms'])})" if r.get("duckdb_count_ms") is not None else "")
                    for s, r in self.pg["segments"].items()
                )
            )
        if self.rss:
            lines.append("- **Peak RSS per phase (MB)**: " + ", ".join(f"{k} {v:,.0f}" for k, v in self.rss.items()))
        return "\n".join(lines)

    def builder_text(self) -> str:
        """The builder's edits: overall median, and each segment's median (and max when
        recorded: runs before it was have only the medians)."""
        b = self.builder or {}
        if not b:
            return "not measured"
        highest = b.get("per_segment_max_ms", {})
        per = ", ".join(
            f"{k} {v:,.0f}" + (f" ({highest[k]:,.0f})" if k in highest else "") for k, v in b["per_segment_ms"].items()
        )
        unit = "median (max) ms" if highest else "median ms"
        return f"median {b['median_ms']:,.0f} ms over {b['edits']} edits (per segment, {unit}: {per})"

    def markdown(self) -> str:
        cfg = self.config
        targets = "\n".join(f"| {t} | {v} | {d} |" for t, v, d in self.targets())
        return f"""{BEGIN}
<!-- generated by `scripts/bench.sh --write-docs`; edit the text outside these markers -->

### Run of {cfg["started"]}

`{cfg["command"]}` — {cfg["contacts"]:,} contacts, seed {cfg["seed"]}, as of {cfg["as_of"]},
{cfg["repeats"]} warm repeats; the whole run took {self.duration_s / 60:.1f} min.
{"" if self.ok else chr(10) + "**This run found problems: see the checks below.**" + chr(10)}
**Machine**

{self.machine_markdown()}

**Data**

{self.data_markdown()}

**Results** (milliseconds; medians of the warm repeats; ratio = compiler ÷ hand-written SQL)

{self.table_markdown()}

{self.extras_markdown()}

**Result checks** (member sets, every segment)

{self.checks_markdown()}

**Targets** (issue #9: DuckDB, warm)

| target | result | detail |
|---|---|---|
{targets}
{END}"""

    def write_docs(self, path: Path) -> None:
        """Replace the generated block of ``path`` (or append it) with this run."""
        text = path.read_text() if path.exists() else ""
        block = self.markdown()
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            text = head + block + tail
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        path.write_text(text)
