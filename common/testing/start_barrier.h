// StartBarrier: makes threads or forked processes really run at the same time.
//
// A test that wants N workers to overlap cannot just start them: the first
// may finish before the last begins. Each worker instead calls
// arrive_and_wait(), which returns only once all N have arrived, so they
// all leave the barrier together. It also proves overlap without timing:
// if the code under test runs workers one after another, the first never
// sees the others arrive, and arrive_and_wait() reports that instead of
// hanging.
//
//   mp::testing::StartBarrier barrier(kWorkers);
//   ... in each worker (thread, or child process after fork):
//   ASSERT_TRUE(barrier.arrive_and_wait()) << "workers did not overlap";
//
// Like Python's threading.Barrier, a barrier that one caller gave up on is
// "broken": every waiter and every later arrival returns false at once, so
// a failing test fails quickly instead of waiting out one timeout per worker.
//
// The barrier lives in an anonymous shared mapping, so it works across
// fork(): the parent and its children share one barrier. Make it before
// forking. Not copyable or movable: waiters point at it.

#ifndef MPKATA_COMMON_TESTING_START_BARRIER_H_
#define MPKATA_COMMON_TESTING_START_BARRIER_H_

#include <chrono>

namespace mp::testing {

class StartBarrier {
 public:
  // How long a caller waits for the others before it breaks the barrier.
  // Long enough for a loaded CI machine under a sanitizer; only a broken
  // test ever waits this long.
  static constexpr std::chrono::seconds kDefaultPatience{20};

  // A barrier for `parties` callers (at least 1; throws mp::ValueError
  // otherwise). Throws mp::OSError when the shared mapping cannot be made.
  explicit StartBarrier(int parties, std::chrono::milliseconds patience = kDefaultPatience);
  ~StartBarrier();

  StartBarrier(const StartBarrier&) = delete;
  StartBarrier& operator=(const StartBarrier&) = delete;

  // StartBarrier::arrive_and_wait()
  //
  // Blocks until all parties have arrived, then returns true. Returns false,
  // and breaks the barrier for everyone, if the others have not all arrived
  // within the patience; returns false at once if the barrier is broken.
  // Single use: once all have arrived, later calls return true at once.
  [[nodiscard]] bool arrive_and_wait();

  // How many callers have arrived so far (for failure messages).
  int arrived() const;

  int parties() const { return parties_; }

 private:
  struct Shared;  // lives in the shared mapping

  int parties_;
  std::chrono::milliseconds patience_;
  Shared* shared_;
};

}  // namespace mp::testing

#endif  // MPKATA_COMMON_TESTING_START_BARRIER_H_
