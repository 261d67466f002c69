"""tools/bench/run: every benchmark in one run, as one table.

Builds //tools/bench/... with -c opt, runs every benchmark program of the
package (Google Benchmark, JSON output), runs tools/bench/cpython_bench.py
for CPython's figures, and prints one table: each operation's figure for
mpkata, CPython, the raw limit and Boost, the ratios between them, and the
goal issue 7 set for it, met or missed by how much. A full run writes the
table to BENCHMARKS.md (with the machine and how to reproduce it) and a bar
chart of the ratios to tools/bench/benchmarks.svg.

Every figure is the best of --reps repetitions, on both sides: on a shared
machine other work only ever adds time, so the best repetition is the one
least disturbed (a speedup, a ratio of two timings, is the median instead).
Standard library only: nothing to install beyond python3.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO_ROOT / "tools" / "bench"
MARKDOWN_PATH = REPO_ROOT / "BENCHMARKS.md"
CHART_PATH = BENCH_DIR / "benchmarks.svg"
PACKAGE = "//tools/bench"
BOOST_SHM_PREFIX = "bench-boost-mq-"  # boost_queue_benchmark.cc's kNamePrefix

# What a figure measures; says how to print it and which way is better.
TIME, RATE, BANDWIDTH, RATIO = "time", "rate", "bandwidth", "ratio"
LOWER_IS_BETTER = {TIME}


@dataclasses.dataclass(frozen=True)
class Source:
    """One figure from one Google Benchmark program.

    benchmark: the name without Google Benchmark's suffixes (/real_time,
      /manual_time, /min_time:...), e.g. "BM_PipeRoundTrip/8".
    field: "time" for the time per iteration, in seconds; otherwise a
      counter (items_per_second, bytes_per_second, or a user counter).
    scale: what the field is multiplied by (1e-9 for a counter in ns).
    """

    program: str
    benchmark: str
    field: str = "time"
    scale: float = 1.0


@dataclasses.dataclass(frozen=True)
class Goal:
    """Issue 7's goal for a row.

    kind: "at_most" (mpkata's figure <= value), "at_least" (>= value), or
      "fraction_of_peer" (>= value times the raw or Boost figure).
    """

    kind: str
    value: float
    text: str


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    group: str
    operation: str
    kind: str
    mpkata: Source
    cpython: str | None = None
    raw: Source | None = None
    raw_text: str | None = None  # a fixed raw limit instead of a measured one
    raw_value: float | None = None
    boost: Source | None = None
    goal: Goal | None = None


def _ns(program: str, benchmark: str, counter: str) -> Source:
    return Source(program, benchmark, counter, 1e-9)


PL, PIPE, QUEUE, BOOST, POOL = (
    "process_and_lock_benchmark",
    "pipe_benchmark",
    "queue_benchmark",
    "boost_queue_benchmark",
    "pool_benchmark",
)

ROWS: list[Row] = [
    Row("process_start_join", "process", "Process start+join", TIME,
        Source(PL, "BM_ProcessStartJoin"), "process_start_join",
        raw=Source(PL, "BM_RawForkWaitpid"), goal=Goal("at_most", 0.5e-3, "< 0.5 ms")),
    Row("pool_create_teardown", "pool", "Pool(2) create+teardown", TIME,
        Source(POOL, "BM_PoolCreateTeardown"), "pool_create_teardown",
        goal=Goal("at_most", 1e-3, "< 1 ms")),
    Row("pool_map_chunksize1", "pool", "Pool.map per item, chunksize 1", TIME,
        _ns(POOL, "BM_PoolMapTrivial/1", "ns_per_item"), "pool_map_chunksize1",
        goal=Goal("at_most", 2e-6, "< 2 µs")),
    Row("pool_map_default", "pool", "Pool.map per item, default chunksize", TIME,
        _ns(POOL, "BM_PoolMapTrivial/0", "ns_per_item"), "pool_map_default"),
    Row("pool_map_cpu_speedup", "pool", "Pool.map CPU-bound speedup, 2 workers", RATIO,
        Source(POOL, "BM_PoolMapCpuBound", "speedup"), "pool_map_cpu_speedup",
        raw_text="2 (ideal)", raw_value=2.0, goal=Goal("at_least", 1.9, "≥ 1.9×")),
    Row("queue_8", "queue", "Queue<std::string>, 8 B messages", RATE,
        Source(QUEUE, "BM_QueueOfStrings/8", "items_per_second"), "queue_8",
        boost=Source(BOOST, "BM_BoostMessageQueue/8", "items_per_second"),
        goal=Goal("fraction_of_peer", 1.0, "≥ Boost")),
    Row("message_queue_8", "queue", "MessageQueue (bytes), 8 B messages", RATE,
        Source(QUEUE, "BM_MessageQueueBytes/8", "items_per_second"), "queue_8",
        boost=Source(BOOST, "BM_BoostMessageQueue/8", "items_per_second"),
        goal=Goal("fraction_of_peer", 1.0, "≥ Boost")),
    Row("queue_1024", "queue", "Queue<std::string>, 1 KiB messages", RATE,
        Source(QUEUE, "BM_QueueOfStrings/1024", "items_per_second"), "queue_1024",
        boost=Source(BOOST, "BM_BoostMessageQueue/1024", "items_per_second")),
    Row("message_queue_1024", "queue", "MessageQueue (bytes), 1 KiB messages", RATE,
        Source(QUEUE, "BM_MessageQueueBytes/1024", "items_per_second"), "queue_1024",
        boost=Source(BOOST, "BM_BoostMessageQueue/1024", "items_per_second")),
    Row("pipe_round_trip", "pipe", "Pipe() round trip, 8 B", TIME,
        Source(PIPE, "BM_PipeRoundTrip/8"), "pipe_round_trip_8",
        raw=Source(PIPE, "BM_RawRoundTrip/8/1")),
    Row("pipe_bandwidth", "pipe", "Pipe() bandwidth, 64 KiB (socketpair)", BANDWIDTH,
        Source(PIPE, "BM_PipeBandwidth/65536/1", "bytes_per_second"), "pipe_bandwidth_64k",
        raw=Source(PIPE, "BM_RawBandwidth/65536/1", "bytes_per_second"),
        goal=Goal("fraction_of_peer", 0.9, "≥ 90% of raw")),
    Row("pipe_bandwidth_pipe", "pipe", "Pipe(duplex=False) bandwidth, 64 KiB (pipe)", BANDWIDTH,
        Source(PIPE, "BM_PipeBandwidth/65536/0", "bytes_per_second"), "pipe_bandwidth_64k_pipe",
        raw=Source(PIPE, "BM_RawBandwidth/65536/0", "bytes_per_second")),
    Row("value_increment", "value", "Value increments under its lock", RATE,
        Source(PL, "BM_ValueLockedIncrement", "items_per_second"), "value_locked_increment",
        raw=Source(PL, "BM_RawSharedMutexIncrement", "items_per_second"),
        goal=Goal("at_least", 20e6, "> 20 M/s")),
    Row("value_increment_contended", "value", "Value increments, 2 processes (total)", RATE,
        Source(PL, "BM_ValueLockedIncrementContended", "total_per_second"),
        "value_locked_increment_contended",
        raw=Source(PL, "BM_RawSharedMutexIncrementContended", "total_per_second")),
    Row("lock_uncontended", "lock", "Lock acquire+release, uncontended", TIME,
        Source(PL, "BM_LockAcquireRelease"), "lock_uncontended",
        raw=Source(PL, "BM_RawProcessSharedMutex")),
]

# The raw limits on their own, for the second table (some rows use one).
RAW_LIMITS: list[tuple[str, str, Source]] = [
    ("fork + _exit + waitpid", TIME, Source(PL, "BM_RawForkWaitpid")),
    ("ping-pong 8 B, socketpair", TIME, Source(PIPE, "BM_RawRoundTrip/8/1")),
    ("ping-pong 8 B, two pipes", TIME, Source(PIPE, "BM_RawRoundTrip/8/0")),
    ("bandwidth 64 KiB writes, socketpair", BANDWIDTH, Source(PIPE, "BM_RawBandwidth/65536/1", "bytes_per_second")),
    ("bandwidth 64 KiB writes, pipe", BANDWIDTH, Source(PIPE, "BM_RawBandwidth/65536/0", "bytes_per_second")),
    ("process-shared mutex lock+unlock, uncontended", TIME, Source(PL, "BM_RawProcessSharedMutex")),
    ("process-shared mutex + increment, uncontended", RATE,
     Source(PL, "BM_RawSharedMutexIncrement", "items_per_second")),
    ("process-shared mutex + increment, 2 processes (total)", RATE,
     Source(PL, "BM_RawSharedMutexIncrementContended", "total_per_second")),
    ("Boost message_queue, 8 B", RATE, Source(BOOST, "BM_BoostMessageQueue/8", "items_per_second")),
    ("Boost message_queue, 1 KiB", RATE, Source(BOOST, "BM_BoostMessageQueue/1024", "items_per_second")),
]

GROUPS = sorted({row.group for row in ROWS})


# --- Reading Google Benchmark's JSON ------------------------------------------

_TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_NAME_SUFFIXES = {"real_time", "manual_time", "process_time"}


def base_name(run_name: str) -> str:
    """A run's name without the parts Google Benchmark adds for options.

    "BM_PipeRoundTrip/8/real_time" -> "BM_PipeRoundTrip/8";
    "BM_X/min_time:0.500/repeats:3" -> "BM_X".
    """
    parts = [p for p in run_name.split("/") if p not in _NAME_SUFFIXES and ":" not in p]
    return "/".join(parts)


def read_samples(report: dict) -> dict[str, list[dict]]:
    """The repetitions of each benchmark in one program's JSON, by base name."""
    samples: dict[str, list[dict]] = {}
    for entry in report.get("benchmarks", []):
        if entry.get("run_type", "iteration") != "iteration" or entry.get("error_occurred"):
            continue
        samples.setdefault(base_name(entry.get("run_name", entry["name"])), []).append(entry)
    return samples


def field_value(entry: dict, source: Source) -> float | None:
    if source.field == "time":
        return entry["real_time"] * _TIME_UNITS[entry.get("time_unit", "ns")]
    value = entry.get(source.field)
    return None if value is None else float(value) * source.scale


def best(values: list[float], kind: str) -> float:
    """The figure a row shows from its repetitions.

    The best repetition for a time or a rate: other programs only ever add
    time. For a ratio of two timings (a speedup) that argument fails: noise
    in either timing moves it either way, and the highest of five would pick
    the luckiest noise (CPython once showed 2.44x on two cores). A ratio
    shows its median.
    """
    if kind == RATIO:
        return statistics.median(values)
    return min(values) if kind in LOWER_IS_BETTER else max(values)


@dataclasses.dataclass
class Figure:
    """A figure for the table, or why there is none."""

    value: float | None = None
    why_missing: str = "—"
    samples: list[float] = dataclasses.field(default_factory=list)


class Results:
    """Every program's JSON, and what happened to the programs that gave none."""

    def __init__(self) -> None:
        self.samples: dict[str, dict[str, list[dict]]] = {}
        self.program_status: dict[str, str] = {}  # program -> "not built", "failed", ...
        self.cpython: dict | None = None
        self.cpython_status = "not run"

    def figure(self, source: Source | None, kind: str) -> Figure:
        if source is None:
            return Figure()
        if source.program not in self.samples:
            return Figure(why_missing=self.program_status.get(source.program, "not built"))
        entries = self.samples[source.program].get(source.benchmark)
        if not entries:
            return Figure(why_missing="not run")
        values = [v for v in (field_value(e, source) for e in entries) if v is not None]
        if not values:
            return Figure(why_missing=f"no {source.field}")
        return Figure(best(values, kind), samples=values)

    def cpython_figure(self, name: str | None, kind: str) -> Figure:
        if name is None:
            return Figure()
        if self.cpython is None:
            return Figure(why_missing=self.cpython_status)
        result = self.cpython["results"].get(name)
        if result is None:
            return Figure(why_missing="not run")
        return Figure(best(result["samples"], kind), samples=result["samples"])


# --- Ratios, goals, formatting ---------------------------------------------------


def speed_ratio(mine: float | None, other: float | None, kind: str) -> float | None:
    """How many times faster mpkata is than `other` (above 1: faster)."""
    if mine is None or other is None or mine <= 0 or other <= 0:
        return None
    return other / mine if kind in LOWER_IS_BETTER else mine / other


def judge(goal: Goal | None, mine: float | None, peer: float | None, kind: str) -> str:
    """"met", "missed: ..." with by how much, or why it cannot be judged."""
    if goal is None:
        return ""
    if mine is None:
        return "not measured"
    if goal.kind == "at_most":
        if mine <= goal.value:
            return "met"
        return f"missed: {mine / goal.value:.1f}× the limit ({format_value(mine, kind)})"
    if goal.kind == "at_least":
        if mine >= goal.value:
            return "met"
        return f"missed by {100 * (1 - mine / goal.value):.0f}% ({format_value(mine, kind)})"
    if goal.kind == "fraction_of_peer":
        if peer is None:
            return "no peer figure"
        fraction = mine / peer if kind not in LOWER_IS_BETTER else peer / mine
        if fraction >= goal.value:
            return f"met ({100 * fraction:.0f}%)"
        return f"missed: at {100 * fraction:.0f}% of it, short by {100 * (goal.value - fraction):.0f} points"
    raise ValueError(f"unknown goal kind {goal.kind!r}")


def _three_digits(number: float) -> str:
    if number >= 100:
        return f"{number:.0f}"
    if number >= 10:
        return f"{number:.1f}"
    return f"{number:.2f}"


def format_value(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == TIME:
        for limit, unit, scale in ((1e-6, "ns", 1e9), (1e-3, "µs", 1e6), (1.0, "ms", 1e3)):
            if value < limit:
                return f"{_three_digits(value * scale)} {unit}"
        return f"{_three_digits(value)} s"
    if kind == RATE:
        for limit, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if value >= limit:
                return f"{_three_digits(value / limit)} {unit}/s"
        return f"{_three_digits(value)} /s"
    if kind == BANDWIDTH:
        for limit, unit in ((1 << 30, "GiB/s"), (1 << 20, "MiB/s"), (1 << 10, "KiB/s")):
            if value >= limit:
                return f"{_three_digits(value / limit)} {unit}"
        return f"{_three_digits(value)} B/s"
    if kind == RATIO:
        return f"{value:.2f}×"
    raise ValueError(kind)


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.0f}×" if ratio >= 100 else f"{ratio:.3g}×"


@dataclasses.dataclass
class TableRow:
    row: Row
    mpkata: Figure
    cpython: Figure
    raw: Figure
    boost: Figure
    vs_cpython: float | None
    vs_peer: float | None
    peer_name: str
    verdict: str


def build_table(results: Results, rows: list[Row]) -> list[TableRow]:
    table = []
    for row in rows:
        mine = results.figure(row.mpkata, row.kind)
        cpython = results.cpython_figure(row.cpython, row.kind)
        raw = results.figure(row.raw, row.kind) if row.raw else Figure(row.raw_value)
        boost = results.figure(row.boost, row.kind)
        peer, peer_name = (boost, "Boost") if row.boost else (raw, "raw")
        table.append(TableRow(
            row, mine, cpython, raw, boost,
            speed_ratio(mine.value, cpython.value, row.kind),
            speed_ratio(mine.value, peer.value, row.kind),
            peer_name,
            judge(row.goal, mine.value, peer.value, row.kind),
        ))
    return table


def _cell(figure: Figure, kind: str, fixed: str | None = None) -> str:
    if fixed is not None and figure.value is not None:
        return fixed
    return format_value(figure.value, kind) if figure.value is not None else figure.why_missing


def table_lines(table: list[TableRow]) -> list[str]:
    """The table as Markdown, its columns padded so a terminal shows it aligned."""
    header = ["operation", "mpkata", "CPython", "raw limit", "Boost",
              "mpkata vs CPython", "mpkata vs raw/Boost", "goal (issue 7)", "result"]
    body = []
    for t in table:
        peer_ratio = format_ratio(t.vs_peer)
        if t.vs_peer is not None:
            peer_ratio += f" ({t.peer_name})"
        body.append([
            t.row.operation,
            _cell(t.mpkata, t.row.kind),
            _cell(t.cpython, t.row.kind),
            _cell(t.raw, t.row.kind, t.row.raw_text),
            _cell(t.boost, t.row.kind),
            format_ratio(t.vs_cpython),
            peer_ratio,
            t.row.goal.text if t.row.goal else "",
            t.verdict,
        ])
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in body]


def raw_limit_lines(results: Results) -> list[str]:
    lines = ["| raw limit | best | repetitions |", "|---|---|---|"]
    for name, kind, source in RAW_LIMITS:
        figure = results.figure(source, kind)
        samples = ", ".join(format_value(v, kind) for v in figure.samples)
        lines.append(f"| {name} | {_cell(figure, kind)} | {samples} |")
    return lines


# --- The chart -----------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chart_svg(table: list[TableRow], title: str) -> str:
    """A horizontal bar chart, log scale, of mpkata's speed ratios."""
    bars = [(t.row.operation, t.vs_cpython, t.vs_peer, t.peer_name) for t in table]
    ratios = [r for _, a, b, _ in bars for r in (a, b) if r]
    low = 10 ** math.floor(math.log10(min(ratios + [0.5])))
    high = 10 ** math.ceil(math.log10(max(ratios + [2.0])))
    label_width, plot_width, row_height, top = 330, 520, 34, 70
    height = top + row_height * len(bars) + 60
    width = label_width + plot_width + 40

    def x(ratio: float) -> float:
        return label_width + plot_width * (math.log10(ratio) - math.log10(low)) / (math.log10(high) - math.log10(low))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{_escape(title)}</text>',
        '<text x="10" y="42">How many times faster mpkata is (log scale; right of 1× is faster). '
        '<tspan fill="#3a6ea5">■ vs CPython</tspan>  <tspan fill="#d9822b">■ vs raw limit or Boost</tspan></text>',
    ]
    decade = low
    while decade <= high * 1.0001:
        gx = x(decade)
        colour = "#444" if abs(decade - 1) < 1e-9 else "#ddd"
        out.append(f'<line x1="{gx:.1f}" y1="{top - 8}" x2="{gx:.1f}" y2="{top + row_height * len(bars)}" stroke="{colour}"/>')
        out.append(f'<text x="{gx:.1f}" y="{top + row_height * len(bars) + 16}" text-anchor="middle">{decade:g}×</text>')
        decade *= 10
    for i, (name, vs_cpython, vs_peer, peer_name) in enumerate(bars):
        y = top + i * row_height
        out.append(f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end">{_escape(name)}</text>')
        for j, (ratio, colour) in enumerate(((vs_cpython, "#3a6ea5"), (vs_peer, "#d9822b"))):
            by = y + 4 + j * 13
            if not ratio:
                out.append(f'<text x="{x(1) + 4:.1f}" y="{by + 10}" fill="#999">n/a</text>')
                continue
            x0, x1 = sorted((x(1), x(ratio)))
            out.append(f'<rect x="{x0:.1f}" y="{by}" width="{max(x1 - x0, 1):.1f}" height="11" fill="{colour}"/>')
            tx = x1 + 4 if ratio >= 1 else x0 - 4
            anchor = "start" if ratio >= 1 else "end"
            label = format_ratio(ratio) + ("" if j == 0 else f" {peer_name}")
            out.append(f'<text x="{tx:.1f}" y="{by + 10}" text-anchor="{anchor}" font-size="10">{_escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- Running things -------------------------------------------------------------


class Runner:
    def __init__(self, args: argparse.Namespace, work_dir: Path):
        self.args = args
        self.work_dir = work_dir
        self.bazel = ["bazel"] + ([f"--output_base={args.output_base}"] if args.output_base else [])

    def say(self, text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    def run_bazel(self, arguments: list[str], log_name: str) -> subprocess.CompletedProcess:
        log = self.work_dir / log_name
        with open(log, "w") as out:
            return subprocess.run(self.bazel + arguments, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                  stderr=out, text=True)

    def build(self) -> tuple[dict[str, Path], dict[str, str]]:
        """Builds the package; returns the programs built and why others are not."""
        query = self.run_bazel(["query", f'kind("cc_binary", {PACKAGE}:*)', "--output=label"], "query.log")
        if query.returncode != 0:
            raise SystemExit(f"bench: error: bazel query failed; see {self.work_dir / 'query.log'}")
        labels = query.stdout.split()
        built: set[str] | None = None  # None: take what bazel-bin holds (--no-build)
        if not self.args.no_build:
            self.say(f"building {len(labels)} programs with -c opt (log: {self.work_dir / 'build.log'})")
            events = self.work_dir / "build_events.json"
            # --keep_going: a program that does not build (kata 08's, while it is
            # being written) loses its rows, not the whole run.
            build = self.run_bazel(["build", "-c", "opt", "--keep_going", f"--build_event_json_file={events}",
                                    "--", *labels], "build.log")
            built = built_labels(events)
            if build.returncode != 0 and not built:
                raise SystemExit(f"bench: error: bazel build exited {build.returncode}; "
                                 f"see {self.work_dir / 'build.log'}")
        info = self.run_bazel(["info", "-c", "opt", "bazel-bin"], "info.log")
        bazel_bin = Path(info.stdout.strip())
        programs, status = {}, {}
        for label in labels:
            name = label.rsplit(":", 1)[1]
            path = bazel_bin / "tools" / "bench" / name
            if built is not None and label not in built:
                status[name] = "build failed"
                self.say(f"{label} did not build; see {self.work_dir / 'build.log'}")
            elif not path.exists():
                status[name] = "not built"
            else:
                programs[name] = path
        return programs, status

    def run_program(self, name: str, path: Path, benchmarks: list[str] | None) -> dict | None:
        out = self.work_dir / f"{name}.json"
        command = [str(path), "--benchmark_format=json", f"--benchmark_out={out}",
                   "--benchmark_out_format=json", f"--benchmark_repetitions={self.args.reps}",
                   # Repetitions of a program's benchmarks in a random order, so
                   # that a burst of load elsewhere spreads over all of them.
                   "--benchmark_enable_random_interleaving=true",
                   f"--benchmark_min_time={self.args.min_time}"]
        if benchmarks:
            command.append("--benchmark_filter=^(" + "|".join(re.escape(b) for b in benchmarks) + ")(/|$)")
        self.say(f"running {name}")
        started = time.monotonic()
        try:
            with open(self.work_dir / f"{name}.log", "w") as log:
                result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=log, timeout=self.args.timeout)
        except subprocess.TimeoutExpired:
            self.say(f"{name} timed out after {self.args.timeout} s")
            return None
        self.say(f"{name} took {time.monotonic() - started:.0f} s")
        if result.returncode != 0 or not out.exists():
            self.say(f"{name} exited {result.returncode}; see {self.work_dir / (name + '.log')}")
            return None
        return json.loads(out.read_text())

    def run_cpython(self, names: list[str]) -> dict | None:
        out = self.work_dir / "cpython.json"
        command = [self.args.python, str(BENCH_DIR / "cpython_bench.py"), "--reps", str(self.args.reps),
                   "--min-time", str(self.args.cpython_min_time), "--out", str(out), "--only", ",".join(names)]
        self.say(f"running cpython_bench.py with {self.args.python}")
        try:
            result = subprocess.run(command, timeout=self.args.timeout)
        except subprocess.TimeoutExpired:
            return None
        if result.returncode != 0 or not out.exists():
            return None
        return json.loads(out.read_text())


def built_labels(events: Path) -> set[str]:
    """The targets a build event file says were built successfully."""
    built = set()
    if not events.exists():
        return built
    for line in events.read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        label = event.get("id", {}).get("targetCompleted", {}).get("label")
        if label and event.get("completed", {}).get("success"):
            built.add(label)
    return built


def remove_leftover_segments() -> list[str]:
    """Boost queue objects a killed benchmark might have left in /dev/shm."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return []
    left = sorted(p.name for p in shm.iterdir() if p.name.startswith(BOOST_SHM_PREFIX))
    for name in left:
        try:
            (shm / name).unlink()
        except OSError:
            pass
    return left


# --- The machine and BENCHMARKS.md ---------------------------------------------


def _first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        return (result.stdout or result.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def describe_machine(cpython: dict | None) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = {}
    for package in ("libbenchmark-dev", "libboost-dev", "bazel-bootstrap"):
        packages[package] = _first_line(["dpkg-query", "-W", "-f=${Version}", package])
    commit = _first_line(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "kernel": f"{platform.system()} {platform.release()}",
        "compiler": _first_line(["clang", "--version"]),
        "Python": (f"CPython {cpython['python']} (start method {cpython['start_method']})"
                   if cpython else "not run"),
        "Google Benchmark": f"libbenchmark-dev {packages['libbenchmark-dev']}",
        "Boost": f"libboost-dev {packages['libboost-dev']}",
        "Bazel": f"bazel-bootstrap {packages['bazel-bootstrap']}",
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def markdown(table: list[TableRow], results: Results, machine: dict[str, str], run: dict[str, str]) -> str:
    goals = [t for t in table if t.row.goal]
    met = sum(1 for t in goals if t.verdict.startswith("met"))
    busy = []
    if run.get("busy"):
        busy = [f"**The machine was busy during this run** ({run['busy']}).",
                "Every side lost time to other programs, so the figures are lower and",
                "noisier than on an idle machine; the ratios, taken in one run, hold up",
                "better than the figures.", ""]
    lines = [
        "# Benchmarks: mpkata against CPython, the raw limits and Boost",
        "",
        "Written by `tools/bench/run` from one run on one machine; run it again to",
        "replace this page. Issue 7 asked for these figures side by side; its goals",
        "are in the last two columns.",
        "",
        f"![mpkata's speed ratios](tools/bench/benchmarks.svg)",
        "",
        f"**Goals: {met} of {len(goals)} met** in this run.",
        "",
        *busy,
        *table_lines(table),
        "",
        "How to read it:",
        "",
        "- **mpkata** is the reference solutions (`solutions/`), built with `-c opt`;",
        "  **CPython** is `multiprocessing` doing the same (`tools/bench/cpython_bench.py`);",
        "  **raw limit** is the system call or pthread object underneath, with nothing",
        "  around it; **Boost** is Boost.Interprocess `message_queue`.",
        "- The ratio columns say how many times *faster* mpkata is: above 1× it is",
        "  faster, below 1× slower (0.5× is twice as slow). For a time the ratio is",
        "  the other's time over mpkata's; for a rate, mpkata's over the other's.",
        "- Every figure is the best of the run's repetitions, on every side alike:",
        "  on a shared machine other work only ever adds time. A speedup, the",
        "  ratio of two timings, is the median instead: noise moves it both ways.",
        "- Messages are counted when the receiving process has them, not when the",
        "  sender's call returns: a batch of messages (16384; 4096 for CPython) is",
        "  timed until the consumer acknowledges the last one through a pipe",
        "  (`mpbench::MeasurePipeline` in `tools/bench/bench_util.h`, and the same",
        "  in `cpython_bench.py`), for mpkata, Boost and CPython alike.",
        "- The contended Value rows count both processes' increments together.",
        "- \"not built\": the program does not exist yet (kata 08's `pool_benchmark`",
        "  until its target is in `tools/bench/BUILD`).",
        "",
        "## Raw limits",
        "",
        *raw_limit_lines(results),
        "",
        "## The machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
        *[f"- {key}: {value}" for key, value in run.items() if key != "busy"],
        "",
        "## How to reproduce",
        "",
        "```sh",
        "tools/bench/run                   # everything, about two minutes; writes this page",
        "tools/bench/run --quick           # one short repetition of each, prints the table only",
        "tools/bench/run --only queue,pipe # some groups (" + ", ".join(GROUPS) + ")",
        "bazel run -c opt //tools/bench:queue_benchmark   # one program, Google Benchmark's output",
        "python3 tools/bench/cpython_bench.py --list      # CPython's side on its own",
        "```",
        "",
        "The figures move with the machine's load: stop other work first, and",
        "compare ratios from one run rather than figures from two.",
        "",
    ]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------


def select_rows(only: str) -> list[Row]:
    if not only:
        return list(ROWS)
    wanted = {w.strip() for w in only.split(",") if w.strip()}
    unknown = wanted - {r.group for r in ROWS} - {r.key for r in ROWS}
    if unknown:
        raise SystemExit(f"bench: error: unknown --only {', '.join(sorted(unknown))}; groups: "
                         f"{', '.join(GROUPS)}; rows: {', '.join(r.key for r in ROWS)}")
    return [r for r in ROWS if r.group in wanted or r.key in wanted]


def needed_benchmarks(rows: list[Row]) -> dict[str, list[str]]:
    needed: dict[str, list[str]] = {}
    for row in rows:
        for source in (row.mpkata, row.raw, row.boost):
            if source and source.benchmark not in needed.setdefault(source.program, []):
                needed[source.program].append(source.benchmark)
    return needed


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tools/bench/run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="one short repetition of each (about a minute); does not write BENCHMARKS.md")
    parser.add_argument("--only", default="",
                        help=f"comma-separated groups ({', '.join(GROUPS)}) or row keys; does not write BENCHMARKS.md")
    parser.add_argument("--reps", type=int, help="repetitions of each benchmark (default 5; --quick: 1)")
    parser.add_argument("--min-time", type=float, help="seconds per C++ repetition (default 0.2; --quick: 0.05)")
    parser.add_argument("--cpython-min-time", type=float, help="seconds per CPython repetition (default 0.3; --quick: 0.1)")
    parser.add_argument("--no-build", action="store_true", help="use what bazel-bin holds; do not build")
    parser.add_argument("--no-cpython", action="store_true", help="skip CPython's side")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md and the chart even with --quick or --only")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--output-base", help="Bazel's --output_base (a separate Bazel server and cache)")
    parser.add_argument("--python", default="python3", help="the CPython to measure (default python3)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one program may run (default 900)")
    args = parser.parse_args(argv)
    args.reps = args.reps or (1 if args.quick else 5)
    args.min_time = args.min_time or (0.05 if args.quick else 0.2)
    args.cpython_min_time = args.cpython_min_time or (0.1 if args.quick else 0.3)
    if args.reps < 1 or args.min_time <= 0 or args.cpython_min_time <= 0:
        parser.error("--reps must be at least 1 and the times above 0")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    rows = select_rows(args.only)
    write = args.write or not (args.quick or args.only or args.no_write)
    if args.no_write:
        write = False
    started = time.monotonic()
    load_before = os.getloadavg()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    work_dir = Path(tempfile.mkdtemp(prefix="mpkata-bench-"))
    runner = Runner(args, work_dir)
    results = Results()

    programs, results.program_status = runner.build()
    needed = needed_benchmarks(rows)
    for name, path in sorted(programs.items()):
        if args.only and name not in needed:
            continue
        report = runner.run_program(name, path, needed.get(name) if args.only else None)
        if report is None:
            results.program_status[name] = "failed"
        else:
            results.samples[name] = read_samples(report)
    left = remove_leftover_segments()
    if left:
        runner.say(f"warning: removed {len(left)} Boost queue object(s) left in /dev/shm: {', '.join(left)}")

    if args.no_cpython:
        results.cpython_status = "skipped"
    else:
        names = sorted({r.cpython for r in rows if r.cpython})
        results.cpython = runner.run_cpython(names)
        results.cpython_status = "failed" if results.cpython is None else "ok"

    table = build_table(results, rows)
    print("\n".join(table_lines(table)))
    minutes = (time.monotonic() - started) / 60
    load_after = os.getloadavg()
    run = {
        "date": date,
        "repetitions": f"{args.reps} of each; C++ at least {args.min_time} s each, "
                       f"CPython at least {args.cpython_min_time} s each",
        "load average (1 min) before and after": f"{load_before[0]:.2f}, {load_after[0]:.2f}",
        "the whole run took": f"{minutes:.1f} min",
    }
    cores = os.cpu_count() or 1
    # The run itself keeps one or two cores busy, so the load at its end may
    # reach the core count by itself; more than that is someone else.
    if load_before[0] > 0.5 * cores or load_after[0] > 1.5 * cores:
        run["busy"] = (f"load average {load_before[0]:.1f} when it began and {load_after[0]:.1f} "
                       f"when it ended, on {cores} cores")
        runner.say(f"warning: the machine was busy ({run['busy']}); figures will be low and noisy")
    runner.say(f"took {minutes:.1f} min; raw outputs in {work_dir}")
    if write:
        machine = describe_machine(results.cpython)
        MARKDOWN_PATH.write_text(markdown(table, results, machine, run))
        CHART_PATH.write_text(chart_svg(table, f"mpkata, {date}, {machine['cores']} cores"))
        runner.say(f"wrote {MARKDOWN_PATH.relative_to(REPO_ROOT)} and {CHART_PATH.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
