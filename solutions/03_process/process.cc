// Reference solution of kata 03_process: mp::Process over fork and waitpid.
#include "katas/03_process/process.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <typeinfo>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434  // the same number on every architecture
#endif

namespace mp {
namespace {

// Whether this kernel has pidfd_open (Linux 5.3 and later). The answer is
// needed BEFORE the fork, because the fallback, a pipe, must exist before
// the fork for the child to inherit its write end; so it is asked once, on
// ourselves. A function-local static is initialised once, thread-safely.
bool HavePidfd() {
  static const bool have_pidfd = [] {
    const long fd = ::syscall(SYS_pidfd_open, ::getpid(), 0);
    if (fd == -1) return errno != ENOSYS;  // another error: the call exists
    ::close(static_cast<int>(fd));
    return true;
  }();
  return have_pidfd;
}

// Decodes a wait status as Python's exitcode does: the child's exit status
// if it exited, minus the signal number if a signal ended it.
int ExitCodeFromStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return status;  // stopped or continued: waitpid does not report those here
}

// The demangled name of a type: "std::runtime_error", not "St13runtime_error".
std::string TypeName(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = (status == 0 && demangled != nullptr) ? demangled : type.name();
  std::free(demangled);
  return name;
}

// Flushes every stream whose buffer a child would otherwise inherit. C stdio
// first (fflush(nullptr) flushes every output FILE); std::cout and friends
// write through to stdio by default, but not after sync_with_stdio(false).
void FlushStandardStreams() {
  std::cout.flush();
  std::cerr.flush();
  std::clog.flush();
  std::fflush(nullptr);
}

// What the child does after fork, and all it does: run the target, say how
// it ended, flush what it printed, and leave with _exit. It must never
// return: the caller's stack above start() belongs to the parent's story
// (a test, a loop starting more processes), and the child would run it a
// second time. And it must not call exit(): that runs the atexit handlers
// and static destructors the child inherited from the parent (GoogleTest's,
// the sanitizers' leak check, the destructors of the parent's objects).
[[noreturn]] void RunTargetAndExit(std::function<void()>& target, const std::string& name) {
  int code = 0;
  try {
    try {
      target();
    } catch (const std::exception& error) {
      // typeid of a polymorphic object gives its dynamic type: the class
      // actually thrown, not the std::exception it was caught as.
      std::fprintf(stderr, "Process %s:\n%s: %s\n", name.c_str(), TypeName(typeid(error)).c_str(),
                   error.what());
      code = 1;
    } catch (...) {
      const std::type_info* type = abi::__cxa_current_exception_type();
      std::fprintf(stderr, "Process %s:\n%s: (not a std::exception)\n", name.c_str(),
                   type != nullptr ? TypeName(*type).c_str() : "unknown");
      code = 1;
    }
    // _exit does not flush: whatever the target printed that is still in a
    // buffer must go out now, or it is lost.
    FlushStandardStreams();
  } catch (...) {
    code = 1;  // even printing failed; still leave the right way
  }
  ::_exit(code);
}

}  // namespace

Process::~Process() {
  // Nothing to reap before start(), after close() or after a move; a child
  // already reaped must not be signalled, since its pid may be reused. The
  // destructor cannot throw, so it calls waitpid itself instead of Reap, and
  // only retries on EINTR (a signal arrived while waiting).
  if (pid_ != 0 && !exitcode_) {
    // The daemon rule: the owner does not wait for a daemon, so it must not
    // outlive its owner unnoticed; SIGKILL cannot be caught or ignored, so
    // the wait below is brief. A non-daemon child is waited for, as Python
    // waits for its non-daemon children. Either way it is reaped: no zombie.
    if (daemon_) ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) == -1 && errno == EINTR) {
    }
  }
  // sentinel_ closes itself (UniqueFd).
}

void Process::start() {
  CheckNotClosed();
  if (pid_ != 0) throw RuntimeError("cannot start a process twice (" + name_ + ")");

  // Without pidfds, the sentinel is a pipe: the child keeps the write end
  // open until it ends, so the read end reports end-of-file exactly then.
  // O_CLOEXEC keeps both ends out of programs that anyone here execs.
  const bool use_pidfd = HavePidfd();
  UniqueFd pipe_read_end, pipe_write_end;
  if (!use_pidfd) {
    int pipe_fds[2];
    CheckSystemCall("pipe2", ::pipe2(pipe_fds, O_CLOEXEC));
    pipe_read_end.reset(pipe_fds[0]);
    pipe_write_end.reset(pipe_fds[1]);
  }

  // fork copies the stdio buffers along with the rest of memory. Text that
  // was printed but not yet written out would be written by the parent AND
  // by the child (by every child), so it is written out now, once.
  FlushStandardStreams();

  const pid_t pid = ::fork();
  if (pid == -1) throw OSError("fork", errno);  // the pipe ends close themselves
  if (pid == 0) {
    // In the child. The read end is the parent's; the child keeps only the
    // write end, which the kernel closes when the child ends.
    pipe_read_end.reset();
    RunTargetAndExit(target_, name_);
  }

  // In the parent.
  if (!use_pidfd) {
    pipe_write_end.reset();  // only the child may hold it, or EOF never comes
    sentinel_ = std::move(pipe_read_end);
    pid_ = pid;
    return;
  }
  // A pidfd refers to this very process: unlike a pid it cannot be reused.
  // The pid cannot have been reused yet either, because the child is not
  // reaped. pidfds are always close-on-exec.
  const long pidfd = ::syscall(SYS_pidfd_open, pid, 0);
  if (pidfd == -1) {
    // Without a sentinel the Process cannot keep its promises: undo the
    // start, leaving no child behind, and report the failure.
    const int error = errno;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
    }
    throw OSError("pidfd_open", error);
  }
  sentinel_.reset(static_cast<int>(pidfd));
  pid_ = pid;
}

bool Process::Reap(bool block) {
  if (exitcode_) return true;  // reaped before: waitpid would say ECHILD
  int status = 0;
  pid_t result;
  do {
    result = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result == -1 && errno == EINTR);
  CheckSystemCall("waitpid", result);
  if (result == 0) return false;  // WNOHANG: still running
  // Reaped: the kernel has forgotten the child, and its pid is free for
  // reuse. From now on only exitcode_ remembers it.
  exitcode_ = ExitCodeFromStatus(status);
  return true;
}

void Process::join() {
  CheckNotClosed();
  if (pid_ == 0) throw RuntimeError("can only join a started process (" + name_ + ")");
  Reap(/*block=*/true);
}

bool Process::join(Timeout timeout) {
  CheckNotClosed();
  if (pid_ == 0) throw RuntimeError("can only join a started process (" + name_ + ")");
  if (Reap(/*block=*/false)) return true;

  // waitpid cannot give up after a timeout, but poll can, and the sentinel
  // becomes readable exactly when the child ends (Python's join(timeout)
  // waits on the sentinel the same way). A huge timeout would overflow the
  // clock arithmetic: a year is forever enough.
  using Clock = std::chrono::steady_clock;
  const Timeout patience =
      std::clamp<Timeout>(timeout, Timeout::zero(), std::chrono::hours(24 * 365));
  const Clock::time_point deadline = Clock::now() + std::chrono::ceil<Clock::duration>(patience);
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    const int wait_ms =
        static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
    pollfd ready{sentinel_.get(), POLLIN, 0};
    const int count = ::poll(&ready, 1, wait_ms);
    if (count == -1 && errno != EINTR) throw OSError("poll", errno);
    // Readable: the child has ended, so this waitpid returns at once. (With
    // the pipe, a child that closed the write end itself makes it readable
    // early; waitpid then waits for the real end, as Python does.)
    if (count == 1) return Reap(/*block=*/true);
    // Timed out (or interrupted): give up only once the deadline is past.
    if (count == 0 && Clock::now() >= deadline) return false;
  }
}

bool Process::is_alive() {
  CheckNotClosed();
  if (pid_ == 0) return false;
  return !Reap(/*block=*/false);
}

std::optional<int> Process::exitcode() {
  CheckNotClosed();
  if (pid_ == 0) return std::nullopt;
  Reap(/*block=*/false);
  return exitcode_;
}

void Process::terminate() {
  CheckNotClosed();
  if (pid_ == 0)
    throw RuntimeError("cannot terminate a process that was never started (" + name_ + ")");
  // Until it is reaped, the pid is the child's for sure (even as a zombie,
  // which ignores signals); after that, it may be anybody's.
  if (exitcode_) return;
  CheckSystemCall("kill", ::kill(pid_, SIGTERM));
}

void Process::kill() {
  CheckNotClosed();
  if (pid_ == 0) throw RuntimeError("cannot kill a process that was never started (" + name_ + ")");
  if (exitcode_) return;
  CheckSystemCall("kill", ::kill(pid_, SIGKILL));
}

int Process::sentinel() const {
  CheckNotClosed();
  if (pid_ == 0) throw ValueError("process not started: it has no sentinel yet (" + name_ + ")");
  return sentinel_.get();
}

void Process::close() {
  if (closed_) return;
  // A running child cannot be released: the Process would forget it, and it
  // would become a zombie nobody reaps. An ended one is reaped here.
  if (pid_ != 0 && !Reap(/*block=*/false)) {
    throw ValueError(
        "cannot close a process while it is still running; join() or terminate() it first (" +
        name_ + ")");
  }
  sentinel_.reset();
  closed_ = true;
}

void Process::set_daemon(bool daemon) {
  CheckNotClosed();
  // The rule is chosen once: the child is already running under the old one.
  if (pid_ != 0)
    throw RuntimeError("cannot set daemon after the process has started (" + name_ + ")");
  daemon_ = daemon;
}

}  // namespace mp
