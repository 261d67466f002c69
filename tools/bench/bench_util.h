// What the benchmark programs share: a raw child process, an object in
// shared memory, whole reads and writes on a descriptor, and one harness
// that measures a message pipeline between two processes.
//
// The raw-limit benchmarks use these instead of mp's classes, so that a raw
// figure never carries mp's costs; the pipeline harness is shared by mp's
// queues and Boost's message_queue, so that both are timed the same way.

#ifndef MPKATA_TOOLS_BENCH_BENCH_UTIL_H_
#define MPKATA_TOOLS_BENCH_BENCH_UTIL_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include <benchmark/benchmark.h>

namespace mpbench {

// Shared<T>: one T in an anonymous MAP_SHARED mapping. Made before a fork,
// it is the same object in the parent and the child. T must be trivially
// destructible: the mapping is dropped without running a destructor, since
// the other process may still be using the object.
//
//   mpbench::Shared<std::atomic<long>> counter(0);
//   counter->fetch_add(1);
template <typename T>
class Shared {
  static_assert(std::is_trivially_destructible_v<T>,
                "Shared<T> unmaps without destroying: T must be trivially destructible");

 public:
  template <typename... Args>
  explicit Shared(Args&&... args) {
    void* memory = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    object_ = new (memory) T(std::forward<Args>(args)...);
  }
  ~Shared() { ::munmap(object_, sizeof(T)); }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  T* get() const { return object_; }
  T* operator->() const { return object_; }
  T& operator*() const { return *object_; }

 private:
  T* object_;
};

// ChildProcess: runs `body` in a forked child that then leaves with _exit
// (never returning into Google Benchmark's main). If the owner is destroyed
// before Join() (a benchmark that gave up half-way), the child is killed and
// reaped; if the parent itself is killed (tools/bench/run's timeout), the
// kernel kills the child too (PR_SET_PDEATHSIG), instead of leaving it
// blocked forever on a queue no one will fill.
class ChildProcess {
 public:
  template <typename Body>
  explicit ChildProcess(Body&& body) {
    std::fflush(nullptr);  // no buffered output printed twice
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
      // The parent may have died before the prctl: then we are an orphan already.
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
      int code = 0;
      try {
        body();
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Join();
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits for the child to end; true if it exited with status 0.
  bool Join() {
    int status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(pid_, &status, 0);
    } while (reaped == -1 && errno == EINTR);
    pid_ = -1;
    return reaped != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

 private:
  pid_t pid_ = -1;
};

// Writes all `size` bytes; false if the descriptor failed or closed first.
inline bool WriteAll(int fd, const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes; false on end of file or an error first.
inline bool ReadExactly(int fd, void* data, std::size_t size) {
  char* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Messages per benchmark iteration in MeasurePipeline: enough that the one
// acknowledgement at the end of each batch costs about 1% of it even at
// Boost's 8 M messages/s.
inline constexpr std::int64_t kPipelineBatch = 16384;

// Measures a one-way message pipeline between two processes, in messages
// per second delivered, not merely handed over: each iteration sends a batch
// of kPipelineBatch messages, and its time ends only when the consumer has
// received all of them and said so. (Timing only the sender's loop would
// credit a queue with messages still sitting in its buffer: a 4 MiB ring
// holds a quarter of a million 8-byte messages.)
//
//   send():      puts one message (in this process);
//   send_stop(): puts the message that ends the consumer;
//   receive():   gets one message (in the consumer); false at the stop message.
//
// The consumer acknowledges each batch with a byte on a pipe, and the
// producer blocks reading it. Not a spin with sched_yield on a counter in
// shared memory: on a busy machine each yield handed the CPU to another
// program for milliseconds, and a queue whose consumer lagged at the end of
// a batch lost 5 ms per batch to the harness, not to itself.
//
// Reports items_per_second and, with `message_size`, bytes_per_second.
template <typename Send, typename SendStop, typename Receive>
void MeasurePipeline(benchmark::State& state, std::size_t message_size, Send send, SendStop send_stop,
                     Receive receive) {
  int ack[2];
  if (::pipe2(ack, O_CLOEXEC) != 0) {
    state.SkipWithError("pipe2 failed");
    return;
  }
  ChildProcess consumer([&] {
    ::close(ack[0]);
    std::int64_t count = 0;
    const char done = 'k';
    while (receive()) {
      if (++count % kPipelineBatch == 0 && !WriteAll(ack[1], &done, 1)) return;
    }
  });
  ::close(ack[1]);  // so that a consumer that dies is an end of file here, not a hang
  bool consumer_alive = true;
  auto send_batch = [&] {
    for (std::int64_t i = 0; i < kPipelineBatch; ++i) send();
    char done;
    consumer_alive = consumer_alive && ReadExactly(ack[0], &done, 1);
  };
  // One batch untimed first: it waits for the consumer to be scheduled, and
  // touches the queue's memory for the first time. (On this project's VMs a
  // first touch of a 4 MiB queue took ~50 ms, forty times a timed batch.)
  send_batch();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    send_batch();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!consumer_alive) break;
  }
  ::close(ack[0]);
  if (consumer_alive) send_stop();
  if (!consumer.Join() || !consumer_alive) state.SkipWithError("the consumer process failed");
  state.SetItemsProcessed(state.iterations() * kPipelineBatch);
  state.SetBytesProcessed(state.iterations() * kPipelineBatch * static_cast<std::int64_t>(message_size));
}

}  // namespace mpbench

#endif  // MPKATA_TOOLS_BENCH_BENCH_UTIL_H_
