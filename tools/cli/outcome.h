// How a kata's tests ended, read from what Bazel leaves behind.
//
// Bazel says whether a test target passed, failed or timed out; the test's
// JUnit XML and its log say *how*: which GoogleTest cases failed and why, or
// that ThreadSanitizer stopped the binary with a race report, or that it
// crashed. This is what a learner (tools/kata), a grader (tools/grade) and
// the project's own checks (tools/test) all need, so it lives once, here.
#ifndef MPKATA_TOOLS_CLI_OUTCOME_H_
#define MPKATA_TOOLS_CLI_OUTCOME_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kata {

// How a test target ended, from best to worst; Word() is what the tools print.
enum class Outcome {
  kPasses,
  kFails,         // by assertion: GoogleTest ran and reported failing tests
  kRace,          // ThreadSanitizer reported a data race
  kSanitizer,     // another sanitizer report (ASan, LSan, UBSan, TSan)
  kCrashes,       // the binary died without GoogleTest's summary
  kKilled,        // stopped by a resource limit (processes, memory, output)
  kTimesOut,
  kDoesNotBuild,
  kNotRun,
};

std::string_view Word(Outcome outcome);
// The inverse of Word(); nullopt for an unknown word.
std::optional<Outcome> OutcomeFromWord(std::string_view word);

// What a line in a test's log starts with when tools/grade's process limits
// stopped it (written by `grade limit`, read by Classify()).
inline constexpr std::string_view kLimitMarker = "mpkata-limit: ";

inline constexpr std::string_view kTsanMappingMessage = "unexpected memory mapping";
extern const char* const kTsanMappingAdvice;

// True when `mmap_rnd_bits` (the text of /proc/sys/vm/mmap_rnd_bits) is above
// the 28 bits of address randomisation clang 14's TSan can live with: every
// TSan binary would then stop with kTsanMappingMessage.
bool TsanMappingBitsTooHigh(std::string_view mmap_rnd_bits);
// The same for this machine's kernel; false when the file cannot be read.
bool TsanMappingFailsHere();

// One GoogleTest case in one config.
struct TestCase {
  enum class Status { kPassed, kFailed, kNotRun };
  std::string name;  // "Suite.Name", as GoogleTest prints it
  Status status = Status::kNotRun;
  std::string message;  // why it failed, in a few lines
};

std::string_view Word(TestCase::Status status);  // "pass", "fail", "not run"

// How Bazel's status and the log say a test target ended.
Outcome Classify(std::string_view bazel_status, std::string_view log);

// The GoogleTest cases of one run, from its JUnit XML when GoogleTest wrote
// it, otherwise (the binary died: a race report, a crash, a timeout) from the
// log: the cases that printed "[ OK ]" passed, the one running when the
// binary died failed with `death_message`.
std::vector<TestCase> ReadTestCases(std::string_view junit_xml, std::string_view log,
                                    const std::string& death_message);

// (passed, failed, total) GoogleTest cases, as far as the log got.
struct Counts {
  int passed = 0;
  int failed = 0;
  int total = 0;
};
Counts CountTests(std::string_view log);

// A ThreadSanitizer data race report turned into one sentence naming the
// variable, the two functions and their lines, e.g.
//   "Data race on `value_`: thread T4 writes it in mp::MutexCounter::increment()
//    (counter.cc:20) while thread T2 wrote it in mp::MutexCounter::increment()
//    (counter.cc:20), and nothing orders the two accesses (no common lock, no
//    atomic)."
// `source_root` is where the reported files are read from to find the
// variable's name when the report only gives an address. nullopt when the
// log has no race report.
std::optional<std::string> DescribeRace(std::string_view log, const std::filesystem::path& source_root);

// The few log lines that explain a failure, for a person's screen. For a
// race, the sentence from DescribeRace() comes first.
std::string FailureExcerpt(Outcome outcome, std::string_view log, const std::filesystem::path& source_root,
                           size_t max_lines = 12);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_OUTCOME_H_
