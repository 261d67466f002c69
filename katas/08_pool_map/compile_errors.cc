// Calls of mp::Pool that must NOT compile, one per CASE, each with the
// sentence pool.h promises. compile_errors_test.sh compiles every case and
// checks the sentence; nothing here is built into a program.
#include <set>
#include <string>
#include <vector>

#include "katas/08_pool_map/pool.h"

void ReturnsNothing(int) {}
int TakesASet(std::set<int>) { return 0; }

void Case(mp::Pool& pool) {
  const int offset = 3;
  const std::vector<int> items = {1, 2};
  (void)offset, (void)items;
#if CASE == 1  // a lambda with a capture
  pool.map([offset](int x) { return x + offset; }, items);
#elif CASE == 2  // a capture, through apply_async
  pool.apply_async([offset] { return offset; });
#elif CASE == 3  // a result the codec cannot encode
  pool.map([](int x) { return std::set<int>{x}; }, items);
#elif CASE == 4  // items the codec cannot encode
  pool.map(TakesASet, std::vector<std::set<int>>{});
#elif CASE == 5  // nothing to send back
  pool.map(ReturnsNothing, items);
#elif CASE == 6  // the wrong argument type
  pool.map([](const std::string& text) { return text; }, items);
#endif
}
