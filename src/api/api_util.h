// Small helpers shared by the endpoint files of src/api (not a public header).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/rest.h"

namespace flowdex {
struct SearchRequest;
class Store;
}  // namespace flowdex

namespace flowdex::api {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// A JSON response.
inline RestResponse Json(int status, std::string body) {
  RestResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}
inline RestResponse Json(const rapidjson::StringBuffer& buf) {
  return Json(200, std::string(buf.GetString(), buf.GetSize()));
}

// A JSON value as compact text.
inline std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Split("a,b,,c", ',') -> {"a", "b", "c"}: empty parts are dropped.
inline std::vector<std::string> Split(std::string_view s, char separator) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t at = s.find(separator);
    if (at != 0) out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s = s.substr(at + 1);
  }
  return out;
}

// Applies _source, _source_includes and _source_excludes from the URL (the
// _search and get APIs take them alike).
void ApplySourceParams(const RestRequest& req, SearchRequest* r);

// A random id in Elasticsearch's style (22 characters of base64url).
std::string RandomUuid();

// An index's uuid and creation time, as kept by Store::CreateIndex; an
// index without them (made by a first write, or by an older flowdex) gets a
// uuid derived from its name and creation_ms 0.
struct IndexIdentity {
  std::string uuid;
  int64_t creation_ms = 0;
};
IndexIdentity IndexIdentityOf(const Store& store, const std::string& index);

}  // namespace flowdex::api
