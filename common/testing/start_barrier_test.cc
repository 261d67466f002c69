#include "common/testing/start_barrier.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "common/testing/child_process_guard.h"

namespace mp::testing {
namespace {

using std::chrono_literals::operator""ms;

// Tests that every thread passes the barrier when all of them arrive.
TEST(StartBarrierTest, ReleasesAllThreadsOnceAllArrive) {
  constexpr int kThreads = 4;
  StartBarrier barrier(kThreads);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      if (barrier.arrive_and_wait()) ++passed;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(passed.load(), kThreads);
  EXPECT_EQ(barrier.arrived(), kThreads);
}

// Tests that a caller who waits for parties that never come gives up and
// reports it, rather than hanging the test.
TEST(StartBarrierTest, ReturnsFalseWhenTheOthersNeverArrive) {
  StartBarrier barrier(2, 50ms);
  EXPECT_FALSE(barrier.arrive_and_wait());
  EXPECT_EQ(barrier.arrived(), 1);
}

// Tests that once broken, the barrier fails later arrivals at once.
TEST(StartBarrierTest, StaysBrokenAfterATimeout) {
  StartBarrier barrier(3, 50ms);
  ASSERT_FALSE(barrier.arrive_and_wait());
  EXPECT_FALSE(barrier.arrive_and_wait());
}

// Tests that a parent and a forked child meet at the same barrier.
TEST(StartBarrierTest, WorksAcrossFork) {
  ChildProcessGuard guard;
  StartBarrier barrier(2);
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    ::_exit(barrier.arrive_and_wait() ? 0 : 1);
  }
  EXPECT_TRUE(barrier.arrive_and_wait());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child did not pass the barrier";
}

// Tests that a barrier for no one is refused with a typed error.
TEST(StartBarrierTest, RejectsFewerThanOneParty) {
  EXPECT_THROW(StartBarrier(0), ValueError);
  EXPECT_THROW(StartBarrier(-3), ValueError);
}

}  // namespace
}  // namespace mp::testing
