// How fast mp::Queue carries messages from one process to another.
//
//   bazel run -c opt //tools/bench:queue_benchmark
//
// A producer (this process) puts messages as fast as it can; a consumer
// process gets them. The figure is the pipeline's throughput, counted when
// the consumer has a message (mpbench::MeasurePipeline): messages/s
// (items_per_second) and bytes/s, for 8-byte, 1 KiB and 64 KiB messages,
// both raw (MessageQueue: bytes) and as objects (Queue<std::string>: with
// the codec's encoding and decoding). boost_queue_benchmark times Boost's
// message_queue with the same harness.
#include <string>

#include <benchmark/benchmark.h>

#include "katas/07_queue/queue.h"
#include "tools/bench/bench_util.h"

namespace {

constexpr std::size_t kCapacity = std::size_t{4} << 20;  // 4 MiB of ring

void BM_MessageQueueBytes(benchmark::State& state) {
  mp::MessageQueue queue(0, kCapacity);
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::string message(size, 'x');
  mpbench::MeasurePipeline(
      state, size, [&] { queue.put(message); },
      [&] { queue.put(std::string()); },  // an empty message stops the consumer
      [&] { return !queue.get().empty(); });
}
BENCHMARK(BM_MessageQueueBytes)->Arg(8)->Arg(1024)->Arg(64 * 1024)->UseManualTime();

void BM_QueueOfStrings(benchmark::State& state) {
  mp::Queue<std::string> queue(0, kCapacity);
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::string message(size, 'x');
  mpbench::MeasurePipeline(
      state, size, [&] { queue.put(message); }, [&] { queue.put(std::string()); },
      [&] { return !queue.get().empty(); });
}
BENCHMARK(BM_QueueOfStrings)->Arg(8)->Arg(1024)->Arg(64 * 1024)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
