// BackendProxy: flowdex serve --backend URL. The UI is served locally and
// every API request is forwarded to an Elasticsearch/OpenSearch cluster, with
// the cluster's credentials added here (so the browser never holds them).
#pragma once

#include <string>

#include "api/rest.h"

namespace flowdex {

struct BackendOptions {
  std::string url;         // http(s)://host:9200[/prefix]
  std::string basic_auth;  // user:password
  std::string api_key;     // encoded API key
  std::string ca_file;
  bool insecure = false;
  int64_t timeout_ms = 120'000;
};

class BackendProxy {
 public:
  explicit BackendProxy(BackendOptions options);

  // Forwards `request` (method, path, query, body, content type) and returns
  // the cluster's answer; a cluster that cannot be reached is a 502 in
  // Elasticsearch's error shape.
  RestResponse Forward(const RestRequest& request) const;

 private:
  BackendOptions options_;
  std::string authorization_;
};

}  // namespace flowdex
