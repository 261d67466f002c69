// Kata 07_queue: write MessageQueue, the shared-memory bytes under mp::Queue.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first (the design is there and in queue.h); HINTS.md helps
// when you are stuck. Check your work:
//
//   bazel test //katas/07_queue/...
#include "katas/07_queue/queue.h"

#include "common/not_implemented.h"

namespace mp {

// TODO(kata): the layout of the shared mapping. It needs the lock (an
// mp::SharedMutex lives happily inside), the bookkeeping (where the oldest
// message starts, where the next goes, how many there are, how many tasks
// are unfinished), a way to change all of that in ONE step that a kill
// cannot split, something to sleep on, and then the ring's bytes.
// Shared is private to MessageQueue: a helper in the unnamed namespace
// below cannot name it, so give Shared member functions instead. It is
// never destroyed: the mapping outlives any one handle, and the last
// process to unmap it takes the mutex with it.
struct MessageQueue::Shared {};

namespace {

std::size_t CheckedCapacity(std::size_t capacity_bytes) {
  // TODO(kata): the header promises mp::ValueError for a capacity below 64
  // bytes or above 1 GiB. Check it here, before anything is mapped.
  (void)capacity_bytes;
  throw NotImplemented("CheckedCapacity", "refuse a capacity out of range");
}

}  // namespace

MessageQueue::MessageQueue(std::size_t maxsize, std::size_t capacity_bytes)
    : maxsize_(maxsize),
      capacity_bytes_(capacity_bytes),
      memory_(sizeof(Shared) + CheckedCapacity(capacity_bytes)) {
  // TODO(kata): construct the Shared header at the start of memory_
  // (placement new), before any process forks and uses it.
}

MessageQueue::Shared* MessageQueue::shared() const {
  return static_cast<Shared*>(memory_.data());
}

void MessageQueue::CheckOpen() const {
  if (closed_) throw ValueError("Queue is closed");
}

void MessageQueue::put(std::string_view message, bool block, QueueTimeout timeout) {
  // TODO(kata): refuse a message that can never fit; wait for room (or
  // throw mp::Full); write the length and the bytes into FREE space; then
  // publish the new bookkeeping in one step and wake the waiters.
  (void)message, (void)block, (void)timeout;
  throw NotImplemented("MessageQueue::put", "append one message, all or nothing");
}

std::string MessageQueue::get(bool block, QueueTimeout timeout) {
  // TODO(kata): wait for a message (or throw mp::Empty); copy it out; only
  // then publish the bookkeeping that removes it, and wake the waiters.
  (void)block, (void)timeout;
  throw NotImplemented("MessageQueue::get", "remove the oldest message, all or nothing");
}

std::size_t MessageQueue::qsize() const {
  // TODO(kata): the count, read under the lock.
  throw NotImplemented("MessageQueue::qsize", "count the messages");
}

bool MessageQueue::full() const {
  // TODO(kata): no room for even an empty message, or maxsize reached.
  throw NotImplemented("MessageQueue::full", "say whether a put would wait");
}

void MessageQueue::task_done() {
  // TODO(kata): one unfinished task fewer; mp::ValueError if there is none.
  throw NotImplemented("MessageQueue::task_done", "mark one task finished");
}

void MessageQueue::join() {
  // TODO(kata): wait until no task is unfinished.
  throw NotImplemented("MessageQueue::join", "wait for every task to be done");
}

void MessageQueue::close() { closed_ = true; }

}  // namespace mp
