// mp::Queue and mp::JoinableQueue: Python's multiprocessing.Queue, in C++.
//
// A Queue carries objects from any number of producer processes to any
// number of consumer processes, first in, first out. Make it before you
// fork; every process then uses its own copy of the Queue object, and all
// copies share one buffer in shared memory.
//
//   mp::Queue<std::string> tasks(/*maxsize=*/100);
//   mp::Process consumer([&tasks] {
//     for (std::string task; (task = tasks.get()) != "STOP";) Handle(task);
//   });
//   consumer.start();
//   tasks.put("first");
//   tasks.put("STOP");        // a sentinel value tells the consumer to stop
//   consumer.join();
//
// Objects cross as bytes made by mp::dumps and read by mp::loads
// (common/codec.h, Python's pickle). A type the codec cannot encode is a
// compile error at the put().
//
// Python                                       C++
//   q = multiprocessing.Queue(maxsize=10)        mp::Queue<T> q(10);
//   q.put(obj)                                   q.put(obj);
//   q.put(obj, block=False) / q.put_nowait(obj)  q.put(obj, false); q.put_nowait(obj);
//   q.put(obj, timeout=0.5)                      q.put(obj, true, 500ms);
//   q.get() / q.get(timeout=0.5)                 q.get(); q.get(true, 500ms);
//   q.get_nowait()                               q.get_nowait();
//   q.qsize(), q.empty(), q.full()               q.qsize(), q.empty(), q.full()
//   q.close()                                    q.close();
//   queue.Empty, queue.Full                      mp::Empty, mp::Full
//   JoinableQueue: q.task_done(), q.join()       mp::JoinableQueue<T>: same
//
// Better than CPython: a process killed at any moment, even inside put() or
// get(), leaves every message either wholly in the queue or wholly out of
// it, and the other processes go on. (CPython's documentation warns that
// its Queue is then likely to be corrupted.) How: see MessageQueue below.
//
// Learners: this header is the contract the tests check. Do not edit it;
// write MessageQueue's member functions in queue.cc.

#ifndef MPKATA_KATAS_07_QUEUE_QUEUE_H_
#define MPKATA_KATAS_07_QUEUE_QUEUE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/codec.h"
#include "common/errors.h"
#include "katas/04_value/value.h"

namespace mp {

// get() found the queue empty (non-blocking, or when the timeout passed).
class Empty : public Error {
 public:
  using Error::Error;
};

// put() found the queue full (non-blocking, or when the timeout passed).
class Full : public Error {
 public:
  using Error::Error;
};

// A timeout in seconds; 500ms and 2s convert to it. std::nullopt: no limit.
// A negative timeout counts as zero: try once, do not wait. (Python raises
// ValueError for it; kata 05's Lock reads -1 as "no limit", as Python's
// acquire does. Each follows its own Python original.)
using QueueTimeout = std::optional<std::chrono::duration<double>>;

// MessageQueue: the bytes underneath a Queue<T>. This is the kata.
//
// One anonymous shared mapping holds a ring buffer of messages (each a
// 4-byte length and the bytes) and the queue's bookkeeping: where the
// oldest message starts, where the next one goes, how many messages there
// are. A process-shared robust mutex (mp::SharedMutex, kata 04) guards it.
//
// Surviving a killed process. The mutex is robust: if its holder dies, the
// next process to lock it gets it. What it then finds must make sense,
// whatever instant the holder died at. So a put() or get() never edits the
// bookkeeping in place. The bookkeeping exists twice (two slots); an
// operation copies the current slot into the spare one, changes the spare
// (writing the message bytes first), and only then publishes it by
// switching one index, a single aligned 32-bit store. Dying before the
// switch leaves the old state (the message was never put, or never got);
// dying after it leaves the new one. There is no moment in between.
//
// Waiting. A process that must wait (get on empty, put on full) sleeps on
// a futex, a 32-bit counter in the mapping that every change increments;
// the kernel wakes it when the counter changes or its timeout passes. A
// dead waiter leaves nothing behind that others depend on (unlike a
// pthread condition variable, whose internal counts a killed waiter can
// leave wrong), so timeouts always hold.
class MessageQueue {
 public:
  static constexpr std::size_t kDefaultCapacityBytes = std::size_t{1} << 20;  // 1 MiB

  // A queue of at most `maxsize` messages (0: no limit on the count, as in
  // Python) in a buffer of `capacity_bytes`. Throws mp::ValueError if
  // capacity_bytes is below 64 or above 1 GiB, mp::OSError if the shared
  // mapping cannot be made.
  explicit MessageQueue(std::size_t maxsize = 0,
                        std::size_t capacity_bytes = kDefaultCapacityBytes);

  // Movable; a moved-from MessageQueue behaves as a closed one: every
  // member function but close(), closed(), maxsize() and capacity_bytes()
  // throws mp::ValueError on it, as on a closed handle.
  MessageQueue(MessageQueue&& other) noexcept
      : maxsize_(other.maxsize_),
        capacity_bytes_(other.capacity_bytes_),
        memory_(std::move(other.memory_)),
        closed_(std::exchange(other.closed_, true)) {}
  MessageQueue& operator=(MessageQueue&&) = delete;
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;

  // MessageQueue::put(message, block, timeout)
  //
  // Appends `message`. If the queue is full (maxsize messages, or not
  // enough free bytes), waits for room when `block`, at most `timeout` if
  // one is given. Throws mp::Full if there is no room in time (at once when
  // !block); mp::ValueError, before anything is queued, if the message can
  // never fit (its 4-byte length plus its bytes exceed the capacity);
  // mp::ValueError if this handle was closed.
  void put(std::string_view message, bool block = true, QueueTimeout timeout = std::nullopt);

  // MessageQueue::get(block, timeout)
  //
  // Removes and returns the oldest message. If the queue is empty, waits
  // for one when `block`, at most `timeout` if one is given. Throws
  // mp::Empty if none comes in time (at once when !block); mp::ValueError
  // if this handle was closed.
  std::string get(bool block = true, QueueTimeout timeout = std::nullopt);

  // The number of messages now in the queue. Other processes may change it
  // the moment after, as in Python: use it for reporting, not for logic.
  std::size_t qsize() const;
  bool empty() const { return qsize() == 0; }
  // True if a put() of an empty message would have to wait now.
  bool full() const;

  // MessageQueue::task_done() and MessageQueue::join()
  //
  // For JoinableQueue. Every put() adds an unfinished task; task_done()
  // marks one finished (throws mp::ValueError if none is unfinished: "called
  // too many times"); join() blocks until no task is unfinished.
  void task_done();
  void join();

  // MessageQueue::close()
  //
  // This handle will not be used again: later calls on it (put, get,
  // qsize, empty, full, task_done, join) throw mp::ValueError. Other processes' handles are not affected; the shared
  // buffer goes away when the last process unmaps it. Idempotent.
  void close();
  bool closed() const { return closed_; }

  std::size_t maxsize() const { return maxsize_; }
  std::size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Shared;  // the mapping's layout; defined in queue.cc, by you

  Shared* shared() const;
  void CheckOpen() const;

  std::size_t maxsize_;
  std::size_t capacity_bytes_;
  SharedMemory memory_;
  bool closed_ = false;
};

// Queue<T>: objects of type T, encoded by mp::dumps and decoded by mp::loads.
template <typename T>
class Queue {
 public:
  explicit Queue(std::size_t maxsize = 0,
                 std::size_t capacity_bytes = MessageQueue::kDefaultCapacityBytes)
      : messages_(maxsize, capacity_bytes) {}

  // Encodes `item` in the caller, so an item that cannot be encoded fails
  // here and not later in another process. Blocks and throws as
  // MessageQueue::put.
  void put(const T& item, bool block = true, QueueTimeout timeout = std::nullopt) {
    messages_.put(dumps(item), block, timeout);
  }
  void put_nowait(const T& item) { put(item, false); }

  // Blocks and throws as MessageQueue::get; mp::CodecError if the bytes do
  // not decode as a T (a producer that put another type).
  T get(bool block = true, QueueTimeout timeout = std::nullopt) {
    return loads<T>(messages_.get(block, timeout));
  }
  T get_nowait() { return get(false); }

  std::size_t qsize() const { return messages_.qsize(); }
  bool empty() const { return messages_.empty(); }
  bool full() const { return messages_.full(); }
  void close() { messages_.close(); }

 protected:
  MessageQueue messages_;
};

// JoinableQueue<T>: a Queue whose consumers report each item done, so a
// producer can wait until everything it put has been handled.
template <typename T>
class JoinableQueue : public Queue<T> {
 public:
  using Queue<T>::Queue;

  void task_done() { this->messages_.task_done(); }
  void join() { this->messages_.join(); }
};

}  // namespace mp

#endif  // MPKATA_KATAS_07_QUEUE_QUEUE_H_
