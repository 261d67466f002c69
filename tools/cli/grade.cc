// tools/grade: grades a learner's katas for CI, so that only the learner's
// code can change the result.
//
//   tools/grade [--submission DIR] [--out DIR] [--kata NN]... [limits]
//   tools/grade report RESULTS.json... --html REPORT.html
//   tools/grade validate RESULTS.json [--schema FILE]
//
// Grading builds a fresh tree from the course's repository (the checkout
// this tool lives in) and copies in only the learner's files of each kata
// (the starter sources, named as in solutions/NN_name/) from the
// submission. Tests, headers, BUILD files and tools are never taken from the
// submission; changes to them are listed as "tampering" and ignored. Each
// kata is tested in the plain build and in every config it declares, every
// test under the limits in limits.h, and the results are written as
// results.json, junit.xml and summary.md.
//
// Exit codes: 0 grading ran (whatever the score); 2 wrong usage;
// 3 grading itself failed (no Bazel, a broken course repository, ...).

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <set>

#include "tools/cli/bazel.h"
#include "tools/cli/grade_results.h"
#include "tools/cli/kata.h"
#include "tools/cli/limits.h"
#include "tools/cli/printer.h"
#include "tools/cli/report.h"
#include "tools/cli/schema.h"

namespace kata {
namespace {

namespace fs = std::filesystem;

constexpr int kExitUsage = 2;
constexpr int kExitFailed = 3;

const char* const kUsage =
    "usage: tools/grade [--submission DIR] [--out DIR] [--kata NN]... [--test-timeout S]\n"
    "                   [--timeout S] [--processes N] [--memory-mb N] [--output-mb N] [--workdir DIR]\n"
    "       tools/grade report RESULTS.json... --html REPORT.html\n"
    "       tools/grade validate RESULTS.json [--schema FILE]\n"
    "\n"
    "Grades the katas of a submission (default: this checkout) against this checkout's tests,\n"
    "and writes results.json, junit.xml and summary.md to --out (default: grade-results).\n"
    "\n"
    "  --submission DIR   the learner's repository; only katas/NN_name/<starter files> are used\n"
    "  --out DIR          where the results go\n"
    "  --kata NN          grade only these katas (repeatable)\n"
    "  --test-timeout S   limit of each kata's test binary, per config (default 120)\n"
    "  --timeout S        limit of the whole grading (default 1800); what is left is 'not graded'\n"
    "  --processes N      processes a test may run at once (default 64)\n"
    "  --memory-mb N      address space of a plain-build test (default 2048)\n"
    "  --output-mb N      largest file a test may write (default 64)\n"
    "  --workdir DIR      build here and keep it, so a later grade reuses the build (default: a\n"
    "                     temporary directory, removed afterwards)\n"
    "\n"
    "Exit status: 0 when grading ran, whatever the score; 2 wrong usage; 3 grading failed.\n";

// Files and folders of a checkout that never belong in a grading tree.
bool SkippedName(const std::string& name) {
  return name == ".git" || name.rfind("bazel-", 0) == 0 || name == ".kata" || name == "user.bazelrc" ||
         name == "grade-results";
}

void CopyTree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    std::string name = entry.path().filename().string();
    if (SkippedName(name) || entry.is_symlink()) continue;
    if (entry.is_directory()) {
      CopyTree(entry.path(), to / name);
    } else if (entry.is_regular_file()) {
      fs::copy_file(entry.path(), to / name, fs::copy_options::overwrite_existing);
    }
  }
}

std::string NowUtc() {
  time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

fs::path SelfExe() { return fs::read_symlink("/proc/self/exe"); }

// The course is the checkout this tool was launched from.
fs::path CourseRepo() { return LaunchedRepo(); }

// The submission's changes outside the learner's files, which grading ignores.
std::vector<Tampering> FindTampering(const fs::path& course, const fs::path& submission,
                                     const std::set<std::string>& learner_files) {
  std::vector<Tampering> changes;
  if (fs::equivalent(course, submission)) return changes;
  std::vector<fs::path> roots = {"katas", "solutions", "common", "tools"};
  for (const char* top : {"WORKSPACE", "BUILD", ".bazelrc", "user.bazelrc"}) roots.emplace_back(top);
  for (const fs::path& root : roots) {
    fs::path start = submission / root;
    if (!fs::exists(start)) continue;
    std::vector<fs::path> files;
    if (fs::is_regular_file(start)) {
      files.push_back(root);
    } else {
      std::error_code error;
      for (fs::recursive_directory_iterator it(start, error), end; !error && it != end; it.increment(error)) {
        std::string name = it->path().filename().string();
        if (it->is_directory() && SkippedName(name)) {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file()) files.push_back(fs::relative(it->path(), submission));
      }
    }
    for (const fs::path& file : files) {
      if (learner_files.count(file.string())) continue;
      fs::path original = course / file;
      if (!fs::exists(original)) {
        changes.push_back({file.string(), "added"});
      } else if (ReadFile(original) != ReadFile(submission / file)) {
        changes.push_back({file.string(), "modified"});
      }
    }
  }
  std::sort(changes.begin(), changes.end(), [](const Tampering& a, const Tampering& b) { return a.path < b.path; });
  return changes;
}

// How bad an outcome is for a kata's status: the worst config decides.
int Severity(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPasses: return 0;
    case Outcome::kFails: return 1;
    case Outcome::kSanitizer: return 2;
    case Outcome::kRace: return 3;
    case Outcome::kCrashes: return 4;
    case Outcome::kTimesOut: return 5;
    case Outcome::kKilled: return 6;
    case Outcome::kNotRun: return 7;
    case Outcome::kDoesNotBuild: return 8;
  }
  return 9;
}

std::string KataStatus(Outcome worst) {
  switch (worst) {
    case Outcome::kPasses: return "solved";
    case Outcome::kFails: return "failing";
    case Outcome::kNotRun: return "not graded";
    default: return std::string(Word(worst));
  }
}

struct ConfigRun {
  bool ran = false;
  TargetResult target;
  std::vector<TestCase> cases;
};

GradedKata GradeKata(const Kata& kata, const std::map<std::string, ConfigRun>& runs,
                     const std::set<std::string>& given, const fs::path& tree, const Limits& limits) {
  GradedKata graded;
  graded.name = kata.name;
  graded.configs = kata.AllConfigs();
  Outcome worst = Outcome::kPasses;
  std::vector<std::string> names;
  for (const std::string& config : graded.configs) {
    auto run = runs.find(config);
    Outcome outcome = run == runs.end() || !run->second.ran ? Outcome::kNotRun : run->second.target.outcome;
    graded.outcomes[config] = std::string(Word(outcome));
    if (Severity(outcome) > Severity(worst)) worst = outcome;
    if (run == runs.end()) continue;
    for (const TestCase& test : run->second.cases) {
      if (std::find(names.begin(), names.end(), test.name) == names.end()) names.push_back(test.name);
    }
  }
  graded.status = KataStatus(worst);

  // Each test that fails with the untouched starter is worth an equal share
  // of the kata's points, earned when it passes in every config. (If every
  // test passed with the starter, they all share the points.)
  size_t worth = 0;
  for (const std::string& name : names) worth += given.count(name) == 0;
  bool all_given = worth == 0;
  if (all_given) worth = names.size();
  double share = worth == 0 ? 0 : graded.max_points / static_cast<double>(worth);
  int passed = 0, earning = 0;
  for (const std::string& name : names) {
    GradedTest test;
    test.name = name;
    bool counts = all_given || given.count(name) == 0;
    test.max_points = counts ? share : 0;
    test.status = "pass";
    for (const std::string& config : graded.configs) {
      std::string status = "not run";
      std::string message;
      auto run = runs.find(config);
      if (run != runs.end()) {
        for (const TestCase& test_case : run->second.cases) {
          if (test_case.name == name) {
            status = std::string(Word(test_case.status));
            message = test_case.message;
          }
        }
        if (status == "not run" && message.empty() && run->second.ran) {
          message = "did not run in this config: the test binary stopped at an earlier test (" +
                    std::string(Word(run->second.target.outcome)) + ")";
        }
      }
      test.configs[config] = status;
      if (status != "pass" && test.status == "pass") {
        test.status = status;
        test.message = config == kPlain ? message : "[" + config + "] " + message;
      }
    }
    if (test.status == "pass") {
      test.points = test.max_points;
      ++passed;
      earning += counts;
    }
    graded.tests.push_back(std::move(test));
  }
  // Exactly the maximum when solved, whatever the rounding of the shares.
  graded.points = passed == static_cast<int>(names.size()) && !names.empty() ? graded.max_points : share * earning;

  auto message_of = [&](const std::string& config) {
    auto run = runs.find(config);
    if (run == runs.end() || !run->second.ran) return std::string("not graded: the overall time limit was reached");
    const TargetResult& target = run->second.target;
    std::string prefix = config == kPlain ? "" : "[" + config + "] ";
    switch (target.outcome) {
      case Outcome::kPasses: return std::string();
      case Outcome::kDoesNotBuild: return prefix + "does not build; see the compiler's errors in the build log";
      case Outcome::kTimesOut:
        return prefix + "the tests did not finish within " + std::to_string(limits.test_timeout_s) +
               " s: a deadlock, a lost wake-up, or a child that is never reaped?";
      case Outcome::kRace:
        // The sentence, not the raw report: the report is in the log.
        return prefix + DescribeRace(target.Log(), tree).value_or(FailureExcerpt(target.outcome, target.Log(), tree, 8));
      case Outcome::kFails: {
        auto run_cases = run->second.cases;
        int failed = 0;
        std::string first;
        for (const TestCase& test : run_cases) {
          if (test.status != TestCase::Status::kFailed) continue;
          if (failed++ == 0) first = test.name + ": " + test.message;
        }
        if (failed == 0) return prefix + FailureExcerpt(target.outcome, target.Log(), tree, 8);
        return prefix + std::to_string(failed) + " of " + std::to_string(run_cases.size()) +
               " tests fail; the first, " + first;
      }
      default: return prefix + FailureExcerpt(target.outcome, target.Log(), tree, 8);
    }
  };

  // The three separate verdicts.
  Outcome plain = runs.count(std::string(kPlain)) && runs.at(std::string(kPlain)).ran
                      ? runs.at(std::string(kPlain)).target.outcome
                      : Outcome::kNotRun;
  graded.correctness.status = plain == Outcome::kPasses ? "pass" : "fail";
  graded.correctness.message = message_of(std::string(kPlain));
  if (!kata.configs.empty()) {
    graded.race_freedom.status = "pass";
    for (const std::string& config : kata.configs) {
      auto run = runs.find(config);
      Outcome outcome = run == runs.end() || !run->second.ran ? Outcome::kNotRun : run->second.target.outcome;
      if (outcome != Outcome::kPasses && graded.race_freedom.status == "pass") {
        graded.race_freedom.status = "fail";
        graded.race_freedom.message = message_of(config);
      }
    }
  }
  graded.timeouts.status = "pass";
  for (const std::string& config : graded.configs) {
    auto run = runs.find(config);
    if (run == runs.end() || !run->second.ran) continue;
    Outcome outcome = run->second.target.outcome;
    if (outcome == Outcome::kTimesOut || outcome == Outcome::kKilled) {
      graded.timeouts.status = "fail";
      graded.timeouts.message = message_of(config);
      break;
    }
  }
  for (const std::string& config : graded.configs) {
    std::string message = message_of(config);
    if (!message.empty()) {
      graded.message = message;
      break;
    }
  }
  return graded;
}

using KataRuns = std::map<std::string, std::map<std::string, ConfigRun>>;  // kata -> config -> run

// Tests every kata in the plain build and in each config it declares, one
// Bazel run per config; *finished turns false at the overall deadline.
KataRuns TestKatas(const Bazel& bazel, const std::vector<Kata>& katas, const Limits& limits, const fs::path& cgroup,
                 const fs::path& tree, std::chrono::steady_clock::time_point deadline, bool* finished) {
  Printer printer("grade");
  // One Bazel run per config, each with the katas that it judges.
  std::vector<std::string> configs = {std::string(kPlain)};
  for (const std::string& config : kSanitizerConfigs) {
    if (std::any_of(katas.begin(), katas.end(), [&](const Kata& k) {
          return std::find(k.configs.begin(), k.configs.end(), config) != k.configs.end();
        })) {
      configs.push_back(config);
    }
  }
  KataRuns runs;
  for (const std::string& config : configs) {
    std::vector<std::string> patterns;
    for (const Kata& kata : katas) {
      std::vector<std::string> all = kata.AllConfigs();
      if (std::find(all.begin(), all.end(), config) != all.end()) patterns.push_back(kata.StarterPackage() + ":test");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      *finished = false;
      break;
    }
    printer.Status("testing " + std::to_string(patterns.size()) + " katas [" + config + "]...");
    auto run_started = std::chrono::steady_clock::now();
    std::string run_under = SelfExe().string() + " limit --processes=" + std::to_string(limits.processes) +
                            " --memory-mb=" + std::to_string(limits.memory_mb) +
                            " --output-mb=" + std::to_string(limits.output_mb) +
                            " --timeout=" + std::to_string(limits.test_timeout_s) +
                            (cgroup.empty() ? "" : " --cgroup=" + cgroup.string()) +
                            (config == kPlain ? "" : " --sanitizer");
    std::vector<std::string> flags = {
        "--test_timeout=" + std::to_string(limits.test_timeout_s),
        "--local_termination_grace_seconds=2",
        "--run_under=" + run_under,
        "--keep_going",
        "--build_tests_only",
    };
    TestRunResult run = bazel.Test(patterns, config, flags, deadline);
    printer.Line("grade:   " + std::to_string(patterns.size()) + " kata(s) tested [" + config + "] in " +
                 std::to_string(static_cast<int>(std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count())) + " s");
    if (run.timed_out) *finished = false;
    if (run.targets.empty() && run.exit_code != 3 && run.exit_code != 1 && !run.timed_out) {
      throw std::runtime_error("bazel test [" + config + "] exited " + std::to_string(run.exit_code) + ":\n" +
                               BuildErrors(run.output));
    }
    for (const Kata& kata : katas) {
      auto found = run.targets.find(kata.StarterPackage() + ":test");
      if (found == run.targets.end()) {
        // No event at all: a build failure Bazel reported before the
        // target was configured, or the overall time limit.
        if (!run.timed_out && std::find(patterns.begin(), patterns.end(), kata.StarterPackage() + ":test") != patterns.end()) {
          ConfigRun& config_run = runs[kata.name][config];
          config_run.ran = true;
          config_run.target.label = kata.StarterPackage() + ":test";
          config_run.target.outcome = Outcome::kDoesNotBuild;
        }
        continue;
      }
      ConfigRun& config_run = runs[kata.name][config];
      config_run.ran = true;
      config_run.target = found->second;
      std::string log = found->second.Log();
      std::string death;
      switch (found->second.outcome) {
        case Outcome::kRace:
          death = DescribeRace(log, tree).value_or("ThreadSanitizer reported a data race in this test");
          break;
        case Outcome::kTimesOut:
          death = "this test was running when the time limit (" + std::to_string(limits.test_timeout_s) +
                  " s) stopped the test binary";
          break;
        default:
          death = "the test binary stopped in this test (" + std::string(Word(found->second.outcome)) + "): " +
                  FailureExcerpt(found->second.outcome, log, tree, 4);
      }
      std::string xml = found->second.xml_path.empty() ? "" : ReadFile(found->second.xml_path).value_or("");
      config_run.cases = ReadTestCases(xml, log, death);
    }
    if (run.timed_out) break;
  }

  return runs;
}

int Grade(const std::vector<std::string>& args) {
  Printer printer("grade");
  fs::path course = CourseRepo();
  fs::path submission = course;
  fs::path out = "grade-results";
  fs::path workdir;
  std::vector<std::string> wanted;
  Limits limits;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(arg + " needs a value");
      return args[++i];
    };
    auto number = [&]() -> long {
      std::string text = value();
      auto parsed = ParseLong(text);
      if (!parsed || *parsed <= 0) throw UsageError(arg + " needs a positive number, not '" + text + "'");
      return *parsed;
    };
    if (arg == "--submission") {
      submission = value();
    } else if (arg == "--out") {
      out = value();
    } else if (arg == "--kata") {
      wanted.push_back(value());
    } else if (arg == "--workdir") {
      workdir = value();
    } else if (arg == "--test-timeout") {
      limits.test_timeout_s = static_cast<int>(number());
    } else if (arg == "--timeout") {
      limits.overall_timeout_s = static_cast<int>(number());
    } else if (arg == "--processes") {
      limits.processes = static_cast<int>(number());
    } else if (arg == "--memory-mb") {
      limits.memory_mb = number();
    } else if (arg == "--output-mb") {
      limits.output_mb = number();
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      throw UsageError("unknown argument '" + arg + "' (try --help)");
    }
  }
  if (!fs::is_directory(submission)) throw UsageError("the submission " + submission.string() + " is not a directory");
  submission = fs::canonical(submission);
  if (!fs::exists(course / "katas") || !fs::exists(course / "WORKSPACE")) {
    printer.Error("the course repository " + course.string() + " has no katas/ or WORKSPACE");
    return kExitFailed;
  }

  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::seconds(limits.overall_timeout_s);
  bool temporary_workdir = workdir.empty();
  if (temporary_workdir) workdir = MakeTempDir("mpkata-grade-");
  workdir = fs::absolute(workdir);
  fs::create_directories(workdir);
  fs::create_directories(out);
  out = fs::canonical(out);
  fs::path tree = workdir / "tree";
  fs::path output_base = workdir / "output_base";

  // The grading tree: the course's files, then the learner's sources.
  fs::remove_all(tree);
  CopyTree(course, tree);
  Bazel bazel(tree, out / "logs", {"--output_base=" + output_base.string(), "--max_idle_secs=600"});

  GradeResults results;
  results.submission = submission.string();
  results.graded_at = NowUtc();
  results.limits = limits;
  fs::path cgroup = MakeGradeCgroup("mpkata-grade-" + std::to_string(getpid()), limits.processes * 2 + 16);
  results.process_limit = ProcessLimitMethod(cgroup);

  int exit_code = 0;
  try {
    printer.Status("finding the katas...");
    std::vector<Kata> katas = DiscoverKatas(bazel);
    printer.Line("grade: found " + std::to_string(katas.size()) + " katas in " +
                 std::to_string(static_cast<int>(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())) + " s");
    if (!wanted.empty()) katas = SelectKatas(katas, wanted);

    std::set<std::string> learner_paths;
    for (const Kata& kata : katas) {
      for (const std::string& file : LearnerFiles(course, kata)) learner_paths.insert((fs::path("katas") / kata.name / file).string());
    }
    results.tampering = FindTampering(course, submission, learner_paths);

    // The untouched starters first: a test that already passes with them
    // checks what the course gives, and earns nothing.
    printer.Line("grade: the starters as given (a test that passes with them earns no points)");
    bool finished = true;
    auto baseline_runs = TestKatas(bazel, katas, limits, cgroup, tree, deadline, &finished);
    std::map<std::string, std::set<std::string>> given;
    for (const Kata& kata : katas) {
      std::map<std::string, int> passes;
      for (const auto& [config, run] : baseline_runs[kata.name]) {
        for (const TestCase& test : run.cases) passes[test.name] += test.status == TestCase::Status::kPassed;
      }
      for (const auto& [name, count] : passes) {
        if (count == static_cast<int>(kata.AllConfigs().size())) given[kata.name].insert(name);
      }
    }

    for (const Kata& kata : katas) {
      for (const std::string& file : LearnerFiles(course, kata)) {
        fs::path relative = fs::path("katas") / kata.name / file;
        fs::path theirs = submission / relative;
        if (fs::is_regular_file(theirs) && !fs::is_symlink(theirs)) {
          fs::copy_file(theirs, tree / relative, fs::copy_options::overwrite_existing);
        }
      }
    }
    printer.Line("grade: the submission");
    auto runs = finished ? TestKatas(bazel, katas, limits, cgroup, tree, deadline, &finished)
                         : std::map<std::string, std::map<std::string, ConfigRun>>{};
    results.finished = finished;

    for (const Kata& kata : katas) {
      GradedKata graded = GradeKata(kata, runs[kata.name], given[kata.name], tree, limits);
      results.score += graded.points;
      results.max_score += graded.max_points;
      results.katas.push_back(std::move(graded));
    }
  } catch (const UsageError&) {
    RemoveCgroup(cgroup);
    throw;
  } catch (const std::exception& error) {
    printer.Error(std::string("grading failed: ") + error.what());
    exit_code = kExitFailed;
  }
  RemoveCgroup(cgroup);
  results.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (exit_code == 0) {
    WriteFile(out / "results.json", ResultsJson(results));
    WriteFile(out / "junit.xml", ResultsJunit(results));
    WriteFile(out / "summary.md", ResultsSummary(results));
    for (const GradedKata& kata : results.katas) {
      char points[32];
      std::snprintf(points, sizeof points, "%5.2f", kata.points);
      printer.Line("  " + kata.name + std::string(kata.name.size() < 22 ? 22 - kata.name.size() : 1, ' ') + points +
                   " / " + std::to_string(static_cast<int>(kata.max_points)) + "  " + kata.status);
    }
    char score[64];
    std::snprintf(score, sizeof score, "%.2f of %.2f points", results.score, results.max_score);
    printer.Line(std::string("grade: ") + score + "; results in " + out.string() + " (" +
                 std::to_string(static_cast<int>(results.seconds)) + " s)");
    if (!results.tampering.empty()) {
      printer.Line("grade: " + std::to_string(results.tampering.size()) +
                   " changed file(s) outside the learner's sources were ignored (see summary.md)");
    }
  }
  if (temporary_workdir) {
    bazel.Capture({"clean", "--expunge"});
    bazel.Shutdown();
    std::error_code error;
    fs::remove_all(workdir, error);
  }
  return exit_code;
}

int Report(const std::vector<std::string>& args) {
  std::vector<fs::path> inputs;
  fs::path html;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--html") {
      if (i + 1 >= args.size()) throw UsageError("--html needs a file name");
      html = args[++i];
    } else if (args[i].rfind("--", 0) == 0) {
      throw UsageError("unknown option '" + args[i] + "' for report");
    } else {
      inputs.emplace_back(args[i]);
    }
  }
  if (inputs.empty() || html.empty()) throw UsageError("report needs RESULTS.json files and --html FILE");
  std::vector<ClassMember> members;
  for (const fs::path& input : inputs) members.push_back(ReadClassMember(input));
  WriteFile(html, ClassReportHtml(members));
  std::cout << "grade: class report of " << members.size() << " submission(s) in " << html.string() << "\n";
  return 0;
}

int Validate(const std::vector<std::string>& args) {
  fs::path schema_path = CourseRepo() / "tools" / "cli" / "results.schema.json";
  std::vector<fs::path> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--schema") {
      if (i + 1 >= args.size()) throw UsageError("--schema needs a file name");
      schema_path = args[++i];
    } else {
      inputs.emplace_back(args[i]);
    }
  }
  if (inputs.empty()) throw UsageError("validate needs a results.json file");
  auto schema = ReadFile(schema_path);
  if (!schema) throw UsageError("cannot read the schema " + schema_path.string());
  int bad = 0;
  for (const fs::path& input : inputs) {
    auto document = ReadFile(input);
    std::vector<std::string> problems =
        document ? ValidateJson(*document, *schema) : std::vector<std::string>{"cannot read the file"};
    if (problems.empty()) {
      std::cout << input.string() << ": valid\n";
    } else {
      ++bad;
      for (const std::string& problem : problems) std::cerr << input.string() << ": " << problem << "\n";
    }
  }
  return bad == 0 ? 0 : 1;
}

}  // namespace
}  // namespace kata

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = args.empty() ? "" : args.front();
  try {
    if (command == "limit") return kata::LimitMain({args.begin() + 1, args.end()});
    if (command == "report") return kata::Report({args.begin() + 1, args.end()});
    if (command == "validate") return kata::Validate({args.begin() + 1, args.end()});
    return kata::Grade(args);
  } catch (const kata::UsageError& error) {
    std::cerr << "grade: error: " << error.what() << "\n";
    return kata::kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "grade: error: " << error.what() << "\n";
    return kata::kExitFailed;
  }
}
