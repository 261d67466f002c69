"""tools/kata: the learner's command.

  tools/kata                      the status of every kata (same as `status`)
  tools/kata status [--solutions] each kata's status, with its test counts
  tools/kata test KATA [--solution]
                                  run one kata in the plain build and in every
                                  sanitizer config it declares, and show why
                                  it fails
  tools/kata help                 this text

KATA is a kata's folder name or number: 01_threads, 01 or threads.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

import katalib
from katalib import FAILS, PASSES, PLAIN, REPO_ROOT, Printer

printer = Printer("kata")


def _log_dir():
    path = REPO_ROOT / ".kata" / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _status_line(name: str, config: str, run: katalib.TestRun | None) -> str:
    outcome = run.outcome if run else katalib.NOT_RUN
    counts = run.counts() if run else ""
    return f"  {name:<24} {config:<6} {printer.paint(f'{outcome:<16}', outcome)} {counts}"


def status(args: argparse.Namespace) -> int:
    """Shows each kata's status in its default config."""
    katas = katalib.discover_katas(printer)
    which = "solution" if args.solutions else "kata"
    printer.line(f"  {which:<24} {'config':<6} {'status':<16} tests")
    by_config: dict[str, list[katalib.Kata]] = {}
    for kata in katas:
        by_config.setdefault(kata.default_config, []).append(kata)
    results: dict[str, katalib.TestRun] = {}
    for config, group in by_config.items():
        runs, _, _ = katalib.run_tests([k.package(args.solutions) + ":test" for k in group], config, log_dir=_log_dir())
        results.update(runs)
    done = 0
    for kata in katas:
        run = results.get(kata.package(args.solutions) + ":test")
        printer.line(_status_line(kata.name, kata.default_config, run))
        done += bool(run and run.outcome == PASSES)
    printer.line()
    printer.line(f"{done} of {len(katas)} katas pass.")
    nxt = next((k for k in katas if not (results.get(k.package(args.solutions) + ":test") or katalib.TestRun("", "")).outcome == PASSES), None)
    if nxt and not args.solutions:
        printer.line(f"Next: read katas/{nxt.name}/README.md, then run  tools/kata test {nxt.name}")
    return 0


def test(args: argparse.Namespace) -> int:
    """Runs one kata in the plain build and in each config it declares."""
    katas = katalib.select_katas(katalib.discover_katas(printer), [args.kata], printer)
    kata = katas[0]
    configs = [PLAIN] + list(kata.configs)
    if "tsan" in kata.configs and katalib.tsan_mmap_bits_too_high():
        printer.warning(katalib.TSAN_MMAP_ADVICE)
    package = kata.package(args.solution)
    all_pass = True
    for config in configs:
        printer.line(f"{package}/... [{config}]")
        runs, code, output = katalib.run_tests([package + "/..."], config, log_dir=_log_dir())
        run = runs.get(package + ":test")
        if run is None:
            printer.line(_status_line(kata.name, config, katalib.TestRun("", config, outcome=katalib.DOES_NOT_BUILD)))
            errors = [l for l in output.read_text(errors="replace").splitlines() if "error" in l.lower()]
            printer.line("\n".join("    " + l for l in errors[:20]))
            all_pass = False
            continue
        printer.line(_status_line(kata.name, config, run))
        if run.outcome != PASSES:
            all_pass = False
            printer.line("\n".join("    " + l for l in katalib.failure_excerpt(run, 16).splitlines()))
            printer.line(f"    full log: {run.log_path}")
        elif code not in (0,):
            all_pass = False
            printer.line(f"    the tests pass, but something else in {package} did not build: see {output}")
    printer.line()
    if all_pass:
        printer.line(f"{kata.name}: all tests pass in {', '.join(configs)}. Well done!")
        return 0
    if not args.solution:
        printer.line(f"Stuck? Read katas/{kata.name}/HINTS.md, one hint at a time.")
    return 1


def help_(args: argparse.Namespace) -> int:
    """Shows how to use tools/kata."""
    printer.line(__doc__.strip())
    return 0


# name, one-line description, handler, arguments
COMMANDS: list[tuple[str, str, Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None]]] = [
    ("status", "each kata's status, with its test counts", status,
     lambda p: p.add_argument("--solutions", action="store_true", help="the reference solutions instead of the katas")),
    ("test", "run one kata and show why it fails", test,
     lambda p: (p.add_argument("kata", help="e.g. 01, 01_threads or threads"),
                p.add_argument("--solution", action="store_true", help="run the reference solution instead"))),
    ("help", "show how to use tools/kata", help_, lambda p: None),
]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools/kata", description="The learner's command.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, description, handler, add_arguments in COMMANDS:
        sub = subparsers.add_parser(name, help=description, description=description)
        add_arguments(sub)
        sub.set_defaults(handler=handler)
    args = parser.parse_args(argv or ["status"])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
