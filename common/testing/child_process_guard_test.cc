#include "common/testing/child_process_guard.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace mp::testing {
namespace {

// A child that blocks reading a pipe until the parent closes its write end,
// so the test decides exactly when it ends.
class BlockedChild {
 public:
  BlockedChild() {
    int fds[2];
    if (::pipe(fds) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[1]);
      char byte;
      ::_exit(::read(fds[0], &byte, 1) == 0 ? 0 : 1);
    }
    ::close(fds[0]);
    release_fd_ = fds[1];
  }
  ~BlockedChild() {
    Release();
    ::waitpid(pid_, nullptr, 0);
  }
  void Release() {
    if (release_fd_ >= 0) ::close(release_fd_);
    release_fd_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
};

std::optional<ChildProcess> FindChild(pid_t pid) {
  for (const ChildProcess& child : ChildProcesses()) {
    if (child.pid == pid) return child;
  }
  return std::nullopt;
}

// Tests that a running child is listed, and not once it is reaped.
TEST(ChildProcessesTest, ListsARunningChildUntilItIsReaped) {
  pid_t pid;
  {
    BlockedChild child;
    pid = child.pid();
    const std::optional<ChildProcess> listed = FindChild(pid);
    ASSERT_TRUE(listed.has_value());
    EXPECT_NE(listed->state, 'Z');
  }
  EXPECT_FALSE(FindChild(pid).has_value());
}

// Tests that a child that ended but was not waited for is listed as a zombie.
TEST(ChildProcessesTest, ListsAnUnreapedChildAsAZombie) {
  const pid_t pid = ::fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) ::_exit(0);
  // Wait until it has ended, without reaping it (WNOWAIT).
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);
  const std::optional<ChildProcess> listed = FindChild(pid);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->state, 'Z');
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
}

void LeaveAChildRunning() {
  ChildProcessGuard guard;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();  // killed by the guard
    ::_exit(0);
  }
}

// Tests that the guard fails a test which leaves a child behind, and cleans up.
TEST(ChildProcessGuardTest, FailsATestThatLeavesAChildRunning) {
  EXPECT_NONFATAL_FAILURE(LeaveAChildRunning(), "left a child process behind");
  EXPECT_TRUE(ChildProcesses().empty()) << "the guard should have killed and reaped the child";
}

void LeaveAZombie() {
  ChildProcessGuard guard;
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  siginfo_t info{};
  ::waitid(P_PID, pid, &info, WEXITED | WNOWAIT);
}

// Tests that an ended but unreaped child counts as left behind too.
TEST(ChildProcessGuardTest, FailsATestThatLeavesAZombie) {
  EXPECT_NONFATAL_FAILURE(LeaveAZombie(), "a zombie");
  EXPECT_TRUE(ChildProcesses().empty());
}

// Tests that a test which waits for its children passes the guard.
TEST(ChildProcessGuardTest, PassesATestThatReapsItsChildren) {
  ChildProcessGuard guard;
  BlockedChild child;
}

}  // namespace
}  // namespace mp::testing
