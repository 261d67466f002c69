// mp::Pool: Python's multiprocessing.Pool, in C++.
//
// A pool starts a few worker processes ONCE and hands them work for as long
// as it lives: each call splits its items into tasks, the workers run them
// in parallel, and the results come back in the caller's order. Starting a
// process costs a fork; a pool pays it once, not once per item.
//
//   int Square(int x) { return x * x; }
//
//   mp::Pool pool(4);                                     // four workers
//   std::vector<int> squares = pool.map(Square, std::vector<int>{1, 2, 3});
//   // squares == {1, 4, 9}, computed in the workers
//
// Python                                         C++
//   Pool(processes=4, maxtasksperchild=100)        mp::Pool pool(4, 100);
//   with Pool() as pool: ...                       { mp::Pool pool; ... }  (~Pool terminates)
//   pool.map(f, items, chunksize)                  pool.map(f, items, chunksize)
//   pool.starmap(f, [(a, b), ...])                 pool.starmap(f, std::vector<std::tuple<A, B>>{...})
//   for r in pool.imap(f, items): ...              for (R r : pool.imap(f, items)) ...
//   pool.imap_unordered(f, items)                  pool.imap_unordered(f, items)
//   r = pool.apply_async(f, (a, b))                auto r = pool.apply_async(f, a, b);
//   r = pool.map_async(f, items)                   auto r = pool.map_async(f, items);
//   r.get(timeout=1)   r.ready()   r.wait()        r.get(1s)   r.ready()   r.wait()
//   r.successful()                                 r.successful()
//   pool.close(); pool.join(); pool.terminate()    pool.close(); pool.join(); pool.terminate();
//   multiprocessing.TimeoutError                   mp::TimeoutError
//   an exception raised in f, re-raised            mp::RemoteError (type name and message)
//   concurrent.futures' BrokenProcessPool          mp::WorkerLostError (and the pool carries on)
//
// What f can be. A worker is a fork of the process that made the pool, so
// the program's code sits at the same addresses in both: the pool sends f
// as its ADDRESS, which means the same function in the worker. That is why
// f must be a plain function or a lambda that captures nothing: a capture
// is state of the caller, and only what goes through the codec reaches a
// worker. (CPython pickles a function by its module and name, the same
// idea.) Items, arguments and results travel through mp::dumps/loads, so
// their types must be encodable (common/codec.h). Anything else is a
// compile error with a sentence that says so.
//
// Better than CPython where CPython is weak: a worker that dies while it
// runs a task (a crash, kill -9, _exit() inside f) does not hang the call
// waiting for it. That task fails with mp::WorkerLostError naming the signal
// or the exit code, the worker's other queued tasks go to the others, and
// the pool starts a replacement, so the next call works as usual.
//
// Threads. A Pool may be used from several threads at once: every call is
// safe to make concurrently. Its destructor must not race with calls.
//
// Learners: this header is the contract the tests check. Do not edit it;
// write the functions declared under "the engine's side" in pool.cc.

#ifndef MPKATA_KATAS_08_POOL_MAP_POOL_H_
#define MPKATA_KATAS_08_POOL_MAP_POOL_H_

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/codec.h"
#include "common/errors.h"

namespace mp {

// A timeout in seconds: 500ms, 2s or std::chrono::duration<double>(0.5).
// std::nullopt waits for ever.
using PoolTimeout = std::optional<std::chrono::duration<double>>;

// AsyncResult::get(timeout) or ResultIterator::next(timeout) ran out of
// time. Python: multiprocessing.TimeoutError. The work goes on; ask again.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// f threw an exception in a worker. what() reads "TYPE: MESSAGE", as
// Python prints a remote traceback's last line; type_name() is the
// exception's demangled C++ type ("std::out_of_range") and message() its
// what(). The pool and its workers are fine: only that call failed.
class RemoteError : public Error {
 public:
  RemoteError(std::string type_name, std::string message)
      : Error(type_name + ": " + message),
        type_name_(std::move(type_name)),
        message_(std::move(message)) {}
  const std::string& type_name() const { return type_name_; }
  const std::string& message() const { return message_; }

 private:
  std::string type_name_;
  std::string message_;
};

// A worker process ended while it was running one of this call's tasks.
// exitcode() is Python's: minus the signal number when a signal killed it
// (-9 for SIGKILL), else the code it exited with. The pool has already
// started a replacement; the call's other tasks were not lost.
// Python: concurrent.futures.process.BrokenProcessPool (Pool.map hangs).
class WorkerLostError : public Error {
 public:
  WorkerLostError(pid_t pid, int exitcode, const std::string& what)
      : Error(what), pid_(pid), exitcode_(exitcode) {}
  pid_t pid() const { return pid_; }
  int exitcode() const { return exitcode_; }

 private:
  pid_t pid_;
  int exitcode_;
};

namespace internal {

// A task's function, as a worker receives it: the address of an "invoker"
// (an instantiation of one of the templates below, which knows the types)
// and the address of the user's f. Both are valid in every worker, since a
// worker is a fork of the pool's process.
using AnyFunction = void (*)();
using Invoker = std::string (*)(AnyFunction f, std::string_view arguments);

// One task: run invoker(f, arguments) in a worker; the result's bytes (or
// its exception) come back to task `index` of the Job that asked.
struct TaskSpec {
  Invoker invoker;
  AnyFunction f;
  std::string arguments;  // mp::dumps of what the invoker decodes
};

// Why a task failed, kept as data: each caller that reads it throws an
// exception object of its own. (A std::exception_ptr shared between the
// engine thread and callers would work too, but its reference count lives
// in libstdc++, which ThreadSanitizer cannot see into: it would report a
// race that is not there.)
struct TaskError {
  enum class Kind {
    kRaised,      // f threw: RemoteError(type_name, message)
    kWorkerLost,  // the worker died running it: WorkerLostError(pid, exitcode, message)
    kUnfinished,  // the pool ended first, or had no worker: RuntimeError(message)
  };
  Kind kind = Kind::kUnfinished;
  std::string type_name;
  std::string message;
  pid_t pid = 0;
  int exitcode = 0;

  [[noreturn]] void Throw() const {
    switch (kind) {
      case Kind::kRaised:
        throw RemoteError(type_name, message);
      case Kind::kWorkerLost:
        throw WorkerLostError(pid, exitcode, message);
      case Kind::kUnfinished:
        break;
    }
    throw RuntimeError(message);
  }
};

// Job: the results of one call (map, imap, apply_async, ...), filled in by
// the pool's engine thread as workers answer, read by the caller.
//
// Each of its tasks ends once, with result bytes or an exception. How the
// caller reads them depends on the call:
//   kWhole        map, starmap, apply_async, map_async: all at once, with
//                 CopyAll(); the job is ready() when every task has
//                 succeeded or as soon as one has failed.
//   kInOrder      imap: one task after another, in task order, with Next().
//   kAsCompleted  imap_unordered: in the order the tasks end, with Next().
// Every member function is safe to call from any thread.
class Job {
 public:
  enum class Delivery { kWhole, kInOrder, kAsCompleted };

  Job(std::size_t task_count, Delivery delivery);
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  std::size_t task_count() const { return task_count_; }

  // The engine's side: task `task` ended with these result bytes, or with
  // this exception. A task's second ending is ignored.
  void SetResult(std::size_t task, std::string result);
  void SetError(std::size_t task, TaskError error);

  // kWhole: whether the job is ready, and waiting until it is (true) or the
  // timeout passes (false).
  bool ready() const;
  bool wait(PoolTimeout timeout) const;

  // kWhole: a copy of every task's result bytes, in task order; the first
  // error if a task failed. A copy, not a move: AsyncResult::get() may be
  // called again, and successful() calls this too. Throws
  // mp::TimeoutError when not ready within `timeout`.
  std::vector<std::string> CopyAll(PoolTimeout timeout);

  // kInOrder and kAsCompleted: the next task's result bytes, or nothing
  // when every task has been returned; rethrows that task's error instead.
  // Throws mp::TimeoutError when nothing arrives within `timeout`.
  std::optional<std::string> Next(PoolTimeout timeout);

 private:
  struct Ending {
    bool done = false;
    std::string result;
    std::optional<TaskError> error;  // set when the task failed
  };

  // Whether Next() could return now; called with mutex_ held.
  bool HasNext() const;

  // Wakes the waiting callers if `task`'s ending may be what they wait
  // for; called with mutex_ held.
  void NotifyIfAwaited(std::size_t task);

  const std::size_t task_count_;
  const Delivery delivery_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Ending> endings_;              // by task
  std::size_t done_count_ = 0;
  std::optional<TaskError> first_error_;     // kWhole: what CopyAll throws
  std::vector<std::size_t> completion_order_;  // kAsCompleted: tasks as they ended
  std::size_t next_ = 0;  // Next(): tasks returned so far
};

// Whether F is a plain function, or a lambda without captures (which
// converts to a function pointer with unary +): the callables a worker can
// run by address.
template <typename F>
concept PlainFunction = requires(F f) { +f; } &&
    std::is_function_v<std::remove_pointer_t<decltype(+std::declval<F>())>>;

template <typename F>
struct FunctionPointerOf {
  using type = decltype(+std::declval<F>());
};

// What ResultOf names when f cannot be a pool's function, so that the
// declarations still make sense and CheckCall's sentence is the error the
// user reads (std::vector<void> would bury it under a page of others).
struct NotCallableByAPool {};
struct ReturnsNothing {};

// What f returns when a worker calls it with lvalues of Args.
template <typename F, typename... Args>
struct ResultOf {
  using type = NotCallableByAPool;
};
template <typename F, typename... Args>
requires PlainFunction<F> && std::is_invocable_v<typename FunctionPointerOf<F>::type, Args&...>
struct ResultOf<F, Args...> {
  using Returned = std::invoke_result_t<typename FunctionPointerOf<F>::type, Args&...>;
  using type = std::conditional_t<std::is_void_v<Returned>, ReturnsNothing, std::decay_t<Returned>>;
};

// The checks every Pool call makes on f, its arguments and its result, each
// with a sentence instead of a page of template errors. Returns whether
// all hold, so the caller can skip the code that would not compile.
template <typename F, typename R, typename... Args>
constexpr bool CheckCall() {
  constexpr bool plain = PlainFunction<F>;
  static_assert(plain,
                "mp::Pool: f must be a plain function or a lambda that captures nothing. "
                "Workers call f by its address; a capture is state of this process and "
                "cannot travel with it. Pass what f needs as an argument instead");
  constexpr bool callable = !plain || !std::is_same_v<R, NotCallableByAPool>;
  static_assert(callable, "mp::Pool: f cannot be called with the items (arguments) given");
  static_assert((Encodable<Args> && ...),
                "mp::Pool: the items (f's arguments) must be encodable by mp::dumps, to travel "
                "to the workers (see common/codec.h)");
  constexpr bool returns = !std::is_same_v<R, ReturnsNothing>;
  static_assert(returns, "mp::Pool: f must return a value; a worker sends it back to the caller");
  constexpr bool encodable_result = !plain || !callable || !returns || Encodable<R>;
  static_assert(encodable_result,
                "mp::Pool: f's result must be encodable by mp::dumps, to travel back from the "
                "workers (see common/codec.h)");
  return plain && callable && returns && encodable_result && (Encodable<Args> && ...);
}

// The worker side of each call: decode the arguments, call f, encode what
// it returns. Instantiated in the caller, run in a worker by address.

// map, imap: a chunk of items, f called on each.
template <typename F, typename T, typename R>
std::string RunChunk(AnyFunction f, std::string_view arguments) {
  auto function = reinterpret_cast<typename FunctionPointerOf<F>::type>(f);
  std::vector<T> items = loads<std::vector<T>>(arguments);
  std::vector<R> results;
  results.reserve(items.size());
  for (T& item : items) results.push_back(function(item));
  return dumps(results);
}

// starmap: a chunk of tuples, each unpacked into f's arguments.
template <typename F, typename Tuple, typename R>
std::string RunStarChunk(AnyFunction f, std::string_view arguments) {
  auto function = reinterpret_cast<typename FunctionPointerOf<F>::type>(f);
  std::vector<Tuple> items = loads<std::vector<Tuple>>(arguments);
  std::vector<R> results;
  results.reserve(items.size());
  for (Tuple& item : items) results.push_back(std::apply(function, item));
  return dumps(results);
}

// apply_async: one call, its arguments as a tuple (or none).
template <typename F, typename R, typename... Args>
std::string RunApply(AnyFunction f, std::string_view arguments) {
  auto function = reinterpret_cast<typename FunctionPointerOf<F>::type>(f);
  if constexpr (sizeof...(Args) == 0) {
    (void)arguments;
    return dumps(function());
  } else {
    auto tuple = loads<std::tuple<Args...>>(arguments);
    return dumps(std::apply(function, tuple));
  }
}

// The chunks of `items` as tasks, each one's items encoded together.
template <typename T>
std::vector<TaskSpec> SplitIntoTasks(Invoker invoker, AnyFunction f, const std::vector<T>& items,
                                     std::size_t chunksize) {
  std::vector<TaskSpec> tasks;
  tasks.reserve((items.size() + chunksize - 1) / chunksize);
  for (std::size_t begin = 0; begin < items.size(); begin += chunksize) {
    const std::size_t end = std::min(items.size(), begin + chunksize);
    std::vector<T> chunk(items.begin() + static_cast<std::ptrdiff_t>(begin),
                         items.begin() + static_cast<std::ptrdiff_t>(end));
    tasks.push_back(TaskSpec{invoker, f, dumps(chunk)});
  }
  return tasks;
}

// Result bytes back into values: a chunk's results appended to `out`.
template <typename R>
void AppendChunk(std::string_view bytes, std::vector<R>& out) {
  std::vector<R> chunk = loads<std::vector<R>>(bytes);
  out.insert(out.end(), std::make_move_iterator(chunk.begin()),
             std::make_move_iterator(chunk.end()));
}

}  // namespace internal

// AsyncResult<R>: what apply_async (R) and map_async (std::vector<R>)
// return. Python: multiprocessing.pool.AsyncResult. Copies share the one
// result. It stays usable after its pool is gone: a task the pool never
// finished then fails with mp::RuntimeError.
template <typename R>
class AsyncResult {
 public:
  // Whether the call has finished: every task succeeded, or one failed.
  bool ready() const { return job_->ready(); }

  // Waits until ready() or until `timeout` passes; returns ready().
  bool wait(PoolTimeout timeout = std::nullopt) const { return job_->wait(timeout); }

  // Whether the call succeeded. Throws mp::ValueError if it is not ready
  // yet, as Python does.
  bool successful() const {
    if (!ready()) throw ValueError("the result is not ready");
    try {
      job_->CopyAll(std::chrono::seconds(0));
      return true;
    } catch (...) {
      return false;
    }
  }

  // Waits for the result and returns it (each call decodes its own copy).
  // Throws mp::TimeoutError if it is not ready within `timeout` (the work
  // goes on); else the call's error if it failed: mp::RemoteError,
  // mp::WorkerLostError, or mp::RuntimeError if the pool was terminated.
  R get(PoolTimeout timeout = std::nullopt) const { return decode_(job_->CopyAll(timeout)); }

 private:
  friend class Pool;
  using Decoder = R (*)(std::vector<std::string> chunks);
  AsyncResult(std::shared_ptr<internal::Job> job, Decoder decode)
      : job_(std::move(job)), decode_(decode) {}

  std::shared_ptr<internal::Job> job_;
  Decoder decode_;
};

// ResultIterator<R>: what imap and imap_unordered return, one result at a
// time as the workers produce them (imap: in the items' order;
// imap_unordered: in the order they finish). Python: IMapIterator.
//
//   for (int square : pool.imap(Square, items)) std::printf("%d\n", square);
//
//   auto squares = pool.imap_unordered(Square, items);
//   while (std::optional<int> square = squares.next(5s)) ...
//
// An item whose f failed throws its error (mp::RemoteError, ...) at its
// turn; the iteration may go on past it with next().
template <typename R>
class ResultIterator {
 public:
  // The next result, or nothing after the last. Throws mp::TimeoutError if
  // none arrives within `timeout` (ask again later: nothing is lost).
  std::optional<R> next(PoolTimeout timeout = std::nullopt) {
    while (buffered_next_ == buffered_.size()) {
      std::optional<std::string> chunk = job_->Next(timeout);
      if (!chunk) return std::nullopt;
      buffered_.clear();
      buffered_next_ = 0;
      internal::AppendChunk(*chunk, buffered_);
    }
    return std::move(buffered_[buffered_next_++]);
  }

  // A single-pass input range over next()'s results, for range-for.
  class iterator {
   public:
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    iterator& operator++() {
      current_ = results_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    R& operator*() { return *current_; }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    friend class ResultIterator;
    explicit iterator(ResultIterator* results) : results_(results), current_(results->next()) {}
    ResultIterator* results_;
    std::optional<R> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  friend class Pool;
  explicit ResultIterator(std::shared_ptr<internal::Job> job) : job_(std::move(job)) {}

  std::shared_ptr<internal::Job> job_;
  std::vector<R> buffered_;  // the current chunk's results
  std::size_t buffered_next_ = 0;
};

class Pool {
 public:
  // Pool::Pool(processes, maxtasksperchild)
  //
  // Starts `processes` worker processes, each of which runs tasks until the
  // pool ends or, with `maxtasksperchild`, until it has run that many (it
  // is then replaced by a fresh one, to give back what a leaky f holds).
  // The default is the number of CPUs this process may run on, from
  // sched_getaffinity, as Python 3.13's os.process_cpu_count() (Python
  // 3.11 counts every online CPU, even those a container or `taskset`
  // keeps it off).
  // Throws mp::ValueError if processes < 1 or maxtasksperchild < 1,
  // mp::OSError if a worker cannot be started (none is left behind).
  explicit Pool(std::optional<int> processes = std::nullopt,
                std::optional<int> maxtasksperchild = std::nullopt);

  // Pool::~Pool()
  //
  // terminate(), as Python's `with Pool() as pool:` does on leaving the
  // block: workers are killed and reaped, unfinished calls fail. close()
  // and join() first to let the work finish.
  ~Pool();

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // The number of workers the pool keeps running.
  int processes() const { return processes_; }

  // Pool::map(f, items, chunksize)
  //
  // f(item) for every item, computed in the workers; the results in the
  // items' order. Items go out in chunks of `chunksize` (default: about a
  // quarter of an even share per worker, as CPython computes it): larger
  // chunks cost fewer round trips, smaller ones balance uneven work better.
  // An empty input gives an empty result at once. Throws the first failed
  // item's error (mp::RemoteError, mp::WorkerLostError); mp::ValueError if
  // the pool is closed or chunksize is 0.
  template <typename F, typename T,
            typename R = typename internal::ResultOf<F, T>::type>
  std::vector<R> map(F f, const std::vector<T>& items,
                     std::optional<std::size_t> chunksize = std::nullopt) {
    return map_async(f, items, chunksize).get();
  }

  // Pool::map_async(f, items, chunksize): map() without waiting.
  template <typename F, typename T,
            typename R = typename internal::ResultOf<F, T>::type>
  AsyncResult<std::vector<R>> map_async(F f, const std::vector<T>& items,
                                        std::optional<std::size_t> chunksize = std::nullopt) {
    if constexpr (internal::CheckCall<F, R, T>()) {
      return AsyncResult<std::vector<R>>(
          SubmitChunks(&internal::RunChunk<F, T, R>, +f, items, chunksize,
                       internal::Job::Delivery::kWhole),
          &ConcatenateChunks<R>);
    }
  }

  // Pool::starmap(f, tuples, chunksize)
  //
  // map() for a function of several arguments: f(a, b) for every tuple
  // (a, b) of `tuples`.
  template <typename F, typename... Args,
            typename R = typename internal::ResultOf<F, Args...>::type>
  std::vector<R> starmap(F f, const std::vector<std::tuple<Args...>>& tuples,
                         std::optional<std::size_t> chunksize = std::nullopt) {
    if constexpr (internal::CheckCall<F, R, Args...>()) {
      return AsyncResult<std::vector<R>>(
                 SubmitChunks(&internal::RunStarChunk<F, std::tuple<Args...>, R>, +f, tuples,
                              chunksize, internal::Job::Delivery::kWhole),
                 &ConcatenateChunks<R>)
          .get();
    }
  }

  // Pool::imap(f, items, chunksize) and Pool::imap_unordered(...)
  //
  // map(), lazily: the results as they come (see ResultIterator), in the
  // items' order or as they finish. All items are sent to the workers at
  // once; chunksize defaults to 1, as in Python.
  template <typename F, typename T,
            typename R = typename internal::ResultOf<F, T>::type>
  ResultIterator<R> imap(F f, const std::vector<T>& items, std::size_t chunksize = 1) {
    if constexpr (internal::CheckCall<F, R, T>()) {
      return ResultIterator<R>(SubmitChunks(&internal::RunChunk<F, T, R>, +f, items, chunksize,
                                            internal::Job::Delivery::kInOrder));
    }
  }
  template <typename F, typename T,
            typename R = typename internal::ResultOf<F, T>::type>
  ResultIterator<R> imap_unordered(F f, const std::vector<T>& items, std::size_t chunksize = 1) {
    if constexpr (internal::CheckCall<F, R, T>()) {
      return ResultIterator<R>(SubmitChunks(&internal::RunChunk<F, T, R>, +f, items, chunksize,
                                            internal::Job::Delivery::kAsCompleted));
    }
  }

  // Pool::apply_async(f, args...)
  //
  // f(args...) in one worker, without waiting: get() the result later.
  // The arguments are copied and encoded now. (Python's apply(), which
  // waits, is apply_async(f, args...).get().)
  template <typename F, typename... Args,
            typename R = typename internal::ResultOf<F, std::decay_t<Args>...>::type>
  AsyncResult<R> apply_async(F f, const Args&... args) {
    if constexpr (internal::CheckCall<F, R, std::decay_t<Args>...>()) {
      std::string arguments;
      if constexpr (sizeof...(Args) > 0) arguments = dumps(std::tuple<std::decay_t<Args>...>(args...));
      std::vector<internal::TaskSpec> tasks;
      tasks.push_back(internal::TaskSpec{&internal::RunApply<F, R, std::decay_t<Args>...>,
                                         reinterpret_cast<internal::AnyFunction>(+f),
                                         std::move(arguments)});
      return AsyncResult<R>(Submit(std::move(tasks), internal::Job::Delivery::kWhole),
                            &DecodeOne<R>);
    }
  }

  // Pool::close()
  //
  // No more calls: the workers finish the tasks already given, then exit.
  // Calls made afterwards throw mp::ValueError. Closing twice is fine.
  void close();

  // Pool::join()
  //
  // Waits for the workers to exit after close() or terminate(), and reaps
  // them. Throws mp::ValueError while the pool is still running (call
  // close() or terminate() first), as Python does.
  void join();

  // Pool::terminate()
  //
  // Stops at once: kills the workers (SIGKILL) and reaps them; every
  // unfinished task fails with mp::RuntimeError. Returns promptly however
  // many tasks are pending. Terminating twice, or after close(), is fine.
  void terminate();

  // The chunksize map() uses when none is given: items divided among four
  // chunks per worker, rounded up (0 for no items). CPython's formula.
  static std::size_t DefaultChunksize(std::size_t item_count, int processes);

 private:
  class Engine;  // the worker processes and the thread that feeds them (pool.cc)

  // Splits `items` into tasks of `chunksize` items (default: map's) and
  // submits them as one job.
  template <typename FunctionPointer, typename T>
  std::shared_ptr<internal::Job> SubmitChunks(internal::Invoker invoker, FunctionPointer f,
                                              const std::vector<T>& items,
                                              std::optional<std::size_t> chunksize,
                                              internal::Job::Delivery delivery) {
    CheckRunning();
    if (chunksize && *chunksize == 0) throw ValueError("chunksize must be 1 or more, not 0");
    const std::size_t size = chunksize ? *chunksize : DefaultChunksize(items.size(), processes_);
    return Submit(internal::SplitIntoTasks(invoker, reinterpret_cast<internal::AnyFunction>(f),
                                           items, size == 0 ? 1 : size),
                  delivery);
  }

  template <typename R>
  static std::vector<R> ConcatenateChunks(std::vector<std::string> chunks) {
    std::vector<R> results;
    for (const std::string& chunk : chunks) internal::AppendChunk(chunk, results);
    return results;
  }
  template <typename R>
  static R DecodeOne(std::vector<std::string> chunks) {
    return loads<R>(chunks.at(0));
  }

  // The engine's side, in pool.cc.

  // Throws mp::ValueError unless the pool accepts calls (not closed nor
  // terminated).
  void CheckRunning() const;

  // Hands `tasks` to the workers as one job and returns the job. A job of
  // no tasks is ready at once. Throws mp::ValueError if the pool is not
  // running.
  std::shared_ptr<internal::Job> Submit(std::vector<internal::TaskSpec> tasks,
                                        internal::Job::Delivery delivery);

  const int processes_;
  const std::optional<int> maxtasksperchild_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace mp

#endif  // MPKATA_KATAS_08_POOL_MAP_POOL_H_
