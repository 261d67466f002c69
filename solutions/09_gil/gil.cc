// Reference solution of kata 09_gil: mp::Gil, a ticket lock with CPython's
// drop request.
#include "katas/09_gil/gil.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/errors.h"

namespace mp {

Gil::Gil(std::chrono::microseconds switch_interval) : switch_interval_(switch_interval) {
  // A zero interval would make every waiter ask for the GIL at once, and a
  // negative one means nothing. sys.setswitchinterval(0) refuses with the
  // same words.
  if (switch_interval <= std::chrono::microseconds::zero()) {
    throw ValueError("switch interval must be strictly positive (got " +
                     std::to_string(switch_interval.count()) + " us)");
  }
}

void Gil::WaitForTurn(std::unique_lock<std::mutex>& lock) {
  // Fairness comes from the ticket: a number is taken once, under the mutex,
  // and numbers are served in order. Whoever asked first gets in first, and
  // a thread that comes back for more (checkpoint) takes a number behind
  // everyone already waiting. Nobody wins by racing.
  const std::uint64_t ticket = next_ticket_++;
  ++waiting_;
  while (now_serving_ != ticket) {
    // Wait one interval at most. If it ran out while the same ticket was
    // being served all along, the holder has had the GIL for at least a
    // whole interval: ask it to let go, as CPython's take_gil() sets
    // gil_drop_request. If the holder changed meanwhile, the new holder's
    // interval has only just begun, so start counting again instead.
    const std::uint64_t serving_before = now_serving_;
    if (turn_changed_.wait_for(lock, switch_interval_) == std::cv_status::timeout &&
        now_serving_ == serving_before) {
      drop_request_ = true;
    }
  }
  --waiting_;
  holder_ = std::this_thread::get_id();
  // The request, if any, was about the previous holder's turn. CPython
  // resets it when the GIL changes hands, too.
  drop_request_ = false;
}

void Gil::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  // Check before taking a ticket: a ticket taken and never served would
  // block every later thread behind it.
  if (holder_ == std::this_thread::get_id()) {
    throw RuntimeError("Gil::acquire: this thread already holds the GIL");
  }
  WaitForTurn(lock);
}

void Gil::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holder_ != std::this_thread::get_id()) {
      throw RuntimeError("Gil::release: this thread does not hold the GIL");
    }
    // Serving the next number IS the hand-over: if someone holds it, the GIL
    // is theirs from this moment, even before they wake up, so the releasing
    // thread cannot take it back by calling acquire() again at once (it
    // would take a number behind them). If nobody waits, now_serving_ equals
    // next_ticket_ and the next acquire() gets in without waiting.
    holder_ = std::thread::id();
    ++now_serving_;
  }
  // Every waiter wakes and checks its number; only one of them is served.
  // (A condition variable per ticket would wake just that one; with a few
  // threads, waking all is simpler and cheap enough.)
  turn_changed_.notify_all();
}

bool Gil::checkpoint() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (holder_ != std::this_thread::get_id()) {
    throw RuntimeError("Gil::checkpoint: this thread does not hold the GIL");
  }
  // The cheap, common case: nobody has waited a whole interval, so keep
  // computing. CPython's eval loop makes the same check between bytecodes,
  // on a flag, without taking any lock; here the mutex keeps it simple.
  if (!drop_request_ || waiting_ == 0) return false;
  // Hand over exactly as release() does, then queue up again as acquire()
  // does. Calling release() and then acquire() would be fair too, since the
  // new ticket comes after every waiter's; doing it here, under one hold of
  // the mutex, also counts the switch.
  holder_ = std::thread::id();
  ++now_serving_;
  ++switches_;
  turn_changed_.notify_all();
  WaitForTurn(lock);
  return true;
}

}  // namespace mp
