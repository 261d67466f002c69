// Reference solution of kata 04_value: shared memory, and a mutex that works
// between processes.
#include "katas/04_value/value.h"

#include <pthread.h>
#include <sys/mman.h>

#include <cerrno>
#include <string>

#include "common/pthread_attributes.h"

namespace mp {

SharedMemory::SharedMemory(std::size_t bytes) : size_(bytes) {
  // mmap refuses a length of 0 with EINVAL; saying why is kinder.
  if (bytes == 0) throw ValueError("SharedMemory needs at least 1 byte, got 0");
  // MAP_SHARED: writes go to the one copy every process that has the
  // mapping sees, and fork does not copy it (a MAP_PRIVATE mapping would be
  // copied-on-write, like the rest of memory). MAP_ANONYMOUS: no file and
  // no name behind it, so nothing can outlive the processes using it. The
  // kernel hands out anonymous memory zero-filled.
  void* memory =
      ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, /*fd=*/-1, 0);
  if (memory == MAP_FAILED) throw OSError("mmap", errno);  // mmap fails with MAP_FAILED, not -1
  data_ = memory;
}

SharedMemory::~SharedMemory() {
  // A moved-from SharedMemory owns nothing. munmap removes the mapping from
  // this process only; children keep theirs until they end.
  if (data_ != nullptr) ::munmap(data_, size_);
}

SharedMutex::SharedMutex() {
  // A mutex's behaviour is chosen once, at initialisation, through an
  // attributes object:
  //   - PTHREAD_PROCESS_SHARED: the default (PRIVATE) may use tricks that
  //     only work inside one process; shared, it is a plain futex word that
  //     any process mapping these bytes can wait on.
  //   - PTHREAD_MUTEX_ROBUST: the kernel keeps a list of the robust mutexes
  //     each thread holds, and when a thread dies it marks them "owner
  //     died", so the next locker gets EOWNERDEAD instead of waiting forever.
  MutexAttributes attributes;
  CheckPthread("pthread_mutexattr_setpshared",
               pthread_mutexattr_setpshared(attributes.get(), PTHREAD_PROCESS_SHARED));
  CheckPthread("pthread_mutexattr_setrobust",
               pthread_mutexattr_setrobust(attributes.get(), PTHREAD_MUTEX_ROBUST));
  CheckPthread("pthread_mutex_init", pthread_mutex_init(&mutex_, attributes.get()));
}

SharedMutex::~SharedMutex() {
  // A destructor must not throw; destroying an unlocked mutex cannot fail,
  // and there is nothing useful to do if it does.
  pthread_mutex_destroy(&mutex_);
}

void SharedMutex::lock() {
  int error = pthread_mutex_lock(&mutex_);
  if (error == EOWNERDEAD) {
    // We hold the mutex now, but its previous holder died holding it. Until
    // we call pthread_mutex_consistent, unlocking it would leave it
    // unrecoverable (every later lock fails with ENOTRECOVERABLE). A Value
    // is small and has no invariant across fields, so carry on; kata 05's
    // Lock tells its caller instead.
    error = pthread_mutex_consistent(&mutex_);
  }
  CheckPthread("pthread_mutex_lock", error);
}

bool SharedMutex::try_lock() {
  int error = pthread_mutex_trylock(&mutex_);
  if (error == EBUSY) return false;  // someone else holds it: not an error
  if (error == EOWNERDEAD) error = pthread_mutex_consistent(&mutex_);  // as in lock()
  CheckPthread("pthread_mutex_trylock", error);
  return true;
}

void SharedMutex::unlock() {
  // A robust mutex knows its owner, so unlocking one we do not hold fails
  // with EPERM instead of silently releasing somebody else's lock.
  CheckPthread("pthread_mutex_unlock", pthread_mutex_unlock(&mutex_));
}

}  // namespace mp
