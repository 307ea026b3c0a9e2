#include "query/source_filter.h"

#include <map>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/glob.h"

namespace flowdex {

namespace {

using Value = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

bool AnyMatches(const std::vector<std::string>& patterns, const std::string& path) {
  for (const std::string& p : patterns) {
    if (GlobMatch(p, path)) return true;
  }
  return false;
}

// Whether some pattern could match a path below `prefix` (so the object
// must be descended into).
bool AnyBelow(const std::vector<std::string>& patterns, const std::string& prefix) {
  for (const std::string& p : patterns) {
    const size_t star = p.find('*');
    const std::string_view fixed = std::string_view(p).substr(0, star);
    const std::string with_dot = prefix + ".";
    if (star != std::string::npos) {
      if (fixed.substr(0, std::min(fixed.size(), with_dot.size())) ==
          std::string_view(with_dot).substr(0, std::min(fixed.size(), with_dot.size())))
        return true;
    } else if (p.size() > with_dot.size() && p.compare(0, with_dot.size(), with_dot) == 0) {
      return true;
    }
  }
  return false;
}

// Copies the members of `in` that the filters keep into `out`.
void Filter(const Value& in, const std::string& prefix, const std::vector<std::string>& includes,
            const std::vector<std::string>& excludes, Value* out, Allocator& alloc) {
  out->SetObject();
  for (const auto& m : in.GetObject()) {
    const std::string path = prefix.empty() ? m.name.GetString() : prefix + "." + m.name.GetString();
    if (AnyMatches(excludes, path)) continue;
    const bool included = includes.empty() || AnyMatches(includes, path);
    if (m.value.IsObject() && (!included || AnyBelow(excludes, path))) {
      if (!included && !AnyBelow(includes, path)) continue;
      Value child;
      Filter(m.value, path, included ? std::vector<std::string>{} : includes, excludes, &child, alloc);
      if (child.MemberCount() > 0) out->AddMember(Value(m.name, alloc), child, alloc);
    } else if (included) {
      out->AddMember(Value(m.name, alloc), Value(m.value, alloc), alloc);
    }
  }
}

void Leaves(const Value& v, const std::string& path, std::map<std::string, std::vector<const Value*>>* out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      Leaves(m.value, path.empty() ? m.name.GetString() : path + "." + m.name.GetString(), out);
    }
  } else if (v.IsArray()) {
    for (const Value& e : v.GetArray()) Leaves(e, path, out);
  } else if (!v.IsNull()) {
    (*out)[path].push_back(&v);
  }
}

}  // namespace

std::string FilterSource(std::string_view source, const std::vector<std::string>& includes,
                         const std::vector<std::string>& excludes) {
  if (includes.empty() && excludes.empty()) return std::string(source);
  rapidjson::Document doc;
  doc.Parse(source.data(), source.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(source);
  Value out;
  Filter(doc, "", includes, excludes, &out, doc.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  out.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ExtractFields(std::string_view source, const std::vector<std::string>& patterns) {
  rapidjson::Document doc;
  doc.Parse(source.data(), source.size());
  if (doc.HasParseError() || !doc.IsObject()) return "{}";
  std::map<std::string, std::vector<const Value*>> leaves;
  Leaves(doc, "", &leaves);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [path, values] : leaves) {
    if (!AnyMatches(patterns, path)) continue;
    w.Key(path.data(), static_cast<rapidjson::SizeType>(path.size()));
    w.StartArray();
    for (const Value* v : values) v->Accept(w);
    w.EndArray();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
