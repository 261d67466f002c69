// A small JSON Schema validator: enough of draft 2020-12 to check
// results.json against results.schema.json (type, required, properties,
// additionalProperties, items, enum, minimum, maximum, const).
#ifndef MPKATA_TOOLS_CLI_SCHEMA_H_
#define MPKATA_TOOLS_CLI_SCHEMA_H_

#include <string>
#include <vector>

namespace kata {

// Every way `document` breaks `schema`, as "path: problem"; empty when valid.
std::vector<std::string> ValidateJson(const std::string& document, const std::string& schema);

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_SCHEMA_H_
