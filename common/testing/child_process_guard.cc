#include "common/testing/child_process_guard.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common/errors.h"

namespace mp::testing {
namespace {

constexpr char kSegmentPrefix[] = "mpkata";

struct DirectoryCloser {
  void operator()(DIR* directory) const { ::closedir(directory); }
};
using Directory = std::unique_ptr<DIR, DirectoryCloser>;

// Reads /proc/PID/stat. Its second field, the command, is in parentheses and
// may itself hold spaces and parentheses, so the fields after it are found
// from the LAST ')'. Returns false if the process is gone.
bool ReadStat(pid_t pid, pid_t* parent, char* state, std::string* command) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(file, line)) return false;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  *command = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 1));
  return static_cast<bool>(rest >> *state >> *parent);
}

std::string Describe(const ChildProcess& child) {
  return "pid " + std::to_string(child.pid) + " (" + child.command + ", " +
         (child.state == 'Z' ? "a zombie: it ended but nobody waited for it"
                             : "still running") +
         ")";
}

}  // namespace

std::vector<ChildProcess> ChildProcesses() {
  Directory proc(::opendir("/proc"));
  if (!proc) throw OSError("opendir /proc", errno);
  const pid_t self = ::getpid();
  std::vector<ChildProcess> children;
  while (const dirent* entry = ::readdir(proc.get())) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;  // not a process directory
    pid_t parent = 0;
    ChildProcess child{static_cast<pid_t>(pid), '?', ""};
    if (ReadStat(child.pid, &parent, &child.state, &child.command) && parent == self) {
      children.push_back(child);
    }
  }
  return children;
}

std::set<std::string> SharedMemorySegments(const std::string& prefix) {
  std::set<std::string> names;
  Directory shm(::opendir("/dev/shm"));
  if (!shm) return names;
  while (const dirent* entry = ::readdir(shm.get())) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) == 0) names.insert(name);
  }
  return names;
}

ChildProcessGuard::ChildProcessGuard() : segments_before_(SharedMemorySegments(kSegmentPrefix)) {
  for (const ChildProcess& child : ChildProcesses()) children_before_.insert(child.pid);
}

ChildProcessGuard::~ChildProcessGuard() {
  for (const ChildProcess& child : ChildProcesses()) {
    if (children_before_.count(child.pid) != 0) continue;
    ADD_FAILURE() << "the test left a child process behind: " << Describe(child)
                  << ". Every child must be joined (waited for) before the test ends.";
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
  }
  for (const std::string& name : SharedMemorySegments(kSegmentPrefix)) {
    if (segments_before_.count(name) != 0) continue;
    ADD_FAILURE() << "the test left the shared-memory segment /dev/shm/" << name
                  << " behind: shm_unlink it when its last user is done.";
    ::shm_unlink(("/" + name).c_str());
  }
}

}  // namespace mp::testing
