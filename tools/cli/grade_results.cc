#include "tools/cli/grade_results.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "rapidjson/document.h"
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

namespace {

using rapidjson::Value;

std::string GetString(const Value& object, const char* key) {
  return object.HasMember(key) && object[key].IsString() ? object[key].GetString() : "";
}

double GetNumber(const Value& object, const char* key, double otherwise = 0) {
  return object.HasMember(key) && object[key].IsNumber() ? object[key].GetDouble() : otherwise;
}

const Value* GetObject(const Value& object, const char* key) {
  return object.HasMember(key) && object[key].IsObject() ? &object[key] : nullptr;
}

const Value* GetArray(const Value& object, const char* key) {
  return object.HasMember(key) && object[key].IsArray() ? &object[key] : nullptr;
}

std::map<std::string, std::string> GetStringMap(const Value& object, const char* key) {
  std::map<std::string, std::string> map;
  if (const Value* fields = GetObject(object, key)) {
    for (const auto& field : fields->GetObject()) {
      if (field.value.IsString()) map[field.name.GetString()] = field.value.GetString();
    }
  }
  return map;
}

Check ReadCheck(const Value& kata, const char* key) {
  Check check;
  if (const Value* object = GetObject(kata, key)) check = {GetString(*object, "status"), GetString(*object, "message")};
  return check;
}

Limits ReadLimits(const Value& object, std::string* process_limit) {
  Limits limits;
  *process_limit = GetString(object, "process_limit");
  limits.processes = static_cast<int>(GetNumber(object, "processes", limits.processes));
  limits.memory_mb = static_cast<long>(GetNumber(object, "memory_mb", static_cast<double>(limits.memory_mb)));
  limits.output_mb = static_cast<long>(GetNumber(object, "output_mb", static_cast<double>(limits.output_mb)));
  limits.test_timeout_s = static_cast<int>(GetNumber(object, "test_timeout_seconds", limits.test_timeout_s));
  limits.overall_timeout_s = static_cast<int>(GetNumber(object, "overall_timeout_seconds", limits.overall_timeout_s));
  return limits;
}

GradedTest ReadTest(const Value& object) {
  return {GetString(object, "name"),    GetString(object, "status"),  GetNumber(object, "points"),
          GetNumber(object, "max_points"), GetString(object, "message"), GetStringMap(object, "configs")};
}

GradedKata ReadKata(const Value& object) {
  GradedKata kata;
  kata.name = GetString(object, "name");
  kata.status = GetString(object, "status");
  kata.points = GetNumber(object, "points");
  kata.max_points = GetNumber(object, "max_points");
  if (const Value* configs = GetArray(object, "configs")) {
    for (const auto& config : configs->GetArray()) {
      if (config.IsString()) kata.configs.emplace_back(config.GetString());
    }
  }
  kata.outcomes = GetStringMap(object, "outcomes");
  kata.correctness = ReadCheck(object, "correctness");
  kata.race_freedom = ReadCheck(object, "race_freedom");
  kata.timeouts = ReadCheck(object, "timeouts");
  kata.message = GetString(object, "message");
  if (const Value* tests = GetArray(object, "tests")) {
    for (const auto& test : tests->GetArray()) {
      if (test.IsObject()) kata.tests.push_back(ReadTest(test));
    }
  }
  return kata;
}

}  // namespace

GradeResults ReadResultsJson(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  if (document.HasParseError() || !document.IsObject() || !GetArray(document, "katas")) {
    throw std::runtime_error("not a tools/grade results.json");
  }
  GradeResults results;
  results.submission = GetString(document, "submission");
  results.graded_at = GetString(document, "graded_at");
  results.finished = GetString(document, "status") != "incomplete";
  results.score = GetNumber(document, "score");
  results.max_score = GetNumber(document, "max_score");
  results.seconds = GetNumber(document, "seconds");
  if (const Value* limits = GetObject(document, "limits")) results.limits = ReadLimits(*limits, &results.process_limit);
  if (const Value* tampering = GetArray(document, "tampering")) {
    for (const auto& change : tampering->GetArray()) {
      if (change.IsObject()) results.tampering.push_back({GetString(change, "path"), GetString(change, "change")});
    }
  }
  for (const auto& kata : document["katas"].GetArray()) {
    if (kata.IsObject()) results.katas.push_back(ReadKata(kata));
  }
  return results;
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
