#include "store/index_resolver.h"

#include <algorithm>
#include <set>

#include "util/glob.h"

namespace flowdex {

std::vector<std::string> SplitIndexList(std::string_view list) {
  std::vector<std::string> parts;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view part = list.substr(0, comma);
    if (!part.empty()) parts.emplace_back(part);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  if (parts.empty()) parts.emplace_back("_all");
  return parts;
}

Status ResolveIndexExpression(const StoreVersion& version, const std::vector<std::string>& parts,
                              const IndexResolveOptions& options, std::vector<std::string>* out, std::string* missing) {
  std::set<std::string> selected;
  auto add_alias = [&](const std::vector<std::string>& indices) {
    for (const std::string& i : indices) {
      if (std::binary_search(version.indices.begin(), version.indices.end(), i)) selected.insert(i);
    }
  };
  for (size_t p = 0; p < parts.size(); ++p) {
    const std::string& part = parts[p];
    // "-x" excludes what came before it, unless it is the first part (then it
    // is a name that starts with a dash, which index names cannot).
    const bool exclude = part.size() > 1 && part[0] == '-' && p > 0;
    const std::string_view pattern = exclude ? std::string_view(part).substr(1) : std::string_view(part);
    if (pattern == "_all" || pattern == "*") {
      if (!exclude)
        selected.insert(version.indices.begin(), version.indices.end());
      else
        selected.clear();
      continue;
    }
    if (pattern.find('*') == std::string_view::npos) {
      const bool is_index = std::binary_search(version.indices.begin(), version.indices.end(), pattern);
      auto alias = version.aliases.find(std::string(pattern));
      if (exclude) {
        selected.erase(std::string(pattern));
        if (alias != version.aliases.end()) {
          for (const std::string& i : alias->second) selected.erase(i);
        }
      } else if (is_index) {
        selected.insert(std::string(pattern));
      } else if (alias != version.aliases.end()) {
        add_alias(alias->second);
      } else if (!options.ignore_unavailable) {
        if (missing) *missing = std::string(pattern);
        return Status::NotFound("no such index [" + std::string(pattern) + "]");
      }
      continue;
    }
    for (const std::string& i : version.indices) {
      if (!GlobMatch(pattern, i)) continue;
      if (exclude)
        selected.erase(i);
      else
        selected.insert(i);
    }
    for (const auto& [alias, indices] : version.aliases) {
      if (!GlobMatch(pattern, alias)) continue;
      for (const std::string& i : indices) {
        if (exclude)
          selected.erase(i);
        else if (std::binary_search(version.indices.begin(), version.indices.end(), i))
          selected.insert(i);
      }
    }
  }
  if (selected.empty() && !options.allow_no_indices) {
    std::string all;
    for (const std::string& p : parts) all += (all.empty() ? "" : ",") + p;
    if (missing) *missing = all;
    return Status::NotFound("no such index [" + all + "]");
  }
  out->assign(selected.begin(), selected.end());
  return Status::OK();
}

}  // namespace flowdex
