// How fast mp::Queue carries messages from one process to another.
//
//   bazel run -c opt //tools/bench:queue_benchmark
//
// A producer (this process) puts messages as fast as it can; a consumer
// process gets them. The figure is the pipeline's throughput: messages/s
// (items_per_second) and bytes/s, for 8-byte, 1 KiB and 64 KiB messages,
// both raw (MessageQueue: bytes) and as objects (Queue<std::string>: with
// the codec's encoding and decoding).
#include <string>

#include <benchmark/benchmark.h>

#include "katas/03_process/process.h"
#include "katas/07_queue/queue.h"

namespace {

constexpr std::size_t kCapacity = std::size_t{4} << 20;  // 4 MiB of ring

// Runs `consume` in a child process until it returns, around the timed loop.
template <typename QueueType, typename Message>
void RunPipeline(benchmark::State& state, QueueType& queue, const Message& message,
                 const Message& stop) {
  mp::Process consumer([&queue, &stop] {
    while (queue.get() != stop) {
    }
  });
  consumer.start();
  for (auto _ : state) queue.put(message);
  queue.put(stop);
  consumer.join();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(state.range(0)));
}

void BM_MessageQueueBytes(benchmark::State& state) {
  mp::MessageQueue queue(0, kCapacity);
  const std::string message(static_cast<std::size_t>(state.range(0)), 'x');
  RunPipeline(state, queue, message, std::string());  // an empty message stops
}
BENCHMARK(BM_MessageQueueBytes)->Arg(8)->Arg(1024)->Arg(64 * 1024)->UseRealTime();

void BM_QueueOfStrings(benchmark::State& state) {
  mp::Queue<std::string> queue(0, kCapacity);
  const std::string message(static_cast<std::size_t>(state.range(0)), 'x');
  RunPipeline(state, queue, message, std::string());
}
BENCHMARK(BM_QueueOfStrings)->Arg(8)->Arg(1024)->Arg(64 * 1024)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
