// How fast mp::Pipe carries messages between two processes, next to the raw
// limits: a socketpair and a pair of pipes used with plain read(2) and
// write(2), no framing, no strings.
//
//   bazel run -c opt //tools/bench:pipe_benchmark
//
// - Round trip: the parent sends a small message, an echo process sends it
//   back; the figure is the time for one round trip (ping-pong).
// - Bandwidth: the parent sends 64 KiB messages as fast as it can to a
//   process that receives them; bytes/s is the figure.
//
// The second argument picks the channel: 1 for a socketpair (mp::Pipe()'s
// default, duplex, as Python's), 0 for pipe(2) (mp::Pipe(false)).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/unique_fd.h"
#include "katas/03_process/process.h"
#include "katas/06_pipe/connection.h"
#include "tools/bench/bench_util.h"

namespace {

constexpr int kPipe = 0;
constexpr int kSocketpair = 1;

const char* ChannelName(int channel) { return channel == kSocketpair ? "socketpair" : "pipe"; }

void BM_PipeRoundTrip(benchmark::State& state) {
  // (Named references, not a structured binding: clang 14 cannot capture those.)
  auto ends = mp::Pipe();
  mp::Connection& parent_end = ends.first;
  mp::Connection& child_end = ends.second;
  mp::Process echo([&parent_end, &child_end] {
    parent_end.close();
    for (;;) {
      std::string message = child_end.recv_bytes();
      if (message.empty()) return;
      child_end.send_bytes(message);
    }
  });
  echo.start();
  child_end.close();
  const std::string message(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    parent_end.send_bytes(message);
    benchmark::DoNotOptimize(parent_end.recv_bytes());
  }
  parent_end.send_bytes("");  // tells the echo process to stop
  echo.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PipeRoundTrip)->Arg(8)->Arg(1024)->UseRealTime();

void BM_PipeBandwidth(benchmark::State& state) {
  auto ends = mp::Pipe(/*duplex=*/state.range(1) == kSocketpair);
  mp::Connection& reader = ends.first;
  mp::Connection& writer = ends.second;
  mp::Process sink([&reader, &writer] {
    writer.close();
    while (!reader.recv_bytes().empty()) {
    }
  });
  sink.start();
  reader.close();
  const std::string message(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) writer.send_bytes(message);
  writer.send_bytes("");
  sink.join();
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetLabel(ChannelName(static_cast<int>(state.range(1))));
}
BENCHMARK(BM_PipeBandwidth)->Args({64 * 1024, kSocketpair})->Args({64 * 1024, kPipe})->UseRealTime();

// Two one-way channels of the kind `channel` names: [0] parent to child,
// [1] child to parent. A socketpair is one duplex channel, used both ways.
struct RawChannels {
  mp::UniqueFd parent_read, parent_write, child_read, child_write;
};

bool MakeRawChannels(int channel, RawChannels& out) {
  if (channel == kSocketpair) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
    out.parent_read.reset(fds[0]);
    out.parent_write.reset(::dup(fds[0]));
    out.child_read.reset(fds[1]);
    out.child_write.reset(::dup(fds[1]));
    return out.parent_write.valid() && out.child_write.valid();
  }
  int down[2], up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) return false;
  out.child_read.reset(down[0]);
  out.parent_write.reset(down[1]);
  if (::pipe2(up, O_CLOEXEC) != 0) return false;
  out.parent_read.reset(up[0]);
  out.child_write.reset(up[1]);
  return true;
}

// The raw limit for BM_PipeRoundTrip: the same bytes echoed with read(2)
// and write(2) and nothing else.
void BM_RawRoundTrip(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const int channel = static_cast<int>(state.range(1));
  RawChannels fds;
  if (!MakeRawChannels(channel, fds)) {
    state.SkipWithError("pipe or socketpair failed");
    return;
  }
  mpbench::ChildProcess echo([&fds, size] {
    fds.parent_read.reset();
    fds.parent_write.reset();
    std::vector<char> buffer(size);
    while (mpbench::ReadExactly(fds.child_read.get(), buffer.data(), size) &&
           mpbench::WriteAll(fds.child_write.get(), buffer.data(), size)) {
    }
  });
  fds.child_read.reset();
  fds.child_write.reset();
  std::vector<char> message(size, 'x');
  for (auto _ : state) {
    if (!mpbench::WriteAll(fds.parent_write.get(), message.data(), size) ||
        !mpbench::ReadExactly(fds.parent_read.get(), message.data(), size)) {
      state.SkipWithError("the echo process went away");
      break;
    }
  }
  fds.parent_write.reset();  // end of file: the echo process returns
  fds.parent_read.reset();
  echo.Join();
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(ChannelName(channel));
}
BENCHMARK(BM_RawRoundTrip)->Args({8, kSocketpair})->Args({8, kPipe})->UseRealTime();

// The raw limit for BM_PipeBandwidth: the same bytes with plain write(2),
// no header, no copy into a string, read by the sink into one buffer.
void BM_RawBandwidth(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const int channel = static_cast<int>(state.range(1));
  RawChannels fds;
  if (!MakeRawChannels(channel, fds)) {
    state.SkipWithError("pipe or socketpair failed");
    return;
  }
  mpbench::ChildProcess sink([&fds, size] {
    fds.parent_read.reset();
    fds.parent_write.reset();
    fds.child_write.reset();
    std::vector<char> buffer(size);
    while (::read(fds.child_read.get(), buffer.data(), buffer.size()) > 0) {
    }
  });
  fds.child_read.reset();
  fds.child_write.reset();
  fds.parent_read.reset();  // for a socketpair, the sink's end of file needs every parent copy closed
  const std::string message(size, 'x');
  for (auto _ : state) {
    if (!mpbench::WriteAll(fds.parent_write.get(), message.data(), size)) {
      state.SkipWithError("the sink process went away");
      break;
    }
  }
  fds.parent_write.reset();
  sink.Join();
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetLabel(ChannelName(channel));
}
BENCHMARK(BM_RawBandwidth)->Args({64 * 1024, kSocketpair})->Args({64 * 1024, kPipe})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
