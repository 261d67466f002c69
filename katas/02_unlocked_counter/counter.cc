// Kata 02_unlocked_counter: make the counters lose no updates.
//
// MutexCounter below is the classic unlocked counter: correct with one
// thread, wrong with two. Run the tests under ThreadSanitizer to see why:
//
//   bazel test --config=tsan //katas/02_unlocked_counter/...
//
// (tools/kata runs this kata under tsan by default.) Read README.md first;
// HINTS.md helps when you are stuck.
#include "katas/02_unlocked_counter/counter.h"

#include "common/not_implemented.h"

namespace mp {

void MutexCounter::increment() {
  // TODO(kata): ThreadSanitizer reports a data race on this line. `++value_`
  // is three steps (load, add, store), and two threads can interleave them.
  // Hold mutex_ while you touch value_.
  ++value_;
}

long MutexCounter::value() const {
  // TODO(kata): reading while another thread writes is a data race too.
  return value_;
}

void AtomicCounter::increment() {
  // TODO(kata): one atomic read-modify-write, no lock. Beware: a load()
  // followed by a store() is two atomic steps, and loses updates between them.
  throw NotImplemented("AtomicCounter::increment", "add one to value_ in ONE atomic operation");
}

long AtomicCounter::value() const {
  // TODO(kata): read value_ atomically.
  throw NotImplemented("AtomicCounter::value", "load value_ atomically");
}

}  // namespace mp
