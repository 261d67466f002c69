// Reference solution of kata 02_unlocked_counter.
#include "katas/02_unlocked_counter/counter.h"

namespace mp {

void MutexCounter::increment() {
  // `++value_` is a load, an add and a store. Holding the mutex makes the
  // three one step as far as other threads can tell: no other thread can
  // load value_ between our load and our store, so no update is lost. The
  // mutex also orders memory, so the next holder sees our store.
  std::lock_guard<std::mutex> lock(mutex_);
  ++value_;
}

long MutexCounter::value() const {
  // A read concurrent with a write is a data race too (and a torn read on
  // some machines): take the same lock.
  std::lock_guard<std::mutex> lock(mutex_);
  return value_;
}

void AtomicCounter::increment() {
  // fetch_add is one indivisible read-modify-write (`lock xadd` on x86).
  // Relaxed ordering is enough: the counter publishes no other data, it only
  // has to count. Threads that read the total after join() are ordered by
  // the join itself.
  value_.fetch_add(1, std::memory_order_relaxed);
}

long AtomicCounter::value() const { return value_.load(std::memory_order_relaxed); }

}  // namespace mp
