#include "query/response_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "query/hit_json.h"

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

// The fields of an error object (type, reason, and line/col when known).
void WriteErrorFields(Writer& w, const SearchError& e) {
  w.Key("type");
  Str(w, e.type);
  w.Key("reason");
  Str(w, e.reason);
  if (e.line > 0) {
    w.Key("line");
    w.Int(e.line);
    w.Key("col");
    w.Int(e.col);
  }
}

}  // namespace

std::string SearchResponseJson(const SearchRequest& request, const SearchResponse& response, int64_t took_ms) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  const bool sorted = !request.sort.empty() && !(request.sort.size() == 1 && request.sort[0].field == "_score");
  w.StartObject();
  w.Key("took");
  w.Int64(took_ms);
  w.Key("timed_out");
  w.Bool(response.timed_out);
  if (request.terminate_after > 0) {
    w.Key("terminated_early");
    w.Bool(response.terminated_early);
  }
  w.Key("_shards");
  w.StartObject();
  const uint64_t shards = response.segments_searched + response.segments_skipped;
  w.Key("total");
  w.Uint64(shards);
  w.Key("successful");
  w.Uint64(shards);
  w.Key("skipped");
  w.Uint64(response.segments_skipped);
  w.Key("failed");
  w.Uint64(0);
  w.EndObject();
  w.Key("hits");
  w.StartObject();
  if (request.track_total_hits != 0 && request.total_as_int) {
    w.Key("total");
    w.Uint64(response.total);
  } else if (request.track_total_hits != 0) {
    w.Key("total");
    w.StartObject();
    w.Key("value");
    w.Uint64(response.total);
    w.Key("relation");
    w.String(response.total_is_exact ? "eq" : "gte");
    w.EndObject();
  }
  w.Key("max_score");
  if (response.hits.empty() || sorted) {
    w.Null();
  } else {
    w.Double(1.0);
  }
  w.Key("hits");
  w.StartArray();
  for (const SearchHit& h : response.hits) {
    WriteHitJson(w, h.index, h.id, sorted, request.fetch_source ? &h.source : nullptr,
                 request.fields.empty() ? nullptr : &h.fields, sorted ? &h.sort : nullptr);
  }
  w.EndArray();
  w.EndObject();
  if (!request.aggs.empty()) {
    w.Key("aggregations");
    w.StartObject();
    std::string json;
    for (size_t i = 0; i < request.aggs.size(); ++i) {
      w.Key(request.aggs[i].name.c_str());
      WriteAggregationJson(request.aggs[i], response.aggs[i], &json);
      w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string SearchErrorJson(const SearchError& error) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  SearchError cause = error;
  const bool phase = !error.cause_type.empty();
  if (phase) {
    cause.type = error.cause_type;
    cause.reason = error.cause_reason;
    cause.line = cause.col = 0;
  }
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("root_cause");
  w.StartArray();
  w.StartObject();
  WriteErrorFields(w, cause);
  w.EndObject();
  w.EndArray();
  WriteErrorFields(w, error);
  if (phase) {
    // A failure while the query ran: Elasticsearch reports it per shard.
    w.Key("phase");
    w.String("query");
    w.Key("grouped");
    w.Bool(true);
    w.Key("failed_shards");
    w.StartArray();
    w.StartObject();
    w.Key("shard");
    w.Int(0);
    w.Key("index");
    Str(w, error.index);
    w.Key("reason");
    w.StartObject();
    WriteErrorFields(w, cause);
    w.EndObject();
    w.EndObject();
    w.EndArray();
    w.Key("caused_by");
    w.StartObject();
    WriteErrorFields(w, cause);
    w.EndObject();
  }
  w.EndObject();
  w.Key("status");
  w.Int(error.status);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

bool SplitExceptionType(std::string_view message, std::string* type, std::string* reason) {
  const size_t colon = message.find(": ");
  const std::string_view head = message.substr(0, colon == std::string_view::npos ? 0 : colon);
  if (head.size() <= 10 || head.substr(head.size() - 10) != "_exception" ||
      head.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string_view::npos) {
    return false;
  }
  *type = std::string(head);
  *reason = std::string(message.substr(colon + 2));
  return true;
}

SearchError SearchErrorFromStatus(const Status& status, std::string_view index) {
  SearchError e;
  e.index = std::string(index);
  std::string_view message = status.message();
  if (status.IsCancelled()) {
    e.status = 400;
    e.type = "task_cancelled_exception";
    e.reason = std::string(message);
    return e;
  }
  if (!status.IsInvalidArgument()) {
    e.status = 500;
    e.type = "exception";
    e.reason = std::string(message);
    return e;
  }
  e.status = 400;
  e.type = "search_phase_execution_exception";
  e.reason = "all shards failed";
  // "<type>_exception: reason" names its own type; otherwise the kind of
  // message tells it.
  if (!SplitExceptionType(message, &e.cause_type, &e.cause_reason)) {
    e.cause_type = message.substr(0, 22) == "failed to create query" ? "query_shard_exception"
                   : message.substr(0, 24) == "failed to parse date fie" ? "parse_exception"
                                                                          : "illegal_argument_exception";
    e.cause_reason = std::string(message);
  }
  if (e.cause_type == "circuit_breaking_exception") e.status = 429;
  return e;
}

}  // namespace flowdex
