// mp::Gil: a simulated global interpreter lock, the lock that makes CPython's
// threads take turns.
//
// CPython lets a thread run Python code only while it holds one lock per
// interpreter, the GIL. A thread that computes keeps it, and every "switch
// interval" (5 ms unless sys.setswitchinterval says otherwise) a thread that
// has been waiting that long asks it to let go; the holder notices between two
// bytecodes and hands the lock over. A thread that blocks on I/O or in
// time.sleep() releases the GIL for the whole wait and takes it back after.
// So Python threads take turns on one core when they compute, and wait side
// by side when they wait. mp::Gil is that lock, for C++ threads that play the
// part of Python threads: hold it to run a step of work, call checkpoint()
// between steps, and release it around a blocking wait.
//
//   mp::Gil gil;                            // switch interval 5 ms, as in CPython
//
//   void python_thread(mp::Gil& gil) {      // what one "Python thread" does
//     mp::Gil::Held held(gil);              // it may run only while it holds the GIL
//     for (int step = 0; step < 1000; ++step) {
//       compute_a_little();                 // one "bytecode": needs the GIL
//       gil.checkpoint();                   // hand over if a waiter has waited an interval
//     }
//     {
//       mp::Gil::Released io(gil);          // blocking I/O: others run meanwhile
//       read_from_a_socket();
//     }                                     // the GIL is held again from here
//   }
//
// Python / CPython                                C++
//   sys.getswitchinterval()   # 0.005               gil.switch_interval()   // 5ms
//   sys.setswitchinterval(0.001)                    mp::Gil gil(1ms);
//   a thread runs Python code: it holds the GIL     mp::Gil::Held held(gil);  or gil.acquire()
//   the eval loop's "drop request" check            gil.checkpoint()
//   Py_BEGIN_ALLOW_THREADS                          { mp::Gil::Released io(gil);
//   ... Py_END_ALLOW_THREADS                          ... }
//   PyEval_SaveThread() / PyEval_RestoreThread()    gil.release() / gil.acquire()
//   PyGILState_Check()                              gil.held_by_this_thread()
//   time.sleep(), sock.recv(): release the GIL      a blocking call inside Gil::Released
//   ValueError from sys.setswitchinterval(0)        mp::ValueError from mp::Gil(0us)
//
// One thing is stricter than CPython: the GIL goes to the thread that has
// waited longest (first come, first served), never to whichever thread wins
// a race for it. That makes the order of holders predictable, and testable.
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the member functions in gil.cc.

#ifndef MPKATA_KATAS_09_GIL_GIL_H_
#define MPKATA_KATAS_09_GIL_GIL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/errors.h"

namespace mp {

class Gil {
 public:
  // CPython's default switch interval: sys.getswitchinterval() == 0.005.
  static constexpr std::chrono::microseconds kDefaultSwitchInterval{5000};

  // Gil::Gil(switch_interval)
  //
  // Makes a GIL that nobody holds. A thread that has waited `switch_interval`
  // for it asks the holder to let go at its next checkpoint(). Throws
  // mp::ValueError if the interval is zero or negative, as
  // sys.setswitchinterval does.
  explicit Gil(std::chrono::microseconds switch_interval = kDefaultSwitchInterval);

  // Gil::~Gil()
  //
  // Like std::mutex: destroying a GIL that a thread holds or waits for is a
  // bug (undefined behaviour). Join the threads first.
  ~Gil() = default;

  // The threads point at it: neither copyable nor movable.
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

  // Gil::acquire()
  //
  // Blocks until the calling thread holds the GIL. Waiting threads are
  // served in the order they called acquire() (or were sent to the back by
  // checkpoint()). Every `switch_interval` that a waiter spends waiting while
  // the same thread keeps holding the GIL, it sets a drop request, which the
  // holder honours at its next checkpoint().
  // Throws mp::RuntimeError if the calling thread already holds the GIL (it
  // is not recursive: waiting for itself would never end).
  void acquire();

  // Gil::release()
  //
  // Lets go of the GIL. If threads are waiting, it goes straight to the one
  // that has waited longest, so that nobody, the releasing thread included,
  // can cut in before it. Never blocks.
  // Throws mp::RuntimeError if the calling thread does not hold the GIL.
  void release();

  // Gil::checkpoint()
  //
  // Called by the holder between two steps of work, where CPython's eval
  // loop checks for a drop request between bytecodes. If a waiting thread has
  // asked for the GIL (it has waited a whole switch interval), hands the GIL
  // to the longest waiter, queues the caller behind every thread already
  // waiting, blocks until its turn comes round again, and returns true.
  // Otherwise returns false at once and the caller keeps the GIL.
  // Throws mp::RuntimeError if the calling thread does not hold the GIL.
  bool checkpoint();

  // BasicLockable, so std::unique_lock<mp::Gil> and std::scoped_lock work:
  // lock() is acquire(), unlock() is release().
  void lock() { acquire(); }
  void unlock() { release(); }

  // Gil::switch_interval()
  //
  // How long a waiter waits before it asks the holder to let go.
  std::chrono::microseconds switch_interval() const { return switch_interval_; }

  // Gil::held_by_this_thread()
  //
  // True if the calling thread holds the GIL (CPython: PyGILState_Check()).
  // Never blocks for long.
  bool held_by_this_thread() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return holder_ == std::this_thread::get_id();
  }

  // Gil::waiting()
  //
  // How many threads are blocked in acquire() or checkpoint() waiting for
  // their turn, for tests and demos. Never blocks for long.
  int waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_;
  }

  // Gil::switches()
  //
  // How many times checkpoint() has handed the GIL over to a waiter, since
  // the GIL was made. A release() is not counted: a thread that releases
  // the GIL to wait for I/O gives it away on its own, nobody forced it.
  long switches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return switches_;
  }

  // Gil::Held: holds the GIL for a scope. The constructor acquires (and
  // throws as acquire() does); the destructor releases.
  //
  //   mp::Gil::Held held(gil);   // from here to the end of the scope
  class [[nodiscard]] Held {
   public:
    explicit Held(Gil& gil) : gil_(gil) { gil_.acquire(); }
    ~Held() { gil_.release(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    Gil& gil_;
  };

  // Gil::Released: lets go of the GIL for a scope, around a blocking wait,
  // as CPython's Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS do around
  // I/O. The constructor releases (and throws as release() does: the caller
  // must hold the GIL); the destructor blocks until the GIL is back. Do not
  // acquire the GIL yourself inside the scope: the destructor would then
  // throw, and a throwing destructor ends the program.
  //
  //   {
  //     mp::Gil::Released io(gil);
  //     std::this_thread::sleep_for(10ms);   // other threads hold the GIL meanwhile
  //   }
  class [[nodiscard]] Released {
   public:
    explicit Released(Gil& gil) : gil_(gil) { gil_.release(); }
    ~Released() { gil_.acquire(); }
    Released(const Released&) = delete;
    Released& operator=(const Released&) = delete;

   private:
    Gil& gil_;
  };

 private:
  // Gil::WaitForTurn(lock)
  //
  // The waiting that acquire() and checkpoint() share. Takes the next
  // ticket, then blocks until that ticket is served; each time a whole switch
  // interval passes with no change of holder, sets the drop request. Returns
  // with the calling thread recorded as the holder. `lock` holds mutex_ on
  // entry and on return (waiting on the condition variable unlocks it in
  // between).
  void WaitForTurn(std::unique_lock<std::mutex>& lock);

  const std::chrono::microseconds switch_interval_;

  // The GIL is a ticket lock: each thread that wants it takes the next
  // number, and the GIL belongs to the number being served. Everything below
  // is guarded by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable turn_changed_;  // notified when now_serving_ moves on
  std::uint64_t next_ticket_ = 0;         // the number the next waiter takes
  std::uint64_t now_serving_ = 0;         // the number whose thread may hold the GIL
  std::thread::id holder_;                // the holding thread; std::thread::id() if none
  int waiting_ = 0;                       // threads inside WaitForTurn
  bool drop_request_ = false;             // a waiter has waited a whole interval
  long switches_ = 0;                     // hand-overs made by checkpoint()
};

}  // namespace mp

#endif  // MPKATA_KATAS_09_GIL_GIL_H_
