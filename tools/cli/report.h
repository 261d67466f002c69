// The instructor's class report: one self-contained HTML page built from
// many students' results.json (tools/grade report).
#ifndef MPKATA_TOOLS_CLI_REPORT_H_
#define MPKATA_TOOLS_CLI_REPORT_H_

#include <filesystem>
#include <string>
#include <vector>

namespace kata {

struct MemberKata {
  std::string name;
  std::string status;
  double points = 0;
  double max_points = 0;
  std::vector<std::pair<std::string, std::string>> failed_tests;  // name, message
};

struct ClassMember {
  std::string name;  // the results file's name, or its folder's for "results.json"
  double score = 0;
  double max_score = 0;
  std::vector<MemberKata> katas;
};

// Reads one results.json; throws std::runtime_error when it is not one.
ClassMember ReadClassMember(const std::filesystem::path& path);
std::string ClassReportHtml(const std::vector<ClassMember>& members);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_REPORT_H_
