// What the mp library's processes, shared values and locks cost, next to
// the system calls and pthread objects underneath them.
//
//   bazel run -c opt //tools/bench:process_and_lock_benchmark
//
// - Process start+join: mp::Process around an empty target, against a raw
//   fork() + _exit(0) + waitpid().
// - Value increments under its lock: std::lock_guard on get_lock() and ++,
//   in one process (uncontended) and in two processes at once (contended),
//   against the same ++ under a raw process-shared pthread mutex.
// - Lock uncontended: mp::Lock acquire+release, against a raw
//   process-shared pthread mutex lock+unlock.
//
// The contended variants count every increment, the rival process's too,
// and report them as total_per_second: two processes sharing one lock get
// through that many increments a second between them.
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include <benchmark/benchmark.h>

#include "common/pthread_attributes.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"
#include "katas/05_lock/lock.h"
#include "tools/bench/bench_util.h"

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

// Sets total_per_second from a shared counter read before and after the
// timed loop: every increment, by either process, in the loop's real time.
void ReportTotal(benchmark::State& state, long before, long after) {
  state.counters["total_per_second"] =
      benchmark::Counter(static_cast<double>(after - before), benchmark::Counter::kIsRate);
}

void BM_ValueLockedIncrement(benchmark::State& state) {
  mp::Value<long> counter(0);
  for (auto _ : state) {
    std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
    ++counter.value();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValueLockedIncrement)->UseRealTime();

// Two processes increment at once: a child hammers the same Value while the
// parent's timed loop runs, and is stopped through a flag in shared memory.
// (The rival is an mpbench::ChildProcess, not an mp::Process: it is not what
// is measured, and it must die with this process if a timeout kills it.)
void BM_ValueLockedIncrementContended(benchmark::State& state) {
  mp::Value<long> counter(0);
  mp::RawValue<int> stop(0);
  mpbench::ChildProcess rival([&counter, &stop] {
    while (__atomic_load_n(&stop.value(), __ATOMIC_RELAXED) == 0) {
      std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
      ++counter.value();
    }
  });
  auto read = [&counter] {
    std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
    return counter.value();
  };
  // Start timing once the rival is incrementing: a fork can take
  // milliseconds to be scheduled, and until then there is no contention.
  while (read() == 0) ::sched_yield();
  const long before = read();
  for (auto _ : state) {
    std::lock_guard<mp::SharedMutex> lock(counter.get_lock());
    ++counter.value();
  }
  const long after = read();
  __atomic_store_n(&stop.value(), 1, __ATOMIC_RELAXED);
  rival.Join();
  state.SetItemsProcessed(state.iterations());
  ReportTotal(state, before, after);
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
BENCHMARK(BM_LockAcquireRelease)->UseRealTime();

// A plain process-shared pthread mutex (not robust, unlike mp's) and a
// counter, in one shared mapping: the raw limit for Lock and Value.
struct RawLockedCounter {
  RawLockedCounter() {
    mp::MutexAttributes attributes;
    mp::CheckPthread("pthread_mutexattr_setpshared",
                     pthread_mutexattr_setpshared(attributes.get(), PTHREAD_PROCESS_SHARED));
    mp::CheckPthread("pthread_mutex_init", pthread_mutex_init(&mutex, attributes.get()));
  }
  pthread_mutex_t mutex;
  long value = 0;
  std::atomic<int> stop{0};
};

void BM_RawProcessSharedMutex(benchmark::State& state) {
  mpbench::Shared<RawLockedCounter> shared;
  for (auto _ : state) {
    pthread_mutex_lock(&shared->mutex);
    pthread_mutex_unlock(&shared->mutex);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawProcessSharedMutex)->UseRealTime();

void BM_RawSharedMutexIncrement(benchmark::State& state) {
  mpbench::Shared<RawLockedCounter> shared;
  auto increment = [&shared] {
    pthread_mutex_lock(&shared->mutex);
    ++shared->value;
    pthread_mutex_unlock(&shared->mutex);
  };
  for (auto _ : state) increment();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSharedMutexIncrement)->UseRealTime();

void BM_RawSharedMutexIncrementContended(benchmark::State& state) {
  mpbench::Shared<RawLockedCounter> shared;
  auto increment = [&shared] {
    pthread_mutex_lock(&shared->mutex);
    ++shared->value;
    pthread_mutex_unlock(&shared->mutex);
  };
  auto read = [&shared] {
    pthread_mutex_lock(&shared->mutex);
    const long value = shared->value;
    pthread_mutex_unlock(&shared->mutex);
    return value;
  };
  mpbench::ChildProcess rival([&shared, &increment] {
    while (shared->stop.load(std::memory_order_relaxed) == 0) increment();
  });
  while (read() == 0) ::sched_yield();  // as in BM_ValueLockedIncrementContended
  const long before = read();
  for (auto _ : state) increment();
  const long after = read();
  shared->stop.store(1, std::memory_order_relaxed);
  rival.Join();
  state.SetItemsProcessed(state.iterations());
  ReportTotal(state, before, after);
}
BENCHMARK(BM_RawSharedMutexIncrementContended)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
