// RestRequest and RestResponse: an HTTP exchange as the Elasticsearch API
// sees it, independent of the HTTP server (so handlers can be tested and
// fuzzed without sockets).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace flowdex {

struct RestRequest {
  std::string method;  // GET, HEAD, POST, PUT, DELETE
  std::string path;    // decoded, without the query string: "/logs/_search"
  // The path's segments, each decoded on its own, when the server had the
  // raw path: an id with an escaped slash ("a%2Fb") stays one segment. Empty:
  // the segments of `path`.
  std::vector<std::string> path_parts;
  std::map<std::string, std::string> params;   // query-string parameters, decoded
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;                            // already decompressed

  // The parameter's value, or `fallback` when absent.
  std::string Param(const std::string& name, const std::string& fallback = "") const {
    auto it = params.find(name);
    return it == params.end() ? fallback : it->second;
  }
  bool HasParam(const std::string& name) const { return params.count(name) != 0; }
  // A boolean parameter as Elasticsearch reads them: "" and "true" are true.
  bool BoolParam(const std::string& name, bool fallback = false) const {
    auto it = params.find(name);
    if (it == params.end()) return fallback;
    return it->second.empty() || it->second == "true";
  }
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct RestResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

}  // namespace flowdex
