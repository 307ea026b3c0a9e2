#include "api/json_output.h"

#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/glob.h"

namespace flowdex {

namespace {

using Pattern = std::vector<std::string>;  // path segments; "**" spans any depth
using Patterns = std::vector<Pattern>;

// The patterns' remainders once `key` is consumed; *whole is set when one of
// them ends there (the member is selected with everything under it).
Patterns Advance(const Patterns& patterns, std::string_view key, bool* whole) {
  Patterns next;
  *whole = false;
  for (const Pattern& p : patterns) {
    for (size_t start = 0; start < p.size();) {
      if (p[start] == "**") {
        next.emplace_back(p.begin() + start, p.end());  // "**" goes on below this member
        if (start + 1 == p.size()) {
          *whole = true;
          break;
        }
        ++start;  // ...or matches nothing here: try the next segment on this key
        continue;
      }
      if (GlobMatch(p[start], key)) {
        if (start + 1 == p.size())
          *whole = true;
        else
          next.emplace_back(p.begin() + start + 1, p.end());
      }
      break;
    }
  }
  return next;
}

// Keeps what `patterns` select in `v`; returns false when nothing is left.
bool Keep(rapidjson::Value& v, const Patterns& patterns, rapidjson::Document::AllocatorType& a) {
  if (v.IsArray()) {
    rapidjson::Value out(rapidjson::kArrayType);
    for (auto& e : v.GetArray()) {
      if (Keep(e, patterns, a)) out.PushBack(e, a);
    }
    v = out;
    return !v.Empty();
  }
  if (!v.IsObject()) return false;
  rapidjson::Value out(rapidjson::kObjectType);
  for (auto& m : v.GetObject()) {
    bool whole = false;
    const Patterns next = Advance(patterns, std::string_view(m.name.GetString(), m.name.GetStringLength()), &whole);
    if (whole || (!next.empty() && Keep(m.value, next, a))) out.AddMember(m.name, m.value, a);
  }
  v = out;
  return v.MemberCount() > 0;
}

// Drops what `patterns` select from `v`.
void Drop(rapidjson::Value& v, const Patterns& patterns, rapidjson::Document::AllocatorType& a) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) Drop(e, patterns, a);
    return;
  }
  if (!v.IsObject()) return;
  rapidjson::Value out(rapidjson::kObjectType);
  for (auto& m : v.GetObject()) {
    bool whole = false;
    const Patterns next = Advance(patterns, std::string_view(m.name.GetString(), m.name.GetStringLength()), &whole);
    if (whole) continue;
    if (!next.empty()) Drop(m.value, next, a);
    out.AddMember(m.name, m.value, a);
  }
  v = out;
}

Pattern Split(std::string_view path) {
  Pattern p;
  while (true) {
    const size_t dot = path.find('.');
    p.emplace_back(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path = path.substr(dot + 1);
  }
  return p;
}

}  // namespace

std::string ApplyFilterPath(std::string_view json, std::string_view filter_path) {
  Patterns include, exclude;
  while (!filter_path.empty()) {
    const size_t comma = filter_path.find(',');
    std::string_view p = filter_path.substr(0, comma);
    filter_path = comma == std::string_view::npos ? std::string_view() : filter_path.substr(comma + 1);
    if (p.empty()) continue;
    if (p[0] == '-')
      exclude.push_back(Split(p.substr(1)));
    else
      include.push_back(Split(p));
  }
  if (include.empty() && exclude.empty()) return std::string(json);
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError()) return std::string(json);
  if (!include.empty() && !Keep(d, include, d.GetAllocator())) d.SetObject();
  if (!exclude.empty()) Drop(d, exclude, d.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string PrettyJson(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError()) return std::string(json);
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  d.Accept(w);
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace flowdex
