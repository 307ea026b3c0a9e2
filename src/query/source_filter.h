// _source filtering and the `fields` option of a search: both read a hit's
// _source JSON by dotted paths ("source.ip", "aws.vpcflow.*"), as
// Elasticsearch does for objects written nested or with dotted keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flowdex {

// The source with only the paths `includes` selects (all when empty) and
// none that `excludes` selects. Patterns match whole dotted paths or an
// object's path (keeping everything below it); * matches any characters.
std::string FilterSource(std::string_view source, const std::vector<std::string>& includes,
                         const std::vector<std::string>& excludes);

// The "fields" object of a hit: for each leaf path matching a pattern, its
// values as an array ({"source.ip": ["10.0.0.1"]}). Empty object when none.
std::string ExtractFields(std::string_view source, const std::vector<std::string>& patterns);

}  // namespace flowdex
