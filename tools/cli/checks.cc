#include "tools/cli/checks.h"

#include "tools/cli/util.h"

namespace kata {

std::vector<std::string> CheckLines(const CheckResult& check) {
  std::string suffix = check.detail.empty() ? "" : "  (" + check.detail + ")";
  std::vector<std::string> lines = {(check.ok ? "  ok    " : "  FAIL  ") + check.what + suffix};
  if (check.ok) return lines;
  for (const std::string& line : SplitLines(check.explanation)) lines.push_back("        | " + line);
  return lines;
}

std::vector<CheckResult> ParseScriptChecks(std::string_view output) {
  constexpr std::string_view kOk = "ok ";
  constexpr std::string_view kFailed = "FAILED ";
  constexpr std::string_view kLogIndent = "        ";
  std::vector<CheckResult> checks;
  bool in_failure = false;  // the lines after a FAILED line are its log
  for (const std::string& line : SplitLines(output)) {
    if (line.rfind(kOk, 0) == 0 || line.rfind(kFailed, 0) == 0) {
      bool ok = line.rfind(kOk, 0) == 0;
      checks.push_back({ok, Trim(line.substr(ok ? kOk.size() : kFailed.size())), "", ""});
      in_failure = !ok;
    } else if (in_failure && line.rfind(kLogIndent, 0) == 0) {
      std::string& explanation = checks.back().explanation;
      explanation += (explanation.empty() ? "" : "\n") + line.substr(kLogIndent.size());
    } else {
      in_failure = false;
    }
  }
  return checks;
}

}  // namespace kata
