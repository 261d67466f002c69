// The verdicts of tools/test: one line per check, "ok" or "FAIL", with the
// lines that explain a failure under it, so that a failing run says why
// without opening a log.
//
//     ok    //solutions/01_threads:test [tsan] passes  (7 of 7 tests pass)
//     FAIL  02_unlocked_counter starter [tsan] fails (expected: race reported)
//           | counter_test.cc:40: Failure
//
// Shell checks such as tools/setup_bundle_test print their own verdicts
// ("ok      what", "FAILED  what" and the failure's log indented by eight
// spaces); ParseScriptChecks() reads them so they are counted like the rest.
#ifndef MPKATA_TOOLS_CLI_CHECKS_H_
#define MPKATA_TOOLS_CLI_CHECKS_H_

#include <string>
#include <string_view>
#include <vector>

namespace kata {

struct CheckResult {
  bool ok = false;
  std::string what;         // what was checked, in a few words
  std::string detail;       // figures that go in parentheses after it, or ""
  std::string explanation;  // why it failed, possibly many lines; shown only on failure
};

// The lines tools/test prints for one check.
std::vector<std::string> CheckLines(const CheckResult& check);

// The verdicts in a shell check script's output, in order; lines that are
// no verdict (its progress, its closing "N passed, N failed") are skipped.
std::vector<CheckResult> ParseScriptChecks(std::string_view output);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_CHECKS_H_
