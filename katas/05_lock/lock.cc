// Kata 05_lock: write the lock behind Python's multiprocessing.Lock and
// RLock, one that works between processes and survives a holder's death.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first; HINTS.md helps when you are stuck. Check your work:
//
//   bazel test //katas/05_lock/...
//   bazel test --config=asan //katas/05_lock/...   (no leaks, no bad memory)
//
// What you may need: the pthread_mutexattr_* and pthread_mutex_* functions
// (<pthread.h>), among them pthread_mutex_clocklock and
// pthread_mutex_consistent; clock_gettime and CLOCK_MONOTONIC (<time.h>);
// gettid (<unistd.h>); EBUSY, ETIMEDOUT, EDEADLK, EOWNERDEAD (<cerrno>);
// mp::ValueError, mp::RuntimeError and mp::OSError from common/errors.h;
// MutexAttributes (an attributes object that destroys itself) and
// CheckPthread from common/pthread_attributes.h.
// mp::SharedMemory comes from kata 04 (its reference solution): memory_ is
// already mapped when the constructor's body runs.
#include "katas/05_lock/lock.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <new>

#include "common/not_implemented.h"

namespace mp::internal {

RobustLock::RobustLock(Kind kind) : kind_(kind) {
  // TODO(kata): make the Shared part in memory_, and a mutex in it that works
  // between processes, does not stay locked forever when its holder dies,
  // and behaves as kind_ asks when its holder locks it again. Set shared_
  // only once everything is made: the destructor relies on it.
  throw NotImplemented("RobustLock::RobustLock", "make a process-shared, robust mutex of the kind");
}

RobustLock::~RobustLock() {
  // TODO(kata): undo what the constructor made, if it made anything. Never
  // throw.
  (void)shared_;
}

bool RobustLock::acquire(bool block, Timeout timeout) {
  // TODO(kata): three ways to wait (not at all, forever, until a deadline).
  // Some results are answers rather than errors; one means you got the lock
  // from a process that died holding it: what must you do before anybody
  // releases it, and what must you remember? Then write down who holds it.
  (void)block;
  (void)timeout;
  throw NotImplemented("RobustLock::acquire", "take the mutex, waiting as block/timeout say");
}

void RobustLock::release() {
  // TODO(kata): only the holder may release. Decide that before touching
  // the mutex, and throw the error kind_ calls for. The last release must
  // leave Shared as a free lock should look.
  (void)kind_;
  throw NotImplemented("RobustLock::release", "release the mutex, held by this thread");
}

bool RobustLock::previous_owner_died() const {
  // TODO(kata): what did the acquire that took the lock find?
  throw NotImplemented("RobustLock::previous_owner_died", "report a recovered lock");
}

}  // namespace mp::internal
