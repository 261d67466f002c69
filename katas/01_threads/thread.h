// mp::Thread: Python's threading.Thread, in C++.
//
// A Thread runs a function, its "target", on a new thread of the SAME
// process. The new thread shares all memory with the one that made it: it
// can read and write the caller's variables, which is what makes threads
// cheap to start and to talk to, and what makes races possible (kata 02).
//
//   void worker(int num) { std::printf("Worker %d\n", num); }
//
//   std::vector<mp::Thread> threads;
//   for (int i = 0; i < 5; ++i) threads.emplace_back(worker, i);
//   for (mp::Thread& thread : threads) thread.start();
//   for (mp::Thread& thread : threads) thread.join();
//
// Python                                     C++
//   t = threading.Thread(target=f, args=(1,))  mp::Thread t(f, 1);
//   t.start()                                  t.start();
//   t.join()                                   t.join();
//   t.join(timeout=0.5)                        bool ended = t.join(500ms);
//   t.is_alive()                               t.is_alive()
//   t.name / t.name = "w"                      t.name() / t.set_name("w")
//   RuntimeError                               mp::RuntimeError
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the member functions in thread.cc.

#ifndef MPKATA_KATAS_01_THREADS_THREAD_H_
#define MPKATA_KATAS_01_THREADS_THREAD_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "common/errors.h"
#include "common/target.h"

namespace mp {

class Thread {
 public:
  // A timeout in seconds; 500ms, 2s or std::chrono::duration<double>(0.5)
  // all convert to it. A negative timeout counts as zero, as in Python.
  using Timeout = std::chrono::duration<double>;

  // Thread::Thread(target, args...)
  //
  // Makes a thread that, once started, calls target(args...) once. The
  // arguments are copied into the Thread, as std::thread does: to share a
  // variable with the target, pass a pointer or std::ref. Nothing runs until
  // start(). The thread gets a default name "Thread-N", N counting from 1
  // in this process, as in Python.
  template <typename Target, typename... Args>
  explicit Thread(Target&& target, Args&&... args)
      : target_(internal::BindTarget(std::forward<Target>(target), std::forward<Args>(args)...)),
        name_(internal::NextDefaultName<Thread>("Thread")) {}

  // Thread::~Thread()
  //
  // A started thread that was not joined is joined here: the destructor
  // waits for the target to return. Python likewise waits for its
  // (non-daemon) threads before the interpreter exits; std::thread instead
  // calls std::terminate, which is never what a learner wants.
  ~Thread();

  // Movable, so Threads can live in a std::vector; the running thread must
  // therefore not point at the Thread object itself (see State below).
  // A moved-from Thread may only be destroyed.
  Thread(Thread&&) noexcept = default;
  Thread& operator=(Thread&&) = delete;
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  // Thread::start()
  //
  // Starts running the target on a new thread and returns at once, without
  // waiting for the target. If the target throws, the exception is printed
  // on stderr as "Exception in thread NAME: WHAT" and the thread ends; the
  // process goes on (Python prints a traceback the same way).
  // Throws mp::RuntimeError if the thread was already started.
  void start();

  // Thread::join()
  //
  // Blocks until the target has returned (or thrown).
  // Throws mp::RuntimeError if the thread was never started, or if the
  // thread tries to join itself (that would wait forever).
  void join();

  // Thread::join(timeout)
  //
  // Blocks until the target has returned or `timeout` has passed, whichever
  // comes first. Returns true if the target has returned (the thread is
  // then joined), false if it is still running. Throws as join() does.
  bool join(Timeout timeout);

  // Thread::is_alive()
  //
  // True from start() until the target returns; false before start() and
  // after the target has returned. Never blocks.
  bool is_alive() const;

  // The thread's name, for messages. It does not have to be unique.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  // What the owner and the running thread share. It is defined in
  // thread.cc, by you: decide what the owner needs to learn from the thread.
  struct State;


  std::function<void()> target_;
  std::string name_;
  std::shared_ptr<State> state_;  // made by start(); shared with the thread
  std::thread thread_;
};

}  // namespace mp

#endif  // MPKATA_KATAS_01_THREADS_THREAD_H_
