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
import subprocess
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
