// RapidXML, as bundled with cereal (Debian's libcereal-dev): a small
// header-only XML parser for GoogleTest's JUnit files and `bazel query
// --output=xml`. It needs cereal's macros first.
#ifndef MPKATA_TOOLS_CLI_XML_H_
#define MPKATA_TOOLS_CLI_XML_H_

#include "cereal/macros.hpp"
#include "cereal/external/rapidxml/rapidxml.hpp"

namespace kata {
namespace rapidxml = cereal::rapidxml;
}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_XML_H_
