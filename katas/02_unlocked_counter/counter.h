// Two counters that many threads can increment at once, without losing a
// single update: one guarded by a mutex, one made of an atomic.
//
//   mp::MutexCounter hits;
//   // ... on any number of threads at once:
//   hits.increment();
//   // ... once they are joined:
//   std::printf("%ld\n", hits.value());
//
// Python                                     C++
//   counter += 1   (in threads: loses updates)  ++value_   (a data race: undefined!)
//   with lock: counter += 1                     MutexCounter::increment()
//   (no atomics in pure Python)                 AtomicCounter::increment()
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the member functions in counter.cc.

#ifndef MPKATA_KATAS_02_UNLOCKED_COUNTER_COUNTER_H_
#define MPKATA_KATAS_02_UNLOCKED_COUNTER_COUNTER_H_

#include <atomic>
#include <mutex>

namespace mp {

// A counter whose every access holds a mutex. Any number of threads may call
// increment() and value() at the same time.
class MutexCounter {
 public:
  // Adds one. Safe to call from many threads at once.
  void increment();

  // The count so far: every increment() that returned before this call
  // started is counted. Safe to call while other threads increment.
  long value() const;

 private:
  mutable std::mutex mutex_;  // guards value_ (mutable: value() locks it too)
  long value_ = 0;
};

// A counter that is a single atomic integer: no lock, the processor's atomic
// add does the work. Same contract as MutexCounter.
class AtomicCounter {
 public:
  void increment();
  long value() const;

 private:
  std::atomic<long> value_{0};
};

}  // namespace mp

#endif  // MPKATA_KATAS_02_UNLOCKED_COUNTER_COUNTER_H_
