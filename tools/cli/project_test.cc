// tools/test: the project's own tests; checks every promise the repository makes.
//
//   tools/test [--config C]... [--kata NN]... [--runs N] [--no-starters] [--no-grade] [--no-bundle]
//
//   - tools/cli builds and its unit tests pass;
//   - every reference solution (and common/) builds and passes its tests in
//     the plain build and under every sanitizer config (tsan, asan, ubsan);
//   - every pristine kata starter builds, and fails in its kata's default
//     config the way its BUILD says a learner should first see it fail
//     (kata(starter_fails_with)): by assertion (a GoogleTest failure), or
//     for 02 with ThreadSanitizer's race report; never by a crash, a
//     timeout or a compile error;
//   - tools/grade gives the pristine repository 0 points and the solutions
//     full points, renders a class report, and reports bad submissions (a
//     deadlock, a fork bomb, code that does not compile, an edited test) as
//     what they are, within its time bounds;
//   - as root, on a full run: tools/setup --bundle / --from install offline
//     (tools/setup_bundle_test).
//
// Each check prints one line, "ok" or "FAIL" (tools/cli/checks.h), and the
// run ends with the line "N passed, N failed".
//
// Exit codes: 0 every check passed; 1 a check failed; 2 wrong usage;
// 3 the checks could not run (Bazel or the repository is broken).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>

#include "tools/cli/bazel.h"
#include "tools/cli/checks.h"
#include "tools/cli/grade_results.h"
#include "tools/cli/kata.h"
#include "tools/cli/limits.h"
#include "tools/cli/outcome.h"
#include "tools/cli/printer.h"
#include "tools/cli/util.h"

namespace kata {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBroken = 3;

const char* const kUsage =
    "usage: tools/test [--config C]... [--kata NN]... [--runs N] [--no-starters] [--no-grade] [--no-bundle]\n"
    "\n"
    "Checks every promise the repository makes: tools/cli's unit tests; every solution (and common/)\n"
    "in the plain build and under tsan, asan and ubsan; every kata starter builds and fails the way a\n"
    "learner should first see it fail (by assertion, or for kata 02 by a race report); tools/grade\n"
    "on the pristine repository, on the solutions and on bad submissions; and, as root on a full run,\n"
    "the offline install of tools/setup --bundle / --from. Ends with \"N passed, N failed\".\n"
    "\n"
    "  --config C      only this config for the solutions: plain, tsan, asan or ubsan (repeatable;\n"
    "                  default: all)\n"
    "  --kata NN       only this kata (repeatable; e.g. 01 or 02_unlocked_counter); skips the\n"
    "                  benchmarks' build and the offline install\n"
    "  --runs N        run each solution test N times (e.g. 50, to prove it is not flaky)\n"
    "  --no-starters   skip the starter checks\n"
    "  --no-grade      skip the checks of tools/grade\n"
    "  --no-bundle     skip the offline install check (tools/setup_bundle_test)\n"
    "\n"
    "Exit status: 0 every check passed; 1 a check failed; 2 wrong usage; 3 the checks could not run.\n";

struct Options {
  std::vector<std::string> configs;  // of the solutions; empty: all
  std::vector<std::string> katas;    // as asked for; empty: all
  int runs = 1;
  bool starters = true;
  bool grade = true;
  bool bundle = true;
};

// Where the checks run: the checkout, Bazel in it, and the folder for logs.
struct Context {
  fs::path repo;
  fs::path log_dir;
  const Bazel& bazel;
};

// Counts the checks and prints each one's verdict as it comes.
class Tally {
 public:
  explicit Tally(Printer& printer) : printer_(printer) {}

  void Check(bool ok, const std::string& what, const std::string& detail = "", const std::string& explanation = "") {
    Add({ok, what, detail, explanation});
  }
  void Add(const CheckResult& check) {
    for (const std::string& line : CheckLines(check)) printer_.Line(line);
    if (check.ok) {
      ++passed_;
    } else {
      failed_.push_back(check.what);
    }
  }
  void Section(const std::string& header) { printer_.Line(header); }
  void Note(const std::string& text) { printer_.Line("  (" + text + ")"); }

  int passed() const { return passed_; }
  const std::vector<std::string>& failed() const { return failed_; }

 private:
  Printer& printer_;
  int passed_ = 0;
  std::vector<std::string> failed_;  // what each failed check checked
};

// The last `chars` characters of `text`: the end of an output says what went wrong.
std::string Last(const std::string& text, size_t chars) {
  return text.size() > chars ? text.substr(text.size() - chars) : text;
}

int Seconds(Clock::time_point since) {
  return static_cast<int>(std::chrono::duration<double>(Clock::now() - since).count() + 0.5);
}

// How a failed test target failed, and where its whole log is.
std::string TargetExplanation(const Context& context, const TargetResult& target) {
  return FailureExcerpt(target.outcome, target.Log(), context.repo, 20) + "\nfull log: " + target.log_path.string();
}

// --- tools/cli -----------------------------------------------------------------

void CheckToolUnitTests(Tally& tally, const Context& context) {
  const std::string kUnitTests = "//tools/cli:katalib_test";
  TestRunResult run = context.bazel.Test({"//tools/cli/..."}, std::string(kPlain));
  auto found = run.targets.find(kUnitTests);
  const TargetResult* target = found == run.targets.end() ? nullptr : &found->second;
  bool ok = run.exit_code == 0 && target != nullptr && target->outcome == Outcome::kPasses;
  std::string explanation;
  if (!ok) explanation = target != nullptr ? TargetExplanation(context, *target) : ReadFileTail(run.output, 3000);
  tally.Check(ok, "tools: //tools/cli builds and its unit tests pass", target ? target->CountsText() : "", explanation);
}

// --- Solutions and starters ------------------------------------------------------

void CheckSolutions(Tally& tally, const Context& context, const std::vector<Kata>& katas,
                    const std::vector<std::string>& configs, int runs) {
  std::vector<std::string> patterns = {"//common/..."};
  for (const Kata& kata : katas) patterns.push_back(kata.SolutionPackage() + "/...");
  std::vector<std::string> extra_flags;
  if (runs > 1) extra_flags.push_back("--runs_per_test=" + std::to_string(runs));
  for (const std::string& config : configs) {
    tally.Section("solutions and common/, config " + config +
                  (runs > 1 ? ", " + std::to_string(runs) + " runs each" : "") + ":");
    TestRunResult run = context.bazel.Test(patterns, config, extra_flags);
    std::string exited = "bazel exited " + std::to_string(run.exit_code);
    if (run.targets.empty()) {
      tally.Check(false, "bazel test (" + config + ")", exited, ReadFileTail(run.output, 3000));
      continue;
    }
    if (run.exit_code != 0 && run.exit_code != 3) {  // 3: tests failed, which the checks below report
      tally.Check(false, "build of solutions and examples (" + config + ")", exited, BuildErrors(run.output));
    }
    for (const auto& [label, target] : run.targets) {
      std::vector<std::string> details;
      if (!target.CountsText().empty()) details.push_back(target.CountsText());
      if (runs > 1) {
        details.push_back(std::to_string(target.runs - target.failed_runs) + " of " + std::to_string(target.runs) +
                          " runs pass");
      }
      bool passes = target.outcome == Outcome::kPasses;
      tally.Check(passes && target.failed_runs == 0, label + " [" + config + "] " + std::string(Word(target.outcome)),
                  Join(details, ", "), passes ? "" : TargetExplanation(context, target));
    }
  }
}

// The katas by the config that judges their starters, configs in the order
// their first kata comes.
std::vector<std::pair<std::string, std::vector<Kata>>> ByDefaultConfig(const std::vector<Kata>& katas) {
  std::vector<std::pair<std::string, std::vector<Kata>>> groups;
  for (const Kata& kata : katas) {
    auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == kata.DefaultConfig(); });
    if (group == groups.end()) group = groups.insert(groups.end(), {kata.DefaultConfig(), {}});
    group->second.push_back(kata);
  }
  return groups;
}

void CheckStartersBuild(Tally& tally, const Context& context, const std::vector<Kata>& katas, bool with_benchmarks) {
  std::vector<std::string> patterns;
  for (const Kata& kata : katas) patterns.push_back(kata.StarterPackage() + "/...");
  std::string what = "every starter and its examples build";
  if (with_benchmarks) {
    patterns.push_back("//tools/bench/...");
    what = "every starter, its examples, and the benchmarks build";
  }
  fs::path log = context.log_dir / "starters-build.log";
  RunResult build = context.bazel.Build(patterns, std::string(kPlain), log);
  tally.Check(build.exit_code == 0, what + " [plain]", "", build.exit_code == 0 ? "" : BuildErrors(log));
}

// A starter must fail the way a learner should first see it fail.
void CheckStartersFail(Tally& tally, const Context& context, const std::vector<Kata>& katas) {
  for (const auto& [config, group] : ByDefaultConfig(katas)) {
    tally.Section("kata starters judged in config " + config + ":");
    std::vector<std::string> labels;
    for (const Kata& kata : group) labels.push_back(kata.StarterPackage() + ":test");
    TestRunResult run = context.bazel.Test(labels, config);
    for (const Kata& kata : group) {
      const Outcome expected = OutcomeFromWord(kata.starter_fails_with).value_or(Outcome::kFails);
      std::string what = kata.name + " starter [" + config + "]";
      auto found = run.targets.find(kata.StarterPackage() + ":test");
      if (found == run.targets.end()) {
        tally.Check(false, what, "no result: see the bazel log in " + context.log_dir.string());
        continue;
      }
      const TargetResult& target = found->second;
      bool ok = target.outcome == expected;
      tally.Check(ok, what + " " + std::string(Word(target.outcome)) + " (expected: " + std::string(Word(expected)) + ")",
                  target.CountsText(), ok ? "" : TargetExplanation(context, target));
    }
  }
}

void CheckStarters(Tally& tally, const Context& context, const std::vector<Kata>& katas, bool with_benchmarks) {
  tally.Section("kata starters, plain build:");
  CheckStartersBuild(tally, context, katas, with_benchmarks);
  CheckStartersFail(tally, context, katas);
}

// --- tools/grade ---------------------------------------------------------------
// Submissions for the grade checks. Each bad one is a kata's own solution with
// one thing added at load time, so the case does exactly one bad thing.

const char* const kDeadlock = R"(
#include <future>
// Submission that never finishes: waits for a promise nobody keeps.
static const int kHang = [] { std::promise<void> never; never.get_future().wait(); return 0; }();
)";
const char* const kForkBomb = R"(
#include <unistd.h>
// Submission that forks without end: every process forks again, forever.
static const int kBomb = [] { for (;;) fork(); return 0; }();
)";
const char* const kNotCpp = "this is not C++ (a submission that does not compile)\n";
const char* const kEditedTest = R"(
#include "gtest/gtest.h"
// A learner's "test" that passes whatever the code does: grading must ignore it.
TEST(ThreadTest, Everything) { SUCCEED(); }
)";

// A bad submission: in `kata`, `what` it does and the status tools/grade must give it.
struct BadCase {
  std::string kata;
  std::string what;
  std::string expected;
};

// Where the grade checks work: one work directory (one Bazel output base)
// for every case, so only the files a case changes are rebuilt, and a
// scratch folder for submissions and results, removed at the end.
struct GradeContext {
  const Context& context;
  fs::path workdir;
  fs::path scratch;
  std::vector<std::string> kata_names;

  ~GradeContext() {
    std::error_code error;
    fs::remove_all(scratch, error);
  }
  fs::path Tool() const { return context.repo / "tools" / "grade"; }
  fs::path Log(const std::string& name) const { return context.log_dir / ("grade-" + name + ".log"); }
  bool Has(const std::string& kata) const {
    return std::find(kata_names.begin(), kata_names.end(), kata) != kata_names.end();
  }
};

// One run of the tools/grade launcher on a submission.
struct GradeRun {
  RunResult run;
  fs::path log;
  fs::path results_file;
  std::optional<GradeResults> results;  // when it wrote a readable results.json
  int seconds = 0;
  bool Graded() const { return run.exit_code == 0 && results.has_value(); }
};

GradeRun RunGrade(const GradeContext& grade, const fs::path& submission, const std::string& name,
                  const std::vector<std::string>& extra_args) {
  fs::path out = grade.scratch / name;
  std::vector<std::string> argv = {grade.Tool().string(), "--submission", submission.string(), "--out", out.string(),
                                   "--workdir", grade.workdir.string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  RunOptions options;
  options.output_file = grade.Log(name);
  auto started = Clock::now();
  GradeRun result{Run(argv, options), grade.Log(name), out / "results.json", std::nullopt, 0};
  result.seconds = Seconds(started);
  if (auto json = ReadFile(result.results_file)) {
    try {
      result.results = ReadResultsJson(*json);
    } catch (const std::runtime_error&) {
      // Not graded, then: the check says so and shows the log.
    }
  }
  return result;
}

std::vector<std::string> KataArgs(const std::vector<std::string>& names) {
  std::vector<std::string> args;
  for (const std::string& name : names) args.insert(args.end(), {"--kata", name});
  return args;
}

// A run of tools/grade that failed or wrote no results.json.
void ReportNotGraded(Tally& tally, const GradeRun& run, const std::string& what) {
  tally.Check(false, "grade: " + what, "exit " + std::to_string(run.run.exit_code), ReadFileTail(run.log, 3000));
}

void CheckValid(Tally& tally, const GradeContext& grade, const GradeRun& run, const std::string& what) {
  RunOptions options;
  options.capture = true;
  RunResult validate = Run({grade.Tool().string(), "validate", run.results_file.string()}, options);
  tally.Check(validate.exit_code == 0, "grade: " + what + ": results.json matches tools/cli/results.schema.json", "",
              validate.output);
}

GradedKata KataIn(const GradeResults& results, const std::string& name) {
  for (const GradedKata& kata : results.katas) {
    if (kata.name == name) return kata;
  }
  GradedKata missing;
  missing.name = name;
  missing.status = "missing from results.json";
  return missing;
}

std::string PointsIn(const GradeResults& results) {
  char text[96];
  std::snprintf(text, sizeof text, "%g of %g points in %.0f s", results.score, results.max_score, results.seconds);
  return text;
}

// "01_threads: failing, 0 points", one kata a line.
std::string KataLines(const std::vector<GradedKata>& katas, size_t message_chars) {
  std::vector<std::string> lines;
  for (const GradedKata& kata : katas) {
    char points[32];
    std::snprintf(points, sizeof points, "%g points", kata.points);
    std::string line = kata.name + ": " + kata.status + ", " + points;
    if (message_chars > 0 && !kata.message.empty()) line += ": " + Shorten(kata.message, message_chars);
    lines.push_back(line);
  }
  return Join(lines, "\n");
}

// The repository as it is: every starter fails, nothing earns a point.
void CheckGradePristine(Tally& tally, const GradeContext& grade) {
  GradeRun run = RunGrade(grade, grade.context.repo, "pristine", KataArgs(grade.kata_names));
  if (!run.Graded()) {
    ReportNotGraded(tally, run, "the pristine repository is graded");
    return;
  }
  const GradeResults& results = *run.results;
  std::set<std::string> unsolved;
  for (const GradedKata& kata : results.katas) {
    if (kata.status != "solved" && kata.points == 0) unsolved.insert(kata.name);
  }
  bool every_kata = unsolved == std::set<std::string>(grade.kata_names.begin(), grade.kata_names.end());
  tally.Check(results.score == 0 && every_kata, "grade: the pristine repository scores 0, every kata unsolved",
              PointsIn(results), KataLines(results.katas, 0));
  CheckValid(tally, grade, run, "pristine");
}

// The reference solutions copied over the starters: full points.
void CheckGradeSolutions(Tally& tally, const GradeContext& grade, const std::vector<Kata>& katas) {
  fs::path submission = grade.scratch / "solved-submission";
  for (const Kata& kata : katas) {
    fs::create_directories(submission / "katas" / kata.name);
    for (const std::string& file : LearnerFiles(grade.context.repo, kata)) {
      fs::copy_file(grade.context.repo / "solutions" / kata.name / file, submission / "katas" / kata.name / file);
    }
  }
  GradeRun run = RunGrade(grade, submission, "solved", KataArgs(grade.kata_names));
  if (!run.Graded()) {
    ReportNotGraded(tally, run, "the solutions are graded");
    return;
  }
  const GradeResults& results = *run.results;
  std::vector<GradedKata> not_solved;
  std::copy_if(results.katas.begin(), results.katas.end(), std::back_inserter(not_solved),
               [](const GradedKata& kata) { return kata.status != "solved"; });
  tally.Check(results.score == results.max_score && results.max_score > 0 && not_solved.empty(),
              "grade: the reference solutions score full points", PointsIn(results), KataLines(not_solved, 300));
  CheckValid(tally, grade, run, "solutions");
}

// tools/grade report writes a page that headless Chromium renders.
void CheckClassReport(Tally& tally, const GradeContext& grade, const std::vector<fs::path>& results) {
  if (!std::all_of(results.begin(), results.end(), [](const fs::path& p) { return fs::exists(p); })) return;
  fs::path html = grade.scratch / "report.html";
  std::vector<std::string> argv = {grade.Tool().string(), "report"};
  for (const fs::path& file : results) argv.push_back(file.string());
  argv.insert(argv.end(), {"--html", html.string()});
  RunOptions capture;
  capture.capture = true;
  RunResult made = Run(argv, capture);
  if (made.exit_code != 0) {
    tally.Check(false, "grade report: writes the class report", "exit " + std::to_string(made.exit_code),
                Last(made.output, 2000));
    return;
  }
  RunOptions browser = capture;
  browser.deadline = Clock::now() + std::chrono::seconds(120);
  RunResult dom;
  try {
    dom = Run({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--user-data-dir=" + (grade.scratch / "chromium-profile").string(), "--dump-dom", "file://" + html.string()},
              browser);
  } catch (const std::runtime_error&) {
    tally.Check(false, "grade report: renders in headless Chromium", "chromium is not installed (tools/setup installs it)");
    return;
  }
  std::vector<std::string> missing;
  for (const char* wanted : {"data-rendered=\"yes\"", "<svg id=\"progress\"", "<td>pristine</td>", "<td>solved</td>",
                             "Most failed tests"}) {
    if (dom.output.find(wanted) == std::string::npos) missing.emplace_back(wanted);
  }
  std::string detail = dom.timed_out ? "timed out after 120 s" : missing.empty() ? "" : "missing " + Join(missing, ", ");
  tally.Check(dom.exit_code == 0 && missing.empty(),
              "grade report: headless Chromium renders the class report (chart, who is stuck, failed tests)", detail,
              missing.empty() ? "" : Last(dom.output, 1500));
}

// A fork bomb may only run where tools/grade can contain it: as an ordinary
// user RLIMIT_NPROC binds; as root only a pids cgroup does, so ask the
// library that makes tools/grade's cgroups whether it can make one here
// (cgroup v1 or v2).
bool ProcessLimitEnforceable() {
  if (geteuid() != 0) return true;
  const fs::path probe = MakeGradeCgroup("mpkata-test-probe-" + std::to_string(getpid()), 8);
  if (probe.empty()) return false;
  RemoveCgroup(probe);
  return true;
}

void WriteSubmissionFile(const fs::path& submission, const std::string& kata, const std::string& file,
                         const std::string& text) {
  fs::create_directories(submission / "katas" / kata);
  WriteFile(submission / "katas" / kata / file, text);
}

std::string SolutionPlus(const GradeContext& grade, const std::string& kata, const std::string& file,
                         const std::string& extra) {
  return ReadFile(grade.context.repo / "solutions" / kata / file).value_or("") + extra;
}

// On its own: a bomb on two cores starves whatever runs beside it.
void CheckGradeForkBomb(Tally& tally, const GradeContext& grade) {
  const std::string kata = "03_process";
  fs::path submission = grade.scratch / "bomb-submission";
  WriteSubmissionFile(submission, kata, "process.cc", SolutionPlus(grade, kata, "process.cc", kForkBomb));
  GradeRun run = RunGrade(grade, submission, "bomb", {"--test-timeout", "10", "--timeout", "180", "--kata", kata});
  if (!run.Graded()) {
    ReportNotGraded(tally, run, "a fork bomb is graded");
    return;
  }
  const GradeResults& results = *run.results;
  GradedKata graded = KataIn(results, kata);
  tally.Check(graded.status == "killed by a limit" && graded.points == 0 && results.finished,
              "grade: a fork bomb (03_process) is 'killed by a limit' within the 180 s bound",
              "got '" + graded.status + "' in " + std::to_string(run.seconds) + " s", Shorten(graded.message, 1000));
}

std::string TamperingLines(const std::vector<Tampering>& tampering) {
  std::vector<std::string> lines;
  for (const Tampering& change : tampering) lines.push_back(change.path + " (" + change.change + ")");
  return lines.empty() ? "no tampering reported" : Join(lines, "\n");
}

// Bad submissions, one kata each, graded in one run within its bound.
void CheckGradeBadSubmissions(Tally& tally, const GradeContext& grade) {
  std::vector<BadCase> cases;
  for (const BadCase& bad : {BadCase{"01_threads", "deadlocks", "times out"},
                             BadCase{"04_value", "does not compile", "does not build"},
                             BadCase{"05_lock", "edits its test", "failing"}}) {
    if (grade.Has(bad.kata)) cases.push_back(bad);
  }
  if (cases.empty()) return;
  fs::path submission = grade.scratch / "bad-submission";
  std::vector<std::string> names;
  for (const BadCase& bad : cases) names.push_back(bad.kata);
  if (grade.Has("01_threads")) {
    WriteSubmissionFile(submission, "01_threads", "thread.cc", SolutionPlus(grade, "01_threads", "thread.cc", kDeadlock));
  }
  if (grade.Has("04_value")) WriteSubmissionFile(submission, "04_value", "value.cc", kNotCpp);
  if (grade.Has("05_lock")) WriteSubmissionFile(submission, "05_lock", "lock_test.cc", kEditedTest);

  const int kBound = 240;
  std::vector<std::string> args = {"--test-timeout", "10", "--timeout", std::to_string(kBound)};
  for (const std::string& arg : KataArgs(names)) args.push_back(arg);
  GradeRun run = RunGrade(grade, submission, "bad", args);
  if (!run.Graded()) {
    ReportNotGraded(tally, run, "bad submissions are graded");
    return;
  }
  const GradeResults& results = *run.results;
  tally.Check(results.finished, "grade: bad submissions graded within the " + std::to_string(kBound) + " s bound",
              std::to_string(run.seconds) + " s, grading itself " + std::to_string(static_cast<int>(results.seconds + 0.5)) + " s");
  for (const BadCase& bad : cases) {
    GradedKata graded = KataIn(results, bad.kata);
    tally.Check(graded.status == bad.expected && graded.points == 0,
                "grade: a submission that " + bad.what + " (" + bad.kata + ") is reported as '" + bad.expected + "'",
                "got '" + graded.status + "'", Shorten(graded.message, 1000));
  }
  if (grade.Has("01_threads")) {
    GradedKata graded = KataIn(results, "01_threads");
    tally.Check(graded.timeouts.status == "fail" && graded.correctness.status == "fail",
                "grade: the deadlock fails the time-limit check, apart from correctness",
                "timeouts: " + graded.timeouts.status + ", correctness: " + graded.correctness.status);
  }
  if (grade.Has("05_lock")) {
    bool reported = std::any_of(results.tampering.begin(), results.tampering.end(), [](const Tampering& change) {
      return change.path == "katas/05_lock/lock_test.cc" && change.change == "modified";
    });
    tally.Check(reported, "grade: the edited test is reported and the real one used", "", TamperingLines(results.tampering));
  }
  CheckValid(tally, grade, run, "bad submissions");
}

// tools/grade on the pristine repository, on the solutions, and on bad submissions.
void CheckGrade(Tally& tally, const Context& context, const std::vector<Kata>& katas) {
  tally.Section("tools/grade:");
  GradeContext grade{context, context.log_dir / "grade-work", MakeTempDir("mpkata-grade-test-"), {}};
  for (const Kata& kata : katas) grade.kata_names.push_back(kata.name);
  CheckGradePristine(tally, grade);
  CheckGradeSolutions(tally, grade, katas);
  CheckClassReport(tally, grade, {grade.scratch / "pristine" / "results.json", grade.scratch / "solved" / "results.json"});
  if (!ProcessLimitEnforceable()) {
    tally.Note("the fork bomb case is skipped: this machine gives tools/grade no way to cap processes");
  } else if (grade.Has("03_process")) {
    CheckGradeForkBomb(tally, grade);
  }
  CheckGradeBadSubmissions(tally, grade);
}

// --- tools/setup --bundle / --from -----------------------------------------------

// tools/setup_bundle_test's own checks, each counted as one of ours.
void CheckSetupBundle(Tally& tally, const Context& context) {
  tally.Section("setup --bundle / --from (offline install):");
  if (geteuid() != 0) {
    tally.Note("skipped: tools/setup_bundle_test installs packages, so it runs as root only");
    return;
  }
  fs::path log = context.log_dir / "setup-bundle.log";
  RunOptions options;
  options.output_file = log;
  RunResult run = Run({(context.repo / "tools" / "setup_bundle_test").string()}, options);
  std::vector<CheckResult> checks = ParseScriptChecks(ReadFile(log).value_or(""));
  bool any_failed = false;
  for (CheckResult& check : checks) {
    check.what = "setup bundle: " + check.what;
    if (!check.ok) {
      any_failed = true;
      check.explanation += (check.explanation.empty() ? "" : "\n") + ("full log: " + log.string());
    }
    tally.Add(check);
  }
  if (run.exit_code != 0 && !any_failed) {
    std::vector<std::string> lines = SplitLines(ReadFileTail(log, 1 << 16));
    if (lines.size() > 20) lines.erase(lines.begin(), lines.end() - 20);
    lines.push_back("full log: " + log.string());
    tally.Check(false, "setup bundle: tools/setup_bundle_test", "exit " + std::to_string(run.exit_code), Join(lines, "\n"));
  }
}

// --- main ------------------------------------------------------------------------

// The plain build and every sanitizer config in .bazelrc.
std::vector<std::string> AllConfigs() {
  std::vector<std::string> configs = {std::string(kPlain)};
  configs.insert(configs.end(), kSanitizerConfigs.begin(), kSanitizerConfigs.end());
  return configs;
}

Options ParseOptions(const std::vector<std::string>& args) {
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> inline_value;  // --runs=5
    if (size_t equals = arg.find('='); arg.rfind("--", 0) == 0 && equals != std::string::npos) {
      inline_value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw UsageError(arg + " needs a value (try --help)");
      return args[++i];
    };
    if (arg == "--config") {
      std::string config = value();
      const std::vector<std::string> known = AllConfigs();
      if (std::find(known.begin(), known.end(), config) == known.end()) {
        throw UsageError("--config must be one of " + Join(known, ", ") + ", not '" + config + "'");
      }
      options.configs.push_back(config);
    } else if (arg == "--kata") {
      options.katas.push_back(value());
    } else if (arg == "--runs") {
      std::string text = value();
      auto runs = ParseLong(text);
      if (!runs || *runs <= 0 || *runs > 100000) throw UsageError("--runs needs a positive number, not '" + text + "'");
      options.runs = static_cast<int>(*runs);
    } else if (arg == "--no-starters" && !inline_value) {
      options.starters = false;
    } else if (arg == "--no-grade" && !inline_value) {
      options.grade = false;
    } else if (arg == "--no-bundle" && !inline_value) {
      options.bundle = false;
    } else {
      throw UsageError("unknown argument '" + args[i] + "' (try --help)");
    }
  }
  return options;
}

void PrintSummary(Printer& printer, const Tally& tally, Clock::time_point started, const fs::path& log_dir,
                  const fs::path& repo) {
  printer.Line();
  if (!tally.failed().empty()) {
    printer.Line("failed checks:");
    for (const std::string& what : tally.failed()) printer.Line("  " + what);
  }
  char took[96];
  std::snprintf(took, sizeof took, "(took %.1f min; logs in %s)",
                std::chrono::duration<double>(Clock::now() - started).count() / 60,
                fs::relative(log_dir, repo).c_str());
  printer.Line(took);
  printer.Line(std::to_string(tally.passed()) + " passed, " + std::to_string(tally.failed().size()) + " failed");
}

int Main(const std::vector<std::string>& args) {
  if (std::find_if(args.begin(), args.end(), [](const std::string& a) { return a == "-h" || a == "--help"; }) != args.end()) {
    std::cout << kUsage;
    return 0;
  }
  Options options = ParseOptions(args);
  Printer printer("test");
  if (TsanMappingFailsHere()) printer.Warning(kTsanMappingAdvice);
  auto started = Clock::now();
  fs::path repo = LaunchedRepo();
  fs::path log_dir = repo / ".kata" / "test-logs";
  Bazel bazel(repo, log_dir);
  Context context{repo, log_dir, bazel};

  std::vector<Kata> katas = DiscoverKatas(bazel);
  if (!options.katas.empty()) katas = SelectKatas(katas, options.katas);
  bool partial = !options.katas.empty();
  Tally tally(printer);

  tally.Section("tools:");
  CheckToolUnitTests(tally, context);
  CheckSolutions(tally, context, katas, options.configs.empty() ? AllConfigs() : options.configs, options.runs);
  if (options.starters) CheckStarters(tally, context, katas, /*with_benchmarks=*/!partial);
  if (options.grade) CheckGrade(tally, context, katas);
  if (options.bundle && !partial) CheckSetupBundle(tally, context);

  PrintSummary(printer, tally, started, log_dir, repo);
  return tally.failed().empty() ? 0 : kExitFailed;
}

}  // namespace
}  // namespace kata

int main(int argc, char** argv) {
  kata::Printer printer("test");
  try {
    return kata::Main({argv + 1, argv + argc});
  } catch (const kata::UsageError& error) {
    printer.Error(error.what());
    return kata::kExitUsage;
  } catch (const std::exception& error) {
    printer.Error(error.what());
    return kata::kExitBroken;
  }
}
