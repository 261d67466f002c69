// Kata 09_gil: write mp::Gil, a simulated global interpreter lock.
//
// Every function below that throws mp::NotImplemented is yours to write, and
// the constructor has one rule to add. Read README.md first; HINTS.md helps
// when you are stuck. Check your work:
//
//   bazel test //katas/09_gil/...
//   bazel test --config=tsan //katas/09_gil/...   (the GIL must order memory too)
//   bazel run //katas/09_gil:example              (the demo, with your GIL)
#include "katas/09_gil/gil.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/errors.h"
#include "common/not_implemented.h"

namespace mp {

Gil::Gil(std::chrono::microseconds switch_interval) : switch_interval_(switch_interval) {
  // TODO(kata): a zero or negative interval makes no sense. Refuse it with
  // mp::ValueError, as Python's sys.setswitchinterval(0) does.
}

void Gil::WaitForTurn(std::unique_lock<std::mutex>& lock) {
  // TODO(kata): take a ticket and wait until it is served, then record this
  // thread as the holder. While you wait, count: if a whole switch interval
  // passes and the same ticket is still being served, ask the holder to let
  // go (drop_request_). Keep waiting_ up to date.
  (void)lock;
  (void)next_ticket_, (void)now_serving_, (void)drop_request_;  // unused until you write this
  throw NotImplemented("Gil::WaitForTurn", "take a ticket and wait until it is served");
}

void Gil::acquire() {
  // TODO(kata): refuse a thread that already holds the GIL, then wait for a
  // turn. In that order: why?
  throw NotImplemented("Gil::acquire", "wait for a turn with WaitForTurn");
}

void Gil::release() {
  // TODO(kata): only the holder may release. Give the GIL to the next ticket
  // in line, and wake the waiters so that it can notice.
  throw NotImplemented("Gil::release", "serve the next ticket and wake the waiters");
}

bool Gil::checkpoint() {
  // TODO(kata): only the holder may call it. If nobody has asked for the GIL,
  // return false and keep it. Otherwise hand it over as release() does, count
  // the switch, and queue up again behind everyone already waiting.
  // Careful: release() and the accessors (held_by_this_thread(), waiting(),
  // switches()) lock mutex_ themselves. Once you hold mutex_ here, calling
  // them deadlocks this thread: do the hand-over inline, or share a helper
  // that expects the lock held.
  throw NotImplemented("Gil::checkpoint", "hand the GIL over when a waiter asked for it");
}

}  // namespace mp
