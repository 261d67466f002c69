// The katas of a repository, found by folder, with what their BUILD declares.
//
// A kata is the folder katas/NN_name/ and its reference solution
// solutions/NN_name/. kata() in tools/kata.bzl tags the kata's :test with
// `kata_config=NAME` for each sanitizer config that judges it,
// `kata_starter=OUTCOME` for how its untouched starter must fail, and
// `kata_demo=TARGET: sentence` for each demo program; the tools read the tags
// with `bazel query` instead of keeping lists of their own.
#ifndef MPKATA_TOOLS_CLI_KATA_H_
#define MPKATA_TOOLS_CLI_KATA_H_

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/cli/bazel.h"

namespace kata {

struct Demo {
  std::string target;       // e.g. "example", a cc_binary in the kata's folder
  std::string explanation;  // one sentence: what running it shows
};

struct Kata {
  std::string name;                  // "02_unlocked_counter"
  std::vector<std::string> configs;  // sanitizer configs it must pass, besides plain
  std::vector<Demo> demos;
  // How the untouched starter fails in DefaultConfig(), as Word(Outcome):
  // "fails" (by assertion) or "race reported" (kata 02).
  std::string starter_fails_with = "fails";

  std::string Number() const { return name.substr(0, name.find('_')); }
  std::string Title() const;  // "unlocked counter"
  std::string StarterPackage() const { return "//katas/" + name; }
  std::string SolutionPackage() const { return "//solutions/" + name; }
  std::string Package(bool solution) const { return solution ? SolutionPackage() : StarterPackage(); }
  // The plain build first, then the declared configs.
  std::vector<std::string> AllConfigs() const;
  // The config that judges a starter: the first declared, else plain.
  std::string DefaultConfig() const { return configs.empty() ? std::string(kPlain) : configs.front(); }
  // AllConfigs() in the order a check runs them: the plain build first
  // (its builds are the quickest and its failures the plainest), except
  // for a kata whose starter is meant to fail by a race: there the lesson
  // is TSan's report, so TSan goes first (02's starter fails in the plain
  // build too, and the report would never be seen).
  std::vector<std::string> CheckOrder() const;
  // True if `text` names this kata: "02", "2", "02_unlocked_counter" or "unlocked_counter".
  bool Matches(const std::string& text) const;
};

// A user's mistake the tool should report as "kata: error: ..." (exit 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every katas/NN_name folder with a BUILD file, in order, with its configs
// and demos. Throws std::runtime_error when bazel query fails.
std::vector<Kata> DiscoverKatas(const Bazel& bazel);
// Reads `bazel query --output=xml` of the katas' tests into `katas`.
void ApplyQueryTags(const std::string& query_xml, std::vector<Kata>& katas);
// The katas `wanted` names, in the order asked; throws UsageError for a name
// that is no kata.
std::vector<Kata> SelectKatas(const std::vector<Kata>& katas, const std::vector<std::string>& wanted);

// The learner's files of a kata: the solution folder's files other than its
// BUILD, which by convention have the starter's names (e.g. "thread.cc").
std::vector<std::string> LearnerFiles(const std::filesystem::path& repo, const Kata& kata);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_KATA_H_
