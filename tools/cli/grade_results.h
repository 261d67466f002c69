// What tools/grade finds, and the files it writes: results.json (schema:
// tools/cli/results.schema.json), junit.xml and summary.md.
#ifndef MPKATA_TOOLS_CLI_GRADE_RESULTS_H_
#define MPKATA_TOOLS_CLI_GRADE_RESULTS_H_

#include <map>
#include <string>
#include <vector>

#include "tools/cli/limits.h"
#include "tools/cli/outcome.h"

namespace kata {

inline constexpr int kResultsVersion = 1;
inline constexpr double kPointsPerKata = 10.0;

// One of a kata's three separate verdicts.
struct Check {
  std::string status = "not judged";  // "pass", "fail" or "not judged"
  std::string message;
};

struct GradedTest {
  std::string name;
  std::string status;  // "pass", "fail", "not run"
  double points = 0;
  double max_points = 0;
  std::string message;
  std::map<std::string, std::string> configs;  // config -> "pass"/"fail"/"not run"
};

struct GradedKata {
  std::string name;
  std::string status;  // "solved", "failing", "race reported", ..., "does not build", "not graded"
  double points = 0;
  double max_points = kPointsPerKata;
  std::vector<std::string> configs;
  std::map<std::string, std::string> outcomes;  // config -> Word(Outcome)
  Check correctness;   // the plain build
  Check race_freedom;  // the sanitizer configs the kata declares
  Check timeouts;      // no config timed out or hit a limit
  std::string message;  // the first failure, explained in a few lines
  std::vector<GradedTest> tests;
};

struct Tampering {
  std::string path;
  std::string change;  // "modified" or "added"
};

struct GradeResults {
  std::string submission;
  std::string graded_at;  // UTC, ISO 8601
  double score = 0;
  double max_score = 0;
  bool finished = true;  // false when the overall time limit cut grading short
  Limits limits;
  std::string process_limit;  // how the process limit is enforced
  std::vector<Tampering> tampering;
  std::vector<GradedKata> katas;
  double seconds = 0;
};

std::string ResultsJson(const GradeResults& results);
// The inverse of ResultsJson(), for tools that check a grading run (tools/test).
// A field that is missing or of the wrong type keeps its default; throws
// std::runtime_error when `json` is not a JSON object with a "katas" array.
GradeResults ReadResultsJson(const std::string& json);
std::string ResultsJunit(const GradeResults& results);
std::string ResultsSummary(const GradeResults& results);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_GRADE_RESULTS_H_
