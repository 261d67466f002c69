// Kata 03_process: write mp::Process, Python's multiprocessing.Process, in C++.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first; HINTS.md helps when you are stuck. Check your work:
//
//   bazel test //katas/03_process/...
//   bazel test --config=asan //katas/03_process/...   (no leaks, no bad memory)
//
// What you may need: fork, _exit, waitpid and the W* macros (<sys/wait.h>),
// kill (<signal.h>), poll (<poll.h>), pipe2 and O_CLOEXEC (<fcntl.h>),
// syscall and SYS_pidfd_open (<sys/syscall.h>), abi::__cxa_demangle
// (<cxxabi.h>), and mp::CheckSystemCall from common/errors.h.
#include "katas/03_process/process.h"


#include "common/not_implemented.h"

namespace mp {

Process::~Process() {
  // TODO(kata): a destructor must leave nothing behind, and must never throw.
  // Read the rule in process.h: a child that has not been reaped yet is
  // either killed (daemon) or waited for, and reaped in both cases. (The
  // sentinel is a UniqueFd: it closes itself.) A Process that was never
  // started owns nothing.
}

void Process::start() {
  // TODO(kata): refuse a second start, then make the child. Three things
  // decide whether your Process behaves:
  //   - what is still sitting in the stdio buffers when you fork;
  //   - how the child leaves once the target returns or throws (the child
  //     must never come back out of start());
  //   - what the parent keeps so it can wait on the child later (the pid,
  //     and a sentinel the kernel makes readable when the child ends).
  throw NotImplemented("Process::start", "fork a child that runs target_ and never returns");
}

bool Process::Reap(bool block) {
  // TODO(kata): ask the kernel about the child, waiting or not. A child that
  // ended stays a zombie until someone waits for it; the status the wait
  // returns encodes either an exit status or a signal number.
  (void)block;
  throw NotImplemented("Process::Reap", "wait for the child with waitpid and decode its status");
}

void Process::join() {
  // TODO(kata): wait, with no time limit, for the child to end.
  throw NotImplemented("Process::join", "wait until the child has ended and reap it");
}

bool Process::join(Timeout timeout) {
  // TODO(kata): waitpid cannot give up after a timeout. Something else can
  // wait on a file descriptor with a deadline, and you own one that becomes
  // readable when the child ends.
  (void)timeout;
  throw NotImplemented("Process::join(timeout)", "wait at most `timeout` for the child to end");
}

bool Process::is_alive() {
  // TODO(kata): started, and not ended yet. Asking must not block.
  throw NotImplemented("Process::is_alive", "say whether the child is still running");
}

std::optional<int> Process::exitcode() {
  // TODO(kata): empty until the child has ended. Asking must not block.
  throw NotImplemented("Process::exitcode", "return the child's exit code once it has ended");
}

void Process::terminate() {
  // TODO(kata): send SIGTERM. Think about what a pid means once its child
  // has been reaped.
  throw NotImplemented("Process::terminate", "send the child SIGTERM");
}

void Process::kill() {
  // TODO(kata): as terminate(), with the signal no process can catch.
  throw NotImplemented("Process::kill", "send the child SIGKILL");
}

int Process::sentinel() const {
  // TODO(kata): the descriptor start() made; there is none before start().
  throw NotImplemented("Process::sentinel", "return the descriptor that turns readable at the end");
}

void Process::close() {
  // TODO(kata): release what the Process owns. A running child cannot be
  // let go of: who would reap it?
  throw NotImplemented("Process::close", "reap an ended child and close the sentinel");
}

void Process::set_daemon(bool daemon) {
  // TODO(kata): the destructor's rule depends on this flag, so it can only
  // change before the child exists.
  (void)daemon;
  throw NotImplemented("Process::set_daemon", "set the daemon flag, before start() only");
}

}  // namespace mp
