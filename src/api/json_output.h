// The response options every Elasticsearch endpoint takes: filter_path
// (keep, or with "-" drop, the members at dotted paths with * and **) and
// pretty (indented JSON).
#pragma once

#include <string>
#include <string_view>

namespace flowdex {

// `json` reduced to the members `filter_path` selects (a comma list of
// patterns). Unparseable JSON is returned as it is.
std::string ApplyFilterPath(std::string_view json, std::string_view filter_path);

// `json` indented by two spaces per level, as ?pretty shows it.
std::string PrettyJson(std::string_view json);

}  // namespace flowdex
