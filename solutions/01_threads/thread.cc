// Reference solution of kata 01_threads: mp::Thread over std::thread.
#include "katas/01_threads/thread.h"

#include <condition_variable>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>

namespace mp {

// The owner must learn one thing from the running thread: that the target
// has returned. A flag under a mutex, with a condition variable to wait on,
// gives join(timeout) something to wait for with a deadline, which
// std::thread::join cannot do. Lock and flag also order memory: whatever
// the target wrote before it set `finished` is visible to the owner once
// it has seen `finished` (the mutex makes the "happens-before" edge), which
// is why results written by workers can be read after join without a race.
//
// `runner` lets join() recognise a thread that tries to join itself. It is
// set by the new thread, under the mutex, before the target runs: comparing
// with `thread_` instead would read a member the owner may still be writing.
struct Thread::State {
  std::mutex mutex;
  std::condition_variable finished_changed;
  bool finished = false;
  std::thread::id runner;
};

Thread::~Thread() {
  // A moved-from Thread owns nothing; a thread that joins itself cannot wait
  // for itself, so it lets go and the thread ends on its own.
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
    return;
  }
  thread_.join();
}

void Thread::start() {
  if (state_) throw RuntimeError("threads can only be started once (" + name_ + ")");
  state_ = std::make_shared<State>();
  // The new thread gets its own copies of the shared_ptr and the name, never
  // `this`: the Thread object may be moved (in a vector) while it runs.
  thread_ = std::thread([state = state_, target = std::move(target_), name = name_] {
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->runner = std::this_thread::get_id();
    }
    // An exception leaving a std::thread's function calls std::terminate and
    // ends the whole process; Python only prints it, and so does mp.
    try {
      target();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "Exception in thread %s: %s\n", name.c_str(), error.what());
    } catch (...) {
      std::fprintf(stderr, "Exception in thread %s: (not a std::exception)\n", name.c_str());
    }
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->finished = true;
    }
    state->finished_changed.notify_all();
  });
}

void Thread::join() {
  while (!join(Timeout::max())) {
  }
}

bool Thread::join(Timeout timeout) {
  if (!state_) throw RuntimeError("cannot join thread before it is started (" + name_ + ")");
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (state_->runner == std::this_thread::get_id()) {
      throw RuntimeError("cannot join current thread (" + name_ + ")");
    }
    // wait_for with a huge duration overflows the clock arithmetic; cap it.
    const auto patience = std::min<Timeout>(std::max(timeout, Timeout::zero()),
                                            std::chrono::hours(24 * 365));
    if (!state_->finished_changed.wait_for(lock, patience, [&] { return state_->finished; })) {
      return false;
    }
  }
  // The target has returned, so the thread is about to end: this join is
  // brief. Joining again after a first successful join does nothing.
  if (thread_.joinable()) thread_.join();
  return true;
}

bool Thread::is_alive() const {
  if (!state_) return false;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return !state_->finished;
}

}  // namespace mp
