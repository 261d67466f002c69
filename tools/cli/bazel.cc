#include "tools/cli/bazel.h"

#include <algorithm>
#include <stdexcept>

#include "rapidjson/document.h"

namespace kata {

std::vector<std::string> ConfigFlags(const std::string& config) {
  if (config == kPlain) return {};
  return {"--config=" + config};
}

std::string TargetResult::Log() const {
  if (log_path.empty()) return "";
  return ReadFileTail(log_path, 4 << 20);
}

std::string TargetResult::CountsText() const {
  if (counts.total == 0) return "";
  return std::to_string(counts.passed) + " of " + std::to_string(counts.total) + " tests pass";
}

Bazel::Bazel(std::filesystem::path workspace, std::filesystem::path log_dir, std::vector<std::string> startup_flags)
    : workspace_(std::move(workspace)), log_dir_(std::move(log_dir)), startup_flags_(std::move(startup_flags)) {
  std::filesystem::create_directories(log_dir_);
}

std::vector<std::string> Bazel::Command(const std::vector<std::string>& args) const {
  std::vector<std::string> command = {"bazel"};
  command.insert(command.end(), startup_flags_.begin(), startup_flags_.end());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

RunResult Bazel::Capture(const std::vector<std::string>& args, bool with_stderr) const {
  RunOptions options;
  options.cwd = workspace_;
  options.capture = true;
  options.capture_stderr = with_stderr;
  return Run(Command(args), options);
}

RunResult Bazel::ToFile(const std::vector<std::string>& args, const std::filesystem::path& log_file,
                        std::optional<std::chrono::steady_clock::time_point> deadline) const {
  RunOptions options;
  options.cwd = workspace_;
  options.output_file = log_file;
  options.deadline = deadline;
  return Run(Command(args), options);
}

std::string Bazel::Info(const std::string& key, const std::string& config) const {
  std::vector<std::string> args = {"info"};
  for (const std::string& flag : ConfigFlags(config)) args.push_back(flag);
  args.push_back(key);
  RunResult result = Capture(args, /*with_stderr=*/false);
  std::vector<std::string> lines = SplitLines(result.output);
  if (result.exit_code != 0 || lines.empty()) throw std::runtime_error("bazel info " + key + " failed");
  return Trim(lines.back());
}

namespace {

std::string Slug(const std::string& text) {
  std::string slug;
  for (char c : text) {
    bool keep = std::isalnum(static_cast<unsigned char>(c));
    if (keep) {
      slug += c;
    } else if (slug.empty() || slug.back() != '_') {
      slug += '_';
    }
  }
  return slug.substr(0, 80);
}

}  // namespace

TestRunResult Bazel::Test(const std::vector<std::string>& patterns, const std::string& config,
                          const std::vector<std::string>& extra_flags,
                          std::optional<std::chrono::steady_clock::time_point> deadline) const {
  std::string stem = config + "-" + Slug(Join(patterns, "_"));
  std::filesystem::path events = log_dir_ / (stem + ".events.json");
  TestRunResult result;
  result.output = log_dir_ / (stem + ".bazel.log");
  std::filesystem::remove(events);
  std::vector<std::string> args = {"test", "--config=ci"};
  for (const std::string& flag : ConfigFlags(config)) args.push_back(flag);
  args.push_back("--build_event_json_file=" + events.string());
  args.push_back("--test_output=summary");
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  args.push_back("--");
  args.insert(args.end(), patterns.begin(), patterns.end());
  RunResult run = ToFile(args, result.output, deadline);
  result.exit_code = run.exit_code;
  result.timed_out = run.timed_out;
  if (auto text = ReadFile(events)) result.targets = ParseBuildEvents(*text, config);

  // An event without a test.xml path (seen with cached results in some Bazel
  // versions): the file is where `bazel info bazel-testlogs` says.
  std::optional<std::filesystem::path> testlogs;
  for (auto& [label, target] : result.targets) {
    if (!target.xml_path.empty() || target.outcome == Outcome::kDoesNotBuild) continue;
    if (!testlogs) {
      try {
        testlogs = Info("bazel-testlogs", config);
      } catch (const std::runtime_error&) {
        testlogs = std::filesystem::path();
      }
    }
    if (testlogs->empty()) continue;
    std::string package = label.substr(2, label.find(':') - 2);
    std::string name = label.substr(label.find(':') + 1);
    target.xml_path = *testlogs / package / name / "test.xml";
    if (target.log_path.empty()) target.log_path = *testlogs / package / name / "test.log";
  }
  return result;
}

RunResult Bazel::Build(const std::vector<std::string>& patterns, const std::string& config,
                       const std::filesystem::path& log_file) const {
  std::vector<std::string> args = {"build", "--config=ci"};
  for (const std::string& flag : ConfigFlags(config)) args.push_back(flag);
  args.push_back("--");
  args.insert(args.end(), patterns.begin(), patterns.end());
  return ToFile(args, log_file);
}

void Bazel::Shutdown() const { Capture({"shutdown"}); }

std::map<std::string, TargetResult> ParseBuildEvents(const std::string& events, const std::string& config) {
  std::map<std::string, TargetResult> targets;
  std::map<std::string, std::vector<std::string>> statuses;
  std::map<std::string, bool> built;
  for (const std::string& line : SplitLines(events)) {
    if (Trim(line).empty()) continue;
    rapidjson::Document event;
    event.Parse(line.c_str());
    if (event.HasParseError() || !event.IsObject() || !event.HasMember("id")) continue;
    const rapidjson::Value& id = event["id"];
    if (id.HasMember("testResult")) {
      std::string label = id["testResult"]["label"].GetString();
      TargetResult& target = targets[label];
      target.label = label;
      target.config = config;
      std::string status = "FAILED";
      if (event.HasMember("testResult") && event["testResult"].HasMember("status")) {
        status = event["testResult"]["status"].GetString();
      }
      statuses[label].push_back(status);
      if (event.HasMember("testResult") && event["testResult"].HasMember("cachedLocally") &&
          event["testResult"]["cachedLocally"].IsBool()) {
        target.cached = event["testResult"]["cachedLocally"].GetBool();
      }
      if (event.HasMember("testResult") && event["testResult"].HasMember("testActionOutput")) {
        // Keep the files of a failing run when there is one: they explain.
        bool keep_log = target.log_path.empty() || status != "PASSED";
        for (const auto& output : event["testResult"]["testActionOutput"].GetArray()) {
          std::string name = output["name"].GetString();
          std::filesystem::path path = PathFromFileUri(output["uri"].GetString());
          if (name == "test.log" && keep_log) target.log_path = path;
          if (name == "test.xml" && keep_log) target.xml_path = path;
        }
      }
    } else if (id.HasMember("targetCompleted")) {
      std::string label = id["targetCompleted"]["label"].GetString();
      bool success = event.HasMember("completed") && event["completed"].HasMember("success") &&
                     event["completed"]["success"].GetBool();
      built[label] = success && !event.HasMember("aborted");
    } else if (id.HasMember("targetConfigured") && event.HasMember("aborted")) {
      built[id["targetConfigured"]["label"].GetString()] = false;
    }
  }
  for (const auto& [label, ok] : built) {
    if (!ok && !targets.count(label) && label.size() > 5 && label.substr(label.size() - 5) == ":test") {
      TargetResult& target = targets[label];
      target.label = label;
      target.config = config;
      target.outcome = Outcome::kDoesNotBuild;
    }
  }
  for (auto& [label, target] : targets) {
    if (target.outcome == Outcome::kDoesNotBuild) continue;
    const std::vector<std::string>& runs = statuses[label];
    target.runs = static_cast<int>(runs.size());
    target.failed_runs = static_cast<int>(std::count_if(runs.begin(), runs.end(), [](const std::string& s) { return s != "PASSED"; }));
    auto worst = std::find_if(runs.begin(), runs.end(), [](const std::string& s) { return s != "PASSED"; });
    std::string log = target.Log();
    target.outcome = Classify(worst == runs.end() ? "PASSED" : *worst, log);
    target.counts = CountTests(log);
  }
  return targets;
}

std::string BuildErrors(const std::filesystem::path& output, size_t max_lines) {
  std::vector<std::string> errors;
  for (const std::string& line : SplitLines(ReadFileTail(output, 1 << 20))) {
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.find("error") != std::string::npos || line.rfind("FAILED", 0) == 0) errors.push_back(line);
  }
  if (errors.size() > max_lines) errors.erase(errors.begin(), errors.end() - static_cast<long>(max_lines));
  errors.push_back("full bazel output: " + output.string());
  return Join(errors, "\n");
}

}  // namespace kata
