// Running Bazel from the tools, and reading what it says about each test.
//
// Bazel is run with a build event file (--build_event_json_file): for each
// test target it says whether it built, how the test ended, and where the
// test's log and JUnit XML are. The files are read from those paths (or from
// `bazel info bazel-testlogs`), never through the bazel-* symlinks, which
// point at whichever config ran last.
#ifndef MPKATA_TOOLS_CLI_BAZEL_H_
#define MPKATA_TOOLS_CLI_BAZEL_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/cli/outcome.h"
#include "tools/cli/util.h"

namespace kata {

inline constexpr std::string_view kPlain = "plain";
// Every sanitizer config in .bazelrc a kata may declare.
inline const std::vector<std::string> kSanitizerConfigs = {"tsan", "asan", "ubsan"};

// "--config=tsan", or nothing for the plain build.
std::vector<std::string> ConfigFlags(const std::string& config);

// How one test target ended in one Bazel invocation.
struct TargetResult {
  std::string label;
  std::string config;
  Outcome outcome = Outcome::kNotRun;
  Counts counts;
  std::filesystem::path log_path;  // of the worst run
  std::filesystem::path xml_path;
  int runs = 0;  // how many times it ran (--runs_per_test)
  int failed_runs = 0;
  bool cached = false;  // Bazel reused an earlier result: nothing ran now

  std::string Log() const;  // the log's last megabytes
  std::string CountsText() const;  // "3 of 17 tests pass", or ""
};

struct TestRunResult {
  std::map<std::string, TargetResult> targets;  // by label
  int exit_code = 0;      // bazel's
  bool timed_out = false;  // stopped at the caller's deadline
  std::filesystem::path output;  // bazel's own console output
};

class Bazel {
 public:
  // Runs bazel in `workspace`; logs and build event files go to `log_dir`.
  Bazel(std::filesystem::path workspace, std::filesystem::path log_dir,
        std::vector<std::string> startup_flags = {});

  const std::filesystem::path& workspace() const { return workspace_; }
  const std::filesystem::path& log_dir() const { return log_dir_; }

  // `bazel <args>`, with output captured (stderr too, unless not wanted:
  // Bazel's progress messages go there).
  RunResult Capture(const std::vector<std::string>& args, bool with_stderr = true) const;
  // `bazel <args>`, with output to `log_file`.
  RunResult ToFile(const std::vector<std::string>& args, const std::filesystem::path& log_file,
                   std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt) const;

  // `bazel info <key>` in a config (bazel-testlogs differs per config).
  std::string Info(const std::string& key, const std::string& config) const;

  // `bazel test` of the patterns in one config (with --config=ci).
  TestRunResult Test(const std::vector<std::string>& patterns, const std::string& config,
                     const std::vector<std::string>& extra_flags = {},
                     std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt) const;

  // `bazel build` of the patterns (with --config=ci); output to a log file.
  RunResult Build(const std::vector<std::string>& patterns, const std::string& config,
                  const std::filesystem::path& log_file) const;

  void Shutdown() const;

 private:
  std::vector<std::string> Command(const std::vector<std::string>& args) const;

  std::filesystem::path workspace_;
  std::filesystem::path log_dir_;
  std::vector<std::string> startup_flags_;
};

// Reads a build event file (one JSON object a line). `testlogs` is asked for
// only when an event lacks a test.xml path.
std::map<std::string, TargetResult> ParseBuildEvents(const std::string& events, const std::string& config);

// The lines of bazel's console output that say why something did not build.
std::string BuildErrors(const std::filesystem::path& output, size_t max_lines = 25);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_BAZEL_H_
