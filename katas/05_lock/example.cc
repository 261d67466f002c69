// The seed's program in C++: ten processes each add one to a shared
// counter, holding a Lock that is handed to every worker, and the parent
// prints the total.
//
//   bazel run //solutions/05_lock:example
//   bazel run //katas/05_lock:example        (once your Lock works)
//
// It prints "Final shared value: 10", every time.
#include <cstdio>
#include <functional>
#include <mutex>
#include <vector>

#include "common/not_implemented.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"
#include "katas/05_lock/lock.h"

// Runs in each child. Both arguments are references to the child's copies
// of the parent's objects, and those copies point at the same shared
// mappings: one counter and one lock for all the processes.
void worker(mp::Value<int>& shared_value, mp::Lock& lock) {
  std::lock_guard<mp::Lock> hold(lock);  // Python: with lock:
  ++shared_value.value();
}

int main() {
  try {
    // Made before the processes, so that every child inherits them.
    mp::Value<int> shared_counter(0);
    mp::Lock lock;

    std::vector<mp::Process> processes;
    for (int i = 0; i < 10; ++i) {
      // Process copies its arguments; std::ref hands over references instead.
      processes.emplace_back(worker, std::ref(shared_counter), std::ref(lock));
      processes.back().start();
    }
    for (mp::Process& process : processes) process.join();

    std::printf("Final shared value: %d\n", shared_counter.load());
  } catch (const mp::NotImplemented& todo) {
    std::fprintf(stderr, "%s\n", todo.what());
    return 1;
  }
}
