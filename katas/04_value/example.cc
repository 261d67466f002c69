// A shared counter: four processes each add one to a shared mp::Value a
// thousand times, holding its lock for every increment, and the parent
// prints the total. It is the same every run: 4000.
//
//   bazel run //solutions/04_value:example
//   bazel run //katas/04_value:example        (once your SharedMemory and SharedMutex work)
//
// Take the lock_guard away and the total comes out short on a machine with
// more than one core (kata 05's raw_value_race shows by how much).
#include <cstdio>
#include <mutex>
#include <vector>

#include "common/not_implemented.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"

constexpr int kProcesses = 4;
constexpr int kIncrements = 1000;

// Runs in each child. `counter` is the child's copy of the Value object, but
// that copy points at the same shared mapping as the parent's.
void worker(mp::Value<int>* counter) {
  for (int i = 0; i < kIncrements; ++i) {
    std::lock_guard lock(counter->get_lock());
    ++counter->value();
  }
}

int main() {
  try {
    mp::Value<int> counter(0);  // before the processes: they inherit the mapping
    std::vector<mp::Process> processes;
    for (int i = 0; i < kProcesses; ++i) {
      processes.emplace_back(worker, &counter);
      processes.back().start();
    }
    for (mp::Process& process : processes) process.join();
    std::printf("Final shared value: %d (%d processes x %d increments)\n", counter.load(),
                kProcesses, kIncrements);
  } catch (const mp::NotImplemented& todo) {
    std::fprintf(stderr, "%s\n", todo.what());
    return 1;
  }
}
