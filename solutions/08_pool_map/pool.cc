// Kata 08_pool_map, reference solution: mp::Pool.
//
// The design (README.md tells it as a story):
//   - each worker is an mp::Process joined to the pool by one socketpair:
//     tasks go down it, results come back up it, in the same order;
//   - ONE engine thread in the caller's process owns every worker and does
//     all their I/O with poll(): it never blocks on a single worker, so a
//     slow, stuck or dead worker cannot stall the others or the callers;
//   - callers only append tasks to a queue and wake the engine (an
//     eventfd), then wait on their Job;
//   - a worker's pidfd (its Process sentinel) tells the engine the moment
//     the worker dies; a counter in shared memory tells which of its tasks
//     it had started, so exactly that task fails and the others are given
//     to the remaining workers.
#include "katas/08_pool_map/pool.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>
#include <typeinfo>

#include "common/unique_fd.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"
#include "katas/08_pool_map/wire.h"

namespace mp {
namespace internal {

// ---------------------------------------------------------------- Job

Job::Job(std::size_t task_count, Delivery delivery)
    : task_count_(task_count), delivery_(delivery), endings_(task_count) {}

void Job::SetResult(std::size_t task, std::string result) {
  std::lock_guard lock(mutex_);
  Ending& ending = endings_.at(task);
  if (ending.done) return;
  ending.done = true;
  ending.result = std::move(result);
  ++done_count_;
  if (delivery_ == Delivery::kAsCompleted) completion_order_.push_back(task);
  NotifyIfAwaited(task);
}

void Job::SetError(std::size_t task, TaskError error) {
  std::lock_guard lock(mutex_);
  Ending& ending = endings_.at(task);
  if (ending.done) return;
  ending.done = true;
  if (!first_error_) first_error_ = error;
  ending.error = std::move(error);
  ++done_count_;
  if (delivery_ == Delivery::kAsCompleted) completion_order_.push_back(task);
  NotifyIfAwaited(task);
}

void Job::NotifyIfAwaited(std::size_t task) {
  // Waking the caller for every one of 10,000 results, only for it to find
  // the job unfinished and sleep again, would cost more than the tasks:
  // wake it when what it waits for may have happened.
  const bool awaited = delivery_ == Delivery::kAsCompleted ||
                       (delivery_ == Delivery::kInOrder && task == next_) ||
                       done_count_ == task_count_ || first_error_.has_value();
  if (awaited) changed_.notify_all();
}

namespace {

// Waits on `changed` until `done()` or the timeout; returns done().
template <typename Done>
bool WaitFor(std::condition_variable& changed, std::unique_lock<std::mutex>& lock,
             PoolTimeout timeout, Done done) {
  if (!timeout) {
    changed.wait(lock, done);
    return true;
  }
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::max(*timeout, std::chrono::duration<double>::zero()));
  return changed.wait_until(lock, deadline, done);
}

}  // namespace

bool Job::ready() const {
  std::lock_guard lock(mutex_);
  return done_count_ == task_count_ || first_error_.has_value();
}

bool Job::wait(PoolTimeout timeout) const {
  std::unique_lock lock(mutex_);
  return WaitFor(changed_, lock, timeout,
                 [this] { return done_count_ == task_count_ || first_error_.has_value(); });
}

std::vector<std::string> Job::CopyAll(PoolTimeout timeout) {
  std::unique_lock lock(mutex_);
  if (!WaitFor(changed_, lock, timeout,
               [this] { return done_count_ == task_count_ || first_error_.has_value(); })) {
    throw TimeoutError("the result is not ready yet");
  }
  if (first_error_) first_error_->Throw();
  std::vector<std::string> results;
  results.reserve(task_count_);
  for (const Ending& ending : endings_) results.push_back(ending.result);
  return results;
}

bool Job::HasNext() const {
  if (next_ == task_count_) return true;  // Next() returns "no more"
  if (delivery_ == Delivery::kInOrder) return endings_[next_].done;
  return next_ < completion_order_.size();
}

std::optional<std::string> Job::Next(PoolTimeout timeout) {
  std::unique_lock lock(mutex_);
  if (!WaitFor(changed_, lock, timeout, [this] { return HasNext(); })) {
    throw TimeoutError("no next result yet");
  }
  if (next_ == task_count_) return std::nullopt;
  const std::size_t task =
      delivery_ == Delivery::kInOrder ? next_ : completion_order_[next_];
  ++next_;
  Ending& ending = endings_[task];
  if (ending.error) ending.error->Throw();
  return std::move(ending.result);
}

}  // namespace internal

namespace {

using internal::AppendTaskFrame;
using internal::SendAll;
using internal::TakeFrames;

// How much one recv() takes at most.
constexpr std::size_t kReadChunk = 64 * 1024;

// ---------------------------------------------------------------- the worker

// Runs one task and appends its result frame to `results`. An exception f
// throws is sent back, typed and described, and the worker goes on.
void RunTask(std::string_view frame, std::string& results) {
  const internal::TaskView task = internal::ReadTaskFrame(frame);
  std::string type_name;
  std::string message;
  try {
    internal::AppendValueFrame(results, task.invoker(task.f, task.arguments));
    return;
  } catch (const std::exception& error) {
    type_name = internal::Demangle(typeid(error).name());
    message = error.what();
  } catch (...) {
    type_name = "unknown exception";
    message = "f threw something that is not a std::exception";
  }
  internal::AppendExceptionFrame(results, type_name, message);
}

// The worker process's whole life: read tasks, run them in order, send the
// results, until the pool shuts the socket's sending side (end of file).
// `started` counts the tasks begun, in memory the pool's process shares,
// so that if this process dies the pool knows which task killed it.
void RunWorker(int socket, std::atomic<std::uint64_t>& started) {
  std::string tasks;
  std::string result;
  std::vector<char> buffer(kReadChunk);
  for (;;) {
    bool socket_broken = false;
    // Each result is sent as soon as its task ends, never held back for
    // a batch: the next task may take an hour, and imap's caller is
    // waiting for this one. (Tasks, on the other hand, arrive in batches:
    // one recv can bring many.)
    TakeFrames(tasks, [&](std::string_view task) {
      if (socket_broken) return;
      started.fetch_add(1, std::memory_order_release);
      result.clear();
      RunTask(task, result);
      socket_broken = !SendAll(socket, result);
    });
    if (socket_broken) return;  // the pool is gone
    const ssize_t received = ::recv(socket, buffer.data(), buffer.size(), 0);
    if (received == 0) return;  // the pool has no more tasks for this worker
    if (received < 0) {
      if (errno == EINTR) continue;
      return;
    }
    tasks.append(buffer.data(), static_cast<std::size_t>(received));
  }
}

}  // namespace

// ---------------------------------------------------------------- the engine

class Pool::Engine {
 public:
  Engine(int processes, std::optional<int> maxtasksperchild)
      : maxtasksperchild_(maxtasksperchild),
        started_counters_(sizeof(std::atomic<std::uint64_t>) * processes),
        wake_(CheckSystemCall("eventfd", ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))) {
    workers_.resize(static_cast<std::size_t>(processes));
    for (std::size_t slot = 0; slot < workers_.size(); ++slot) StartWorker(slot);
    thread_ = std::thread([this] { Run(); });
  }

  // Terminates, if close() and join() have not ended everything already.
  ~Engine() { Stop(State::kTerminate); }

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Submit(std::vector<internal::TaskSpec> specs, const std::shared_ptr<internal::Job>& job) {
    {
      std::lock_guard lock(mutex_);
      if (state_ != State::kRun) throw ValueError("Pool not running");
      for (std::size_t index = 0; index < specs.size(); ++index) {
        pending_.push_back(Task{job, index, std::move(specs[index])});
      }
    }
    Wake();
  }

  void CheckRunning() const {
    std::lock_guard lock(mutex_);
    if (state_ != State::kRun) throw ValueError("Pool not running");
  }

  void Close() {
    {
      std::lock_guard lock(mutex_);
      if (state_ == State::kRun) state_ = State::kClose;
    }
    Wake();
  }

  void Join() {
    {
      std::lock_guard lock(mutex_);
      if (state_ == State::kRun) {
        throw ValueError("Pool is still running: call close() or terminate() before join()");
      }
    }
    JoinThread();
  }

  void Terminate() { Stop(State::kTerminate); }

 private:
  enum class State { kRun, kClose, kTerminate };

  struct Task {
    std::shared_ptr<internal::Job> job;
    std::size_t index;  // within the job
    internal::TaskSpec spec;
  };

  struct Worker {
    Worker(Process started_process, UniqueFd pool_end)
        : process(std::move(started_process)), socket(std::move(pool_end)) {}

    Process process;
    UniqueFd socket;                 // the pool's end, non-blocking
    std::string unsent;              // task frames not yet accepted by the socket
    std::string received;            // result bytes not yet a whole frame
    std::deque<Task> in_flight;      // sent, unanswered, in the order sent
    std::uint64_t answered = 0;      // results received from this worker
    int assigned = 0;                // tasks given, for maxtasksperchild
    bool retiring = false;           // given its last task: no more
    bool sending_shut = false;       // its end of file was sent
    bool results_ended = false;      // it closed its end
  };

  std::atomic<std::uint64_t>& StartedCounter(std::size_t slot) {
    return static_cast<std::atomic<std::uint64_t>*>(started_counters_.data())[slot];
  }

  // Forks the worker for `slot`. Called by the constructor, then only by
  // the engine thread, so workers_ never changes under a fork.
  void StartWorker(std::size_t slot) {
    int ends[2];
    CheckSystemCall("socketpair",
                    ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends));
    UniqueFd pool_end(ends[0]);
    UniqueFd worker_end(ends[1]);
    // The worker must not keep the pool's ends of the OTHER workers'
    // sockets, nor the wake-up eventfd: descriptors of the pool, not its.
    std::vector<int> to_close = {pool_end.get(), wake_.get()};
    for (const auto& other : workers_) {
      if (other) to_close.push_back(other->socket.get());
    }
    std::atomic<std::uint64_t>& started = StartedCounter(slot);
    started.store(0, std::memory_order_relaxed);
    const int worker_socket = worker_end.get();
    auto worker = std::make_unique<Worker>(Process([to_close, worker_socket, &started] {
                                             for (int fd : to_close) ::close(fd);
                                             RunWorker(worker_socket, started);
                                           }),
                                           std::move(pool_end));
    worker->process.set_daemon(true);  // ~Process kills and reaps it
    worker->process.start();
    worker_end.reset();
    const int flags = CheckSystemCall("fcntl", ::fcntl(worker->socket.get(), F_GETFL));
    CheckSystemCall("fcntl", ::fcntl(worker->socket.get(), F_SETFL, flags | O_NONBLOCK));
    workers_[slot] = std::move(worker);
  }

  void Wake() {
    const std::uint64_t one = 1;
    // A full counter (never, in practice) still leaves the eventfd readable.
    [[maybe_unused]] ssize_t written = ::write(wake_.get(), &one, sizeof(one));
  }

  void Stop(State state) {
    {
      std::lock_guard lock(mutex_);
      if (state_ != State::kTerminate) state_ = state;
    }
    Wake();
    JoinThread();
  }

  void JoinThread() {
    std::lock_guard lock(join_mutex_);
    if (thread_.joinable()) thread_.join();
  }

  // The engine thread.
  void Run() {
    std::vector<pollfd> polled;
    for (;;) {
      State state;
      {
        std::lock_guard lock(mutex_);
        state = state_;
      }
      if (state == State::kTerminate) {
        KillEverything();
        return;
      }
      ReplaceMissingWorkers();
      Dispatch();
      if (state == State::kClose && AllWorkDone()) {
        for (auto& worker : workers_) {
          if (worker) ShutSending(*worker);
        }
        if (NoWorkerLeft()) return;
      }
      for (auto& worker : workers_) {
        if (worker) Send(*worker);
      }

      // Wait for: a wake-up, each worker's results, room to send, its end.
      polled.clear();
      polled.push_back({wake_.get(), POLLIN, 0});
      for (auto& worker : workers_) {
        if (!worker) continue;
        short events = 0;
        if (!worker->results_ended) events |= POLLIN;
        if (!worker->sending_shut && !worker->unsent.empty()) events |= POLLOUT;
        polled.push_back({events ? worker->socket.get() : -1, events, 0});
        polled.push_back({worker->process.sentinel(), POLLIN, 0});
      }
      // Retry a failed replacement now and then rather than busy-looping.
      const int timeout_ms = replacement_failed_ ? 100 : -1;
      if (::poll(polled.data(), polled.size(), timeout_ms) < 0 && errno != EINTR) {
        FailAllPending(Unfinished(std::string("the pool's engine could not wait: poll: ") +
                                  std::strerror(errno)));
        continue;
      }
      if (polled[0].revents) {
        std::uint64_t count;
        [[maybe_unused]] ssize_t got = ::read(wake_.get(), &count, sizeof(count));
      }
      std::size_t entry = 1;
      for (std::size_t slot = 0; slot < workers_.size(); ++slot) {
        if (!workers_[slot]) continue;
        Worker& worker = *workers_[slot];
        const short socket_events = polled[entry++].revents;
        const bool ended = polled[entry++].revents != 0;
        if (socket_events & (POLLIN | POLLHUP | POLLERR)) Receive(worker);
        if (ended) WorkerEnded(slot);
      }
    }
  }

  // Workers lost earlier whose replacement failed (fork refused) are
  // retried here. While no worker at all exists, pending tasks fail rather
  // than wait for ever.
  void ReplaceMissingWorkers() {
    if (!replacement_failed_) return;
    replacement_failed_ = false;
    for (std::size_t slot = 0; slot < workers_.size(); ++slot) {
      if (!workers_[slot] && ShouldReplace()) TryStartWorker(slot);
    }
  }

  bool ShouldReplace() {
    std::lock_guard lock(mutex_);
    return state_ == State::kRun || (state_ == State::kClose && !pending_.empty());
  }

  void TryStartWorker(std::size_t slot) {
    try {
      StartWorker(slot);
    } catch (const std::exception& error) {
      replacement_failed_ = true;
      if (NoWorkerLeft()) {
        FailAllPending(Unfinished(std::string("the pool has no worker: starting one failed: ") +
                                  error.what()));
      }
    }
  }

  bool NoWorkerLeft() const {
    for (const auto& worker : workers_) {
      if (worker) return false;
    }
    return true;
  }

  bool AllWorkDone() {
    for (const auto& worker : workers_) {
      if (worker && !worker->in_flight.empty()) return false;
    }
    std::lock_guard lock(mutex_);
    return pending_.empty();
  }

  // Hands pending tasks to the workers that have the fewest unanswered.
  // Each worker gets at most a window of tasks ahead, so that the work
  // stays balanced when tasks take uneven times, yet large enough (when
  // there are many tasks) that a worker never waits for its next task and
  // both sides move tasks and results in batches.
  void Dispatch() {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    std::size_t accepting = 0;
    std::size_t unanswered = 0;
    for (const auto& worker : workers_) {
      if (worker && !worker->retiring) ++accepting;
      if (worker) unanswered += worker->in_flight.size();
    }
    if (accepting == 0) return;
    constexpr std::size_t kMaxWindow = 64;
    // Half an even share of all unfinished tasks: one each when there are
    // few (so none waits behind a busy worker while another is idle), up
    // to 64 when there are thousands.
    const std::size_t window = std::clamp<std::size_t>(
        (pending_.size() + unanswered + 2 * accepting - 1) / (2 * accepting), 1, kMaxWindow);
    while (!pending_.empty()) {
      Worker* least_busy = nullptr;
      for (const auto& worker : workers_) {
        if (!worker || worker->retiring) continue;
        if (!least_busy || worker->in_flight.size() < least_busy->in_flight.size()) {
          least_busy = worker.get();
        }
      }
      if (!least_busy || least_busy->in_flight.size() >= window) return;
      Task& task = pending_.front();
      AppendTaskFrame(least_busy->unsent, task.spec);
      least_busy->in_flight.push_back(std::move(task));
      pending_.pop_front();
      if (maxtasksperchild_ && ++least_busy->assigned == *maxtasksperchild_) {
        least_busy->retiring = true;
      }
    }
  }

  // Writes what the socket takes now; a retiring worker's sending side is
  // shut once its last task is out, so it exits after answering.
  void Send(Worker& worker) {
    while (!worker.unsent.empty() && !worker.sending_shut) {
      const ssize_t sent =
          ::send(worker.socket.get(), worker.unsent.data(), worker.unsent.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        worker.unsent.clear();  // the worker is gone; its end will be reported
        return;
      }
      worker.unsent.erase(0, static_cast<std::size_t>(sent));
    }
    if (worker.retiring && worker.unsent.empty()) ShutSending(worker);
  }

  void ShutSending(Worker& worker) {
    if (worker.sending_shut) return;
    worker.sending_shut = true;
    ::shutdown(worker.socket.get(), SHUT_WR);
  }

  // Reads every result the socket holds and delivers each to its job.
  void Receive(Worker& worker) {
    char buffer[kReadChunk];
    for (;;) {
      const ssize_t received = ::recv(worker.socket.get(), buffer, sizeof(buffer), 0);
      if (received > 0) {
        worker.received.append(buffer, static_cast<std::size_t>(received));
        continue;
      }
      if (received < 0 && errno == EINTR) continue;
      if (received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) worker.results_ended = true;
      break;
    }
    TakeFrames(worker.received, [&](std::string_view frame) {
      if (worker.in_flight.empty()) return;  // cannot happen with a sane worker
      Task task = std::move(worker.in_flight.front());
      worker.in_flight.pop_front();
      ++worker.answered;
      if (frame.empty()) return;
      if (frame[0] == internal::kValue) {
        task.job->SetResult(task.index, std::string(frame.substr(1)));
      } else {
        task.job->SetError(task.index, internal::ReadException(frame.substr(1)));
      }
    });
  }

  // A worker's process has ended. Its last results are taken; the task it
  // had begun and not answered (if any) fails with WorkerLostError; tasks
  // it had not begun, or had finished without sending the result, go back
  // to the front of the queue, in order; a replacement starts.
  void WorkerEnded(std::size_t slot) {
    std::unique_ptr<Worker> worker = std::move(workers_[slot]);
    Receive(*worker);
    worker->process.join();
    const int exitcode = worker->process.exitcode().value_or(0);
    const std::uint64_t started = StartedCounter(slot).load(std::memory_order_acquire);
    std::deque<Task>& unanswered = worker->in_flight;
    if (started > worker->answered && started - worker->answered <= unanswered.size()) {
      const auto culprit = static_cast<std::ptrdiff_t>(started - worker->answered - 1);
      Task lost = std::move(unanswered[static_cast<std::size_t>(culprit)]);
      unanswered.erase(unanswered.begin() + culprit);
      const pid_t pid = worker->process.pid();
      lost.job->SetError(
          lost.index,
          internal::TaskError{internal::TaskError::Kind::kWorkerLost, "",
                              "a pool worker (pid " + std::to_string(pid) + ") " +
                                  internal::DescribeExit(exitcode) +
                                  " while running a task; the pool has started a replacement",
                              pid, exitcode});
    }
    {
      std::lock_guard lock(mutex_);
      for (auto task = unanswered.rbegin(); task != unanswered.rend(); ++task) {
        pending_.push_front(std::move(*task));
      }
    }
    worker.reset();
    if (ShouldReplace()) TryStartWorker(slot);
  }

  // terminate(): every worker killed and reaped, every unfinished task
  // failed, fast however many there are.
  void KillEverything() {
    for (auto& worker : workers_) {
      if (worker) worker->process.kill();
    }
    const internal::TaskError error = Unfinished("the pool was terminated before this task finished");
    for (auto& worker : workers_) {
      if (!worker) continue;
      worker->process.join();
      for (Task& task : worker->in_flight) task.job->SetError(task.index, error);
      worker.reset();
    }
    FailAllPending(error);
  }

  static internal::TaskError Unfinished(std::string message) {
    return {internal::TaskError::Kind::kUnfinished, "", std::move(message)};
  }

  void FailAllPending(const internal::TaskError& error) {
    std::deque<Task> failed;
    {
      std::lock_guard lock(mutex_);
      failed.swap(pending_);
    }
    for (Task& task : failed) task.job->SetError(task.index, error);
  }

  const std::optional<int> maxtasksperchild_;
  SharedMemory started_counters_;  // one std::atomic<uint64_t> per slot
  UniqueFd wake_;                  // eventfd: "state_ or pending_ changed"

  mutable std::mutex mutex_;  // guards state_ and pending_
  State state_ = State::kRun;
  std::deque<Task> pending_;

  // The engine thread's own (the constructor's, before it starts).
  std::vector<std::unique_ptr<Worker>> workers_;
  bool replacement_failed_ = false;  // retry starting workers soon

  std::mutex join_mutex_;  // one joiner at a time
  std::thread thread_;
};

// ---------------------------------------------------------------- Pool

namespace {

int CheckedProcesses(std::optional<int> processes) {
  if (!processes) {
    // The CPUs this process may run on, not all the machine's: a worker
    // per CPU that a container or taskset denies would only take turns.
    cpu_set_t allowed;
    if (::sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
      return std::max(CPU_COUNT(&allowed), 1);
    }
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? static_cast<int>(online) : 1;
  }
  if (*processes < 1) {
    throw ValueError("Number of processes must be at least 1, not " +
                     std::to_string(*processes));
  }
  return *processes;
}

std::optional<int> CheckedMaxTasks(std::optional<int> maxtasksperchild) {
  if (maxtasksperchild && *maxtasksperchild < 1) {
    throw ValueError("maxtasksperchild must be a positive number or none, not " +
                     std::to_string(*maxtasksperchild));
  }
  return maxtasksperchild;
}

}  // namespace

Pool::Pool(std::optional<int> processes, std::optional<int> maxtasksperchild)
    : processes_(CheckedProcesses(processes)),
      maxtasksperchild_(CheckedMaxTasks(maxtasksperchild)),
      engine_(std::make_unique<Engine>(processes_, maxtasksperchild_)) {}

Pool::~Pool() = default;  // ~Engine terminates

std::size_t Pool::DefaultChunksize(std::size_t item_count, int processes) {
  const std::size_t chunks = 4 * static_cast<std::size_t>(std::max(processes, 1));
  return (item_count + chunks - 1) / chunks;
}

void Pool::CheckRunning() const { engine_->CheckRunning(); }

std::shared_ptr<internal::Job> Pool::Submit(std::vector<internal::TaskSpec> tasks,
                                            internal::Job::Delivery delivery) {
  auto job = std::make_shared<internal::Job>(tasks.size(), delivery);
  if (tasks.empty()) {
    CheckRunning();
    return job;
  }
  engine_->Submit(std::move(tasks), job);
  return job;
}

void Pool::close() { engine_->Close(); }
void Pool::join() { engine_->Join(); }
void Pool::terminate() { engine_->Terminate(); }

}  // namespace mp
