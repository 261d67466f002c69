// A producer/consumer pipeline over mp::Queue, stopped by a sentinel.
//
//   bazel run //solutions/07_queue:example
//
// Two producer processes put work items; two consumer processes square
// them and put the results on a second queue; when the producers are done,
// the parent puts one sentinel per consumer ("no more work"), so each
// consumer stops after the real work, never in the middle of it.
#include <cstdio>
#include <vector>

#include "katas/03_process/process.h"
#include "katas/07_queue/queue.h"

namespace {

constexpr int kStop = -1;  // the sentinel: no real item is negative

void Produce(mp::Queue<int>& work, int first, int count) {
  for (int item = first; item < first + count; ++item) work.put(item);
}

void Consume(mp::Queue<int>& work, mp::Queue<long>& results) {
  for (int item = work.get(); item != kStop; item = work.get()) {
    results.put(static_cast<long>(item) * item);
  }
}

}  // namespace

int main() {
  mp::Queue<int> work(/*maxsize=*/16);
  mp::Queue<long> results;
  constexpr int kItemsPerProducer = 50;

  std::vector<mp::Process> producers, consumers;
  producers.emplace_back(Produce, std::ref(work), 1, kItemsPerProducer);
  producers.emplace_back(Produce, std::ref(work), 1 + kItemsPerProducer, kItemsPerProducer);
  consumers.emplace_back(Consume, std::ref(work), std::ref(results));
  consumers.emplace_back(Consume, std::ref(work), std::ref(results));
  for (mp::Process& process : producers) process.start();
  for (mp::Process& process : consumers) process.start();

  for (mp::Process& producer : producers) producer.join();
  for (std::size_t i = 0; i < consumers.size(); ++i) work.put(kStop);
  for (mp::Process& consumer : consumers) consumer.join();

  long total = 0;
  std::size_t received = 0;
  while (!results.empty()) {
    total += results.get();
    ++received;
  }
  std::printf("%zu results, sum of squares 1..%d = %ld\n", received, 2 * kItemsPerProducer, total);
}
