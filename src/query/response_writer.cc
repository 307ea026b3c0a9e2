#include "query/response_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "query/hit_json.h"

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

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
                 request.fields.empty() ? nullptr : &h.fields, sorted ? &h.sort : nullptr,
                 HitVersionMembers{request.version, request.seq_no_primary_term});
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

}  // namespace flowdex
