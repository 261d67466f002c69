// Kata 06_pipe: write mp::Pipe and mp::Connection, Python's
// multiprocessing.Pipe, in C++.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first; HINTS.md helps when you are stuck. Check your work:
//
//   bazel test //katas/06_pipe/...
//   bazel test --config=asan //katas/06_pipe/...   (no overruns, no leaks)
//
// What you may need: socketpair, AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC,
// send and MSG_NOSIGNAL (<sys/socket.h>); pipe2 and O_CLOEXEC (<fcntl.h>);
// read and write (<unistd.h>); poll (<poll.h>); pthread_sigmask,
// sigpending, sigtimedwait (<signal.h>); and mp::CheckSystemCall from
// common/errors.h.
#include "katas/06_pipe/connection.h"

#include "common/not_implemented.h"

namespace mp {

std::pair<Connection, Connection> Pipe(bool duplex) {
  // TODO(kata): make the channel and wrap its two ends. Two kinds: one
  // that carries bytes both ways, one that carries them one way only (and
  // then, which end comes first?). Ask the kernel for descriptors that a
  // program started with exec does not inherit, in the same call that
  // makes them.
  (void)duplex;
  throw NotImplemented("Pipe", "make a socket pair (duplex) or a pipe, and return two Connections");
}

void Connection::WriteAll(std::string_view data) {
  // TODO(kata): one write() does not promise to take everything you offer.
  // Two more traps: a signal can interrupt the call, and writing to a
  // channel nobody reads anymore kills the whole process, unless you take
  // care (one way for sockets, another for pipes).
  (void)data;
  throw NotImplemented("Connection::WriteAll", "write every byte, looping over partial writes");
}

bool Connection::ReadExactly(std::span<std::byte> buffer) {
  // TODO(kata): read() returns what has arrived so far, which may be less
  // than you asked for. And what does it return when nothing will ever come?
  (void)buffer;
  throw NotImplemented("Connection::ReadExactly", "read exactly buffer.size() bytes");
}

void Connection::send_bytes(std::string_view data, std::size_t offset,
                            std::optional<std::size_t> size) {
  // TODO(kata): the receiver gets a stream of bytes, not messages: send
  // whatever it needs to find where this message ends. Check the arguments
  // before anything leaves.
  (void)data;
  (void)offset;
  (void)size;
  throw NotImplemented("Connection::send_bytes", "send a length header, then the bytes");
}

std::string Connection::recv_bytes(std::optional<std::size_t> maxlength) {
  // TODO(kata): undo what send_bytes did. A message that is too long must
  // still leave the channel, or the next receive starts in its middle.
  (void)maxlength;
  throw NotImplemented("Connection::recv_bytes", "read the length header, then the message");
}

std::size_t Connection::recv_bytes_into(std::span<std::byte> buffer, std::size_t offset) {
  // TODO(kata): as recv_bytes, into the caller's buffer. Whether the
  // message fits is known only after its header has been read.
  (void)buffer;
  (void)offset;
  throw NotImplemented("Connection::recv_bytes_into", "receive a message into the buffer");
}

bool Connection::poll(std::optional<Timeout> timeout) {
  // TODO(kata): wait for "a receive would not block", up to a deadline,
  // without taking anything out of the channel.
  (void)timeout;
  throw NotImplemented("Connection::poll", "wait until the descriptor is readable, or time out");
}

}  // namespace mp
