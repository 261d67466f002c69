// Kata 01_threads: write mp::Thread, Python's threading.Thread, in C++.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first; HINTS.md helps when you are stuck. Check your work:
//
//   bazel test //katas/01_threads/...
//   bazel test --config=tsan //katas/01_threads/...   (no data races either)
#include "katas/01_threads/thread.h"

#include <condition_variable>
#include <mutex>

#include "common/not_implemented.h"

namespace mp {

// TODO(kata): decide what the owner (join, is_alive) needs to learn from the
// running thread, and what they need to wait on. It is shared through a
// std::shared_ptr, so it outlives whichever side finishes first.
struct Thread::State {};

Thread::~Thread() {
  // TODO(kata): a started Thread that was never joined must be joined here.
  // Careful: destroying a std::thread that is still joinable calls
  // std::terminate and ends the whole program.
}

void Thread::start() {
  // TODO(kata): refuse a second start, make the State, and start a
  // std::thread that runs target_ and then tells the State it has finished.
  // An exception from the target must be caught and printed, not escape.
  throw NotImplemented("Thread::start", "run target_ on a new std::thread");
}

void Thread::join() {
  // TODO(kata): wait, with no time limit, for the target to return.
  throw NotImplemented("Thread::join", "wait until the target has returned");
}

bool Thread::join(Timeout timeout) {
  // TODO(kata): std::thread::join cannot give up after a timeout. Wait for
  // the State to say "finished" instead, and only then join the std::thread.
  (void)timeout;
  throw NotImplemented("Thread::join(timeout)", "wait at most `timeout` for the target");
}

bool Thread::is_alive() const {
  // TODO(kata): started and not yet finished.
  throw NotImplemented("Thread::is_alive", "say whether the target is running");
}

}  // namespace mp
