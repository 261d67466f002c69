#!/usr/bin/env python3
"""CPython's multiprocessing, timed the way tools/bench times mpkata.

The same operations as the C++ benchmarks, with the standard library only,
so that tools/bench/run can put CPython's figure next to mpkata's:

  process_start_join       Process(target=noop).start(); .join()
  pool_create_teardown     with Pool(2): pass   (start 2 workers, terminate them)
  pool_map_chunksize1      Pool(2).map(identity, 10000 ints, chunksize=1), per item
  pool_map_default         Pool(2).map(identity, 10000 ints), default chunksize, per item
  pool_map_cpu_speedup     serial time / Pool(2).map time, 64 CPU-bound items of ~1 ms
  queue_8, queue_1024      Queue of bytes, messages/s delivered to a consumer process
  pipe_round_trip_8        Pipe(): send_bytes + recv_bytes of 8 bytes via an echo process
  pipe_bandwidth_64k       Pipe() (a socketpair): 64 KiB send_bytes, bytes/s delivered
  pipe_bandwidth_64k_pipe  Pipe(duplex=False) (an os.pipe): the same
  value_locked_increment   with v.get_lock(): v.value += 1, one process
  value_locked_increment_contended   the same in two processes, total increments/s
  lock_uncontended         Lock().acquire(); .release()

Like the C++ side, each figure counts a message only once the receiving
process has it: a queue's put() returns before a feeder thread has even
pickled the object. Each benchmark runs --reps times for at least
--min-time seconds; the output (JSON, on stdout or --out) holds every
sample, the median and the best.

  python3 tools/bench/cpython_bench.py --reps 3 --out cpython.json
  python3 tools/bench/cpython_bench.py --only queue_8,lock_uncontended --reps 1
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from typing import Callable

# Seconds per operation, operations per second, bytes per second, or a ratio.
SECONDS, PER_SECOND, BYTES_PER_SECOND, RATIO = "s", "1/s", "B/s", "x"

WORKERS = 2
CHUNKSIZE1_ITEMS = 10000  # as pool_benchmark.cc
DEFAULT_CHUNKSIZE_ITEMS = 10000
CPU_ITEMS = 64  # as pool_benchmark.cc
CPU_ITEM_SECONDS = 0.001
# Acknowledged batches, as tools/bench/bench_util.h's MeasurePipeline; a
# quarter of its batch, since at CPython's rates one acknowledgement per
# 4096 messages costs well under 1% already.
QUEUE_BATCH = 4096
BANDWIDTH_MESSAGE = 64 * 1024
BANDWIDTH_BATCH = 512


def _noop() -> None:
    pass


def _identity(x):
    return x


def _spin(rounds: int) -> int:
    # Pure interpreter work that holds the GIL: what Pool is for.
    total = 0
    for i in range(rounds):
        total += i * i
    return total


def repeat_for(min_time: float, operation: Callable[[], None]) -> float:
    """Runs operation until min_time has passed; seconds per call."""
    calls = 0
    start = time.perf_counter()
    while True:
        operation()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls


def bench_process_start_join(min_time: float) -> float:
    def once() -> None:
        process = multiprocessing.Process(target=_noop)
        process.start()
        process.join()

    return repeat_for(min_time, once)


def bench_pool_create_teardown(min_time: float) -> float:
    def once() -> None:
        with multiprocessing.Pool(WORKERS):
            pass

    return repeat_for(min_time, once)


def _pool_map_per_item(min_time: float, items: int, chunksize: int | None) -> float:
    data = list(range(items))
    with multiprocessing.Pool(WORKERS) as pool:
        pool.map(_identity, data[:100])  # workers started and warm
        return repeat_for(min_time, lambda: pool.map(_identity, data, chunksize)) / items


def bench_pool_map_chunksize1(min_time: float) -> float:
    return _pool_map_per_item(min_time, CHUNKSIZE1_ITEMS, 1)


def bench_pool_map_default(min_time: float) -> float:
    return _pool_map_per_item(min_time, DEFAULT_CHUNKSIZE_ITEMS, None)


def _calibrate_spin(seconds: float) -> int:
    rounds = 1000
    while True:
        start = time.perf_counter()
        _spin(rounds)
        elapsed = time.perf_counter() - start
        if elapsed >= 0.2 * seconds:
            return max(1, int(rounds * seconds / elapsed))
        rounds *= 2


def bench_pool_map_cpu_speedup(min_time: float) -> float:
    rounds = _calibrate_spin(CPU_ITEM_SECONDS)
    items = [rounds] * CPU_ITEMS
    serial = parallel = 0.0
    with multiprocessing.Pool(WORKERS) as pool:
        pool.map(_identity, range(100))
        # Serial and parallel passes alternate, so a burst of load elsewhere
        # falls on both sides rather than on one.
        while serial + parallel < min_time:
            start = time.perf_counter()
            for item in items:
                _spin(item)
            serial += time.perf_counter() - start
            start = time.perf_counter()
            pool.map(_spin, items)
            parallel += time.perf_counter() - start
    return serial / parallel


def _queue_consumer(queue, ack) -> None:
    received = 0
    while True:
        message = queue.get()
        if message is None:
            return
        received += 1
        if received == QUEUE_BATCH:
            ack.send_bytes(b"k")
            received = 0


def _queue_rate(min_time: float, size: int) -> float:
    queue = multiprocessing.Queue()
    ack_reader, ack_writer = multiprocessing.Pipe(duplex=False)
    consumer = multiprocessing.Process(target=_queue_consumer, args=(queue, ack_writer))
    consumer.start()
    message = b"x" * size
    put = queue.put

    def batch() -> None:
        for _ in range(QUEUE_BATCH):
            put(message)
        ack_reader.recv_bytes()

    try:
        batch()  # the feeder thread started, the consumer running
        return 1.0 / (repeat_for(min_time, batch) / QUEUE_BATCH)
    finally:
        queue.put(None)
        consumer.join()


def bench_queue_8(min_time: float) -> float:
    return _queue_rate(min_time, 8)


def bench_queue_1024(min_time: float) -> float:
    return _queue_rate(min_time, 1024)


def _echo(connection) -> None:
    while True:
        message = connection.recv_bytes()
        if not message:
            return
        connection.send_bytes(message)


def bench_pipe_round_trip_8(min_time: float) -> float:
    parent_end, child_end = multiprocessing.Pipe()
    echo = multiprocessing.Process(target=_echo, args=(child_end,))
    echo.start()
    child_end.close()
    message = b"x" * 8
    send, recv = parent_end.send_bytes, parent_end.recv_bytes

    def hundred() -> None:
        for _ in range(100):
            send(message)
            recv()

    try:
        return repeat_for(min_time, hundred) / 100
    finally:
        send(b"")
        echo.join()


def _sink(reader, ack) -> None:
    received = 0
    while True:
        message = reader.recv_bytes()
        if not message:
            return
        received += 1
        if received == BANDWIDTH_BATCH:
            ack.send_bytes(b"k")
            received = 0


def _bandwidth(min_time: float, duplex: bool) -> float:
    reader, writer = multiprocessing.Pipe(duplex=duplex)
    ack_reader, ack_writer = multiprocessing.Pipe(duplex=False)
    sink = multiprocessing.Process(target=_sink, args=(reader, ack_writer))
    sink.start()
    reader.close()
    message = b"x" * BANDWIDTH_MESSAGE
    send = writer.send_bytes

    def batch() -> None:
        for _ in range(BANDWIDTH_BATCH):
            send(message)
        ack_reader.recv_bytes()

    try:
        return BANDWIDTH_MESSAGE * BANDWIDTH_BATCH / repeat_for(min_time, batch)
    finally:
        send(b"")
        sink.join()


def bench_pipe_bandwidth_64k(min_time: float) -> float:
    return _bandwidth(min_time, duplex=True)


def bench_pipe_bandwidth_64k_pipe(min_time: float) -> float:
    return _bandwidth(min_time, duplex=False)


def _increment_thousand(value) -> None:
    lock = value.get_lock()
    for _ in range(1000):
        with lock:
            value.value += 1


def bench_value_locked_increment(min_time: float) -> float:
    value = multiprocessing.Value("l", 0)
    return 1000 / repeat_for(min_time, lambda: _increment_thousand(value))


def _rival(value, stop) -> None:
    while not stop.value:
        _increment_thousand(value)


def bench_value_locked_increment_contended(min_time: float) -> float:
    value = multiprocessing.Value("l", 0)
    stop = multiprocessing.RawValue("i", 0)
    rival = multiprocessing.Process(target=_rival, args=(value, stop))
    rival.start()
    try:
        while value.value == 0:  # time only once the rival increments too
            time.sleep(0.001)
        before = value.value
        start = time.perf_counter()
        repeat_for(min_time, lambda: _increment_thousand(value))
        elapsed = time.perf_counter() - start
        return (value.value - before) / elapsed
    finally:
        stop.value = 1
        rival.join()


def bench_lock_uncontended(min_time: float) -> float:
    lock = multiprocessing.Lock()
    acquire, release = lock.acquire, lock.release

    def thousand() -> None:
        for _ in range(1000):
            acquire()
            release()

    return repeat_for(min_time, thousand) / 1000


# name: (function, unit, which way is better)
BENCHMARKS: dict[str, tuple[Callable[[float], float], str, str]] = {
    "process_start_join": (bench_process_start_join, SECONDS, "lower"),
    "pool_create_teardown": (bench_pool_create_teardown, SECONDS, "lower"),
    "pool_map_chunksize1": (bench_pool_map_chunksize1, SECONDS, "lower"),
    "pool_map_default": (bench_pool_map_default, SECONDS, "lower"),
    "pool_map_cpu_speedup": (bench_pool_map_cpu_speedup, RATIO, "higher"),
    "queue_8": (bench_queue_8, PER_SECOND, "higher"),
    "queue_1024": (bench_queue_1024, PER_SECOND, "higher"),
    "pipe_round_trip_8": (bench_pipe_round_trip_8, SECONDS, "lower"),
    "pipe_bandwidth_64k": (bench_pipe_bandwidth_64k, BYTES_PER_SECOND, "higher"),
    "pipe_bandwidth_64k_pipe": (bench_pipe_bandwidth_64k_pipe, BYTES_PER_SECOND, "higher"),
    "value_locked_increment": (bench_value_locked_increment, PER_SECOND, "higher"),
    "value_locked_increment_contended": (bench_value_locked_increment_contended, PER_SECOND, "higher"),
    "lock_uncontended": (bench_lock_uncontended, SECONDS, "lower"),
}


def run(names: list[str], reps: int, min_time: float, progress) -> dict:
    samples: dict[str, list[float]] = {name: [] for name in names}
    # Round after round of every benchmark, rather than each one's repetitions
    # back to back, so that a burst of load elsewhere spreads over all of them.
    for round_number in range(reps):
        for name in names:
            samples[name].append(BENCHMARKS[name][0](min_time))
            progress(f"cpython_bench: round {round_number + 1} of {reps}: {name}: "
                     f"{samples[name][-1]:.6g} {BENCHMARKS[name][1]}")
    results = {}
    for name in names:
        _, unit, better = BENCHMARKS[name]
        results[name] = {
            "unit": unit,
            "better": better,
            "best": min(samples[name]) if better == "lower" else max(samples[name]),
            "median": statistics.median(samples[name]),
            "samples": samples[name],
        }
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "start_method": multiprocessing.get_start_method(),
        "cpus": os.cpu_count(),
        "reps": reps,
        "min_time": min_time,
        "results": results,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each benchmark (default 3)")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds each repetition runs at least (default 0.3)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--list", action="store_true", help="print the benchmark names and exit")
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (see --list)")
    if args.reps < 1 or args.min_time <= 0:
        parser.error("--reps must be at least 1 and --min-time above 0")

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    report = run(names, args.reps, args.min_time, progress)
    text = json.dumps(report, indent=2)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
