// The seed program: sum 1..10 in a process pool, two chunks at a time.
//
//   bazel run //solutions/08_pool_map:example
//
// Python:
//   with multiprocessing.Pool() as pool:
//       results = pool.map(process_data, [data[i::2] for i in range(2)])
//   print(f"Total result: {sum(results)}")
#include <cstdio>
#include <numeric>
#include <vector>

#include "katas/08_pool_map/pool.h"

namespace {

// Runs in a worker process: its argument and result travel through the codec.
long ProcessData(const std::vector<long>& chunk) {
  return std::accumulate(chunk.begin(), chunk.end(), 0L);
}

}  // namespace

int main() {
  const std::vector<long> data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

  // data[i::2]: the odd-positioned and the even-positioned numbers.
  std::vector<std::vector<long>> chunks(2);
  for (std::size_t i = 0; i < data.size(); ++i) chunks[i % 2].push_back(data[i]);

  mp::Pool pool;  // one worker per CPU
  const std::vector<long> results = pool.map(ProcessData, chunks);
  std::printf("Partial sums: %ld and %ld\n", results[0], results[1]);
  std::printf("Total result: %ld\n", std::accumulate(results.begin(), results.end(), 0L));
  return 0;
}
