// Tests how the tools read Bazel's events, JUnit XML and test logs.
#include <fstream>

#include "gtest/gtest.h"
#include "tools/cli/bazel.h"
#include "tools/cli/checks.h"
#include "tools/cli/grade_results.h"
#include "tools/cli/kata.h"
#include "tools/cli/outcome.h"
#include "tools/cli/report.h"
#include "tools/cli/schema.h"
#include "tools/cli/util.h"

namespace kata {
namespace {

const char* const kAssertionLog = R"([==========] Running 3 tests from 1 test suite.
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
)";

// A shortened real report from kata 02's starter under --config=tsan.
const char* const kRaceLog = R"([==========] Running 8 tests from 2 test suites.
[ RUN      ] CounterTest/MutexCounter.StartsAtZero
[       OK ] CounterTest/MutexCounter.StartsAtZero (0 ms)
[ RUN      ] CounterTest/MutexCounter.CountsEveryIncrementFromManyThreads
==================
WARNING: ThreadSanitizer: data race (pid=18384)
  Write of size 8 at 0x7ffc492a95d8 by thread T4:
    #0 mp::MutexCounter::increment() /proc/self/cwd/katas/02_unlocked_counter/counter.cc:20:3 (libcounter.so+0x15c3) (BuildId: 0cf6c9f4)
    #1 (anonymous namespace)::Test::TestBody()::'lambda'()::operator()() const /proc/self/cwd/katas/02_unlocked_counter/counter_test.cc:92:60 (test+0xdc71f) (BuildId: 9fcc2d86)
  Previous write of size 8 at 0x7ffc492a95d8 by thread T2:
    #0 mp::MutexCounter::increment() /proc/self/cwd/katas/02_unlocked_counter/counter.cc:20:3 (libcounter.so+0x15c3) (BuildId: 0cf6c9f4)
  Location is stack of main thread.
  Location is global '??' at 0x7ffc4928a000 ([stack]+0x1f5d8)
  Thread T4 (tid=18394, running) created by main thread at:
    #0 pthread_create <null> (test+0x5c43d) (BuildId: 9fcc2d86)
SUMMARY: ThreadSanitizer: data race /proc/self/cwd/katas/02_unlocked_counter/counter.cc:20:3 in mp::MutexCounter::increment()
==================
ThreadSanitizer: reported 1 warnings
)";

const char* const kCrashLog = R"([==========] Running 2 tests from 1 test suite.
[ RUN      ] ThreadTest.A
terminate called without an active exception
)";

// Tests that each way a test target ends gets its own outcome.
TEST(ClassifyTest, TellsEachOutcomeApart) {
  EXPECT_EQ(Classify("PASSED", ""), Outcome::kPasses);
  EXPECT_EQ(Classify("FAILED", kAssertionLog), Outcome::kFails);
  EXPECT_EQ(Classify("FAILED", kRaceLog), Outcome::kRace);
  EXPECT_EQ(Classify("FAILED", kCrashLog), Outcome::kCrashes);
  EXPECT_EQ(Classify("TIMEOUT", kAssertionLog), Outcome::kTimesOut);
  EXPECT_EQ(Classify("FAILED_TO_BUILD", ""), Outcome::kDoesNotBuild);
  EXPECT_EQ(Classify("FAILED", "x.cc:3:5: runtime error: signed integer overflow"), Outcome::kSanitizer);
  EXPECT_EQ(Classify("FAILED", "==1==ERROR: AddressSanitizer: heap-use-after-free"), Outcome::kSanitizer);
  EXPECT_EQ(Classify("FAILED", "==1==ERROR: LeakSanitizer: detected memory leaks"), Outcome::kSanitizer);
}

// Tests that a limit's marker in the log outranks the timeout it caused.
TEST(ClassifyTest, AHitLimitIsKilledEvenWhenItTimedOut) {
  std::string log = std::string(kCrashLog) + std::string(kLimitMarker) + "the test tried to run more than 64 processes\n";
  EXPECT_EQ(Classify("TIMEOUT", log), Outcome::kKilled);
}

// Tests that TSan's mapping failure comes with the sysctl that fixes it.
TEST(ClassifyTest, TsanMappingFailureGetsAdvice) {
  std::string log = "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f00-0x7f10";
  EXPECT_EQ(Classify("FAILED", log), Outcome::kSanitizer);
  EXPECT_NE(FailureExcerpt(Outcome::kSanitizer, log, ".").find("vm.mmap_rnd_bits=28"), std::string::npos);
}

// Tests that the excerpt of an assertion failure names each failing test
// above its messages.
TEST(FailureExcerptTest, NamesEachFailingTestAboveItsMessage) {
  EXPECT_EQ(FailureExcerpt(Outcome::kFails, kAssertionLog, "."),
            "ThreadTest.B fails:\n"
            "katas/01_threads/thread_test.cc:40: Failure\n"
            "Expected equality of these values:\n"
            "ThreadTest.C fails:\n"
            "unknown file: Failure\n"
            "C++ exception with description \"TODO: Thread::start is not written yet\" thrown in the test body.");
}

// Tests that a failure is shown whole or not at all, and that the failing
// tests that did not fit are named.
TEST(FailureExcerptTest, NamesTheTestsThatDoNotFit) {
  EXPECT_EQ(FailureExcerpt(Outcome::kFails, kAssertionLog, ".", 4),
            "ThreadTest.B fails:\n"
            "katas/01_threads/thread_test.cc:40: Failure\n"
            "Expected equality of these values:\n"
            "and 1 more failing test: ThreadTest.C");
}

// Tests that only a test's first failure is shown: the second of two
// EXPECTs on the starter says the same thing again.
TEST(FailureExcerptTest, ShowsOnlyTheFirstFailureOfATest) {
  const char* const log = R"([ RUN      ] PoolTest.FewerThanOneProcessIsAValueError
katas/08_pool_map/pool_test.cc:183: Failure
Expected: mp::Pool(0) throws an exception of type mp::ValueError.
  Actual: it throws mp::NotImplemented.
katas/08_pool_map/pool_test.cc:184: Failure
Expected: mp::Pool(-2) throws an exception of type mp::ValueError.
  Actual: it throws mp::NotImplemented.
[  FAILED  ] PoolTest.FewerThanOneProcessIsAValueError (4 ms)
)";
  EXPECT_EQ(FailureExcerpt(Outcome::kFails, log, "."),
            "PoolTest.FewerThanOneProcessIsAValueError fails:\n"
            "katas/08_pool_map/pool_test.cc:183: Failure\n"
            "Expected: mp::Pool(0) throws an exception of type mp::ValueError.\n"
            "  Actual: it throws mp::NotImplemented.");
}

// Tests that the excerpt of a test that timed out is the log's end, without
// the paging command Bazel writes at the top of every test.log.
TEST(FailureExcerptTest, ATimeoutShowsTheLogsEndWithoutBazelsPagerLine) {
  const char* const log = "exec ${PAGER:-/usr/bin/less} \"$0\" || exit 1\n"
                          "[ RUN      ] QueueTest.GetOnAnEmptyQueueRaisesEmpty\n"
                          "-- Test timed out at 2026-12-07 00:20:42 UTC --\n";
  EXPECT_EQ(FailureExcerpt(Outcome::kTimesOut, log, "."),
            "[ RUN      ] QueueTest.GetOnAnEmptyQueueRaisesEmpty\n"
            "-- Test timed out at 2026-12-07 00:20:42 UTC --");
}

// Tests that only more than 28 bits of mmap randomisation keep TSan from starting.
TEST(ClassifyTest, TsanMappingLimitIs28Bits) {
  EXPECT_TRUE(TsanMappingBitsTooHigh("32\n"));
  EXPECT_FALSE(TsanMappingBitsTooHigh("28\n"));
  EXPECT_FALSE(TsanMappingBitsTooHigh(""));
}

// Tests counting GoogleTest's cases from a log.
TEST(CountTestsTest, CountsPassedFailedAndTotal) {
  Counts counts = CountTests(kAssertionLog);
  EXPECT_EQ(counts.passed, 1);
  EXPECT_EQ(counts.failed, 2);
  EXPECT_EQ(counts.total, 3);
  Counts race = CountTests(kRaceLog);
  EXPECT_EQ(race.passed, 1);
  EXPECT_EQ(race.total, 8);
}

// Tests that a race report becomes a sentence with variable, functions and lines.
TEST(DescribeRaceTest, NamesTheVariableTheFunctionsAndTheLines) {
  std::filesystem::path root = MakeTempDir("katalib-test-");
  std::filesystem::create_directories(root / "katas/02_unlocked_counter");
  std::string source;
  for (int line = 1; line < 20; ++line) source += "//\n";
  source += "  ++value_;\n";
  WriteFile(root / "katas/02_unlocked_counter/counter.cc", source);
  std::optional<std::string> sentence = DescribeRace(kRaceLog, root);
  ASSERT_TRUE(sentence.has_value());
  EXPECT_EQ(*sentence,
            "Data race on `value_` (8 bytes): thread T4 writes it in mp::MutexCounter::increment() "
            "(katas/02_unlocked_counter/counter.cc:20) while thread T2 wrote it in mp::MutexCounter::increment() "
            "(katas/02_unlocked_counter/counter.cc:20), and nothing orders the two accesses (no lock held by both, no "
            "atomic).");
  std::filesystem::remove_all(root);
}

// Tests that a global's name comes from the report itself.
TEST(DescribeRaceTest, AGlobalIsNamedByTheReport) {
  std::string log = R"(WARNING: ThreadSanitizer: data race (pid=1)
  Read of size 4 at 0x1 by thread T1:
    #0 Reader() /proc/self/cwd/katas/x/a.cc:5:3 (a+0x1)
  Previous write of size 4 at 0x1 by main thread:
    #0 Writer() /proc/self/cwd/katas/x/a.cc:9:3 (a+0x1)
  Location is global 'ready' of size 4 at 0x1 (a+0x1)
)";
  EXPECT_EQ(DescribeRace(log, "/nonexistent").value_or(""),
            "Data race on `ready` (4 bytes): thread T1 reads it in Reader() (katas/x/a.cc:5) while main thread wrote "
            "it in Writer() (katas/x/a.cc:9), and nothing orders the two accesses (no lock held by both, no atomic).");
  EXPECT_FALSE(DescribeRace(kAssertionLog, ".").has_value());
}

// Tests reading cases from GoogleTest's XML.
TEST(ReadTestCasesTest, ReadsGoogleTestXml) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2"><testsuite name="ThreadTest" tests="2">
<testcase name="Runs" status="run" result="completed" classname="ThreadTest"/>
<testcase name="Joins" status="run" result="completed" classname="ThreadTest"><failure message="unknown file&#x0A;C++ exception: TODO" type=""/></testcase>
</testsuite></testsuites>)";
  std::vector<TestCase> cases = ReadTestCases(xml, "", "");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].name, "ThreadTest.Runs");
  EXPECT_EQ(cases[0].status, TestCase::Status::kPassed);
  EXPECT_EQ(cases[1].status, TestCase::Status::kFailed);
  EXPECT_EQ(cases[1].message, "C++ exception: TODO");
}

// Tests that a binary that died leaves its cases in the log: Bazel's own XML has no classname.
TEST(ReadTestCasesTest, FallsBackToTheLogWhenTheBinaryDied) {
  const char* bazel_xml = R"(<?xml version="1.0"?><testsuites><testsuite name="t"><testcase name="katas/02/test" status="run"/></testsuite></testsuites>)";
  std::vector<TestCase> cases = ReadTestCases(bazel_xml, kRaceLog, "the race");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].status, TestCase::Status::kPassed);
  EXPECT_EQ(cases[1].name, "CounterTest/MutexCounter.CountsEveryIncrementFromManyThreads");
  EXPECT_EQ(cases[1].status, TestCase::Status::kFailed);
  EXPECT_EQ(cases[1].message, "the race");
  std::vector<TestCase> failed = ReadTestCases("", kAssertionLog, "");
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed[2].name, "ThreadTest.C");
  EXPECT_EQ(failed[2].status, TestCase::Status::kFailed);
}

// Tests reading a build event file: each target's status, files and build failures.
TEST(ParseBuildEventsTest, ReadsStatusLogsAndBuildFailures) {
  std::filesystem::path root = MakeTempDir("katalib-test-");
  WriteFile(root / "test.log", kAssertionLog);
  std::string uri = "file://" + (root / "test.log").string();
  std::string events =
      R"({"id":{"testResult":{"label":"//katas/01_threads:test","run":1}},"testResult":{"status":"FAILED","testActionOutput":[{"name":"test.log","uri":")" +
      uri + R"("},{"name":"test.xml","uri":"file:///x/test.xml"}]}})" "\n" +
      R"({"id":{"targetCompleted":{"label":"//katas/03_process:test"}},"aborted":{"reason":"ANALYSIS_FAILURE"}})" "\n";
  std::map<std::string, TargetResult> targets = ParseBuildEvents(events, "plain");
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets["//katas/01_threads:test"].outcome, Outcome::kFails);
  EXPECT_EQ(targets["//katas/01_threads:test"].CountsText(), "1 of 3 tests pass");
  EXPECT_EQ(targets["//katas/01_threads:test"].xml_path, "/x/test.xml");
  EXPECT_EQ(targets["//katas/03_process:test"].outcome, Outcome::kDoesNotBuild);
  EXPECT_FALSE(targets["//katas/01_threads:test"].cached);
  std::map<std::string, TargetResult> cached = ParseBuildEvents(
      R"({"id":{"testResult":{"label":"//katas/01_threads:test","run":1}},"testResult":{"status":"PASSED","cachedLocally":true}})" "\n",
      "plain");
  EXPECT_TRUE(cached["//katas/01_threads:test"].cached);
  std::filesystem::remove_all(root);
}

// Tests reading configs and demos from the tags kata() sets.
TEST(KataTest, ReadsTagsAndMatchesNames) {
  std::vector<Kata> katas = {{"01_threads", {}, {}}, {"02_unlocked_counter", {}, {}}};
  ApplyQueryTags(R"(<?xml version="1.1" encoding="UTF-8" standalone="no"?>
<query version="2"><rule class="cc_test" location="x" name="//katas/02_unlocked_counter:test">
<list name="tags"><string value="kata"/><string value="kata_starter=race reported"/><string value="kata_config=tsan"/><string value="kata_demo=example: loses updates"/></list>
</rule></query>)", katas);
  EXPECT_TRUE(katas[0].configs.empty());
  ASSERT_EQ(katas[1].configs.size(), 1u);
  EXPECT_EQ(katas[1].configs[0], "tsan");
  ASSERT_EQ(katas[1].demos.size(), 1u);
  EXPECT_EQ(katas[1].demos[0].target, "example");
  EXPECT_EQ(katas[1].demos[0].explanation, "loses updates");
  EXPECT_EQ(katas[1].DefaultConfig(), "tsan");
  EXPECT_EQ(katas[1].starter_fails_with, "race reported");
  EXPECT_EQ(katas[1].CheckOrder(), (std::vector<std::string>{"tsan", "plain"}));
  EXPECT_EQ(katas[0].CheckOrder(), (std::vector<std::string>{"plain"}));
  Kata judged_by_tsan_too{"01_threads", {"tsan"}, {}};  // its starter fails by assertion
  EXPECT_EQ(judged_by_tsan_too.CheckOrder(), (std::vector<std::string>{"plain", "tsan"}));
  for (const char* name : {"02", "2", "02_unlocked_counter", "unlocked_counter"}) EXPECT_TRUE(katas[1].Matches(name)) << name;
  EXPECT_FALSE(katas[1].Matches("03"));
  EXPECT_THROW(SelectKatas(katas, {"99"}), UsageError);
}

GradeResults SampleResults() {
  GradeResults results;
  results.submission = "/work/alice";
  results.graded_at = "2026-12-02T18:00:00Z";
  results.score = 5;
  results.max_score = 20;
  results.process_limit = "pids cgroup";
  results.tampering.push_back({"katas/01_threads/thread_test.cc", "modified"});
  GradedKata kata;
  kata.name = "01_threads";
  kata.status = "failing";
  kata.points = 5;
  kata.configs = {"plain"};
  kata.outcomes["plain"] = "fails";
  kata.correctness = {"fail", "1 of 2 tests pass"};
  kata.tests.push_back({"ThreadTest.Runs", "pass", 5, 5, "", {{"plain", "pass"}}});
  kata.tests.push_back({"ThreadTest.Joins", "fail", 0, 5, "TODO <join>", {{"plain", "fail"}}});
  results.katas.push_back(kata);
  GradedKata broken;
  broken.name = "02_unlocked_counter";
  broken.status = "does not build";
  broken.configs = {"plain", "tsan"};
  results.katas.push_back(broken);
  return results;
}

std::string Schema() {
  // Bazel runs a test in its runfiles tree, with the data file at its path.
  return ReadFile("tools/cli/results.schema.json").value_or("");
}

// Tests that what ResultsJson writes is valid against the documented schema.
TEST(ResultsTest, JsonMatchesItsSchema) {
  std::string schema = Schema();
  ASSERT_FALSE(schema.empty());
  std::vector<std::string> problems = ValidateJson(ResultsJson(SampleResults()), schema);
  EXPECT_TRUE(problems.empty()) << Join(problems, "\n");
}

// Tests that the validator catches a results file that breaks the schema.
TEST(ResultsTest, ValidatorRejectsBrokenResults) {
  std::string json = ResultsJson(SampleResults());
  std::string wrong_status = ReplaceAll(json, "\"does not build\"", "\"exploded\"");
  EXPECT_FALSE(ValidateJson(wrong_status, Schema()).empty());
  std::string no_score = ReplaceAll(json, "\"score\"", "\"scor\"");
  EXPECT_FALSE(ValidateJson(no_score, Schema()).empty());
  EXPECT_FALSE(ValidateJson("{", Schema()).empty());
}

// Tests that JUnit and the summary carry each kata and escape what they must.
TEST(ResultsTest, JunitAndSummaryNameEveryKata) {
  std::string junit = ResultsJunit(SampleResults());
  EXPECT_NE(junit.find("<testsuite name=\"01_threads\""), std::string::npos);
  EXPECT_NE(junit.find("TODO &lt;join&gt;"), std::string::npos);
  EXPECT_NE(junit.find("name=\"builds\""), std::string::npos);  // stands in for a kata that does not build
  std::string summary = ResultsSummary(SampleResults());
  EXPECT_NE(summary.find("5 of 20 points"), std::string::npos);
  EXPECT_NE(summary.find("`katas/01_threads/thread_test.cc` (modified)"), std::string::npos);
}

// Tests that reading results.json gives back what was written.
TEST(ResultsTest, ReadingTheJsonGivesBackWhatWasWritten) {
  GradeResults written = SampleResults();
  written.finished = false;
  written.seconds = 12.5;
  written.katas[0].timeouts = {"fail", "stopped after 10 s"};
  GradeResults read = ReadResultsJson(ResultsJson(written));
  EXPECT_EQ(ResultsJson(read), ResultsJson(written));
  EXPECT_FALSE(read.finished);
  ASSERT_EQ(read.katas.size(), 2u);
  EXPECT_EQ(read.katas[0].timeouts.message, "stopped after 10 s");
  EXPECT_EQ(read.tampering[0].change, "modified");
  EXPECT_THROW(ReadResultsJson("{"), std::runtime_error);
  EXPECT_THROW(ReadResultsJson("{\"score\": 3}"), std::runtime_error);
}

// Tests the class report on two submissions.
TEST(ReportTest, ShowsProgressStuckAndFailedTests) {
  std::filesystem::path root = MakeTempDir("katalib-test-");
  WriteFile(root / "alice.json", ResultsJson(SampleResults()));
  GradeResults bob = SampleResults();
  bob.katas[0].status = "solved";
  WriteFile(root / "bob.json", ResultsJson(bob));
  std::string html = ClassReportHtml({ReadClassMember(root / "alice.json"), ReadClassMember(root / "bob.json")});
  EXPECT_NE(html.find("<svg id=\"progress\""), std::string::npos);
  EXPECT_NE(html.find("<td>alice</td>"), std::string::npos);
  EXPECT_NE(html.find("01_threads (failing)"), std::string::npos);
  EXPECT_NE(html.find("02_unlocked_counter (does not build)"), std::string::npos);
  EXPECT_NE(html.find("<td>ThreadTest.Joins</td><td>2</td>"), std::string::npos);
  std::filesystem::remove_all(root);
}

// Tests the lines of a passing and of a failing check.
TEST(ChecksTest, AFailureIsExplainedUnderItsLine) {
  EXPECT_EQ(CheckLines({true, "//solutions/01_threads:test [plain] passes", "7 of 7 tests pass", "unused"}),
            std::vector<std::string>{"  ok    //solutions/01_threads:test [plain] passes  (7 of 7 tests pass)"});
  EXPECT_EQ(CheckLines({false, "01_threads starter [plain] crashes (expected: fails)", "", "first\nsecond"}),
            (std::vector<std::string>{"  FAIL  01_threads starter [plain] crashes (expected: fails)",
                                      "        | first", "        | second"}));
}

// Tests reading the verdicts of tools/setup_bundle_test, each failure with its log.
TEST(ChecksTest, ReadsAScriptsVerdictsAndTheLogOfEachFailure) {
  std::vector<CheckResult> checks = ParseScriptChecks(
      "ok      --list names 11 packages\n"
      "FAILED  --from /b --reinstall with no network\n"
      "        E: Unable to locate package clang\n"
      "        \n"
      "        setup: error: apt-get failed\n"
      "repairing with tools/setup (from the network)\n"
      "ok      the packages are installed at the same versions as before\n"
      "2 passed, 1 failed\n");
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_TRUE(checks[0].ok);
  EXPECT_EQ(checks[0].what, "--list names 11 packages");
  EXPECT_FALSE(checks[1].ok);
  EXPECT_EQ(checks[1].what, "--from /b --reinstall with no network");
  EXPECT_EQ(checks[1].explanation, "E: Unable to locate package clang\n\nsetup: error: apt-get failed");
  EXPECT_TRUE(checks[2].ok);
  EXPECT_EQ(checks[2].explanation, "");
}

}  // namespace
}  // namespace kata
