// Reference solution of kata 07_queue: MessageQueue, the bytes under mp::Queue.
#include "katas/07_queue/queue.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <new>

namespace mp {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMinCapacity = 64;
constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;
constexpr std::size_t kLengthBytes = sizeof(std::uint32_t);

// The queue's bookkeeping. Positions only grow (they are byte counts since
// the queue was made), so "bytes in use" is tail - head and a position's
// place in the ring is position % capacity. 64 bits do not wrap in practice.
struct State {
  std::uint64_t head = 0;        // where the oldest message's length starts
  std::uint64_t tail = 0;        // where the next message's length goes
  std::uint64_t count = 0;       // messages in the queue
  std::uint64_t unfinished = 0;  // put and not yet task_done (JoinableQueue)
};

// futex(2) on a word in SHARED memory: FUTEX_WAIT and FUTEX_WAKE without
// the _PRIVATE flag, so that waiters in other processes are found.
// FUTEX_WAIT sleeps only if the word still holds `expected`, which closes
// the gap between "I saw no change" and "I sleep".
void FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t expected, const timespec* timeout) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT, expected, timeout,
            nullptr, 0);
}

void FutexWakeAll(std::atomic<std::uint32_t>* word) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr,
            nullptr, 0);
}

// Checked before anything is mapped: a bad capacity maps nothing.
std::size_t CheckedCapacity(std::size_t capacity_bytes) {
  if (capacity_bytes < kMinCapacity || capacity_bytes > kMaxCapacity) {
    throw ValueError("queue capacity must be between 64 bytes and 1 GiB, got " +
                     std::to_string(capacity_bytes) + " bytes");
  }
  return capacity_bytes;
}

std::optional<Clock::time_point> DeadlineFor(bool block, QueueTimeout timeout) {
  if (!block) return Clock::now();
  if (!timeout) return std::nullopt;
  const auto patience = std::max(*timeout, std::chrono::duration<double>::zero());
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(patience);
}

}  // namespace

// The mapping's layout: this header, then `capacity` bytes of ring.
//
// Two State slots and the index of the live one make every change one
// publish: write the spare slot, then store the index. A process killed at
// any instant leaves either the old slot or the new one live, never half of
// each; the robust mutex hands the lock to the next process.
struct MessageQueue::Shared {
  SharedMutex mutex;                      // guards everything below
  State slots[2];
  std::atomic<std::uint32_t> live{0};     // which slot is the state
  std::atomic<std::uint32_t> changes{0};  // the futex word: +1 per publish
  std::atomic<std::uint32_t> sleepers{0}; // processes that may be in FutexWait
  std::uint64_t capacity = 0;

  unsigned char* ring() { return reinterpret_cast<unsigned char*>(this + 1); }
  const State& state() const { return slots[live.load(std::memory_order_relaxed)]; }

  // Makes `next` the state, then wakes whoever waits for a change. Called
  // with the mutex held. A sleeper killed in FutexWait leaves `sleepers`
  // one too high: that costs later publishers a needless wake, nothing else.
  void Publish(const State& next) {
    const std::uint32_t spare = 1 - live.load(std::memory_order_relaxed);
    slots[spare] = next;
    live.store(spare, std::memory_order_release);
    changes.fetch_add(1, std::memory_order_release);
    if (sleepers.load(std::memory_order_acquire) != 0) FutexWakeAll(&changes);
  }

  // Copies `size` bytes into the ring at `position`, wrapping at the end.
  void CopyIn(std::uint64_t position, const void* data, std::size_t size) {
    if (size == 0) return;  // an empty message's data may be null, which memcpy must not get
    const std::size_t start = position % capacity;
    const std::size_t first = std::min<std::size_t>(size, capacity - start);
    std::memcpy(ring() + start, data, first);
    std::memcpy(ring(), static_cast<const unsigned char*>(data) + first, size - first);
  }

  void CopyOut(std::uint64_t position, void* data, std::size_t size) {
    const std::size_t start = position % capacity;
    const std::size_t first = std::min<std::size_t>(size, capacity - start);
    std::memcpy(data, ring() + start, first);
    std::memcpy(static_cast<unsigned char*>(data) + first, ring(), size - first);
  }

  // Waits, with `lock` held on entry and on return, until another process
  // publishes a change or the deadline passes. Returns false once the
  // deadline has passed. The change counter is read under the lock, so a
  // change published after it is seen by FutexWait and is never missed.
  //
  // One case is missed: a publisher killed between its store of `live` and
  // its wake-up call. So no sleep lasts longer than kLongestSleep; the
  // caller then looks at the state again. This is a safety net for dead
  // processes, not how live ones wake each other.
  bool WaitForChange(std::unique_lock<SharedMutex>& lock,
                     std::optional<Clock::time_point> deadline) {
    constexpr Clock::duration kLongestSleep = std::chrono::milliseconds(100);
    Clock::duration left = kLongestSleep;
    if (deadline) {
      left = *deadline - Clock::now();
      if (left <= Clock::duration::zero()) return false;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::min(left, kLongestSleep))
                        .count();
    const timespec relative{static_cast<time_t>(ns / 1'000'000'000),
                            static_cast<long>(ns % 1'000'000'000)};
    const std::uint32_t seen = changes.load(std::memory_order_acquire);
    sleepers.fetch_add(1, std::memory_order_acq_rel);
    lock.unlock();
    FutexWait(&changes, seen, &relative);
    sleepers.fetch_sub(1, std::memory_order_acq_rel);
    lock.lock();
    return true;
  }
};

MessageQueue::MessageQueue(std::size_t maxsize, std::size_t capacity_bytes)
    : maxsize_(maxsize),
      capacity_bytes_(capacity_bytes),
      memory_(sizeof(Shared) + CheckedCapacity(capacity_bytes)) {
  // The mapping is made before any fork, so constructing here, in one
  // process, is safe; every child inherits the initialised queue.
  Shared* queue = new (memory_.data()) Shared;
  queue->capacity = capacity_bytes;
}

MessageQueue::Shared* MessageQueue::shared() const { return static_cast<Shared*>(memory_.data()); }

void MessageQueue::CheckOpen() const {
  if (closed_) throw ValueError("Queue is closed");
}

void MessageQueue::put(std::string_view message, bool block, QueueTimeout timeout) {
  CheckOpen();
  const std::uint64_t record = kLengthBytes + message.size();
  if (record > capacity_bytes_) {
    throw ValueError("a message of " + std::to_string(message.size()) +
                     " bytes can never fit in this queue's buffer of " +
                     std::to_string(capacity_bytes_) + " bytes; make the queue bigger");
  }
  const auto deadline = DeadlineFor(block, timeout);
  Shared& queue = *shared();
  std::unique_lock<SharedMutex> lock(queue.mutex);
  for (;;) {
    const State& now = queue.state();
    const bool count_ok = maxsize_ == 0 || now.count < maxsize_;
    const bool bytes_ok = capacity_bytes_ - (now.tail - now.head) >= record;
    if (count_ok && bytes_ok) break;
    if (!queue.WaitForChange(lock, deadline)) throw Full("queue is full");
  }
  // Write the bytes into free space first: until Publish, no one reads
  // there, so dying half-way through leaves no trace.
  State next = queue.state();
  const auto length = static_cast<std::uint32_t>(message.size());
  queue.CopyIn(next.tail, &length, kLengthBytes);
  queue.CopyIn(next.tail + kLengthBytes, message.data(), message.size());
  next.tail += record;
  next.count += 1;
  next.unfinished += 1;
  queue.Publish(next);
}

std::string MessageQueue::get(bool block, QueueTimeout timeout) {
  CheckOpen();
  const auto deadline = DeadlineFor(block, timeout);
  Shared& queue = *shared();
  std::unique_lock<SharedMutex> lock(queue.mutex);
  while (queue.state().count == 0) {
    if (!queue.WaitForChange(lock, deadline)) throw Empty("queue is empty");
  }
  // Copy the message out first; it leaves the queue only at Publish, so a
  // process killed while copying has taken nothing.
  State next = queue.state();
  std::uint32_t length = 0;
  queue.CopyOut(next.head, &length, kLengthBytes);
  std::string message(length, '\0');
  queue.CopyOut(next.head + kLengthBytes, message.data(), length);
  next.head += kLengthBytes + length;
  next.count -= 1;
  queue.Publish(next);
  return message;
}

std::size_t MessageQueue::qsize() const {
  CheckOpen();
  std::lock_guard<SharedMutex> lock(shared()->mutex);
  return static_cast<std::size_t>(shared()->state().count);
}

bool MessageQueue::full() const {
  CheckOpen();
  std::lock_guard<SharedMutex> lock(shared()->mutex);
  const State& now = shared()->state();
  return (maxsize_ != 0 && now.count >= maxsize_) ||
         capacity_bytes_ - (now.tail - now.head) < kLengthBytes;
}

void MessageQueue::task_done() {
  CheckOpen();
  Shared& queue = *shared();
  std::lock_guard<SharedMutex> lock(queue.mutex);
  State next = queue.state();
  if (next.unfinished == 0) throw ValueError("task_done() called too many times");
  next.unfinished -= 1;
  queue.Publish(next);
}

void MessageQueue::join() {
  CheckOpen();
  Shared& queue = *shared();
  std::unique_lock<SharedMutex> lock(queue.mutex);
  while (queue.state().unfinished != 0) queue.WaitForChange(lock, std::nullopt);
}

void MessageQueue::close() { closed_ = true; }

}  // namespace mp
