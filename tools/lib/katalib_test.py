"""Unit tests of katalib: how the tools read Bazel's events and test logs."""

import json
import tempfile
import unittest
from pathlib import Path

import katalib

ASSERTION_LOG = """\
[==========] Running 3 tests from 1 test suite.
[ RUN      ] ThreadTest.A
[       OK ] ThreadTest.A (0 ms)
[ RUN      ] ThreadTest.B
katas/01_threads/thread_test.cc:40: Failure
Expected equality of these values:
[  FAILED  ] ThreadTest.B (0 ms)
[ RUN      ] ThreadTest.C
unknown file: Failure
C++ exception with description "TODO: Thread::start is not written yet" thrown in the test body.
[  FAILED  ] ThreadTest.C, where TypeParam = mp::AtomicCounter (1 ms)
[==========] 3 tests from 1 test suite ran. (1 ms total)
[  PASSED  ] 1 test.
[  FAILED  ] 2 tests, listed below:
[  FAILED  ] ThreadTest.B
[  FAILED  ] ThreadTest.C
"""

RACE_LOG = """\
[==========] Running 8 tests from 2 test suites.
[ RUN      ] CounterTest/MutexCounter.StartsAtZero
[       OK ] CounterTest/MutexCounter.StartsAtZero (0 ms)
[ RUN      ] CounterTest/MutexCounter.CountsEveryIncrementFromManyThreads
==================
WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 8 at 0x7b04 by thread T3:
    #0 mp::MutexCounter::increment() katas/02_unlocked_counter/counter.cc:20:3
"""

CRASH_LOG = """\
[==========] Running 2 tests from 1 test suite.
[ RUN      ] ThreadTest.A
terminate called without an active exception
"""


class ClassifyTest(unittest.TestCase):
    def test_passed_status_passes(self):
        self.assertEqual(katalib.classify("PASSED", ""), katalib.PASSES)

    def test_gtest_failures_are_assertion_failures(self):
        self.assertEqual(katalib.classify("FAILED", ASSERTION_LOG), katalib.FAILS)

    def test_a_tsan_data_race_is_a_race(self):
        self.assertEqual(katalib.classify("FAILED", RACE_LOG), katalib.RACE)

    def test_a_binary_that_dies_mid_test_crashes(self):
        self.assertEqual(katalib.classify("FAILED", CRASH_LOG), katalib.CRASHES)

    def test_timeout(self):
        self.assertEqual(katalib.classify("TIMEOUT", ASSERTION_LOG), katalib.TIMES_OUT)

    def test_build_failure(self):
        self.assertEqual(katalib.classify("FAILED_TO_BUILD", ""), katalib.DOES_NOT_BUILD)

    def test_ubsan_and_asan_reports_are_sanitizer_errors(self):
        self.assertEqual(katalib.classify("FAILED", "x.cc:3:5: runtime error: signed integer overflow"), katalib.SANITIZER)
        self.assertEqual(katalib.classify("FAILED", "==1==ERROR: AddressSanitizer: heap-use-after-free"), katalib.SANITIZER)
        self.assertEqual(katalib.classify("FAILED", "==1==ERROR: LeakSanitizer: detected memory leaks"), katalib.SANITIZER)

    def test_tsan_mapping_failure_gets_advice(self):
        log = "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f00-0x7f10"
        run = katalib.TestRun("//katas/02_unlocked_counter:test", "tsan", outcome=katalib.classify("FAILED", log))
        self.assertEqual(run.outcome, katalib.SANITIZER)
        with tempfile.TemporaryDirectory() as tmp:
            run.log_path = Path(tmp) / "test.log"
            run.log_path.write_text(log)
            self.assertIn("vm.mmap_rnd_bits=28", katalib.failure_excerpt(run))


class CountTestsTest(unittest.TestCase):
    def test_counts_passed_failed_and_total(self):
        self.assertEqual(katalib.count_tests(ASSERTION_LOG), (1, 2, 3))

    def test_counts_what_ran_before_a_race_stopped_the_binary(self):
        self.assertEqual(katalib.count_tests(RACE_LOG), (1, 0, 8))


class KataTest(unittest.TestCase):
    def test_matches_number_name_and_title(self):
        kata = katalib.Kata("02_unlocked_counter", ("tsan",))
        for text in ("02", "2", "02_unlocked_counter", "unlocked_counter"):
            self.assertTrue(kata.matches(text), text)
        self.assertFalse(kata.matches("03"))

    def test_default_config_is_the_first_declared_or_plain(self):
        self.assertEqual(katalib.Kata("02_x", ("tsan",)).default_config, "tsan")
        self.assertEqual(katalib.Kata("01_x", ()).default_config, katalib.PLAIN)


class ParseBuildEventsTest(unittest.TestCase):
    def test_reads_status_log_and_build_failures(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "test.log"
            log.write_text(ASSERTION_LOG)
            events = [
                {"id": {"testResult": {"label": "//katas/01_threads:test", "run": 1}},
                 "testResult": {"status": "FAILED", "testActionOutput": [{"name": "test.log", "uri": log.as_uri()}]}},
                {"id": {"targetCompleted": {"label": "//katas/03_process:test"}}, "aborted": {"reason": "ANALYSIS_FAILURE"}},
            ]
            events_file = Path(tmp) / "events.json"
            events_file.write_text("\n".join(json.dumps(e) for e in events))
            runs = katalib.parse_build_events(events_file, "plain")
        self.assertEqual(runs["//katas/01_threads:test"].outcome, katalib.FAILS)
        self.assertEqual(runs["//katas/01_threads:test"].counts(), "1 of 3 tests pass")
        self.assertEqual(runs["//katas/03_process:test"].outcome, katalib.DOES_NOT_BUILD)


if __name__ == "__main__":
    unittest.main()
