// How many updates does an unlocked counter lose, and what does fixing it cost?
//
//   bazel run //katas/02_unlocked_counter:example       (your counters)
//   bazel run //solutions/02_unlocked_counter:example   (the reference)
//
// It counts the same increments three ways: with no lock at all (a racy
// counter written here on purpose, so the loss is always on show), with your
// MutexCounter and with your AtomicCounter. Lost updates vary from run to run
// and machine to machine; on one core they may all but vanish, which is
// exactly why a correct total proves nothing. Timings are a rough guide.
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "common/not_implemented.h"
#include "katas/02_unlocked_counter/counter.h"

namespace {

constexpr int kThreads = 4;
constexpr long kIncrementsPerThread = 1'000'000;

// The bug this kata is about, kept here as a specimen. A data race is
// undefined behaviour: never write this outside a demonstration.
struct RacyCounter {
  long count = 0;
  [[gnu::noinline]] void increment() { ++count; }
  long value() const { return count; }
};

template <typename Counter>
void Measure(const char* label) {
  // Try the counter once on this thread first: a starter's NotImplemented
  // thrown inside a std::thread would end the program.
  try {
    Counter probe;
    probe.increment();
    (void)probe.value();
  } catch (const mp::NotImplemented&) {
    std::printf("%-14s not written yet\n", label);
    return;
  }
  Counter counter;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&counter] {
      for (long k = 0; k < kIncrementsPerThread; ++k) counter.increment();
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto elapsed = std::chrono::duration<double, std::milli>(
      std::chrono::steady_clock::now() - start);
  const long expected = kThreads * kIncrementsPerThread;
  const long lost = expected - counter.value();
  std::printf("%-14s %9ld   lost %9ld (%4.1f%%)   %7.1f ms\n", label, counter.value(), lost,
              100.0 * static_cast<double>(lost) / static_cast<double>(expected), elapsed.count());
}

}  // namespace

int main() {
  std::printf("%d threads x %ld increments = %ld expected (%u cores)\n\n", kThreads,
              kIncrementsPerThread, kThreads * kIncrementsPerThread,
              std::thread::hardware_concurrency());
  Measure<RacyCounter>("no lock");
  Measure<mp::MutexCounter>("MutexCounter");
  Measure<mp::AtomicCounter>("AtomicCounter");
}
