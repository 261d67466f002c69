// PipeNotification: one process tells another "now", through a pipe.
//
// Tests that fork need to say "the child holds the lock now" or "you may
// let go now" without sleeping and hoping. A pipe does it: Notify() writes
// a byte, Wait() blocks until a byte is there. Make it before forking, so
// both processes share the pipe.
//
//   mp::testing::PipeNotification holding, release;
//   // child:  lock(); holding.Notify(); release.Wait(); unlock(); _exit(0);
//   // parent: ASSERT_TRUE(holding.Wait(child.sentinel())); ... release.Notify();
//
// Wait() never hangs a broken test: it gives up after the patience (the
// StartBarrier's default), and, given a process's sentinel, as soon as that
// process ends without notifying.

#ifndef MPKATA_COMMON_TESTING_PIPE_NOTIFICATION_H_
#define MPKATA_COMMON_TESTING_PIPE_NOTIFICATION_H_

#include <chrono>

#include "common/unique_fd.h"

namespace mp::testing {

class PipeNotification {
 public:
  // Throws mp::OSError if the pipe cannot be made.
  PipeNotification();

  PipeNotification(const PipeNotification&) = delete;
  PipeNotification& operator=(const PipeNotification&) = delete;

  // Lets one Wait() return, in this process or another. Never blocks (a
  // pipe holds thousands of notifications). In a forked child a failure to
  // write ends the child with exit code 98, since it cannot throw into the
  // parent's test.
  void Notify() const;

  // PipeNotification::Wait(give_up_fd)
  //
  // Blocks until one Notify() has happened and consumes it; returns true.
  // Returns false after `patience`, or as soon as `give_up_fd` (if not -1,
  // typically a process's sentinel) becomes readable first.
  bool Wait(int give_up_fd = -1,
            std::chrono::milliseconds patience = std::chrono::seconds(20)) const;

 private:
  UniqueFd read_end_;
  UniqueFd write_end_;
};

}  // namespace mp::testing

#endif  // MPKATA_COMMON_TESTING_PIPE_NOTIFICATION_H_
