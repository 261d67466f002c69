// Tests of kata 08_pool_map: mp::Pool, its results, its errors, its workers.
//
//   bazel test //katas/08_pool_map/...
//   bazel test //solutions/08_pool_map/...
//
// The functions a pool runs are plain functions at namespace scope, as the
// pool requires. They reach the test's pipes through globals the fixture
// sets BEFORE it makes a pool: a worker is a fork, so it sees them too.

#include "katas/08_pool_map/pool.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/child_process_guard.h"
#include "common/testing/pipe_notification.h"
#include "common/testing/start_barrier.h"
#include "common/unique_fd.h"

namespace {

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;
using mp::testing::PipeNotification;

// Generous: only a broken pool makes a test wait this long.
constexpr auto kPatience = 20s;
// How long a blocked task waits to be released before it gives up: longer
// than the test target's own timeout (60 s), so that a pool that wrongly
// waits for a blocked task is caught, not rescued by the task giving up.
constexpr auto kBlockedTaskGivesUp = 120s;

// Set by the fixture for the functions below.
PipeNotification* g_started = nullptr;  // "a task has begun" (to the test)
PipeNotification* g_release = nullptr;  // "go on" (to a blocked task)
mp::testing::StartBarrier* g_barrier = nullptr;
int g_pid_pipe = -1;  // a task writes its worker's pid here

int Square(int x) { return x * x; }
int Identity(int x) { return x; }
int WorkerPid(int) { return static_cast<int>(::getpid()); }
long Add(int a, long b) { return a + b; }
std::string Greeting() { return "hello from a worker"; }

// Blocks the worker until the test says g_release->Notify().
int WaitForRelease(int x) {
  g_started->Notify();
  g_release->Wait(-1, std::chrono::duration_cast<std::chrono::milliseconds>(kBlockedTaskGivesUp));
  return x;
}

// Item 0 blocks until released; the others return at once.
int FirstWaits(int x) { return x == 0 ? WaitForRelease(x) : x; }

// Item 0 returns at once; the others block until released.
int LaterItemsWait(int x) { return x == 0 ? x : WaitForRelease(x); }

// Returns only once two workers are in it at the same time.
int MeetAnotherWorker(int x) {
  if (!g_barrier->arrive_and_wait()) throw std::runtime_error("the workers did not overlap");
  return x;
}

int ThrowOnThree(int x) {
  if (x == 3) throw std::out_of_range("item 3 is out of range");
  return x;
}

int ThrowAnInt(int) { throw 42; }

int KillSelfOnFive(int x) {
  if (x == 5) ::raise(SIGKILL);
  return x;
}

int ExitThreeOnFive(int x) {
  if (x == 5) ::_exit(3);  // _exit: a forked test process must not run exit handlers
  return x;
}

int AbortOnFive(int x) {
  if (x == 5) std::abort();
  return x;
}

// Tells the test this worker's pid, then blocks until released.
int ReportPidAndWait(int x) {
  const int pid = static_cast<int>(::getpid());
  if (::write(g_pid_pipe, &pid, sizeof(pid)) != sizeof(pid)) return -1;
  return WaitForRelease(x);
}

struct Order {
  std::string customer;
  std::vector<int> quantities;
  MP_CODEC_FIELDS(customer, quantities)
};
struct Invoice {
  std::string customer;
  int total = 0;
  MP_CODEC_FIELDS(customer, total)
  bool operator==(const Invoice&) const = default;
};
Invoice Bill(const Order& order) {
  return {order.customer,
          std::accumulate(order.quantities.begin(), order.quantities.end(), 0)};
}

std::vector<int> Range(int count) {
  std::vector<int> items(static_cast<std::size_t>(count));
  std::iota(items.begin(), items.end(), 0);
  return items;
}

std::vector<int> Squares(int count) {
  std::vector<int> squares;
  for (int x = 0; x < count; ++x) squares.push_back(x * x);
  return squares;
}

class PoolTest : public testing::Test {
 protected:
  PoolTest() {
    g_started = &started_;
    g_release = &release_;
    g_barrier = &barrier_;
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) == 0) {
      pid_read_.reset(ends[0]);
      pid_write_.reset(ends[1]);
      g_pid_pipe = ends[1];
    }
  }
  ~PoolTest() override { g_pid_pipe = -1; }

  // Waits until a task has begun in a worker; false if none does in time.
  bool WaitUntilStarted() const {
    return started_.Wait(-1, std::chrono::duration_cast<std::chrono::milliseconds>(kPatience));
  }
  // Lets `count` blocked tasks go on.
  void Release(int count = 1) const {
    for (int i = 0; i < count; ++i) release_.Notify();
  }
  // The pid a ReportPidAndWait task wrote.
  pid_t ReadReportedPid() const {
    int pid = -1;
    EXPECT_EQ(::read(pid_read_.get(), &pid, sizeof(pid)), static_cast<ssize_t>(sizeof(pid)));
    return pid;
  }

  mp::testing::ChildProcessGuard guard_;
  PipeNotification started_;
  PipeNotification release_;
  mp::testing::StartBarrier barrier_{2};
  mp::UniqueFd pid_read_;
  mp::UniqueFd pid_write_;
};

// ---------------------------------------------------------------- making a pool

// Tests that a pool without a size has one worker per CPU this process may
// run on (its affinity mask: what `taskset` or a container allows).
TEST_F(PoolTest, ProcessesDefaultsToTheCpusThisProcessMayRunOn) {
  cpu_set_t allowed;
  ASSERT_EQ(::sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  mp::Pool pool;
  EXPECT_EQ(pool.processes(), CPU_COUNT(&allowed))
      << "count the CPUs in sched_getaffinity's mask, not every online CPU";
}

// Tests that a pool of no workers, or fewer, is refused at once.
TEST_F(PoolTest, FewerThanOneProcessIsAValueError) {
  EXPECT_THROW(mp::Pool(0), mp::ValueError);
  EXPECT_THROW(mp::Pool(-2), mp::ValueError);
}

// Tests that maxtasksperchild must be positive when given.
TEST_F(PoolTest, MaxTasksPerChildBelowOneIsAValueError) {
  EXPECT_THROW(mp::Pool(2, 0), mp::ValueError);
  EXPECT_THROW(mp::Pool(2, -1), mp::ValueError);
}

// Tests CPython's default chunksize: items over four chunks per worker,
// rounded up.
TEST_F(PoolTest, DefaultChunksizeIsCPythons) {
  EXPECT_EQ(mp::Pool::DefaultChunksize(0, 2), 0u);
  EXPECT_EQ(mp::Pool::DefaultChunksize(1, 2), 1u);
  EXPECT_EQ(mp::Pool::DefaultChunksize(8, 2), 1u);
  EXPECT_EQ(mp::Pool::DefaultChunksize(9, 2), 2u);
  EXPECT_EQ(mp::Pool::DefaultChunksize(100, 4), 7u);
  EXPECT_EQ(mp::Pool::DefaultChunksize(1000, 1), 250u);
}

// ---------------------------------------------------------------- map

// Tests that map returns f of every item, in the items' order, whatever
// the chunksize.
TEST_F(PoolTest, MapReturnsResultsInInputOrder) {
  mp::Pool pool(2);
  const std::vector<int> items = Range(1000);
  EXPECT_EQ(pool.map(Square, items), Squares(1000)) << "default chunksize";
  for (std::size_t chunksize : {1, 3, 7, 999, 1000, 5000}) {
    EXPECT_EQ(pool.map(Square, items, chunksize), Squares(1000)) << "chunksize " << chunksize;
  }
}

// Tests that an empty input gives an empty result.
TEST_F(PoolTest, MapOfNoItemsIsEmpty) {
  mp::Pool pool(2);
  EXPECT_TRUE(pool.map(Square, std::vector<int>{}).empty());
  EXPECT_TRUE(pool.map(Square, std::vector<int>{}, 4).empty());
}

// Tests that f runs in worker processes, not in the caller.
TEST_F(PoolTest, MapRunsInOtherProcesses) {
  mp::Pool pool(2);
  for (int pid : pool.map(WorkerPid, Range(20), 1)) EXPECT_NE(pid, ::getpid());
}

// Tests that two workers run two items at the same time.
TEST_F(PoolTest, MapRunsItemsInParallel) {
  mp::Pool pool(2);
  EXPECT_EQ(pool.map(MeetAnotherWorker, Range(2), 1), Range(2));
}

// Tests that the workers are started once and reused by every call.
TEST_F(PoolTest, WorkersAreStartedOnceAndReused) {
  mp::Pool pool(2);
  const std::vector<int> first = pool.map(WorkerPid, Range(50), 1);
  const std::vector<int> second = pool.map(WorkerPid, Range(50), 1);
  std::set<int> pids(first.begin(), first.end());
  pids.insert(second.begin(), second.end());
  EXPECT_LE(pids.size(), 2u) << "more processes ran tasks than the pool has workers";
}

// Tests that a chunksize of 0 is refused.
TEST_F(PoolTest, ZeroChunksizeIsAValueError) {
  mp::Pool pool(1);
  EXPECT_THROW(pool.map(Square, Range(3), 0), mp::ValueError);
}

// Tests that structs with MP_CODEC_FIELDS travel both ways.
TEST_F(PoolTest, MapCarriesStructuredItemsAndResults) {
  mp::Pool pool(2);
  const std::vector<Order> orders = {{"ada", {1, 2, 3}}, {"grace", {}}, {"alan", {10}}};
  const std::vector<Invoice> expected = {{"ada", 6}, {"grace", 0}, {"alan", 10}};
  EXPECT_EQ(pool.map(Bill, orders, 1), expected);
}

// Tests that a lambda that captures nothing is a function a pool can run.
TEST_F(PoolTest, MapAcceptsALambdaWithoutCaptures) {
  mp::Pool pool(2);
  const std::vector<std::string> words = {"pool", "", "map"};
  const std::vector<std::size_t> lengths =
      pool.map([](const std::string& word) { return word.size(); }, words);
  EXPECT_EQ(lengths, (std::vector<std::size_t>{4, 0, 3}));
}

// Tests that several threads may use one pool at once, each getting its
// own results.
TEST_F(PoolTest, ThreadsShareAPool) {
  mp::Pool pool(2);
  constexpr int kThreads = 4;
  std::vector<std::vector<int>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&pool, &results, t] {
      std::vector<int> items = Range(200);
      for (int& item : items) item += 1000 * t;
      results[static_cast<std::size_t>(t)] = pool.map(Identity, items, 1 + t);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[static_cast<std::size_t>(t)].size(), 200u);
    EXPECT_EQ(results[static_cast<std::size_t>(t)].front(), 1000 * t);
    EXPECT_EQ(results[static_cast<std::size_t>(t)].back(), 1000 * t + 199);
  }
}

// ---------------------------------------------------------------- starmap

// Tests that starmap calls f with each tuple's elements as arguments.
TEST_F(PoolTest, StarmapUnpacksEachTuple) {
  mp::Pool pool(2);
  const std::vector<std::tuple<int, long>> pairs = {{1, 10L}, {2, 20L}, {3, 30L}};
  EXPECT_EQ(pool.starmap(Add, pairs), (std::vector<long>{11, 22, 33}));
  EXPECT_EQ(pool.starmap(Add, pairs, 1), (std::vector<long>{11, 22, 33}));
}

// ---------------------------------------------------------------- imap

// Tests that imap yields every result in the items' order.
TEST_F(PoolTest, ImapYieldsResultsInInputOrder) {
  mp::Pool pool(2);
  std::vector<int> results;
  for (int square : pool.imap(Square, Range(100))) results.push_back(square);
  EXPECT_EQ(results, Squares(100));
  results.clear();
  for (int square : pool.imap(Square, Range(100), 7)) results.push_back(square);
  EXPECT_EQ(results, Squares(100)) << "chunksize 7";
}

// Tests that imap hands out a result while later items still run: here
// item 1 runs only once the test has seen item 0's result.
TEST_F(PoolTest, ImapYieldsAResultBeforeLaterItemsFinish) {
  mp::Pool pool(1);  // one worker: item 1 runs right after item 0, in the same process
  auto results = pool.imap(LaterItemsWait, Range(2));
  // No timeout here: a timed wait would find item 0's result at its deadline
  // even if nobody woke the caller. A Job that wakes imap's caller only once
  // every item is done makes this test hang (the target times out).
  EXPECT_EQ(results.next(), 0);
  Release();
  EXPECT_EQ(results.next(kPatience), 1);
  EXPECT_EQ(results.next(kPatience), std::nullopt);
}

// Tests that imap_unordered yields results as they finish: item 1 first,
// while item 0 is still blocked.
TEST_F(PoolTest, ImapUnorderedYieldsInCompletionOrder) {
  mp::Pool pool(2);
  auto results = pool.imap_unordered(FirstWaits, Range(2));
  EXPECT_EQ(results.next(), 1);  // untimed, as in ImapYieldsAResultBeforeLaterItemsFinish
  Release();
  EXPECT_EQ(results.next(kPatience), 0);
  EXPECT_EQ(results.next(kPatience), std::nullopt);
}

// Tests that next(timeout) gives up with mp::TimeoutError while the item
// runs, and that nothing is lost by it.
TEST_F(PoolTest, ImapNextTimesOutWhileTheItemRuns) {
  mp::Pool pool(1);
  auto results = pool.imap(WaitForRelease, Range(1));
  ASSERT_TRUE(WaitUntilStarted());
  EXPECT_THROW(results.next(10ms), mp::TimeoutError);
  Release();
  EXPECT_EQ(results.next(kPatience), 0);
}

// Tests that a failed item throws at its turn, and the items after it
// still come.
TEST_F(PoolTest, ImapThrowsAFailedItemsErrorAtItsTurn) {
  mp::Pool pool(2);
  auto results = pool.imap(ThrowOnThree, Range(5));
  for (int expected : {0, 1, 2}) EXPECT_EQ(results.next(kPatience), expected);
  EXPECT_THROW(results.next(kPatience), mp::RemoteError);
  EXPECT_EQ(results.next(kPatience), 4);
  EXPECT_EQ(results.next(kPatience), std::nullopt);
}

// ---------------------------------------------------------------- async calls

// Tests that apply_async runs f with the given arguments.
TEST_F(PoolTest, ApplyAsyncReturnsFOfItsArguments) {
  mp::Pool pool(2);
  mp::AsyncResult<long> sum = pool.apply_async(Add, 2, 40L);
  EXPECT_EQ(sum.get(kPatience), 42);
  EXPECT_TRUE(sum.ready());
  EXPECT_TRUE(sum.successful());
  EXPECT_EQ(pool.apply_async(Greeting).get(kPatience), "hello from a worker");
}

// Tests ready(), wait() and get() while the task runs and after.
TEST_F(PoolTest, AsyncResultIsNotReadyWhileTheTaskRuns) {
  mp::Pool pool(1);
  mp::AsyncResult<int> result = pool.apply_async(WaitForRelease, 7);
  ASSERT_TRUE(WaitUntilStarted());
  EXPECT_FALSE(result.ready());
  EXPECT_FALSE(result.wait(10ms));
  EXPECT_THROW(result.get(10ms), mp::TimeoutError);
  EXPECT_THROW(result.successful(), mp::ValueError) << "successful() before ready() is an error";
  Release();
  EXPECT_TRUE(result.wait(kPatience));
  EXPECT_EQ(result.get(), 7);
  EXPECT_EQ(result.get(), 7) << "get() may be called again";
}

// Tests that map_async delivers the whole list.
TEST_F(PoolTest, MapAsyncDeliversTheWholeList) {
  mp::Pool pool(2);
  mp::AsyncResult<std::vector<int>> squares = pool.map_async(Square, Range(30), 4);
  EXPECT_EQ(squares.get(kPatience), Squares(30));
}

// Tests that a result outlives its pool: what the pool never finished
// fails instead of hanging.
TEST_F(PoolTest, AsyncResultOutlivesItsPool) {
  std::optional<mp::AsyncResult<int>> result;
  {
    mp::Pool pool(1);
    result = pool.apply_async(WaitForRelease, 1);
    ASSERT_TRUE(WaitUntilStarted());
  }
  EXPECT_THROW(result->get(kPatience), mp::RuntimeError);
  EXPECT_FALSE(result->successful());
}

// ---------------------------------------------------------------- f throws

// Tests that an exception in f reaches the caller with its type and
// message, as mp::RemoteError.
TEST_F(PoolTest, ExceptionInFIsARemoteErrorWithTypeAndMessage) {
  mp::Pool pool(2);
  try {
    pool.map(ThrowOnThree, Range(6), 1);
    FAIL() << "map should have thrown";
  } catch (const mp::RemoteError& error) {
    EXPECT_EQ(error.type_name(), "std::out_of_range");
    EXPECT_EQ(error.message(), "item 3 is out of range");
    EXPECT_STREQ(error.what(), "std::out_of_range: item 3 is out of range");
  }
}

// Tests that something thrown that is not a std::exception is reported too.
TEST_F(PoolTest, NonStandardExceptionIsARemoteError) {
  mp::Pool pool(1);
  EXPECT_THROW(pool.apply_async(ThrowAnInt, 0).get(kPatience), mp::RemoteError);
}

// Tests that the pool and its workers carry on after f threw.
TEST_F(PoolTest, PoolStaysUsableAfterAnException) {
  mp::Pool pool(2);
  const std::vector<int> pids_before = pool.map(WorkerPid, Range(10), 1);
  EXPECT_THROW(pool.map(ThrowOnThree, Range(6)), mp::RemoteError);
  EXPECT_EQ(pool.map(Square, Range(10)), Squares(10));
  const std::vector<int> pids_after = pool.map(WorkerPid, Range(10), 1);
  std::set<int> pids(pids_before.begin(), pids_before.end());
  pids.insert(pids_after.begin(), pids_after.end());
  EXPECT_LE(pids.size(), 2u) << "an exception in f must not cost a worker";
}

// ---------------------------------------------------------------- a worker dies

// Tests the pool's promise: a worker killed with SIGKILL in the middle of a
// map fails that map with a WorkerLostError naming the signal (it does not
// hang, as CPython's Pool.map does), and the next map works.
TEST_F(PoolTest, WorkerKilledMidMapIsAWorkerLostErrorAndTheNextMapWorks) {
  mp::Pool pool(2);
  try {
    pool.map(KillSelfOnFive, Range(10), 1);
    FAIL() << "map should have thrown";
  } catch (const mp::WorkerLostError& error) {
    EXPECT_EQ(error.exitcode(), -SIGKILL);
    EXPECT_GT(error.pid(), 0);
    EXPECT_NE(std::string(error.what()).find("SIGKILL"), std::string::npos) << error.what();
  }
  EXPECT_EQ(pool.map(Square, Range(100), 1), Squares(100));
}

// Tests a worker killed from outside while it runs a task.
TEST_F(PoolTest, WorkerKilledFromOutsideIsAWorkerLostError) {
  mp::Pool pool(2);
  mp::AsyncResult<int> result = pool.apply_async(ReportPidAndWait, 1);
  const pid_t worker = ReadReportedPid();
  ASSERT_GT(worker, 0);
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  EXPECT_THROW(result.get(kPatience), mp::WorkerLostError);
  EXPECT_EQ(pool.apply_async(Square, 9).get(kPatience), 81);
}

// Tests that _exit() inside f is reported with its exit code.
TEST_F(PoolTest, ExitInsideFIsAWorkerLostErrorWithItsCode) {
  mp::Pool pool(2);
  try {
    pool.map(ExitThreeOnFive, Range(8), 1);
    FAIL() << "map should have thrown";
  } catch (const mp::WorkerLostError& error) {
    EXPECT_EQ(error.exitcode(), 3);
    EXPECT_NE(std::string(error.what()).find("exited with code 3"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(pool.map(Square, Range(8)), Squares(8));
}

// Tests that a crash (here abort()) is reported with its signal.
TEST_F(PoolTest, CrashInFIsAWorkerLostError) {
  mp::Pool pool(2);
  try {
    pool.map(AbortOnFive, Range(8), 1);
    FAIL() << "map should have thrown";
  } catch (const mp::WorkerLostError& error) {
    EXPECT_EQ(error.exitcode(), -SIGABRT);
  }
}

// Tests that only the task that was running fails: the tasks queued behind
// it in the same worker run in the replacement.
TEST_F(PoolTest, OnlyTheTaskThatWasRunningIsLost) {
  mp::Pool pool(1);  // one worker: every item is queued to it
  auto results = pool.imap(KillSelfOnFive, Range(10));
  for (int item = 0; item < 10; ++item) {
    if (item == 5) {
      EXPECT_THROW(results.next(kPatience), mp::WorkerLostError);
    } else {
      EXPECT_EQ(results.next(kPatience), item);
    }
  }
  EXPECT_EQ(results.next(kPatience), std::nullopt);
}

// Tests that the pool replaces a dead worker: both workers run at once
// again afterwards.
TEST_F(PoolTest, PoolReplacesADeadWorker) {
  mp::Pool pool(2);
  EXPECT_THROW(pool.map(KillSelfOnFive, Range(6), 1), mp::WorkerLostError);
  EXPECT_EQ(pool.map(MeetAnotherWorker, Range(2), 1), Range(2));
}

// ---------------------------------------------------------------- maxtasksperchild

// Tests that a worker that has run maxtasksperchild tasks is replaced.
TEST_F(PoolTest, MaxTasksPerChildReplacesWorkersAfterThatManyTasks) {
  mp::Pool pool(1, 2);
  const std::vector<int> pids = pool.map(WorkerPid, Range(6), 1);
  std::map<int, int> tasks_per_pid;
  for (int pid : pids) ++tasks_per_pid[pid];
  EXPECT_EQ(tasks_per_pid.size(), 3u);
  for (const auto& [pid, tasks] : tasks_per_pid) EXPECT_EQ(tasks, 2) << "worker " << pid;
}

// ---------------------------------------------------------------- close, join, terminate

// Tests that a closed pool refuses new calls.
TEST_F(PoolTest, CallsAfterCloseAreValueErrors) {
  mp::Pool pool(1);
  pool.close();
  EXPECT_THROW(pool.map(Square, Range(3)), mp::ValueError);
  EXPECT_THROW(pool.apply_async(Square, 3), mp::ValueError);
  EXPECT_THROW(pool.imap(Square, Range(3)), mp::ValueError);
  pool.join();
}

// Tests that a terminated pool refuses new calls.
TEST_F(PoolTest, CallsAfterTerminateAreValueErrors) {
  mp::Pool pool(1);
  pool.terminate();
  EXPECT_THROW(pool.map_async(Square, Range(3)), mp::ValueError);
  EXPECT_THROW(pool.starmap(Add, std::vector<std::tuple<int, long>>{{1, 2L}}), mp::ValueError);
}

// Tests that join() is refused while the pool still runs, as in Python.
TEST_F(PoolTest, JoinWhileRunningIsAValueError) {
  mp::Pool pool(1);
  EXPECT_THROW(pool.join(), mp::ValueError);
  pool.close();
  pool.join();
}

// Tests that close() then join() lets every queued task finish.
TEST_F(PoolTest, CloseThenJoinFinishesTheQueuedWork) {
  mp::Pool pool(2);
  std::vector<mp::AsyncResult<int>> results;
  for (int x = 0; x < 100; ++x) results.push_back(pool.apply_async(Square, x));
  pool.close();
  pool.join();
  for (int x = 0; x < 100; ++x) {
    ASSERT_TRUE(results[static_cast<std::size_t>(x)].ready()) << "task " << x;
    EXPECT_EQ(results[static_cast<std::size_t>(x)].get(), x * x);
  }
}

// Tests that terminate() returns with thousands of tasks pending behind
// blocked workers, and every unfinished task fails with mp::RuntimeError.
TEST_F(PoolTest, TerminateReturnsPromptlyWithThousandsOfTasksPending) {
  mp::Pool pool(2);
  auto blocked = pool.map_async(WaitForRelease, Range(2), 1);
  auto pending = pool.map_async(Square, Range(10'000), 1);
  ASSERT_TRUE(WaitUntilStarted());
  pool.terminate();
  EXPECT_THROW(blocked.get(kPatience), mp::RuntimeError);
  EXPECT_THROW(pending.get(kPatience), mp::RuntimeError);
  pool.join();
}

// Tests that close() and terminate() may be repeated and combined.
TEST_F(PoolTest, CloseAndTerminateMayBeRepeated) {
  mp::Pool pool(1);
  pool.close();
  pool.close();
  pool.terminate();
  pool.terminate();
  pool.join();
  pool.join();
}

// Tests that the destructor ends running workers: the guard fails the test
// if a child is left behind.
TEST_F(PoolTest, DestructorEndsBusyWorkers) {
  mp::Pool pool(2);
  pool.apply_async(WaitForRelease, 0);
  ASSERT_TRUE(WaitUntilStarted());
}

}  // namespace
