"""tools/test: checks every promise the repository makes.

  - the tools' own unit tests pass;
  - every reference solution (and common/) builds and passes its tests in the
    plain build and under every sanitizer config (tsan, asan, ubsan);
  - every pristine kata starter builds, and fails in its kata's default
    config the way a learner should first see it fail: by assertion (a
    GoogleTest failure), or for a tsan kata with ThreadSanitizer's data race
    report; never by a crash, a timeout or a compile error.

It ends with the line "N passed, N failed" and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import sys
import time
from pathlib import Path

import katalib
from katalib import ALL_CONFIGS, FAILS, PASSES, PLAIN, RACE, REPO_ROOT, Printer


class Tally:
    def __init__(self, printer: Printer):
        self.printer = printer
        self.passed = 0
        self.failed: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "", explain: str = "") -> None:
        if ok:
            self.passed += 1
            self.printer.line(f"  ok    {what}" + (f"  ({detail})" if detail else ""))
        else:
            self.failed.append(what)
            self.printer.line(f"  FAIL  {what}" + (f"  ({detail})" if detail else ""))
            if explain:
                for line in explain.splitlines():
                    self.printer.line(f"        | {line}")


def check_tool_unit_tests(tally: Tally) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unittest", "-q", "katalib_test"],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
    )
    tally.check(result.returncode == 0, "tools: unit tests of tools/lib", explain=result.stderr[-2000:] if result.returncode else "")
    runs, code, output = katalib.run_tests(["//tools/cli/..."], PLAIN, log_dir=REPO_ROOT / ".kata" / "test-logs")
    run = runs.get("//tools/cli:katalib_test")
    ok = code == 0 and run is not None and run.outcome == PASSES
    tally.check(ok, "tools: //tools/cli builds and its unit tests pass", run.counts() if run else "",
                "" if ok else (katalib.failure_excerpt(run, 20) if run else output.read_text()[-3000:]))


def check_solutions(tally: Tally, katas: list[katalib.Kata], configs: list[str], runs: int, log_dir: Path) -> None:
    patterns = ["//common/..."] + [k.solution_package + "/..." for k in katas]
    extra = [f"--runs_per_test={runs}"] if runs > 1 else []
    for config in configs:
        tally.printer.line(f"solutions and common/, config {config}" + (f", {runs} runs each" if runs > 1 else "") + ":")
        results, code, output = katalib.run_tests(patterns, config, extra_flags=extra, log_dir=log_dir)
        if not results:
            tally.check(False, f"bazel test ({config})", f"bazel exited {code}", output.read_text()[-3000:])
            continue
        if code not in (0, 3):  # 3: some tests failed, which the checks below report
            tally.check(False, f"build of solutions and examples ({config})", f"bazel exited {code}", _build_errors(output))
        for label, run in sorted(results.items()):
            detail = run.counts()
            if runs > 1:
                detail += f", {run.runs - run.failed_runs} of {run.runs} runs pass"
            explain = "" if run.outcome == PASSES else (katalib.failure_excerpt(run, 20) + f"\nfull log: {run.log_path}")
            tally.check(run.outcome == PASSES and run.failed_runs == 0, f"{label} [{config}] {run.outcome}", detail, explain)


def check_starters(tally: Tally, katas: list[katalib.Kata], log_dir: Path, with_benchmarks: bool) -> None:
    tally.printer.line("kata starters, plain build:")
    patterns = [k.starter_package + "/..." for k in katas]
    what = "every starter and its examples build"
    if with_benchmarks:
        patterns.append("//tools/bench/...")
        what = "every starter, its examples, and the benchmarks build"
    result = katalib.bazel(["build", "--config=ci", "--", *patterns], log_file=log_dir / "starters-build.log")
    tally.check(result.returncode == 0, what + " [plain]", explain="" if result.returncode == 0 else _build_errors(log_dir / "starters-build.log"))

    by_config: dict[str, list[katalib.Kata]] = {}
    for kata in katas:
        by_config.setdefault(kata.default_config, []).append(kata)
    for config, group in by_config.items():
        tally.printer.line(f"kata starters judged in config {config}:")
        results, _, _ = katalib.run_tests([k.starter_package + ":test" for k in group], config, log_dir=log_dir)
        for kata in group:
            run = results.get(kata.starter_package + ":test")
            expected = RACE if config == "tsan" else FAILS
            if run is None:
                tally.check(False, f"{kata.name} starter [{config}]", "no result: see the bazel log in " + str(log_dir))
                continue
            explain = "" if run.outcome == expected else katalib.failure_excerpt(run, 20) + f"\nfull log: {run.log_path}"
            detail = run.counts()
            tally.check(run.outcome == expected, f"{kata.name} starter [{config}] {run.outcome} (expected: {expected})", detail, explain)


# --- tools/grade ------------------------------------------------------------------
# Submissions for the grade checks. Each bad one is a kata's own solution with
# one thing added at load time, so the case does exactly one bad thing.
_DEADLOCK = """
#include <future>
// Submission that never finishes: waits for a promise nobody keeps.
static const int kHang = [] { std::promise<void> never; never.get_future().wait(); return 0; }();
"""
_FORK_BOMB = """
#include <unistd.h>
// Submission that forks without end: every process forks again, forever.
static const int kBomb = [] { for (;;) fork(); return 0; }();
"""
_NOT_CPP = "this is not C++ (a submission that does not compile)\n"
_EDITED_TEST = """
#include "gtest/gtest.h"
// A learner's "test" that passes whatever the code does: grading must ignore it.
TEST(ThreadTest, Everything) { SUCCEED(); }
"""


def _grade(args: list[str], log: Path) -> subprocess.CompletedProcess:
    with open(log, "w") as out:
        return subprocess.run([str(REPO_ROOT / "tools" / "grade"), *args], stdout=out, stderr=subprocess.STDOUT, text=True)


def _process_limit_enforceable() -> bool:
    """A fork bomb may only run where tools/grade can contain it."""
    if os.geteuid() != 0:
        return True  # RLIMIT_NPROC binds ordinary users
    return os.access("/sys/fs/cgroup/pids", os.W_OK)  # root: only a pids cgroup binds


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def _kata(results: dict, name: str) -> dict:
    return next(k for k in results["katas"] if k["name"] == name)


def check_grade(tally: Tally, katas: list[katalib.Kata], log_dir: Path) -> None:
    """tools/grade on the pristine repository, on the solutions, and on bad submissions."""
    tally.printer.line("tools/grade:")
    # One work directory (one Bazel output base) for every case, so only the
    # files a case changes are rebuilt.
    workdir = log_dir / "grade-work"
    scratch = Path(tempfile.mkdtemp(prefix="mpkata-grade-test-"))
    names = [k.name for k in katas]
    kata_args = [a for k in katas for a in ("--kata", k.name)]
    try:
        def validated(out: Path, what: str) -> bool:
            result = subprocess.run([str(REPO_ROOT / "tools" / "grade"), "validate", str(out / "results.json")],
                                    capture_output=True, text=True)
            tally.check(result.returncode == 0, f"grade: {what}: results.json matches tools/cli/results.schema.json",
                        explain=result.stdout + result.stderr)
            return result.returncode == 0

        # The repository as it is: every starter fails, nothing earns a point.
        out = scratch / "pristine"
        result = _grade(["--submission", str(REPO_ROOT), "--out", str(out), "--workdir", str(workdir), *kata_args], log_dir / "grade-pristine.log")
        if result.returncode != 0 or not (out / "results.json").exists():
            tally.check(False, "grade: the pristine repository is graded", f"exit {result.returncode}", (log_dir / "grade-pristine.log").read_text()[-3000:])
        else:
            r = _results(out)
            unsolved = [k["name"] for k in r["katas"] if k["status"] != "solved" and k["points"] == 0]
            tally.check(r["score"] == 0 and sorted(unsolved) == sorted(names),
                        "grade: the pristine repository scores 0, every kata unsolved",
                        f"{r['score']} of {r['max_score']} points in {r['seconds']:.0f} s",
                        json.dumps([(k["name"], k["status"], k["points"]) for k in r["katas"]]))
            validated(out, "pristine")

        # The reference solutions copied over the starters: full points.
        solved = scratch / "solved-submission"
        for kata in katas:
            target = solved / "katas" / kata.name
            target.mkdir(parents=True)
            for source in (REPO_ROOT / "solutions" / kata.name).iterdir():
                if source.name != "BUILD":
                    shutil.copy(source, target / source.name)
        out = scratch / "solved"
        result = _grade(["--submission", str(solved), "--out", str(out), "--workdir", str(workdir), *kata_args], log_dir / "grade-solved.log")
        if result.returncode != 0 or not (out / "results.json").exists():
            tally.check(False, "grade: the solutions are graded", f"exit {result.returncode}", (log_dir / "grade-solved.log").read_text()[-3000:])
        else:
            r = _results(out)
            tally.check(r["score"] == r["max_score"] > 0 and all(k["status"] == "solved" for k in r["katas"]),
                        "grade: the reference solutions score full points",
                        f"{r['score']} of {r['max_score']} points in {r['seconds']:.0f} s",
                        json.dumps([(k["name"], k["status"], k["points"], k["message"][:300]) for k in r["katas"] if k["status"] != "solved"]))
            validated(out, "solutions")

        # The class report of those two, rendered by headless Chromium.
        check_class_report(tally, [scratch / "pristine" / "results.json", scratch / "solved" / "results.json"], scratch)

        # Bad submissions, one kata each, graded in one run within its bound.
        bad_cases = {"01_threads": ("deadlock", "times out"), "04_value": ("does not compile", "does not build"),
                     "05_lock": ("edits its test", "failing")}
        if not _process_limit_enforceable():
            tally.printer.line("  (the fork bomb case is skipped: this machine gives tools/grade no way to cap processes)")
        elif "03_process" in names:
            # On its own: a bomb on two cores starves whatever runs beside it.
            bomb = scratch / "bomb-submission"
            (bomb / "katas" / "03_process").mkdir(parents=True)
            (bomb / "katas" / "03_process" / "process.cc").write_text((REPO_ROOT / "solutions" / "03_process" / "process.cc").read_text() + _FORK_BOMB)
            out = scratch / "bomb"
            started = time.monotonic()
            result = _grade(["--submission", str(bomb), "--out", str(out), "--workdir", str(workdir), "--test-timeout", "10",
                             "--timeout", "180", "--kata", "03_process"], log_dir / "grade-bomb.log")
            took = time.monotonic() - started
            if result.returncode != 0 or not (out / "results.json").exists():
                tally.check(False, "grade: a fork bomb is graded", f"exit {result.returncode}", (log_dir / "grade-bomb.log").read_text()[-3000:])
            else:
                k = _kata(_results(out), "03_process")
                tally.check(k["status"] == "killed by a limit" and k["points"] == 0 and _results(out)["status"] != "incomplete",
                            "grade: a fork bomb (03_process) is 'killed by a limit' within the 180 s bound",
                            f"got '{k['status']}' in {took:.0f} s", k["message"][:1000])
        bad_cases = {k: v for k, v in bad_cases.items() if k in names}
        if not bad_cases:
            return
        bad = scratch / "bad-submission"
        def solution_plus(kata: str, file: str, extra: str) -> None:
            (bad / "katas" / kata).mkdir(parents=True, exist_ok=True)
            text = (REPO_ROOT / "solutions" / kata / file).read_text() + extra
            (bad / "katas" / kata / file).write_text(text)
        if "01_threads" in bad_cases:
            solution_plus("01_threads", "thread.cc", _DEADLOCK)
        if "04_value" in bad_cases:
            (bad / "katas" / "04_value").mkdir(parents=True, exist_ok=True)
            (bad / "katas" / "04_value" / "value.cc").write_text(_NOT_CPP)
        if "05_lock" in bad_cases:
            (bad / "katas" / "05_lock").mkdir(parents=True, exist_ok=True)
            (bad / "katas" / "05_lock" / "lock_test.cc").write_text(_EDITED_TEST)
        bound = 240
        out = scratch / "bad"
        started = time.monotonic()
        result = _grade(["--submission", str(bad), "--out", str(out), "--workdir", str(workdir), "--test-timeout", "10",
                         "--timeout", str(bound), *[a for k in bad_cases for a in ("--kata", k)]], log_dir / "grade-bad.log")
        took = time.monotonic() - started
        if result.returncode != 0 or not (out / "results.json").exists():
            tally.check(False, "grade: bad submissions are graded", f"exit {result.returncode}", (log_dir / "grade-bad.log").read_text()[-3000:])
            return
        r = _results(out)
        tally.check(r["status"] != "incomplete", f"grade: bad submissions graded within the {bound} s bound", f"{took:.0f} s, grading itself {r['seconds']:.0f} s")
        for kata, (what, expected) in bad_cases.items():
            k = _kata(r, kata)
            tally.check(k["status"] == expected and k["points"] == 0, f"grade: a submission that {what} ({kata}) is reported as '{expected}'",
                        f"got '{k['status']}'", k["message"][:1000])
        if "01_threads" in bad_cases:
            k = _kata(r, "01_threads")
            tally.check(k["timeouts"]["status"] == "fail" and k["correctness"]["status"] == "fail",
                        "grade: the deadlock fails the time-limit check, apart from correctness", json.dumps(k["timeouts"]))
        if "05_lock" in bad_cases:
            tally.check({"path": "katas/05_lock/lock_test.cc", "change": "modified"} in r["tampering"],
                        "grade: the edited test is reported and the real one used", json.dumps(r["tampering"]))
        validated(out, "bad submissions")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_class_report(tally: Tally, results: list[Path], scratch: Path) -> None:
    """tools/grade report writes a page that headless Chromium renders."""
    if not all(p.exists() for p in results):
        return
    html = scratch / "report.html"
    made = subprocess.run([str(REPO_ROOT / "tools" / "grade"), "report", *map(str, results), "--html", str(html)], capture_output=True, text=True)
    if made.returncode != 0:
        tally.check(False, "grade report: writes the class report", f"exit {made.returncode}", made.stderr[-2000:])
        return
    browser = shutil.which("chromium")
    if browser is None:
        tally.check(False, "grade report: renders in headless Chromium", "chromium is not installed (tools/setup installs it)")
        return
    profile = scratch / "chromium-profile"
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                          f"--user-data-dir={profile}", "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120)
    text = dom.stdout
    wanted = ['data-rendered="yes"', '<svg id="progress"', "<td>pristine</td>", "<td>solved</td>", "Most failed tests"]
    missing = [w for w in wanted if w not in text]
    tally.check(dom.returncode == 0 and not missing, "grade report: headless Chromium renders the class report (chart, who is stuck, failed tests)",
                f"missing {missing}" if missing else "", dom.stderr[-1500:] if missing else "")


def _build_errors(output: Path) -> str:
    lines = output.read_text(errors="replace").splitlines()
    errors = [l for l in lines if "error" in l.lower() or l.startswith("FAILED")]
    return "\n".join(errors[-25:]) + f"\nfull bazel output: {output}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools/test", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", action="append", choices=ALL_CONFIGS, help="only these configs for the solutions (repeatable; default: all)")
    parser.add_argument("--kata", action="append", help="only these katas (repeatable; e.g. 01 or 02_unlocked_counter)")
    parser.add_argument("--runs", type=int, default=1, help="run each solution test this many times (e.g. 50, to prove it is not flaky)")
    parser.add_argument("--no-starters", action="store_true", help="skip the starter checks")
    parser.add_argument("--no-grade", action="store_true", help="skip the checks of tools/grade")
    args = parser.parse_args(argv)

    printer = Printer("test")
    katalib.ensure_setup(printer)
    if katalib.tsan_mmap_bits_too_high():
        printer.warning(katalib.TSAN_MMAP_ADVICE)
    started = time.monotonic()
    log_dir = REPO_ROOT / ".kata" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    katas = katalib.discover_katas(printer)
    if args.kata:
        katas = katalib.select_katas(katas, args.kata, printer)
    tally = Tally(printer)

    printer.line("tools:")
    check_tool_unit_tests(tally)
    check_solutions(tally, katas, args.config or list(ALL_CONFIGS), args.runs, log_dir)
    if not args.no_starters:
        check_starters(tally, katas, log_dir, with_benchmarks=not args.kata)
    if not args.no_grade:
        check_grade(tally, katas, log_dir)

    minutes = (time.monotonic() - started) / 60
    printer.line()
    if tally.failed:
        printer.line("failed checks:")
        for what in tally.failed:
            printer.line(f"  {what}")
    printer.line(f"(took {minutes:.1f} min; logs in {log_dir.relative_to(REPO_ROOT)})")
    printer.line(f"{tally.passed} passed, {len(tally.failed)} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
