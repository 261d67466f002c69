#include "tools/cli/limits.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "tools/cli/outcome.h"
#include "tools/cli/util.h"

namespace kata {

namespace {

namespace fs = std::filesystem;

bool WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

// The pids controller: cgroup v1's own hierarchy, or v2's unified one.
fs::path PidsRoot() {
  if (fs::exists("/sys/fs/cgroup/pids/cgroup.procs")) return "/sys/fs/cgroup/pids";
  auto controllers = ReadFile("/sys/fs/cgroup/cgroup.controllers");
  if (controllers && controllers->find("pids") != std::string::npos) {
    // v2: a new group must sit under our own one, which must delegate pids.
    auto own = ReadFile("/proc/self/cgroup");
    if (own) {
      for (const std::string& line : SplitLines(*own)) {
        if (line.rfind("0::", 0) == 0) return fs::path("/sys/fs/cgroup") / line.substr(4);
      }
    }
  }
  return {};
}

std::vector<pid_t> Members(const fs::path& cgroup) {
  std::vector<pid_t> pids;
  std::error_code error;
  for (fs::recursive_directory_iterator it(cgroup, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename() != "cgroup.procs") continue;
    if (auto text = ReadFile(it->path())) {
      for (const std::string& line : SplitLines(*text)) {
        if (auto pid = ParseLong(Trim(line))) pids.push_back(static_cast<pid_t>(*pid));
      }
    }
  }
  if (auto text = ReadFile(cgroup / "cgroup.procs")) {
    for (const std::string& line : SplitLines(*text)) {
      if (auto pid = ParseLong(Trim(line))) pids.push_back(static_cast<pid_t>(*pid));
    }
  }
  return pids;
}

// SIGKILLs every member until none is left. A fork bomb may fork between
// our reading the list and the kill, but the cgroup caps how many it can
// have, so each round leaves fewer; a round costs microseconds.
int KillMembers(const fs::path& cgroup) {
  int killed = 0;
  for (int round = 0; round < 1000; ++round) {
    std::vector<pid_t> pids = Members(cgroup);
    if (pids.empty()) return killed;
    for (pid_t pid : pids) {
      if (pid != getpid() && kill(pid, SIGKILL) == 0) ++killed;
    }
    // The killed are gone from cgroup.procs only once the kernel has reaped
    // them (our children, or reparented to init): yield for that.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return killed;
}

std::optional<long> PidsEventsMax(const fs::path& cgroup) {
  auto text = ReadFile(cgroup / "pids.events");
  if (!text) return std::nullopt;
  for (const std::string& line : SplitLines(*text)) {
    if (line.rfind("max ", 0) == 0) return ParseLong(Trim(line.substr(4)));
  }
  return std::nullopt;
}

volatile sig_atomic_t stop_signal = 0;

void OnStop(int signal) { stop_signal = signal; }

std::string OptionValue(const std::string& arg, const std::string& name) {
  return arg.substr(name.size() + 1);
}

}  // namespace

fs::path MakeGradeCgroup(const std::string& name, int max_processes) {
  fs::path root = PidsRoot();
  if (root.empty()) return {};
  fs::path cgroup = root / name;
  std::error_code error;
  fs::create_directory(cgroup, error);
  if (error || !fs::exists(cgroup / "pids.max")) return {};
  // A test's cgroup may have `processes`; the grade's, two tests' worth and
  // room for the wrappers.
  if (!WriteText(cgroup / "pids.max", std::to_string(max_processes))) {
    fs::remove(cgroup, error);
    return {};
  }
  if (root != "/sys/fs/cgroup/pids") WriteText(cgroup / "cgroup.subtree_control", "+pids");
  return cgroup;
}

void RemoveCgroup(const fs::path& cgroup) {
  if (cgroup.empty() || !fs::exists(cgroup)) return;
  KillMembers(cgroup);
  std::vector<fs::path> directories;
  std::error_code error;
  for (fs::recursive_directory_iterator it(cgroup, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory()) directories.push_back(it->path());
  }
  // Children before parents: rmdir is the only way to remove a cgroup.
  for (auto it = directories.rbegin(); it != directories.rend(); ++it) rmdir(it->c_str());
  rmdir(cgroup.c_str());
}

std::string ProcessLimitMethod(const fs::path& cgroup) {
  if (!cgroup.empty()) return "pids cgroup " + cgroup.string();
  if (geteuid() == 0) return "not enforced: running as root without a pids cgroup (RLIMIT_NPROC does not bind root)";
  return "RLIMIT_NPROC";
}

int LimitMain(const std::vector<std::string>& args) {
  Limits limits;
  fs::path grade_cgroup;
  bool sanitizer = false;
  size_t i = 0;
  for (; i < args.size() && args[i].rfind("--", 0) == 0; ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    } else if (arg.rfind("--processes=", 0) == 0) {
      limits.processes = static_cast<int>(ParseLong(OptionValue(arg, "--processes")).value_or(limits.processes));
    } else if (arg.rfind("--memory-mb=", 0) == 0) {
      limits.memory_mb = ParseLong(OptionValue(arg, "--memory-mb")).value_or(limits.memory_mb);
    } else if (arg.rfind("--output-mb=", 0) == 0) {
      limits.output_mb = ParseLong(OptionValue(arg, "--output-mb")).value_or(limits.output_mb);
    } else if (arg.rfind("--cgroup=", 0) == 0) {
      grade_cgroup = OptionValue(arg, "--cgroup");
    } else if (arg.rfind("--timeout=", 0) == 0) {
      limits.test_timeout_s = static_cast<int>(ParseLong(OptionValue(arg, "--timeout")).value_or(limits.test_timeout_s));
    } else if (arg == "--sanitizer") {
      sanitizer = true;
    } else {
      std::cerr << "grade limit: error: unknown option " << arg << "\n";
      return 2;
    }
  }
  if (i >= args.size()) {
    std::cerr << "grade limit: error: no command to run\n";
    return 2;
  }
  std::vector<std::string> command(args.begin() + static_cast<long>(i), args.end());

  fs::path cgroup;
  if (!grade_cgroup.empty() && fs::exists(grade_cgroup)) {
    cgroup = grade_cgroup / ("test-" + std::to_string(getpid()));
    std::error_code error;
    fs::create_directory(cgroup, error);
    if (error || !WriteText(cgroup / "pids.max", std::to_string(limits.processes))) cgroup.clear();
  }

  struct sigaction action {};
  action.sa_handler = OnStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A backstop behind Bazel's --test_timeout, which fires first: whatever
  // happens to Bazel's own kill, the test and its processes end here.
  sigaction(SIGALRM, &action, nullptr);
  alarm(static_cast<unsigned>(limits.test_timeout_s) + 5);

  // The child learns whether it joined its cgroup before it may exec, so a
  // test never runs outside the limit we announced.
  pid_t child = fork();
  if (child < 0) {
    std::cerr << kLimitMarker << "could not start the test: " << strerror(errno) << "\n";
    return 1;
  }
  if (child == 0) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    alarm(0);
    if (!cgroup.empty()) WriteText(cgroup / "cgroup.procs", std::to_string(getpid()));
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    rlim_t output = static_cast<rlim_t>(limits.output_mb) << 20;
    rlimit output_limit{output, output};
    setrlimit(RLIMIT_FSIZE, &output_limit);
    if (!sanitizer) {
      rlim_t memory = static_cast<rlim_t>(limits.memory_mb) << 20;
      rlimit memory_limit{memory, memory};
      setrlimit(RLIMIT_AS, &memory_limit);
    }
    if (cgroup.empty()) {
      // Counts every process of this user, Bazel's threads included: allow
      // what runs now plus the test's share.
      rlimit current{};
      getrlimit(RLIMIT_NPROC, &current);
      long running = 0;
      std::error_code error;
      for (const auto& entry : fs::directory_iterator("/proc", error)) {
        struct stat info {};
        if (ParseLong(entry.path().filename().string()) && stat(entry.path().c_str(), &info) == 0 &&
            info.st_uid == getuid()) {
          std::error_code task_error;
          for (auto task = fs::directory_iterator(entry.path() / "task", task_error); !task_error && task != fs::directory_iterator(); task.increment(task_error)) ++running;
        }
      }
      rlim_t allowed = static_cast<rlim_t>(running + limits.processes);
      if (current.rlim_max == RLIM_INFINITY || allowed < current.rlim_max) {
        rlimit process_limit{allowed, current.rlim_max};
        setrlimit(RLIMIT_NPROC, &process_limit);
      }
    }
    std::vector<char*> argv;
    for (std::string& arg : command) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::cerr << kLimitMarker << "could not run " << command[0] << ": " << strerror(errno) << "\n";
    _exit(127);
  }

  int status = 0;
  bool stopped = false;
  while (true) {
    pid_t done = waitpid(child, &status, 0);
    if (done == child) break;
    if (done < 0 && errno == EINTR && stop_signal != 0 && !stopped) {
      // Bazel's timeout: stop the test and everything it started, now.
      stopped = true;
      kill(child, SIGKILL);
      if (!cgroup.empty()) KillMembers(cgroup);
      continue;
    }
    if (done < 0 && errno != EINTR) break;
  }

  if (!cgroup.empty()) {
    std::optional<long> hits = PidsEventsMax(cgroup);
    if (hits && *hits > 0) {
      std::cerr << "\n" << kLimitMarker << "the test tried to run more than " << limits.processes
                << " processes at once (the process limit; fork failed " << *hits << " times)\n";
    }
    int left = KillMembers(cgroup);
    if (left > 0 && !stopped) {
      std::cerr << "\nmpkata-grade: note: " << left << " process(es) the test left running were killed\n";
    }
    rmdir(cgroup.c_str());
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ) {
    std::cerr << "\n" << kLimitMarker << "the test wrote more than " << limits.output_mb
              << " MB to one file (the output limit) and was stopped\n";
  }
  if (stopped && stop_signal == SIGALRM) {
    std::cerr << "\n" << kLimitMarker << "the test outlived its time limit (" << limits.test_timeout_s
              << " s) and was stopped with everything it started\n";
  }
  if (stopped) return 128 + static_cast<int>(stop_signal);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace kata
