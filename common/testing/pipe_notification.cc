#include "common/testing/pipe_notification.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "common/errors.h"

namespace mp::testing {

PipeNotification::PipeNotification() {
  int fds[2];
  CheckSystemCall("pipe2", ::pipe2(fds, O_CLOEXEC));
  read_end_.reset(fds[0]);
  write_end_.reset(fds[1]);
}

void PipeNotification::Notify() const {
  if (::write(write_end_.get(), "!", 1) != 1) ::_exit(98);
}

bool PipeNotification::Wait(int give_up_fd, std::chrono::milliseconds patience) const {
  pollfd fds[2] = {{read_end_.get(), POLLIN, 0}, {give_up_fd, POLLIN, 0}};
  int ready;
  do {
    ready = ::poll(fds, 2, static_cast<int>(patience.count()));
  } while (ready == -1 && errno == EINTR);
  if (ready <= 0 || (fds[0].revents & POLLIN) == 0) return false;
  char byte;
  return ::read(read_end_.get(), &byte, 1) == 1;
}

}  // namespace mp::testing
