// The limits tools/grade puts on every test of a submission, and the small
// program (`grade limit ... -- TEST`, Bazel's --run_under) that applies them.
//
// A submission may loop, deadlock, fork without end, eat memory or print
// without end. Bazel's --test_timeout stops a test that runs too long; what
// it cannot stop is done here, before the test's binary starts:
//
//   processes  a pids cgroup per test (v1 or v2, when the grader may create
//              one: root, or a delegated cgroup), else RLIMIT_NPROC (which
//              the kernel does not enforce for root);
//   memory     RLIMIT_AS, in the plain build only: sanitizers reserve
//              terabytes of address space they never touch;
//   output     RLIMIT_FSIZE: a test that writes more is stopped by SIGXFSZ;
//   cores      RLIMIT_CORE = 0.
//
// When the test ends, anything it left running in its cgroup is killed, so
// a process that never exits cannot outlive its test.
#ifndef MPKATA_TOOLS_CLI_LIMITS_H_
#define MPKATA_TOOLS_CLI_LIMITS_H_

#include <filesystem>
#include <string>
#include <vector>

namespace kata {

struct Limits {
  int processes = 64;          // at once, per test
  long memory_mb = 2048;       // address space, plain build only
  long output_mb = 64;         // largest file a test may write (its log too)
  int test_timeout_s = 120;    // per test target, Bazel's --test_timeout
  int overall_timeout_s = 1800;  // the whole grading
};

// A pids cgroup directory under which each test gets its own; empty when
// this machine does not let us make one.
std::filesystem::path MakeGradeCgroup(const std::string& name, int max_processes);
// Kills whatever is left in `cgroup` and its children, and removes them.
void RemoveCgroup(const std::filesystem::path& cgroup);

// How the process limit is enforced here, for results.json.
std::string ProcessLimitMethod(const std::filesystem::path& cgroup);

// `grade limit [--processes=N] [--memory-mb=N] [--output-mb=N] [--cgroup=DIR]
// [--timeout=S] [--sanitizer] COMMAND...`: runs COMMAND under the limits and returns its
// exit status (128 + signal when it was killed).
int LimitMain(const std::vector<std::string>& args);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_LIMITS_H_
