#include "tools/cli/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace kata {

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

std::string Trim(std::string_view text) {
  const char* space = " \t\r\n";
  size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return "";
  size_t last = text.find_last_not_of(space);
  return std::string(text.substr(first, last - first + 1));
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  size_t at = 0;
  while ((at = text.find(from, at)) != std::string::npos) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

std::string Shorten(std::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  return std::string(text.substr(0, width > 3 ? width - 3 : 0)) + "...";
}

std::optional<long> ParseLong(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string ReadFileTail(const fs::path& path, size_t limit) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(limit) ? size - static_cast<std::streamoff>(limit) : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

void WriteFile(const fs::path& path, std::string_view text) {
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

fs::path MakeTempDir(std::string_view prefix) {
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory " + pattern + ": " + strerror(errno));
  }
  return pattern;
}

fs::path PathFromFileUri(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) == kScheme) uri.remove_prefix(kScheme.size());
  std::string path;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      path += static_cast<char>(std::stoi(std::string(uri.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      path += uri[i];
    }
  }
  return path;
}

fs::path LaunchedRepo() {
  if (const char* repo = getenv("MPKATA_REPO"); repo && *repo) return fs::absolute(repo);
  return fs::current_path();
}

namespace {

// Waits for `pid` until `deadline`; true when it has exited (status filled).
bool WaitUntil(pid_t pid, int* status, std::chrono::steady_clock::time_point deadline) {
  // A pidfd would let us poll without a loop; waitpid with WNOHANG and a
  // short nap keeps this portable to old kernels, and only runs while a
  // deadline is set (the tools' own Bazel runs, which last seconds to minutes).
  while (true) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno != EINTR) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

RunResult Run(const std::vector<std::string>& argv, const RunOptions& options) {
  int capture_pipe[2] = {-1, -1};
  if (options.capture && pipe2(capture_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  }
  int output_fd = -1;
  if (options.output_file) {
    output_fd = open(options.output_file->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (output_fd < 0) throw std::runtime_error("cannot write " + options.output_file->string() + ": " + strerror(errno));
  }
  // Report a failed exec through a close-on-exec pipe, so the caller can
  // tell "could not start" from "ran and failed".
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + strerror(errno));

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) {
      int error = errno;
      (void)!write(exec_pipe[1], &error, sizeof error);
      _exit(127);
    }
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (options.capture) {
      dup2(capture_pipe[1], STDOUT_FILENO);
      if (options.capture_stderr) {
        dup2(capture_pipe[1], STDERR_FILENO);
      } else {
        int sink = open("/dev/null", O_WRONLY);
        dup2(sink, STDERR_FILENO);
      }
    } else if (output_fd >= 0) {
      dup2(output_fd, STDOUT_FILENO);
      dup2(output_fd, STDERR_FILENO);
    } else if (!options.inherit_output) {
      int sink = open("/dev/null", O_WRONLY);
      dup2(sink, STDOUT_FILENO);
      dup2(sink, STDERR_FILENO);
    }
    execvp(args[0], args.data());
    int error = errno;
    (void)!write(exec_pipe[1], &error, sizeof error);
    _exit(127);
  }
  close(exec_pipe[1]);
  if (output_fd >= 0) close(output_fd);
  int exec_error = 0;
  ssize_t got = read(exec_pipe[0], &exec_error, sizeof exec_error);
  close(exec_pipe[0]);

  RunResult result;
  if (options.capture) {
    close(capture_pipe[1]);
    char buffer[65536];
    ssize_t n;
    while ((n = read(capture_pipe[0], buffer, sizeof buffer)) != 0) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      result.output.append(buffer, static_cast<size_t>(n));
    }
    close(capture_pipe[0]);
  }
  int status = 0;
  if (options.deadline) {
    if (!WaitUntil(pid, &status, *options.deadline)) {
      result.timed_out = true;
      kill(pid, options.deadline_signal);
      if (!WaitUntil(pid, &status, std::chrono::steady_clock::now() + options.grace)) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
    }
  } else {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    throw std::runtime_error("cannot run " + argv[0] + ": " + strerror(exec_error));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool StdoutIsFancyTerminal() {
  const char* term = getenv("TERM");
  return isatty(STDOUT_FILENO) && term != nullptr && std::string_view(term) != "dumb" && *term != '\0';
}

bool ColourWanted() {
  const char* no_colour = getenv("NO_COLOR");
  return StdoutIsFancyTerminal() && (no_colour == nullptr || *no_colour == '\0');
}

}  // namespace kata
