// The Python texts' claim, measured: Python threads speed up waiting but not
// computing, because of the GIL, and processes speed up computing.
//
//   bazel run //solutions/09_gil:example                   (chart: ./gil_chart.svg)
//   bazel run //solutions/09_gil:example -- /tmp/gil.svg   (chart elsewhere)
//   bazel run //katas/09_gil:example                       (with your Gil)
//
// It runs one CPU-bound workload (hashing, a fixed number of steps split
// among the workers) and one I/O-bound workload (20 waits of 10 ms, split
// likewise) with 1, 2 and 4 workers, three ways:
//
//   C++ threads         mp::Thread (kata 01): no GIL at all, as in C++;
//   threads + GIL       mp::Thread, each holding your mp::Gil to compute,
//                       handing it over at a checkpoint after every step and
//                       releasing it around every wait: Python's threads;
//   processes           mp::Process (kata 03), each child with a Gil of its
//                       own: Python's multiprocessing, one interpreter each.
//
// It prints wall times, speedups against one worker and the cores the work
// kept busy (CPU time over wall time: one GIL allows at most one), and draws
// them as an SVG bar chart. A relative path is taken from the directory
// where you typed `bazel run` (Bazel passes it as BUILD_WORKING_DIRECTORY;
// the program itself runs elsewhere, in its runfiles). Each time is the best
// of three runs; other programs running at the same time make them noisier.
#include <sys/resource.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/not_implemented.h"
#include "katas/01_threads/thread.h"
#include "katas/03_process/process.h"
#include "katas/09_gil/gil.h"

namespace {

using namespace std::chrono_literals;

constexpr int kCpuSteps = 2400;         // the CPU-bound work, in steps, split among the workers
constexpr int kRoundsPerStep = 40'000;  // one step: this many rounds of a hash (tens of us)
constexpr int kIoTasks = 20;            // the I/O-bound work: this many waits...
constexpr auto kIoWait = 10ms;          // ...of this long each
constexpr int kRepeats = 3;             // each time is the best of this many runs
const int kWorkerCounts[] = {1, 2, 4};  // every count divides kCpuSteps and kIoTasks

enum class Workload { kCpu, kIo };
enum class RunAs { kThreads, kGilThreads, kProcesses };

const char* Name(Workload workload) { return workload == Workload::kCpu ? "CPU" : "I/O"; }

const char* Name(RunAs run_as) {
  switch (run_as) {
    case RunAs::kThreads:
      return "C++ threads";
    case RunAs::kGilThreads:
      return "threads + GIL";
    case RunAs::kProcesses:
      return "processes";
  }
  return "?";
}

const char* Detail(RunAs run_as) {
  switch (run_as) {
    case RunAs::kThreads:
      return "(no GIL)";
    case RunAs::kGilThreads:
      return "(one GIL)";
    case RunAs::kProcesses:
      return "(a GIL each)";
  }
  return "";
}

// Where hash results go, so that no compiler drops the loop as useless.
std::atomic<std::uint64_t> sink{0};

// One step of CPU-bound work: pure computation, as a pure-Python loop is.
std::uint64_t HashStep(std::uint64_t x) {
  for (int round = 0; round < kRoundsPerStep; ++round) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

// What one worker does with its share of the work. With a GIL, it is a
// Python thread: it holds the GIL while it computes, offers it at a
// checkpoint after every step (CPython checks between bytecodes), and lets
// go of it for every wait (as time.sleep or a socket read does).
void Work(Workload workload, int share, mp::Gil* gil) {
  if (workload == Workload::kCpu) {
    std::uint64_t x = 88172645463325252ULL + static_cast<std::uint64_t>(share);
    if (gil == nullptr) {
      for (int step = 0; step < share; ++step) x = HashStep(x);
    } else {
      mp::Gil::Held held(*gil);
      for (int step = 0; step < share; ++step) {
        x = HashStep(x);
        gil->checkpoint();
      }
    }
    sink.fetch_xor(x, std::memory_order_relaxed);
  } else if (gil == nullptr) {
    for (int task = 0; task < share; ++task) std::this_thread::sleep_for(kIoWait);
  } else {
    mp::Gil::Held held(*gil);
    for (int task = 0; task < share; ++task) {
      mp::Gil::Released io(*gil);  // Py_BEGIN_ALLOW_THREADS
      std::this_thread::sleep_for(kIoWait);
    }
  }
}

struct Result {
  double seconds;     // wall time, the best of kRepeats
  double cores_busy;  // CPU time used by the workers / wall time, in that run
  long switches;      // the GIL's hand-overs at checkpoints (threads + GIL only)
};

// CPU time (user + system) used so far by this process's threads, or by its
// children that have been waited for.
double CpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs the whole workload once with `workers` workers, and times it.
Result RunOnce(Workload workload, RunAs run_as, int workers) {
  const int share = (workload == Workload::kCpu ? kCpuSteps : kIoTasks) / workers;
  std::optional<mp::Gil> gil;
  if (run_as == RunAs::kGilThreads) gil.emplace();
  const int who = run_as == RunAs::kProcesses ? RUSAGE_CHILDREN : RUSAGE_SELF;
  const double cpu_before = CpuSeconds(who);
  const auto start = std::chrono::steady_clock::now();
  if (run_as == RunAs::kProcesses) {
    std::vector<mp::Process> processes;
    for (int i = 0; i < workers; ++i) {
      // Each child is a separate "interpreter" with a GIL of its own.
      processes.emplace_back([workload, share] {
        mp::Gil own_gil;
        Work(workload, share, &own_gil);
      });
      processes.back().start();
    }
    for (mp::Process& process : processes) {
      process.join();
      if (process.exitcode() != 0) {
        std::fprintf(stderr, "example: a worker process failed\n");
        std::exit(1);
      }
    }
  } else {
    mp::Gil* shared_gil = gil ? &*gil : nullptr;
    std::vector<mp::Thread> threads;
    for (int i = 0; i < workers; ++i) {
      threads.emplace_back([workload, share, shared_gil] { Work(workload, share, shared_gil); });
      threads.back().start();
    }
    for (mp::Thread& thread : threads) thread.join();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const double cpu = CpuSeconds(who) - cpu_before;
  return {elapsed.count(), cpu / elapsed.count(), gil ? gil->switches() : 0};
}

Result Measure(Workload workload, RunAs run_as, int workers) {
  Result best = RunOnce(workload, run_as, workers);
  for (int repeat = 1; repeat < kRepeats; ++repeat) {
    const Result again = RunOnce(workload, run_as, workers);
    if (again.seconds < best.seconds) best = again;
  }
  return best;
}

// One bar of the chart and one row of the table.
struct Cell {
  Workload workload;
  RunAs run_as;
  int workers;
  std::optional<Result> result;  // empty: the Gil is not written yet
  double speedup = 0;            // against 1 worker, same workload and way
};

std::string Format(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// The chart: three panels, each with one group of bars per way of running
// and one bar per worker count. The first two show the speedup against one
// worker; the third shows how many cores the CPU-bound work kept busy, on
// average, which a GIL holds to one whatever else runs on the machine.
std::string ChartSvg(const std::vector<Cell>& cells, unsigned cores) {
  constexpr int kWidth = 1100, kHeight = 520;
  constexpr int kPlotTop = 110, kPlotBottom = 410, kPlotWidth = 270;
  constexpr int kBarWidth = 22, kGroupWidth = kPlotWidth / 3;
  const char* const kColors[] = {"#9ecae1", "#4292c6", "#08519c"};
  const RunAs ways[] = {RunAs::kThreads, RunAs::kGilThreads, RunAs::kProcesses};

  struct Panel {
    int left;
    Workload workload;
    const char* title;
    const char* axis;
    const char* unit;  // after each number
    std::function<double(const Cell&)> value;
  };
  const Panel panels[] = {
      {80, Workload::kCpu, "CPU-bound: speedup", "speedup against 1 worker", "\u00d7",
       [](const Cell& cell) { return cell.speedup; }},
      {440, Workload::kIo, "I/O-bound: speedup", "speedup against 1 worker", "\u00d7",
       [](const Cell& cell) { return cell.speedup; }},
      {800, Workload::kCpu, "CPU-bound: cores kept busy", "cores busy: CPU time / wall time", "",
       [](const Cell& cell) { return cell.result->cores_busy; }},
  };

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2
      << "\" y=\"30\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">"
      << "Under a GIL, threads speed up waiting, not computing</text>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"52\" text-anchor=\"middle\" fill=\"#444\">"
      << "The same work with 1, 2 and 4 workers, on " << cores
      << " cores: speedup against 1 worker (higher is faster), and cores kept busy</text>\n";

  // Legend.
  for (int i = 0; i < 3; ++i) {
    const int x = kWidth / 2 - 150 + i * 110;
    svg << "<rect x=\"" << x << "\" y=\"66\" width=\"14\" height=\"14\" fill=\"" << kColors[i]
        << "\"/><text x=\"" << x + 20 << "\" y=\"78\">" << kWorkerCounts[i]
        << (kWorkerCounts[i] == 1 ? " worker" : " workers") << "</text>\n";
  }

  for (const Panel& panel : panels) {
    double highest = 1;
    for (const Cell& cell : cells) {
      if (cell.workload == panel.workload && cell.result) {
        highest = std::max(highest, panel.value(cell));
      }
    }
    const int top = std::max(static_cast<int>(cores), static_cast<int>(std::ceil(highest * 1.1)));
    auto y = [&](double value) { return kPlotBottom - (kPlotBottom - kPlotTop) * value / top; };
    const int left = panel.left;

    svg << "<text x=\"" << left + kPlotWidth / 2 << "\" y=\"" << kPlotTop - 12
        << "\" text-anchor=\"middle\" font-weight=\"bold\">" << panel.title << "</text>\n";
    // Grid lines and the value axis; 1x (no gain, or one core) drawn dashed.
    for (int level = 0; level <= top; ++level) {
      svg << "<line x1=\"" << left << "\" x2=\"" << left + kPlotWidth << "\" y1=\"" << y(level)
          << "\" y2=\"" << y(level) << "\" stroke=\"" << (level == 1 ? "#888" : "#ddd") << "\""
          << (level == 1 ? " stroke-dasharray=\"5,4\"" : "") << "/>\n"
          << "<text x=\"" << left - 8 << "\" y=\"" << y(level) + 4 << "\" text-anchor=\"end\">"
          << level << panel.unit << "</text>\n";
    }
    svg << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << kPlotTop << "\" y2=\""
        << kPlotBottom << "\" stroke=\"black\"/>\n"
        << "<line x1=\"" << left << "\" x2=\"" << left + kPlotWidth << "\" y1=\"" << kPlotBottom
        << "\" y2=\"" << kPlotBottom << "\" stroke=\"black\"/>\n"
        << "<text transform=\"translate(" << left - 42 << "," << (kPlotTop + kPlotBottom) / 2
        << ") rotate(-90)\" text-anchor=\"middle\">" << panel.axis << "</text>\n"
        << "<text x=\"" << left + kPlotWidth / 2 << "\" y=\"" << kPlotBottom + 58
        << "\" text-anchor=\"middle\">how the workers run</text>\n";

    for (int group = 0; group < 3; ++group) {
      const int center = left + group * kGroupWidth + kGroupWidth / 2;
      svg << "<text x=\"" << center << "\" y=\"" << kPlotBottom + 20
          << "\" text-anchor=\"middle\" font-size=\"12\">" << Name(ways[group]) << "</text>\n"
          << "<text x=\"" << center << "\" y=\"" << kPlotBottom + 36
          << "\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">" << Detail(ways[group])
          << "</text>\n";
      int bar = 0;
      for (const Cell& cell : cells) {
        if (cell.workload != panel.workload || cell.run_as != ways[group]) continue;
        const int x = center - 3 * kBarWidth / 2 - 4 + bar * (kBarWidth + 4);
        if (!cell.result) {
          if (bar == 0) {
            svg << "<text x=\"" << center << "\" y=\"" << kPlotBottom - 12
                << "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#a00\">not written yet"
                << "</text>\n";
          }
        } else {
          const double value = panel.value(cell);
          svg << "<rect x=\"" << x << "\" y=\"" << y(value) << "\" width=\"" << kBarWidth
              << "\" height=\"" << kPlotBottom - y(value) << "\" fill=\"" << kColors[bar]
              << "\"/>\n"
              << "<text x=\"" << x + kBarWidth / 2 << "\" y=\"" << y(value) - 4
              << "\" text-anchor=\"middle\" font-size=\"10\">" << Format("%.1f", value)
              << panel.unit << "</text>\n";
        }
        ++bar;
      }
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

// Where to write the chart: argv[1], or gil_chart.svg, relative to the
// directory the user ran `bazel run` in.
std::string ChartPath(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : "gil_chart.svg";
  const char* where_user_ran = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!path.empty() && path[0] != '/' && where_user_ran != nullptr) {
    path = std::string(where_user_ran) + "/" + path;
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  // Try the Gil on this thread first: a starter's NotImplemented thrown in a
  // worker would only be printed there, and the timings would mean nothing.
  bool gil_written = true;
  try {
    mp::Gil gil;
    gil.acquire();
    (void)gil.checkpoint();
    gil.release();
  } catch (const mp::NotImplemented& todo) {
    gil_written = false;
    std::printf("%s\nThe rows that need your Gil are skipped.\n\n", todo.what());
  }

  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("The same work run three ways with 1, 2 and 4 workers, on %u cores (best of %d).\n",
              cores, kRepeats);
  std::printf("  CPU-bound: %d steps of hashing in all; I/O-bound: %d waits of %lld ms in all.\n",
              kCpuSteps, kIoTasks, static_cast<long long>(kIoWait.count()));
  std::printf("  GIL switch interval: %lld ms.\n\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(mp::Gil().switch_interval())
                      .count()));
  std::printf("%-8s %-28s %7s %11s %9s %11s %13s\n", "workload", "run as", "workers", "wall time",
              "speedup", "cores busy", "GIL switches");

  std::vector<Cell> cells;
  for (Workload workload : {Workload::kCpu, Workload::kIo}) {
    for (RunAs run_as : {RunAs::kThreads, RunAs::kGilThreads, RunAs::kProcesses}) {
      double one_worker = 0;
      for (int workers : kWorkerCounts) {
        Cell cell{workload, run_as, workers, std::nullopt};
        const std::string how = std::string(Name(run_as)) + " " + Detail(run_as);
        std::printf("%-8s %-28s %7d ",
                    workers == 1 && run_as == RunAs::kThreads ? Name(workload) : "",
                    workers == 1 ? how.c_str() : "", workers);
        if (run_as != RunAs::kThreads && !gil_written) {
          std::printf("  not written yet\n");
        } else {
          cell.result = Measure(workload, run_as, workers);
          if (workers == 1) one_worker = cell.result->seconds;
          cell.speedup = one_worker / cell.result->seconds;
          std::printf("%8.1f ms %8.2fx %11.2f ", cell.result->seconds * 1000, cell.speedup,
                      cell.result->cores_busy);
          if (run_as == RunAs::kGilThreads) {
            std::printf("%13ld\n", cell.result->switches);
          } else {
            std::printf("%13s\n", "-");
          }
        }
        std::fflush(stdout);
        cells.push_back(cell);
      }
    }
  }

  const std::string path = ChartPath(argc, argv);
  std::ofstream out(path);
  out << ChartSvg(cells, cores);
  out.close();
  if (!out) {
    std::fprintf(stderr, "example: cannot write the chart to %s\n", path.c_str());
    return 1;
  }
  std::printf("\nChart written to %s\n", path.c_str());
}
