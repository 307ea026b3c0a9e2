// _bulk and the single-document APIs (_doc, _create, _update), which are
// one-item bulks.
//
// A bulk runs in three steps: its lines are parsed (a malformed action line
// fails the whole request, as in Elasticsearch); the ids it names are looked
// up in the store with one ids query per index; then the items are applied in
// order into DocumentWriters and committed together with the deletions of the
// rows they replace. The response is sent only after that commit is durable.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/es_api.h"
#include "query/date_math.h"

#include "api/api_util.h"
#include "api/es_exception.h"
#include "ingest/document_writer.h"
#include "query/dsl/dsl_context.h"
#include "query/response_writer.h"
#include "query/searcher.h"
#include "store/index_resolver.h"
#include "store/mapping.h"
#include "util/json_util.h"

namespace flowdex {

namespace {

using Writer = api::JsonWriter;
using api::Json;
using api::Split;
using api::ToJson;

struct BulkItem {
  std::string op;     // index, create, delete, update
  std::string index;  // the concrete index written
  std::string id;
  std::string source;  // the document (index, create) or the update request
  int status = 0;
  std::string result;  // created, updated, deleted, not_found, noop
  bool failed = false;
  std::string error_type, error_reason;
  uint64_t seq_no = 0;
  bool awaiting_commit = false;  // succeeded, provided the commit lands
  bool id_given = false;         // the action named an _id (which must not be empty)
};

// Where a document with a given id is stored (and its _source, for updates).
struct StoredDoc {
  std::vector<std::pair<uint64_t, uint32_t>> rows;  // (segment id, row)
  std::string source;
};

std::string NewDocumentId() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const uint64_t ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  uint64_t a = ms, b = salt ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
  std::string id;
  for (int i = 0; i < 8; ++i, a >>= 6) id += kAlphabet[a & 63];
  for (int i = 0; i < 12; ++i, b >>= 5) id += kAlphabet[(b & 31) + (i & 1) * 32];
  return id;
}

void Fail(BulkItem* item, int status, std::string type, std::string reason) {
  item->failed = true;
  item->status = status;
  item->error_type = std::move(type);
  item->error_reason = std::move(reason);
}

// Deep-merges `patch` into `target` (objects member by member, anything else replaced).
void MergeInto(rapidjson::Value& target, rapidjson::Value& patch, rapidjson::Document::AllocatorType& a) {
  for (auto& m : patch.GetObject()) {
    auto it = target.FindMember(m.name);
    if (it == target.MemberEnd()) {
      target.AddMember(rapidjson::Value(m.name, a), rapidjson::Value(m.value, a), a);
    } else if (it->value.IsObject() && m.value.IsObject()) {
      MergeInto(it->value, m.value, a);
    } else {
      it->value.CopyFrom(m.value, a);
    }
  }
}

// The state of one bulk while its items are applied.
class BulkRun {
 public:
  // `template_mapping` gives the mapping a new index starts with (index
  // templates); `items` are the bulk's, to know which indices are updated.
  BulkRun(Store* store, Metrics* metrics, std::atomic<uint64_t>* seq_no,
          std::function<std::string(const std::string&)> template_mapping, const std::vector<BulkItem*>& items)
      : store_(store), metrics_(metrics), seq_no_(seq_no), template_mapping_(std::move(template_mapping)) {
    for (const BulkItem* item : items) {
      if (item->op == "update") updated_indices_.insert(item->index);
    }
  }

  // Looks up the ids of `items` that are stored already.
  Status Lookup(const std::vector<BulkItem*>& items) {
    std::map<std::string, std::set<std::string>> wanted;
    for (const BulkItem* item : items) {
      if (item->id.empty() || item->failed) continue;
      wanted[item->index].insert(item->id);
    }
    const auto version = store_->Current();
    for (const auto& [index, ids] : wanted) {
      if (!std::binary_search(version->indices.begin(), version->indices.end(), index)) continue;
      SearchRequest r;
      r.indices = {index};
      r.query = IdsQuery{std::vector<std::string>(ids.begin(), ids.end())};
      r.size = ids.size() * 4 + 16;  // an id may be stored more than once (old writes)
      r.track_total_hits = -1;
      // Sources only where an update of this bulk may merge into one.
      r.fetch_source = updated_indices_.count(index) > 0;
      SearchResponse response;
      Status s = Search(*store_, r, &response);
      if (!s.ok()) return s;
      for (SearchHit& h : response.hits) {
        StoredDoc& doc = stored_[{index, h.id}];
        doc.rows.emplace_back(h.segment_id, h.row);
        doc.source = std::move(h.source);
      }
    }
    return Status::OK();
  }

  // Applies one item (after Lookup saw its id).
  Status Apply(BulkItem* item) {
    const std::pair<std::string, std::string> key{item->index, item->id};
    if (!item->id.empty() && pending_.count(key)) {
      // The same id twice in one bulk: the first write must be stored before
      // the second can replace or delete it.
      Status s = Commit();
      if (!s.ok()) return s;
      stored_.erase(key);
      std::vector<BulkItem*> one{item};
      s = Lookup(one);
      if (!s.ok()) return s;
    }
    auto found = stored_.find(key);
    const bool exists = found != stored_.end() && !found->second.rows.empty();
    item->seq_no = seq_no_->fetch_add(1);
    if (item->op == "delete") {
      if (!exists) {
        item->status = 404;
        item->result = "not_found";
        return Status::OK();
      }
      Delete(found->second);
      stored_.erase(found);
      Succeed(item, 200, "deleted");
      return Status::OK();
    }
    std::string document = item->source;
    if (item->op == "create" && exists) {
      Fail(item, 409, "version_conflict_engine_exception",
           fmt::format("[{}]: version conflict, document already exists (current version [1])", item->id));
      return Status::OK();
    }
    bool created = !exists;
    if (item->op == "update") {
      rapidjson::Document request;
      request.Parse(item->source.data(), item->source.size());
      if (request.HasParseError() || !request.IsObject()) {
        Fail(item, 400, "x_content_parse_exception", "[1:1] [UpdateRequest] failed to parse the update request");
        return Status::OK();
      }
      if (request.HasMember("script")) {
        Fail(item, 400, "illegal_argument_exception", "scripted updates are not supported by flowdex");
        return Status::OK();
      }
      const bool doc_as_upsert =
          request.HasMember("doc_as_upsert") && request["doc_as_upsert"].IsBool() && request["doc_as_upsert"].GetBool();
      const bool has_doc = request.HasMember("doc") && request["doc"].IsObject();
      if (!exists) {
        if (request.HasMember("upsert") && request["upsert"].IsObject()) {
          document = ToJson(request["upsert"]);
        } else if (doc_as_upsert && has_doc) {
          document = ToJson(request["doc"]);
        } else {
          Fail(item, 404, "document_missing_exception", fmt::format("[{}]: document missing", item->id));
          return Status::OK();
        }
      } else {
        if (!has_doc) {
          Fail(item, 400, "action_request_validation_exception", "Validation Failed: 1: script or doc is missing;");
          return Status::OK();
        }
        rapidjson::Document merged;
        merged.Parse(found->second.source.data(), found->second.source.size());
        if (merged.HasParseError() || !merged.IsObject()) merged.SetObject();
        const std::string before = ToJson(merged);
        MergeInto(merged, request["doc"], merged.GetAllocator());
        document = ToJson(merged);
        if (document == before) {
          Succeed(item, 200, "noop");
          item->awaiting_commit = false;
          return Status::OK();
        }
      }
    }
    DocumentWriter* writer = WriterFor(item->index);
    if (writer == nullptr) return status_;
    MappingError error;
    if (item->id.empty()) item->id = NewDocumentId();
    if (!writer->Add(document, item->id, &error)) {
      Fail(item, 400, error.type.empty() ? "document_parsing_exception" : error.type, error.reason);
      return writer->status();
    }
    if (exists) {
      Delete(found->second);
      stored_.erase(found);
    }
    pending_.insert({item->index, item->id});
    Succeed(item, created ? 201 : 200, created ? "created" : "updated");
    return Status::OK();
  }

  // Commits the documents and deletions applied so far; on failure the items
  // that waited for it fail.
  Status Commit() {
    CommitBatch batch;
    for (auto& [index, writer] : writers_) {
      Status s = writer->Finish(&batch);
      if (!s.ok()) return Abandon(s);
    }
    batch.deletes = std::move(deletes_);
    deletes_.clear();
    if (!batch.segments.empty() || !batch.deletes.empty() || !batch.mappings.empty()) {
      Status s = store_->Commit(batch);
      if (!s.ok()) return Abandon(s);
    }
    writers_.clear();
    pending_.clear();
    for (BulkItem* item : waiting_) {
      item->awaiting_commit = false;
      if (item->op != "delete") ++metrics_->documents_indexed;
    }
    waiting_.clear();
    return Status::OK();
  }

 private:
  void Succeed(BulkItem* item, int status, const char* result) {
    item->status = status;
    item->result = result;
    item->awaiting_commit = true;
    waiting_.push_back(item);
  }

  void Delete(const StoredDoc& doc) { deletes_.insert(deletes_.end(), doc.rows.begin(), doc.rows.end()); }

  Status Abandon(const Status& s) {
    for (BulkItem* item : waiting_) {
      item->awaiting_commit = false;
      Fail(item, 500, "exception", fmt::format("the write could not be stored: {}", s.message()));
    }
    waiting_.clear();
    writers_.clear();
    pending_.clear();
    deletes_.clear();
    return s;
  }

  DocumentWriter* WriterFor(const std::string& index) {
    auto it = writers_.find(index);
    if (it != writers_.end()) return it->second.get();
    IndexMapping mapping;
    std::string json = store_->Mapping(index);
    // No mapping yet (a new index, or one that holds no documents, such as the
    // flow index serve creates at start): the matching index template's.
    if (json.empty() || json == "{}") {
      std::string from_template = template_mapping_(index);
      if (!from_template.empty()) json = std::move(from_template);
    }
    MappingError error;
    if (!json.empty() && !IndexMapping::FromJson(json, &mapping, &error)) {
      status_ = Status::Corruption(fmt::format("the mapping of [{}] is damaged: {}", index, error.reason));
      return nullptr;
    }
    DocumentWriter::Options o;
    o.parse_date = ReadMappingDate;
    o.index = index;
    auto writer = std::make_unique<DocumentWriter>(store_, o, std::move(mapping));
    DocumentWriter* raw = writer.get();
    writers_.emplace(index, std::move(writer));
    return raw;
  }

  Store* store_;
  Metrics* metrics_;
  std::atomic<uint64_t>* seq_no_;
  std::function<std::string(const std::string&)> template_mapping_;
  std::set<std::string> updated_indices_;  // indices this bulk has update items for
  Status status_;
  std::map<std::pair<std::string, std::string>, StoredDoc> stored_;
  std::set<std::pair<std::string, std::string>> pending_;  // written in this bulk, not committed yet
  std::map<std::string, std::unique_ptr<DocumentWriter>> writers_;
  std::vector<std::pair<uint64_t, uint32_t>> deletes_;
  std::vector<BulkItem*> waiting_;
};

}  // namespace

RestResponse EsApi::Bulk(const RestRequest& req, const std::string& path_index) {
  const auto t0 = std::chrono::steady_clock::now();
  auto bad_request = [](std::string reason) {
    EsException e;
    e.type = "illegal_argument_exception";
    e.reason = std::move(reason);
    return ErrorResponse(e);
  };
  if (path_index.find_first_of("*,") != std::string::npos) {
    return bad_request(fmt::format("bulk requests write to one index, not [{}]", path_index));
  }
  // Elasticsearch reads the body line by line and wants the last one ended.
  if (!req.body.empty() && req.body.back() != '\n') {
    return bad_request("The bulk request must be terminated by a newline [\\n]");
  }
  // 1. Parse: action lines and their documents.
  std::vector<BulkItem> items;
  std::string_view body = req.body;
  int line_number = 0;
  auto next_line = [&](std::string_view* line) {
    while (!body.empty()) {
      const size_t nl = body.find('\n');
      *line = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
      ++line_number;
      if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
      if (line->find_first_not_of(" \t") != std::string_view::npos) return true;
    }
    return false;
  };
  std::string_view line;
  while (next_line(&line)) {
    rapidjson::Document action;
    action.Parse(line.data(), line.size());
    if (action.HasParseError()) {
      EsException e;
      e.type = "x_content_parse_exception";
      e.reason =
          fmt::format("[{}:{}] Malformed action/metadata line [{}]: {}", line_number, action.GetErrorOffset() + 1,
                      line_number, rapidjson::GetParseError_En(action.GetParseError()));
      return ErrorResponse(e);
    }
    // Elasticsearch's BulkRequestParser, token by token, with its messages.
    if (!action.IsObject()) {
      return bad_request(fmt::format("Malformed action/metadata line [{}], expected START_OBJECT but found [{}]",
                                     line_number, DslContext::TokenName(action)));
    }
    if (action.MemberCount() == 0) {
      return bad_request(
          fmt::format("Malformed action/metadata line [{}], expected FIELD_NAME but found [END_OBJECT]", line_number));
    }
    BulkItem item;
    item.op.assign(action.MemberBegin()->name.GetString(), action.MemberBegin()->name.GetStringLength());
    if (item.op != "index" && item.op != "create" && item.op != "delete" && item.op != "update") {
      return bad_request(fmt::format(
          "Malformed action/metadata line [{}], expected field [create], [delete], [index] or [update] but found [{}]",
          line_number, item.op));
    }
    const rapidjson::Value& params = action.MemberBegin()->value;
    if (!params.IsObject()) {
      return bad_request(
          fmt::format("Malformed action/metadata line [{}], expected START_OBJECT or END_OBJECT but found [{}]",
                      line_number, DslContext::TokenName(params)));
    }
    if (action.MemberCount() > 1) {
      return bad_request(
          fmt::format("Malformed action/metadata line [{}], expected END_OBJECT but found [FIELD_NAME]", line_number));
    }
    item.index = path_index;
    for (auto& m : params.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      static constexpr std::string_view kKnown[] = {"_index",
                                                    "_id",
                                                    "routing",
                                                    "op_type",
                                                    "version",
                                                    "version_type",
                                                    "if_seq_no",
                                                    "if_primary_term",
                                                    "retry_on_conflict",
                                                    "pipeline",
                                                    "_source",
                                                    "require_alias",
                                                    "require_data_stream",
                                                    "list_executed_pipelines",
                                                    "dynamic_templates"};
      if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
        return bad_request(
            fmt::format("Action/metadata line [{}] contains an unknown parameter [{}]", line_number, key));
      }
      const bool object_allowed = key == "_source" || key == "dynamic_templates";
      if (m.value.IsArray() || (m.value.IsObject() && !object_allowed)) {
        return bad_request(
            fmt::format("Malformed action/metadata line [{}], expected a simple value for field [{}] but found [{}]",
                        line_number, key, DslContext::TokenName(m.value)));
      }
      if (key == "_index" || key == "_id") {
        std::string text;
        if (m.value.IsString()) {
          text.assign(m.value.GetString(), m.value.GetStringLength());
        } else if (m.value.IsNumber()) {
          rapidjson::StringBuffer buf;
          rapidjson::Writer<rapidjson::StringBuffer> w(buf);
          m.value.Accept(w);
          text.assign(buf.GetString(), buf.GetSize());
        } else if (!m.value.IsNull()) {
          text = m.value.IsTrue() ? "true" : "false";
        }
        (key == "_index" ? item.index : item.id) = std::move(text);
        if (key == "_id") item.id_given = !m.value.IsNull();
      } else if (key == "op_type" && m.value.IsString() && std::string_view(m.value.GetString()) == "create") {
        item.op = "create";
      }
      // routing, pipeline, require_alias, version, if_seq_no, ...: accepted, not applied.
    }
    if (item.op != "delete") {
      std::string_view document;
      if (!next_line(&document)) return bad_request("The bulk request must be terminated by a newline [\\n]");
      item.source.assign(document);
    }
    if (item.index.empty()) {
      EsException e;
      e.type = "action_request_validation_exception";
      e.reason = "Validation Failed: 1: index is missing;";
      return ErrorResponse(e);
    }
    if (item.id_given && item.id.empty()) {
      EsException e;
      e.type = "action_request_validation_exception";
      e.reason = "Validation Failed: 1: if _id is specified it must not be empty;";
      return ErrorResponse(e);
    }
    if (item.op == "delete" && item.id.empty()) {
      EsException e;
      e.type = "action_request_validation_exception";
      e.reason = "Validation Failed: 1: id is missing;";
      return ErrorResponse(e);
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    EsException e;
    e.type = "action_request_validation_exception";
    e.reason = "Validation Failed: 1: no requests added;";
    return ErrorResponse(e);
  }
  // 2. Targets: aliases write to their one index; names are checked;
  // documents beyond the indexing-pressure budget are refused with 429.
  const auto version = store_->Current();
  uint64_t reserved = 0;
  for (BulkItem& item : items) {
    auto alias = version->aliases.find(item.index);
    if (alias != version->aliases.end()) {
      if (alias->second.size() != 1) {
        Fail(&item, 400, "illegal_argument_exception",
             fmt::format("no write index is defined for alias [{}]. The write index may be explicitly disabled using "
                         "is_write_index=false or the alias points to multiple indices without one being designated "
                         "as a write index",
                         item.index));
        continue;
      }
      item.index = alias->second[0];
    }
    Status s = ValidateIndexName(item.index);
    if (!s.ok()) {
      Fail(&item, 400, "invalid_index_name_exception", std::string(s.message()));
      continue;
    }
    const uint64_t bytes = item.source.size();
    if (indexing_bytes_.fetch_add(bytes) + bytes > options_.indexing_pressure_bytes) {
      indexing_bytes_.fetch_sub(bytes);
      Fail(&item, 429, "es_rejected_execution_exception",
           fmt::format("rejected execution of operation: the documents being indexed exceed the indexing pressure "
                       "limit of [{}] bytes",
                       options_.indexing_pressure_bytes));
      continue;
    }
    reserved += bytes;
  }
  // 3. Apply in order and commit.
  Status s;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::vector<BulkItem*> live;
    for (BulkItem& item : items) {
      if (!item.failed) live.push_back(&item);
    }
    BulkRun run(
        store_, metrics_, &seq_no_, [this](const std::string& index) { return TemplateMapping(index); }, live);
    s = run.Lookup(live);
    for (size_t i = 0; i < live.size() && s.ok(); ++i) s = run.Apply(live[i]);
    if (s.ok()) s = run.Commit();
    if (!s.ok()) {
      for (BulkItem* item : live) {
        if (item->status == 0) Fail(item, 500, "exception", std::string(s.message()));
      }
    }
  }
  indexing_bytes_.fetch_sub(reserved);
  // 4. The response, items in request order.
  rapidjson::StringBuffer buf;
  Writer w(buf);
  bool errors = false;
  for (const BulkItem& item : items) errors |= item.failed;
  w.StartObject();
  w.Key("took");
  w.Int64(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  w.Key("errors");
  w.Bool(errors);
  w.Key("items");
  w.StartArray();
  for (const BulkItem& item : items) {
    ++metrics_->bulk_items;
    if (item.failed) ++metrics_->bulk_item_errors;
    w.StartObject();
    WriteJsonString(w, item.op);
    w.StartObject();
    w.Key("_index");
    WriteJsonString(w, item.index);
    w.Key("_id");
    if (item.id.empty())
      w.Null();
    else
      WriteJsonString(w, item.id);
    if (item.failed) {
      w.Key("status");
      w.Int(item.status);
      w.Key("error");
      w.StartObject();
      w.Key("type");
      WriteJsonString(w, item.error_type);
      w.Key("reason");
      WriteJsonString(w, item.error_reason);
      w.Key("index_uuid");
      w.String("_na_");
      w.Key("shard");
      w.String("0");
      w.Key("index");
      WriteJsonString(w, item.index);
      w.EndObject();
    } else {
      // Versions are not tracked: every write reports version 1.
      w.Key("_version");
      w.Int(1);
      w.Key("result");
      WriteJsonString(w, item.result);
      w.Key("_shards");
      w.StartObject();
      w.Key("total");
      w.Int(1);
      w.Key("successful");
      w.Int(item.result == "noop" || item.result == "not_found" ? 0 : 1);
      w.Key("failed");
      w.Int(0);
      w.EndObject();
      w.Key("_seq_no");
      w.Uint64(item.seq_no);
      w.Key("_primary_term");
      w.Int(1);
      w.Key("status");
      w.Int(item.status);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  RestResponse r;
  r.body.assign(buf.GetString(), buf.GetSize());
  return r;
}

RestResponse EsApi::DocumentOp(const RestRequest& req, const std::string& index, const std::string& op,
                               const std::string& id) {
  const std::string& m = req.method;
  if ((op == "_doc" || op == "_source") && (m == "GET" || m == "HEAD")) {
    // GET /{index}/_doc/{id}, and /{index}/_source/{id} for the source alone
    std::vector<std::string> resolved;
    RestResponse error;
    if (!ResolveIndices(req, *store_->Current(), index, &resolved, &error)) return error;
    SearchRequest r;
    r.indices = resolved;
    r.query = IdsQuery{{id}};
    r.size = 1;
    api::ApplySourceParams(req, &r);
    SearchResponse response;
    Status s = flowdex::Search(*store_, r, &response);
    if (!s.ok()) return ErrorResponse(SearchFailure(s, index));
    if (op == "_source") {
      if (response.hits.empty()) {
        EsException e = MakeEsException("resource_not_found_exception",
                                        fmt::format("Document not found [{}]/[{}]", index, id), 404);
        return ErrorResponse(e);
      }
      RestResponse out;
      out.body = r.fetch_source ? response.hits[0].source : "{}";
      return out;
    }
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("_index");
    WriteJsonString(w, response.hits.empty() ? index : response.hits[0].index);
    w.Key("_id");
    WriteJsonString(w, id);
    if (!response.hits.empty()) {
      w.Key("_version");
      w.Int(1);
      w.Key("_seq_no");
      w.Int(0);
      w.Key("_primary_term");
      w.Int(1);
    }
    w.Key("found");
    w.Bool(!response.hits.empty());
    if (!response.hits.empty() && r.fetch_source) {
      w.Key("_source");
      w.RawValue(response.hits[0].source.data(), response.hits[0].source.size(), rapidjson::kObjectType);
    }
    w.EndObject();
    RestResponse out;
    out.status = response.hits.empty() ? 404 : 200;
    out.body.assign(buf.GetString(), buf.GetSize());
    return out;
  }
  std::string action;
  if (op == "_update" && m == "POST")
    action = "update";
  else if (op == "_create" && (m == "PUT" || m == "POST"))
    action = "create";
  else if (op == "_doc" && m == "DELETE")
    action = "delete";
  else if (op == "_doc" && (m == "PUT" || m == "POST"))
    action = req.Param("op_type") == "create" ? "create" : "index";
  if (action.empty() || (id.empty() && action != "index")) {
    EsException e;
    e.status = 405;
    e.type = "illegal_argument_exception";
    e.reason = fmt::format("Incorrect HTTP method for uri [{}] and method [{}]", req.path, m);
    return ErrorResponse(e);
  }
  // One item, as a bulk: its metadata written with a JSON writer.
  rapidjson::StringBuffer meta;
  Writer w(meta);
  w.StartObject();
  WriteJsonString(w, action);
  w.StartObject();
  if (!id.empty()) {
    w.Key("_id");
    WriteJsonString(w, id);
  }
  w.EndObject();
  w.EndObject();
  RestRequest bulk = req;
  bulk.params.clear();
  std::string document = req.body;
  std::replace(document.begin(), document.end(), '\n', ' ');  // the bulk format is one document per line
  bulk.body = std::string(meta.GetString(), meta.GetSize()) + "\n" + (action == "delete" ? "" : document + "\n");
  RestResponse r = Bulk(bulk, index);
  if (r.status != 200) return r;
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  const rapidjson::Value& item = d["items"][0].MemberBegin()->value;
  const int status = item["status"].GetInt();
  if (item.HasMember("error")) {
    EsException e;
    e.status = status;
    e.type = item["error"]["type"].GetString();
    e.reason = item["error"]["reason"].GetString();
    e.extra = {{"index_uuid", "_na_"}, {"shard", "0"}, {"index", item["_index"].GetString()}};
    return ErrorResponse(e);
  }
  rapidjson::Value shown(item, d.GetAllocator());
  shown.RemoveMember("status");
  RestResponse out;
  out.status = status;
  out.body = ToJson(shown);
  return out;
}

RestResponse EsApi::MultiGet(const RestRequest& req, const std::string& path_index) {
  auto invalid = [](const std::string& reason) {
    EsException e;
    e.type = "action_request_validation_exception";
    e.reason = "Validation Failed: 1: " + reason + ";";
    return ErrorResponse(e);
  };
  rapidjson::Document body;
  body.Parse(req.body.data(), req.body.size());
  if (req.body.empty() || body.HasParseError() || !body.IsObject()) {
    if (body.HasParseError() && !req.body.empty()) {
      EsException e;
      e.type = "parse_exception";
      e.reason = "request body is not valid JSON";
      return ErrorResponse(e);
    }
    return invalid("no documents to get");
  }
  // The documents asked for: "docs" [{_index, _id}] or "ids" in the path's index.
  std::vector<std::pair<std::string, std::string>> wanted;
  // A document's own _source (true/false, a field or fields, or {includes,
  // excludes}) as the URL parameters a get takes; empty: the request's.
  std::vector<std::map<std::string, std::string>> source_params;
  if (auto docs = body.FindMember("docs"); docs != body.MemberEnd() && docs->value.IsArray()) {
    for (const auto& d : docs->value.GetArray()) {
      if (!d.IsObject()) return invalid("docs must hold objects");
      std::string index = path_index, id;
      if (auto i = d.FindMember("_index"); i != d.MemberEnd() && i->value.IsString()) index = i->value.GetString();
      if (auto i = d.FindMember("_id"); i != d.MemberEnd() && i->value.IsString()) id = i->value.GetString();
      wanted.emplace_back(index, id);
      std::map<std::string, std::string> params;
      if (auto s = d.FindMember("_source"); s != d.MemberEnd()) {
        auto list = [](const rapidjson::Value& v) {
          std::string out;
          if (v.IsString()) return std::string(v.GetString());
          if (v.IsArray()) {
            for (const auto& f : v.GetArray()) {
              if (f.IsString()) out += (out.empty() ? "" : ",") + std::string(f.GetString());
            }
          }
          return out;
        };
        const rapidjson::Value& v = s->value;
        if (v.IsBool()) {
          params["_source"] = v.GetBool() ? "true" : "false";
        } else if (v.IsString() || v.IsArray()) {
          params["_source_includes"] = list(v);
        } else if (v.IsObject()) {
          if (v.HasMember("includes")) params["_source_includes"] = list(v["includes"]);
          if (v.HasMember("excludes")) params["_source_excludes"] = list(v["excludes"]);
        }
      }
      source_params.push_back(std::move(params));
    }
  } else if (auto ids = body.FindMember("ids"); ids != body.MemberEnd() && ids->value.IsArray()) {
    for (const auto& id : ids->value.GetArray()) {
      if (!id.IsString()) return invalid("ids must be strings");
      wanted.emplace_back(path_index, id.GetString());
    }
  } else {
    EsException e;
    e.type = "parsing_exception";
    e.reason = "unknown key [" + (body.MemberCount() > 0 ? std::string(body.MemberBegin()->name.GetString()) : "") +
               "] for a START_OBJECT, expected [docs] or [ids]";
    return ErrorResponse(e);
  }
  if (wanted.empty()) return invalid("no documents to get");
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (wanted[i].first.empty()) return invalid(fmt::format("index is missing for doc {}", i));
    if (wanted[i].second.empty()) return invalid(fmt::format("id is missing for doc {}", i));
  }
  // Each is a get; an error (a missing index) answers in its place.
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("docs");
  w.StartArray();
  RestRequest get = req;
  get.method = "GET";
  get.body.clear();
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [index, id] = wanted[i];
    RestRequest one_get = get;
    if (i < source_params.size() && !source_params[i].empty()) {
      for (const char* p : {"_source", "_source_includes", "_source_excludes"}) one_get.params.erase(p);
      for (const auto& [k, v] : source_params[i]) one_get.params[k] = v;
    }
    RestResponse one = DocumentOp(one_get, index, "_doc", id);
    rapidjson::Document d;
    d.Parse(one.body.data(), one.body.size());
    if (one.status == 200 || (one.status == 404 && d.IsObject() && d.HasMember("found"))) {
      w.RawValue(one.body.data(), one.body.size(), rapidjson::kObjectType);
      continue;
    }
    w.StartObject();
    w.Key("_index");
    WriteJsonString(w, index);
    w.Key("_id");
    WriteJsonString(w, id);
    if (d.IsObject() && d.HasMember("error") && d["error"].IsObject()) {
      w.Key("error");
      d["error"].Accept(w);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  RestResponse out;
  out.body.assign(buf.GetString(), buf.GetSize());
  return out;
}

}  // namespace flowdex
