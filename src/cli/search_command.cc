// flowdex search: KQL from the terminal, against the embedded store or any
// Elasticsearch-compatible URL (the query is sent as standard Query DSL, so a
// real Elasticsearch or OpenSearch cluster answers it too).
#include <cstdio>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/es_api.h"
#include "aws/http_client.h"
#include "cli/commands.h"
#include "cli/human.h"
#include "cli/pipeline_setup.h"
#include "inventory/inventory_file.h"
#include "query/dsl/dsl_parser.h"
#include "query/dsl/dsl_writer.h"
#include "query/lang/kql_parser.h"
#include "query/response_writer.h"
#include "util/json_util.h"

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// The _search body for the options, or false with the KQL error printed.
bool BuildBody(const SearchCommandOptions& o, std::string* body) {
  Query query;
  if (!o.kql.empty()) {
    ParseError error;
    if (!ParseKql(o.kql, &query, &error)) {
      fmt::print(stderr, "flowdex search: {}\n", error.reason);
      return false;
    }
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("size");
  w.Int(o.stats.empty() ? o.size : 0);
  w.Key("track_total_hits");
  w.Bool(true);
  if (o.stats.empty() && !o.sort.empty()) {
    w.Key("sort");
    w.StartArray();
    size_t at = 0;
    while (at <= o.sort.size()) {
      const size_t comma = std::min(o.sort.find(',', at), o.sort.size());
      const std::string key = o.sort.substr(at, comma - at);
      at = comma + 1;
      if (key.empty()) continue;
      const size_t colon = key.rfind(':');
      const std::string field = key.substr(0, colon);
      const std::string order = colon == std::string::npos ? "asc" : key.substr(colon + 1);
      w.StartObject();
      WriteJsonString(w, field);
      w.StartObject();
      w.Key("order");
      WriteJsonString(w, order);
      w.Key("unmapped_type");
      w.String("long");
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("query");
  w.StartObject();
  w.Key("bool");
  w.StartObject();
  w.Key("filter");
  w.StartArray();
  const std::string dsl = QueryToDsl(query);
  w.RawValue(dsl.data(), dsl.size(), rapidjson::kObjectType);
  if (!o.since.empty() || !o.from.empty() || !o.to.empty()) {
    w.StartObject();
    w.Key("range");
    w.StartObject();
    w.Key("@timestamp");
    w.StartObject();
    if (!o.since.empty()) {
      w.Key("gte");
      WriteJsonString(w, "now-" + o.since);
    }
    if (!o.from.empty()) {
      w.Key("gte");
      WriteJsonString(w, o.from);
    }
    if (!o.to.empty()) {
      w.Key("lte");
      WriteJsonString(w, o.to);
    }
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  if (!o.stats.empty()) {
    w.Key("aggs");
    w.StartObject();
    w.Key("top");
    w.StartObject();
    w.Key("terms");
    w.StartObject();
    w.Key("field");
    WriteJsonString(w, o.stats);
    w.Key("size");
    w.Int(o.size);
    w.EndObject();
    w.Key("aggs");
    w.StartObject();
    for (const char* f : {"network.bytes", "network.packets"}) {
      WriteJsonString(w, f);
      w.StartObject();
      w.Key("sum");
      w.StartObject();
      w.Key("field");
      WriteJsonString(w, f);
      w.EndObject();
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  body->assign(buf.GetString(), buf.GetSize());
  return true;
}

// Runs the search; *status is the HTTP status, *response its body.
bool Send(const SearchCommandOptions& o, const std::string& body, int* status, std::string* response) {
  const std::string path = "/" + o.index + "/_search";
  if (o.url.empty()) {
    std::unique_ptr<Store> store;
    Status s = Store::Open(o.data_dir, &store);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex search: {}{}\n", s.message(),
                 s.code() == Status::Code::kConflict
                     ? " (is flowdex serve running on it? then add --url http://127.0.0.1:9200)"
                     : "");
      return false;
    }
    Metrics metrics;
    EsApiOptions api_options;
    api_options.inventory =
        std::make_shared<InventoryFile>(o.inventory.empty() ? DefaultInventoryPath(o.data_dir) : o.inventory);
    EsApi api(store.get(), api_options, &metrics);
    RestRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    RestResponse out = api.Handle(r);
    *status = out.status;
    *response = std::move(out.body);
    return true;
  }
  // Any Elasticsearch or OpenSearch cluster, through the same HTTP client
  // (libcurl) as the AWS calls and the sink.
  std::string base = o.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpRequest req;
  req.method = "POST";
  req.url = base + path;
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}};
  const std::string auth = ElasticsearchAuthorization(o.user, o.api_key);
  if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
  req.timeout_ms = 120'000;
  req.connect_timeout_ms = 10'000;
  req.ca_file = o.ca_cert;
  req.insecure = o.insecure;
  HttpClient client;
  HttpResponse resp;
  Status s = client.Send(req, &resp);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex search: {}: {}\n", o.url, s.message());
    return false;
  }
  *status = static_cast<int>(resp.status);
  *response = std::move(resp.body);
  return true;
}

// The value at a dotted path of a document (nested objects or dotted keys).
const rapidjson::Value* Field(const rapidjson::Value& doc, std::string_view path) {
  if (!doc.IsObject()) return nullptr;
  // (A Value key: FindMember's const char* overload would read past `path`.)
  auto whole = doc.FindMember(rapidjson::Value(rapidjson::StringRef(path.data(), path.size())));
  if (whole != doc.MemberEnd()) return &whole->value;
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    auto head = doc.FindMember(rapidjson::Value(rapidjson::StringRef(path.data(), dot)));
    if (head != doc.MemberEnd()) {
      if (const rapidjson::Value* v = Field(head->value, path.substr(dot + 1))) return v;
    }
  }
  return nullptr;
}

std::string Text(const rapidjson::Value* v) {
  if (v == nullptr || v->IsNull()) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsNumber()) return fmt::format("{}", v->GetDouble());
  rapidjson::StringBuffer buf;
  Writer w(buf);
  v->Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Any value as JSON text ("null" when absent).
std::string Raw(const rapidjson::Value* v) {
  if (v == nullptr) return "null";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  v->Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Prints rows as aligned columns (numbers right-aligned) or CSV.
void PrintRows(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
               const std::vector<bool>& numeric, bool csv) {
  if (csv) {
    for (size_t c = 0; c < header.size(); ++c) fmt::print("{}{}", c ? "," : "", CsvCell(header[c]));
    fmt::print("\n");
    for (const auto& row : rows) {
      for (size_t c = 0; c < row.size(); ++c) fmt::print("{}{}", c ? "," : "", CsvCell(row[c]));
      fmt::print("\n");
    }
    return;
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) l += "  ";
      l += numeric[c] ? fmt::format("{:>{}}", cells[c], width[c]) : fmt::format("{:<{}}", cells[c], width[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    fmt::print("{}\n", l);
  };
  line(header);
  for (const auto& row : rows) line(row);
}

uint64_t Number(const rapidjson::Value* v) {
  if (v == nullptr) return 0;
  if (v->IsUint64()) return v->GetUint64();
  if (v->IsNumber()) return static_cast<uint64_t>(std::max(0.0, v->GetDouble()));
  return 0;
}

}  // namespace

int RunSearchCommand(const SearchCommandOptions& o) {
  if (o.format != "table" && o.format != "json" && o.format != "ndjson" && o.format != "csv") {
    fmt::print(stderr, "flowdex search: --format is table, json, ndjson or csv\n");
    return 2;
  }
  std::string body;
  if (!BuildBody(o, &body)) return 1;
  int status = 0;
  std::string response;
  if (!Send(o, body, &status, &response)) return 1;
  rapidjson::Document d;
  d.Parse(response.data(), response.size());
  if (status != 200 || d.HasParseError() || !d.IsObject()) {
    const rapidjson::Value* reason = d.IsObject() ? Field(d, "error.reason") : nullptr;
    const rapidjson::Value* cause = d.IsObject() ? Field(d, "error.root_cause") : nullptr;
    std::string why = reason ? Text(reason) : response;
    if (cause && cause->IsArray() && !cause->Empty()) why = Text(Field((*cause)[0], "reason"));
    fmt::print(stderr, "flowdex search: HTTP {}: {}\n", status, why);
    return 1;
  }
  if (o.format == "json") {
    fmt::print("{}\n", response);
    return 0;
  }
  const uint64_t total = Number(Field(d, "hits.total.value")) + Number(Field(d, "hits.total"));
  if (!o.stats.empty()) {
    const rapidjson::Value* buckets = Field(d, "aggregations.top.buckets");
    std::vector<std::vector<std::string>> rows;
    const bool csv = o.format == "csv";
    if (buckets && buckets->IsArray()) {
      for (const auto& b : buckets->GetArray()) {
        const uint64_t count = Number(Field(b, "doc_count"));
        const uint64_t bytes = Number(Field(b, "network.bytes.value"));
        const uint64_t packets = Number(Field(b, "network.packets.value"));
        if (o.format == "ndjson") {
          fmt::print("{{\"key\":{},\"flows\":{},\"bytes\":{},\"packets\":{}}}\n", Raw(Field(b, "key")), count, bytes,
                     packets);
          continue;
        }
        rows.push_back({Text(Field(b, "key_as_string") ? Field(b, "key_as_string") : Field(b, "key")),
                        csv ? std::to_string(count) : HumanCount(count),
                        total ? fmt::format("{:.1f}%", 100.0 * count / total) : "-",
                        csv ? std::to_string(bytes) : HumanBytes(bytes),
                        csv ? std::to_string(packets) : HumanCount(packets)});
      }
    }
    if (o.format == "ndjson") return 0;
    PrintRows({o.stats, "flows", "share", "bytes", "packets"}, rows, {false, true, true, true, true}, csv);
    if (!csv) fmt::print("{} flows matched\n", total);
    return 0;
  }
  const rapidjson::Value* hits = Field(d, "hits.hits");
  if (o.format == "ndjson") {
    if (hits && hits->IsArray()) {
      for (const auto& h : hits->GetArray()) fmt::print("{}\n", Text(Field(h, "_source")));
    }
    return 0;
  }
  const bool csv = o.format == "csv";
  std::vector<std::vector<std::string>> rows;
  bool flows = true;
  if (hits && hits->IsArray()) {
    for (const auto& h : hits->GetArray()) {
      const rapidjson::Value* src = Field(h, "_source");
      if (!src || !Field(*src, "source.ip")) flows = false;
    }
  }
  std::vector<std::string> header;
  std::vector<bool> numeric;
  if (flows) {
    header = {"@timestamp", "source", "destination", "proto", "action", "bytes", "packets", "interface"};
    numeric = {false, false, false, false, false, true, true, false};
  } else {
    header = {"_index", "_id", "_source"};
    numeric = {false, false, false};
  }
  if (hits && hits->IsArray()) {
    for (const auto& h : hits->GetArray()) {
      const rapidjson::Value& src = *Field(h, "_source");
      if (!flows) {
        rows.push_back({Text(Field(h, "_index")), Text(Field(h, "_id")), Text(&src)});
        continue;
      }
      // "10.1.33.10:443 (web-1)": the name the inventory gave the address
      // (its instance's Name tag, else its interface's type), "81.2.69.160:443
      // (GB)": the country GeoIP gave it, if any (tables only: CSV keeps the
      // address alone).
      auto endpoint = [&](const char* side) {
        const std::string ip = Text(Field(src, std::string(side) + ".ip"));
        const std::string port = Text(Field(src, std::string(side) + ".port"));
        std::string text = port.empty()                        ? ip
                           : ip.find(':') != std::string::npos ? "[" + ip + "]:" + port
                                                               : ip + ":" + port;
        const std::string prefix(side);
        std::string name = Text(Field(src, prefix + ".aws.instance.name"));
        if (name.empty()) name = Text(Field(src, prefix + ".aws.instance.id"));
        if (name.empty()) name = Text(Field(src, prefix + ".aws.interface.type"));
        if (name.empty()) name = Text(Field(src, prefix + ".geo.country_iso_code"));
        if (!csv && !name.empty()) text += " (" + name + ")";
        return text;
      };
      const uint64_t bytes = Number(Field(src, "network.bytes")) +
                             Number(Field(src, "source.bytes")) * (Field(src, "network.bytes") ? 0 : 1);
      const std::string proto = Text(Field(src, "network.transport")).empty() ? Text(Field(src, "network.iana_number"))
                                                                              : Text(Field(src, "network.transport"));
      rows.push_back({Text(Field(src, "@timestamp")), endpoint("source"), endpoint("destination"), proto,
                      Text(Field(src, "event.action")), csv ? std::to_string(bytes) : HumanBytes(bytes),
                      Text(Field(src, "network.packets")), Text(Field(src, "aws.vpcflow.interface_id"))});
    }
  }
  PrintRows(header, rows, numeric, csv);
  if (!csv) {
    fmt::print("{} of {} hits ({} ms)\n", rows.size(), total, Text(Field(d, "took")));
  }
  return 0;
}

}  // namespace flowdex
