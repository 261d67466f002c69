"""Tests of tools/bench/runner.py's reading, judging and writing (no Bazel).

  python3 -m unittest discover -s tools/bench -p runner_test.py
"""

from __future__ import annotations

import json
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import runner
from runner import BANDWIDTH, RATE, RATIO, TIME, Goal, Results, Row, Source


def _entry(name: str, real_time: float, unit: str = "ns", run_type: str = "iteration", **counters) -> dict:
    return {"name": name, "run_name": name, "run_type": run_type, "real_time": real_time,
            "time_unit": unit, **counters}


class BaseNameTest(unittest.TestCase):
    # Tests that the option suffixes Google Benchmark adds are dropped, and arguments kept.
    def test_drops_option_suffixes_keeps_arguments(self):
        self.assertEqual(runner.base_name("BM_PipeRoundTrip/8/real_time"), "BM_PipeRoundTrip/8")
        self.assertEqual(runner.base_name("BM_Q/8/manual_time"), "BM_Q/8")
        self.assertEqual(runner.base_name("BM_X/min_time:0.500/repeats:3"), "BM_X")
        self.assertEqual(runner.base_name("BM_PoolMapTrivial/0/real_time"), "BM_PoolMapTrivial/0")


class ResultsTest(unittest.TestCase):
    def results(self) -> Results:
        results = Results()
        report = {"benchmarks": [
            _entry("BM_T/real_time", 2.0, "ms"),
            _entry("BM_T/real_time", 1.5, "ms"),
            _entry("BM_T/real_time_mean", 1.75, "ms", run_type="aggregate"),
            _entry("BM_R/8/manual_time", 1.0, items_per_second=100.0),
            _entry("BM_R/8/manual_time", 1.0, items_per_second=300.0),
            _entry("BM_P/real_time", 1.0, ns_per_item=250.0),
            {**_entry("BM_E", 1.0), "error_occurred": True},
        ]}
        results.samples["prog"] = runner.read_samples(report)
        results.program_status["gone"] = "build failed"
        return results

    # Tests that a time is the best (lowest) repetition, in seconds, and aggregates are ignored.
    def test_time_is_best_repetition_in_seconds(self):
        figure = self.results().figure(Source("prog", "BM_T"), TIME)
        self.assertAlmostEqual(figure.value, 1.5e-3)
        self.assertEqual(len(figure.samples), 2)

    # Tests that a rate is the best (highest) repetition of its counter.
    def test_rate_is_highest_repetition(self):
        self.assertEqual(self.results().figure(Source("prog", "BM_R/8", "items_per_second"), RATE).value, 300.0)

    # Tests that a ratio (a speedup) is the median of its repetitions, not the highest.
    def test_ratio_is_median(self):
        self.assertEqual(runner.best([1.5, 2.4, 1.6], RATIO), 1.6)

    # Tests that a user counter in nanoseconds is scaled to seconds.
    def test_counter_is_scaled(self):
        figure = self.results().figure(Source("prog", "BM_P", "ns_per_item", 1e-9), TIME)
        self.assertAlmostEqual(figure.value, 250e-9)

    # Tests that a missing program, benchmark or failed run says why instead of a figure.
    def test_missing_figures_say_why(self):
        results = self.results()
        self.assertEqual(results.figure(Source("pool_benchmark", "BM_X"), TIME).why_missing, "not built")
        self.assertEqual(results.figure(Source("gone", "BM_X"), TIME).why_missing, "build failed")
        self.assertEqual(results.figure(Source("prog", "BM_E"), TIME).why_missing, "not run")
        self.assertIsNone(results.figure(Source("prog", "BM_E"), TIME).value)


class JudgeTest(unittest.TestCase):
    # Tests the speed ratio's direction for times and for rates.
    def test_speed_ratio_above_one_means_faster(self):
        self.assertEqual(runner.speed_ratio(1.0, 4.0, TIME), 4.0)
        self.assertEqual(runner.speed_ratio(8.0, 2.0, RATE), 4.0)
        self.assertIsNone(runner.speed_ratio(None, 2.0, RATE))

    # Tests that a time limit is met at or under it and otherwise says by how much.
    def test_at_most(self):
        goal = Goal("at_most", 0.5e-3, "< 0.5 ms")
        self.assertEqual(runner.judge(goal, 0.4e-3, None, TIME), "met")
        self.assertEqual(runner.judge(goal, 1e-3, None, TIME), "missed: 2.0× the limit (1.00 ms)")

    # Tests that a floor is met at or above it and otherwise says by what share it falls short.
    def test_at_least(self):
        goal = Goal("at_least", 20e6, "> 20 M/s")
        self.assertEqual(runner.judge(goal, 25e6, None, RATE), "met")
        self.assertEqual(runner.judge(goal, 15e6, None, RATE), "missed by 25% (15.0 M/s)")

    # Tests a goal relative to the raw or Boost figure, and one with no such figure.
    def test_fraction_of_peer(self):
        goal = Goal("fraction_of_peer", 0.9, "≥ 90% of raw")
        self.assertEqual(runner.judge(goal, 95.0, 100.0, BANDWIDTH), "met (95%)")
        self.assertEqual(runner.judge(goal, 41.0, 100.0, BANDWIDTH),
                         "missed: at 41% of it, short by 49 points")
        self.assertEqual(runner.judge(goal, 41.0, None, BANDWIDTH), "no peer figure")
        self.assertEqual(runner.judge(goal, None, 100.0, BANDWIDTH), "not measured")


class FormatTest(unittest.TestCase):
    # Tests that figures are printed with three significant digits in a fitting unit.
    def test_units(self):
        self.assertEqual(runner.format_value(74e-9, TIME), "74.0 ns")
        self.assertEqual(runner.format_value(2.5e-6, TIME), "2.50 µs")
        self.assertEqual(runner.format_value(3.21e-3, TIME), "3.21 ms")
        self.assertEqual(runner.format_value(160e3, RATE), "160 k/s")
        self.assertEqual(runner.format_value(8.06e6, RATE), "8.06 M/s")
        self.assertEqual(runner.format_value(3.3 * (1 << 30), BANDWIDTH), "3.30 GiB/s")
        self.assertEqual(runner.format_value(1.9, RATIO), "1.90×")


class TableTest(unittest.TestCase):
    def table(self):
        results = Results()
        results.samples["p"] = runner.read_samples({"benchmarks": [
            _entry("BM_Mine", 1.0, "ms"), _entry("BM_Raw", 0.5, "ms")]})
        results.cpython = {"results": {"op": {"samples": [4e-3, 3e-3]}}}
        row = Row("op", "g", "an operation", TIME, Source("p", "BM_Mine"), "op",
                  raw=Source("p", "BM_Raw"), goal=Goal("at_most", 2e-3, "< 2 ms"))
        return runner.build_table(results, [row])

    # Tests one row end to end: figures, both ratios and the verdict.
    def test_row(self):
        (row,) = self.table()
        self.assertAlmostEqual(row.vs_cpython, 3.0)
        self.assertAlmostEqual(row.vs_peer, 0.5)
        self.assertEqual(row.verdict, "met")
        lines = runner.table_lines(self.table())
        self.assertEqual(len({len(line) for line in lines}), 1, "columns are padded to one width")
        self.assertIn("3.00 ms", lines[2])
        self.assertIn("0.5× (raw)", lines[2])

    # Tests that the chart is well-formed SVG with a bar for each ratio.
    def test_chart_is_svg(self):
        svg = runner.chart_svg(self.table(), "title & more")
        root = ElementTree.fromstring(svg)
        bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.get("height") == "11"]
        self.assertEqual(len(bars), 2)


class BuildEventsTest(unittest.TestCase):
    # Tests that only targets the build event file reports successful count as built.
    def test_built_labels(self):
        with tempfile.TemporaryDirectory() as directory:
            events = Path(directory) / "events.json"
            events.write_text("\n".join(json.dumps(e) for e in [
                {"id": {"targetCompleted": {"label": "//tools/bench:a"}}, "completed": {"success": True}},
                {"id": {"targetCompleted": {"label": "//tools/bench:b"}}, "completed": {}},
                {"id": {"targetCompleted": {"label": "//tools/bench:c"}}, "aborted": {"reason": "ANALYSIS_FAILURE"}},
            ]) + "\n")
            self.assertEqual(runner.built_labels(events), {"//tools/bench:a"})


class SelectTest(unittest.TestCase):
    # Tests that --only takes groups and row keys, and names what it does not know.
    def test_select_rows(self):
        self.assertTrue(all(r.group == "pipe" for r in runner.select_rows("pipe")))
        self.assertEqual([r.key for r in runner.select_rows("queue_8")], ["queue_8"])
        with self.assertRaises(SystemExit):
            runner.select_rows("nonsense")


if __name__ == "__main__":
    unittest.main()
