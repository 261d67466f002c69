// What the mp library's processes, shared values and locks cost, next to
// the system calls and pthread objects underneath them.
//
//   bazel run -c opt //tools/bench:process_and_lock_benchmark
//
// - Process start+join: mp::Process around an empty target, against a raw
//   fork() + _exit(0) + waitpid().
// - Value increments under its lock: std::lock_guard on get_lock() and ++,
//   in one process (uncontended) and in two processes at once (contended).
// - Lock uncontended: mp::Lock acquire+release, against a raw
//   process-shared pthread mutex lock+unlock.
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>

#include <benchmark/benchmark.h>

#include "common/pthread_attributes.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"
#include "katas/05_lock/lock.h"

namespace {

void BM_ProcessStartJoin(benchmark::State& state) {
  for (auto _ : state) {
    mp::Process process([] {});
    process.start();
    process.join();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProcessStartJoin)->UseRealTime();

void BM_RawForkWaitpid(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    if (pid == -1 || ::waitpid(pid, nullptr, 0) != pid) {
      state.SkipWithError("fork or waitpid failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawForkWaitpid)->UseRealTime();

void BM_ValueLockedIncrement(benchmark::State& state) {
  mp::Value<long> counter(0);
  for (auto _ : state) {
    std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
    ++counter.value();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValueLockedIncrement);

// Two processes increment at once: a child hammers the same Value while the
// parent's timed loop runs, and is stopped through a flag in shared memory.
void BM_ValueLockedIncrementContended(benchmark::State& state) {
  mp::Value<long> counter(0);
  mp::RawValue<int> stop(0);
  mp::Process rival([&counter, &stop] {
    while (__atomic_load_n(&stop.value(), __ATOMIC_RELAXED) == 0) {
      std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
      ++counter.value();
    }
  });
  rival.start();
  for (auto _ : state) {
    std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
    ++counter.value();
  }
  __atomic_store_n(&stop.value(), 1, __ATOMIC_RELAXED);
  rival.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValueLockedIncrementContended)->UseRealTime();

void BM_LockAcquireRelease(benchmark::State& state) {
  mp::Lock lock;
  for (auto _ : state) {
    lock.acquire();
    lock.release();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LockAcquireRelease);

void BM_RawProcessSharedMutex(benchmark::State& state) {
  pthread_mutex_t mutex;
  mp::MutexAttributes attributes;
  pthread_mutexattr_setpshared(attributes.get(), PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&mutex, attributes.get());
  for (auto _ : state) {
    pthread_mutex_lock(&mutex);
    pthread_mutex_unlock(&mutex);
  }
  pthread_mutex_destroy(&mutex);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawProcessSharedMutex);

}  // namespace

BENCHMARK_MAIN();
