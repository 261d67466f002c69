#include "tools/cli/grade_results.h"

#include <cmath>
#include <cstdio>

#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "tools/cli/util.h"

namespace kata {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void Key(Writer& w, const char* key) { w.Key(key); }
void String(Writer& w, const std::string& text) { w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size())); }
void Field(Writer& w, const char* key, const std::string& value) {
  Key(w, key);
  String(w, value);
}
void Number(Writer& w, const char* key, double value) {
  Key(w, key);
  // Two decimals: points are shares of a kata's ten.
  w.Double(std::round(value * 100) / 100);
}

void WriteCheck(Writer& w, const char* key, const Check& check) {
  Key(w, key);
  w.StartObject();
  Field(w, "status", check.status);
  Field(w, "message", check.message);
  w.EndObject();
}

std::string Xml(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters; a test may print anything.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          escaped += '?';
        } else {
          escaped += c;
        }
    }
  }
  return escaped;
}

std::string Points(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string result = text;
  while (result.back() == '0') result.pop_back();
  if (result.back() == '.') result.pop_back();
  return result;
}

std::string Mark(const Check& check) {
  if (check.status == "pass") return "ok";
  if (check.status == "fail") return "**FAIL**";
  return "—";
}

}  // namespace

std::string ResultsJson(const GradeResults& results) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  Key(w, "version");
  w.Int(kResultsVersion);
  Field(w, "submission", results.submission);
  Field(w, "graded_at", results.graded_at);
  Field(w, "status", !results.finished ? "incomplete" : results.score >= results.max_score && results.max_score > 0 ? "pass" : "fail");
  Number(w, "score", results.score);
  Number(w, "max_score", results.max_score);
  Number(w, "seconds", results.seconds);
  Key(w, "limits");
  w.StartObject();
  Key(w, "processes");
  w.Int(results.limits.processes);
  Field(w, "process_limit", results.process_limit);
  Key(w, "memory_mb");
  w.Int64(results.limits.memory_mb);
  Key(w, "output_mb");
  w.Int64(results.limits.output_mb);
  Key(w, "test_timeout_seconds");
  w.Int(results.limits.test_timeout_s);
  Key(w, "overall_timeout_seconds");
  w.Int(results.limits.overall_timeout_s);
  w.EndObject();
  Key(w, "tampering");
  w.StartArray();
  for (const Tampering& change : results.tampering) {
    w.StartObject();
    Field(w, "path", change.path);
    Field(w, "change", change.change);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "katas");
  w.StartArray();
  for (const GradedKata& kata : results.katas) {
    w.StartObject();
    Field(w, "name", kata.name);
    Field(w, "status", kata.status);
    Number(w, "points", kata.points);
    Number(w, "max_points", kata.max_points);
    Key(w, "configs");
    w.StartArray();
    for (const std::string& config : kata.configs) String(w, config);
    w.EndArray();
    Key(w, "outcomes");
    w.StartObject();
    for (const auto& [config, outcome] : kata.outcomes) Field(w, config.c_str(), outcome);
    w.EndObject();
    WriteCheck(w, "correctness", kata.correctness);
    WriteCheck(w, "race_freedom", kata.race_freedom);
    WriteCheck(w, "timeouts", kata.timeouts);
    Field(w, "message", kata.message);
    Key(w, "tests");
    w.StartArray();
    for (const GradedTest& test : kata.tests) {
      w.StartObject();
      Field(w, "name", test.name);
      Field(w, "status", test.status);
      Number(w, "points", test.points);
      Number(w, "max_points", test.max_points);
      Field(w, "message", test.message);
      Key(w, "configs");
      w.StartObject();
      for (const auto& [config, status] : test.configs) Field(w, config.c_str(), status);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string ResultsJunit(const GradeResults& results) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  int tests = 0, failures = 0;
  for (const GradedKata& kata : results.katas) {
    tests += static_cast<int>(std::max<size_t>(kata.tests.size(), 1));
    for (const GradedTest& test : kata.tests) failures += test.status != "pass";
    if (kata.tests.empty()) ++failures;
  }
  xml += "<testsuites name=\"mpkata\" tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
         "\" time=\"" + Points(results.seconds) + "\">\n";
  for (const GradedKata& kata : results.katas) {
    int kata_failures = 0;
    for (const GradedTest& test : kata.tests) kata_failures += test.status != "pass";
    if (kata.tests.empty()) kata_failures = 1;
    xml += "  <testsuite name=\"" + Xml(kata.name) + "\" tests=\"" +
           std::to_string(std::max<size_t>(kata.tests.size(), 1)) + "\" failures=\"" + std::to_string(kata_failures) +
           "\">\n";
    xml += "    <properties><property name=\"status\" value=\"" + Xml(kata.status) + "\"/><property name=\"points\" value=\"" +
           Points(kata.points) + "\"/></properties>\n";
    if (kata.tests.empty()) {
      // A kata that does not build has no test cases to list: one stands in.
      xml += "    <testcase classname=\"" + Xml(kata.name) + "\" name=\"builds\">\n";
      xml += "      <failure message=\"" + Xml(kata.status) + "\">" + Xml(kata.message) + "</failure>\n";
      xml += "    </testcase>\n";
    }
    for (const GradedTest& test : kata.tests) {
      xml += "    <testcase classname=\"" + Xml(kata.name) + "\" name=\"" + Xml(test.name) + "\">";
      if (test.status == "fail") {
        xml += "\n      <failure message=\"" + Xml(Shorten(test.message, 500)) + "\">" + Xml(test.message) +
               "</failure>\n    ";
      } else if (test.status == "not run") {
        xml += "\n      <skipped message=\"" + Xml(Shorten(test.message, 500)) + "\"/>\n    ";
      }
      xml += "</testcase>\n";
    }
    xml += "  </testsuite>\n";
  }
  xml += "</testsuites>\n";
  return xml;
}

std::string ResultsSummary(const GradeResults& results) {
  std::string md = "## mpkata: " + Points(results.score) + " of " + Points(results.max_score) + " points\n\n";
  if (!results.finished) {
    md += "> **Grading stopped at its overall time limit (" + std::to_string(results.limits.overall_timeout_s) +
          " s)**: katas marked *not graded* got no points.\n\n";
  }
  md += "| kata | status | points | correctness | race freedom | time limits |\n";
  md += "|---|---|---:|:---:|:---:|:---:|\n";
  for (const GradedKata& kata : results.katas) {
    md += "| " + kata.name + " | " + kata.status + " | " + Points(kata.points) + " / " + Points(kata.max_points) + " | " +
          Mark(kata.correctness) + " | " + Mark(kata.race_freedom) + " | " + Mark(kata.timeouts) + " |\n";
  }
  bool any_failure = false;
  for (const GradedKata& kata : results.katas) {
    if (kata.status == "solved") continue;
    if (!any_failure) md += "\n### What to fix first\n\n";
    any_failure = true;
    md += "**" + kata.name + "** (" + kata.status + ")";
    if (!kata.message.empty()) md += ":\n\n```\n" + Shorten(kata.message, 1500) + "\n```\n";
    md += "\n";
  }
  if (!results.tampering.empty()) {
    md += "\n### Changes that were not graded\n\nOnly the katas' own source files (the starters) are taken from a "
          "submission; tests, headers, BUILD files and tools always come from the course's repository. These changes "
          "were ignored:\n\n";
    for (const Tampering& change : results.tampering) md += "- `" + change.path + "` (" + change.change + ")\n";
  }
  md += "\n<sub>Limits per test: " + std::to_string(results.limits.test_timeout_s) + " s, " +
        std::to_string(results.limits.processes) + " processes, " + std::to_string(results.limits.memory_mb) +
        " MB of memory (plain build), " + std::to_string(results.limits.output_mb) + " MB of output. Graded in " +
        Points(results.seconds) + " s.</sub>\n";
  return md;
}

}  // namespace kata
