#include "api/backend_proxy.h"

#include <fmt/format.h>

#include "api/es_exception.h"
#include "aws/aws_client.h"
#include "aws/sigv4.h"

namespace flowdex {

BackendProxy::BackendProxy(BackendOptions options) : options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  authorization_ = ElasticsearchAuthorization(options_.basic_auth, options_.api_key);
}

RestResponse BackendProxy::Forward(const RestRequest& request) const {
  HttpRequest req;
  req.method = request.method;
  req.url = options_.url + UriEncode(request.path, true);
  char sep = '?';
  for (const auto& [k, v] : request.params) {
    req.url += sep;
    req.url += UriEncode(k, false);
    if (!v.empty()) {
      req.url += '=';
      req.url += UriEncode(v, false);
    }
    sep = '&';
  }
  req.body = request.body;
  req.timeout_ms = options_.timeout_ms;
  req.ca_file = options_.ca_file;
  req.insecure = options_.insecure;
  req.max_response_bytes = 512u << 20;
  for (const char* h : {"content-type", "accept"}) {
    const std::string v = request.Header(h);
    if (!v.empty()) req.headers.emplace_back(h, v);
  }
  if (!authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
  HttpResponse resp;
  Status s = ThreadHttpClient().Send(req, &resp);
  if (!s.ok()) {
    EsException e;
    e.status = 502;
    e.type = "backend_unavailable_exception";
    e.reason = fmt::format("the backend {} could not be reached: {}", options_.url, s.message());
    return ErrorResponse(e);
  }
  RestResponse out;
  out.status = static_cast<int>(resp.status);
  std::string_view type = resp.Header("content-type");
  out.content_type = type.empty() ? "application/json" : std::string(type);
  out.body = std::move(resp.body);
  for (const char* h : {"warning", "www-authenticate"}) {
    std::string_view v = resp.Header(h);
    if (!v.empty()) out.headers.emplace_back(h, std::string(v));
  }
  return out;
}

}  // namespace flowdex
