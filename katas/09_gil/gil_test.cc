// Tests of kata 09_gil: mp::Gil, a simulated global interpreter lock.
//
// Run them with:   bazel test //katas/09_gil/...
// and against the reference solution:   bazel test //solutions/09_gil/...
//
// No test reads a clock to judge the GIL, and none sleeps to "give a thread
// time". Who holds the GIL, and in which order, is recorded by the holders
// themselves; a thread that must be queued before the next step is waited
// for with Gil::waiting(). The clock appears only as a patience: a broken GIL
// that never lets a thread in makes the test fail after a few seconds
// instead of hanging it.

#include "katas/09_gil/gil.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "common/testing/start_barrier.h"

namespace {

using mp::Gil;
using mp::testing::StartBarrier;
using namespace std::chrono_literals;

// How long a test waits for something that takes microseconds when the GIL
// works. Only a broken GIL ever waits this long.
constexpr std::chrono::seconds kPatience{5};

// Calls acquire(), checkpoint() and release() once on the test thread, so
// that a function not written yet (mp::NotImplemented) fails the test here,
// on the test thread, before any worker thread could meet it.
void ProbeOnThisThread(Gil& gil) {
  gil.acquire();
  (void)gil.checkpoint();
  gil.release();
}

// Spins until `condition` holds, or gives up after kPatience and returns false.
bool WaitUntil(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Calls gil.checkpoint() until it hands the GIL over (and has it back), as
// a computing thread does between steps; false if that did not happen
// within kPatience.
bool CheckpointUntilHandedOver(Gil& gil) {
  return WaitUntil([&gil] { return gil.checkpoint(); });
}

// A one-shot signal with a timed wait (std::latch has none).
class Signal {
 public:
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      notified_ = true;
    }
    changed_.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds patience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, patience, [this] { return notified_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool notified_ = false;
};

// The worker threads of one test. An exception a worker throws is caught on
// its thread and rethrown on the test thread by JoinAll(): escaping a
// std::thread, it would end the whole test program. A worker still blocked
// after kPatience means a GIL that never lets it in (or a checkpoint that
// never lets go): the test program then stops with a message, rather than
// hanging until Bazel's timeout.
class Crew {
 public:
  Crew() = default;
  ~Crew() {
    try {
      JoinAll();
    } catch (...) {
      // The test already failed on its own: it is ending early.
    }
  }
  Crew(const Crew&) = delete;
  Crew& operator=(const Crew&) = delete;

  void Start(std::function<void()> work) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++running_;
    }
    threads_.emplace_back([this, work = std::move(work)] {
      try {
        work();
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --running_;
      }
      done_.notify_all();
    });
  }

  void JoinAll() {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!done_.wait_for(lock, kPatience, [this] { return running_ == 0; })) {
        std::fprintf(stderr,
                     "FAILED %s: %d worker thread(s) still running after %lld s, blocked waiting "
                     "for the GIL or in a checkpoint() that never hands it over. Stopping the test "
                     "program instead of hanging.\n",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name(), running_,
                     static_cast<long long>(kPatience.count()));
        std::fflush(stderr);
        std::_Exit(1);
      }
    }
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    std::exception_ptr error;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      error = std::exchange(error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int running_ = 0;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

// --- The lock itself -------------------------------------------------------

// Tests CPython's default switch interval, sys.getswitchinterval() == 0.005.
TEST(GilTest, SwitchIntervalIsFiveMillisecondsByDefault) {
  Gil gil;
  EXPECT_EQ(gil.switch_interval(), 5ms);
  Gil quick(250us);
  EXPECT_EQ(quick.switch_interval(), 250us);
}

// Tests that one thread can take the GIL, give it back, and take it again.
TEST(GilTest, AcquireAndReleaseFromOneThread) {
  Gil gil;
  EXPECT_FALSE(gil.held_by_this_thread());
  gil.acquire();
  EXPECT_TRUE(gil.held_by_this_thread());
  gil.release();
  EXPECT_FALSE(gil.held_by_this_thread());
  gil.acquire();
  EXPECT_TRUE(gil.held_by_this_thread()) << "the GIL can be taken again after a release";
  gil.release();
}

// Tests that Held holds the GIL for its scope, and Released lets go of it
// for its own, inner scope (Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS).
TEST(GilTest, HeldAndReleasedLastForTheirScope) {
  Gil gil;
  gil.acquire();  // not written yet? then the test fails here, and not in a
  gil.release();  // destructor, where an exception would end the program
  {
    Gil::Held held(gil);
    EXPECT_TRUE(gil.held_by_this_thread());
    {
      Gil::Released io(gil);
      EXPECT_FALSE(gil.held_by_this_thread()) << "Released must let go of the GIL";
    }
    EXPECT_TRUE(gil.held_by_this_thread()) << "the GIL is back at the end of Released";
  }
  EXPECT_FALSE(gil.held_by_this_thread()) << "the GIL is released at the end of Held";
}

// Tests that the GIL is BasicLockable: std::unique_lock works on it.
TEST(GilTest, WorksWithStdUniqueLock) {
  Gil gil;
  gil.acquire();  // as above: fail here rather than in ~unique_lock
  gil.release();
  std::unique_lock<Gil> lock(gil);
  EXPECT_TRUE(gil.held_by_this_thread());
  lock.unlock();
  EXPECT_FALSE(gil.held_by_this_thread());
}

// --- Misuse is a typed error ------------------------------------------------

// Tests that a zero or negative switch interval is refused, as Python's
// sys.setswitchinterval(0) refuses it.
TEST(GilMisuseTest, NonPositiveSwitchIntervalIsAValueError) {
  EXPECT_THROW(Gil gil(0us), mp::ValueError);
  EXPECT_THROW(Gil gil(-1ms), mp::ValueError);
  EXPECT_NO_THROW(Gil gil(1us));
}

// Tests that releasing a GIL nobody holds is an error, not a silent no-op.
TEST(GilMisuseTest, ReleaseWithoutHoldingIsARuntimeError) {
  Gil gil;
  EXPECT_THROW(gil.release(), mp::RuntimeError);
}

// Tests that only the holder may release the GIL: another thread cannot
// take it away from it.
TEST(GilMisuseTest, ReleaseFromAnotherThreadIsARuntimeError) {
  Gil gil;
  gil.acquire();
  Crew crew;
  bool refused = false;  // written by the other thread, read after it is joined
  crew.Start([&] {
    try {
      gil.release();
    } catch (const mp::RuntimeError&) {
      refused = true;
    }
  });
  crew.JoinAll();
  EXPECT_TRUE(refused) << "a thread released a GIL that another thread held";
  EXPECT_TRUE(gil.held_by_this_thread()) << "the holder must still hold the GIL";
  gil.release();
}

// Tests that a thread acquiring the GIL it already holds gets an error instead
// of waiting for itself forever, and that the refused call leaves nothing
// behind: no place in the queue that would block every later thread. It runs
// on a thread of its own, so that an acquire() which does wait for itself
// stops the test program with a message instead of hanging it.
TEST(GilMisuseTest, AcquireTwiceFromOneThreadIsARuntimeError) {
  Gil gil;
  gil.acquire();
  gil.release();
  bool refused = false;  // these three are written by the thread, read after it is joined
  bool still_held = false;
  int waiting_after = -1;
  Crew crew;
  crew.Start([&] {
    gil.acquire();
    try {
      gil.acquire();
    } catch (const mp::RuntimeError&) {
      refused = true;
    }
    still_held = gil.held_by_this_thread();
    waiting_after = gil.waiting();
    gil.release();
  });
  crew.JoinAll();
  EXPECT_TRUE(refused) << "the second acquire() did not throw mp::RuntimeError";
  EXPECT_TRUE(still_held) << "the refused acquire() took the GIL away from its holder";
  EXPECT_EQ(waiting_after, 0) << "the refused acquire() is still counted as waiting";
  crew.Start([&] { Gil::Held held(gil); });  // would block behind a ticket never served
  crew.JoinAll();
}

// Tests that only the holder may call checkpoint().
TEST(GilMisuseTest, CheckpointWithoutHoldingIsARuntimeError) {
  Gil gil;
  EXPECT_THROW(gil.checkpoint(), mp::RuntimeError);
}

// --- Fairness: who gets the GIL, and when ------------------------------------

// Tests that release() hands the GIL to the waiters in the order they asked,
// and that the releasing thread cannot cut in by asking again at once: it
// queues behind them. A plain std::mutex gives no such promise.
TEST(GilFairnessTest, ReleaseServesWaitersInArrivalOrder) {
  Gil gil(std::chrono::hours(1));  // nobody waits long enough to ask for a switch
  std::vector<std::string> order;  // guarded by the GIL itself
  ProbeOnThisThread(gil);
  gil.acquire();
  Crew crew;
  const std::vector<std::string> names = {"first", "second", "third"};
  for (size_t i = 0; i < names.size(); ++i) {
    crew.Start([&gil, &order, name = names[i]] {
      Gil::Held held(gil);
      order.push_back(name);
    });
    // Let each waiter queue up before the next one asks.
    EXPECT_TRUE(WaitUntil([&] { return gil.waiting() == static_cast<int>(i) + 1; }))
        << "waiting() never reached " << i + 1 << "; it is " << gil.waiting();
  }
  gil.release();
  gil.acquire();  // straight back in line
  order.push_back("the old holder");
  gil.release();
  crew.JoinAll();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "third", "the old holder"}));
}

// Tests that checkpoint() keeps the GIL when nobody waits for it.
TEST(GilFairnessTest, CheckpointKeepsTheGilWhileNobodyWaits) {
  Gil gil(1us);
  gil.acquire();
  int handed_over = 0;
  for (int step = 0; step < 1000; ++step) {
    if (gil.checkpoint()) ++handed_over;
  }
  EXPECT_EQ(handed_over, 0) << "checkpoint() handed the GIL over to nobody";
  EXPECT_EQ(gil.switches(), 0);
  EXPECT_TRUE(gil.held_by_this_thread());
  gil.release();
}

// Tests that a waiter alone does not make the holder let go: only a waiter
// that has waited a whole switch interval does (CPython's drop request).
// The interval here is an hour, so no waiter ever gets that far.
TEST(GilFairnessTest, CheckpointKeepsTheGilUntilAWaiterHasWaitedAWholeInterval) {
  Gil gil(std::chrono::hours(1));
  bool waiter_ran = false;  // guarded by the GIL
  ProbeOnThisThread(gil);
  gil.acquire();
  Crew crew;
  crew.Start([&] {
    Gil::Held held(gil);
    waiter_ran = true;
  });
  EXPECT_TRUE(WaitUntil([&] { return gil.waiting() == 1; })) << "the waiter never queued";
  int handed_over = 0;
  for (int step = 0; step < 1000; ++step) {
    if (gil.checkpoint()) ++handed_over;
  }
  EXPECT_EQ(handed_over, 0)
      << "checkpoint() handed over to a thread that had waited less than the switch interval";
  EXPECT_FALSE(waiter_ran);
  EXPECT_EQ(gil.switches(), 0);
  gil.release();
  crew.JoinAll();
  EXPECT_TRUE(waiter_ran) << "release() did not let the waiter in";
}

// Tests that a holder calling checkpoint() between steps lets a waiter in once
// the waiter has waited a switch interval, then gets the GIL back.
TEST(GilFairnessTest, CheckpointHandsOverOnceAWaiterHasWaitedAnInterval) {
  Gil gil(100us);
  bool waiter_ran = false;  // guarded by the GIL
  ProbeOnThisThread(gil);
  gil.acquire();
  Crew crew;
  crew.Start([&] {
    Gil::Held held(gil);
    waiter_ran = true;
  });
  EXPECT_TRUE(CheckpointUntilHandedOver(gil))
      << "checkpoint() kept the GIL for " << kPatience.count()
      << " s although a thread had been waiting for it far longer than the 100 us interval";
  EXPECT_TRUE(waiter_ran) << "checkpoint() returned true, but the waiter never held the GIL";
  EXPECT_TRUE(gil.held_by_this_thread()) << "checkpoint() must return with the GIL held";
  EXPECT_EQ(gil.switches(), 1);
  gil.release();
  crew.JoinAll();
}

// Tests that the holder which hands over at a checkpoint goes to the back of
// the queue: every thread that was already waiting gets its turn first.
TEST(GilFairnessTest, CheckpointSendsTheHolderToTheBackOfTheQueue) {
  Gil gil(100us);
  std::vector<std::string> order;  // guarded by the GIL itself
  ProbeOnThisThread(gil);
  gil.acquire();
  Crew crew;
  crew.Start([&] {
    Gil::Held held(gil);
    order.push_back("first waiter");
  });
  EXPECT_TRUE(WaitUntil([&] { return gil.waiting() == 1; })) << "the first waiter never queued";
  crew.Start([&] {
    Gil::Held held(gil);
    order.push_back("second waiter");
  });
  EXPECT_TRUE(WaitUntil([&] { return gil.waiting() == 2; })) << "the second waiter never queued";
  EXPECT_TRUE(CheckpointUntilHandedOver(gil)) << "checkpoint() never handed the GIL over";
  order.push_back("the old holder");
  gil.release();
  crew.JoinAll();
  EXPECT_EQ(order, (std::vector<std::string>{"first waiter", "second waiter", "the old holder"}));
}

// Tests that no thread starves: N threads that each compute in turns, handing
// over at checkpoints, get the GIL round-robin. Between two turns of any
// thread, each other thread has exactly one turn: a thread that asks for the
// GIL again gets it back within N - 1 hand-overs, however the threads are
// scheduled. The bound counts hand-overs, not time.
TEST(GilFairnessTest, EveryWaiterGetsInWithinOneRoundOfHandOvers) {
  constexpr int kThreads = 4;
  constexpr int kTurns = 5;
  Gil gil(50us);
  std::vector<int> holders;  // who held the GIL, turn by turn; guarded by the GIL
  ProbeOnThisThread(gil);
  gil.acquire();
  Crew crew;
  for (int id = 0; id < kThreads; ++id) {
    crew.Start([&, id] {
      Gil::Held held(gil);
      for (int turn = 0; turn < kTurns; ++turn) {
        holders.push_back(id);
        // Compute until a waiter asks for the GIL; the last turn just ends.
        if (turn + 1 < kTurns && !CheckpointUntilHandedOver(gil)) {
          throw std::runtime_error("checkpoint() never handed the GIL over to a waiting thread");
        }
      }
    });
  }
  EXPECT_TRUE(WaitUntil([&] { return gil.waiting() == kThreads; }))
      << "only " << gil.waiting() << " of " << kThreads << " threads ever queued";
  gil.release();
  crew.JoinAll();

  // The first round is the order the threads happened to queue in; every
  // later round must repeat it.
  ASSERT_EQ(holders.size(), static_cast<size_t>(kThreads * kTurns));
  std::vector<int> expected;
  for (int turn = 0; turn < kTurns; ++turn) {
    expected.insert(expected.end(), holders.begin(), holders.begin() + kThreads);
  }
  EXPECT_EQ(holders, expected) << "the GIL did not go round-robin: some thread got a second turn "
                                  "while another one was still waiting for its first";
}

// --- The Python texts' claims, without a clock ----------------------------------

// Tests that the GIL lets one thread compute at a time. The threads take
// turns as in EveryWaiterGetsInWithinOneRoundOfHandOvers, each turn as many
// steps as fit before a waiter asks for the GIL, and no two steps ever
// overlap. The step counter is a plain long, so ThreadSanitizer also checks
// that the GIL orders each holder's writes before the next holder's reads
// (run it with --config=tsan). Every turn but the last ends in exactly one
// hand-over, so switches() is known in advance.
TEST(GilWorkloadTest, NeverTwoHoldersAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kTurns = 10;
  Gil gil(10us);
  ProbeOnThisThread(gil);
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<long> steps_counted{0};
  long steps_done = 0;  // not atomic: only the GIL stands between the threads
  gil.acquire();
  Crew crew;
  for (int id = 0; id < kThreads; ++id) {
    crew.Start([&] {
      Gil::Held held(gil);
      long my_steps = 0;
      for (int turn = 0; turn < kTurns; ++turn) {
        const bool last_turn = turn + 1 == kTurns;
        const auto deadline = std::chrono::steady_clock::now() + kPatience;
        do {
          if (inside.fetch_add(1) != 0) ++overlaps;
          ++steps_done;  // one step of "Python code"
          ++my_steps;
          inside.fetch_sub(1);
          if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("checkpoint() never handed the GIL over to a waiting thread");
          }
        } while (!last_turn && !gil.checkpoint());
      }
      steps_counted += my_steps;
    });
  }
  EXPECT_TRUE(WaitUntil([&] { return gil.waiting() == kThreads; }))
      << "only " << gil.waiting() << " of " << kThreads << " threads ever queued";
  gil.release();
  crew.JoinAll();
  EXPECT_EQ(overlaps.load(), 0) << "two threads held the GIL at the same time";
  EXPECT_EQ(steps_done, steps_counted.load()) << "steps were lost: two holders overlapped";
  EXPECT_EQ(gil.switches(), long{kThreads} * (kTurns - 1));
}

// Tests that a thread blocked inside Released does not hold the GIL: it waits
// for a signal that only a thread holding the GIL sends. If Released kept
// the GIL, neither could go on (a deadlock); the wait's patience turns that
// into a failure.
TEST(GilWorkloadTest, ReleasedLetsAnotherThreadInDuringABlockingWait) {
  Gil gil;
  Signal reply;
  ProbeOnThisThread(gil);
  gil.acquire();
  Crew crew;
  crew.Start([&] {
    Gil::Held held(gil);  // the "server" needs the GIL to answer
    reply.Notify();
  });
  bool answered = false;
  {
    Gil::Released io(gil);  // the blocking "read": like Py_BEGIN_ALLOW_THREADS
    answered = reply.WaitFor(kPatience);
  }
  EXPECT_TRUE(gil.held_by_this_thread()) << "the GIL is back after Released";
  gil.release();
  crew.JoinAll();
  EXPECT_TRUE(answered) << "the other thread never got the GIL while this one waited in Released";
}

// Tests why Python threads suit I/O-bound work: threads that block inside
// Released all wait AT THE SAME TIME, GIL or not. Each one's "I/O" is a
// barrier that opens only when all of them are inside it.
TEST(GilWorkloadTest, IoBoundThreadsWaitAtTheSameTime) {
  constexpr int kThreads = 4;
  Gil gil;
  ProbeOnThisThread(gil);
  StartBarrier all_waiting(kThreads, kPatience);
  std::vector<char> overlapped(kThreads, false);  // each thread writes its own
  Crew crew;
  for (int id = 0; id < kThreads; ++id) {
    crew.Start([&, id] {
      Gil::Held held(gil);    // a Python thread runs...
      Gil::Released io(gil);  // ...and blocks on I/O
      overlapped[id] = all_waiting.arrive_and_wait();
    });
  }
  crew.JoinAll();
  for (int id = 0; id < kThreads; ++id) {
    EXPECT_TRUE(overlapped[id]) << "thread " << id << " waited alone: only "
                                << all_waiting.arrived() << " of " << kThreads
                                << " threads were ever waiting at once";
  }
}

}  // namespace
