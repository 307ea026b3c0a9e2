// Index management and discovery: create, delete and get indices, _mapping,
// _field_caps, _cat/indices and aliases.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/es_api.h"

#include "api/api_util.h"
#include "api/es_exception.h"
#include "query/dsl/dsl_parser.h"
#include "query/hit_fetcher.h"
#include "query/searcher.h"
#include "schema/flow_schema.h"
#include "store/index_resolver.h"
#include "store/mapping.h"
#include "store/segment_reader.h"
#include "util/glob.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using Writer = api::JsonWriter;
using api::IndexIdentity;
using api::IndexIdentityOf;
using api::Json;
using api::RandomUuid;
using api::Split;

RestResponse Acknowledged() { return Json(200, "{\"acknowledged\":true}"); }

EsException BadRequest(std::string type, std::string reason) {
  EsException e;
  e.type = std::move(type);
  e.reason = std::move(reason);
  return e;
}

// Whether `index` holds flow records (its segments were written by flow
// ingest), so that its mapping includes the flow fields.
bool IsFlowIndex(const Store& store, const StoreVersion& version, const std::string& index) {
  if (index == kFlowIndex) return true;
  for (const SegmentRef& r : version.segments) {
    if (r.index != index) continue;
    std::shared_ptr<SegmentReader> seg;
    if (store.OpenSegment(r, &seg).ok() && IsFlowSegment(*seg)) return true;
  }
  return false;
}

}  // namespace

// The index's mapping: its committed one, plus the flow fields for flow indices.
static IndexMapping EffectiveMapping(const Store& store, const StoreVersion& version, const std::string& index) {
  IndexMapping mapping;
  MappingError error;
  const std::string json = store.Mapping(index);
  if (!json.empty()) IndexMapping::FromJson(json, &mapping, &error);
  if (IsFlowIndex(store, version, index)) {
    for (const FlowSchemaField& field : FlowSchemaFields()) {
      const std::string name(field.name);
      if (mapping.Find(name)) continue;
      FieldMapping f;
      f.type = field.type;
      mapping.Add(name, f, &error);
    }
  }
  return mapping;
}

RestResponse EsApi::CreateIndex(const RestRequest& req, const std::string& index) {
  std::string mapping_json;
  std::vector<std::string> aliases;
  if (!req.body.empty()) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) {
      return ErrorResponse(BadRequest("x_content_parse_exception", "[1:1] failed to parse the index's settings"));
    }
    for (auto& m : d.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == "mappings" && m.value.IsObject()) {
        rapidjson::StringBuffer buf;
        Writer w(buf);
        m.value.Accept(w);
        IndexMapping mapping;
        MappingError error;
        if (!IndexMapping::FromJson(std::string_view(buf.GetString(), buf.GetSize()), &mapping, &error)) {
          return ErrorResponse(BadRequest(error.type.empty() ? "mapper_parsing_exception" : error.type, error.reason));
        }
        mapping_json = mapping.ToJson();
      } else if (key == "aliases" && m.value.IsObject()) {
        for (auto& a : m.value.GetObject()) aliases.emplace_back(a.name.GetString(), a.name.GetStringLength());
      } else if (key != "settings") {
        return ErrorResponse(BadRequest("parse_exception", fmt::format("unknown key [{}] for create index", key)));
      }
      // settings (shards, replicas, refresh_interval, ...) do not apply to one embedded store.
    }
  }
  if (mapping_json.empty()) mapping_json = TemplateMapping(index);
  const std::string settings = fmt::format(R"({{"uuid":"{}","creation_date":{}}})", RandomUuid(), CurrentTimeMillis());
  Status s = store_->CreateIndex(index, mapping_json, settings);
  if (!s.ok()) {
    EsException e = FromStatus(s);
    e.extra = {{"index_uuid", "_na_"}, {"index", index}};
    if (s.code() == Status::Code::kAlreadyExists) {
      // Elasticsearch names the index as [name/uuid] here.
      const std::string uuid = IndexIdentityOf(*store_, index).uuid;
      e.reason = fmt::format("index [{}/{}] already exists", index, uuid);
      e.extra = {{"index_uuid", uuid}, {"index", index}};
    }
    return ErrorResponse(e);
  }
  if (!aliases.empty()) {
    std::vector<AliasAction> actions;
    for (const std::string& a : aliases) actions.push_back(AliasAction{true, a, index});
    s = store_->UpdateAliases(actions);
    if (!s.ok()) return ErrorResponse(FromStatus(s));
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("acknowledged");
  w.Bool(true);
  w.Key("shards_acknowledged");
  w.Bool(true);
  w.Key("index");
  WriteJsonString(w, index);
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::DeleteIndex(const RestRequest& req, const std::string& indices) {
  const auto version = store_->Current();
  std::vector<std::string> names = Split(indices, ',');
  for (const std::string& name : names) {
    // As action.destructive_requires_name (true by default in 8.x).
    if (name == "_all" || name.find('*') != std::string::npos) {
      return ErrorResponse(
          BadRequest("illegal_argument_exception", "Wildcard expressions or all indices are not allowed"));
    }
    if (version->aliases.count(name)) {
      return ErrorResponse(BadRequest("illegal_argument_exception",
                                      fmt::format("The provided expression [{}] matches an alias, specify the "
                                                  "corresponding concrete indices instead.",
                                                  name)));
    }
    if (!std::binary_search(version->indices.begin(), version->indices.end(), name) &&
        !req.BoolParam("ignore_unavailable")) {
      return ErrorResponse(IndexNotFound(name));
    }
  }
  for (const std::string& name : names) {
    Status s = store_->DeleteIndex(name);
    if (!s.ok() && !s.IsNotFound()) return ErrorResponse(FromStatus(s));
  }
  return Acknowledged();
}

RestResponse EsApi::GetIndex(const RestRequest& req, const std::string& indices) {
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *version, indices, &resolved, &error)) return req.method == "HEAD" ? Json(404, "") : error;
  if (req.method == "HEAD") return Json(resolved.empty() ? 404 : 200, "");
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  for (const std::string& index : resolved) {
    WriteJsonString(w, index);
    w.StartObject();
    w.Key("aliases");
    w.StartObject();
    for (const auto& [alias, targets] : version->aliases) {
      if (std::find(targets.begin(), targets.end(), index) == targets.end()) continue;
      WriteJsonString(w, alias);
      w.StartObject();
      w.EndObject();
    }
    w.EndObject();
    w.Key("mappings");
    const std::string mapping = EffectiveMapping(*store_, *version, index).ToJson();
    w.RawValue(mapping.data(), mapping.size(), rapidjson::kObjectType);
    w.Key("settings");
    w.StartObject();
    w.Key("index");
    w.StartObject();
    w.Key("number_of_shards");
    w.String("1");
    w.Key("number_of_replicas");
    w.String("0");
    w.Key("provided_name");
    WriteJsonString(w, index);
    const IndexIdentity identity = IndexIdentityOf(*store_, index);
    if (identity.creation_ms > 0) {
      w.Key("creation_date");
      WriteJsonString(w, std::to_string(identity.creation_ms));
    }
    w.Key("uuid");
    WriteJsonString(w, identity.uuid);
    w.Key("max_result_window");
    w.String("10000");
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::GetMapping(const RestRequest& req, const std::string& indices) {
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *version, indices, &resolved, &error)) return error;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  for (const std::string& index : resolved) {
    WriteJsonString(w, index);
    w.StartObject();
    w.Key("mappings");
    const std::string mapping = EffectiveMapping(*store_, *version, index).ToJson();
    w.RawValue(mapping.data(), mapping.size(), rapidjson::kObjectType);
    w.EndObject();
  }
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::PutMapping(const RestRequest& req, const std::string& indices) {
  IndexMapping update;
  MappingError error;
  if (!IndexMapping::FromJson(req.body, &update, &error)) {
    return ErrorResponse(BadRequest(error.type.empty() ? "mapper_parsing_exception" : error.type, error.reason));
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse not_found;
  if (!ResolveIndices(req, *version, indices, &resolved, &not_found)) return not_found;
  CommitBatch batch;
  for (const std::string& index : resolved) {
    IndexMapping mapping;
    const std::string json = store_->Mapping(index);
    if (!json.empty() && !IndexMapping::FromJson(json, &mapping, &error)) {
      return ErrorResponse(BadRequest("mapper_parsing_exception", error.reason));
    }
    if (!mapping.Merge(update, &error)) {
      return ErrorResponse(BadRequest(error.type.empty() ? "illegal_argument_exception" : error.type, error.reason));
    }
    batch.mappings[index] = mapping.ToJson();
  }
  const Status s = store_->Commit(batch);
  if (!s.ok()) return ErrorResponse(FromStatus(s));
  return Acknowledged();
}

RestResponse EsApi::FieldCaps(const RestRequest& req, const std::string& indices) {
  std::vector<std::string> patterns = Split(req.Param("fields"), ',');
  std::string index_filter;  // a _search body holding the index_filter as its query
  if (!req.body.empty()) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) {
      return ErrorResponse(BadRequest("x_content_parse_exception", "[1:1] failed to parse the field_caps body"));
    }
    if (d.HasMember("fields") && d["fields"].IsArray()) {
      for (const auto& f : d["fields"].GetArray()) {
        if (f.IsString()) patterns.emplace_back(f.GetString(), f.GetStringLength());
      }
    } else if (d.HasMember("fields") && d["fields"].IsString()) {
      for (std::string& f : Split(d["fields"].GetString(), ',')) patterns.push_back(std::move(f));
    }
    if (d.HasMember("index_filter")) {
      rapidjson::StringBuffer filter;
      rapidjson::Writer<rapidjson::StringBuffer> fw(filter);
      d["index_filter"].Accept(fw);
      index_filter = std::string(R"({"query":)") + filter.GetString() + "}";
    }
  }
  // include_empty_fields=false: only fields with a value (Elasticsearch 8.13).
  bool include_empty = true;
  if (req.HasParam("include_empty_fields")) {
    const std::string v = req.Param("include_empty_fields");
    if (v != "true" && v != "false" && !v.empty()) {
      return ErrorResponse(
          BadRequest("illegal_argument_exception",
                     fmt::format("Failed to parse value [{}] as only [true] or [false] are allowed.", v)));
    }
    include_empty = v != "false";
  }
  if (patterns.empty()) {
    return ErrorResponse(BadRequest("illegal_argument_exception", "specified fields can't be null or empty"));
  }
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *version, indices, &resolved, &error)) return error;
  // With an index_filter, indices none of whose segments its times reach
  // drop out (a shard's can-match); without include_empty_fields, fields
  // without a value in the segments left do.
  std::map<std::string, std::set<std::string>> with_values;
  const bool filtering = !index_filter.empty() || !include_empty;
  if (filtering) {
    SearchRequest sr;
    ParseError parse_error;
    if (!ParseSearchBody(index_filter, &sr, &parse_error)) return ErrorResponse(FromParseError(parse_error));
    sr.indices = resolved;
    if (Status s = FieldsWithValues(*store_, sr, &with_values); !s.ok()) return ErrorResponse(FromStatus(s));
    if (!index_filter.empty()) {
      resolved.erase(std::remove_if(resolved.begin(), resolved.end(),
                                    [&](const std::string& i) { return with_values.count(i) == 0; }),
                     resolved.end());
    }
  }
  auto wanted = [&](std::string_view name) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return GlobMatch(p, name); });
  };
  // field -> type -> indices having it with that type
  std::map<std::string, std::map<std::string, std::vector<std::string>>> caps;
  for (const std::string& index : resolved) {
    const IndexMapping mapping = EffectiveMapping(*store_, *version, index);
    const auto values = with_values.find(index);
    auto listed = [&](const std::string& name) {
      return wanted(name) && (include_empty || (values != with_values.end() && values->second.count(name) > 0));
    };
    for (const auto& [path, f] : mapping.fields()) {
      // The type as declared (constant_keyword, wildcard, ... stored as their nearest).
      auto type_of = [](const FieldMapping& m) {
        return m.declared.empty() ? std::string(FieldTypeName(m.type)) : m.declared;
      };
      if (listed(path)) caps[path][type_of(f)].push_back(index);
      for (const auto& [sub, sf] : f.fields) {
        const std::string name = path + "." + sub;
        if (listed(name)) caps[name][type_of(sf)].push_back(index);
      }
    }
    for (const char* meta : {"_id", "_index", "_source"}) {
      if (wanted(meta)) caps[meta][meta].push_back(index);
    }
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("indices");
  w.StartArray();
  for (const std::string& i : resolved) WriteJsonString(w, i);
  w.EndArray();
  w.Key("fields");
  w.StartObject();
  for (const auto& [name, types] : caps) {
    WriteJsonString(w, name);
    w.StartObject();
    for (const auto& [type, in] : types) {
      WriteJsonString(w, type);
      w.StartObject();
      w.Key("type");
      WriteJsonString(w, type);
      w.Key("metadata_field");
      w.Bool(name[0] == '_');
      w.Key("searchable");
      w.Bool(name != "_source");
      w.Key("aggregatable");
      w.Bool(type != "text" && type != "match_only_text" && name != "_source");
      if (in.size() != resolved.size()) {
        w.Key("indices");
        w.StartArray();
        for (const std::string& i : in) WriteJsonString(w, i);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::CatIndices(const RestRequest& req, const std::string& indices) {
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *version, indices, &resolved, &error)) return error;
  static const std::vector<std::string> kColumns = {
      "health",     "status",       "index",      "uuid",           "pri",         "rep",
      "docs.count", "docs.deleted", "store.size", "pri.store.size", "dataset.size"};
  std::vector<std::string> columns = req.HasParam("h") ? Split(req.Param("h"), ',') : kColumns;
  for (const std::string& c : columns) {
    if (std::find(kColumns.begin(), kColumns.end(), c) == kColumns.end()) {
      return ErrorResponse(
          BadRequest("illegal_argument_exception", fmt::format("header [{}] is not a valid header", c)));
    }
  }
  const std::string unit = req.Param("bytes");
  auto size = [&](uint64_t bytes) -> std::string {
    if (unit == "b") return std::to_string(bytes);
    if (unit == "kb") return std::to_string(bytes >> 10);
    if (unit == "mb") return std::to_string(bytes >> 20);
    if (unit == "gb") return std::to_string(bytes >> 30);
    if (bytes < 1024) return fmt::format("{}b", bytes);
    if (bytes < (1u << 20)) return fmt::format("{:.1f}kb", bytes / 1024.0);
    if (bytes < (1u << 30)) return fmt::format("{:.1f}mb", bytes / 1048576.0);
    return fmt::format("{:.1f}gb", bytes / 1073741824.0);
  };
  std::vector<std::map<std::string, std::string>> rows;
  for (const std::string& index : resolved) {
    uint64_t deleted = 0;
    for (const SegmentRef& r : version->segments) {
      if (r.index == index) deleted += r.deleted.size();
    }
    const uint64_t bytes = version->Bytes(index);
    rows.push_back({{"health", "green"},
                    {"status", "open"},
                    {"index", index},
                    {"uuid", IndexIdentityOf(*store_, index).uuid},
                    {"pri", "1"},
                    {"rep", "0"},
                    {"docs.count", std::to_string(version->Rows(index))},
                    {"docs.deleted", std::to_string(deleted)},
                    {"store.size", size(bytes)},
                    {"pri.store.size", size(bytes)},
                    {"dataset.size", size(bytes)}});
  }
  // s=column[:desc],...: numbers compare as numbers.
  const std::vector<std::string> sort = Split(req.Param("s"), ',');
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    for (const std::string& key : sort) {
      const size_t colon = key.find(':');
      const std::string column = key.substr(0, colon);
      const bool desc = colon != std::string::npos && key.substr(colon + 1) == "desc";
      auto ia = a.find(column), ib = b.find(column);
      if (ia == a.end() || ib == b.end() || ia->second == ib->second) continue;
      const bool numeric = column == "docs.count" || column == "docs.deleted";
      const bool less = numeric ? std::stoull(ia->second) < std::stoull(ib->second) : ia->second < ib->second;
      return desc ? !less : less;
    }
    return false;
  });
  if (req.Param("format") == "json") {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartArray();
    for (const auto& row : rows) {
      w.StartObject();
      for (const std::string& c : columns) {
        WriteJsonString(w, c);
        WriteJsonString(w, row.at(c));
      }
      w.EndObject();
    }
    w.EndArray();
    return Json(buf);
  }
  // Text: aligned columns, numbers to the right, a header line with ?v.
  std::vector<size_t> width(columns.size(), 0);
  const bool header = req.BoolParam("v");
  for (size_t c = 0; c < columns.size(); ++c) {
    if (header) width[c] = columns[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row.at(columns[c]).size());
  }
  auto right = [](const std::string& c) {
    return c == "pri" || c == "rep" || c.rfind("docs.", 0) == 0 || c.find("size") != std::string::npos;
  };
  std::string text;
  auto line = [&](auto value_of) {
    std::string l;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string v = value_of(c);
      l += right(columns[c]) ? fmt::format("{:>{}}", v, width[c]) : fmt::format("{:<{}}", v, width[c]);
      if (c + 1 < columns.size()) l += ' ';
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    text += l + "\n";
  };
  if (header) line([&](size_t c) { return columns[c]; });
  for (const auto& row : rows) line([&](size_t c) { return row.at(columns[c]); });
  RestResponse r;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = std::move(text);
  return r;
}

RestResponse EsApi::CatCount(const RestRequest& req, const std::string& indices) {
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *version, indices, &resolved, &error)) return error;
  uint64_t count = 0;
  for (const std::string& index : resolved) count += version->Rows(index);
  const int64_t now_s = CurrentTimeMillis() / 1000;
  const std::string epoch = std::to_string(now_s);
  const std::string clock = fmt::format("{:02}:{:02}:{:02}", now_s / 3600 % 24, now_s / 60 % 60, now_s % 60);
  if (req.Param("format") == "json") {
    return Json(200, fmt::format(R"([{{"epoch":"{}","timestamp":"{}","count":"{}"}}])", epoch, clock, count));
  }
  RestResponse r;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = (req.BoolParam("v") ? std::string("epoch      timestamp count\n") : std::string()) +
           fmt::format("{} {} {}\n", epoch, clock, count);
  return r;
}

RestResponse EsApi::Aliases(const RestRequest& req, const std::string& indices, const std::string& names) {
  const auto version = store_->Current();
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *version, indices, &resolved, &error)) return error;
  const std::vector<std::string> wanted = names.empty() ? std::vector<std::string>{"*"} : Split(names, ',');
  std::map<std::string, std::vector<std::string>> by_index;  // index -> its aliases shown
  std::set<std::string> seen;
  for (const auto& [alias, targets] : version->aliases) {
    const std::string& name = alias;  // (clang 14 cannot capture a structured binding)
    if (!std::any_of(wanted.begin(), wanted.end(), [&](const std::string& p) { return GlobMatch(p, name); })) continue;
    for (const std::string& t : targets) {
      if (!std::binary_search(resolved.begin(), resolved.end(), t)) continue;
      by_index[t].push_back(alias);
      seen.insert(alias);
    }
  }
  if (!names.empty()) {
    for (const std::string& n : wanted) {
      if (n.find('*') == std::string::npos && !seen.count(n)) {
        if (req.method == "HEAD") return Json(404, "");
        return Json(404, fmt::format(R"({{"error":{},"status":404}})", JsonQuote("alias [" + n + "] missing")));
      }
    }
  }
  if (req.method == "HEAD") return Json(seen.empty() && !names.empty() ? 404 : 200, "");
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  for (const std::string& index : resolved) {
    auto it = by_index.find(index);
    if (it == by_index.end() && !names.empty()) continue;
    WriteJsonString(w, index);
    w.StartObject();
    w.Key("aliases");
    w.StartObject();
    if (it != by_index.end()) {
      for (const std::string& a : it->second) {
        WriteJsonString(w, a);
        w.StartObject();
        w.EndObject();
      }
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::UpdateAliases(const RestRequest& req) {
  rapidjson::Document d;
  d.Parse(req.body.data(), req.body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("actions") || !d["actions"].IsArray()) {
    return ErrorResponse(
        BadRequest("action_request_validation_exception", "Validation Failed: 1: no actions specified;"));
  }
  const auto version = store_->Current();
  std::vector<AliasAction> actions;
  for (const auto& a : d["actions"].GetArray()) {
    if (!a.IsObject() || a.MemberCount() != 1 || !a.MemberBegin()->value.IsObject()) {
      return ErrorResponse(BadRequest("parsing_exception", "an alias action must be an object with one key"));
    }
    const std::string_view kind(a.MemberBegin()->name.GetString());
    if (kind != "add" && kind != "remove") {
      return ErrorResponse(
          BadRequest("illegal_argument_exception", fmt::format("unsupported alias action [{}]", kind)));
    }
    const auto& body = a.MemberBegin()->value;
    auto strings = [&](const char* one, const char* many) {
      std::vector<std::string> out;
      if (body.HasMember(one) && body[one].IsString()) out.emplace_back(body[one].GetString());
      if (body.HasMember(many) && body[many].IsArray()) {
        for (const auto& v : body[many].GetArray()) {
          if (v.IsString()) out.emplace_back(v.GetString());
        }
      }
      return out;
    };
    const std::vector<std::string> index_patterns = strings("index", "indices"), aliases = strings("alias", "aliases");
    if (index_patterns.empty() || aliases.empty()) {
      return ErrorResponse(
          BadRequest("action_request_validation_exception", "Validation Failed: 1: [index] and [alias] are required;"));
    }
    std::vector<std::string> targets;
    std::string missing;
    Status s = ResolveIndexExpression(*version, index_patterns, IndexResolveOptions{}, &targets, &missing);
    if (!s.ok()) return ErrorResponse(IndexNotFound(missing));
    for (const std::string& t : targets) {
      for (const std::string& alias : aliases) actions.push_back(AliasAction{kind == "add", alias, t});
    }
  }
  Status s = store_->UpdateAliases(actions);
  if (!s.ok()) return ErrorResponse(FromStatus(s));
  return Acknowledged();
}

RestResponse EsApi::ResolveIndex(const RestRequest& req, const std::string& names) {
  // Each expression (comma list, wildcards, -exclusions in order) against
  // indices and aliases, as Elasticsearch's resolve index API answers.
  const auto version = store_->Current();
  std::set<std::string> indices, aliases;
  for (const std::string& expr : Split(names, ',')) {
    const bool exclude = expr.size() > 1 && expr[0] == '-';
    const std::string pattern = exclude ? expr.substr(1) : expr;
    const bool all = pattern == "_all" || pattern == "*";
    for (const std::string& name : version->indices) {
      if (!all && !GlobMatch(pattern, name)) continue;
      if (name.empty() || name[0] == '.') {
        if (pattern.empty() || pattern[0] != '.') continue;  // hidden unless named
      }
      exclude ? static_cast<void>(indices.erase(name)) : static_cast<void>(indices.insert(name));
    }
    for (const auto& [name, targets] : version->aliases) {
      if (!all && !GlobMatch(pattern, name)) continue;
      exclude ? static_cast<void>(aliases.erase(name)) : static_cast<void>(aliases.insert(name));
    }
  }
  if (indices.empty() && aliases.empty() && names.find('*') == std::string::npos &&
      !req.BoolParam("ignore_unavailable")) {
    EsException e;
    e.status = 404;
    e.type = "index_not_found_exception";
    e.reason = "no such index [" + names + "]";
    e.extra = {{"resource.type", "index_or_alias"}, {"resource.id", names}, {"index_uuid", "_na_"}, {"index", names}};
    return ErrorResponse(e);
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("indices");
  w.StartArray();
  for (const std::string& index : indices) {
    w.StartObject();
    w.Key("name");
    WriteJsonString(w, index);
    std::vector<std::string> of;
    for (const auto& [alias, targets] : version->aliases) {
      if (std::find(targets.begin(), targets.end(), index) != targets.end()) of.push_back(alias);
    }
    if (!of.empty()) {
      w.Key("aliases");
      w.StartArray();
      for (const std::string& a : of) WriteJsonString(w, a);
      w.EndArray();
    }
    w.Key("attributes");
    w.StartArray();
    w.String("open");
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("aliases");
  w.StartArray();
  for (const std::string& alias : aliases) {
    w.StartObject();
    w.Key("name");
    WriteJsonString(w, alias);
    w.Key("indices");
    w.StartArray();
    for (const std::string& t : version->aliases.at(alias)) WriteJsonString(w, t);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("data_streams");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  return Json(buf);
}

}  // namespace flowdex
