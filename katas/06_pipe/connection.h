// mp::Pipe and mp::Connection: Python's multiprocessing.Pipe, in C++.
//
// Processes share no memory, so they talk through the kernel. Pipe() makes a
// channel and returns its two ends, two Connections; give one to a child
// process and keep the other. Whatever one end sends, the other receives:
// whole MESSAGES, in order, each exactly as sent. A message is bytes
// (send_bytes) or an object, encoded with mp::dumps (send); an empty message
// is a message too. Receiving blocks until a message is there; poll() asks
// without blocking. When every copy of one end is closed, the other end
// receives what was left, then mp::EOFError.
//
//   auto [parent_end, child_end] = mp::Pipe();
//   mp::Process child(
//       [](mp::Connection& end) {
//         auto numbers = end.recv<std::vector<int>>();
//         end.send(std::accumulate(numbers.begin(), numbers.end(), 0));
//       },
//       std::ref(child_end));
//   child.start();
//   child_end.close();                          // the child has its own copy
//   parent_end.send(std::vector<int>{1, 2, 3});
//   int sum = parent_end.recv<int>();           // 6
//   child.join();
//
// Python                                  C++
//   a, b = Pipe()                           auto [a, b] = mp::Pipe();
//   r, w = Pipe(duplex=False)               auto [r, w] = mp::Pipe(false);
//   conn.send(obj)                          conn.send(obj);
//   obj = conn.recv()                       auto obj = conn.recv<T>();
//   conn.send_bytes(buf, offset, size)      conn.send_bytes(buf, offset, size);
//   conn.recv_bytes(maxlength)              std::string b = conn.recv_bytes(maxlength);
//   n = conn.recv_bytes_into(buf, offset)   size_t n = conn.recv_bytes_into(buf, offset);
//   conn.poll(), conn.poll(0.5)             conn.poll(), conn.poll(500ms)
//   conn.poll(None)                         conn.poll(std::nullopt)   (waits forever)
//   conn.close(), conn.closed               conn.close(), conn.closed()
//   conn.fileno()                           conn.fileno()
//   conn.readable, conn.writable            conn.readable(), conn.writable()
//   EOFError, BufferTooShort                mp::EOFError, mp::BufferTooShort
//   OSError, ValueError                     mp::OSError, mp::ValueError
//
// One thread at a time may send on a Connection, and one at a time may
// receive: a duplex end may have one sending thread and one receiving
// thread, but two senders would interleave their messages' bytes.
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the functions in connection.cc.

#ifndef MPKATA_KATAS_06_PIPE_CONNECTION_H_
#define MPKATA_KATAS_06_PIPE_CONNECTION_H_

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/codec.h"
#include "common/errors.h"
#include "common/unique_fd.h"

namespace mp {

// Receiving found the channel closed: every copy of the other end is closed
// and no message is left (or the stream ended inside a message, because the
// sender died while sending it). Python: EOFError.
class EOFError : public Error {
 public:
  using Error::Error;
};

// recv_bytes_into was given a buffer too short for the message that came.
// The message has been received all the same (it is no longer in the pipe):
// message() holds it, whole. Python: BufferTooShort, whose args[0] holds it.
class BufferTooShort : public Error {
 public:
  BufferTooShort(const std::string& what, std::string message)
      : Error(what), message_(std::make_shared<const std::string>(std::move(message))) {}

  // The whole message that did not fit.
  const std::string& message() const noexcept { return *message_; }

 private:
  // Shared, so that copying the exception never throws nor copies a big message.
  std::shared_ptr<const std::string> message_;
};

class Connection {
 public:
  // A timeout in seconds: 500ms, 2s or std::chrono::duration<double>(0.5)
  // all convert to it.
  using Timeout = std::chrono::duration<double>;

  // Connection::Connection(fd, readable, writable)
  //
  // Takes ownership of `fd`, one end of a connected stream socket or of a
  // pipe (Pipe() is the usual way to get Connections). `readable` and
  // `writable` say which way this end may be used; at least one must be
  // true (mp::ValueError otherwise). Throws mp::OSError if `fd` is not an
  // open descriptor.
  Connection(UniqueFd fd, bool readable, bool writable)
      : fd_(std::move(fd)), readable_(readable), writable_(writable) {
    if (!readable && !writable) {
      throw ValueError("a Connection must be readable, writable or both");
    }
    // Sockets and pipes are written differently (see WriteAll), so find
    // out which this is.
    struct stat about;
    CheckSystemCall("fstat", ::fstat(fd_.get(), &about));
    socket_ = S_ISSOCK(about.st_mode);
  }

  // Move-only: the Connection owns its descriptor. The moved-from
  // Connection is closed.
  Connection(Connection&& other) noexcept = default;
  Connection& operator=(Connection&& other) noexcept = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connection::send(obj)
  //
  // Sends `obj`, encoded by mp::dumps, as one message; the other end gets
  // it back with recv<T>() of the same T. Blocks, as send_bytes does.
  // Throws as send_bytes does; a type that cannot be encoded does not
  // compile (see common/codec.h).
  template <typename T>
  void send(const T& obj) {
    send_bytes(dumps(obj));
  }

  // Connection::recv<T>()
  //
  // Receives one message and decodes it as a T with mp::loads. Blocks, and
  // throws, as recv_bytes() does; throws mp::CodecError if the message is not
  // an encoded T (the message is consumed all the same).
  template <typename T>
  T recv() {
    return loads<T>(recv_bytes());
  }

  // Connection::send_bytes(data, offset, size)
  //
  // Sends data[offset, offset + size) as one message (all of data from
  // `offset` when `size` is empty). Blocks until the whole message has been
  // handed to the kernel: that can take a while when the receiver is slow,
  // since a pipe holds only so much. Any length works, zero and hundreds of
  // megabytes included.
  // Throws mp::ValueError, before sending anything, if offset or size reach
  // outside `data`; mp::OSError if this end is closed ("handle is closed"),
  // read-only ("connection is read-only"), or the other end is closed
  // (code() is EPIPE: the process is NOT killed by SIGPIPE).
  void send_bytes(std::string_view data, std::size_t offset = 0,
                  std::optional<std::size_t> size = std::nullopt);

  // Connection::recv_bytes(maxlength)
  //
  // Receives one message and returns its bytes. Blocks until a message is
  // there. Throws mp::EOFError when every copy of the other end is closed
  // and no message is left; mp::OSError if this end is closed or write-only.
  // A message longer than `maxlength` throws mp::OSError ("bad message
  // length", code() EMSGSIZE) after reading and discarding it, so the
  // connection stays usable and the next call gets the next message.
  // (Python's connection is broken after that error.)
  std::string recv_bytes(std::optional<std::size_t> maxlength = std::nullopt);

  // Connection::recv_bytes_into(buffer, offset)
  //
  // Receives one message into buffer[offset, ...) and returns its length.
  // Blocks, and throws, as recv_bytes() does. Throws mp::ValueError if
  // `offset` is past the end of `buffer`, before receiving; and
  // mp::BufferTooShort if the message does not fit in what follows
  // `offset`: the message has then been received, and the exception's
  // message() holds it. The buffer does not grow.
  std::size_t recv_bytes_into(std::span<std::byte> buffer, std::size_t offset = 0);

  // The same, into the bytes of a string: its size() is the room there is.
  std::size_t recv_bytes_into(std::string& buffer, std::size_t offset = 0) {
    return recv_bytes_into(std::as_writable_bytes(std::span(buffer.data(), buffer.size())), offset);
  }

  // Connection::poll(timeout)
  //
  // Whether a message can be received without blocking. Waits up to
  // `timeout` for one (default 0: just look); std::nullopt or a negative
  // timeout waits as long as it takes (Python: poll(None); note that Python
  // treats a negative timeout as 0). Never consumes anything: a message
  // poll() saw, even an empty one, is still there for recv. Also true when
  // the other end is closed, since recv then returns at once (with
  // mp::EOFError once nothing is left). Throws mp::OSError if this end is
  // closed or write-only.
  bool poll(std::optional<Timeout> timeout = Timeout::zero());

  // Connection::close()
  //
  // Closes this end. Closing again does nothing. The other end sees the
  // channel closed only when EVERY copy of this end is closed: a forked
  // child holds copies of the descriptors that were open when it was made.
  void close() { fd_.reset(); }

  // Connection::closed()
  //
  // True after close(), and for a moved-from Connection.
  bool closed() const { return !fd_.valid(); }

  // Connection::fileno()
  //
  // The descriptor, still owned by the Connection (do not close it), to
  // wait on many connections at once with ::poll. Throws mp::OSError if
  // closed.
  int fileno() const {
    CheckNotClosed();
    return fd_.get();
  }

  // Connection::readable() and Connection::writable()
  //
  // Which ways this end may be used; both for a duplex Pipe(), one each for
  // the two ends of Pipe(false).
  bool readable() const { return readable_; }
  bool writable() const { return writable_; }

 private:
  // Throw mp::OSError with Python's messages (code() is EBADF).
  void CheckNotClosed() const {
    if (closed()) throw OSError("handle is closed", EBADF);
  }
  void CheckReadable() const {
    CheckNotClosed();
    if (!readable_) throw OSError("connection is write-only", EBADF);
  }
  void CheckWritable() const {
    CheckNotClosed();
    if (!writable_) throw OSError("connection is read-only", EBADF);
  }

  // Connection::WriteAll(data)
  //
  // Writes every byte of `data` to the descriptor, however many calls that
  // takes, retrying after a signal (EINTR). Blocks while the pipe is full.
  // Throws mp::OSError if writing fails: EPIPE when the other end is
  // closed, without the SIGPIPE that would kill the process.
  void WriteAll(std::string_view data);

  // Connection::ReadExactly(buffer)
  //
  // Reads exactly buffer.size() bytes into `buffer`, however many calls
  // that takes, retrying after EINTR. Blocks until they have come. Returns
  // false if the stream ended before the first byte (nothing was read);
  // throws mp::EOFError if it ended after some, mp::OSError if reading fails.
  // A Unix socket whose peer closed without reading what it was sent
  // reports ECONNRESET: that is the stream's end too, not a failure.
  bool ReadExactly(std::span<std::byte> buffer);

  UniqueFd fd_;
  bool readable_ = false;
  bool writable_ = false;
  bool socket_ = false;  // a socket (send with MSG_NOSIGNAL) or a pipe
};

// mp::Pipe(duplex)
//
// Makes a channel and returns its two ends. With `duplex` (the default),
// both ends send and receive (a connected pair of Unix stream sockets).
// Without it, the FIRST end only receives and the SECOND only sends (a
// pipe), in Python's order: `auto [reader, writer] = mp::Pipe(false);`.
// The descriptors are close-on-exec: a program started with exec does not
// inherit them. Throws mp::OSError if the kernel refuses (too many open
// files).
std::pair<Connection, Connection> Pipe(bool duplex = true);

}  // namespace mp

#endif  // MPKATA_KATAS_06_PIPE_CONNECTION_H_
