// Reading members of parsed JSON (RapidJSON values) leniently: what is
// missing or of another type reads as empty.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace flowdex {

// The string member `name` of an object, or "" (not an object, no such
// member, or not a string).
inline std::string JsonStringMember(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace flowdex
