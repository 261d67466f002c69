// The seed's multiprocessing example in C++: five processes, each printing
// its number.
//
//   bazel run //solutions/03_process:example
//   bazel run //katas/03_process:example        (once your Process works)
//   bazel run //katas/03_process:example | cat  (stdout a pipe: see README.md)
//
// The order of the lines changes from run to run: the children really run
// at the same time, and the scheduler decides who prints first. Each worker
// prints from its own process; piped into `cat`, stdout is fully buffered,
// and only a child that flushes before _exit gets its line out at all.
#include <cstdio>
#include <vector>

#include "common/not_implemented.h"
#include "katas/03_process/process.h"

void worker(int num) { std::printf("Worker %d\n", num); }

int main() {
  try {
    std::vector<mp::Process> processes;
    for (int i = 0; i < 5; ++i) {
      processes.emplace_back(worker, i);
      processes.back().start();
    }
    for (mp::Process& process : processes) process.join();
  } catch (const mp::NotImplemented& todo) {
    std::fprintf(stderr, "%s\n", todo.what());
    return 1;
  }
}
