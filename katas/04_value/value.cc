// Kata 04_value: write the two pieces Python's multiprocessing.Value and
// Array stand on: memory that several processes share, and a mutex that
// works between processes.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first; HINTS.md helps when you are stuck. Check your work:
//
//   bazel test //katas/04_value/...
//   bazel test --config=asan //katas/04_value/...   (no leaks, no bad memory)
//
// What you may need: mmap, munmap, MAP_FAILED (<sys/mman.h>); the
// pthread_mutexattr_* and pthread_mutex_* functions, EOWNERDEAD and EBUSY
// (<pthread.h>, <cerrno>); mp::ValueError and mp::OSError from
// common/errors.h; MutexAttributes (an attributes object that destroys
// itself) and CheckPthread from common/pthread_attributes.h.
#include "katas/04_value/value.h"

#include <pthread.h>
#include <sys/mman.h>

#include <cerrno>

#include "common/not_implemented.h"

namespace mp {

SharedMemory::SharedMemory(std::size_t bytes) {
  // TODO(kata): ask the kernel for memory that fork will NOT copy: after the
  // fork, parent and child must see one and the same bytes. It needs no file
  // and no name. Refuse a size that makes no sense, and remember that this
  // system call reports failure with a special pointer, not with -1.
  (void)bytes;
  throw NotImplemented("SharedMemory::SharedMemory", "map `bytes` bytes of shared memory");
}

SharedMemory::~SharedMemory() {
  // TODO(kata): give the memory back to the kernel, in this process. A
  // moved-from SharedMemory owns nothing: it must not give back anything.
}

SharedMutex::SharedMutex() {
  // TODO(kata): a pthread mutex, initialised with attributes that make it
  // work between PROCESSES and survive the death of a process that holds it.
  // The attributes object has a life of its own (init ... destroy): make
  // sure nothing can skip its destruction. pthread functions do not report
  // errors the way system calls do: look at what they return.
  throw NotImplemented("SharedMutex::SharedMutex", "initialise a process-shared, robust mutex");
}

SharedMutex::~SharedMutex() {
  // TODO(kata): destroy the mutex. A destructor never throws.
  (void)mutex_;
}

void SharedMutex::lock() {
  // TODO(kata): lock it. One result is not an error although it is not 0:
  // you got the mutex, but from a process that died holding it. What must
  // you do before the mutex is usable again?
  throw NotImplemented("SharedMutex::lock", "lock the mutex, recovering it from a dead owner");
}

bool SharedMutex::try_lock() {
  // TODO(kata): as lock(), without waiting. Which result means "held by
  // someone else", and is therefore an answer rather than an error?
  throw NotImplemented("SharedMutex::try_lock", "lock the mutex if it is free, without blocking");
}

void SharedMutex::unlock() {
  // TODO(kata): unlock it, and do not ignore what the call returns.
  throw NotImplemented("SharedMutex::unlock", "unlock the mutex");
}

}  // namespace mp
