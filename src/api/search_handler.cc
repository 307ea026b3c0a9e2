// _search, _count and _msearch.
#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/es_api.h"

#include "api/api_util.h"
#include "api/es_exception.h"
#include "inventory/inventory_file.h"
#include "query/dsl/dsl_parser.h"
#include "query/lang/query_string_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"
#include "store/index_resolver.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using api::Split;

ParseError BadParam(std::string reason) {
  ParseError e;
  e.kind = ParseError::Kind::kIllegalArgument;
  e.reason = std::move(reason);
  return e;
}

bool ParseUintParam(const RestRequest& req, const std::string& name, uint64_t* out, ParseError* error) {
  const std::string v = req.Param(name);
  int64_t negative = 0;
  if (!v.empty() && v[0] == '-') {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), negative);
    if (ec == std::errc() && end == v.data() + v.size() && negative < 0) {
      // Elasticsearch's own words for each (SearchSourceBuilder, RestSearchAction).
      *error = BadParam(name == "terminate_after"
                            ? std::string("terminateAfter must be > 0")
                            : fmt::format("[{}] parameter cannot be negative, found [{}]", name, negative));
      return false;
    }
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
    *error = BadParam(fmt::format("Failed to parse int parameter [{}] with value [{}]", name, v));
    return false;
  }
  *out = n;
  return true;
}

// Applies the URL parameters of _search (and _count) on top of the body's
// request, as Elasticsearch's RestSearchAction does: they win over the body.
bool ApplySearchParams(const RestRequest& req, SearchRequest* r, ParseError* error) {
  if (req.HasParam("q")) {
    QueryStringOptions o;
    if (req.HasParam("df")) o.default_field = req.Param("df");
    std::string op = req.Param("default_operator", "OR");
    for (char& c : op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (op != "AND" && op != "OR") {
      *error = BadParam("unknown default operator [" + req.Param("default_operator") + "], must be AND or OR");
      return false;
    }
    o.default_and = op == "AND";
    Query q;
    if (!ParseQueryString(req.Param("q"), o, &q, error)) return false;
    if (req.BoolParam("lenient")) MarkLenient(&q);
    r->query = std::move(q);
  }
  if (req.HasParam("version")) r->version = req.BoolParam("version");
  if (req.HasParam("seq_no_primary_term")) r->seq_no_primary_term = req.BoolParam("seq_no_primary_term");
  if (req.HasParam("size") && !ParseUintParam(req, "size", &r->size, error)) return false;
  if (req.HasParam("from") && !ParseUintParam(req, "from", &r->from, error)) return false;
  if (req.HasParam("terminate_after") && !ParseUintParam(req, "terminate_after", &r->terminate_after, error)) {
    return false;
  }
  if (req.HasParam("sort")) {
    r->sort.clear();
    for (const std::string& part : Split(req.Param("sort"), ',')) {
      SortKey k;
      const size_t colon = part.rfind(':');
      k.field = part.substr(0, colon);
      if (colon != std::string::npos) {
        const std::string dir = part.substr(colon + 1);
        if (dir != "asc" && dir != "desc") {
          *error = BadParam(fmt::format("Unknown sort order [{}], must be one of [asc, desc]", dir));
          return false;
        }
        k.descending = dir == "desc";
      } else {
        k.descending = k.field == "_score";
      }
      r->sort.push_back(std::move(k));
    }
  }
  api::ApplySourceParams(req, r);
  if (req.HasParam("track_total_hits")) {
    r->track_total_hits_given = true;
    const std::string v = req.Param("track_total_hits");
    uint64_t n = 0;
    if (v == "true" || v.empty()) {
      r->track_total_hits = -1;
    } else if (v == "false") {
      r->track_total_hits = 0;
    } else if (ParseUintParam(req, "track_total_hits", &n, error)) {
      r->track_total_hits = static_cast<int64_t>(std::min<uint64_t>(n, INT64_MAX));
    } else {
      return false;
    }
  }
  if (req.HasParam("timeout")) {
    int64_t ms = 0;
    Status s = ParseDuration(req.Param("timeout"), &ms);
    if (!s.ok()) {
      *error = BadParam(std::string(s.message()));
      return false;
    }
    r->timeout_ms = ms;
  }
  r->total_as_int = req.BoolParam("rest_total_hits_as_int");
  if (r->total_as_int) {
    // A number as the total needs an exact count (RestSearchAction's rule).
    if (!r->track_total_hits_given) {
      r->track_total_hits = -1;
    } else if (r->track_total_hits > 0) {
      *error = BadParam(
          fmt::format("[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got {}",
                      r->track_total_hits));
      return false;
    }
  }
  return CheckResultWindow(*r, error);
}

// The single-line JSON values of an NDJSON body (empty lines skipped), with
// their 1-based line numbers.
std::vector<std::pair<int, std::string_view>> NdjsonLines(std::string_view body) {
  std::vector<std::pair<int, std::string_view>> lines;
  int number = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) lines.emplace_back(number, line);
    if (nl == std::string_view::npos) break;
    body = body.substr(nl + 1);
  }
  return lines;
}

}  // namespace

void api::ApplySourceParams(const RestRequest& req, SearchRequest* r) {
  if (req.HasParam("_source")) {
    const std::string v = req.Param("_source");
    if (v == "false") {
      r->fetch_source = false;
    } else if (v != "true" && !v.empty()) {
      r->fetch_source = true;
      r->source_includes = Split(v, ',');
    }
  }
  if (req.HasParam("_source_includes")) r->source_includes = Split(req.Param("_source_includes"), ',');
  if (req.HasParam("_source_excludes")) r->source_excludes = Split(req.Param("_source_excludes"), ',');
}

RestResponse EsApi::Search(const RestRequest& request, const std::string& indices) {
  // A search of a point in time names its indices through the "pit".
  if (request.body.find("\"pit\"") != std::string::npos) {
    rapidjson::Document body;
    body.Parse(request.body.data(), request.body.size());
    if (!body.HasParseError() && body.IsObject() && body.HasMember("pit")) {
      return SearchPointInTime(request, indices, &body);
    }
  }
  return RunSearch(request, indices, request.body);
}

bool EsApi::ExecuteSearch(const RestRequest& req, const std::string& indices, const std::string& body,
                          SearchRequest* sr, SearchResponse* response, RestResponse* error,
                          std::shared_ptr<const StoreVersion> version) {
  ++metrics_->searches;
  ParseError parse_error;
  if (!ParseSearchBody(body, sr, &parse_error) || !ApplySearchParams(req, sr, &parse_error)) {
    ++metrics_->search_errors;
    *error = ErrorResponse(FromParseError(parse_error));
    return false;
  }
  if (!version) version = store_->Current();
  sr->store_version = version;
  if (!ResolveIndices(req, *version, indices, &sr->indices, error)) {
    ++metrics_->search_errors;
    return false;
  }
  if (sr->timeout_ms < 0 || sr->timeout_ms > options_.search_timeout_ms) sr->timeout_ms = options_.search_timeout_ms;
  sr->cancel = options_.cancel;
  if (options_.inventory) sr->inventory = options_.inventory->Current();
  // Searches beyond the limit are refused rather than queued without bound.
  if (searches_.fetch_add(1) >= options_.max_concurrent_searches) {
    searches_.fetch_sub(1);
    *error = ErrorResponse(
        MakeEsException("es_rejected_execution_exception",
                        fmt::format("rejected execution of search: {} searches are running (the limit is {})",
                                    options_.max_concurrent_searches, options_.max_concurrent_searches),
                        429));
    return false;
  }
  const Status s = flowdex::Search(*store_, *sr, response);
  searches_.fetch_sub(1);
  if (!s.ok()) {
    ++metrics_->search_errors;
    *error = ErrorResponse(SearchFailure(s, indices));
    return false;
  }
  return true;
}

RestResponse EsApi::RunSearch(const RestRequest& req, const std::string& indices, const std::string& body,
                              std::shared_ptr<const StoreVersion> version) {
  const auto t0 = std::chrono::steady_clock::now();
  SearchRequest sr;
  SearchResponse response;
  RestResponse r;
  if (!ExecuteSearch(req, indices, body, &sr, &response, &r, std::move(version))) return r;
  const int64_t took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  r.body = SearchResponseJson(sr, response, took);
  return r;
}

RestResponse EsApi::Count(const RestRequest& req, const std::string& indices) {
  // _count takes only a query: run it as a search for no hits, counting exactly.
  std::string body = req.body;
  if (!body.empty()) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (!d.HasParseError() && d.IsObject()) {
      for (auto& m : d.GetObject()) {
        const std::string_view key(m.name.GetString(), m.name.GetStringLength());
        if (key != "query") {
          return ErrorResponse(MakeEsException("parsing_exception", fmt::format("request does not support [{}]", key)));
        }
      }
    }
  }
  RestRequest counting = req;
  // A body's query wins over q= (RestCountAction reads q only without a body).
  if (!body.empty()) counting.params.erase("q");
  counting.params["size"] = "0";
  counting.params["track_total_hits"] = "true";
  counting.params.erase("from");
  counting.params.erase("sort");
  SearchRequest sr;
  SearchResponse response;
  RestResponse r;
  if (!ExecuteSearch(counting, indices, body, &sr, &response, &r)) return r;
  const uint64_t shards = response.segments_searched + response.segments_skipped;
  r.body = fmt::format(R"({{"count":{},"_shards":{{"total":{},"successful":{},"skipped":{},"failed":0}}}})",
                       response.total, shards, shards, response.segments_skipped);
  return r;
}

RestResponse EsApi::MultiSearch(const RestRequest& req, const std::string& path_indices) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto lines = NdjsonLines(req.body);
  std::string out = "{\"took\":0,\"responses\":[";
  bool first = true;
  for (size_t i = 0; i < lines.size(); i += 2) {
    RestRequest item;
    item.params = req.params;  // filter_path and pretty apply to the whole response
    item.params.erase("filter_path");
    item.params.erase("pretty");
    std::string indices = path_indices.empty() ? "_all" : path_indices;
    rapidjson::Document header;
    header.Parse(lines[i].second.data(), lines[i].second.size());
    if (header.HasParseError() || !header.IsObject()) {
      return ErrorResponse(
          MakeEsException("illegal_argument_exception",
                          fmt::format("Malformed action/metadata line [{}], expected START_OBJECT", lines[i].first)));
    }
    if (i + 1 >= lines.size()) {
      return ErrorResponse(
          MakeEsException("illegal_argument_exception", "The msearch request must be terminated by a newline [\\n]"));
    }
    for (auto& m : header.GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      if (key == "index") {
        if (m.value.IsString()) {
          indices.assign(m.value.GetString(), m.value.GetStringLength());
        } else if (m.value.IsArray()) {
          indices.clear();
          for (const auto& v : m.value.GetArray()) {
            if (v.IsString()) indices += (indices.empty() ? "" : ",") + std::string(v.GetString(), v.GetStringLength());
          }
        }
      } else if (m.value.IsString()) {
        item.params[key] = std::string(m.value.GetString(), m.value.GetStringLength());
      } else if (m.value.IsBool()) {
        item.params[key] = m.value.GetBool() ? "true" : "false";
      } else if (m.value.IsInt64()) {
        item.params[key] = std::to_string(m.value.GetInt64());
      }
    }
    RestResponse r = RunSearch(item, indices, std::string(lines[i + 1].second));
    // Each response carries its status (an error body already has it).
    if (r.status == 200 && !r.body.empty() && r.body.back() == '}') {
      r.body.pop_back();
      r.body += ",\"status\":200}";
    }
    out += (first ? "" : ",") + r.body;
    first = false;
  }
  out += "]}";
  const int64_t took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  out.replace(0, std::string_view("{\"took\":0").size(), fmt::format("{{\"took\":{}", took));
  RestResponse r;
  r.body = std::move(out);
  return r;
}

}  // namespace flowdex
