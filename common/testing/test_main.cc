// The main() of every kata test. Like gtest_main, plus mpkata's defaults:
//
// - Death tests use the "threadsafe" style: the test binary is re-run for
//   each death test instead of forking the current process. Kata tests start
//   threads and then fork, and forking a process with threads (GoogleTest's
//   "fast" style) can deadlock the child on a lock another thread held.
//   A command-line --gtest_death_test_style still wins.

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
