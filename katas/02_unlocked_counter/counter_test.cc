// Tests of kata 02_unlocked_counter: counters that many threads increment.
//
// The plain build cannot prove a counter right: an unlocked counter often
// happens to print the right total. So this kata's tests run under
// ThreadSanitizer, which reports the race itself, every run, lost update or
// not:
//
//   bazel test --config=tsan //katas/02_unlocked_counter/...
//
// No test here hopes to lose an update: the totals are checked, but the
// race is what fails the starter.

#include "katas/02_unlocked_counter/counter.h"

#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/start_barrier.h"

namespace {

using mp::testing::StartBarrier;

// Both counters meet the same contract, so every test runs on both.
template <typename Counter>
class CounterTest : public testing::Test {};

class CounterNames {
 public:
  template <typename Counter>
  static std::string GetName(int) {
    return std::is_same_v<Counter, mp::MutexCounter> ? "MutexCounter" : "AtomicCounter";
  }
};

using Counters = testing::Types<mp::MutexCounter, mp::AtomicCounter>;
TYPED_TEST_SUITE(CounterTest, Counters, CounterNames);

// Sized so that the threads overlap for long enough that ThreadSanitizer
// sees the unlocked increments race on every run, yet short under tsan.
constexpr int kThreads = 4;
constexpr int kIncrementsPerThread = 20'000;

// Runs `threads` threads that start together, each calling `work`. An
// exception thrown by `work` (a starter's mp::NotImplemented, say) is
// rethrown here once all threads are joined, so the test fails with its
// message; leaving a std::thread it would end the whole test program.
void RunTogether(int threads, const std::function<void()>& work) {
  StartBarrier start(threads + 1);
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      // If the barrier broke, the threads still run, just not together.
      (void)start.arrive_and_wait();
      try {
        work();
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  (void)start.arrive_and_wait();
  for (std::thread& thread : running) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// Tests that a new counter is zero.
TYPED_TEST(CounterTest, StartsAtZero) {
  TypeParam counter;
  EXPECT_EQ(counter.value(), 0);
}

// Tests counting on one thread, where even an unlocked counter is right.
TYPED_TEST(CounterTest, CountsIncrementsFromOneThread) {
  TypeParam counter;
  for (int i = 0; i < 1000; ++i) counter.increment();
  EXPECT_EQ(counter.value(), 1000);
}

// Tests that no increment is lost when threads increment at the same time.
TYPED_TEST(CounterTest, CountsEveryIncrementFromManyThreads) {
  TypeParam counter;
  RunTogether(kThreads, [&] {
    for (int i = 0; i < kIncrementsPerThread; ++i) counter.increment();
  });
  EXPECT_EQ(counter.value(), long{kThreads} * kIncrementsPerThread)
      << "updates were lost: two threads read the same old value and both wrote old + 1";
}

// Tests that value() may be read while other threads increment, and that the
// readings never go backwards or past the final total.
TYPED_TEST(CounterTest, ValueCanBeReadWhileOthersIncrement) {
  TypeParam counter;
  const long total = long{kThreads - 1} * kIncrementsPerThread;
  std::vector<long> readings;
  std::atomic<int> next_thread{0};
  // One of the threads reads while the others increment.
  RunTogether(kThreads, [&] {
    if (next_thread++ == 0) {
      for (int k = 0; k < 1000; ++k) readings.push_back(counter.value());
    } else {
      for (int k = 0; k < kIncrementsPerThread; ++k) counter.increment();
    }
  });

  for (size_t k = 1; k < readings.size(); ++k) {
    ASSERT_LE(readings[k - 1], readings[k]) << "the count went backwards";
  }
  EXPECT_LE(readings.back(), total) << "a reading above the total: value() saw a count nobody made";
  EXPECT_EQ(counter.value(), total)
      << "updates were lost: two threads read the same old value and both wrote old + 1";
}

}  // namespace
