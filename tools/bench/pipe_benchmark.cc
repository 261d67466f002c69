// How fast mp::Pipe carries messages between two processes, next to a raw
// socketpair doing the same with no framing.
//
//   bazel run -c opt //tools/bench:pipe_benchmark
//
// - Round trip: the parent sends a small message, an echo process sends it
//   back; the figure is the time for one round trip.
// - Bandwidth: the parent sends 64 KiB messages as fast as it can to a
//   process that receives them; bytes/s is the figure. The raw socketpair
//   variant writes the same bytes with write(2) and no length header.
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/unique_fd.h"
#include "katas/03_process/process.h"
#include "katas/06_pipe/connection.h"

namespace {

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
  auto ends = mp::Pipe(/*duplex=*/state.range(1) != 0);
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
  state.SetLabel(state.range(1) ? "socketpair" : "pipe");
}
BENCHMARK(BM_PipeBandwidth)->Args({64 * 1024, 1})->Args({64 * 1024, 0})->UseRealTime();

// The raw limit for BM_PipeBandwidth's duplex case: the same bytes through
// a socketpair with plain write(2)/read(2), no header, no copy into a string.
void BM_RawSocketpairBandwidth(benchmark::State& state) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    state.SkipWithError("socketpair failed");
    return;
  }
  mp::UniqueFd sender(fds[0]), receiver(fds[1]);
  const auto size = static_cast<std::size_t>(state.range(0));
  mp::Process sink([&sender, &receiver, size] {
    sender.reset();
    std::vector<char> buffer(size);
    while (::read(receiver.get(), buffer.data(), buffer.size()) > 0) {
    }
  });
  sink.start();
  receiver.reset();
  const std::string message(size, 'x');
  for (auto _ : state) {
    std::size_t written = 0;
    while (written < size) {
      const ssize_t n = ::write(sender.get(), message.data() + written, size - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
  }
  sender.reset();  // end of file for the sink
  sink.join();
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RawSocketpairBandwidth)->Arg(64 * 1024)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
