#include "common/testing/start_barrier.h"

#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

#include <cerrno>
#include <new>
#include <string>

#include "common/errors.h"
#include "common/pthread_attributes.h"

namespace mp::testing {

// A process-shared mutex and condition variable guard the count. The
// condition variable waits on CLOCK_MONOTONIC so that a change of the wall
// clock cannot shorten or stretch the patience.
struct StartBarrier::Shared {
  pthread_mutex_t mutex;
  pthread_cond_t all_arrived;
  int arrived = 0;
  bool broken = false;
};

namespace {

timespec DeadlineAfter(std::chrono::milliseconds patience) {
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  const auto total_ns = static_cast<long long>(deadline.tv_nsec) +
                        std::chrono::duration_cast<std::chrono::nanoseconds>(patience).count();
  deadline.tv_sec += static_cast<time_t>(total_ns / 1'000'000'000);
  deadline.tv_nsec = static_cast<long>(total_ns % 1'000'000'000);
  return deadline;
}

// Unlocks a pthread mutex when it goes out of scope.
class PthreadLockGuard {
 public:
  explicit PthreadLockGuard(pthread_mutex_t* mutex) : mutex_(mutex) {
    CheckPthread("pthread_mutex_lock", pthread_mutex_lock(mutex_));
  }
  ~PthreadLockGuard() { pthread_mutex_unlock(mutex_); }
  PthreadLockGuard(const PthreadLockGuard&) = delete;
  PthreadLockGuard& operator=(const PthreadLockGuard&) = delete;

 private:
  pthread_mutex_t* mutex_;
};

}  // namespace

StartBarrier::StartBarrier(int parties, std::chrono::milliseconds patience)
    : parties_(parties), patience_(patience), shared_(nullptr) {
  if (parties < 1) {
    throw ValueError("StartBarrier needs at least 1 party, got " + std::to_string(parties));
  }
  void* memory = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw OSError("mmap", errno);
  shared_ = new (memory) Shared;

  MutexAttributes mutex_attributes;
  CheckPthread("pthread_mutexattr_setpshared",
               pthread_mutexattr_setpshared(mutex_attributes.get(), PTHREAD_PROCESS_SHARED));
  CheckPthread("pthread_mutex_init", pthread_mutex_init(&shared_->mutex, mutex_attributes.get()));

  ConditionAttributes condition_attributes;
  CheckPthread("pthread_condattr_setpshared",
               pthread_condattr_setpshared(condition_attributes.get(), PTHREAD_PROCESS_SHARED));
  CheckPthread("pthread_condattr_setclock",
               pthread_condattr_setclock(condition_attributes.get(), CLOCK_MONOTONIC));
  CheckPthread("pthread_cond_init",
               pthread_cond_init(&shared_->all_arrived, condition_attributes.get()));
}

StartBarrier::~StartBarrier() {
  pthread_cond_destroy(&shared_->all_arrived);
  pthread_mutex_destroy(&shared_->mutex);
  shared_->~Shared();
  ::munmap(shared_, sizeof(Shared));
}

bool StartBarrier::arrive_and_wait() {
  PthreadLockGuard lock(&shared_->mutex);
  if (shared_->broken) return false;
  if (++shared_->arrived >= parties_) {
    pthread_cond_broadcast(&shared_->all_arrived);
    return true;
  }
  const timespec deadline = DeadlineAfter(patience_);
  while (shared_->arrived < parties_ && !shared_->broken) {
    const int result = pthread_cond_timedwait(&shared_->all_arrived, &shared_->mutex, &deadline);
    // The last party may have arrived just as the wait timed out: only a
    // barrier still short of parties is broken.
    if (result == ETIMEDOUT && shared_->arrived < parties_) {
      shared_->broken = true;
      pthread_cond_broadcast(&shared_->all_arrived);
    }
  }
  return !shared_->broken;
}

int StartBarrier::arrived() const {
  PthreadLockGuard lock(&shared_->mutex);
  return shared_->arrived;
}

}  // namespace mp::testing
