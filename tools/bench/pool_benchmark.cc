// What mp::Pool costs, and what it gains on CPU-bound work.
//
//   bazel run -c opt //tools/bench:pool_benchmark
//
// - BM_PoolCreateTeardown: Pool(2) started and terminated (two forks, the
//   engine thread, two kills and reaps).
// - BM_PoolMapTrivial/CHUNKSIZE: map of an int -> int function over 10,000
//   items, with chunksize 1 (one task per item: the worst case) and 0 (the
//   default chunksize). Counter ns_per_item: the whole map's real time
//   divided by the items.
// - BM_PoolMapCpuBound: map of 1 ms of arithmetic per item (calibrated on
//   this machine, as cpython_bench.py calibrates its own) over 64 items
//   with Pool(2), default chunksize. Counter speedup: the same items run
//   serially in this process, divided by the pool's time (2.0 is perfect
//   on two cores); serial_ms_per_item shows the calibration held.
#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include <benchmark/benchmark.h>

#include "katas/08_pool_map/pool.h"

namespace {

constexpr int kWorkers = 2;

int Increment(int x) { return x + 1; }

// Steps of Spin() that take about a millisecond here. Set before any pool
// exists: the workers are forks, so they see the value too.
std::uint64_t g_spin_steps = 1;

// Arithmetic the optimiser cannot drop: an LCG iterated g_spin_steps times
// from the item. (A fixed count is no good: clang shortens the chain, and
// the same count took a tenth of a millisecond, too little to show what a
// pool gains on work of a millisecond or more.)
std::uint64_t Spin(std::uint64_t seed) {
  std::uint64_t value = seed;
  for (std::uint64_t step = 0; step < g_spin_steps; ++step) {
    value = value * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  return value;
}

// Doubles the steps until Spin() takes a fifth of `target`, then scales.
void CalibrateSpin(std::chrono::duration<double> target) {
  for (g_spin_steps = 1024;; g_spin_steps *= 2) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(Spin(1));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (took >= target / 5) {
      g_spin_steps = static_cast<std::uint64_t>(static_cast<double>(g_spin_steps) * (target / took));
      return;
    }
  }
}

void BM_PoolCreateTeardown(benchmark::State& state) {
  for (auto _ : state) {
    mp::Pool pool(kWorkers);
    benchmark::DoNotOptimize(pool.processes());
  }
}
BENCHMARK(BM_PoolCreateTeardown)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_PoolMapTrivial(benchmark::State& state) {
  const std::size_t chunksize = static_cast<std::size_t>(state.range(0));
  std::vector<int> items(10'000);
  std::iota(items.begin(), items.end(), 0);
  mp::Pool pool(kWorkers);
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto results = chunksize == 0 ? pool.map(Increment, items) : pool.map(Increment, items, chunksize);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(results.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items.size()));
  state.counters["ns_per_item"] =
      seconds * 1e9 / (static_cast<double>(state.iterations()) * static_cast<double>(items.size()));
}
BENCHMARK(BM_PoolMapTrivial)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_PoolMapCpuBound(benchmark::State& state) {
  CalibrateSpin(std::chrono::milliseconds(1));
  std::vector<std::uint64_t> items(64);
  std::iota(items.begin(), items.end(), 1);
  mp::Pool pool(kWorkers);
  double pool_seconds = 0;
  double serial_seconds = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto parallel = pool.map(Spin, items);
    pool_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.PauseTiming();
    start = std::chrono::steady_clock::now();
    std::vector<std::uint64_t> serial;
    for (std::uint64_t item : items) serial.push_back(Spin(item));
    serial_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (serial != parallel) state.SkipWithError("the pool's results differ from the serial ones");
    state.ResumeTiming();
  }
  state.counters["speedup"] = serial_seconds / pool_seconds;
  state.counters["ms_per_item"] = pool_seconds * 1e3 / (static_cast<double>(state.iterations()) * 64.0);
  state.counters["serial_ms_per_item"] =
      serial_seconds * 1e3 / (static_cast<double>(state.iterations()) * 64.0);
}
BENCHMARK(BM_PoolMapCpuBound)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
