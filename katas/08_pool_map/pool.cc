// Kata 08_pool_map: write mp::Pool, a process pool that never hangs.
//
// Every function below that throws mp::NotImplemented is yours to write.
// Read README.md first: it builds the design step by step, in the order
// below. pool.h is the contract; wire.h gives you the frame format, so
// you never count bytes by hand. HINTS.md helps when you are stuck.
// Check your work:
//
//   bazel test //katas/08_pool_map/...                 # correctness
//   bazel test --config=tsan //katas/08_pool_map/...   # and no data race
#include "katas/08_pool_map/pool.h"

#include "common/not_implemented.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"
#include "katas/08_pool_map/wire.h"

namespace mp {
namespace internal {

// ---------------------------------------------------------------- step 1: Job
//
// A Job is a box of results that one thread (the engine) fills and another
// (the caller) waits on: a mutex, a condition variable, and the rule of
// kata 01 — change the state under the lock, then notify.

Job::Job(std::size_t task_count, Delivery delivery)
    : task_count_(task_count), delivery_(delivery), endings_(task_count) {}

void Job::SetResult(std::size_t task, std::string result) {
  // TODO(kata): record the task's ending (once: a second ending is
  // ignored), count it, remember the completion order for kAsCompleted,
  // and wake the waiters (NotifyIfAwaited).
  (void)task, (void)result;
  throw NotImplemented("Job::SetResult", "record a task's result and wake whoever waits for it");
}

void Job::SetError(std::size_t task, TaskError error) {
  // TODO(kata): as SetResult, and remember the FIRST error: it is what
  // map() throws.
  (void)task, (void)error;
  throw NotImplemented("Job::SetError", "record a task's exception and wake whoever waits");
}

void Job::NotifyIfAwaited(std::size_t task) {
  // TODO(kata): notify_all() when a waiter may now be able to go on. (Is
  // it worth telling map's caller about each of 10,000 results?)
  (void)task;
  throw NotImplemented("Job::NotifyIfAwaited", "wake the caller when it can go on");
}

bool Job::ready() const {
  // TODO(kata): every task done, or one failed.
  throw NotImplemented("Job::ready", "say whether the whole job has finished");
}

bool Job::wait(PoolTimeout timeout) const {
  // TODO(kata): wait on the condition variable until ready() or the
  // timeout (nullopt: no limit; a negative timeout counts as zero).
  (void)timeout;
  throw NotImplemented("Job::wait", "wait until the job has finished, or time out");
}

std::vector<std::string> Job::CopyAll(PoolTimeout timeout) {
  // TODO(kata): wait as wait() does (mp::TimeoutError if not ready), then
  // rethrow the first error, or return every task's result bytes in order.
  (void)timeout;
  throw NotImplemented("Job::CopyAll", "wait, then return all results or throw the first error");
}

bool Job::HasNext() const {
  // TODO(kata): kInOrder: task next_ has ended; kAsCompleted: a task has
  // ended that Next() has not returned yet; either: nothing is left.
  throw NotImplemented("Job::HasNext", "say whether Next() can return now");
}

std::optional<std::string> Job::Next(PoolTimeout timeout) {
  // TODO(kata): wait for HasNext() (mp::TimeoutError after the timeout);
  // return nothing when every task has been returned, else the next
  // task's result bytes, or rethrow its error.
  (void)timeout;
  throw NotImplemented("Job::Next", "hand out the next result, in order or as completed");
}

}  // namespace internal

// ---------------------------------------------------------------- step 2: chunks

std::size_t Pool::DefaultChunksize(std::size_t item_count, int processes) {
  // TODO(kata): CPython's formula, in pool.h.
  (void)item_count, (void)processes;
  throw NotImplemented("Pool::DefaultChunksize", "items over four chunks per worker, rounded up");
}

// ---------------------------------------------------------------- steps 3 to 6: the engine
//
// TODO(kata): the worker processes and the thread that feeds them. The
// README's steps 3 to 6 build it: the worker's loop (read task frames, run
// each, send each result at once); one engine thread that polls every
// worker's socket and pidfd; dispatching pending tasks to the least busy
// worker; and what to do when a worker dies. Give this class whatever
// members and functions your design needs.
class Pool::Engine {};

// ---------------------------------------------------------------- step 7: the pool's life

Pool::Pool(std::optional<int> processes, std::optional<int> maxtasksperchild)
    : processes_(processes.value_or(1)), maxtasksperchild_(maxtasksperchild) {
  // TODO(kata): check the arguments (mp::ValueError), pick the default
  // size, and start the engine: processes_ must hold the real count.
  throw NotImplemented("Pool::Pool", "check the arguments, start the workers and the engine");
}

Pool::~Pool() = default;  // TODO(kata): make sure this terminates (see pool.h)

void Pool::CheckRunning() const {
  // TODO(kata): mp::ValueError("Pool not running") once closed or terminated.
  throw NotImplemented("Pool::CheckRunning", "refuse calls once the pool is closed");
}

std::shared_ptr<internal::Job> Pool::Submit(std::vector<internal::TaskSpec> tasks,
                                            internal::Job::Delivery delivery) {
  // TODO(kata): make the Job, queue its tasks for the engine, wake it.
  (void)tasks, (void)delivery;
  throw NotImplemented("Pool::Submit", "queue a job's tasks for the workers");
}

void Pool::close() {
  // TODO(kata): no new calls; the workers exit once the queued work is done.
  throw NotImplemented("Pool::close", "stop taking calls and let the workers finish");
}

void Pool::join() {
  // TODO(kata): mp::ValueError while running; else wait for the engine
  // and every worker to end.
  throw NotImplemented("Pool::join", "wait for the workers to exit");
}

void Pool::terminate() {
  // TODO(kata): kill and reap every worker, fail every unfinished task.
  throw NotImplemented("Pool::terminate", "kill the workers and fail what is unfinished");
}

}  // namespace mp
