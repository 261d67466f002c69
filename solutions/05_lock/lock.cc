// Reference solution of kata 05_lock: Lock and RLock over a process-shared,
// robust pthread mutex.
#include "katas/05_lock/lock.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <new>

#include "common/pthread_attributes.h"

// clang 14's ThreadSanitizer does not know pthread_mutex_clocklock (glibc
// 2.30): it would not see that call take the mutex, and would then report
// the unlock as "unlock of an unlocked mutex". Under TSan the call is
// announced with TSan's own mutex annotations; elsewhere they are nothing.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MPKATA_TSAN 1
#endif
#endif
#ifdef MPKATA_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace mp::internal {
namespace {



// The point in time `timeout` from now on CLOCK_MONOTONIC, as a timespec. A
// huge timeout would overflow the arithmetic: a year is forever enough.
timespec MonotonicDeadline(RobustLock::Timeout timeout) {
  const auto patience = std::chrono::ceil<std::chrono::nanoseconds>(
      std::clamp<RobustLock::Timeout>(timeout, RobustLock::Timeout::zero(), std::chrono::hours(24 * 365)));
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  const long long nanoseconds = deadline.tv_nsec + patience.count() % 1'000'000'000;
  deadline.tv_sec += static_cast<time_t>(patience.count() / 1'000'000'000 + nanoseconds / 1'000'000'000);
  deadline.tv_nsec = static_cast<long>(nanoseconds % 1'000'000'000);
  return deadline;
}

// pthread_mutex_lock with a deadline. POSIX's pthread_mutex_timedlock only
// takes a CLOCK_REALTIME deadline: if someone sets the wall clock back an
// hour while we wait, the wait grows by an hour. pthread_mutex_clocklock
// (glibc 2.30) takes the clock to use, and CLOCK_MONOTONIC never jumps.
int LockUntil(pthread_mutex_t* mutex, const timespec& deadline) {
#ifdef MPKATA_TSAN
  __tsan_mutex_pre_lock(mutex, 0);
  const int error = pthread_mutex_clocklock(mutex, CLOCK_MONOTONIC, &deadline);
  const bool locked = error == 0 || error == EOWNERDEAD;
  __tsan_mutex_post_lock(mutex, locked ? 0 : __tsan_mutex_try_lock_failed, 0);
  return error;
#else
  return pthread_mutex_clocklock(mutex, CLOCK_MONOTONIC, &deadline);
#endif
}

// This thread's kernel id, which a Lock records as its holder. gettid() is
// a system call every time (glibc does not cache it), and acquire plus
// release would make two: on a virtual machine that is most of an
// uncontended Lock's cost. So each thread asks once and keeps the answer.
// fork() copies the cache into the child, whose thread has a NEW id: the
// atfork handler, registered once, clears the copy in the child.
thread_local pid_t cached_thread_id = 0;

pid_t CurrentThreadId() {
  static const bool forget_in_child = [] {
    return pthread_atfork(nullptr, nullptr, [] { cached_thread_id = 0; }) == 0;
  }();
  (void)forget_in_child;
  if (cached_thread_id == 0) cached_thread_id = ::gettid();
  return cached_thread_id;
}

}  // namespace

RobustLock::RobustLock(Kind kind) : kind_(kind) {
  // The attributes decide what kind of mutex this is:
  //   - PTHREAD_PROCESS_SHARED, since the mutex is locked by several
  //     processes (it sits in memory_, which fork shares);
  //   - PTHREAD_MUTEX_ROBUST, so that a holder's death does not leave it
  //     locked forever: the next locker gets EOWNERDEAD;
  //   - ERRORCHECK for a Lock, so that relocking by the holder reports
  //     EDEADLK instead of hanging; RECURSIVE for an RLock, which counts.
  MutexAttributes attributes;
  CheckPthread("pthread_mutexattr_setpshared",
               pthread_mutexattr_setpshared(attributes.get(), PTHREAD_PROCESS_SHARED));
  CheckPthread("pthread_mutexattr_setrobust",
               pthread_mutexattr_setrobust(attributes.get(), PTHREAD_MUTEX_ROBUST));
  CheckPthread("pthread_mutexattr_settype",
               pthread_mutexattr_settype(attributes.get(), kind == Kind::kLock
                                                               ? PTHREAD_MUTEX_ERRORCHECK
                                                               : PTHREAD_MUTEX_RECURSIVE));
  // Placement new starts the lifetime of Shared (and of its atomic) in the
  // shared mapping; the mutex inside it is then initialised in place.
  Shared* shared = new (memory_.data()) Shared{};
  CheckPthread("pthread_mutex_init", pthread_mutex_init(&shared->mutex, attributes.get()));
  shared_ = shared;  // only a fully made lock is destroyed by ~RobustLock
}

RobustLock::~RobustLock() {
  if (shared_ == nullptr) return;
  pthread_mutex_destroy(&shared_->mutex);  // cannot throw; nothing to report
  shared_->~Shared();
}

bool RobustLock::acquire(bool block, Timeout timeout) {
  int error;
  if (!block) {
    error = pthread_mutex_trylock(&shared_->mutex);
  } else if (timeout < Timeout::zero()) {
    error = pthread_mutex_lock(&shared_->mutex);
  } else {
    error = LockUntil(&shared_->mutex, MonotonicDeadline(timeout));
  }
  // Held elsewhere (trylock), or still held at the deadline: an answer, not
  // an error.
  if (error == EBUSY || error == ETIMEDOUT) return false;
  if (error == EDEADLK) {
    // Only an ERRORCHECK mutex says this: its holder asked for it again.
    // Not waiting, that is simply "not available", as Python's
    // acquire(False) by the holder says; waiting, it would have waited for
    // itself forever.
    if (!block) return false;
    throw RuntimeError("Lock.acquire: this thread already holds the Lock; waiting for it would "
                       "deadlock (use an RLock to acquire it again)");
  }
  // EOWNERDEAD: the mutex is ours, but its holder died holding it. It must
  // be marked consistent before it is released, or it becomes unusable for
  // everybody (ENOTRECOVERABLE). The data it guards may be half-written:
  // that is for the caller to judge, so it is recorded, not hidden.
  const bool recovered = error == EOWNERDEAD;
  if (recovered) error = pthread_mutex_consistent(&shared_->mutex);
  CheckPthread("pthread_mutex_lock", error);

  // We hold the mutex: Shared's plain fields are ours to write. A dead
  // holder may have left depth at any count; a recovered lock starts afresh.
  if (recovered) {
    shared_->depth = 1;
    shared_->previous_owner_died = true;
  } else {
    ++shared_->depth;  // 0 -> 1 for a first acquire; more for an RLock's re-entry
  }
  shared_->owner.store(CurrentThreadId());
  return true;
}

void RobustLock::release() {
  // The check comes before any pthread call: only the holder may release,
  // and a release by anyone else must leave the lock as it is. owner holds
  // our own thread id only if WE stored it, so reading it without the lock
  // cannot mistake another holder for us.
  if (shared_->owner.load() != CurrentThreadId()) {
    if (kind_ == Kind::kLock) {
      throw ValueError("semaphore or lock released too many times: this thread does not hold "
                       "the Lock (an mp::Lock is released by the thread that acquired it)");
    }
    throw RuntimeError("cannot release un-acquired lock: this thread does not hold the RLock");
  }
  // The last release frees the lock: forget the holder and the dead-owner
  // report BEFORE unlocking, while they are still ours to write.
  if (--shared_->depth == 0) {
    shared_->previous_owner_died = false;
    shared_->owner.store(0);
  }
  CheckPthread("pthread_mutex_unlock", pthread_mutex_unlock(&shared_->mutex));
}

bool RobustLock::previous_owner_died() const {
  // Written only by the holder, under the mutex; read by the holder.
  return shared_->previous_owner_died;
}

}  // namespace mp::internal
