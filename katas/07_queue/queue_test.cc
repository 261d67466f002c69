// Tests of kata 07_queue: mp::Queue and mp::JoinableQueue between processes.
//
//   bazel test //katas/07_queue/...
//   bazel test //solutions/07_queue/...

#include "katas/07_queue/queue.h"

#include <signal.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/child_process_guard.h"
#include "katas/03_process/process.h"

namespace {

using std::chrono_literals::operator""ms;

class QueueTest : public testing::Test {
 protected:
  mp::testing::ChildProcessGuard guard_;
};

// A message whose payload is fully determined by its sequence number, so
// that a torn or mixed-up message is recognised: (sequence, payload).
using Numbered = std::pair<long, std::string>;

std::string PayloadFor(long sequence) {
  // Lengths from 0 to ~1.5 KiB, so messages wrap around the ring at
  // different offsets; contents that differ from one message to the next.
  const std::size_t length = static_cast<std::size_t>((sequence * 7919) % 1500);
  return std::string(length, static_cast<char>('a' + sequence % 26));
}

Numbered Message(long sequence) { return {sequence, PayloadFor(sequence)}; }

bool IsWhole(const Numbered& message) { return message.second == PayloadFor(message.first); }

// Tests that one process gets back what it put, in order.
TEST_F(QueueTest, GetReturnsWhatWasPutInOrder) {
  mp::Queue<std::string> queue;
  queue.put("first");
  queue.put("");
  queue.put("third");
  EXPECT_EQ(queue.get(), "first");
  EXPECT_EQ(queue.get(), "") << "an empty message is a message";
  EXPECT_EQ(queue.get(), "third");
}

// Tests that structured objects survive the trip through the codec.
TEST_F(QueueTest, CarriesStructuredObjects) {
  using Order = std::tuple<std::string, int, std::vector<double>>;
  mp::Queue<Order> queue;
  const Order order{"widgets", 3, {1.5, 2.25}};
  queue.put(order);
  EXPECT_EQ(queue.get(), order);
}

// Tests qsize(), empty() and full() as messages come and go.
TEST_F(QueueTest, QsizeEmptyAndFullFollowTheContents) {
  mp::Queue<int> queue(/*maxsize=*/2);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.qsize(), 0u);
  queue.put(1);
  EXPECT_FALSE(queue.empty());
  EXPECT_FALSE(queue.full());
  queue.put(2);
  EXPECT_EQ(queue.qsize(), 2u);
  EXPECT_TRUE(queue.full());
  EXPECT_EQ(queue.get(), 1);
  EXPECT_FALSE(queue.full());
}

// Tests that get on an empty queue raises mp::Empty at once without
// blocking, and after the timeout with one.
TEST_F(QueueTest, GetOnAnEmptyQueueRaisesEmpty) {
  mp::Queue<int> queue;
  EXPECT_THROW(queue.get_nowait(), mp::Empty);
  EXPECT_THROW(queue.get(false), mp::Empty);
  EXPECT_THROW(queue.get(true, 20ms), mp::Empty);
  EXPECT_THROW(queue.get(true, -5ms), mp::Empty) << "a negative timeout counts as zero";
}

// Tests that put on a full queue raises mp::Full, and leaves the queue as it was.
TEST_F(QueueTest, PutOnAFullQueueRaisesFull) {
  mp::Queue<int> queue(/*maxsize=*/1);
  queue.put(7);
  EXPECT_THROW(queue.put_nowait(8), mp::Full);
  EXPECT_THROW(queue.put(8, true, 20ms), mp::Full);
  EXPECT_EQ(queue.qsize(), 1u);
  EXPECT_EQ(queue.get(), 7);
}

// Tests that a queue whose byte buffer is full is full too, even with no maxsize.
TEST_F(QueueTest, PutRaisesFullWhenTheBufferHasNoRoom) {
  mp::MessageQueue queue(/*maxsize=*/0, /*capacity_bytes=*/256);
  queue.put(std::string(200, 'x'));
  EXPECT_THROW(queue.put(std::string(100, 'y'), false), mp::Full);
  EXPECT_EQ(queue.get(), std::string(200, 'x'));
  EXPECT_NO_THROW(queue.put(std::string(100, 'y'), false));
}

// Tests that a message that can never fit is refused at put, before
// anything is queued, with a typed error: never truncated, never a hang.
TEST_F(QueueTest, AMessageLargerThanTheBufferIsAValueError) {
  mp::MessageQueue queue(/*maxsize=*/0, /*capacity_bytes=*/1024);
  EXPECT_THROW(queue.put(std::string(1021, 'x')), mp::ValueError);
  EXPECT_TRUE(queue.empty());
  EXPECT_NO_THROW(queue.put(std::string(1020, 'x'))) << "4 length bytes + 1020 fit exactly";
  EXPECT_EQ(queue.get().size(), 1020u);
}

// Tests that a queue too small or too large to make is a typed error.
TEST_F(QueueTest, ACapacityOutOfRangeIsAValueError) {
  EXPECT_THROW(mp::MessageQueue(0, 8), mp::ValueError);
  EXPECT_THROW(mp::MessageQueue(0, std::size_t{2} << 30), mp::ValueError);
}

// Tests that messages wrap around the end of the ring intact.
TEST_F(QueueTest, MessagesWrapAroundTheRingIntact) {
  mp::Queue<Numbered> queue(/*maxsize=*/0, /*capacity_bytes=*/4096);
  for (long sequence = 0; sequence < 500; ++sequence) {
    queue.put(Message(sequence));
    const Numbered got = queue.get();
    ASSERT_EQ(got.first, sequence);
    ASSERT_TRUE(IsWhole(got)) << "message " << sequence << " was torn";
  }
}

// Tests that a closed handle refuses further use with a typed error.
TEST_F(QueueTest, UsingAClosedQueueIsAValueError) {
  mp::Queue<int> queue;
  queue.close();
  queue.close();  // idempotent
  EXPECT_THROW(queue.put(1), mp::ValueError);
  EXPECT_THROW(queue.get_nowait(), mp::ValueError);
  EXPECT_THROW(queue.qsize(), mp::ValueError);
  EXPECT_THROW(queue.full(), mp::ValueError);
}

// Tests that a moved-from queue behaves as a closed one: a clear error,
// not a crash on the mapping it no longer has.
TEST_F(QueueTest, AMovedFromQueueIsClosed) {
  mp::MessageQueue original;
  mp::MessageQueue moved(std::move(original));
  EXPECT_TRUE(original.closed());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_THROW(original.put("x"), mp::ValueError);
  EXPECT_THROW(original.qsize(), mp::ValueError);
  EXPECT_THROW(original.task_done(), mp::ValueError);
  EXPECT_THROW(original.join(), mp::ValueError);
  moved.put("still works");
  EXPECT_EQ(moved.get(), "still works");
}

// Tests that an object put by a child process is got by the parent.
TEST_F(QueueTest, ObjectsCrossFromChildToParent) {
  mp::Queue<std::string> queue;
  mp::Process child([&queue] { queue.put("hello from the child"); });
  child.start();
  EXPECT_EQ(queue.get(true, std::chrono::seconds(20)), "hello from the child");
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

// Tests that a get blocked on an empty queue wakes when a child puts.
TEST_F(QueueTest, BlockingGetWakesWhenAChildPuts) {
  mp::Queue<int> requests, replies;
  mp::Process child([&] { replies.put(requests.get() * 2); });
  child.start();
  requests.put(21);
  EXPECT_EQ(replies.get(), 42) << "the parent's get() blocked until the child's put";
  child.join();
}

// Tests that a put blocked on a full queue wakes when a child makes room.
TEST_F(QueueTest, BlockingPutWakesWhenAChildGets) {
  mp::Queue<int> queue(/*maxsize=*/1);
  mp::Queue<int> seen;
  queue.put(1);
  mp::Process child([&] {
    seen.put(queue.get());
    seen.put(queue.get());
  });
  child.start();
  queue.put(2);  // blocks until the child has taken 1
  EXPECT_EQ(seen.get(), 1);
  EXPECT_EQ(seen.get(), 2);
  child.join();
}

// Tests many producer and many consumer processes at once: every message
// arrives exactly once and whole, and each consumer sees each producer's
// messages in the order they were put.
TEST_F(QueueTest, ManyProducersAndConsumersLoseAndDuplicateNothing) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 3;
  constexpr long kPerProducer = 1500;
  // (producer, sequence, payload); a sequence of -1 tells a consumer to stop.
  using Item = std::tuple<int, long, std::string>;
  mp::Queue<Item> work(/*maxsize=*/64);
  // (consumer, producer, sequence, whole?) for every item a consumer got.
  using Receipt = std::tuple<int, int, long, bool>;
  mp::Queue<Receipt> receipts(/*maxsize=*/0, /*capacity_bytes=*/std::size_t{4} << 20);

  std::vector<mp::Process> processes;
  for (int producer = 0; producer < kProducers; ++producer) {
    processes.emplace_back([&work, producer] {
      for (long sequence = 0; sequence < kPerProducer; ++sequence) {
        work.put({producer, sequence, PayloadFor(sequence + producer)});
      }
    });
  }
  for (int consumer = 0; consumer < kConsumers; ++consumer) {
    processes.emplace_back([&work, &receipts, consumer] {
      for (;;) {
        auto [producer, sequence, payload] = work.get();
        if (sequence < 0) return;
        receipts.put({consumer, producer, sequence, payload == PayloadFor(sequence + producer)});
      }
    });
  }
  for (mp::Process& process : processes) process.start();
  for (int producer = 0; producer < kProducers; ++producer) processes[producer].join();
  for (int consumer = 0; consumer < kConsumers; ++consumer) work.put({-1, -1, ""});
  for (mp::Process& process : processes) process.join();

  std::map<std::pair<int, long>, int> times_received;
  std::map<std::pair<int, int>, long> last_sequence;  // (consumer, producer) -> sequence
  while (!receipts.empty()) {
    auto [consumer, producer, sequence, whole] = receipts.get();
    EXPECT_TRUE(whole) << "producer " << producer << "'s message " << sequence << " was torn";
    ++times_received[{producer, sequence}];
    auto [last, first_time] = last_sequence.try_emplace({consumer, producer}, sequence);
    if (!first_time) {
      EXPECT_LT(last->second, sequence) << "consumer " << consumer << " got producer " << producer
                                        << "'s messages out of order";
      last->second = sequence;
    }
  }
  EXPECT_EQ(times_received.size(), std::size_t{kProducers} * kPerProducer) << "messages were lost";
  for (const auto& [key, times] : times_received) {
    ASSERT_EQ(times, 1) << "producer " << key.first << "'s message " << key.second
                        << " was delivered " << times << " times";
  }
}

// Kills a child at a pseudo-random point of its loop, `kills` times, with a
// fixed seed so a failure can be replayed.
constexpr int kKillsPerTest = 100;

// Runs `get`. A CodecError from it means the queue handed out bytes that
// are not one whole message: a torn message, whatever the codec's own words
// for it ("trailing bytes", "truncated"). Reported as such; nullopt then.
template <typename Get>
std::optional<Numbered> GetWhole(Get get, int kill) {
  try {
    return get();
  } catch (const mp::CodecError& error) {
    ADD_FAILURE() << "kill " << kill << ": a torn message (its bytes do not decode: " << error.what()
                  << "). Was the state published before the message's bytes were all written?";
    return std::nullopt;
  }
}

// Tests that producers killed with SIGKILL in the middle of their puts
// leave only whole messages, in order, and a queue that still works.
TEST_F(QueueTest, AProducerKilledInsidePutCorruptsNothing) {
  mp::Queue<Numbered> queue(/*maxsize=*/0, /*capacity_bytes=*/16 * 1024);
  std::mt19937 random(20261202);
  long next_expected = 0;  // messages carry their sequence across producers
  for (int kill = 0; kill < kKillsPerTest; ++kill) {
    mp::Process producer([&queue, start = next_expected] {
      for (long sequence = start;; ++sequence) queue.put(Message(sequence));
    });
    producer.set_daemon(true);  // if an assertion below returns early, it is killed
    producer.start();
    // Take a random number of messages, so the kill lands at a random point
    // of the producer's loop: often inside put, holding the lock.
    const int take = std::uniform_int_distribution<int>(1, 12)(random);
    for (int i = 0; i < take; ++i) {
      const auto got = GetWhole([&] { return queue.get(true, std::chrono::seconds(20)); }, kill);
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(got->first, next_expected) << "kill " << kill;
      ASSERT_TRUE(IsWhole(*got)) << "kill " << kill;
      ++next_expected;
    }
    producer.kill();
    producer.join();
    // What the dead producer left: whole messages, in sequence.
    while (!queue.empty()) {
      const auto got = GetWhole([&] { return queue.get_nowait(); }, kill);
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(got->first, next_expected) << "kill " << kill << ": a message is missing or torn";
      ASSERT_TRUE(IsWhole(*got)) << "kill " << kill;
      ++next_expected;
    }
  }
  queue.put(Message(1));
  EXPECT_EQ(queue.get(), Message(1)) << "the queue no longer works after the kills";
  EXPECT_THROW(queue.get(true, 20ms), mp::Empty) << "get(timeout) must honour its timeout";
}

// Tests that consumers killed with SIGKILL in the middle of their gets
// take each message wholly or not at all: what is left is the unbroken
// tail of what was put.
TEST_F(QueueTest, AConsumerKilledInsideGetCorruptsNothing) {
  mp::Queue<Numbered> queue(/*maxsize=*/0, /*capacity_bytes=*/64 * 1024);
  mp::Queue<long> progress;  // the consumer reports what it got
  std::mt19937 random(4242);
  long next_to_put = 0;
  for (int kill = 0; kill < kKillsPerTest; ++kill) {
    const long first_put = next_to_put;
    for (int i = 0; i < 20; ++i) queue.put(Message(next_to_put++));
    mp::Process consumer([&queue, &progress] {
      for (;;) progress.put(queue.get().first);
    });
    consumer.set_daemon(true);  // if an assertion below returns early, it is killed
    consumer.start();
    const int wait_for = std::uniform_int_distribution<int>(1, 10)(random);
    for (int i = 0; i < wait_for; ++i) (void)progress.get(true, std::chrono::seconds(20));
    consumer.kill();
    consumer.join();
    while (!progress.empty()) (void)progress.get_nowait();
    // Whatever the consumer took came from the front; the rest is intact
    // and ends with the last message put.
    long expected = -1;
    while (!queue.empty()) {
      const auto got = GetWhole([&] { return queue.get_nowait(); }, kill);
      ASSERT_TRUE(got.has_value());
      ASSERT_TRUE(IsWhole(*got)) << "kill " << kill;
      ASSERT_GE(got->first, first_put) << "kill " << kill;
      if (expected >= 0) ASSERT_EQ(got->first, expected) << "kill " << kill << ": a gap";
      expected = got->first + 1;
    }
    if (expected >= 0) ASSERT_EQ(expected, next_to_put) << "kill " << kill << ": the tail is lost";
  }
  EXPECT_THROW(queue.get(true, 20ms), mp::Empty);
  queue.put(Message(3));
  EXPECT_EQ(queue.get(), Message(3));
}

// Tests that join() returns once every item put has been marked done by a
// consumer process, and that task_done() too many times is an error.
TEST_F(QueueTest, JoinableQueueJoinWaitsForEveryTaskDone) {
  mp::JoinableQueue<int> tasks;
  mp::Queue<int> results;
  mp::Process worker([&] {
    for (int i = 0; i < 5; ++i) {
      results.put(tasks.get() * 10);
      tasks.task_done();
    }
  });
  for (int i = 1; i <= 5; ++i) tasks.put(i);
  worker.start();
  tasks.join();  // returns only after five task_done() calls
  int total = 0;
  for (int i = 0; i < 5; ++i) total += results.get_nowait();
  EXPECT_EQ(total, 150) << "join() returned before the worker had finished";
  worker.join();
  EXPECT_THROW(tasks.task_done(), mp::ValueError);
}

}  // namespace
