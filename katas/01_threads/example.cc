// The seed's threading example in C++: five threads, each printing its number.
//
//   bazel run //solutions/01_threads:example
//   bazel run //katas/01_threads:example        (once your Thread works)
//
// The order of the lines changes from run to run: the threads really run at
// the same time, and the scheduler decides who prints first.
#include <cstdio>
#include <vector>

#include "katas/01_threads/thread.h"

void worker(int num) { std::printf("Worker %d\n", num); }

int main() {
  std::vector<mp::Thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back(worker, i);
    threads.back().start();
  }
  for (mp::Thread& thread : threads) thread.join();
}
