#include "tools/cli/schema.h"

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace kata {
namespace {

using rapidjson::Value;

bool HasType(const Value& value, const std::string& type) {
  if (type == "object") return value.IsObject();
  if (type == "array") return value.IsArray();
  if (type == "string") return value.IsString();
  if (type == "integer") return value.IsInt64() || value.IsUint64() || (value.IsDouble() && value.GetDouble() == static_cast<double>(static_cast<long long>(value.GetDouble())));
  if (type == "number") return value.IsNumber();
  if (type == "boolean") return value.IsBool();
  if (type == "null") return value.IsNull();
  return false;
}

void Check(const Value& value, const Value& schema, const std::string& path, std::vector<std::string>& problems) {
  if (!schema.IsObject()) return;
  if (schema.HasMember("type")) {
    const Value& type = schema["type"];
    bool ok = false;
    std::string names;
    if (type.IsString()) {
      ok = HasType(value, type.GetString());
      names = type.GetString();
    } else if (type.IsArray()) {
      for (const Value& one : type.GetArray()) {
        ok = ok || HasType(value, one.GetString());
        names += (names.empty() ? "" : " or ") + std::string(one.GetString());
      }
    }
    if (!ok) {
      problems.push_back(path + ": should be " + names);
      return;
    }
  }
  if (schema.HasMember("enum")) {
    bool found = false;
    for (const Value& option : schema["enum"].GetArray()) found = found || option == value;
    if (!found) problems.push_back(path + ": is not one of the allowed values");
  }
  if (schema.HasMember("const") && !(schema["const"] == value)) problems.push_back(path + ": should be the constant the schema gives");
  if (value.IsNumber()) {
    if (schema.HasMember("minimum") && value.GetDouble() < schema["minimum"].GetDouble()) {
      problems.push_back(path + ": is below the minimum");
    }
    if (schema.HasMember("maximum") && value.GetDouble() > schema["maximum"].GetDouble()) {
      problems.push_back(path + ": is above the maximum");
    }
  }
  if (value.IsObject()) {
    if (schema.HasMember("required")) {
      for (const Value& name : schema["required"].GetArray()) {
        if (!value.HasMember(name.GetString())) problems.push_back(path + ": lacks \"" + name.GetString() + "\"");
      }
    }
    const Value* properties = schema.HasMember("properties") ? &schema["properties"] : nullptr;
    const Value* additional = schema.HasMember("additionalProperties") ? &schema["additionalProperties"] : nullptr;
    for (const auto& member : value.GetObject()) {
      std::string name = member.name.GetString();
      if (properties != nullptr && properties->HasMember(member.name)) {
        Check(member.value, (*properties)[member.name], path + "." + name, problems);
      } else if (additional != nullptr && additional->IsBool() && !additional->GetBool()) {
        problems.push_back(path + ": has \"" + name + "\", which the schema does not allow");
      } else if (additional != nullptr && additional->IsObject()) {
        Check(member.value, *additional, path + "." + name, problems);
      }
    }
  }
  if (value.IsArray() && schema.HasMember("items")) {
    int index = 0;
    for (const Value& item : value.GetArray()) Check(item, schema["items"], path + "[" + std::to_string(index++) + "]", problems);
  }
}

}  // namespace

std::vector<std::string> ValidateJson(const std::string& document, const std::string& schema) {
  rapidjson::Document parsed_schema;
  parsed_schema.Parse(schema.c_str());
  if (parsed_schema.HasParseError()) return {std::string("the schema is not JSON: ") + rapidjson::GetParseError_En(parsed_schema.GetParseError())};
  rapidjson::Document parsed;
  parsed.Parse(document.c_str());
  if (parsed.HasParseError()) return {std::string("not JSON: ") + rapidjson::GetParseError_En(parsed.GetParseError())};
  std::vector<std::string> problems;
  Check(parsed, parsed_schema, "$", problems);
  return problems;
}

}  // namespace kata
