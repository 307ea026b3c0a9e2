#include "store/manifest.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include "store/checksum.h"

namespace flowdex {

namespace {
// 2: rollups, and sources in their own log (1: sources listed here).
constexpr std::string_view kCrcPrefix = "#crc32c:";
}  // namespace

std::string SegmentRef::RelativePath() const { return fmt::format("indices/{}/{}/{:08}.seg", index, partition, id); }

std::string Manifest::Serialize() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("format");
  w.Int(kManifestFormat);
  w.Key("generation");
  w.Uint64(generation);
  w.Key("next_segment_id");
  w.Uint64(next_segment_id);
  auto segment = [&](const SegmentRef& s) {
    w.StartObject();
    w.Key("id");
    w.Uint64(s.id);
    w.Key("index");
    str(s.index);
    w.Key("partition");
    str(s.partition);
    w.Key("rows");
    w.Uint64(s.rows);
    w.Key("bytes");
    w.Uint64(s.bytes);
    w.Key("min_time");
    w.Int64(s.min_time);
    w.Key("max_time");
    w.Int64(s.max_time);
    if (!s.deleted.empty()) {
      w.Key("deleted");
      w.StartArray();
      for (uint32_t row : s.deleted) w.Uint(row);
      w.EndArray();
    }
    if (!s.rollup.empty()) {
      w.Key("rollup");
      str(s.rollup);
    }
    if (s.rollup_version != 0) {
      w.Key("rollup_version");
      w.Uint(s.rollup_version);
    }
    w.EndObject();
  };
  w.Key("segments");
  w.StartArray();
  for (const SegmentRef& s : segments) segment(s);
  w.EndArray();
  w.Key("rollups");
  w.StartArray();
  for (const SegmentRef& s : rollups) segment(s);
  w.EndArray();
  if (!sources_file.empty()) {
    w.Key("sources_log");
    w.StartObject();
    w.Key("file");
    str(sources_file);
    w.Key("length");
    w.Uint64(sources_length);
    w.EndObject();
  }
  // Maps of name -> JSON object text (mappings, API objects), written as they are.
  auto objects = [&](const char* name, const std::map<std::string, std::string>& map) {
    w.Key(name);
    w.StartObject();
    for (const auto& [key, json] : map) {
      str(key);
      w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  };
  objects("mappings", mappings);
  objects("api_objects", api_objects);
  w.Key("aliases");
  w.StartObject();
  for (const auto& [alias, indices] : aliases) {
    str(alias);
    w.StartArray();
    for (const std::string& i : indices) str(i);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  std::string text(buf.GetString(), buf.GetSize());
  text += '\n';
  text += fmt::format("{}{:08x}\n", kCrcPrefix, Crc32c(text));
  return text;
}

Status Manifest::Parse(std::string_view text, const std::string& name, Manifest* out) {
  const size_t crc_at = text.rfind(kCrcPrefix);
  if (crc_at == std::string_view::npos || text.size() != crc_at + kCrcPrefix.size() + 9 || text.back() != '\n') {
    return Status::Corruption(name + ": no checksum line (truncated manifest)");
  }
  const std::string_view body = text.substr(0, crc_at);
  const std::string hex(text.substr(crc_at + kCrcPrefix.size(), 8));
  char* end = nullptr;
  const unsigned long want = std::strtoul(hex.c_str(), &end, 16);
  if (end != hex.c_str() + 8 || Crc32c(body) != want) {
    return Status::Corruption(
        fmt::format("{}: checksum mismatch (expected {}, computed {:08x})", name, hex, Crc32c(body)));
  }
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  auto bad = [&](std::string_view what) { return Status::Corruption(name + ": " + std::string(what)); };
  if (d.HasParseError() || !d.IsObject()) return bad("not a JSON object");
  if (!d.HasMember("format") || !d["format"].IsInt() || d["format"].GetInt() < 1 ||
      d["format"].GetInt() > kManifestFormat) {
    return bad("unsupported manifest format (written by a newer flowdex?)");
  }
  const int format = d["format"].GetInt();
  auto u64 = [](const rapidjson::Value& o, const char* k, uint64_t* v) {
    if (!o.HasMember(k) || !o[k].IsUint64()) return false;
    *v = o[k].GetUint64();
    return true;
  };
  auto i64 = [](const rapidjson::Value& o, const char* k, int64_t* v) {
    if (!o.HasMember(k) || !o[k].IsInt64()) return false;
    *v = o[k].GetInt64();
    return true;
  };
  auto s = [](const rapidjson::Value& o, const char* k, std::string* v) {
    if (!o.HasMember(k) || !o[k].IsString()) return false;
    v->assign(o[k].GetString(), o[k].GetStringLength());
    return true;
  };
  Manifest m;
  m.format = format;
  if (!u64(d, "generation", &m.generation) || !u64(d, "next_segment_id", &m.next_segment_id) ||
      !d.HasMember("segments") || !d["segments"].IsArray()) {
    return bad("missing fields");
  }
  auto segment = [&](const rapidjson::Value& v, SegmentRef* r) -> Status {
    if (!v.IsObject() || !u64(v, "id", &r->id) || !s(v, "index", &r->index) || !s(v, "partition", &r->partition) ||
        !u64(v, "rows", &r->rows) || !u64(v, "bytes", &r->bytes) || !i64(v, "min_time", &r->min_time) ||
        !i64(v, "max_time", &r->max_time)) {
      return bad("malformed segment entry");
    }
    if (v.HasMember("deleted")) {
      if (!v["deleted"].IsArray()) return bad("malformed deleted rows");
      for (const auto& row : v["deleted"].GetArray()) {
        if (!row.IsUint() || row.GetUint() >= r->rows || (!r->deleted.empty() && row.GetUint() <= r->deleted.back())) {
          return bad("malformed deleted rows");
        }
        r->deleted.push_back(row.GetUint());
      }
    }
    if (v.HasMember("rollup") && !s(v, "rollup", &r->rollup)) return bad("malformed rollup name");
    if (v.HasMember("rollup_version")) {
      if (!v["rollup_version"].IsUint()) return bad("malformed rollup version");
      r->rollup_version = v["rollup_version"].GetUint();
    }
    return Status::OK();
  };
  for (const auto& v : d["segments"].GetArray()) {
    SegmentRef r;
    if (Status st = segment(v, &r); !st.ok()) return st;
    if (!r.rollup.empty()) return bad("a rollup among the raw segments");
    m.segments.push_back(std::move(r));
  }
  if (d.HasMember("rollups")) {
    if (!d["rollups"].IsArray()) return bad("malformed rollups");
    for (const auto& v : d["rollups"].GetArray()) {
      SegmentRef r;
      if (Status st = segment(v, &r); !st.ok()) return st;
      if (r.rollup.empty()) return bad("a rollup segment without its rollup's name");
      m.rollups.push_back(std::move(r));
    }
  }
  if (format == 1) {
    if (!d.HasMember("sources") || !d["sources"].IsArray()) return bad("missing fields");
    for (const auto& v : d["sources"].GetArray()) {
      SourceRecord r;
      if (!v.IsObject() || !s(v, "key", &r.key) || !u64(v, "size", &r.size) || !u64(v, "records", &r.records) ||
          !u64(v, "bad_lines", &r.bad_lines) || !s(v, "index", &r.index)) {
        return bad("malformed source entry");
      }
      m.legacy_sources.push_back(std::move(r));
    }
  } else if (d.HasMember("sources_log")) {
    const rapidjson::Value& log = d["sources_log"];
    if (!log.IsObject() || !s(log, "file", &m.sources_file) || !u64(log, "length", &m.sources_length) ||
        m.sources_file.find('/') != std::string::npos || m.sources_file.rfind("SOURCES-", 0) != 0) {
      return bad("malformed sources_log");
    }
  }
  // Members whose values are JSON objects, kept as their text (mappings, API objects).
  auto objects = [&](const char* member, std::map<std::string, std::string>* into) {
    if (!d.HasMember(member)) return true;
    if (!d[member].IsObject()) return false;
    for (const auto& v : d[member].GetObject()) {
      if (!v.value.IsObject()) return false;
      rapidjson::StringBuffer json;
      rapidjson::Writer<rapidjson::StringBuffer> w(json);
      v.value.Accept(w);
      into->emplace(std::string(v.name.GetString(), v.name.GetStringLength()),
                    std::string(json.GetString(), json.GetSize()));
    }
    return true;
  };
  if (!objects("mappings", &m.mappings)) return bad("malformed mappings");
  if (!objects("api_objects", &m.api_objects)) return bad("malformed api_objects");
  if (d.HasMember("aliases")) {
    if (!d["aliases"].IsObject()) return bad("malformed aliases");
    for (const auto& v : d["aliases"].GetObject()) {
      if (!v.value.IsArray()) return bad("malformed alias");
      std::vector<std::string>& indices = m.aliases[std::string(v.name.GetString(), v.name.GetStringLength())];
      for (const auto& i : v.value.GetArray()) {
        if (!i.IsString()) return bad("malformed alias");
        indices.emplace_back(i.GetString(), i.GetStringLength());
      }
    }
  }
  *out = std::move(m);
  return Status::OK();
}

}  // namespace flowdex
