// What the Lock is for: four processes add one to a shared counter 1000000
// times each, first with no lock at all, then holding an mp::Lock. Without
// the lock, updates are lost; with it, none are.
//
//   bazel run //solutions/05_lock:raw_value_race
//   bazel run //katas/05_lock:raw_value_race       (once your Lock works)
//
// How many are lost changes from run to run and from machine to machine. On
// a single core few or none may be: the race needs two processes running at
// the very same moment, or one switched out between its read and its write.
//
// The unlocked increment reads the counter, then writes it plus one, as
// Python's `counter.value += 1` does. The reference is `volatile`, which
// makes the compiler do every one of the reads and writes (a plain `++value`
// in a loop may be merged into one `+= 1000000`, which would hide the race).
// volatile does NOT make the two steps one: it is no tool for sharing, and
// the race is still there, which is the point.
//
// Run it under ThreadSanitizer too (bazel run --config=tsan ...): between two
// THREADS, TSan reports this loop at once (kata 02); between processes it
// stays silent, updates lost or not. README.md explains why.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <mutex>
#include <vector>

#include "common/errors.h"
#include "common/not_implemented.h"
#include "katas/03_process/process.h"
#include "katas/04_value/value.h"
#include "katas/05_lock/lock.h"

constexpr int kProcesses = 4;
constexpr long kIncrements = 1000000;

// One unlocked read-modify-write: read, then write. Another process may
// write in between, and its write is then overwritten: a lost update.
void AddOne(long& value) {
  volatile long& shared = value;
  shared = shared + 1;
}

void WithoutLock(mp::RawValue<long>& counter) {
  for (long i = 0; i < kIncrements; ++i) AddOne(counter.value());
}

void WithLock(mp::RawValue<long>& counter, mp::Lock& lock) {
  for (long i = 0; i < kIncrements; ++i) {
    std::lock_guard<mp::Lock> hold(lock);
    AddOne(counter.value());
  }
}

// Starts kProcesses processes running `target(args...)`, lets them all go
// at once, and waits for them. Started one by one, each would finish its
// loop before the next one exists, and nothing would overlap: so each
// child first waits for the end of a pipe, which the parent closes once all
// are started (every child's read then returns 0, at the same moment).
template <typename Target, typename... Args>
void RunProcesses(Target target, Args... args) {
  int gun[2];
  if (::pipe(gun) != 0) throw mp::OSError("pipe", errno);
  std::vector<mp::Process> processes;
  for (int i = 0; i < kProcesses; ++i) {
    processes.emplace_back([&gun, target, args...]() mutable {
      ::close(gun[1]);
      char byte;
      while (::read(gun[0], &byte, 1) == -1 && errno == EINTR) {
      }
      target(args...);
    });
  }
  for (mp::Process& process : processes) process.start();
  ::close(gun[0]);
  ::close(gun[1]);  // the starting gun
  for (mp::Process& process : processes) process.join();
}

void Report(const char* title, long got) {
  const long expected = kProcesses * kIncrements;
  std::printf("%-13s expected %ld, got %ld: %ld updates lost\n", title, expected, got,
              expected - got);
}

int main() {
  try {
    mp::RawValue<long> unlocked(0);
    RunProcesses(WithoutLock, std::ref(unlocked));
    Report("without lock:", unlocked.value());

    mp::RawValue<long> locked(0);
    mp::Lock lock;
    RunProcesses(WithLock, std::ref(locked), std::ref(lock));
    Report("with lock:", locked.value());
  } catch (const mp::NotImplemented& todo) {
    std::fprintf(stderr, "%s\n", todo.what());
    return 1;
  }
}
