#include "tools/cli/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "tools/cli/grade_results.h"
#include "tools/cli/util.h"

namespace kata {
namespace {

std::string Html(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string Fixed(double value, int decimals = 1) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// The CSS class of a kata status: the chart's and the table's colours.
std::string StatusClass(const std::string& status) {
  if (status == "solved") return "solved";
  if (status == "failing") return "failing";
  if (status == "race reported" || status == "sanitizer error") return "race";
  if (status == "not graded") return "none";
  return "broken";  // crashes, times out, killed, does not build
}

}  // namespace

ClassMember ReadClassMember(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  if (!text) throw std::runtime_error("cannot read " + path.string());
  GradeResults results;
  try {
    results = ReadResultsJson(*text);
  } catch (const std::runtime_error&) {
    throw std::runtime_error(path.string() + " is not a tools/grade results.json");
  }
  ClassMember member;
  member.name = path.stem().string();
  if (member.name == "results" && path.has_parent_path()) {
    member.name = std::filesystem::absolute(path).parent_path().filename().string();
  }
  member.score = results.score;
  member.max_score = results.max_score;
  for (const GradedKata& kata : results.katas) {
    MemberKata entry{kata.name, kata.status, kata.points, kata.max_points, {}};
    for (const GradedTest& test : kata.tests) {
      if (test.status == "fail") entry.failed_tests.emplace_back(test.name, test.message);
    }
    member.katas.push_back(std::move(entry));
  }
  return member;
}

std::string ClassReportHtml(const std::vector<ClassMember>& members) {
  // Every kata anyone was graded on, in order.
  std::vector<std::string> katas;
  for (const ClassMember& member : members) {
    for (const MemberKata& kata : member.katas) {
      if (std::find(katas.begin(), katas.end(), kata.name) == katas.end()) katas.push_back(kata.name);
    }
  }
  std::sort(katas.begin(), katas.end());

  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mpkata class report</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; } th, td { padding: 4px 8px; border: 1px solid #ddd; text-align: left; }
.solved { background: #2e7d32; color: #fff; } .failing { background: #f9a825; }
.race { background: #8e24aa; color: #fff; } .broken { background: #c62828; color: #fff; } .none { background: #eee; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 6px; }
svg text { font: 12px system-ui, sans-serif; }
td.message { font-family: monospace; font-size: 12px; white-space: pre-wrap; max-width: 50em; }
</style></head>
<body data-rendered="no">
<h1>mpkata: class report</h1>
)";
  double total = 0, maximum = 0;
  for (const ClassMember& member : members) {
    total += member.score;
    maximum += member.max_score;
  }
  html += "<p id=\"overview\">" + std::to_string(members.size()) + " submissions, " + std::to_string(katas.size()) +
          " katas; the class has " + Fixed(maximum > 0 ? 100 * total / maximum : 0) + "% of all points.</p>\n";
  html += R"(<p class="legend"><span class="solved">solved</span><span class="failing">failing tests</span><span class="race">race or sanitizer report</span><span class="broken">crashes, times out or does not build</span><span class="none">not graded</span></p>
)";

  // The chart: for each kata, how many submissions are in each state.
  html += "<h2>Progress per kata</h2>\n";
  const int bar_width = 480, row_height = 26, label_width = 180;
  int height = row_height * static_cast<int>(katas.size()) + 10;
  html += "<svg id=\"progress\" role=\"img\" aria-label=\"submissions per kata and status\" width=\"" +
          std::to_string(label_width + bar_width + 60) + "\" height=\"" + std::to_string(height) + "\">\n";
  const char* order[] = {"solved", "failing", "race", "broken", "none"};
  const char* fill[] = {"#2e7d32", "#f9a825", "#8e24aa", "#c62828", "#bbb"};
  for (size_t row = 0; row < katas.size(); ++row) {
    std::map<std::string, int> counts;
    for (const ClassMember& member : members) {
      std::string status = "not graded";
      for (const MemberKata& kata : member.katas) {
        if (kata.name == katas[row]) status = kata.status;
      }
      ++counts[StatusClass(status)];
    }
    int y = static_cast<int>(row) * row_height + 5;
    html += "<text x=\"0\" y=\"" + std::to_string(y + 16) + "\">" + Html(katas[row]) + "</text>\n";
    double x = label_width;
    for (int k = 0; k < 5; ++k) {
      int count = counts[order[k]];
      if (count == 0) continue;
      double width = members.empty() ? 0 : static_cast<double>(bar_width) * count / static_cast<double>(members.size());
      html += "<rect class=\"bar-" + std::string(order[k]) + "\" x=\"" + Fixed(x) + "\" y=\"" + std::to_string(y) +
              "\" width=\"" + Fixed(width) + "\" height=\"20\" fill=\"" + fill[k] + "\"><title>" + Html(katas[row]) +
              ": " + std::to_string(count) + " " + order[k] + "</title></rect>\n";
      x += width;
    }
    html += "<text x=\"" + std::to_string(label_width + bar_width + 8) + "\" y=\"" + std::to_string(y + 16) + "\">" +
            std::to_string(counts["solved"]) + "/" + std::to_string(members.size()) + "</text>\n";
  }
  html += "</svg>\n";

  // Who is stuck where: one row per submission, one cell per kata.
  html += "<h2>Who is stuck where</h2>\n<table id=\"students\"><tr><th>submission</th><th>score</th><th>stuck at</th>";
  for (const std::string& kata : katas) html += "<th>" + Html(kata.substr(0, kata.find('_'))) + "</th>";
  html += "</tr>\n";
  std::vector<const ClassMember*> sorted;
  for (const ClassMember& member : members) sorted.push_back(&member);
  std::sort(sorted.begin(), sorted.end(), [](const ClassMember* a, const ClassMember* b) { return a->name < b->name; });
  for (const ClassMember* member : sorted) {
    std::string stuck = "finished";
    for (const std::string& name : katas) {
      auto kata = std::find_if(member->katas.begin(), member->katas.end(), [&](const MemberKata& k) { return k.name == name; });
      if (kata == member->katas.end() || kata->status != "solved") {
        stuck = name + (kata == member->katas.end() ? "" : " (" + kata->status + ")");
        break;
      }
    }
    html += "<tr><td>" + Html(member->name) + "</td><td>" + Fixed(member->score) + " / " + Fixed(member->max_score) +
            "</td><td>" + Html(stuck) + "</td>";
    for (const std::string& name : katas) {
      auto kata = std::find_if(member->katas.begin(), member->katas.end(), [&](const MemberKata& k) { return k.name == name; });
      std::string status = kata == member->katas.end() ? "not graded" : kata->status;
      html += "<td class=\"" + StatusClass(status) + "\" title=\"" + Html(name + ": " + status) + "\">" +
              (kata == member->katas.end() ? "" : Fixed(kata->points)) + "</td>";
    }
    html += "</tr>\n";
  }
  html += "</table>\n";

  // The tests most of the class fails.
  std::map<std::pair<std::string, std::string>, std::pair<int, std::string>> failures;
  for (const ClassMember& member : members) {
    for (const MemberKata& kata : member.katas) {
      for (const auto& [test, message] : kata.failed_tests) {
        auto& entry = failures[{kata.name, test}];
        ++entry.first;
        if (entry.second.empty()) entry.second = message;
      }
    }
  }
  std::vector<std::pair<std::pair<std::string, std::string>, std::pair<int, std::string>>> ranked(failures.begin(), failures.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  if (ranked.size() > 15) ranked.resize(15);
  html += "<h2>Most failed tests</h2>\n<table id=\"failed-tests\"><tr><th>kata</th><th>test</th><th>submissions failing</th><th>a failure message</th></tr>\n";
  for (const auto& [key, value] : ranked) {
    html += "<tr><td>" + Html(key.first) + "</td><td>" + Html(key.second) + "</td><td>" + std::to_string(value.first) +
            "</td><td class=\"message\">" + Html(Shorten(value.second, 400)) + "</td></tr>\n";
  }
  if (ranked.empty()) html += "<tr><td colspan=\"4\">No test fails.</td></tr>\n";
  html += "</table>\n";
  // The page is complete without scripts; this only lets a headless browser
  // (and tools/test) confirm that it parsed the whole page.
  html += "<script>document.body.dataset.rendered = 'yes';</script>\n</body></html>\n";
  return html;
}

}  // namespace kata
