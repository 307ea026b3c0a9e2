#include "query/response_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteSortValue(Writer& w, const SortValue& v) {
  switch (v.kind) {
    case SortValue::Kind::kMissing: w.Null(); break;
    case SortValue::Kind::kInteger:
      if (v.unsigned_integer > static_cast<uint64_t>(INT64_MAX)) {
        w.Uint64(v.unsigned_integer);
      } else {
        w.Int64(v.integer);
      }
      break;
    case SortValue::Kind::kDouble: w.Double(v.number); break;
    case SortValue::Kind::kString: Str(w, v.text); break;
  }
}

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
  w.Bool(false);
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
  if (request.track_total_hits != 0) {
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
    w.StartObject();
    w.Key("_index");
    Str(w, h.index);
    w.Key("_id");
    Str(w, h.id);
    w.Key("_score");
    if (sorted) {
      w.Null();
    } else {
      w.Double(1.0);
    }
    if (request.fetch_source) {
      w.Key("_source");
      w.RawValue(h.source.data(), h.source.size(), rapidjson::kObjectType);
    }
    if (sorted) {
      w.Key("sort");
      w.StartArray();
      for (const SortValue& v : h.sort) WriteSortValue(w, v);
      w.EndArray();
    }
    w.EndObject();
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
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("root_cause");
  w.StartArray();
  w.StartObject();
  WriteErrorFields(w, error);
  w.EndObject();
  w.EndArray();
  WriteErrorFields(w, error);
  w.EndObject();
  w.Key("status");
  w.Int(error.status);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
