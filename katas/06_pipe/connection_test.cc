// Tests of kata 06_pipe: mp::Pipe and mp::Connection, Python's
// multiprocessing.Pipe.
//
// Run them with:   bazel test //katas/06_pipe/...
// and against the reference solution:   bazel test //solutions/06_pipe/...
//
// A pipe holds only so much (about 200 KiB for a socket pair, 64 KiB for a
// pipe), so a test that sends more than that has a child process receive it
// at the same time; smaller messages are sent and received by the test
// alone. No test sleeps: a receiver simply blocks until its message comes.
// Children are daemons, so that a test failing half-way kills its child
// instead of waiting for it forever.

#include "katas/06_pipe/connection.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/codec.h"
#include "common/errors.h"
#include "common/testing/child_process_guard.h"
#include "katas/03_process/process.h"

namespace {

using mp::Connection;
using mp::Process;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

static_assert(std::is_base_of_v<mp::Error, mp::EOFError>);
static_assert(std::is_base_of_v<mp::Error, mp::BufferTooShort>);
static_assert(!std::is_copy_constructible_v<Connection>, "a Connection owns its descriptor");

// `size` bytes that differ from one `seed` to the next. They repeat with a
// period of 1 MiB + 7 bytes, which no chunk size of the kernel or of a read
// loop divides, so a piece lost, doubled or moved shows.
std::string Pattern(std::size_t size, std::uint32_t seed) {
  constexpr std::size_t kPeriod = (std::size_t{1} << 20) + 7;
  std::string block(std::min(size, kPeriod), '\0');
  std::uint32_t state = seed * 2654435761u + 1;
  for (char& byte : block) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<char>(state >> 24);
  }
  std::string bytes(size, '\0');
  for (std::size_t at = 0; at < size; at += block.size()) {
    std::memcpy(bytes.data() + at, block.data(), std::min(block.size(), size - at));
  }
  return bytes;
}

// The bytes of a span, as a string, to compare and print.
std::string Text(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Starts `child` as a daemon: should the test fail before joining it, the
// Process destructor kills it instead of waiting for it.
void StartDaemon(Process& child) {
  child.set_daemon(true);
  child.start();
}

bool IsCloseOnExec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  return flags != -1 && (flags & FD_CLOEXEC) != 0;
}

// What a child sends back: the orders it got, and their total.
struct Order {
  std::string item;
  int quantity = 0;
  std::vector<double> prices;
  std::optional<std::string> note;
  MP_CODEC_FIELDS(item, quantity, prices, note)

  bool operator==(const Order&) const = default;
};

// Every test may fork: the guard fails a test that leaves a child behind.
class ConnectionTest : public testing::Test {
 protected:
  mp::testing::ChildProcessGuard guard_;
};

// --- The two kinds of Pipe ----------------------------------------------------

// Tests that both ends of a duplex pipe send and receive.
TEST_F(ConnectionTest, DuplexPipeCarriesMessagesBothWays) {
  auto [left, right] = mp::Pipe();
  EXPECT_TRUE(left.readable() && left.writable());
  EXPECT_TRUE(right.readable() && right.writable());
  left.send_bytes("ping");
  EXPECT_EQ(right.recv_bytes(), "ping");
  right.send_bytes("pong");
  EXPECT_EQ(left.recv_bytes(), "pong");
}

// Tests that Pipe(false) returns the receiving end first and the sending
// end second, as Python does, and that the message goes that way.
TEST_F(ConnectionTest, OneWayPipeGivesTheReceivingEndFirst) {
  auto [reader, writer] = mp::Pipe(false);
  EXPECT_TRUE(reader.readable());
  EXPECT_FALSE(reader.writable());
  EXPECT_FALSE(writer.readable());
  EXPECT_TRUE(writer.writable());
  writer.send_bytes("one way");
  EXPECT_EQ(reader.recv_bytes(), "one way");
}

// Tests that no end leaks into a program started with exec: all four
// descriptors are close-on-exec, and distinct.
TEST_F(ConnectionTest, DescriptorsAreCloseOnExec) {
  auto [left, right] = mp::Pipe();
  auto [reader, writer] = mp::Pipe(false);
  for (const Connection* end : {&left, &right, &reader, &writer}) {
    ASSERT_GE(end->fileno(), 0);
    EXPECT_TRUE(IsCloseOnExec(end->fileno())) << "descriptor " << end->fileno();
  }
  EXPECT_NE(left.fileno(), right.fileno());
  EXPECT_NE(reader.fileno(), writer.fileno());
}

// Tests that a Connection must be good for at least one direction.
TEST_F(ConnectionTest, ConnectionWithNoDirectionIsAValueError) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  mp::UniqueFd keep(fds[1]);
  EXPECT_THROW(Connection(mp::UniqueFd(fds[0]), false, false), mp::ValueError);
}

// --- Messages ---------------------------------------------------------------

// Tests that bytes arrive exactly as sent, zero bytes included.
TEST_F(ConnectionTest, BytesArriveAsSent) {
  auto [left, right] = mp::Pipe();
  const std::string bytes("a\0b\xff\n", 5);
  left.send_bytes(bytes);
  EXPECT_EQ(right.recv_bytes(), bytes);
}

// Tests that an empty message is a message: it arrives, as "", in its turn.
TEST_F(ConnectionTest, EmptyMessageIsAMessage) {
  auto [reader, writer] = mp::Pipe(false);
  writer.send_bytes("");
  writer.send_bytes("after");
  EXPECT_EQ(reader.recv_bytes(), "");
  EXPECT_EQ(reader.recv_bytes(), "after");
}

// Tests that many messages of many sizes, from empty to over a MiB, arrive
// whole, separate and in order, while a child sends them as fast as it can.
TEST_F(ConnectionTest, BoundariesArePreservedForMessagesOfManySizes) {
  // clang-format off
  const std::vector<std::size_t> sizes = {
      0, 1, 2, 7, 8, 9, 100,             // around the size of the header
      4095, 4096, 4097, 0,               // around a page
      65535, 65536, 65537, 65544, 0, 3,  // around what a pipe holds
      200000, 1 << 20, (1 << 20) + 1,    // more than a socket pair holds
      0, 12345,
  };
  // clang-format on
  auto [parent_end, child_end] = mp::Pipe();
  Process child(
      [&sizes](Connection& end) {
        for (std::size_t i = 0; i < sizes.size(); ++i) end.send_bytes(Pattern(sizes[i], i));
      },
      std::ref(child_end));
  StartDaemon(child);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string message = parent_end.recv_bytes();
    ASSERT_EQ(message.size(), sizes[i]) << "message " << i;
    ASSERT_TRUE(message == Pattern(sizes[i], i)) << "message " << i << " has the wrong bytes";
  }
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// Tests that send_bytes sends only data[offset, offset + size).
TEST_F(ConnectionTest, SendBytesSendsTheSliceGivenByOffsetAndSize) {
  auto [left, right] = mp::Pipe();
  left.send_bytes("abcdef", 2, 3);
  EXPECT_EQ(right.recv_bytes(), "cde");
  left.send_bytes("abcdef", 4);
  EXPECT_EQ(right.recv_bytes(), "ef");
  left.send_bytes("abcdef", 6);
  EXPECT_EQ(right.recv_bytes(), "");
  left.send_bytes("abcdef", 0, 0);
  EXPECT_EQ(right.recv_bytes(), "");
}

// Tests that an offset or size reaching outside the data is a ValueError
// raised before anything is sent.
TEST_F(ConnectionTest, OffsetOrSizeOutsideTheDataIsAValueErrorAndSendsNothing) {
  auto [left, right] = mp::Pipe();
  EXPECT_THROW(left.send_bytes("abc", 4), mp::ValueError);
  EXPECT_THROW(left.send_bytes("abc", 1, 3), mp::ValueError);
  EXPECT_THROW(left.send_bytes("abc", 0, 4), mp::ValueError);
  EXPECT_THROW(left.send_bytes("abc", 2, SIZE_MAX), mp::ValueError) << "offset + size overflows";
  EXPECT_FALSE(right.poll()) << "a rejected message was sent all the same";
  left.send_bytes("fine");
  EXPECT_EQ(right.recv_bytes(), "fine");
}

// Tests that objects travel to a child and back: user types, containers,
// optionals.
TEST_F(ConnectionTest, ObjectsRoundTripBetweenProcesses) {
  const std::vector<Order> orders = {
      {"apples", 3, {0.5, 0.25}, std::nullopt},
      {"pears", 0, {}, "out of stock"},
      {"", 1, {2.0}, ""},
  };
  auto [parent_end, child_end] = mp::Pipe();
  Process child(
      [](Connection& end) {
        const auto received = end.recv<std::vector<Order>>();
        std::map<std::string, double> totals;
        for (const Order& order : received) {
          for (double price : order.prices) totals[order.item] += price * order.quantity;
        }
        end.send(received);
        end.send(totals);
      },
      std::ref(child_end));
  StartDaemon(child);
  parent_end.send(orders);
  EXPECT_EQ(parent_end.recv<std::vector<Order>>(), orders);
  EXPECT_EQ((parent_end.recv<std::map<std::string, double>>()),
            (std::map<std::string, double>{{"apples", 2.25}, {"", 2.0}}));
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// Tests that receiving a message as another type than was sent is a
// CodecError, not garbage.
TEST_F(ConnectionTest, RecvAsAnotherTypeIsACodecError) {
  auto [left, right] = mp::Pipe();
  left.send(42);
  EXPECT_THROW(right.recv<std::string>(), mp::CodecError);
  left.send(std::string("next"));
  EXPECT_EQ(right.recv<std::string>(), "next") << "the bad message was not consumed";
}

// Tests that a 64 MiB message arrives whole through a child process that
// receives it while the parent sends, and replies with its size and hash.
// (Neither side could do it alone: the sender blocks until the receiver
// has made room.) 64 MiB is some 300 times what the socket pair holds, so
// the message is written and read in hundreds of pieces; much bigger only
// makes the test slow under ThreadSanitizer, which shadows every byte.
TEST_F(ConnectionTest, HugeMessageArrivesWholeThroughAChildProcess) {
  constexpr std::size_t kSize = std::size_t{64} << 20;
  const std::string payload = Pattern(kSize, 7);
  auto [parent_end, child_end] = mp::Pipe();
  Process child(
      [](Connection& end) {
        const std::string received = end.recv_bytes();
        end.send(std::pair<std::uint64_t, std::uint64_t>(received.size(),
                                                         std::hash<std::string_view>{}(received)));
      },
      std::ref(child_end));
  StartDaemon(child);
  parent_end.send_bytes(payload);
  const auto [size, hash] = parent_end.recv<std::pair<std::uint64_t, std::uint64_t>>();
  EXPECT_EQ(size, kSize);
  EXPECT_EQ(hash, std::hash<std::string_view>{}(payload)) << "the bytes changed on the way";
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// Tests the way out of the classic deadlock: both ends send a message too
// big for the pipe before receiving. Each send waits for the other side to
// read, so with one thread each they would wait forever; here the parent
// receives on a second thread while its first thread sends.
TEST_F(ConnectionTest, BothEndsSendLargeMessagesFirstWhenOneReceivesOnAThread) {
  constexpr std::size_t kSize = std::size_t{4} << 20;  // far more than a pipe holds
  const std::string to_child = Pattern(kSize, 1);
  const std::string to_parent = Pattern(kSize, 2);
  auto [parent_end, child_end] = mp::Pipe();
  Process child(
      [&](Connection& end) {
        end.send_bytes(to_parent);  // waits until the parent reads
        if (end.recv_bytes() != to_child) ::_exit(2);
      },
      std::ref(child_end));
  StartDaemon(child);
  child_end.close();  // so that the reader sees end of file if the child dies

  std::string received;
  std::string failure;
  std::thread reader(
      [&received, &failure](Connection& end) {
        try {
          received = end.recv_bytes();
        } catch (const std::exception& error) {
          failure = error.what();
        }
      },
      std::ref(parent_end));
  EXPECT_NO_THROW(parent_end.send_bytes(to_child));
  reader.join();
  EXPECT_EQ(failure, "");
  EXPECT_TRUE(received == to_parent) << "the child's message arrived changed";
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// --- poll ---------------------------------------------------------------------

// Tests that poll() sees a message, even an empty one, without consuming it.
TEST_F(ConnectionTest, PollDoesNotConsumeTheMessage) {
  auto [left, right] = mp::Pipe();
  left.send_bytes("");
  EXPECT_TRUE(right.poll());
  EXPECT_TRUE(right.poll(0ms)) << "asking twice still finds the message";
  EXPECT_EQ(right.recv_bytes(), "");
  EXPECT_FALSE(right.poll()) << "the message is gone once received";
}

// Tests that poll() with a timeout, or with none, returns false when no
// message comes.
TEST_F(ConnectionTest, PollWithATimeoutIsFalseWhenNothingComes) {
  auto [left, right] = mp::Pipe();
  EXPECT_FALSE(right.poll());
  EXPECT_FALSE(right.poll(10ms));
  EXPECT_FALSE(right.poll(std::chrono::duration<double>(0.001)));
}

// Tests that poll() with a timeout waits that long before it gives up, a
// fraction of a second included: a timeout turned into 0 by a conversion
// would return at once. (The kernel never ends a poll before its timeout,
// so this holds however busy the machine is.)
TEST_F(ConnectionTest, PollWithATimeoutWaitsThatLongBeforeGivingUp) {
  auto [left, right] = mp::Pipe();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(right.poll(50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms) << "poll(50ms) returned early";
  start = std::chrono::steady_clock::now();
  EXPECT_FALSE(right.poll(std::chrono::duration<double>(0.05)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms)
      << "poll(0.05 s) returned early: is the fraction of a second lost in a conversion?";
}

// Tests that poll(std::nullopt) and a negative timeout wait until a
// message comes, from a child process.
TEST_F(ConnectionTest, PollWithoutATimeoutWaitsForAMessage) {
  auto [parent_end, child_end] = mp::Pipe();
  Process child([](Connection& end) { end.send_bytes("here"); }, std::ref(child_end));
  StartDaemon(child);
  EXPECT_TRUE(parent_end.poll(std::nullopt));
  EXPECT_TRUE(parent_end.poll(-1s));
  EXPECT_EQ(parent_end.recv_bytes(), "here");
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// Tests that poll() is true once the other end is closed: recv would not block.
TEST_F(ConnectionTest, PollIsTrueOnceThePeerIsClosed) {
  auto [reader, writer] = mp::Pipe(false);
  writer.close();
  EXPECT_TRUE(reader.poll());
  EXPECT_THROW(reader.recv_bytes(), mp::EOFError);
}

// --- End of file ----------------------------------------------------------------

// Tests that after the other end closes, what it sent is still received,
// and then recv throws EOFError, every time.
TEST_F(ConnectionTest, RecvGetsWhatIsLeftThenEOFError) {
  auto [left, right] = mp::Pipe();
  left.send_bytes("last words");
  left.send(5);
  left.close();
  EXPECT_EQ(right.recv_bytes(), "last words");
  EXPECT_EQ(right.recv<int>(), 5);
  EXPECT_THROW(right.recv_bytes(), mp::EOFError);
  EXPECT_THROW(right.recv<int>(), mp::EOFError);
  std::string buffer(8, '\0');
  EXPECT_THROW(right.recv_bytes_into(buffer), mp::EOFError);
}

// Tests that a stream that ends in the middle of a message, after its
// header promised more bytes, is EOFError too: the message is lost, not
// returned short.
TEST_F(ConnectionTest, EndOfFileInTheMiddleOfAMessageIsEOFError) {
  auto [left, right] = mp::Pipe();
  const std::uint64_t promised = 100;  // the header: 8 bytes, the length
  ASSERT_EQ(::write(left.fileno(), &promised, sizeof(promised)), static_cast<ssize_t>(sizeof(promised)));
  ASSERT_EQ(::write(left.fileno(), "ten bytes!", 10), 10);
  left.close();
  EXPECT_THROW(right.recv_bytes(), mp::EOFError) << "10 of the 100 promised bytes came";
}

// Tests that a peer that closed without reading what it was sent is the
// end of the stream too. (A Unix socket reports that as ECONNRESET, not as
// end of file; for the receiver the other end is gone all the same.)
TEST_F(ConnectionTest, RecvAfterThePeerClosedWithoutReadingIsEOFError) {
  auto [left, right] = mp::Pipe();
  left.send_bytes("never read");
  right.close();
  EXPECT_THROW(left.recv_bytes(), mp::EOFError) << "ECONNRESET means the peer is gone";
}

// Tests that the channel is closed only when EVERY copy of the other end is
// closed: after the child has ended, the parent's own copy of the child's
// end still keeps it open, until the parent closes it too.
TEST_F(ConnectionTest, EOFErrorComesOnlyOnceEveryCopyOfThePeerIsClosed) {
  auto [parent_end, child_end] = mp::Pipe();
  Process child([](Connection& end) { end.close(); }, std::ref(child_end));
  StartDaemon(child);
  child.join();
  ASSERT_EQ(child.exitcode(), 0);
  EXPECT_FALSE(parent_end.poll()) << "the parent's copy of child_end still holds the pipe open";
  child_end.close();
  EXPECT_TRUE(parent_end.poll());
  EXPECT_THROW(parent_end.recv_bytes(), mp::EOFError);
}

// --- maxlength ----------------------------------------------------------------------

// Tests that a message longer than maxlength is an OSError, and that it is
// discarded whole: the next message arrives intact. The long one is 1 MiB,
// so the child sends while the test receives.
TEST_F(ConnectionTest, MessageLongerThanMaxlengthIsAnOSErrorAndTheNextOneArrives) {
  auto [parent_end, child_end] = mp::Pipe();
  Process child(
      [](Connection& end) {
        end.send_bytes(Pattern(1 << 20, 3));
        end.send_bytes("next");
        end.send_bytes("12345");
      },
      std::ref(child_end));
  StartDaemon(child);
  try {
    parent_end.recv_bytes(5);
    ADD_FAILURE() << "a 1 MiB message was accepted with maxlength 5";
  } catch (const mp::OSError& error) {
    EXPECT_EQ(error.code().value(), EMSGSIZE) << error.what();
  }
  try {
    EXPECT_EQ(parent_end.recv_bytes(5), "next");
  } catch (const mp::Error& error) {
    // The usual cause: the long message was left in the channel, and this
    // call read 8 of its bytes as the next header.
    ADD_FAILURE() << "the receive after the refused message threw (" << error.what()
                  << "): was the 1 MiB message read and thrown away before the error?";
  }
  EXPECT_EQ(parent_end.recv_bytes(5), "12345") << "a message of exactly maxlength is fine";
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// --- recv_bytes_into ----------------------------------------------------------------

// Tests that recv_bytes_into writes the message at the offset, returns its
// length, and leaves the rest of the buffer alone.
TEST_F(ConnectionTest, RecvBytesIntoFillsTheBufferAtTheOffset) {
  auto [left, right] = mp::Pipe();
  std::array<std::byte, 12> buffer;
  buffer.fill(std::byte{'.'});
  left.send_bytes("abc");
  EXPECT_EQ(right.recv_bytes_into(buffer, 4), 3u);
  EXPECT_EQ(Text(buffer), "....abc.....");
  left.send_bytes("");
  EXPECT_EQ(right.recv_bytes_into(buffer, 12), 0u) << "an empty message fits at the very end";
}

// Tests that a std::string is a fixed-size buffer for recv_bytes_into.
TEST_F(ConnectionTest, RecvBytesIntoAStringUsesItsSize) {
  auto [left, right] = mp::Pipe();
  std::string buffer(5, '-');
  left.send_bytes("hey");
  EXPECT_EQ(right.recv_bytes_into(buffer), 3u);
  EXPECT_EQ(buffer, "hey--");
}

// Tests that a message too long for the buffer is BufferTooShort, which
// holds the whole message; the next message arrives intact.
TEST_F(ConnectionTest, RecvBytesIntoATooShortBufferIsBufferTooShortHoldingTheMessage) {
  auto [left, right] = mp::Pipe();
  std::string buffer(6, '-');
  left.send_bytes("hello");
  left.send_bytes("ok");
  try {
    right.recv_bytes_into(buffer, 2);
    ADD_FAILURE() << "5 bytes were accepted into the 4 after offset 2";
  } catch (const mp::BufferTooShort& error) {
    EXPECT_EQ(error.message(), "hello");
  }
  EXPECT_EQ(buffer, "------") << "the buffer changed although the message did not fit";
  EXPECT_EQ(right.recv_bytes_into(buffer, 2), 2u);
  EXPECT_EQ(buffer, "--ok--");
}

// Tests that an offset past the end of the buffer is a ValueError, and that
// no message is consumed by it.
TEST_F(ConnectionTest, RecvBytesIntoAnOffsetPastTheEndIsAValueError) {
  auto [left, right] = mp::Pipe();
  std::string buffer(4, '-');
  left.send_bytes("x");
  EXPECT_THROW(right.recv_bytes_into(buffer, 5), mp::ValueError);
  EXPECT_EQ(right.recv_bytes(), "x");
}

// --- Misuse is a typed error -------------------------------------------------------

// Tests that sending on the receiving end of a one-way pipe is an OSError
// (Python: "connection is read-only").
TEST_F(ConnectionTest, SendOnTheReceivingEndIsAnOSError) {
  auto [reader, writer] = mp::Pipe(false);
  EXPECT_THROW(reader.send_bytes("no"), mp::OSError);
  EXPECT_THROW(reader.send(1), mp::OSError);
}

// Tests that receiving or polling on the sending end of a one-way pipe is
// an OSError (Python: "connection is write-only").
TEST_F(ConnectionTest, RecvOnTheSendingEndIsAnOSError) {
  auto [reader, writer] = mp::Pipe(false);
  std::string buffer(4, '-');
  EXPECT_THROW(writer.recv_bytes(), mp::OSError);
  EXPECT_THROW(writer.recv<int>(), mp::OSError);
  EXPECT_THROW(writer.recv_bytes_into(buffer), mp::OSError);
  EXPECT_THROW(writer.poll(), mp::OSError);
}

// Tests that every use of a closed connection is an OSError ("handle is
// closed"), and that closing twice is fine.
TEST_F(ConnectionTest, UsingAClosedConnectionIsAnOSError) {
  auto [left, right] = mp::Pipe();
  left.close();
  EXPECT_TRUE(left.closed());
  EXPECT_FALSE(right.closed());
  std::string buffer(4, '-');
  EXPECT_THROW(left.send_bytes("x"), mp::OSError);
  EXPECT_THROW(left.send(1), mp::OSError);
  EXPECT_THROW(left.recv_bytes(), mp::OSError);
  EXPECT_THROW(left.recv<int>(), mp::OSError);
  EXPECT_THROW(left.recv_bytes_into(buffer), mp::OSError);
  EXPECT_THROW(left.poll(), mp::OSError);
  EXPECT_THROW(left.fileno(), mp::OSError);
  EXPECT_NO_THROW(left.close());
}

// Tests that moving a Connection moves the descriptor: the new one works,
// the old one is closed.
TEST_F(ConnectionTest, MovingAConnectionMovesTheDescriptor) {
  auto [left, right] = mp::Pipe();
  Connection moved = std::move(left);
  EXPECT_TRUE(left.closed());
  moved.send_bytes("moved");
  EXPECT_EQ(right.recv_bytes(), "moved");
}

// --- A closed peer is EPIPE, never SIGPIPE ------------------------------------------

// In a child process (so that SIGPIPE, if it comes, kills only the child):
// sends to a channel whose receiving end is closed, and exits with 0 if
// that threw OSError EPIPE and left SIGPIPE neither blocked nor pending.
void SendToAClosedPeerAndReport(bool duplex) {
  auto [receiving, sending] = mp::Pipe(duplex);  // Pipe(false): (reader, writer)
  receiving.close();
  int code = 3;  // nothing was thrown
  try {
    sending.send_bytes("anyone there?");
  } catch (const mp::OSError& error) {
    code = error.code().value() == EPIPE ? 0 : 2;
  }
  sigset_t blocked, pending;
  pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  sigpending(&pending);
  const bool left_blocked = sigismember(&blocked, SIGPIPE) == 1;
  const bool left_pending = sigismember(&pending, SIGPIPE) == 1;
  if (left_blocked) code = left_pending ? 6 : 4;
  else if (left_pending) code = 5;
  ::_exit(code);
}

constexpr const char* kSigpipeCodes =
    "; -13 means SIGPIPE killed the sender, 2 another error than EPIPE, 3 no error, "
    "4 SIGPIPE left blocked, 5 SIGPIPE left pending, 6 left blocked and pending";

// Tests that sending on a socket pair whose other end is closed is an
// OSError with EPIPE, and that the process survives.
TEST_F(ConnectionTest, SendToAClosedPeerIsEPIPENotSIGPIPE) {
  Process child(SendToAClosedPeerAndReport, true);
  StartDaemon(child);
  child.join();
  EXPECT_EQ(child.exitcode(), 0) << kSigpipeCodes;
}

// Tests the same for a one-way pipe, whose writes cannot ask for no signal.
TEST_F(ConnectionTest, SendIntoAPipeWithNoReaderIsEPIPENotSIGPIPE) {
  Process child(SendToAClosedPeerAndReport, false);
  StartDaemon(child);
  child.join();
  EXPECT_EQ(child.exitcode(), 0) << kSigpipeCodes;
}

}  // namespace
