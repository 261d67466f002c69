// Reference solution of kata 06_pipe: mp::Pipe and mp::Connection, messages
// over a socket pair or a pipe.
#include "katas/06_pipe/connection.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

namespace mp {
namespace {

// Every message starts with its length: 8 bytes, an unsigned 64-bit number
// in this machine's byte order (both ends are processes of one program on
// one machine). Python uses 4 bytes, plus an escape for messages of 2 GiB
// and more; one size for all is simpler, and 4 bytes a message is no cost.
using Header = std::uint64_t;

// Messages up to this size go out in ONE write, header and payload copied
// together into a buffer on the stack: a small message costs one system
// call instead of two, and no allocation. Bigger ones are written as two
// pieces, so that the payload is never copied. (A heap buffer for messages
// of tens of KiB cost more than the second system call: allocating and
// freeing it churned pages; tools/bench:pipe_benchmark measures it.)
constexpr std::size_t kCopyLimit = 4 * 1024;

std::span<std::byte> BytesOf(Header& header) {
  return std::as_writable_bytes(std::span(&header, 1));
}

// While it lives, SIGPIPE is blocked for THIS thread (other threads are not
// touched), and a SIGPIPE that a write of ours raises is taken off the
// pending list before the old mask comes back.
//
// Why: writing to a pipe whose read end is closed everywhere makes the
// kernel send the writer SIGPIPE, whose default action ends the process,
// before write() can even return EPIPE. A library must not change the
// process-wide disposition (signal(SIGPIPE, SIG_IGN) belongs to the
// program), so it blocks the signal for the duration of its write: a
// blocked signal stays pending instead of acting. If it left it pending,
// it would act the moment the mask is restored, so it consumes it with
// sigtimedwait and a zero timeout (which never waits). A SIGPIPE that was
// already pending before is left alone: it is somebody else's.
// Sockets need none of this: send() has the flag MSG_NOSIGNAL.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    if (raised_ && !was_pending_) {
      const timespec no_wait{0, 0};
      while (sigtimedwait(&sigpipe_, nullptr, &no_wait) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

  // A write failed with EPIPE: the kernel raised SIGPIPE too.
  void NoteRaised() { raised_ = true; }

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool raised_ = false;
};

}  // namespace


std::pair<Connection, Connection> Pipe(bool duplex) {
  // A stream socket pair is two-way: each end reads what the other writes.
  // A pipe is one-way: fds[0] reads, fds[1] writes. Either way the kernel
  // keeps the bytes in order and hands them out in whatever pieces it
  // likes: finding where each message ends is the Connection's job.
  // *_CLOEXEC makes them close-on-exec in the same call that opens them:
  // setting the flag later with fcntl would leave a moment in which another
  // thread's fork + exec could carry them into an unrelated program.
  int fds[2];
  if (duplex) {
    CheckSystemCall("socketpair", ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
    UniqueFd first(fds[0]), second(fds[1]);  // owned before anything can throw
    return {Connection(std::move(first), true, true), Connection(std::move(second), true, true)};
  }
  CheckSystemCall("pipe2", ::pipe2(fds, O_CLOEXEC));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  return {Connection(std::move(read_end), true, false),
          Connection(std::move(write_end), false, true)};
}

void Connection::WriteAll(std::string_view data) {
  // write() may take fewer bytes than offered: a pipe or socket holds only
  // so much, and a signal can interrupt a write that has done part of its
  // job (it then returns the part). So: offer the rest until none is left.
  std::optional<SigpipeBlocked> sigpipe_blocked;
  if (!socket_) sigpipe_blocked.emplace();
  while (!data.empty()) {
    const ssize_t written = socket_ ? ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL)
                                    : ::write(fd_.get(), data.data(), data.size());
    if (written == -1) {
      if (errno == EINTR) continue;  // interrupted before writing anything
      const int error = errno;
      if (error == EPIPE && sigpipe_blocked) sigpipe_blocked->NoteRaised();
      throw OSError("send_bytes", error);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

bool Connection::ReadExactly(std::span<std::byte> buffer) {
  // read() returns what has arrived, as little as one byte, not what was
  // written in one go: a message can come in many pieces, and one read can
  // never return more than asked for, so it never eats the next message.
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t count = ::read(fd_.get(), buffer.data() + done, buffer.size() - done);
    if (count == -1) {
      if (errno == EINTR) continue;
      // A Unix socket whose peer closed while data it had not read was
      // waiting for it reports ECONNRESET instead of end of file: for us,
      // the other end is gone all the same.
      if (errno != ECONNRESET) throw OSError("recv_bytes", errno);
    }
    if (count <= 0) {  // 0: end of file, every copy of the other end is closed
      if (done == 0) return false;
      throw EOFError("recv_bytes: the other end closed in the middle of a message (" +
                     std::to_string(done) + " of " + std::to_string(buffer.size()) +
                     " bytes read)");
    }
    done += static_cast<std::size_t>(count);
  }
  return true;
}

void Connection::send_bytes(std::string_view data, std::size_t offset,
                            std::optional<std::size_t> size) {
  CheckWritable();
  // Check everything before sending anything: a message half sent would
  // leave the receiver out of step for good. `size > data.size() - offset`
  // rather than `offset + size > data.size()`, which can overflow.
  if (offset > data.size()) {
    throw ValueError("send_bytes: offset " + std::to_string(offset) + " is past the end of " +
                     std::to_string(data.size()) + " bytes");
  }
  if (size && *size > data.size() - offset) {
    throw ValueError("send_bytes: offset " + std::to_string(offset) + " + size " +
                     std::to_string(*size) + " is past the end of " + std::to_string(data.size()) +
                     " bytes");
  }
  const std::string_view payload = data.substr(offset, size.value_or(data.size() - offset));

  // The framing: the length first, then the bytes. The receiver reads the
  // length, and then knows exactly how many bytes belong to this message.
  Header header = payload.size();
  const std::span<std::byte> header_bytes = BytesOf(header);
  const std::string_view header_view(reinterpret_cast<const char*>(header_bytes.data()),
                                     header_bytes.size());
  if (payload.size() <= kCopyLimit) {
    std::array<char, sizeof(Header) + kCopyLimit> message;
    std::memcpy(message.data(), header_view.data(), header_view.size());
    if (!payload.empty()) std::memcpy(message.data() + header_view.size(), payload.data(), payload.size());
    WriteAll(std::string_view(message.data(), header_view.size() + payload.size()));
  } else {
    WriteAll(header_view);
    WriteAll(payload);
  }
}

std::string Connection::recv_bytes(std::optional<std::size_t> maxlength) {
  CheckReadable();
  Header header = 0;
  if (!ReadExactly(BytesOf(header))) {
    throw EOFError("recv_bytes: the other end is closed and no message is left");
  }
  if (maxlength && header > *maxlength) {
    // Read the message and drop it, a piece at a time (it may be huge, which
    // is why it is refused), so that the next read starts at the next
    // message's header. Python stops here, and its connection is then out
    // of step: the next recv would take payload bytes for a header.
    std::byte scrap[16 * 1024];
    for (Header left = header; left > 0;) {
      const std::size_t piece = static_cast<std::size_t>(std::min<Header>(left, sizeof scrap));
      if (!ReadExactly(std::span(scrap, piece))) {
        throw EOFError("recv_bytes: the other end closed in the middle of a message");
      }
      left -= piece;
    }
    throw OSError("recv_bytes: bad message length: " + std::to_string(header) +
                      " bytes, more than maxlength " + std::to_string(*maxlength) +
                      " (the message was discarded)",
                  EMSGSIZE);
  }
  std::string message(static_cast<std::size_t>(header), '\0');
  if (!ReadExactly(std::as_writable_bytes(std::span(message.data(), message.size()))) &&
      !message.empty()) {
    throw EOFError("recv_bytes: the other end closed in the middle of a message");
  }
  return message;
}

std::size_t Connection::recv_bytes_into(std::span<std::byte> buffer, std::size_t offset) {
  CheckReadable();
  if (offset > buffer.size()) {
    throw ValueError("recv_bytes_into: offset " + std::to_string(offset) +
                     " is past the end of a buffer of " + std::to_string(buffer.size()) + " bytes");
  }
  Header header = 0;
  if (!ReadExactly(BytesOf(header))) {
    throw EOFError("recv_bytes_into: the other end is closed and no message is left");
  }
  const std::size_t room = buffer.size() - offset;
  if (header > room) {
    // The message must leave the pipe all the same, or the connection would
    // be out of step; the caller gets it in the exception.
    std::string message(static_cast<std::size_t>(header), '\0');
    if (!ReadExactly(std::as_writable_bytes(std::span(message.data(), message.size())))) {
      throw EOFError("recv_bytes_into: the other end closed in the middle of a message");
    }
    throw BufferTooShort("recv_bytes_into: a message of " + std::to_string(header) +
                             " bytes does not fit in the " + std::to_string(room) +
                             " bytes after offset " + std::to_string(offset) +
                             " (it was received: see message())",
                         std::move(message));
  }
  const std::span<std::byte> destination = buffer.subspan(offset, static_cast<std::size_t>(header));
  if (!ReadExactly(destination) && !destination.empty()) {
    throw EOFError("recv_bytes_into: the other end closed in the middle of a message");
  }
  return destination.size();
}

bool Connection::poll(std::optional<Timeout> timeout) {
  CheckReadable();
  // poll(2) waits for a descriptor to be readable and reads nothing: the
  // message stays where it is. Readable means "a read would not block":
  // data is there (an empty message is still 8 header bytes), or the other
  // end is closed (POLLHUP; a read would return end of file at once).
  // A signal can cut the wait short (EINTR): wait again for what is left.
  using Clock = std::chrono::steady_clock;
  const bool forever = !timeout || *timeout < Timeout::zero();
  // A year is forever enough, and keeps the clock arithmetic from overflowing.
  const Timeout patience =
      forever ? Timeout::zero() : std::min<Timeout>(*timeout, std::chrono::hours(24 * 365));
  const Clock::time_point deadline = Clock::now() + std::chrono::ceil<Clock::duration>(patience);
  for (;;) {
    int wait_ms = -1;  // poll(2): negative waits with no limit
    if (!forever) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      wait_ms =
          static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
    }
    pollfd ready{fd_.get(), POLLIN, 0};
    const int count = ::poll(&ready, 1, wait_ms);
    if (count == -1 && errno != EINTR) throw OSError("poll", errno);
    if (count == 1) return true;  // POLLIN, POLLHUP or POLLERR: recv will not block
    if (count == 0 && Clock::now() >= deadline) return false;
  }
}

}  // namespace mp
