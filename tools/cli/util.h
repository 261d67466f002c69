// Small helpers every mpkata tool needs: text, files and child processes.
//
// The tools run Bazel and read the files it leaves behind; these helpers
// keep that plumbing out of the code that decides what a result means.
#ifndef MPKATA_TOOLS_CLI_UTIL_H_
#define MPKATA_TOOLS_CLI_UTIL_H_

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kata {

namespace fs = std::filesystem;

// --- Text --------------------------------------------------------------------

std::vector<std::string> SplitLines(std::string_view text);
std::string Trim(std::string_view text);
std::string Join(const std::vector<std::string>& parts, std::string_view separator);
std::string ReplaceAll(std::string text, std::string_view from, std::string_view to);
// `text` cut to at most `width` characters, with "..." when cut.
std::string Shorten(std::string_view text, size_t width);
// The decimal number in `text`, or nullopt if it is not exactly one.
std::optional<long> ParseLong(std::string_view text);

// --- Files -------------------------------------------------------------------

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> ReadFile(const fs::path& path);
// Reads at most the last `limit` bytes: logs of runaway tests can be huge.
std::string ReadFileTail(const fs::path& path, size_t limit);
// Writes `text` to `path` (through a temporary file, so readers never see
// half a file); throws std::runtime_error on failure.
void WriteFile(const fs::path& path, std::string_view text);
// A new empty directory under $TMPDIR (or /tmp) whose name starts with prefix.
fs::path MakeTempDir(std::string_view prefix);
// The path of a "file://" URI, with %XX escapes decoded.
fs::path PathFromFileUri(std::string_view uri);

// The checkout a tool works on: $MPKATA_REPO, which the launcher
// (tools/cli/launch.sh) sets because a binary in bazel-bin cannot tell, else
// the current directory. Always absolute.
fs::path LaunchedRepo();

// --- Child processes ---------------------------------------------------------

struct RunOptions {
  fs::path cwd;                          // empty: the current directory
  std::optional<fs::path> output_file;   // stdout and stderr go here...
  bool capture = false;                  // ...or into Result::output
  bool capture_stderr = true;            // with capture: stderr too, else /dev/null
  bool inherit_output = false;           // ...or to our own stdout/stderr
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Sent first when the deadline passes; SIGKILL follows after `grace`.
  int deadline_signal = 2;  // SIGINT: lets Bazel stop its build cleanly
  std::chrono::seconds grace{20};
};

struct RunResult {
  int exit_code = -1;     // exit status, or 128 + signal number
  bool timed_out = false;  // the deadline passed and the child was stopped
  std::string output;     // when RunOptions::capture
};

// Runs argv[0] (searched in PATH) and waits. Throws std::runtime_error only
// when the program cannot be started at all.
RunResult Run(const std::vector<std::string>& argv, const RunOptions& options = {});

// True when stdout is a terminal that understands colour and cursor moves
// (not TERM=dumb); `NO_COLOR` turns colour off but keeps line overwrites.
bool StdoutIsFancyTerminal();
bool ColourWanted();

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_UTIL_H_
