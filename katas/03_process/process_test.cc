// Tests of kata 03_process: mp::Process, Python's multiprocessing.Process.
//
// Run them with:   bazel test //katas/03_process/...
// and against the reference solution:   bazel test //solutions/03_process/...
//
// No test sleeps and hopes: a child that must stay alive for a while blocks
// on a Gate (a pipe) until the test opens it, and processes that must run
// at the same time meet at a StartBarrier. Every Gate gives up after a long
// patience, so a broken Process fails a test instead of hanging it.

#include "katas/03_process/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/testing/child_process_guard.h"
#include "common/testing/start_barrier.h"

namespace {

using mp::Process;
using mp::testing::StartBarrier;
using std::chrono_literals::operator""ms;

// How long a blocked child waits before it gives up on the test. Only a
// broken Process ever makes a child wait this long.
constexpr std::chrono::milliseconds kPatience = StartBarrier::kDefaultPatience;

// A pipe that holds children in place until the test opens it: a child
// calls Pass(), which blocks until the test calls Open(). Make it before
// starting the children that use it.
class Gate {
 public:
  Gate() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw mp::OSError("pipe2", errno);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Gate() {
    ::close(read_fd_);
    ::close(write_fd_);
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // In a child: blocks until the gate is open. Returns true then, or false
  // if it stayed shut for kPatience.
  bool Pass() const {
    pollfd ready{read_fd_, POLLIN, 0};
    int count;
    do {
      count = ::poll(&ready, 1, static_cast<int>(kPatience.count()));
    } while (count == -1 && errno == EINTR);
    return count == 1;
  }

  // In the test: lets every child waiting at the gate, and every later one,
  // pass. The byte is never read, so the gate stays open.
  void Open() const { EXPECT_EQ(::write(write_fd_, "o", 1), 1); }

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// A pipe for children to report to the test: what a child writes in its
// memory stays there, so the report travels through the kernel.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw mp::OSError("pipe2", errno);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Pipe() {
    ::close(read_fd_);
    if (write_fd_ != -1) ::close(write_fd_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // In a child: writes `text` in one piece (short texts are never split).
  void Write(const std::string& text) const {
    if (::write(write_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      ::_exit(99);
    }
  }

  // In the test, once every child that could write has ended: everything
  // written. (It reads until every write end is closed, so it would wait for
  // a child still running.)
  std::string ReadAll() {
    if (write_fd_ != -1) ::close(write_fd_);
    write_fd_ = -1;
    std::string text;
    char buffer[256];
    for (;;) {
      const ssize_t count = ::read(read_fd_, buffer, sizeof buffer);
      if (count == -1 && errno == EINTR) continue;
      if (count <= 0) return text;
      text.append(buffer, static_cast<size_t>(count));
    }
  }

  int write_fd() const { return write_fd_; }

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// Sends what this process (and its children) write to `fd` into a temporary
// file until Release(), which returns it. Restores `fd` in any case, so a
// test that fails halfway does not swallow the output of the tests after it.
class CapturedOutput {
 public:
  explicit CapturedOutput(int fd) : fd_(fd), file_(std::tmpfile()) {
    if (file_ == nullptr) throw mp::OSError("tmpfile", errno);
    std::cout.flush();
    std::fflush(nullptr);
    saved_fd_ = ::dup(fd_);
    ::dup2(::fileno(file_), fd_);
  }
  ~CapturedOutput() {
    Restore();
    std::fclose(file_);
  }
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;

  std::string Release() {
    Restore();
    std::string text;
    std::rewind(file_);
    char buffer[256];
    while (const size_t count = std::fread(buffer, 1, sizeof buffer, file_)) {
      text.append(buffer, count);
    }
    return text;
  }

 private:
  void Restore() {
    if (saved_fd_ == -1) return;
    std::cout.flush();
    std::fflush(nullptr);
    ::dup2(saved_fd_, fd_);
    ::close(saved_fd_);
    saved_fd_ = -1;
  }

  int fd_;
  std::FILE* file_;
  int saved_fd_ = -1;
};

int CountOf(const std::string& text, const std::string& part) {
  int count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Whether `fd` is readable within `timeout_ms` (0: right now).
bool IsReadable(int fd, int timeout_ms) {
  pollfd ready{fd, POLLIN, 0};
  int count;
  do {
    count = ::poll(&ready, 1, timeout_ms);
  } while (count == -1 && errno == EINTR);
  return count == 1 && (ready.revents & (POLLIN | POLLHUP)) != 0;
}

// Blocks until the child `pid` has ended, WITHOUT reaping it (WNOWAIT): it
// stays a zombie for the Process to reap. Returns false if that failed.
bool WaitUntilEndedButNotReaped(pid_t pid) {
  siginfo_t info{};
  int result;
  do {
    result = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
  } while (result == -1 && errno == EINTR);
  return result == 0;
}

// Whether `pid` is no child of ours anymore: reaped, no zombie left.
bool IsReaped(pid_t pid) {
  errno = 0;
  return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// Every test forks, or might: the guard fails a test that leaves a child
// running or unreaped, then cleans up after it.
class ProcessTest : public testing::Test {
 protected:
  mp::testing::ChildProcessGuard guard_;
};

// --- Running the target --------------------------------------------------

void WriteSum(const Pipe* report, int a, int b) { report->Write(std::to_string(a + b)); }

// Tests that the child calls the target once, with the arguments given.
TEST_F(ProcessTest, RunsTheTargetWithItsArguments) {
  Pipe report;
  Process process(WriteSum, &report, 2, 3);
  process.start();
  process.join();
  EXPECT_EQ(report.ReadAll(), "5");
}

// Tests that nothing runs before start(): constructing a Process only prepares it.
TEST_F(ProcessTest, DoesNotRunTheTargetBeforeStart) {
  Pipe report;
  {
    Process process([&report] { report.Write("ran"); });
    EXPECT_FALSE(process.is_alive());
  }
  EXPECT_EQ(report.ReadAll(), "") << "the target ran although start() was never called";
}

// Tests that start() returns while the child is still running: the child
// waits at a barrier for the test, which only gets there after start() has
// returned. A start() that waited for the child would never return in time.
TEST_F(ProcessTest, StartReturnsWithoutWaitingForTheChild) {
  StartBarrier meet(2);
  Process process([&meet] {
    if (!meet.arrive_and_wait()) ::_exit(2);
  });
  process.start();
  EXPECT_TRUE(meet.arrive_and_wait()) << "start() did not return while the child ran";
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

// Tests that the target runs in another process, whose pid is pid().
TEST_F(ProcessTest, PidIsTheChildsProcessId) {
  Pipe report;
  Process process([&report] { report.Write(std::to_string(::getpid())); });
  EXPECT_EQ(process.pid(), 0) << "no pid before start (Python: None)";
  process.start();
  const pid_t pid = process.pid();
  EXPECT_GT(pid, 0);
  EXPECT_NE(pid, ::getpid()) << "the target must run in a child, not in the test's process";
  process.join();
  EXPECT_EQ(report.ReadAll(), std::to_string(pid));
  EXPECT_EQ(process.pid(), pid) << "the pid is kept after join";
}

int global_counter = 0;

// Tests that a child has its own memory: it starts with a copy of the
// parent's, and its writes are not seen by the parent.
TEST_F(ProcessTest, ChildWritesAreNotSeenByTheParent) {
  global_counter = 7;
  Process process([] {
    if (global_counter != 7) ::_exit(2);  // the copy holds the parent's value
    global_counter = 42;                  // changes the child's copy only
  });
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 0) << "the child did not see the parent's value";
  EXPECT_EQ(global_counter, 7) << "the child's write reached the parent's memory";
}

// Tests that start() returns in the parent only: a child that came back out
// of start() would run the rest of this test (and then the rest of the
// test program) a second time.
TEST_F(ProcessTest, StartReturnsOnlyInTheParent) {
  const pid_t test_pid = ::getpid();
  Process process([] {});
  process.start();
  if (::getpid() != test_pid) ::_exit(77);
  process.join();
  EXPECT_EQ(process.exitcode(), 0)
      << "77 means start() returned in the child: it must end with _exit after the target";
}

int exit_handler_fd = -1;
pid_t exit_handler_owner = 0;

void ReportExitHandlerInAChild() {
  if (::getpid() != exit_handler_owner && exit_handler_fd != -1) {
    [[maybe_unused]] ssize_t ignored = ::write(exit_handler_fd, "x", 1);
  }
}

// Tests that the child leaves with _exit, not exit: the exit handlers it
// inherited (here one that reports from any process but the test's) are the
// parent's and must not run in the child.
TEST_F(ProcessTest, ChildNeverRunsTheParentsExitHandlers) {
  static const bool registered = std::atexit(ReportExitHandlerInAChild) == 0;
  ASSERT_TRUE(registered);
  Pipe report;
  exit_handler_fd = report.write_fd();
  exit_handler_owner = ::getpid();
  Process process([] {});
  process.start();
  process.join();
  exit_handler_fd = -1;
  EXPECT_EQ(report.ReadAll(), "") << "the child ran the parent's atexit handlers: use _exit";
  EXPECT_EQ(process.exitcode(), 0);
}

// Tests that text printed before start() but still in the stdio buffer is
// written once, not once more by each child that inherited the buffer, and
// that what each child prints is not lost when it leaves with _exit. stdout
// is a file here, so stdio buffers it fully, as in a pipe or a log file.
TEST_F(ProcessTest, OutputAppearsExactlyOnceWhenStdoutIsAFile) {
  CapturedOutput out(STDOUT_FILENO);
  std::printf("printed by the parent before start;");  // no newline: stays buffered
  std::vector<Process> children;
  for (int i = 0; i < 3; ++i) {
    children.emplace_back([](int n) { std::printf("printed by child %d;", n); }, i);
  }
  for (Process& child : children) child.start();
  for (Process& child : children) child.join();
  const std::string printed = out.Release();
  EXPECT_EQ(CountOf(printed, "printed by the parent before start;"), 1) << printed;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(CountOf(printed, "printed by child " + std::to_string(i) + ";"), 1) << printed;
  }
}

// --- Exit codes ----------------------------------------------------------

// Tests that the exit code is empty before start and while the child runs.
TEST_F(ProcessTest, ExitcodeIsEmptyBeforeStartAndWhileRunning) {
  Gate gate;
  Process process([&gate] { gate.Pass(); });
  EXPECT_EQ(process.exitcode(), std::nullopt);
  process.start();
  EXPECT_EQ(process.exitcode(), std::nullopt);
  gate.Open();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

// Tests that a target that returns gives exit code 0.
TEST_F(ProcessTest, ExitcodeIsZeroWhenTheTargetReturns) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

struct DiskError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Tests that a target that throws gives exit code 1, and that the child
// prints the process's name, the exception's demangled type and its message.
TEST_F(ProcessTest, ExitcodeIsOneAndTheErrorIsPrintedWhenTheTargetThrows) {
  CapturedOutput err(STDERR_FILENO);
  Process process([] { throw DiskError("disk on fire"); });
  process.set_name("unlucky");
  process.start();
  process.join();
  const std::string printed = err.Release();
  EXPECT_EQ(process.exitcode(), 1);
  EXPECT_NE(printed.find("Process unlucky"), std::string::npos) << "stderr was: " << printed;
  EXPECT_NE(printed.find("DiskError: disk on fire"), std::string::npos)
      << "expected the demangled type and the message; stderr was: " << printed;
}

// Tests that a thrown value that is no std::exception still ends the child
// with exit code 1, naming its type.
TEST_F(ProcessTest, ExitcodeIsOneWhenTheTargetThrowsANonException) {
  CapturedOutput err(STDERR_FILENO);
  Process process([] { throw 42; });
  process.start();
  process.join();
  const std::string printed = err.Release();
  EXPECT_EQ(process.exitcode(), 1);
  EXPECT_NE(printed.find("int"), std::string::npos) << "stderr was: " << printed;
}

// Tests that a target that calls _exit(3) gives exit code 3 (Python: sys.exit(3)).
TEST_F(ProcessTest, ExitcodeIsTheStatusPassedToExit) {
  Process process([] { ::_exit(3); });
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 3);
}

// Tests that exitcode() reaps an ended child by itself, with no join() or
// is_alive() before it, as the header promises.
TEST_F(ProcessTest, ExitcodeReapsAnEndedChildByItself) {
  Process process([] { ::_exit(7); });
  process.start();
  ASSERT_TRUE(IsReadable(process.sentinel(), static_cast<int>(kPatience.count())))
      << "the child never ended";
  // A pidfd is readable once the child can be reaped; a pipe sentinel may
  // be readable a moment before. So ask again until the patience runs out.
  std::optional<int> code;
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (!code && std::chrono::steady_clock::now() < give_up) code = process.exitcode();
  EXPECT_EQ(code, 7) << "exitcode() must reap an ended child itself, as is_alive() does";
}

// Dereferences a null pointer for real. The volatile pointer stops the
// compiler from proving it null and dropping the access; no_sanitize stops
// UBSan from catching it first; and the sanitizers' own SIGSEGV handlers
// (which would report and exit with a status) give way to the default action.
__attribute__((no_sanitize("undefined"))) void Crash() {
  std::signal(SIGSEGV, SIG_DFL);
  ::prctl(PR_SET_DUMPABLE, 0);  // no core file
  int* volatile null = nullptr;
  *null = 1;
}

// Tests that a crash is isolated: the child ends with -SIGSEGV and the
// parent, with its test, goes on.
TEST_F(ProcessTest, CrashInTheChildEndsOnlyTheChild) {
  Process process(Crash);
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGSEGV);
}

// --- join, is_alive, reaping ----------------------------------------------

// Tests that join(timeout) gives up and says so while the child is blocked,
// and succeeds once it can end. The child is held by a Gate, so the first
// joins cannot succeed however the processes are scheduled.
TEST_F(ProcessTest, JoinWithTimeoutReturnsFalseWhileTheChildIsBlocked) {
  Gate gate;
  Process process([&gate] { gate.Pass(); });
  process.start();
  EXPECT_FALSE(process.join(10ms));
  EXPECT_FALSE(process.join(0ms));
  EXPECT_FALSE(process.join(-5ms)) << "a negative timeout counts as zero";
  EXPECT_TRUE(process.is_alive());
  gate.Open();
  EXPECT_TRUE(process.join(std::chrono::hours(24 * 365 * 100)))
      << "a huge timeout must not overflow";
  EXPECT_FALSE(process.is_alive());
  EXPECT_EQ(process.exitcode(), 0);
  EXPECT_TRUE(IsReaped(process.pid())) << "join(timeout) returned true without reaping";
}

// Tests that join() reaps the child: afterwards it is no zombie, and the
// kernel knows it no more.
TEST_F(ProcessTest, JoinReapsTheChild) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_TRUE(IsReaped(process.pid()));
}

// Tests that joining twice is allowed, as in Python.
TEST_F(ProcessTest, JoinTwiceIsFine) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_NO_THROW(process.join());
  EXPECT_TRUE(process.join(0ms));
  EXPECT_EQ(process.exitcode(), 0);
}

// Tests that is_alive() is false before start, true while the child is
// blocked, and false once it has ended.
TEST_F(ProcessTest, IsAliveOnlyWhileTheChildRuns) {
  Gate gate;
  Process process([&gate] { gate.Pass(); });
  EXPECT_FALSE(process.is_alive()) << "not started yet";
  process.start();
  EXPECT_TRUE(process.is_alive()) << "the child is blocked, so it is alive";
  gate.Open();
  process.join();
  EXPECT_FALSE(process.is_alive()) << "the child has ended";
}

// Tests that is_alive() notices a child that ended without join(), and
// reaps it, as Python's is_alive() does.
TEST_F(ProcessTest, IsAliveReapsAChildThatHasEnded) {
  Process process([] {});
  process.start();
  ASSERT_TRUE(WaitUntilEndedButNotReaped(process.pid()));
  EXPECT_FALSE(process.is_alive());
  EXPECT_TRUE(IsReaped(process.pid()));
  EXPECT_EQ(process.exitcode(), 0);
}

// --- terminate and kill ---------------------------------------------------

// Tests that terminate() ends a blocked child with SIGTERM: exit code -SIGTERM.
TEST_F(ProcessTest, TerminateEndsABlockedChild) {
  Gate gate;  // never opened: only the signal ends the child
  Process process([&gate] { gate.Pass(); });
  process.start();
  process.terminate();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGTERM);
}

// Tests that kill() ends a blocked child with SIGKILL: exit code -SIGKILL.
TEST_F(ProcessTest, KillEndsABlockedChild) {
  Gate gate;
  Process process([&gate] { gate.Pass(); });
  process.start();
  process.kill();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGKILL);
}

// Tests that signalling a reaped child does nothing: its pid may already
// belong to another process, which must not be hit.
TEST_F(ProcessTest, TerminateAndKillAfterJoinDoNothing) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_NO_THROW(process.terminate());
  EXPECT_NO_THROW(process.kill());
  EXPECT_EQ(process.exitcode(), 0);
}

// --- The sentinel ---------------------------------------------------------

// Tests that the sentinel is not readable while the child runs, and becomes
// readable when it ends.
TEST_F(ProcessTest, SentinelBecomesReadableWhenTheChildEnds) {
  Gate gate;
  Process process([&gate] { gate.Pass(); });
  process.start();
  const int sentinel = process.sentinel();
  EXPECT_FALSE(IsReadable(sentinel, 0)) << "readable while the child is blocked";
  gate.Open();
  EXPECT_TRUE(IsReadable(sentinel, static_cast<int>(kPatience.count())));
  process.join();
  EXPECT_TRUE(IsReadable(sentinel, 0)) << "a sentinel stays readable once the child ended";
}

// Tests that one poll() watches many sentinels and names the child that ended.
TEST_F(ProcessTest, OnePollWatchesManySentinels) {
  constexpr int kChildren = 3;
  Gate gates[kChildren];
  std::vector<Process> children;
  for (int i = 0; i < kChildren; ++i)
    children.emplace_back([](const Gate* gate) { gate->Pass(); }, &gates[i]);
  for (Process& child : children) child.start();
  std::vector<pollfd> sentinels;
  for (Process& child : children) sentinels.push_back({child.sentinel(), POLLIN, 0});

  gates[1].Open();
  int count;
  do {
    count = ::poll(sentinels.data(), sentinels.size(), static_cast<int>(kPatience.count()));
  } while (count == -1 && errno == EINTR);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(sentinels[0].revents, 0);
  EXPECT_NE(sentinels[1].revents, 0) << "the sentinel of the child that ended";
  EXPECT_EQ(sentinels[2].revents, 0);

  gates[0].Open();
  gates[2].Open();
  for (Process& child : children) child.join();
}

// Tests that the sentinel does not leak into programs the parent execs.
TEST_F(ProcessTest, SentinelIsCloseOnExec) {
  Process process([] {});
  process.start();
  const int flags = ::fcntl(process.sentinel(), F_GETFD);
  ASSERT_NE(flags, -1) << "the sentinel is not an open file descriptor";
  EXPECT_NE(flags & FD_CLOEXEC, 0);
  process.join();
}

// --- The destructor rule ----------------------------------------------------

// Tests that destroying a daemon Process whose child is still running kills
// the child and reaps it, without waiting for it.
TEST_F(ProcessTest, DestructorKillsAndReapsADaemonChild) {
  Gate gate;  // never opened: the child could only end by giving up on it
  Pipe report;
  pid_t pid = 0;
  {
    Process process([&] { report.Write(gate.Pass() ? "passed" : "gave up waiting"); });
    process.set_daemon(true);
    process.start();
    pid = process.pid();
  }  // ~Process: SIGKILL, then reap
  EXPECT_EQ(report.ReadAll(), "")
      << "the destructor waited for the daemon child instead of killing it";
  EXPECT_TRUE(IsReaped(pid)) << "the killed child was left a zombie";
}

// Tests that destroying a non-daemon Process waits for its child to finish
// its work, and reaps it.
TEST_F(ProcessTest, DestructorWaitsForANonDaemonChild) {
  Gate gate;
  Pipe report;
  pid_t pid = 0;
  {
    Process process([&] { report.Write(gate.Pass() ? "finished" : "gave up waiting"); });
    process.start();
    pid = process.pid();
    gate.Open();
  }  // ~Process: wait until the child has ended, then reap
  EXPECT_TRUE(IsReaped(pid)) << "the destructor left the child unreaped";
  EXPECT_EQ(report.ReadAll(), "finished") << "the non-daemon child was not allowed to finish";
}

// Tests that a Process that never started, or that was closed, is destroyed
// without trouble.
TEST_F(ProcessTest, DestructorOfAnUnstartedProcessDoesNothing) {
  {
    Process never_started([] {});
  }
  {
    Process closed([] {});
    closed.close();
  }
  SUCCEED();
}

// --- close -------------------------------------------------------------------

// Tests that close() on an ended child reaps it and closes the sentinel, and
// that close() twice, or before start(), is fine.
TEST_F(ProcessTest, CloseReleasesTheChildAndTheSentinel) {
  Process process([] {});
  process.start();
  const pid_t pid = process.pid();
  const int sentinel = process.sentinel();
  ASSERT_TRUE(WaitUntilEndedButNotReaped(pid));
  process.close();
  EXPECT_TRUE(IsReaped(pid));
  errno = 0;
  EXPECT_EQ(::fcntl(sentinel, F_GETFD), -1) << "the sentinel is still open";
  EXPECT_EQ(errno, EBADF);
  EXPECT_NO_THROW(process.close());

  Process never_started([] {});
  EXPECT_NO_THROW(never_started.close());
}

// --- Misuse is a typed error --------------------------------------------------

// Tests that a process can be started only once.
TEST_F(ProcessTest, StartTwiceIsARuntimeError) {
  Process process([] {});
  process.start();
  EXPECT_THROW(process.start(), mp::RuntimeError);
  process.join();
  EXPECT_THROW(process.start(), mp::RuntimeError);
}

// Tests that joining a process that was never started is an error, not a hang.
TEST_F(ProcessTest, JoinBeforeStartIsARuntimeError) {
  Process process([] {});
  EXPECT_THROW(process.join(), mp::RuntimeError);
  EXPECT_THROW(process.join(10ms), mp::RuntimeError);
}

// Tests that signalling a process that was never started is an error.
TEST_F(ProcessTest, TerminateOrKillBeforeStartIsARuntimeError) {
  Process process([] {});
  EXPECT_THROW(process.terminate(), mp::RuntimeError);
  EXPECT_THROW(process.kill(), mp::RuntimeError);
}

// Tests that a process has no sentinel before start (Python: ValueError).
TEST_F(ProcessTest, SentinelBeforeStartIsAValueError) {
  Process process([] {});
  EXPECT_THROW(process.sentinel(), mp::ValueError);
}

// Tests that the daemon flag is false by default and can be set before start.
TEST_F(ProcessTest, DaemonIsFalseUntilSet) {
  Process process([] {});
  EXPECT_FALSE(process.daemon());
  process.set_daemon(true);
  EXPECT_TRUE(process.daemon());
}

// Tests that the daemon flag cannot change once the child is running.
TEST_F(ProcessTest, SetDaemonAfterStartIsARuntimeError) {
  Process process([] {});
  process.start();
  EXPECT_THROW(process.set_daemon(true), mp::RuntimeError);
  process.join();
  EXPECT_FALSE(process.daemon());
}

// Tests that closing a running process is refused, and leaves it usable.
TEST_F(ProcessTest, CloseWhileRunningIsAValueError) {
  Gate gate;
  Process process([&gate] { gate.Pass(); });
  process.start();
  EXPECT_THROW(process.close(), mp::ValueError);
  EXPECT_TRUE(process.is_alive());
  gate.Open();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

// Tests that every use of a closed process but close() and the name is a
// ValueError (Python: "process object is closed").
TEST_F(ProcessTest, UsingAClosedProcessIsAValueError) {
  Process process([] {});
  process.start();
  process.join();
  process.close();
  EXPECT_THROW(process.start(), mp::ValueError);
  EXPECT_THROW(process.join(), mp::ValueError);
  EXPECT_THROW(process.join(0ms), mp::ValueError);
  EXPECT_THROW(process.is_alive(), mp::ValueError);
  EXPECT_THROW(process.pid(), mp::ValueError);
  EXPECT_THROW(process.exitcode(), mp::ValueError);
  EXPECT_THROW(process.terminate(), mp::ValueError);
  EXPECT_THROW(process.kill(), mp::ValueError);
  EXPECT_THROW(process.sentinel(), mp::ValueError);
  EXPECT_THROW(process.set_daemon(true), mp::ValueError);
  EXPECT_FALSE(process.name().empty());
}

// --- Names and containers ---------------------------------------------------

// Tests Python's default names, "Process-N", and that set_name() renames.
TEST_F(ProcessTest, HasDistinctDefaultNamesAndCanBeRenamed) {
  Process first([] {});
  Process second([] {});
  EXPECT_EQ(first.name().rfind("Process-", 0), 0u) << first.name();
  EXPECT_NE(first.name(), second.name());
  second.set_name("downloader");
  EXPECT_EQ(second.name(), "downloader");
}

// Tests that a started Process can be moved (a std::vector moves them while
// it grows), and that the moved-from one owns nothing.
TEST_F(ProcessTest, MovingAStartedProcessMovesTheChild) {
  Process original([] {});
  original.start();
  const pid_t pid = original.pid();
  Process moved(std::move(original));
  EXPECT_EQ(moved.pid(), pid);
  EXPECT_THROW(original.join(), mp::ValueError) << "a moved-from Process acts as a closed one";
  moved.join();
  EXPECT_EQ(moved.exitcode(), 0);
}

// Tests the seed's pattern: five workers, each run once in its own process.
TEST_F(ProcessTest, FiveWorkersEachRunOnceInTheirOwnProcess) {
  constexpr int kWorkers = 5;
  Pipe report;
  std::vector<Process> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back(
        [&report](int num) {
          report.Write("Worker " + std::to_string(num) + " " + std::to_string(::getpid()) + "\n");
        },
        i);
    workers.back().start();
  }
  for (Process& worker : workers) worker.join();

  std::istringstream lines(report.ReadAll());
  std::set<int> numbers;
  std::set<pid_t> pids;
  std::string word;
  int num;
  pid_t pid;
  while (lines >> word >> num >> pid) {
    EXPECT_EQ(word, "Worker");
    EXPECT_TRUE(numbers.insert(num).second) << "worker " << num << " ran twice";
    pids.insert(pid);
  }
  EXPECT_EQ(numbers, (std::set<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(pids.size(), static_cast<size_t>(kWorkers)) << "workers shared a process";
  EXPECT_EQ(pids.count(::getpid()), 0u) << "a worker ran in the test's own process";
  for (Process& worker : workers) EXPECT_EQ(worker.exitcode(), 0);
}

// Tests that processes run at the same time: each child waits at a barrier
// that opens only when all are waiting, which cannot happen if start()
// runs them one after another. No clock is read.
TEST_F(ProcessTest, ChildrenRunAtTheSameTime) {
  constexpr int kChildren = 4;
  StartBarrier all_waiting(kChildren);
  std::vector<Process> children;
  for (int i = 0; i < kChildren; ++i) {
    children.emplace_back([&all_waiting] { ::_exit(all_waiting.arrive_and_wait() ? 0 : 1); });
  }
  for (Process& child : children) child.start();
  for (Process& child : children) child.join();
  for (Process& child : children) {
    EXPECT_EQ(child.exitcode(), 0)
        << child.name() << " waited alone: only " << all_waiting.arrived() << " of " << kChildren
        << " children were ever waiting at once";
  }
}

}  // namespace
