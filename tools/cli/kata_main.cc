// tools/kata: the learner's command.
//
//   tools/kata                    every kata's status, a progress bar, and what to do next
//   tools/kata check NN           run one kata in every config it declares; why it fails
//   tools/kata watch [NN]         re-check the kata on every save; go on to the next when it passes
//   tools/kata hint NN            the next hint of a kata, one more each time
//   tools/kata reset NN           put the starter back (asks first)
//   tools/kata solution NN        the reference solution beside yours (once yours passes, or --peek)
//   tools/kata demo NN            run a kata's demo programs, each with a sentence on what it shows
//   tools/kata list               the katas, their configs and demos
//   tools/kata help               this text
//
// Exit codes: 0 success (for check: the kata passes); 1 the kata fails;
// 2 wrong usage (an unknown kata or option); 3 the tool could not work
// (Bazel or the repository is broken).

#include <sys/inotify.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>

#include "tools/cli/bazel.h"
#include "tools/cli/kata.h"
#include "tools/cli/outcome.h"
#include "tools/cli/printer.h"
#include "tools/cli/util.h"

namespace kata {
namespace {

namespace fs = std::filesystem;

constexpr int kExitFails = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBroken = 3;

Printer printer("kata");

fs::path Repo() { return LaunchedRepo(); }

Bazel MakeBazel() { return Bazel(Repo(), Repo() / ".kata" / "logs"); }

struct Options {
  std::vector<std::string> positional;
  bool solutions = false;  // status/check of the reference solutions
  bool peek = false;
  bool yes = false;
  bool mine = false;  // demo: the learner's build instead of the reference
};

const Kata& OneKata(const std::vector<Kata>& katas, const Options& options, const std::string& command) {
  if (options.positional.empty()) throw UsageError(command + " needs a kata, e.g. tools/kata " + command + " 01");
  static std::vector<Kata> chosen;
  chosen = SelectKatas(katas, {options.positional.front()});
  return chosen.front();
}

// "solved", "failing 3 of 17 tests", "race reported", ...
std::string StatusText(const TargetResult* run) {
  if (run == nullptr) return "not run";
  switch (run->outcome) {
    case Outcome::kPasses: return "solved";
    case Outcome::kFails:
      if (run->counts.total > 0) {
        return "failing " + std::to_string(run->counts.total - run->counts.passed) + " of " +
               std::to_string(run->counts.total) + " tests";
      }
      return "failing";
    case Outcome::kTimesOut: return "timed out";
    default: return std::string(Word(run->outcome));
  }
}

Colour StatusColour(const TargetResult* run) {
  if (run == nullptr) return Colour::kDim;
  switch (run->outcome) {
    case Outcome::kPasses: return Colour::kGreen;
    case Outcome::kFails: return Colour::kYellow;
    case Outcome::kRace: return Colour::kMagenta;
    default: return Colour::kRed;
  }
}

// The lesson's title: the first heading of its README, without "Kata NN: ".
std::string Concept(const Kata& kata) {
  auto readme = ReadFile(Repo() / "katas" / kata.name / "README.md");
  if (readme) {
    for (const std::string& line : SplitLines(*readme)) {
      if (line.rfind("# ", 0) != 0) continue;
      std::string title = line.substr(2);
      size_t colon = title.find(": ");
      if (colon != std::string::npos && title.rfind("Kata", 0) == 0) title = title.substr(colon + 2);
      return ReplaceAll(title, "`", "");
    }
  }
  return kata.Title();
}

void WarnAboutTsan(const std::vector<Kata>& katas) {
  bool tsan = std::any_of(katas.begin(), katas.end(), [](const Kata& k) {
    return std::find(k.configs.begin(), k.configs.end(), "tsan") != k.configs.end();
  });
  if (tsan && TsanMappingFailsHere()) printer.Warning(kTsanMappingAdvice);
}

// Each kata's tests in its default config (the one that judges a starter).
std::map<std::string, TargetResult> StatusRuns(const Bazel& bazel, const std::vector<Kata>& katas, bool solutions) {
  std::map<std::string, std::vector<std::string>> by_config;
  for (const Kata& kata : katas) by_config[kata.DefaultConfig()].push_back(kata.Package(solutions) + ":test");
  std::map<std::string, TargetResult> results;
  for (const auto& [config, patterns] : by_config) {
    printer.Status("running " + std::to_string(patterns.size()) + " katas' tests [" + config + "]...");
    TestRunResult run = bazel.Test(patterns, config);
    for (auto& [label, target] : run.targets) results[label] = target;
  }
  return results;
}

std::string ProgressBar(int done, int total) {
  const int width = 30;
  int filled = total == 0 ? 0 : done * width / total;
  std::string bar = "[" + printer.Paint(std::string(static_cast<size_t>(filled), '#'), Colour::kGreen) +
                    std::string(static_cast<size_t>(width - filled), '-') + "]";
  return bar + " " + std::to_string(done) + " of " + std::to_string(total) + " katas solved";
}

int Status(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  WarnAboutTsan(katas);
  std::map<std::string, TargetResult> results = StatusRuns(bazel, katas, options.solutions);
  int done = 0;
  const Kata* next = nullptr;
  std::vector<std::string> rows;
  for (const Kata& kata : katas) {
    auto found = results.find(kata.Package(options.solutions) + ":test");
    const TargetResult* run = found == results.end() ? nullptr : &found->second;
    bool solved = run != nullptr && run->outcome == Outcome::kPasses;
    done += solved;
    if (!solved && next == nullptr) next = &kata;
    std::string title = Shorten(Concept(kata), 44);
    std::string status = StatusText(run);
    std::string config = kata.configs.empty() ? "" : " [" + Join(kata.configs, ", ") + "]";
    rows.push_back("  " + kata.Number() + "  " + title + std::string(title.size() < 46 ? 46 - title.size() : 1, ' ') +
                   printer.Paint(status, StatusColour(run)) + config);
  }
  printer.Line(ProgressBar(done, static_cast<int>(katas.size())));
  printer.Line();
  printer.Line(std::string("  ") + "NN  " + "title" + std::string(39, ' ') + "status");
  for (const std::string& row : rows) printer.Line(row);
  printer.Line();
  if (options.solutions) return done == static_cast<int>(katas.size()) ? 0 : kExitFails;
  if (next == nullptr) {
    printer.Line(printer.Paint("Every kata is solved. Well done!", Colour::kGreen));
  } else {
    printer.Line("Next: kata " + next->name + ". Read katas/" + next->name + "/README.md, then run");
    printer.Line("  tools/kata watch " + next->Number() + "     (re-runs the tests each time you save)");
    printer.Line("  tools/kata check " + next->Number() + "     (runs them once)");
  }
  return 0;
}

// Runs one kata in the plain build and every config it declares; prints a
// short account. True when it passes everywhere.
bool CheckKata(const Bazel& bazel, const Kata& kata, bool solution, size_t excerpt_lines) {
  bool all_pass = true;
  const std::vector<std::string> configs = kata.CheckOrder();
  // Says which configs a failure left unjudged, so a learner knows more comes.
  auto note_skipped = [&](size_t failed_at) {
    if (failed_at + 1 >= configs.size()) return;
    const std::vector<std::string> rest(configs.begin() + static_cast<std::ptrdiff_t>(failed_at) + 1, configs.end());
    printer.Line("    (not run yet: " + Join(rest, ", ") + (rest.size() == 1 ? "; it runs" : "; they run") +
                 " once " + configs[failed_at] + " passes)");
  };
  for (size_t index = 0; index < configs.size(); ++index) {
    const std::string& config = configs[index];
    printer.Status("testing " + kata.name + " [" + config + "]...");
    std::string label = kata.Package(solution) + ":test";
    TestRunResult run = bazel.Test({label}, config);
    auto found = run.targets.find(label);
    const TargetResult* target = found == run.targets.end() ? nullptr : &found->second;
    std::string status = target == nullptr ? "does not build" : StatusText(target);
    // A cached result is one Bazel kept from an earlier run of the same
    // code: say so, or a learner re-running a flaky pass thinks it ran again.
    if (target != nullptr && target->cached) status += " (cached: same code, same result)";
    printer.Line("  " + kata.name + " [" + config + "]  " + printer.Paint(status, target ? StatusColour(target) : Colour::kRed));
    if (target == nullptr || target->outcome == Outcome::kDoesNotBuild) {
      all_pass = false;
      std::vector<std::string> errors;
      for (const std::string& line : SplitLines(ReadFileTail(run.output, 1 << 20))) {
        if (line.find("error:") != std::string::npos) errors.push_back("    " + line);
        if (errors.size() >= excerpt_lines) break;
      }
      for (const std::string& line : errors) printer.Line(line);
      printer.Line("    full output: " + run.output.string());
      note_skipped(index);
      break;  // the other configs would not build either
    }
    if (target->outcome != Outcome::kPasses) {
      all_pass = false;
      for (const std::string& line : SplitLines(FailureExcerpt(target->outcome, target->Log(), Repo(), excerpt_lines))) {
        printer.Line("    " + line);
      }
      printer.Line("    full log: " + target->log_path.string());
      note_skipped(index);
      break;  // one failure at a time
    }
  }
  return all_pass;
}

int Check(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  const Kata& kata = OneKata(katas, options, "check");
  WarnAboutTsan({kata});
  bool pass = CheckKata(bazel, kata, options.solutions, 14);
  printer.Line();
  if (pass) {
    printer.Line(printer.Paint(kata.name + ": every test passes in " + Join(kata.AllConfigs(), ", ") + ". Well done!", Colour::kGreen));
    return 0;
  }
  if (!options.solutions) printer.Line("Stuck? tools/kata hint " + kata.Number() + " gives one hint at a time.");
  return kExitFails;
}

volatile sig_atomic_t interrupted = 0;
void OnInterrupt(int) { interrupted = 1; }

int Watch(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  size_t index = 0;
  if (!options.positional.empty()) {
    Kata wanted = SelectKatas(katas, {options.positional.front()}).front();
    while (katas[index].name != wanted.name) ++index;
  } else {
    // The first kata that does not pass yet.
    std::map<std::string, TargetResult> results = StatusRuns(bazel, katas, false);
    while (index < katas.size() && results.count(katas[index].StarterPackage() + ":test") &&
           results[katas[index].StarterPackage() + ":test"].outcome == Outcome::kPasses) {
      ++index;
    }
    if (index == katas.size()) {
      printer.Line(printer.Paint("Every kata is solved. Nothing to watch.", Colour::kGreen));
      return 0;
    }
  }
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  int inotify = inotify_init1(IN_CLOEXEC);
  if (inotify < 0) throw std::runtime_error("inotify is not available here");
  while (index < katas.size() && !interrupted) {
    const Kata& kata = katas[index];
    fs::path folder = Repo() / "katas" / kata.name;
    // Editors save by writing in place or by renaming a new file over the old one.
    int watch = inotify_add_watch(inotify, folder.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
    printer.Line(printer.Paint("Watching katas/" + kata.name + "/ (" + Concept(kata) + "): save a file to re-run its tests; Ctrl-C stops.", Colour::kBold));
    bool passed = CheckKata(bazel, kata, false, 6);
    while (!passed && !interrupted) {
      pollfd wait_for{inotify, POLLIN, 0};
      if (poll(&wait_for, 1, -1) <= 0) continue;
      char buffer[4096];
      bool relevant = false;
      // One save is often several events (write, rename, editor backups);
      // drain what has arrived and what follows within a moment, then test once.
      do {
        ssize_t n = read(inotify, buffer, sizeof buffer);
        for (ssize_t at = 0; at < n;) {
          auto* event = reinterpret_cast<inotify_event*>(buffer + at);
          std::string name = event->len > 0 ? event->name : "";
          if (!name.empty() && name[0] != '.' && name.back() != '~' && name.find(".sw") == std::string::npos) relevant = true;
          at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
      } while (poll(&wait_for, 1, 300) > 0);
      if (!relevant) continue;
      printer.Line();
      printer.Line("change saved; testing " + kata.name + "...");
      passed = CheckKata(bazel, kata, false, 6);
    }
    inotify_rm_watch(inotify, watch);
    if (passed) {
      printer.Line(printer.Paint(kata.name + " passes. On to the next kata.", Colour::kGreen));
      printer.Line();
      ++index;
    }
  }
  close(inotify);
  if (index == katas.size()) printer.Line(printer.Paint("Every kata is solved. Well done!", Colour::kGreen));
  return 0;
}

// --- Hints ----------------------------------------------------------------

struct Hint {
  std::string section;  // what it is about, e.g. "`Thread::start()`"
  int level = 0;        // 1 is a nudge; higher is nearer the answer
  std::string text;
};

// Every "### Hint N" of HINTS.md, gentlest first: all first hints (in the
// file's order), then all second hints, ...
std::vector<Hint> ReadHints(const fs::path& file) {
  std::vector<Hint> hints;
  auto text = ReadFile(file);
  if (!text) return hints;
  std::string section;
  Hint* current = nullptr;
  for (const std::string& line : SplitLines(*text)) {
    if (line.rfind("## ", 0) == 0) {
      section = line.substr(3);
      current = nullptr;
    } else if (line.rfind("### Hint", 0) == 0) {
      hints.push_back({section, static_cast<int>(ParseLong(Trim(line.substr(8))).value_or(1)), ""});
      current = &hints.back();
    } else if (line.rfind("# ", 0) == 0) {
      current = nullptr;
    } else if (current != nullptr) {
      current->text += line + "\n";
    }
  }
  std::stable_sort(hints.begin(), hints.end(), [](const Hint& a, const Hint& b) { return a.level < b.level; });
  return hints;
}

// How many hints of each kata were shown: lines "KATA COUNT" in
// .kata/hints (ignored by git, like all of .kata/).
fs::path HintStateFile() { return Repo() / ".kata" / "hints"; }

std::map<std::string, int> ReadHintState() {
  std::map<std::string, int> state;
  auto text = ReadFile(HintStateFile());
  if (!text) return state;
  for (const std::string& line : SplitLines(*text)) {
    size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    if (auto count = ParseLong(Trim(line.substr(space + 1)))) state[line.substr(0, space)] = static_cast<int>(*count);
  }
  return state;
}

void WriteHintState(const std::map<std::string, int>& state) {
  std::string text;
  for (const auto& [kata, shown] : state) text += kata + " " + std::to_string(shown) + "\n";
  fs::create_directories(HintStateFile().parent_path());
  WriteFile(HintStateFile(), text);
}

int HintCommand(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  const Kata& kata = OneKata(katas, options, "hint");
  std::vector<Hint> hints = ReadHints(Repo() / "katas" / kata.name / "HINTS.md");
  if (hints.empty()) {
    printer.Line(kata.name + " has no hints (no \"### Hint\" in katas/" + kata.name + "/HINTS.md).");
    return 0;
  }
  std::map<std::string, int> state = ReadHintState();
  int shown = state[kata.name];
  if (shown >= static_cast<int>(hints.size())) {
    printer.Line("You have seen all " + std::to_string(hints.size()) + " hints of " + kata.name +
                 ". Read them again in katas/" + kata.name + "/HINTS.md, or see the answer with tools/kata solution " +
                 kata.Number() + " --peek.");
    return 0;
  }
  const Hint& hint = hints[static_cast<size_t>(shown)];
  printer.Line(printer.Paint("Hint " + std::to_string(shown + 1) + " of " + std::to_string(hints.size()) + " for " +
                             kata.name + ": " + ReplaceAll(hint.section, "`", "") + " (level " + std::to_string(hint.level) + ")",
                             Colour::kBold));
  printer.Line(Trim(hint.text));
  state[kata.name] = shown + 1;
  WriteHintState(state);
  if (shown + 1 < static_cast<int>(hints.size())) printer.Line("\n(tools/kata hint " + kata.Number() + " again for the next one)");
  return 0;
}

// --- Reset, solution, demo, list --------------------------------------------

int Reset(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  const Kata& kata = OneKata(katas, options, "reset");
  std::vector<std::string> files = LearnerFiles(Repo(), kata);
  if (!options.yes) {
    if (!isatty(STDIN_FILENO)) throw UsageError("reset asks before it overwrites your work; add --yes to reset without asking");
    std::cout << "Put the starter back in katas/" << kata.name << "/" << Join(files, ", ")
              << "? Your changes there are lost. [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      printer.Line("Nothing changed.");
      return 0;
    }
  }
  for (const std::string& file : files) {
    std::string path = "katas/" + kata.name + "/" + file;
    RunOptions run;
    run.cwd = Repo();
    run.capture = true;
    run.capture_stderr = false;
    // The starter as committed: the version the course gave.
    RunResult shown = Run({"git", "show", "HEAD:" + path}, run);
    if (shown.exit_code != 0) throw std::runtime_error("git has no committed starter for " + path);
    WriteFile(Repo() / path, shown.output);
    printer.Line("reset " + path);
  }
  return 0;
}

int Solution(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  const Kata& kata = OneKata(katas, options, "solution");
  if (!options.peek) {
    printer.Line("Checking that your " + kata.name + " passes first (--peek skips this)...");
    if (!CheckKata(bazel, kata, false, 6)) {
      printer.Line();
      printer.Line("The solution is shown once your kata passes. To look anyway: tools/kata solution " + kata.Number() + " --peek");
      return kExitFails;
    }
  }
  int columns = 160;
  if (const char* env = getenv("COLUMNS")) columns = static_cast<int>(ParseLong(env).value_or(160));
  for (const std::string& file : LearnerFiles(Repo(), kata)) {
    fs::path mine = Repo() / "katas" / kata.name / file;
    fs::path reference = Repo() / "solutions" / kata.name / file;
    printer.Line(printer.Paint("yours: katas/" + kata.name + "/" + file + "    |    reference: solutions/" + kata.name + "/" + file, Colour::kBold));
    RunOptions run;
    run.inherit_output = true;
    Run({"diff", "--side-by-side", "--width=" + std::to_string(columns), "--expand-tabs", mine.string(), reference.string()}, run);
  }
  return 0;
}

int DemoCommand(const Options& options) {
  Bazel bazel = MakeBazel();
  std::vector<Kata> katas = DiscoverKatas(bazel);
  const Kata& kata = OneKata(katas, options, "demo");
  if (kata.demos.empty()) {
    printer.Line(kata.name + " has no demo programs (its BUILD declares no `demos`).");
    return 0;
  }
  std::string package = kata.Package(!options.mine);
  std::vector<std::string> targets;
  for (const Demo& demo : kata.demos) targets.push_back(package + ":" + demo.target);
  printer.Status("building " + Join(targets, " ") + "...");
  fs::path log = bazel.log_dir() / ("demo-" + kata.name + ".bazel.log");
  if (bazel.Build(targets, "plain", log).exit_code != 0) {
    printer.Error("the demos of " + kata.name + " do not build:\n" + BuildErrors(log));
    return kExitFails;
  }
  fs::path bin = bazel.Info("bazel-bin", "plain");
  for (const Demo& demo : kata.demos) {
    printer.Line(printer.Paint("== " + package + ":" + demo.target, Colour::kBold));
    printer.Line(demo.explanation);
    printer.Line();
    RunOptions run;
    run.inherit_output = true;
    run.cwd = Repo();
    RunResult result = Run({(bin / package.substr(2) / demo.target).string()}, run);
    printer.Line();
    if (result.exit_code != 0) printer.Warning(demo.target + " exited with status " + std::to_string(result.exit_code));
  }
  return 0;
}

int List(const Options&) {
  Bazel bazel = MakeBazel();
  for (const Kata& kata : DiscoverKatas(bazel)) {
    std::string title = Shorten(Concept(kata), 50);
    std::string line = "  " + kata.name + std::string(kata.name.size() < 22 ? 22 - kata.name.size() : 1, ' ') + title;
    if (!kata.configs.empty()) line += "  [" + Join(kata.configs, ", ") + "]";
    if (!kata.demos.empty()) line += "  (" + std::to_string(kata.demos.size()) + " demo" + (kata.demos.size() > 1 ? "s)" : ")");
    printer.Line(line);
  }
  return 0;
}

struct Command {
  const char* name;
  const char* arguments;
  const char* description;
  std::function<int(const Options&)> run;
};

int Help(const Options&);

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"status", "[--solutions]", "every kata's status, a progress bar and what to do next (the default)", Status},
      {"check", "NN [--solution]", "run kata NN in the plain build and every config it declares", Check},
      {"watch", "[NN]", "re-run a kata's tests on every save; go on to the next kata when it passes", Watch},
      {"hint", "NN", "the next hint of kata NN, one more each time", HintCommand},
      {"reset", "NN [--yes]", "put kata NN's starter back (asks first)", Reset},
      {"solution", "NN [--peek]", "the reference solution beside yours, once yours passes", Solution},
      {"demo", "NN [--mine]", "run kata NN's demo programs, each with a sentence on what it shows", DemoCommand},
      {"list", "", "the katas, the configs that judge them, and their demos", List},
      {"help", "", "this text", Help},
  };
  return commands;
}

int Help(const Options&) {
  printer.Line("usage: tools/kata [COMMAND] [ARGS]\n");
  for (const Command& command : Commands()) {
    std::string left = std::string(command.name) + " " + command.arguments;
    printer.Line("  " + left + std::string(left.size() < 24 ? 24 - left.size() : 1, ' ') + command.description);
  }
  printer.Line(
      "\nNN is a kata's number or folder name: 01, 1, 01_threads or threads. `test` is another name for `check`.\n"
      "Exit status: 0 success (check: the kata passes); 1 the kata fails; 2 wrong usage; 3 the tool could not work.\n"
      "Colour and progress lines appear only on a terminal; NO_COLOR turns colour off.");
  return 0;
}

int Main(std::vector<std::string> args) {
  std::string name = args.empty() ? "status" : args.front();
  if (!args.empty()) args.erase(args.begin());
  if (name == "test") name = "check";  // the name the first tools/kata used
  if (name == "-h" || name == "--help") name = "help";
  auto command = std::find_if(Commands().begin(), Commands().end(), [&](const Command& c) { return name == c.name; });
  if (command == Commands().end()) throw UsageError("unknown command '" + name + "' (try: tools/kata help)");
  Options options;
  for (const std::string& arg : args) {
    if (arg == "--solutions" || arg == "--solution") {
      options.solutions = true;
    } else if (arg == "--peek") {
      options.peek = true;
    } else if (arg == "--yes" || arg == "-y") {
      options.yes = true;
    } else if (arg == "--mine") {
      options.mine = true;
    } else if (arg.rfind("-", 0) == 0) {
      throw UsageError("unknown option '" + arg + "' for " + name + " (try: tools/kata help)");
    } else {
      options.positional.push_back(arg);
    }
  }
  return command->run(options);
}

}  // namespace
}  // namespace kata

int main(int argc, char** argv) {
  try {
    return kata::Main({argv + 1, argv + argc});
  } catch (const kata::UsageError& error) {
    kata::printer.Error(error.what());
    return kata::kExitUsage;
  } catch (const std::exception& error) {
    kata::printer.Error(error.what());
    return kata::kExitBroken;
  }
}
