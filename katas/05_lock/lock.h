// mp::Lock and mp::RLock: Python's multiprocessing.Lock and RLock, in C++.
//
// A Lock lets one process at a time (one thread at a time, in fact) run a
// piece of code, typically a read-modify-write of data in shared memory.
// It lives in a shared mapping of its own, like a Value (kata 04), so make
// it BEFORE starting the processes that use it, and hand it to them by
// reference: mp::Process copies its arguments, and a copy of a lock would
// be a second, unrelated lock.
//
//   void worker(mp::Value<int>& counter, mp::Lock& lock) {
//     std::lock_guard hold(lock);          // Python: with lock:
//     ++counter.value();
//   }
//
//   mp::Value<int> counter(0);
//   mp::Lock lock;
//   std::vector<mp::Process> processes;
//   for (int i = 0; i < 10; ++i)
//     processes.emplace_back(worker, std::ref(counter), std::ref(lock));
//   ... start them all, join them all: counter.load() == 10
//
// If a process dies while holding the lock (a crash, a kill -9), the others
// do not wait forever: the next acquire gets the lock, and
// previous_owner_died() tells that caller that the data the dead process was
// changing may be half-written, so it can check or repair it.
//
// Python                                   C++
//   lock = Lock()                            mp::Lock lock;
//   lock = RLock()                           mp::RLock lock;
//   with lock: ...                           std::lock_guard hold(lock); ...
//   lock.acquire()                           lock.acquire();   (or lock.lock())
//   lock.acquire(False)                      lock.acquire(false)   (or lock.try_lock())
//   lock.acquire(timeout=0.5)                lock.acquire(true, 500ms)
//   lock.release()                           lock.release();   (or lock.unlock())
//   releasing an unheld Lock: ValueError     mp::ValueError
//   releasing someone else's RLock           mp::RuntimeError
//   (no such thing)                          lock.previous_owner_died()
//
// One difference from Python: Python's Lock is a semaphore, which ANY
// process or thread may release, whoever acquired it. mp::Lock is a mutex
// with an owner: only the thread that acquired it may release it, and a
// release by anyone else is an mp::ValueError. (Handing a held lock to
// another process to release is rare, and usually a bug.)
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the member functions of internal::RobustLock in lock.cc.

#ifndef MPKATA_KATAS_05_LOCK_LOCK_H_
#define MPKATA_KATAS_05_LOCK_LOCK_H_

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>

#include "common/errors.h"
#include "katas/04_value/value.h"

namespace mp {
namespace internal {

// RobustLock: what Lock and RLock share. Both are a process-shared, robust
// pthread mutex in a shared mapping of its own; they differ in the kind of
// mutex (error-checking, or recursive) and in the error a wrong release
// throws. Use mp::Lock or mp::RLock, below.
//
// It meets the C++ Lockable requirements (lock, try_lock, unlock), so
// std::lock_guard, std::unique_lock and std::scoped_lock work with it.
// Neither copyable nor movable: processes find it by its address.
class RobustLock {
 public:
  // A timeout in seconds; 500ms, 2s or std::chrono::duration<double>(0.5)
  // all convert to it. For acquire(), a negative timeout means "no timeout".
  using Timeout = std::chrono::duration<double>;

  RobustLock(const RobustLock&) = delete;
  RobustLock& operator=(const RobustLock&) = delete;

  // Lock::acquire(block, timeout) and RLock::acquire(block, timeout)
  //
  // Takes the lock for the calling thread and returns true, or returns false
  // if it could not:
  //   - block == false: never blocks; false if another thread or process
  //     holds the lock. The timeout is ignored (as in Python's
  //     multiprocessing).
  //   - block == true, timeout negative (the default): blocks until the lock
  //     is free, however long that takes; returns true.
  //   - block == true, timeout >= 0: blocks at most `timeout`; false if the
  //     lock is still held then. The time is measured on a monotonic clock,
  //     so changing the wall clock neither shortens nor stretches the wait.
  // If the previous holder died holding the lock, acquire takes it over and
  // returns true; previous_owner_died() then says so.
  // An RLock's owner may acquire it again (it counts). A Lock's owner may
  // not: acquire(false) returns false, as in Python, and a blocking acquire,
  // which would wait for itself forever (Python would hang, or with a
  // timeout return False), throws mp::RuntimeError.
  // Throws mp::OSError if the system reports another error.
  bool acquire(bool block = true, Timeout timeout = Timeout(-1));

  // Lock::release() and RLock::release()
  //
  // Releases the lock, which the calling thread must hold. An RLock acquired
  // n times is released by the n-th release. Never blocks.
  // Throws, without touching the lock, if the calling thread does not hold
  // it (it is free, or another thread or process holds it):
  // mp::ValueError for a Lock (Python: "semaphore or lock released too many
  // times"), mp::RuntimeError for an RLock (Python: "cannot release
  // un-acquired lock").
  void release();

  // Lock::previous_owner_died() and RLock::previous_owner_died()
  //
  // True while the caller holds the lock if the acquire that took it found
  // its previous holder dead: that process may have left the data the lock
  // guards half-written. False for a lock taken from a holder that released
  // it. Ask it only while holding the lock. Never blocks, never throws.
  bool previous_owner_died() const;

  // The Lockable requirements, for std::lock_guard and friends:
  // lock() is acquire(), try_lock() is acquire(false), unlock() is release().
  void lock() { acquire(); }
  bool try_lock() { return acquire(false); }
  void unlock() { release(); }

 protected:
  enum class Kind {
    kLock,   // PTHREAD_MUTEX_ERRORCHECK; a wrong release is an mp::ValueError
    kRLock,  // PTHREAD_MUTEX_RECURSIVE; a wrong release is an mp::RuntimeError
  };

  // RobustLock::RobustLock(kind)
  //
  // Makes an unlocked lock of that kind in memory_: a process-shared, robust
  // mutex of the kind's type, with the rest of Shared zeroed.
  // Throws mp::OSError if the mutex cannot be made.
  explicit RobustLock(Kind kind);

  // RobustLock::~RobustLock()
  //
  // Destroys the mutex (memory_ then unmaps itself). Destroy the lock once,
  // after every process using it has ended. Never throws.
  ~RobustLock();

 private:
  // What lives in the shared mapping, where every process sees it.
  struct Shared {
    pthread_mutex_t mutex;
    // The kernel thread id (gettid()) of the thread holding the lock, 0 when
    // it is free. Thread ids are unique across ALL processes while the
    // thread lives (std::thread::id is not), so this names the holder even
    // in another process. Atomic: release() reads it without the lock.
    std::atomic<pid_t> owner;
    // How many times the holder has acquired it (1 for a Lock); only the
    // holder reads or writes it.
    int depth;
    // Whether the holder's acquire took the lock from a dead process; only
    // the holder reads or writes it.
    bool previous_owner_died;
  };

  Kind kind_;
  SharedMemory memory_{sizeof(Shared)};  // the lock's own mapping
  Shared* shared_ = nullptr;             // constructed in memory_ by the constructor
};

}  // namespace internal

// Lock: Python's multiprocessing.Lock, between threads and processes.
//
//   mp::Lock lock;
//   if (lock.acquire(true, 500ms)) { ...; lock.release(); }
//
// Not re-entrant: a thread holding it cannot acquire it again (see
// acquire). Only its holder may release it (see release).
class Lock : public internal::RobustLock {
 public:
  // Lock::Lock()
  //
  // An unlocked Lock in a shared mapping of its own. Throws mp::OSError if
  // the mapping or the mutex cannot be made.
  Lock() : RobustLock(Kind::kLock) {}
};

// RLock: Python's multiprocessing.RLock, a re-entrant lock.
//
// Its holder may acquire it again without waiting; the lock is free again
// after as many releases as acquires. Useful when a function that takes the
// lock calls another that takes it too.
class RLock : public internal::RobustLock {
 public:
  // RLock::RLock()
  //
  // An unlocked RLock in a shared mapping of its own. Throws mp::OSError if
  // the mapping or the mutex cannot be made.
  RLock() : RobustLock(Kind::kRLock) {}
};

}  // namespace mp

#endif  // MPKATA_KATAS_05_LOCK_LOCK_H_
