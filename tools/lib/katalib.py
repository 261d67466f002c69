"""What tools/test and tools/kata share: finding katas, running Bazel, and
telling how a kata's tests ended.

A kata is the folder katas/NN_name/ (and its solution, solutions/NN_name/).
The kata() macro in tools/kata.bzl tags the kata's :test with
`kata_config=NAME` for every sanitizer config the kata must pass; the tools
read those tags with `bazel query` rather than keeping a list of their own.

Bazel is run with a build event file (--build_event_json_file), which says
for each target whether it built and how its test ended, and where its log
is. The log then says *how* a failing test failed, which is what a learner
needs to know: a failed assertion (work to do), a race report, a crash, a
timeout, or code that does not build.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import unquote, urlparse

REPO_ROOT = Path(__file__).resolve().parents[2]

PLAIN = "plain"
SANITIZER_CONFIGS = ("tsan", "asan", "ubsan")
ALL_CONFIGS = (PLAIN,) + SANITIZER_CONFIGS

# How a kata's tests ended, from best to worst. The words are what the tools print.
PASSES = "passes"
FAILS = "fails"  # by assertion: GoogleTest ran and reported failing tests
RACE = "race reported"  # ThreadSanitizer found a data race
SANITIZER = "sanitizer error"  # ASan, LSan, UBSan or another TSan report
CRASHES = "crashes"  # the test binary died without GoogleTest's summary
TIMES_OUT = "times out"
DOES_NOT_BUILD = "does not build"
NOT_RUN = "not run"

TSAN_MMAP_MESSAGE = "unexpected memory mapping"
TSAN_MMAP_ADVICE = (
    "ThreadSanitizer (clang 14) cannot start on this kernel: its address-space "
    "randomisation uses more bits than TSan supports (vm.mmap_rnd_bits is above 28). "
    "Fix it with:  sudo sysctl vm.mmap_rnd_bits=28   "
    "(or run the test with ASLR off: bazel test --config=tsan "
    "--run_under='setarch -R' ...). This is a limit of the machine, not a bug in your code."
)


@dataclasses.dataclass(frozen=True)
class Kata:
    """One kata: its folder name (e.g. 02_unlocked_counter) and declared configs."""

    name: str
    configs: tuple[str, ...]  # sanitizer configs it must pass, besides plain

    @property
    def starter_package(self) -> str:
        return f"//katas/{self.name}"

    @property
    def solution_package(self) -> str:
        return f"//solutions/{self.name}"

    @property
    def default_config(self) -> str:
        """The config that judges the starter: the first declared, else plain."""
        return self.configs[0] if self.configs else PLAIN

    def package(self, solution: bool) -> str:
        return self.solution_package if solution else self.starter_package

    def matches(self, text: str) -> bool:
        """True if `text` names this kata: "02", "02_unlocked_counter" or "unlocked_counter"."""
        number, _, title = self.name.partition("_")
        return text in (self.name, number, title, number.lstrip("0"))


@dataclasses.dataclass
class TestRun:
    """How one test target ended in one Bazel invocation."""

    label: str
    config: str
    outcome: str = NOT_RUN
    passed: int = 0
    failed: int = 0
    total: int = 0
    log_path: Path | None = None
    runs: int = 0  # how many times it ran (--runs_per_test)
    failed_runs: int = 0

    def log_text(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")
        return ""

    def counts(self) -> str:
        if self.total == 0:
            return ""
        return f"{self.passed} of {self.total} tests pass"


# --- Output -----------------------------------------------------------------


class Printer:
    """All output goes through here. Errors start with the tool's name."""

    def __init__(self, tool: str):
        self.tool = tool
        self.color = sys.stdout.isatty() and os.environ.get("TERM", "dumb") != "dumb" and not os.environ.get("NO_COLOR")

    def line(self, text: str = "") -> None:
        print(text, flush=True)

    def paint(self, text: str, outcome: str) -> str:
        if not self.color:
            return text
        code = {PASSES: "32", FAILS: "33", RACE: "35"}.get(outcome, "31")
        return f"\033[{code}m{text}\033[0m"

    def error(self, text: str) -> None:
        print(f"{self.tool}: error: {text}", file=sys.stderr, flush=True)

    def warning(self, text: str) -> None:
        print(f"{self.tool}: warning: {text}", file=sys.stderr, flush=True)


# --- Setup --------------------------------------------------------------------


def ensure_setup(printer: Printer) -> None:
    """Runs tools/setup --if-needed, which installs missing packages and is silent otherwise."""
    result = subprocess.run([str(REPO_ROOT / "tools" / "setup"), "--if-needed"])
    if result.returncode != 0:
        printer.error("tools/setup could not install what mpkata needs (see above)")
        sys.exit(2)


def tsan_mmap_bits_too_high() -> bool:
    try:
        return int(Path("/proc/sys/vm/mmap_rnd_bits").read_text()) > 28
    except (OSError, ValueError):
        return False


# --- Bazel --------------------------------------------------------------------


def config_flags(config: str) -> list[str]:
    return [] if config == PLAIN else [f"--config={config}"]


def bazel(args: Sequence[str], *, capture: bool = True, log_file: Path | None = None) -> subprocess.CompletedProcess:
    """Runs bazel in the repository; its output goes to log_file or is captured."""
    command = ["bazel", *args]
    if log_file is not None:
        with open(log_file, "w") as out:
            return subprocess.run(command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    if capture:
        return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    return subprocess.run(command, cwd=REPO_ROOT, text=True)


def discover_katas(printer: Printer) -> list[Kata]:
    """Every katas/NN_name folder, in order, with the configs its BUILD declares."""
    names = sorted(p.name for p in (REPO_ROOT / "katas").iterdir() if (p / "BUILD").exists())
    result = bazel(["query", "--output=xml", "kind(cc_test, //katas/...)"])
    if result.returncode != 0:
        printer.error("bazel query failed:\n" + result.stderr[-3000:])
        sys.exit(2)
    configs: dict[str, tuple[str, ...]] = {}
    for rule in ElementTree.fromstring(result.stdout).iter("rule"):
        package = rule.get("name", "").split(":")[0].removeprefix("//katas/")
        tags = [s.get("value", "") for l in rule.iter("list") if l.get("name") == "tags" for s in l.iter("string")]
        configs[package] = tuple(t.split("=", 1)[1] for t in tags if t.startswith("kata_config="))
    return [Kata(name, configs.get(name, ())) for name in names]


def select_katas(katas: list[Kata], wanted: Iterable[str], printer: Printer) -> list[Kata]:
    chosen = []
    for text in wanted:
        found = [k for k in katas if k.matches(text)]
        if not found:
            printer.error(f"no kata is called '{text}'; the katas are: " + ", ".join(k.name for k in katas))
            sys.exit(2)
        chosen.extend(k for k in found if k not in chosen)
    return chosen


def run_tests(
    patterns: Sequence[str],
    config: str,
    *,
    extra_flags: Sequence[str] = (),
    log_dir: Path | None = None,
) -> tuple[dict[str, TestRun], int, Path]:
    """Runs `bazel test` on the patterns in one config.

    Returns the test targets' results by label, bazel's exit code and the
    file holding bazel's own output.
    """
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="mpkata-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = config + "-" + re.sub(r"[^A-Za-z0-9]+", "_", "_".join(patterns))[:80]
    events = log_dir / f"{stem}.events.json"
    output = log_dir / f"{stem}.bazel.log"
    flags = [
        "test",
        "--config=ci",
        *config_flags(config),
        f"--build_event_json_file={events}",
        "--test_output=summary",
        *extra_flags,
        "--",
        *patterns,
    ]
    result = bazel(flags, log_file=output)
    runs = parse_build_events(events, config) if events.exists() else {}
    return runs, result.returncode, output


def _file_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def parse_build_events(events_file: Path, config: str) -> dict[str, TestRun]:
    """Reads a build event file: each test target's status, log and counts."""
    runs: dict[str, TestRun] = {}
    statuses: dict[str, list[str]] = {}
    built: dict[str, bool] = {}
    for line in events_file.read_text().splitlines():
        if not line.strip():
            continue
        event = json.loads(line)
        event_id = event.get("id", {})
        if "testResult" in event_id:
            label = event_id["testResult"]["label"]
            run = runs.setdefault(label, TestRun(label, config))
            status = event.get("testResult", {}).get("status", "FAILED")
            statuses.setdefault(label, []).append(status)
            for output in event.get("testResult", {}).get("testActionOutput", []):
                if output.get("name") == "test.log":
                    path = _file_path(output["uri"])
                    # Keep the log of a failing run when there is one: it explains.
                    if run.log_path is None or status != "PASSED":
                        run.log_path = path
        elif "targetCompleted" in event_id:
            label = event_id["targetCompleted"]["label"]
            built[label] = bool(event.get("completed", {}).get("success", False)) and "aborted" not in event
        elif "targetConfigured" in event_id and "aborted" in event:
            built[event_id["targetConfigured"]["label"]] = False

    for label, ok in built.items():
        if not ok and label not in runs and label.endswith(":test"):
            runs[label] = TestRun(label, config, outcome=DOES_NOT_BUILD)

    for label, run in runs.items():
        if run.outcome == DOES_NOT_BUILD:
            continue
        run_statuses = statuses.get(label, [])
        run.runs = len(run_statuses)
        run.failed_runs = sum(1 for s in run_statuses if s != "PASSED")
        worst = next((s for s in run_statuses if s != "PASSED"), "PASSED")
        run.outcome = classify(worst, run.log_text())
        run.passed, run.failed, run.total = count_tests(run.log_text())
    return runs


# --- Reading a test log ---------------------------------------------------------

_RUNNING = re.compile(r"^\[==========\] Running (\d+) tests?", re.M)
_OK = re.compile(r"^\[       OK \] ", re.M)
# "[  FAILED  ] Suite.Name (3 ms)", or "..., where TypeParam = X (3 ms)" for
# typed tests; the summary at the end lists the names again without times.
_FAILED_TEST = re.compile(r"^\[  FAILED  \] .+ \(\d+ ms\)$", re.M)
_GTEST_SUMMARY = re.compile(r"^\[  (PASSED|FAILED)  \] \d+ tests?[,.]", re.M)


def count_tests(log: str) -> tuple[int, int, int]:
    """(passed, failed, total) GoogleTest tests, as far as the log got."""
    totals = [int(n) for n in _RUNNING.findall(log)]
    passed = len(_OK.findall(log))
    failed = len(_FAILED_TEST.findall(log))
    total = max(totals) if totals else passed + failed
    return passed, failed, total


def classify(status: str, log: str) -> str:
    """How a test target ended, from Bazel's status and the test's log."""
    if status == "PASSED":
        return PASSES
    if status in ("FAILED_TO_BUILD", "NO_STATUS", "TOOL_HALTED_BEFORE_TESTING") and not log:
        return DOES_NOT_BUILD
    if status == "TIMEOUT":
        return TIMES_OUT
    if TSAN_MMAP_MESSAGE in log:
        return SANITIZER
    if "WARNING: ThreadSanitizer: data race" in log:
        return RACE
    if re.search(r"(ERROR|WARNING): (ThreadSanitizer|AddressSanitizer|LeakSanitizer)|: runtime error: ", log):
        return SANITIZER
    if _GTEST_SUMMARY.search(log) and _FAILED_TEST.search(log):
        return FAILS
    return CRASHES


def failure_excerpt(run: TestRun, max_lines: int = 12) -> str:
    """The few log lines that explain a failure, for a learner's screen."""
    log = run.log_text()
    if TSAN_MMAP_MESSAGE in log:
        return TSAN_MMAP_ADVICE
    lines = log.splitlines()
    if run.outcome in (RACE, SANITIZER):
        # A report's stacks run to dozens of long template frames; the
        # learner needs what happened, the top frame of each access, and the
        # summary line that names the file and line.
        start = next((i for i, l in enumerate(lines) if re.search(r"Sanitizer|runtime error", l)), 0)
        keep = re.compile(r"(WARNING|ERROR|SUMMARY):|runtime error|^\s+(Read|Write|Previous|Atomic|Location|Mutex)|^\s+#0 ")
        picked = [_tidy_frame(l) for l in lines[start:] if keep.search(l)]
        return "\n".join(picked[:max_lines])
    if run.outcome == FAILS:
        picked: list[str] = []
        for i, line in enumerate(lines):
            if line.startswith("[ RUN      ]") or line.startswith("[  FAILED  ]") and "ms)" in line:
                continue
            if re.match(r"^\S+:\d+: Failure$", line) or line.startswith("unknown file: Failure"):
                picked.extend(lines[i : i + 5])
                if len(picked) >= max_lines:
                    break
        return "\n".join(picked[:max_lines])
    return "\n".join(lines[-max_lines:])


def _tidy_frame(line: str) -> str:
    """Drops the sandbox path prefix and build ids from a sanitizer stack line."""
    line = line.replace("/proc/self/cwd/", "")
    line = re.sub(r" \(BuildId: [0-9a-f]+\)", "", line)
    line = re.sub(r" \([^()]*\+0x[0-9a-f]+\)$", "", line)
    return line if len(line) <= 200 else line[:197] + "..."


def describe_outcome_problem(run: TestRun) -> str | None:
    """Extra advice for outcomes the learner cannot fix in code."""
    if TSAN_MMAP_MESSAGE in run.log_text():
        return TSAN_MMAP_ADVICE
    return None
