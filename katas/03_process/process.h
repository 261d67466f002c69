// mp::Process: Python's multiprocessing.Process, in C++.
//
// A Process runs a function, its "target", in a NEW PROCESS: a child made by
// fork(), with its own copy of the parent's memory. Nothing the child writes
// is seen by the parent, and a child that crashes takes only itself down.
// The parent learns one thing from the child for free: how it ended, its
// exit code. Anything else must travel through the operating system (a pipe,
// a file, shared memory: later katas).
//
//   void worker(int num) { std::printf("Worker %d\n", num); }
//
//   std::vector<mp::Process> processes;
//   for (int i = 0; i < 5; ++i) processes.emplace_back(worker, i);
//   for (mp::Process& process : processes) process.start();
//   for (mp::Process& process : processes) process.join();
//
// Python                                        C++
//   p = Process(target=f, args=(1,))              mp::Process p(f, 1);
//   p.start()                                     p.start();
//   p.join()                                      p.join();
//   p.join(timeout=0.5); p.exitcode is not None   bool ended = p.join(500ms);
//   p.is_alive()                                  p.is_alive()
//   p.pid                                         p.pid()
//   p.exitcode                                    p.exitcode()   (std::optional<int>)
//   p.terminate() / p.kill()                      p.terminate(); / p.kill();
//   p.name / p.name = "w"                         p.name() / p.set_name("w")
//   p.daemon = True                               p.set_daemon(true);
//   p.sentinel                                    p.sentinel()   (a file descriptor)
//   multiprocessing.connection.wait(sentinels)    poll() on the sentinels
//   p.close()                                     p.close();
//   RuntimeError / ValueError                     mp::RuntimeError / mp::ValueError
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the member functions in process.cc.

#ifndef MPKATA_KATAS_03_PROCESS_PROCESS_H_
#define MPKATA_KATAS_03_PROCESS_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "common/errors.h"
#include "common/target.h"
#include "common/unique_fd.h"

namespace mp {

class Process {
 public:
  // A timeout in seconds; 500ms, 2s or std::chrono::duration<double>(0.5)
  // all convert to it. A negative timeout counts as zero, as in Python.
  using Timeout = std::chrono::duration<double>;

  // Process::Process(target, args...)
  //
  // Makes a process object that, once started, calls target(args...) once,
  // in a child process. The arguments are copied into the Process; the child
  // gets its own copy of them with the rest of the memory, so a pointer or a
  // std::ref still reaches only the CHILD's copy of the variable. Nothing
  // runs until start(). The default name is "Process-N", N counting from 1
  // in this process.
  template <typename Target, typename... Args>
  explicit Process(Target&& target, Args&&... args)
      : target_(internal::BindTarget(std::forward<Target>(target), std::forward<Args>(args)...)),
        name_(internal::NextDefaultName<Process>("Process")) {}

  // Process::~Process()
  //
  // Leaves nothing behind: no zombie, and no child left running unnoticed.
  // If the process was started and its child has not been reaped yet:
  //   - a daemon process's child is killed (SIGKILL) and reaped at once;
  //   - a non-daemon process's child is waited for, however long it takes,
  //     as Python waits for its non-daemon children before it exits.
  // Then the sentinel is closed. Never throws. Does nothing for a Process
  // that was never started, was closed, or was moved from.
  // (Python sends daemon children SIGTERM at exit, which a child can catch
  // or ignore; a destructor that must not hang sends SIGKILL.)
  ~Process();

  // Movable, so Processes can live in a std::vector. The moved-from Process
  // owns nothing and behaves as a closed one (see close()); it may only be
  // destroyed.
  // Not copyable: two owners of one child would both try to reap it.
  Process(Process&& other) noexcept
      : target_(std::move(other.target_)),
        name_(std::move(other.name_)),
        daemon_(other.daemon_),
        pid_(std::exchange(other.pid_, 0)),
        sentinel_(std::move(other.sentinel_)),
        exitcode_(other.exitcode_),
        closed_(std::exchange(other.closed_, true)) {}
  Process& operator=(Process&&) = delete;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Process::start()
  //
  // Forks the child, which runs the target and then ends: exit code 0 if the
  // target returned; 1 if it threw, after printing on the child's stderr
  //
  //   Process NAME:
  //   TYPE: WHAT
  //
  // with TYPE the exception's demangled type (Python prints a traceback).
  // The child always leaves with _exit(), so it never returns into the
  // caller's code nor runs the parent's exit handlers. stdout and stderr are
  // flushed before the fork, so nothing buffered is printed twice.
  // Returns at once, without waiting for the target.
  // Throws mp::RuntimeError if already started, mp::ValueError if closed,
  // mp::OSError if the child or its sentinel cannot be made.
  void start();

  // Process::join()
  //
  // Blocks until the child has ended, then reaps it (it is no zombie
  // anymore) and records its exit code. Joining again returns at once.
  // Throws mp::RuntimeError if the process was never started,
  // mp::ValueError if it is closed.
  void join();

  // Process::join(timeout)
  //
  // Blocks until the child has ended or `timeout` has passed, whichever
  // comes first. Returns true if the child has ended (it is then reaped, as
  // by join()), false if it is still running. Throws as join() does.
  bool join(Timeout timeout);

  // Process::is_alive()
  //
  // True from start() until the child ends; false before start() and after.
  // Never blocks. If the child has ended, reaps it, as Python's is_alive()
  // does: that is why it is not const. Throws mp::ValueError if closed.
  bool is_alive();

  // Process::pid()
  //
  // The child's process ID: 0 before start() (Python: None), then the pid,
  // even after the child has ended. Throws mp::ValueError if closed.
  pid_t pid() const {
    CheckNotClosed();
    return pid_;
  }

  // Process::exitcode()
  //
  // Empty before start() and while the child runs. Once it has ended: its
  // exit status (0 when the target returned, 1 when it threw, N when it
  // called _exit(N)), or minus the signal number when a signal ended it
  // (-SIGTERM after terminate(), -SIGSEGV after a crash), as in Python.
  // Never blocks; reaps an ended child, as is_alive() does.
  // Throws mp::ValueError if closed.
  std::optional<int> exitcode();

  // Process::terminate() and Process::kill()
  //
  // Send the child SIGTERM (which it may catch) or SIGKILL (which it cannot),
  // and return at once: join() to wait for it to end. Do nothing once the
  // child has been reaped, since its pid may belong to another process by
  // then. Throw mp::RuntimeError if the process was never started,
  // mp::ValueError if it is closed.
  void terminate();
  void kill();

  // Process::sentinel()
  //
  // A file descriptor that becomes readable when the child ends, to wait on
  // many processes at once with poll() (Python's
  // multiprocessing.connection.wait). It is a pidfd (Linux 5.3 and later),
  // or the read end of a pipe whose write end only the child holds where
  // pidfds are missing (the pipe may turn readable a moment before the child
  // can be reaped: the kernel closes a dying process's descriptors just
  // before it becomes a zombie; join() waits out that moment). It is
  // close-on-exec and owned by the Process: do not close it; close() and the
  // destructor do.
  // Throws mp::ValueError if the process was never started or is closed.
  int sentinel() const;

  // Process::close()
  //
  // Releases what the Process holds (reaping an ended child, closing the
  // sentinel). Afterwards every call but close(), name(), set_name() and
  // daemon() throws mp::ValueError (set_daemon() included). Closing twice, or before start(), is fine.
  // Throws mp::ValueError if the child is still running: join() or
  // terminate() it first.
  void close();

  // The process's name, for messages. It does not have to be unique.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // Process::daemon() and Process::set_daemon(daemon)
  //
  // A daemon process is one its owner does not wait for: the destructor
  // kills it instead of waiting (see ~Process). False by default.
  // set_daemon throws mp::RuntimeError after start(), mp::ValueError if
  // the process is closed.
  bool daemon() const { return daemon_; }
  void set_daemon(bool daemon);

 private:
  // Throws mp::ValueError if close() was called (or this was moved from),
  // with Python's message.
  void CheckNotClosed() const {
    if (closed_) throw ValueError("process object is closed (" + name_ + ")");
  }

  // Process::Reap(block)
  //
  // Asks the kernel whether the child has ended, waiting for it if `block`.
  // If it has, reaps it and records exitcode_. Returns whether the child has
  // been reaped (now or before). Throws mp::OSError if waiting fails.
  bool Reap(bool block);

  std::function<void()> target_;
  std::string name_;
  bool daemon_ = false;
  pid_t pid_ = 0;                // the child's pid once started; 0 before
  UniqueFd sentinel_;            // none before start() and after close()
  std::optional<int> exitcode_;  // set once the child has been reaped
  bool closed_ = false;          // close() was called, or moved from
};

}  // namespace mp

#endif  // MPKATA_KATAS_03_PROCESS_PROCESS_H_
