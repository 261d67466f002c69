#include "tools/cli/kata.h"

#include <algorithm>

#include "tools/cli/xml.h"

namespace kata {


std::string Kata::Title() const {
  size_t underscore = name.find('_');
  std::string title = underscore == std::string::npos ? name : name.substr(underscore + 1);
  std::replace(title.begin(), title.end(), '_', ' ');
  return title;
}

std::vector<std::string> Kata::AllConfigs() const {
  std::vector<std::string> all = {std::string(kPlain)};
  all.insert(all.end(), configs.begin(), configs.end());
  return all;
}

std::vector<std::string> Kata::CheckOrder() const {
  if (starter_fails_with != Word(Outcome::kRace)) return AllConfigs();
  std::vector<std::string> order = {DefaultConfig()};
  for (const std::string& config : AllConfigs()) {
    if (config != order.front()) order.push_back(config);
  }
  return order;
}

bool Kata::Matches(const std::string& text) const {
  std::string number = Number();
  std::string stripped = number;
  while (stripped.size() > 1 && stripped[0] == '0') stripped.erase(0, 1);
  std::string title = name.substr(name.find('_') + 1);
  return text == name || text == number || text == stripped || text == title;
}

void ApplyQueryTags(const std::string& query_xml, std::vector<Kata>& katas) {
  std::string buffer = query_xml;
  rapidxml::xml_document<> document;
  document.parse<0>(buffer.data());
  rapidxml::xml_node<>* root = document.first_node("query");
  for (auto* rule = root ? root->first_node("rule") : nullptr; rule; rule = rule->next_sibling("rule")) {
    auto* name_attribute = rule->first_attribute("name");
    if (name_attribute == nullptr) continue;
    std::string label = name_attribute->value();
    if (label.rfind("//katas/", 0) != 0) continue;
    std::string package = label.substr(8, label.find(':') - 8);
    auto kata = std::find_if(katas.begin(), katas.end(), [&](const Kata& k) { return k.name == package; });
    if (kata == katas.end()) continue;
    for (auto* list = rule->first_node("list"); list; list = list->next_sibling("list")) {
      auto* list_name = list->first_attribute("name");
      if (list_name == nullptr || std::string_view(list_name->value()) != "tags") continue;
      for (auto* tag = list->first_node("string"); tag; tag = tag->next_sibling("string")) {
        auto* value = tag->first_attribute("value");
        if (value == nullptr) continue;
        std::string text = value->value();
        if (text.rfind("kata_config=", 0) == 0) {
          kata->configs.push_back(text.substr(12));
        } else if (text.rfind("kata_starter=", 0) == 0) {
          kata->starter_fails_with = text.substr(13);
        } else if (text.rfind("kata_demo=", 0) == 0) {
          std::string demo = text.substr(10);
          size_t colon = demo.find(':');
          kata->demos.push_back({Trim(demo.substr(0, colon)),
                                 colon == std::string::npos ? "" : Trim(demo.substr(colon + 1))});
        }
      }
    }
  }
}

std::vector<Kata> DiscoverKatas(const Bazel& bazel) {
  std::vector<Kata> katas;
  std::filesystem::path folder = bazel.workspace() / "katas";
  if (std::filesystem::is_directory(folder)) {
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      if (entry.is_directory() && std::filesystem::exists(entry.path() / "BUILD")) {
        katas.push_back({entry.path().filename().string(), {}, {}});
      }
    }
  }
  std::sort(katas.begin(), katas.end(), [](const Kata& a, const Kata& b) { return a.name < b.name; });
  // --keep_going: a kata whose BUILD is being written must not hide the others.
  RunResult result = bazel.Capture({"query", "--keep_going", "--output=xml", "kind(cc_test, //katas/...)"}, false);
  size_t xml_start = result.output.find("<?xml");
  try {
    if (xml_start == std::string::npos) throw std::runtime_error("no XML");
    ApplyQueryTags(result.output.substr(xml_start), katas);
  } catch (const std::exception& error) {
    RunResult again = bazel.Capture({"query", "--keep_going", "kind(cc_test, //katas/...)"});
    throw std::runtime_error(std::string("bazel query of the katas failed (") + error.what() + "):\n" +
                             Shorten(again.output, 3000));
  }
  return katas;
}

std::vector<Kata> SelectKatas(const std::vector<Kata>& katas, const std::vector<std::string>& wanted) {
  std::vector<Kata> chosen;
  for (const std::string& text : wanted) {
    bool found = false;
    for (const Kata& kata : katas) {
      if (!kata.Matches(text)) continue;
      found = true;
      if (std::none_of(chosen.begin(), chosen.end(), [&](const Kata& k) { return k.name == kata.name; })) {
        chosen.push_back(kata);
      }
    }
    if (!found) {
      std::vector<std::string> names;
      for (const Kata& kata : katas) names.push_back(kata.name);
      throw UsageError("no kata is called '" + text + "'; the katas are: " + Join(names, ", "));
    }
  }
  return chosen;
}

std::vector<std::string> LearnerFiles(const std::filesystem::path& repo, const Kata& kata) {
  std::vector<std::string> files;
  std::filesystem::path solution = repo / "solutions" / kata.name;
  if (!std::filesystem::is_directory(solution)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(solution)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != "BUILD" && name != "BUILD.bazel") files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace kata
