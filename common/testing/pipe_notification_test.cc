#include "common/testing/pipe_notification.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "common/testing/child_process_guard.h"

namespace mp::testing {
namespace {

using std::chrono_literals::operator""ms;

// Tests that a notification from a forked child reaches the parent.
TEST(PipeNotificationTest, CarriesANotificationAcrossFork) {
  ChildProcessGuard guard;
  PipeNotification ready;
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    ready.Notify();
    ::_exit(0);
  }
  EXPECT_TRUE(ready.Wait());
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
}

// Tests that each Wait consumes one Notify.
TEST(PipeNotificationTest, EachWaitConsumesOneNotify) {
  PipeNotification notification;
  notification.Notify();
  EXPECT_TRUE(notification.Wait());
  EXPECT_FALSE(notification.Wait(-1, 10ms));
}

// Tests that Wait gives up at once when the give-up descriptor is readable,
// as a process's sentinel is once the process has ended.
TEST(PipeNotificationTest, GivesUpWhenTheGiveUpDescriptorIsReadable) {
  PipeNotification never_notified;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[1]);  // the read end is now readable: end of file
  EXPECT_FALSE(never_notified.Wait(fds[0]));
  ::close(fds[0]);
}

}  // namespace
}  // namespace mp::testing
