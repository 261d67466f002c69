// A parent and a child process exchanging objects over a Pipe: the parent
// sends lists of numbers, the child sends back each list's sum, and an empty
// list tells it to stop.
//
//   bazel run //solutions/06_pipe:example
//   bazel run //katas/06_pipe:example        (once your Connection works)
//
// The child's Connection is its own copy of the descriptor, made by fork.
// The parent closes ITS copy of the child's end right after start(): if it
// kept it, the channel would stay open even after the child died, and a recv
// waiting for the child's answer would wait forever instead of getting
// mp::EOFError.
#include <cstdio>
#include <functional>
#include <numeric>
#include <vector>

#include "common/not_implemented.h"
#include "katas/03_process/process.h"
#include "katas/06_pipe/connection.h"

// The child: receive lists until an empty one, answer each with its sum.
void Summer(mp::Connection& parent) {
  for (;;) {
    const auto numbers = parent.recv<std::vector<long>>();
    if (numbers.empty()) return;
    parent.send(std::accumulate(numbers.begin(), numbers.end(), 0L));
  }
}

int main() {
  try {
    auto [parent_end, child_end] = mp::Pipe();
    mp::Process child(Summer, std::ref(child_end));
    child.start();
    child_end.close();  // the child has its own copy

    const std::vector<std::vector<long>> lists = {{1, 2, 3}, {10, 20, 30, 40}, {-5, 5}, {7}};
    for (const std::vector<long>& numbers : lists) {
      parent_end.send(numbers);
      std::printf("sum of %zu numbers: %ld\n", numbers.size(), parent_end.recv<long>());
    }
    parent_end.send(std::vector<long>{});  // stop
    child.join();
    std::printf("child exited with %d\n", child.exitcode().value_or(-1));
  } catch (const mp::NotImplemented& todo) {
    std::fprintf(stderr, "%s\n", todo.what());
    return 1;
  }
}
