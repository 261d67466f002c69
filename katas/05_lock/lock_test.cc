// Tests of kata 05_lock: mp::Lock and mp::RLock, Python's
// multiprocessing.Lock and RLock.
//
// Run them with:   bazel test //katas/05_lock/...
// and against the reference solution:   bazel test //solutions/05_lock/...
//
// The other processes are mp::Process (kata 03's reference solution) and
// the shared counter an mp::RawValue (kata 04's). No test sleeps, and only
// one reads the clock, to check that a timed acquire waited at least its
// timeout (a bound from below, which no busy machine can break). A child
// that must hold the lock while the test looks
// tells the test through a pipe that it holds it, then waits on another
// pipe until the test lets it go. Every wait gives up after a long
// patience, or as soon as the child it waits for has ended.

#include "katas/05_lock/lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/errors.h"
#include "common/testing/child_process_guard.h"
#include "common/testing/pipe_notification.h"
#include "common/testing/start_barrier.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"

namespace {

using mp::Process;
using mp::testing::PipeNotification;
using mp::testing::StartBarrier;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;


// A child that acquires `lock`, tells the test it holds it, and keeps it
// until the test calls Release() (or, never released, until it is killed).
// Its exit code is 0 if all went as planned.
class Holder {
 public:
  explicit Holder(mp::internal::RobustLock& lock)
      : child_([this, &lock] {
          if (!lock.acquire()) ::_exit(3);
          holding_.Notify();
          const bool released = release_.Wait();
          lock.release();
          ::_exit(released ? 0 : 4);
        }) {}

  // Starts the child and waits until it holds the lock; false if it never did.
  bool StartAndWaitUntilHolding() {
    child_.start();
    return holding_.Wait(child_.sentinel());
  }

  // Lets the child release the lock and end; returns its exit code.
  int Release() {
    release_.Notify();
    child_.join();
    return child_.exitcode().value_or(-1);
  }

  Process& process() { return child_; }

 private:
  PipeNotification holding_, release_;
  Process child_;
};

// Runs `body` in a child process and returns the child's exit code.
int ExitCodeOfChild(std::function<void()> body) {
  Process child(std::move(body));
  child.start();
  child.join();
  return child.exitcode().value_or(-1);
}

// Every test forks; the guard fails a test that leaves a child behind.
class LockTest : public testing::Test {
 protected:
  mp::testing::ChildProcessGuard guard_;
};
class RLockTest : public LockTest {};

// --- Lock: the basics --------------------------------------------------------

// Tests that a Lock works with std::lock_guard and std::unique_lock, and
// that acquire/release and lock/unlock are the same thing.
TEST_F(LockTest, WorksWithLockGuardAndUniqueLock) {
  mp::Lock lock;
  { std::lock_guard<mp::Lock> hold(lock); }
  {
    std::unique_lock<mp::Lock> hold(lock, std::try_to_lock);
    EXPECT_TRUE(hold.owns_lock());
    hold.unlock();
    EXPECT_TRUE(lock.acquire());
    lock.release();
    hold.lock();
  }
  EXPECT_TRUE(lock.try_lock()) << "the unique_lock did not release the lock";
  lock.unlock();
}

// Tests that a Lock is not re-entrant: its holder's acquire(false) returns
// false, as Python's does.
TEST_F(LockTest, IsNotReentrant) {
  mp::Lock lock;
  ASSERT_TRUE(lock.acquire());
  EXPECT_FALSE(lock.acquire(false));
  // Blocking would wait for ever for itself: the header promises an error
  // instead (and false would let a nested lock_guard "succeed").
  EXPECT_THROW(lock.acquire(), mp::RuntimeError);
  EXPECT_THROW(lock.acquire(true, 10ms), mp::RuntimeError);
  lock.release();
}

// Tests that releasing a Lock nobody holds is a ValueError, both before the
// first acquire and after the release that matched it.
TEST_F(LockTest, ReleaseWhenNotHeldIsAValueError) {
  mp::Lock lock;
  EXPECT_THROW(lock.release(), mp::ValueError);
  ASSERT_TRUE(lock.acquire());
  lock.release();
  EXPECT_THROW(lock.release(), mp::ValueError);
  EXPECT_TRUE(lock.acquire(false)) << "a wrong release broke the lock";
  lock.release();
}

// --- Lock: between processes ------------------------------------------------

// Tests mutual exclusion between processes: ten processes, running at the
// same time, each add one a thousand times to an unlocked shared counter,
// each addition under the Lock, and the total is exact.
TEST_F(LockTest, ExcludesOtherProcesses) {
  constexpr int kProcesses = 10;
  constexpr int kIncrements = 1000;
  mp::Lock lock;
  mp::RawValue<long> counter(0);
  StartBarrier start(kProcesses);
  std::vector<Process> workers;
  for (int i = 0; i < kProcesses; ++i) {
    workers.emplace_back([&] {
      if (!start.arrive_and_wait()) ::_exit(2);
      for (int n = 0; n < kIncrements; ++n) {
        std::lock_guard<mp::Lock> hold(lock);
        ++counter.value();
      }
    });
  }
  for (Process& worker : workers) worker.start();
  for (Process& worker : workers) worker.join();
  for (Process& worker : workers) EXPECT_EQ(worker.exitcode(), 0) << worker.name();
  EXPECT_EQ(counter.value(), long{kProcesses} * kIncrements);
}

// Tests that acquire(false) returns false at once while another process
// holds the Lock, and true once it has released it.
TEST_F(LockTest, AcquireWithoutBlockingFailsWhileAnotherProcessHoldsIt) {
  mp::Lock lock;
  Holder holder(lock);
  ASSERT_TRUE(holder.StartAndWaitUntilHolding()) << "the child never acquired the lock";
  EXPECT_FALSE(lock.acquire(false));
  EXPECT_FALSE(lock.try_lock());
  EXPECT_EQ(holder.Release(), 0);
  EXPECT_TRUE(lock.acquire(false)) << "the lock stayed held after the child released it";
  lock.release();
}

// Tests that acquire with a timeout returns false while another process
// holds the Lock, and true when it is free.
TEST_F(LockTest, AcquireWithTimeoutFailsWhileHeldElsewhereAndSucceedsWhenFree) {
  mp::Lock lock;
  Holder holder(lock);
  ASSERT_TRUE(holder.StartAndWaitUntilHolding()) << "the child never acquired the lock";
  EXPECT_FALSE(lock.acquire(true, 10ms));
  EXPECT_FALSE(lock.acquire(true, 0ms));
  EXPECT_EQ(holder.Release(), 0);
  EXPECT_TRUE(lock.acquire(true, 10ms));
  lock.release();
  EXPECT_TRUE(lock.acquire(true, std::chrono::hours(24 * 365 * 100)))
      << "a huge timeout must not overflow";
  lock.release();
  EXPECT_TRUE(lock.acquire(true, std::chrono::duration<double>(1e12)))
      << "a timeout of 30,000 years, beyond 64-bit nanoseconds, must not overflow";
  lock.release();
}

// Tests that acquire with a timeout waits that long before giving up, a
// fraction of a second included. The wait is only bounded from below,
// which holds however busy the machine is: a deadline on the wrong clock
// (CLOCK_REALTIME given a CLOCK_MONOTONIC time is in 1970) or a timeout
// whose fraction was lost in a conversion gives up at once.
TEST_F(LockTest, AcquireWithATimeoutWaitsThatLongBeforeGivingUp) {
  mp::Lock lock;
  Holder holder(lock);
  ASSERT_TRUE(holder.StartAndWaitUntilHolding()) << "the child never acquired the lock";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(lock.acquire(true, std::chrono::duration<double>(0.05)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms)
      << "acquire(true, 0.05 s) gave up early: is the deadline on CLOCK_MONOTONIC, "
         "with its fraction of a second?";
  EXPECT_EQ(holder.Release(), 0);
}

// Tests that a Lock held by another process cannot be released here: a
// ValueError, and the holder still holds it.
TEST_F(LockTest, ReleaseOfALockHeldByAnotherProcessIsAValueError) {
  mp::Lock lock;
  Holder holder(lock);
  ASSERT_TRUE(holder.StartAndWaitUntilHolding()) << "the child never acquired the lock";
  EXPECT_THROW(lock.release(), mp::ValueError);
  EXPECT_FALSE(lock.acquire(false)) << "the wrong release freed the lock";
  EXPECT_EQ(holder.Release(), 0) << "the holder could not release its own lock";
}

// --- Lock: a holder that dies ------------------------------------------------

// Tests recovery from a holder that exits without releasing: the next
// acquire returns true and reports the dead owner; after a release, the next
// acquire reports nothing.
TEST_F(LockTest, RecoversFromAHolderThatExitedHoldingIt) {
  mp::Lock lock;
  const int code = ExitCodeOfChild([&lock] {
    if (!lock.acquire()) ::_exit(3);
    ::_exit(0);  // without release
  });
  ASSERT_EQ(code, 0);

  ASSERT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.previous_owner_died());
  lock.release();
  ASSERT_TRUE(lock.acquire());
  EXPECT_FALSE(lock.previous_owner_died()) << "the report outlived the acquisition it was about";
  lock.release();
}

// Tests recovery from a holder killed by SIGKILL while it held the lock and
// waited: acquire(false) gets the lock and reports the dead owner.
TEST_F(LockTest, RecoversFromAHolderKilledWhileHoldingIt) {
  mp::Lock lock;
  Holder holder(lock);
  ASSERT_TRUE(holder.StartAndWaitUntilHolding()) << "the child never acquired the lock";
  holder.process().kill();
  holder.process().join();
  EXPECT_EQ(holder.process().exitcode(), -SIGKILL);

  ASSERT_TRUE(lock.acquire(false)) << "the lock stayed held by a dead process";
  EXPECT_TRUE(lock.previous_owner_died());
  lock.release();
  ASSERT_TRUE(lock.acquire(true, 1s));
  EXPECT_FALSE(lock.previous_owner_died());
  lock.release();
}

// Tests that a lock taken from a holder that released it reports no dead
// owner, in this process or another.
TEST_F(LockTest, PreviousOwnerDiedIsFalseAfterAnOrdinaryRelease) {
  mp::Lock lock;
  const int code = ExitCodeOfChild([&lock] {
    if (!lock.acquire()) ::_exit(3);
    lock.release();
  });
  ASSERT_EQ(code, 0);
  ASSERT_TRUE(lock.acquire());
  EXPECT_FALSE(lock.previous_owner_died());
  lock.release();
}

// --- RLock --------------------------------------------------------------------

// Tests that an RLock's holder may acquire it again, and that it stays held
// (another process cannot take it) until as many releases as acquires.
TEST_F(RLockTest, IsReentrantAndCountsReleases) {
  mp::RLock lock;
  auto free_elsewhere = [&lock] {
    return ExitCodeOfChild([&lock] {
      if (!lock.acquire(false)) ::_exit(10);  // 10: held by the parent
      lock.release();
    });
  };
  ASSERT_TRUE(lock.acquire());
  ASSERT_TRUE(lock.acquire());
  ASSERT_TRUE(lock.acquire(false));
  lock.release();
  lock.release();
  EXPECT_EQ(free_elsewhere(), 10) << "released before the third release";
  lock.release();
  EXPECT_EQ(free_elsewhere(), 0) << "still held after three releases of three acquires";
  EXPECT_THROW(lock.release(), mp::RuntimeError) << "a fourth release of three acquires";
}

// Tests that an RLock held by this thread cannot be released by another
// thread: a RuntimeError, and the holder still holds it.
TEST_F(RLockTest, ReleaseByAnotherThreadIsARuntimeError) {
  mp::RLock lock;
  ASSERT_TRUE(lock.acquire());
  std::exception_ptr thrown;
  std::thread other([&] {
    try {
      lock.release();
    } catch (...) {
      thrown = std::current_exception();
    }
  });
  other.join();
  ASSERT_TRUE(thrown != nullptr) << "the other thread released a lock it did not hold";
  EXPECT_THROW(std::rethrow_exception(thrown), mp::RuntimeError);
  lock.release();  // still ours
}

// Tests that an RLock held by this process cannot be released by another
// process: a RuntimeError there, and this process still holds it.
TEST_F(RLockTest, ReleaseByAnotherProcessIsARuntimeError) {
  mp::RLock lock;
  ASSERT_TRUE(lock.acquire());
  const int code = ExitCodeOfChild([&lock] {
    try {
      lock.release();
    } catch (const mp::RuntimeError&) {
      ::_exit(0);
    }
    ::_exit(5);  // released, or threw something else (which Process reports)
  });
  EXPECT_EQ(code, 0) << "the child's release was not a RuntimeError";
  lock.release();  // still ours
  EXPECT_THROW(lock.release(), mp::RuntimeError);
}

// Tests that an RLock held twice by a holder that died is recovered whole:
// one acquire takes it, one release frees it.
TEST_F(RLockTest, RecoversFromAHolderThatExitedHoldingItTwice) {
  mp::RLock lock;
  const int code = ExitCodeOfChild([&lock] {
    if (!lock.acquire() || !lock.acquire()) ::_exit(3);
    ::_exit(0);
  });
  ASSERT_EQ(code, 0);

  ASSERT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.previous_owner_died());
  lock.release();
  EXPECT_THROW(lock.release(), mp::RuntimeError) << "the dead holder's count was kept";
  ASSERT_TRUE(lock.acquire());
  EXPECT_FALSE(lock.previous_owner_died());
  lock.release();
}

}  // namespace
