// ChildProcessGuard: fails a test that leaves a child process behind.
//
// A kata test that forks must wait for every child it made. A child still
// running, or ended but never waited for (a zombie), when the test ends is a
// bug in the code under test: Python's multiprocessing reaps its children,
// and so must mp. Put a guard at the top of the test, or in the fixture:
//
//   TEST(ProcessTest, JoinReapsTheChild) {
//     mp::testing::ChildProcessGuard guard;
//     ...
//   }  // the guard checks here
//
//   class PoolTest : public testing::Test {
//     mp::testing::ChildProcessGuard guard_;   // checks after every test
//   };
//
// When the guard goes out of scope it lists this process's children that
// were not there when the guard was made. If there are any, it adds a test
// failure naming each one (pid, zombie or running, command), then kills and
// reaps them, so that one leaky test does not spoil the tests after it.
//
// It also fails the test when a shared-memory segment whose name starts with
// "mpkata" appeared in /dev/shm and is still there: named segments outlive
// their processes, unlike the anonymous mappings the katas use.

#ifndef MPKATA_COMMON_TESTING_CHILD_PROCESS_GUARD_H_
#define MPKATA_COMMON_TESTING_CHILD_PROCESS_GUARD_H_

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

namespace mp::testing {

// One child process of the calling process, as /proc shows it.
struct ChildProcess {
  pid_t pid;
  char state;           // 'Z' for a zombie, 'R', 'S', 'D', 'T', ... otherwise
  std::string command;  // the comm field of /proc/PID/stat
};

// ChildProcesses()
//
// Lists the children of the calling process, running or zombie, by reading
// /proc. Throws mp::OSError if /proc cannot be read.
std::vector<ChildProcess> ChildProcesses();

// SharedMemorySegments(prefix)
//
// Lists the names in /dev/shm that start with `prefix` (empty if there is no
// /dev/shm).
std::set<std::string> SharedMemorySegments(const std::string& prefix);

class ChildProcessGuard {
 public:
  ChildProcessGuard();
  ~ChildProcessGuard();

  ChildProcessGuard(const ChildProcessGuard&) = delete;
  ChildProcessGuard& operator=(const ChildProcessGuard&) = delete;

 private:
  std::set<pid_t> children_before_;
  std::set<std::string> segments_before_;
};

}  // namespace mp::testing

#endif  // MPKATA_COMMON_TESTING_CHILD_PROCESS_GUARD_H_
