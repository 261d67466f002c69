// RAII owners of pthread attribute objects, and the check for a failed
// pthread call.
//
// The pthread functions report failure differently from system calls: they
// RETURN the error number (0 for success) and leave errno alone, so
// CheckSystemCall (which looks for -1 and reads errno) would miss their
// errors. CheckPthread looks at the returned number instead.
//
//   mp::MutexAttributes attributes;   // pthread_mutexattr_init ... destroy
//   mp::CheckPthread("pthread_mutexattr_setpshared",
//                    pthread_mutexattr_setpshared(attributes.get(), PTHREAD_PROCESS_SHARED));
//   mp::CheckPthread("pthread_mutex_init", pthread_mutex_init(&mutex, attributes.get()));

#ifndef MPKATA_COMMON_PTHREAD_ATTRIBUTES_H_
#define MPKATA_COMMON_PTHREAD_ATTRIBUTES_H_

#include <pthread.h>

#include "common/errors.h"

namespace mp {

// Throws mp::OSError naming `call` if `error_number` (a pthread function's
// return value) is not 0.
inline void CheckPthread(const char* call, int error_number) {
  if (error_number != 0) throw OSError(call, error_number);
}

// Owns a pthread_mutexattr_t from init to destroy, whatever happens between
// (an exception from a later setting included).
class MutexAttributes {
 public:
  MutexAttributes() { CheckPthread("pthread_mutexattr_init", pthread_mutexattr_init(&attributes_)); }
  ~MutexAttributes() { pthread_mutexattr_destroy(&attributes_); }
  MutexAttributes(const MutexAttributes&) = delete;
  MutexAttributes& operator=(const MutexAttributes&) = delete;

  pthread_mutexattr_t* get() { return &attributes_; }

 private:
  pthread_mutexattr_t attributes_;
};

// The same for a pthread_condattr_t.
class ConditionAttributes {
 public:
  ConditionAttributes() { CheckPthread("pthread_condattr_init", pthread_condattr_init(&attributes_)); }
  ~ConditionAttributes() { pthread_condattr_destroy(&attributes_); }
  ConditionAttributes(const ConditionAttributes&) = delete;
  ConditionAttributes& operator=(const ConditionAttributes&) = delete;

  pthread_condattr_t* get() { return &attributes_; }

 private:
  pthread_condattr_t attributes_;
};

}  // namespace mp

#endif  // MPKATA_COMMON_PTHREAD_ATTRIBUTES_H_
