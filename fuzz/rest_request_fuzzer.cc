// libFuzzer target: arbitrary bytes as a REST request to the
// Elasticsearch-compatible API (EsApi, without sockets). The first line is
// "METHOD /path?query", the rest the body. Every endpoint runs against a
// small store (writes included): nothing may crash or hang, every answer has
// a status, and a JSON answer is valid JSON with Elasticsearch's error shape
// when it is an error.
#include <string_view>

#include <rapidjson/document.h>

#include "api/es_api.h"
#include "fuzz_store.h"

namespace {

flowdex::testing::FuzzStore g_fuzz_store("flowdex_rest_fuzz_");

// Decodes %XX (invalid escapes are kept as they are).
std::string Decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static flowdex::Metrics metrics;
  static flowdex::EsApi api(
      g_fuzz_store.Get(),
      [] {
        flowdex::EsApiOptions o;
        o.search_timeout_ms = 2000;  // a slow request is not a hang
        return o;
      }(),
      &metrics);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  flowdex::RestRequest r;
  r.body = nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1));
  const size_t space = line.find(' ');
  r.method = std::string(line.substr(0, space));
  std::string_view target = space == std::string_view::npos ? "/" : line.substr(space + 1);
  const size_t q = target.find('?');
  r.path = Decode(target.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view kv = query.substr(0, amp);
      const size_t eq = kv.find('=');
      r.params[Decode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : Decode(kv.substr(eq + 1));
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  const flowdex::RestResponse out = api.Handle(r);
  if (out.status < 200 || out.status > 599) __builtin_trap();
  if (out.content_type == "application/json" && !out.body.empty() && r.params.count("filter_path") == 0) {
    rapidjson::Document d;
    d.Parse(out.body.data(), out.body.size());
    if (d.HasParseError()) __builtin_trap();
    // Errors have Elasticsearch's shape; a 404 may also be a lookup that
    // found nothing ({"found":false} for a document, {} for a template).
    const bool not_found_shape = out.status == 404 && d.IsObject() && (d.HasMember("found") || d.ObjectEmpty());
    if (out.status >= 400 && !not_found_shape && (!d.IsObject() || !d.HasMember("error"))) __builtin_trap();
  }
  return 0;
}
