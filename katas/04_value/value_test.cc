// Tests of kata 04_value: mp::SharedMemory and mp::SharedMutex, and the
// Value, RawValue, Array and RawArray built on them (Python's
// multiprocessing.Value, RawValue, Array and RawArray).
//
// Run them with:   bazel test //katas/04_value/...
// and against the reference solution:   bazel test //solutions/04_value/...
//
// The children are mp::Process (kata 03's reference solution). No test
// sleeps: a child that must hold something while the test looks tells the
// test through a pipe, and waits on another pipe until the test lets it go.
// Every wait gives up after a long patience, or as soon as the child it
// waits for has ended, so most broken implementations fail instead of
// hanging. One cannot: a mutex that is not robust, whose owner died,
// blocks lock() for ever, and Bazel stops the test after a minute.

#include "katas/04_value/value.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/testing/child_process_guard.h"
#include "common/testing/pipe_notification.h"
#include "common/testing/start_barrier.h"
#include "katas/03_process/process.h"

namespace {

using mp::Process;
using mp::testing::PipeNotification;
using mp::testing::StartBarrier;


// A SharedMutex constructed inside a SharedMemory, as Value places its own.
class MutexInSharedMemory {
 public:
  MutexInSharedMemory()
      : memory_(sizeof(mp::SharedMutex)), mutex_(new (memory_.data()) mp::SharedMutex) {}
  ~MutexInSharedMemory() { mutex_->~SharedMutex(); }
  MutexInSharedMemory(const MutexInSharedMemory&) = delete;
  MutexInSharedMemory& operator=(const MutexInSharedMemory&) = delete;

  mp::SharedMutex& get() { return *mutex_; }

 private:
  mp::SharedMemory memory_;
  mp::SharedMutex* mutex_;
};

// The guard fails a test that leaves a child behind (most tests fork).
class ForkingTest : public testing::Test {
 protected:
  mp::testing::ChildProcessGuard guard_;
};

class SharedMemoryTest : public ForkingTest {};
class SharedMutexTest : public ForkingTest {};
class ValueTest : public ForkingTest {};
class ArrayTest : public ForkingTest {};

// --- SharedMemory ----------------------------------------------------------

// Tests that new shared memory is zero-filled, all of it.
TEST_F(SharedMemoryTest, IsZeroFilled) {
  mp::SharedMemory memory(10000);
  ASSERT_NE(memory.data(), nullptr);
  const auto* bytes = static_cast<const unsigned char*>(memory.data());
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < memory.size(); ++i) nonzero += bytes[i] != 0;
  EXPECT_EQ(nonzero, 0u);
}

// Tests that size() is the number of bytes asked for, and that all of them
// can be written.
TEST_F(SharedMemoryTest, HasTheSizeAskedFor) {
  mp::SharedMemory memory(12345);
  EXPECT_EQ(memory.size(), 12345u);
  std::memset(memory.data(), 0xAB, memory.size());
  EXPECT_EQ(static_cast<unsigned char*>(memory.data())[12344], 0xAB);
}

// Tests that asking for 0 bytes is a ValueError, not an OSError from mmap.
TEST_F(SharedMemoryTest, ZeroBytesIsAValueError) {
  EXPECT_THROW(mp::SharedMemory memory(0), mp::ValueError);
}

// Tests that moving hands the mapping over: the new owner has it, the
// moved-from one owns nothing, and a move assignment gives up the old one.
TEST_F(SharedMemoryTest, MovingHandsTheMappingOver) {
  mp::SharedMemory original(64);
  void* const data = original.data();
  static_cast<char*>(data)[0] = 'x';

  mp::SharedMemory moved(std::move(original));
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(moved.size(), 64u);
  EXPECT_EQ(original.data(), nullptr);
  EXPECT_EQ(original.size(), 0u);

  mp::SharedMemory other(32);
  other = std::move(moved);
  EXPECT_EQ(other.data(), data);
  EXPECT_EQ(other.size(), 64u);
  EXPECT_EQ(static_cast<char*>(other.data())[0], 'x');
}

// Tests the point of it all: what a child writes into shared memory, the
// parent reads after joining it.
TEST_F(SharedMemoryTest, ChildWriteIsSeenByTheParent) {
  mp::SharedMemory memory(sizeof(int));
  int* shared = new (memory.data()) int(0);
  Process child([shared] { *shared = 42; });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_EQ(*shared, 42) << "the child's write did not reach the parent: is the mapping MAP_SHARED?";
}

// Tests that a mapping the system refuses is an mp::OSError (mmap reports
// failure with MAP_FAILED, not with a null pointer), here 4 EiB.
TEST_F(SharedMemoryTest, AMappingTheSystemRefusesIsAnOSError) {
  EXPECT_THROW(mp::SharedMemory(std::size_t{1} << 62), mp::OSError);
}

// Tests that the destructor unmaps the memory: afterwards the kernel knows
// no mapping at that address. (A leaked mapping is invisible to ASan.)
TEST_F(SharedMemoryTest, DestructorUnmapsTheMemory) {
  void* address = nullptr;
  {
    mp::SharedMemory memory(4096);
    address = memory.data();
  }
  errno = 0;
  EXPECT_EQ(::msync(address, 4096, MS_ASYNC), -1) << "the memory is still mapped: call munmap";
  EXPECT_EQ(errno, ENOMEM);
}

int ordinary_global = 0;

// Tests the contrast: what a child writes into an ordinary global stays in
// the child's own copy of memory, and the parent never sees it.
TEST_F(SharedMemoryTest, ChildWriteToAnOrdinaryGlobalIsNotSeen) {
  ordinary_global = 0;
  Process child([] { ordinary_global = 42; });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_EQ(ordinary_global, 0) << "fork gives the child a copy: its write stays in its copy";
}

// --- SharedMutex -----------------------------------------------------------

// Tests that a SharedMutex can be locked and unlocked, with std::lock_guard
// too, and that try_lock() succeeds on a free mutex.
TEST_F(SharedMutexTest, LocksAndUnlocks) {
  MutexInSharedMemory mutex;
  mutex.get().lock();
  mutex.get().unlock();
  { std::lock_guard lock(mutex.get()); }
  ASSERT_TRUE(mutex.get().try_lock());
  mutex.get().unlock();
}

// Tests that the mutex excludes across processes: while the parent holds
// it, a child's try_lock() fails; once the parent unlocks, a child's
// succeeds.
TEST_F(SharedMutexTest, TryLockFailsInAChildWhileTheParentHoldsIt) {
  MutexInSharedMemory mutex;
  mp::SharedMutex* shared = &mutex.get();
  auto try_lock_in_child = [shared] {
    if (!shared->try_lock()) ::_exit(10);  // 10: it was held
    shared->unlock();
    ::_exit(0);  // 0: it was free
  };

  mutex.get().lock();
  Process while_held(try_lock_in_child);
  while_held.start();
  while_held.join();
  mutex.get().unlock();
  EXPECT_EQ(while_held.exitcode(), 10)
      << "10 means the child's try_lock() said 'held', as it should; 0 means it locked a mutex "
         "the parent held; 1 means it threw (its error is in the full log)";

  Process after_unlock(try_lock_in_child);
  after_unlock.start();
  after_unlock.join();
  EXPECT_EQ(after_unlock.exitcode(), 0) << "the child could not lock a free mutex";
}

// Tests the other direction: while a child holds the mutex, the parent's
// try_lock() fails; after the child unlocks, it succeeds.
TEST_F(SharedMutexTest, TryLockFailsInTheParentWhileAChildHoldsIt) {
  MutexInSharedMemory mutex;
  mp::SharedMutex* shared = &mutex.get();
  PipeNotification holding, release;
  Process child([&] {
    shared->lock();
    holding.Notify();
    const bool released = release.Wait();
    shared->unlock();
    ::_exit(released ? 0 : 1);
  });
  child.start();
  ASSERT_TRUE(holding.Wait(child.sentinel())) << "the child never got the mutex";
  const bool locked_while_held = mutex.get().try_lock();
  EXPECT_FALSE(locked_while_held) << "the parent locked a mutex the child held";
  if (locked_while_held) mutex.get().unlock();  // or the checks below would blame the child
  release.Notify();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  ASSERT_TRUE(mutex.get().try_lock()) << "the mutex stayed locked after the child unlocked it";
  mutex.get().unlock();
}

// Runs a child that locks `mutex` and ends without unlocking it: the
// mutex's owner is then dead. True if the child did so.
bool AChildDiesHolding(mp::SharedMutex& mutex) {
  mp::SharedMutex* shared = &mutex;
  Process child([shared] {
    shared->lock();
    ::_exit(0);  // ends without unlocking
  });
  child.start();
  child.join();
  return child.exitcode() == 0;
}

// Tests robustness: a child that dies holding the mutex does not leave it
// locked forever. The parent's lock() gets it, and the mutex keeps working.
TEST_F(SharedMutexTest, RecoversWhenAChildDiesHoldingIt) {
  MutexInSharedMemory mutex;
  ASSERT_TRUE(AChildDiesHolding(mutex.get()));

  EXPECT_NO_THROW(mutex.get().lock()) << "the mutex was not recovered from its dead owner";
  mutex.get().unlock();
  EXPECT_NO_THROW(mutex.get().lock()) << "the mutex broke after recovery: was it made consistent?";
  mutex.get().unlock();
}

// Tests that try_lock() recovers a mutex whose owner died, as lock() does.
TEST_F(SharedMutexTest, TryLockRecoversWhenAChildDiesHoldingIt) {
  MutexInSharedMemory mutex;
  ASSERT_TRUE(AChildDiesHolding(mutex.get()));
  bool locked = false;
  EXPECT_NO_THROW(locked = mutex.get().try_lock()) << "EOWNERDEAD from trylock is a success to recover";
  EXPECT_TRUE(locked) << "try_lock() did not take a mutex whose owner is dead";
  if (locked) mutex.get().unlock();
  EXPECT_TRUE(mutex.get().try_lock()) << "the mutex broke after recovery: was it made consistent?";
  mutex.get().unlock();
}

// Tests that unlocking a mutex this thread does not hold is an error (a
// robust mutex knows its owner), not a silent release.
TEST_F(SharedMutexTest, UnlockWithoutHoldingIsAnOSError) {
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
  GTEST_SKIP() << "ThreadSanitizer reports the very misuse this test makes (an unlock by a non-owner)";
#endif
#endif
  MutexInSharedMemory mutex;
  EXPECT_THROW(mutex.get().unlock(), mp::OSError);
}

// --- Value and RawValue ----------------------------------------------------

// Tests that a Value starts with the value given, or zero by default.
TEST_F(ValueTest, HoldsItsInitialValue) {
  mp::Value<int> seven(7);
  mp::Value<double> half(0.5);
  mp::Value<long> zero;
  EXPECT_EQ(seven.load(), 7);
  EXPECT_EQ(half.load(), 0.5);
  EXPECT_EQ(zero.load(), 0);
  EXPECT_EQ(seven.value(), 7);
}

// Tests that a RawValue starts with the value given, and can be written.
TEST_F(ValueTest, RawValueHoldsItsInitialValue) {
  mp::RawValue<char> letter('a');
  EXPECT_EQ(letter.value(), 'a');
  letter.value() = 'b';
  EXPECT_EQ(letter.value(), 'b');
}

// Tests that a child's store() is seen by the parent's load() after join.
TEST_F(ValueTest, ChildStoreIsSeenByTheParent) {
  mp::Value<int> shared(0);
  Process child([&shared] { shared.store(42); });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_EQ(shared.load(), 42);
}

struct Point {
  int x;
  double y;
};

// Tests that a plain struct is shared whole, like a ctypes.Structure.
TEST_F(ValueTest, SharesAPlainStruct) {
  mp::Value<Point> point(Point{1, 2.0});
  Process child([&point] { point.store(Point{3, 4.5}); });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  const Point seen = point.load();
  EXPECT_EQ(seen.x, 3);
  EXPECT_EQ(seen.y, 4.5);
}

// Tests that increments done under get_lock() add up exactly: several
// processes, running at the same time (they meet at a barrier first), each
// add one many times, and not one update is lost.
TEST_F(ValueTest, IncrementsUnderTheLockAddUpExactly) {
  constexpr int kProcesses = 4;
  constexpr int kIncrements = 5000;
  mp::Value<int> counter(0);
  StartBarrier start(kProcesses);
  std::vector<Process> workers;
  for (int i = 0; i < kProcesses; ++i) {
    workers.emplace_back([&counter, &start] {
      if (!start.arrive_and_wait()) ::_exit(2);
      for (int n = 0; n < kIncrements; ++n) {
        std::lock_guard lock(counter.get_lock());
        ++counter.value();
      }
    });
  }
  for (Process& worker : workers) worker.start();
  for (Process& worker : workers) worker.join();
  for (Process& worker : workers) EXPECT_EQ(worker.exitcode(), 0) << worker.name();
  EXPECT_EQ(counter.load(), kProcesses * kIncrements);
}

// --- Array and RawArray ----------------------------------------------------

// Tests that an Array or RawArray of n elements starts as n zeros.
TEST_F(ArrayTest, StartsAsZeros) {
  mp::Array<int> locked(5);
  mp::RawArray<double> raw(3);
  EXPECT_EQ(locked.size(), 5u);
  EXPECT_EQ(raw.size(), 3u);
  for (int element : locked) EXPECT_EQ(element, 0);
  for (double element : raw) EXPECT_EQ(element, 0.0);
}

// Tests that an Array made from values holds them, in order.
TEST_F(ArrayTest, HoldsTheValuesGiven) {
  mp::Array<int> numbers{3, 1, 4, 1, 5};
  mp::RawArray<char> letters{'m', 'p'};
  EXPECT_EQ(std::vector<int>(numbers.begin(), numbers.end()), (std::vector<int>{3, 1, 4, 1, 5}));
  EXPECT_EQ(numbers[2], 4);
  EXPECT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters.at(1), 'p');
}

// Tests that at() refuses an index past the end (Python: IndexError).
TEST_F(ArrayTest, AtOutOfRangeThrows) {
  mp::Array<int> numbers(3);
  mp::RawArray<int> raw(3);
  EXPECT_NO_THROW(numbers.at(2));
  EXPECT_THROW(numbers.at(3), std::out_of_range);
  EXPECT_THROW(raw.at(3), std::out_of_range);
}

// Tests that an Array is shared: each child fills its own slice, at the
// same time as the others, and the parent sees every slice.
TEST_F(ArrayTest, ChildrenFillTheirOwnSlices) {
  constexpr int kChildren = 4;
  constexpr int kSlice = 100;
  mp::Array<int> numbers(kChildren * kSlice);
  StartBarrier start(kChildren);
  std::vector<Process> children;
  for (int c = 0; c < kChildren; ++c) {
    children.emplace_back(
        [&numbers, &start](int first) {
          if (!start.arrive_and_wait()) ::_exit(2);
          for (int i = first; i < first + kSlice; ++i) numbers[i] = i * 10;
        },
        c * kSlice);
  }
  for (Process& child : children) child.start();
  for (Process& child : children) child.join();
  for (Process& child : children) EXPECT_EQ(child.exitcode(), 0) << child.name();
  int wrong = 0;
  for (int i = 0; i < kChildren * kSlice; ++i) wrong += numbers[i] != i * 10;
  EXPECT_EQ(wrong, 0) << "elements the children wrote did not reach the parent";
}

}  // namespace
