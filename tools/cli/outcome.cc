#include "tools/cli/outcome.h"

#include <cctype>
#include <cstring>
#include <regex>

#include "tools/cli/xml.h"
#include "tools/cli/util.h"

namespace kata {


const char* const kTsanMappingAdvice =
    "ThreadSanitizer (clang 14) cannot start on this kernel: its address-space randomisation uses "
    "more bits than TSan supports (vm.mmap_rnd_bits is above 28). Fix it with:  sudo sysctl "
    "vm.mmap_rnd_bits=28   (or run the test with ASLR off: bazel test --config=tsan "
    "--run_under='setarch -R' ...). This is a limit of the machine, not a bug in your code.";

bool TsanMappingBitsTooHigh(std::string_view mmap_rnd_bits) {
  return ParseLong(Trim(mmap_rnd_bits)).value_or(0) > 28;
}

bool TsanMappingFailsHere() {
  auto bits = ReadFile("/proc/sys/vm/mmap_rnd_bits");
  return bits && TsanMappingBitsTooHigh(*bits);
}

namespace {

struct OutcomeWord {
  Outcome outcome;
  std::string_view word;
};
constexpr OutcomeWord kWords[] = {
    {Outcome::kPasses, "passes"},          {Outcome::kFails, "fails"},
    {Outcome::kRace, "race reported"},     {Outcome::kSanitizer, "sanitizer error"},
    {Outcome::kCrashes, "crashes"},        {Outcome::kKilled, "killed by a limit"},
    {Outcome::kTimesOut, "times out"},     {Outcome::kDoesNotBuild, "does not build"},
    {Outcome::kNotRun, "not run"},
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// "[  FAILED  ] Suite.Name (3 ms)" or "... where TypeParam = X (3 ms)"; the
// summary at the end names the failed tests again, without a time.
bool IsFailedTestLine(std::string_view line) {
  return StartsWith(line, "[  FAILED  ] ") && line.size() > 4 && line.substr(line.size() - 4) == " ms)";
}

bool HasGtestSummary(std::string_view log) {
  for (const std::string& line : SplitLines(log)) {
    if ((StartsWith(line, "[  PASSED  ] ") || StartsWith(line, "[  FAILED  ] ")) && line.size() > 13 &&
        std::isdigit(static_cast<unsigned char>(line[13])) &&
        (Contains(line, " test,") || Contains(line, " tests,") || Contains(line, " test.") ||
         Contains(line, " tests."))) {
      return true;
    }
  }
  return false;
}

// The test name in "[ RUN      ] Suite.Name" or "[  FAILED  ] Suite.Name, where ... (3 ms)".
std::string NameAfterTag(std::string_view line) {
  std::string_view rest = line.substr(std::min<size_t>(13, line.size()));
  size_t end = rest.find_first_of(" ,");
  return std::string(rest.substr(0, end));
}

// Drops the sandbox prefix, build ids and module offsets from a stack line.
std::string TidyFrame(std::string line) {
  line = ReplaceAll(line, "/proc/self/cwd/", "");
  static const std::regex kBuildId(R"( \(BuildId: [0-9a-f]+\))");
  static const std::regex kModule(R"( \([^()]*\+0x[0-9a-f]+\)$)");
  line = std::regex_replace(line, kBuildId, "");
  line = std::regex_replace(line, kModule, "");
  return Shorten(line, 200);
}

// A failure message cut to a few meaningful lines.
std::string TidyMessage(std::string_view message) {
  std::vector<std::string> lines;
  for (const std::string& line : SplitLines(message)) {
    std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed == "unknown file") continue;
    lines.push_back(ReplaceAll(trimmed, "/proc/self/cwd/", ""));
    if (lines.size() == 6) break;
  }
  return Join(lines, "\n");
}

}  // namespace

std::string_view Word(Outcome outcome) {
  for (const OutcomeWord& entry : kWords) {
    if (entry.outcome == outcome) return entry.word;
  }
  return "?";
}

std::optional<Outcome> OutcomeFromWord(std::string_view word) {
  for (const OutcomeWord& entry : kWords) {
    if (entry.word == word) return entry.outcome;
  }
  return std::nullopt;
}

std::string_view Word(TestCase::Status status) {
  switch (status) {
    case TestCase::Status::kPassed:
      return "pass";
    case TestCase::Status::kFailed:
      return "fail";
    case TestCase::Status::kNotRun:
      break;
  }
  return "not run";
}

Outcome Classify(std::string_view status, std::string_view log) {
  if (status == "PASSED") return Outcome::kPasses;
  if ((status == "FAILED_TO_BUILD" || status == "NO_STATUS" || status == "TOOL_HALTED_BEFORE_TESTING") &&
      Trim(log).empty()) {
    return Outcome::kDoesNotBuild;
  }
  if (Contains(log, kLimitMarker)) return Outcome::kKilled;
  if (status == "TIMEOUT") return Outcome::kTimesOut;
  if (Contains(log, kTsanMappingMessage)) return Outcome::kSanitizer;
  if (Contains(log, "WARNING: ThreadSanitizer: data race")) return Outcome::kRace;
  for (std::string_view level : {"ERROR: ", "WARNING: "}) {
    for (std::string_view tool : {"ThreadSanitizer", "AddressSanitizer", "LeakSanitizer"}) {
      if (Contains(log, std::string(level) + std::string(tool))) return Outcome::kSanitizer;
    }
  }
  if (Contains(log, ": runtime error: ")) return Outcome::kSanitizer;
  if (HasGtestSummary(log)) {
    for (const std::string& line : SplitLines(log)) {
      if (IsFailedTestLine(line)) return Outcome::kFails;
    }
  }
  return Outcome::kCrashes;
}

Counts CountTests(std::string_view log) {
  Counts counts;
  int running = 0;
  for (const std::string& line : SplitLines(log)) {
    if (StartsWith(line, "[==========] Running ")) {
      running = std::max(running, static_cast<int>(ParseLong(Trim(line.substr(21, line.find(' ', 21) - 21))).value_or(0)));
    } else if (StartsWith(line, "[       OK ] ")) {
      ++counts.passed;
    } else if (IsFailedTestLine(line)) {
      ++counts.failed;
    }
  }
  counts.total = running > 0 ? running : counts.passed + counts.failed;
  return counts;
}

std::vector<TestCase> ReadTestCases(std::string_view junit_xml, std::string_view log,
                                    const std::string& death_message) {
  std::vector<TestCase> cases;
  // GoogleTest's own XML, when it got to write it. Bazel writes a stand-in
  // with one <testcase> and no classname when the binary died first.
  if (!junit_xml.empty()) {
    std::string buffer(junit_xml);
    rapidxml::xml_document<> document;
    try {
      document.parse<0>(buffer.data());
      rapidxml::xml_node<>* root = document.first_node("testsuites");
      for (auto* suite = root ? root->first_node("testsuite") : nullptr; suite; suite = suite->next_sibling("testsuite")) {
        for (auto* test = suite->first_node("testcase"); test; test = test->next_sibling("testcase")) {
          auto* classname = test->first_attribute("classname");
          auto* name = test->first_attribute("name");
          if (classname == nullptr || name == nullptr) continue;
          TestCase test_case;
          test_case.name = std::string(classname->value()) + "." + name->value();
          auto* result = test->first_attribute("result");
          auto* failure = test->first_node("failure");
          if (failure != nullptr) {
            test_case.status = TestCase::Status::kFailed;
            auto* message = failure->first_attribute("message");
            test_case.message = TidyMessage(message ? message->value() : failure->value());
          } else if (test->first_node("skipped") != nullptr ||
                     (result != nullptr && std::string_view(result->value()) != "completed")) {
            test_case.status = TestCase::Status::kNotRun;
          } else {
            test_case.status = TestCase::Status::kPassed;
          }
          cases.push_back(std::move(test_case));
        }
      }
    } catch (const rapidxml::parse_error&) {
      cases.clear();  // a truncated file: fall back to the log
    }
    if (!cases.empty()) return cases;
  }

  // From the log: what GoogleTest printed before the binary stopped.
  std::vector<std::string> pending_message;
  TestCase* running = nullptr;
  for (const std::string& line : SplitLines(log)) {
    if (StartsWith(line, "[ RUN      ] ")) {
      cases.push_back({NameAfterTag(line), TestCase::Status::kNotRun, ""});
      running = &cases.back();
      pending_message.clear();
    } else if (running != nullptr && StartsWith(line, "[       OK ] ")) {
      running->status = TestCase::Status::kPassed;
      running = nullptr;
    } else if (running != nullptr && IsFailedTestLine(line)) {
      running->status = TestCase::Status::kFailed;
      running->message = TidyMessage(Join(pending_message, "\n"));
      running = nullptr;
    } else if (running != nullptr && pending_message.size() < 40) {
      pending_message.push_back(line);
    }
  }
  if (running != nullptr) {
    running->status = TestCase::Status::kFailed;
    running->message = death_message;
  }
  return cases;
}

namespace {

struct RaceAccess {
  std::string what;    // "Write", "Previous read", "Atomic write", ...
  int size = 0;
  std::string thread;  // "thread T4" or "main thread"
  std::string function;
  std::string file;    // repository-relative when it can be
  int line = 0;
};

// "    #1 func(args) /proc/self/cwd/katas/x/y.cc:20:3 (lib.so+0x15c3) (BuildId: ..)"
bool ParseFrame(const std::string& raw, std::string* function, std::string* file, int* line) {
  static const std::regex kFrame(R"(^\s+#\d+ (.*) (\S+?):(\d+)(:\d+)?$)");
  std::string text = raw;
  static const std::regex kBuildId(R"( \(BuildId: [0-9a-f]+\))");
  static const std::regex kModule(R"( \([^()]*\+0x[0-9a-f]+\)$)");
  text = std::regex_replace(text, kBuildId, "");
  text = std::regex_replace(text, kModule, "");
  std::smatch match;
  if (!std::regex_match(text, match, kFrame)) return false;
  *function = match[1];
  *file = ReplaceAll(match[2], "/proc/self/cwd/", "");
  *line = static_cast<int>(ParseLong(match[3].str()).value_or(0));
  return true;
}

bool IsProjectFile(const std::string& file) {
  return StartsWith(file, "katas/") || StartsWith(file, "solutions/") || StartsWith(file, "common/");
}

bool IsTestFile(const std::string& file) {
  return file.size() > 8 && file.substr(file.size() - 8) == "_test.cc";
}

// The identifier a source line writes or reads, as well as a line can say.
std::string VariableOnLine(std::string_view source_line, bool write) {
  std::string line = Trim(source_line);
  size_t comment = line.find("//");
  if (comment != std::string::npos) line = Trim(line.substr(0, comment));
  const std::string identifier = R"(((?:[A-Za-z_]\w*(?:\.|->))*[A-Za-z_]\w*(?:\[[^\]]*\])?))";
  std::vector<std::regex> patterns;
  if (write) {
    patterns.emplace_back(R"((?:\+\+|--))" + identifier);
    patterns.emplace_back(identifier + R"(\s*(?:\+\+|--|[-+*/%&|^]?=(?!=)))");
  } else {
    patterns.emplace_back(R"(\breturn\s+)" + identifier);
    patterns.emplace_back(R"(=\s*)" + identifier);
  }
  patterns.emplace_back(identifier);
  for (const std::regex& pattern : patterns) {
    std::smatch match;
    if (std::regex_search(line, match, pattern)) {
      std::string name = match[1];
      static const char* kKeywords[] = {"return", "auto", "const", "int", "long", "if", "while", "for"};
      bool keyword = false;
      for (const char* word : kKeywords) keyword = keyword || name == word;
      if (!keyword) return name;
    }
  }
  return "";
}

std::string Verb(const std::string& what, bool previous) {
  bool atomic = Contains(what, "tomic");
  bool write = Contains(what, "rite");
  std::string verb = write ? (previous ? "wrote" : "writes") : (previous ? "read" : "reads");
  return atomic ? "atomically " + verb : verb;
}

std::string Place(const RaceAccess& access) {
  std::string where = access.function.empty() ? "code with no symbol" : access.function;
  if (!access.file.empty()) where += " (" + access.file + ":" + std::to_string(access.line) + ")";
  return where;
}

}  // namespace

std::optional<std::string> DescribeRace(std::string_view log, const std::filesystem::path& source_root) {
  std::vector<std::string> lines = SplitLines(log);
  size_t start = 0;
  while (start < lines.size() && !Contains(lines[start], "WARNING: ThreadSanitizer: data race")) ++start;
  if (start == lines.size()) return std::nullopt;

  static const std::regex kAccess(
      R"(^  ((?:Previous )?(?:[Aa]tomic )?(?:[Ww]rite|[Rr]ead)) of size (\d+) at \S+ by (main thread|thread T\d+).*:$)");
  static const std::regex kGlobal(R"(^  Location is global '([^']+)')");
  static const std::regex kHeap(R"(^  Location is heap block of size (\d+))");
  std::vector<RaceAccess> accesses;
  std::string location;
  bool in_access = false;
  bool frame_chosen = false;
  std::string first_function, first_file;
  int first_line = 0;
  for (size_t i = start + 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (StartsWith(line, "SUMMARY: ") || StartsWith(line, "==================")) break;
    std::smatch match;
    if (std::regex_match(line, match, kAccess)) {
      if (in_access && !frame_chosen && !accesses.empty()) {
        accesses.back().function = first_function;
        accesses.back().file = first_file;
        accesses.back().line = first_line;
      }
      accesses.push_back({match[1], static_cast<int>(ParseLong(match[2].str()).value_or(0)), match[3], "", "", 0});
      in_access = true;
      frame_chosen = false;
      first_function.clear();
      continue;
    }
    if (in_access && StartsWith(Trim(line), "#")) {
      std::string function, file;
      int number = 0;
      if (!frame_chosen && ParseFrame(line, &function, &file, &number)) {
        if (first_function.empty()) {
          first_function = function;
          first_file = file;
          first_line = number;
        }
        // The learner's code, not the standard library or the test calling it.
        if (IsProjectFile(file) && !IsTestFile(file)) {
          accesses.back().function = function;
          accesses.back().file = file;
          accesses.back().line = number;
          frame_chosen = true;
        }
      }
      continue;
    }
    if (in_access && !frame_chosen && !accesses.empty()) {
      accesses.back().function = first_function;
      accesses.back().file = first_file;
      accesses.back().line = first_line;
      frame_chosen = true;
    }
    in_access = false;
    if (std::regex_search(line, match, kGlobal) && match[1] != "??") {
      location = match[1];
    } else if (location.empty() && std::regex_search(line, match, kHeap)) {
      location = "";  // a heap object: the source line names it better
    }
  }
  if (in_access && !frame_chosen && !accesses.empty()) {
    accesses.back().function = first_function;
    accesses.back().file = first_file;
    accesses.back().line = first_line;
  }
  if (accesses.size() < 2) return std::nullopt;
  const RaceAccess& now = accesses[0];
  const RaceAccess& before = accesses[1];

  std::string variable = location;
  if (variable.empty() && !now.file.empty()) {
    if (auto source = ReadFile(source_root / now.file)) {
      std::vector<std::string> source_lines = SplitLines(*source);
      if (now.line >= 1 && static_cast<size_t>(now.line) <= source_lines.size()) {
        variable = VariableOnLine(source_lines[now.line - 1], Contains(now.what, "rite"));
      }
    }
  }
  std::string subject = variable.empty() ? "a variable" : "`" + variable + "`";
  std::string sentence = "Data race on " + subject;
  if (now.size > 0) sentence += " (" + std::to_string(now.size) + " bytes)";
  sentence += ": " + now.thread + " " + Verb(now.what, false) + " it in " + Place(now) + " while " + before.thread +
              " " + Verb(before.what, true) + " it in " + Place(before) +
              ", and nothing orders the two accesses (no lock held by both, no atomic).";
  return sentence;
}

namespace {

// The first failure of each failing test, under the test's name (the names
// are the specification, so they are what a learner looks up first), as
// many whole ones as fit in `max_lines`: a failure cut in half, its
// "Actual:" line missing, reads like a different failure. The tests that
// did not fit are named on one last line.
void AppendFailures(const std::vector<std::string>& lines, size_t max_lines, std::vector<std::string>& picked) {
  static const std::regex kFailure(R"(^\S+:\d+: Failure$)");
  static constexpr std::string_view kRun = "[ RUN      ] ";
  // Room for GoogleTest's own lines (EXPECT_EQ takes up to six) and the
  // explanation a test adds with `<<`, which is often the most useful line.
  static constexpr size_t kLinesPerFailure = 8;
  auto is_failure = [](const std::string& line) {
    return std::regex_match(line, kFailure) || StartsWith(line, "unknown file: Failure");
  };
  struct FirstFailure {
    std::string test;
    std::vector<std::string> lines;
  };
  std::vector<FirstFailure> failures;
  std::string running;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (StartsWith(lines[i], kRun)) running = lines[i].substr(kRun.size());
    if (!is_failure(lines[i])) continue;
    if (!failures.empty() && failures.back().test == running) continue;  // a later failure of the same test
    FirstFailure failure{running, {}};
    for (size_t j = i; j < lines.size() && failure.lines.size() < kLinesPerFailure; ++j) {
      if (j > i && (is_failure(lines[j]) || StartsWith(lines[j], "[  FAILED  ]") || StartsWith(lines[j], kRun))) break;
      failure.lines.push_back(ReplaceAll(lines[j], "/proc/self/cwd/", ""));
    }
    failures.push_back(std::move(failure));
  }
  size_t shown = 0;
  for (; shown < failures.size(); ++shown) {
    const FirstFailure& failure = failures[shown];
    const bool more_after = shown + 1 < failures.size();
    const size_t needed = (failure.test.empty() ? 0 : 1) + failure.lines.size() + (more_after ? 1 : 0);
    if (picked.size() + needed > max_lines && shown > 0) break;
    if (!failure.test.empty()) picked.push_back(failure.test + " fails:");
    picked.insert(picked.end(), failure.lines.begin(), failure.lines.end());
  }
  if (shown < failures.size()) {
    std::vector<std::string> names;
    for (size_t i = shown; i < failures.size() && names.size() < 3; ++i) names.push_back(failures[i].test);
    const size_t rest = failures.size() - shown;
    picked.push_back("and " + std::to_string(rest) + " more failing test" + (rest == 1 ? "" : "s") + ": " +
                     Join(names, ", ") + (rest > names.size() ? ", ..." : ""));
  }
}

}  // namespace

std::string FailureExcerpt(Outcome outcome, std::string_view log, const std::filesystem::path& source_root,
                           size_t max_lines) {
  if (Contains(log, kTsanMappingMessage)) return kTsanMappingAdvice;
  std::vector<std::string> lines = SplitLines(log);
  std::vector<std::string> picked;
  for (const std::string& line : lines) {
    if (StartsWith(line, kLimitMarker)) picked.push_back(line.substr(kLimitMarker.size()));
  }
  if (outcome == Outcome::kRace || outcome == Outcome::kSanitizer) {
    size_t start = 0;
    std::string running;  // the test GoogleTest was running when the sanitizer spoke
    for (; start < lines.size() && !Contains(lines[start], "Sanitizer") && !Contains(lines[start], "runtime error");
         ++start) {
      if (StartsWith(lines[start], "[ RUN      ] ")) running = lines[start].substr(13);
    }
    if (!running.empty()) picked.push_back("In " + running + ":");
    if (auto sentence = DescribeRace(log, source_root)) picked.push_back(*sentence);
    // The report's headings, and the first frame under each access (where
    // the learner's code is). Frames under other headings, "<null>" frames
    // of the C library and addresses TSan could not name only puzzle.
    static const std::regex kKeep(
        R"((WARNING|ERROR|SUMMARY):|runtime error|^\s+(Read|Write|Previous|Atomic|Location is heap|Location is stack|Mutex)|^\s+#0 )");
    static const std::regex kAccess(R"(^\s+(Read|Write|Previous|Atomic))");
    static const std::regex kFrame(R"(^\s+#\d+ )");
    bool under_access = false;
    for (size_t i = start; i < lines.size() && picked.size() < max_lines; ++i) {
      const std::string& line = lines[i];
      const bool frame = std::regex_search(line, kFrame);
      if (!frame) under_access = std::regex_search(line, kAccess);
      if (!std::regex_search(line, kKeep) || Contains(line, "<null>")) continue;
      if (frame && !under_access) continue;
      picked.push_back(TidyFrame(line));
    }
  } else if (outcome == Outcome::kFails) {
    AppendFailures(lines, max_lines, picked);
  } else {
    // The log's last lines, without the line Bazel puts first in every
    // test.log (a shell command to page it), which is no part of the story.
    std::erase_if(lines, [](const std::string& line) { return StartsWith(line, "exec ${PAGER:-"); });
    size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
    for (size_t i = from; i < lines.size() && picked.size() < max_lines; ++i) picked.push_back(TidyFrame(lines[i]));
  }
  if (picked.size() > max_lines) picked.resize(max_lines);
  return Join(picked, "\n");
}

}  // namespace kata
