#include "pipeline/elasticsearch_sink.h"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "enrich/address_enricher.h"
#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"
#include "schema/document_id.h"
#include "schema/flow_schema.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

std::string FlowIndexTemplateJson(const std::string& index) {
  // Dotted field names become nested "properties" objects.
  struct Node {
    std::string type;
    std::map<std::string, Node> children;
  };
  Node root;
  for (const FlowSchemaField& field : FlowSchemaFields()) {
    const std::string name(field.name);
    const std::string type(FieldTypeName(field.type));
    Node* n = &root;
    size_t i = 0;
    bool conflict = false;
    while (true) {
      const size_t dot = name.find('.', i);
      const std::string part = name.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
      n = &n->children[part];
      if (dot == std::string::npos) break;
      if (!n->type.empty()) conflict = true;  // a leaf cannot also be an object
      i = dot + 1;
    }
    if (!conflict && n->children.empty()) n->type = type;
  }
  std::function<void(const Node&, rapidjson::Writer<rapidjson::StringBuffer>&)> write =
      [&](const Node& node, rapidjson::Writer<rapidjson::StringBuffer>& w) {
        w.StartObject();
        for (const auto& [name, child] : node.children) {
          w.Key(name.c_str());
          w.StartObject();
          if (!child.children.empty()) {
            w.Key("properties");
            write(child, w);
          } else {
            w.Key("type");
            w.String(child.type.c_str());
          }
          w.EndObject();
        }
        w.EndObject();
      };
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("index_patterns");
  w.StartArray();
  const std::string prefix = "logs-aws.vpcflow-";
  w.String(index.rfind(prefix, 0) == 0 ? (prefix + "*").c_str() : index.c_str());
  w.EndArray();
  w.Key("priority");
  w.Int(250);  // above the built-in logs-*-* template (100)
  w.Key("data_stream");
  w.StartObject();
  w.EndObject();
  w.Key("template");
  w.StartObject();
  w.Key("mappings");
  w.StartObject();
  w.Key("properties");
  write(root, w);
  w.EndObject();
  w.EndObject();
  w.Key("_meta");
  w.StartObject();
  w.Key("managed_by");
  w.String("flowdex");
  w.Key("description");
  w.String("AWS VPC flow logs in ECS, as Elastic's aws.vpcflow data stream maps them");
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

// Turns records into _bulk batches and sends each when full.
class BulkBatcher final : public FlowRecordSink {
  // One document of a batch: its id and the byte range of its two lines.
  struct BulkItem {
    uint64_t offset;  // line offset (the id's suffix)
    size_t begin, end;
  };

 public:
  BulkBatcher(ElasticsearchSink* sink, const std::string& source_key, ObjectResult* result, CancellationSource* stop)
      : sink_(sink), source_key_(source_key), result_(result), stop_(stop), ecs_(EcsDocumentWriter::Options{}) {
    const std::string first = DocumentIdFor(source_key, 0);
    id_prefix_ = first.substr(0, first.find('-'));
    action_prefix_ = fmt::format(R"({{"create":{{"_index":{},"_id":")", JsonQuote(sink->options_.index));
  }

  void OnRecord(const FlowRecord& record, const LineContext& ctx) override {
    if (!status_.ok()) return;
    const size_t begin = body_.size();
    body_ += action_prefix_;
    body_ += id_prefix_;
    fmt::format_to(std::back_inserter(body_), "-{}\"}}}}\n", ctx.offset);
    body_ += ecs_.Write(record, ctx.line);
    body_ += '\n';
    items_.push_back(BulkItem{ctx.offset, begin, body_.size()});
    if (items_.size() >= sink_->options_.batch_documents || body_.size() >= sink_->options_.batch_bytes) Flush();
  }

  void OnBadLine(const LineContext& ctx, const Status& reason) override {
    if (result_->bad_line_samples.size() < 5) {
      result_->bad_line_samples.push_back(fmt::format("line {}: {}", ctx.line_number, reason.message()));
    }
  }

  // Sends what is batched, retrying until every item is stored, known, or
  // dead-lettered; an error otherwise (the object is then retried later).
  void Flush() {
    if (items_.empty() || !status_.ok()) return;
    std::string body = std::move(body_);
    std::vector<BulkItem> items = std::move(items_);
    body_.clear();
    items_.clear();
    status_ = SendWithRetries(std::move(body), std::move(items));
    if (!status_.ok()) stop_->Cancel();
  }

  const Status& status() const { return status_; }

 private:
  Status SendWithRetries(std::string body, std::vector<BulkItem> items) {
    for (int attempt = 0;; ++attempt) {
      HttpResponse resp;
      Status s = sink_->Send("POST", "/_bulk", body, "application/x-ndjson", &resp);
      std::string why;
      if (!s.ok()) {
        if (!IsTransient(s)) return Status::IoError(fmt::format("_bulk to {}: {}", sink_->options_.url, s.message()));
        why = std::string(s.message());
      } else if (resp.status == 429 || resp.status >= 500) {
        why = fmt::format("HTTP {}", resp.status);
      } else if (resp.status != 200) {
        return Status::IoError(fmt::format("_bulk to {} answered HTTP {}: {}", sink_->options_.url, resp.status,
                                           resp.body.substr(0, 300)));
      } else {
        std::vector<BulkItem> retry;
        s = Classify(resp.body, body, items, &retry, &why);
        if (!s.ok()) return s;
        if (retry.empty()) return Status::OK();
        // Rebuild a body of the items to retry.
        std::string next;
        std::vector<BulkItem> next_items;
        for (const BulkItem& it : retry) {
          const size_t begin = next.size();
          next.append(body, it.begin, it.end - it.begin);
          next_items.push_back(BulkItem{it.offset, begin, next.size()});
        }
        body = std::move(next);
        items = std::move(next_items);
      }
      if (attempt + 1 >= sink_->options_.max_attempts) {
        return Status::IoError(fmt::format("{} documents not accepted by {} after {} attempts (last: {})", items.size(),
                                           sink_->options_.url, attempt + 1, why));
      }
      sink_->retries_.fetch_add(1);
      if (!sink_->Sleep(attempt)) return Status::Cancelled("shutting down");
    }
  }

  // Sorts the answer's items: stored, already there (409), to retry
  // (429/5xx), or refused for good (dead-lettered here).
  Status Classify(const std::string& answer, const std::string& body, const std::vector<BulkItem>& items,
                  std::vector<BulkItem>* retry, std::string* why) {
    rapidjson::Document doc;
    doc.Parse(answer.data(), answer.size());
    if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("_bulk answer is not JSON");
    auto errors = doc.FindMember("errors");
    auto arr = doc.FindMember("items");
    if (arr == doc.MemberEnd() || !arr->value.IsArray() || arr->value.Size() != items.size()) {
      return Status::Corruption(fmt::format("_bulk answer has {} items for {} documents",
                                            arr != doc.MemberEnd() && arr->value.IsArray() ? arr->value.Size() : 0,
                                            items.size()));
    }
    if (errors != doc.MemberEnd() && errors->value.IsBool() && !errors->value.GetBool()) {
      result_->stored += items.size();
      return Status::OK();
    }
    std::string dead;
    for (rapidjson::SizeType i = 0; i < arr->value.Size(); ++i) {
      const auto& wrapper = arr->value[i];
      if (!wrapper.IsObject() || wrapper.MemberCount() == 0)
        return Status::Corruption("_bulk answer item is not an object");
      const auto& item = wrapper.MemberBegin()->value;
      auto st = item.FindMember("status");
      const int status = st != item.MemberEnd() && st->value.IsInt() ? st->value.GetInt() : 0;
      if (status >= 200 && status < 300) {
        ++result_->stored;
      } else if (status == 409) {
        ++result_->duplicates;
      } else if (status == 429 || status >= 500 || status == 0) {
        retry->push_back(items[i]);
        *why = fmt::format("item status {}", status);
      } else {
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        auto err = item.FindMember("error");
        w.StartObject();
        w.Key("@timestamp");
        char ts[24];  // FormatIso8601Millis writes exactly 24 characters, no terminator
        FormatIso8601Millis(CurrentTimeMillis(), ts);
        w.String(ts, sizeof(ts));
        w.Key("source");
        w.String(source_key_.c_str());
        w.Key("_id");
        const std::string id = fmt::format("{}-{}", id_prefix_, items[i].offset);
        w.String(id.c_str());
        w.Key("status");
        w.Int(status);
        w.Key("error");
        if (err != item.MemberEnd()) {
          err->value.Accept(w);
        } else {
          w.Null();
        }
        w.Key("document");
        // The document line is the second of the item's two lines.
        const std::string_view lines(body.data() + items[i].begin, items[i].end - items[i].begin);
        const size_t nl = lines.find('\n');
        const std::string_view document = lines.substr(nl + 1, lines.size() - nl - 2);
        w.RawValue(document.data(), document.size(), rapidjson::kObjectType);
        w.EndObject();
        dead.append(buf.GetString(), buf.GetSize());
        dead += '\n';
        ++result_->dead_lettered;
      }
    }
    if (!dead.empty()) return sink_->WriteDeadLetters(dead);
    return Status::OK();
  }

  ElasticsearchSink* sink_;
  const std::string& source_key_;
  ObjectResult* result_;
  CancellationSource* stop_;  // stops reading the object once a batch failed
  EcsDocumentWriter ecs_;
  std::string id_prefix_, action_prefix_;
  std::string body_;
  std::vector<BulkItem> items_;
  Status status_;
};

ElasticsearchSink::ElasticsearchSink(ElasticsearchSinkOptions options) : options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  authorization_ = ElasticsearchAuthorization(options_.basic_auth, options_.api_key);
}

ElasticsearchSink::~ElasticsearchSink() = default;

bool ElasticsearchSink::Sleep(int attempt) {
  AwsConfig backoff;
  backoff.base_backoff_ms = options_.base_backoff_ms;
  backoff.max_backoff_ms = options_.max_backoff_ms;
  backoff.cancel = options_.cancel;
  return BackoffSleep(backoff, attempt);
}

Status ElasticsearchSink::Send(const std::string& method, const std::string& path, const std::string& body,
                               const char* content_type, HttpResponse* response) {
  HttpRequest req;
  req.method = method;
  req.url = options_.url + path;
  req.body = body;
  req.timeout_ms = options_.timeout_ms;
  req.ca_file = options_.ca_file;
  req.insecure = options_.insecure;
  req.max_response_bytes = 256u << 20;
  req.headers.emplace_back("Content-Type", content_type);
  if (!authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
  if (!options_.sigv4_service.empty()) {
    Credentials creds;
    Status s = options_.aws.credentials ? options_.aws.credentials->Get(&creds) : Status::NotFound("no credentials");
    if (!s.ok()) return s;
    SigV4Options opt;
    if (options_.sigv4_service == "aoss") req.headers.emplace_back("x-amz-content-sha256", Sha256Hex(req.body));
    s = SignRequest(&req, creds,
                    SigV4Scope{options_.aws.region.empty() ? "us-east-1" : options_.aws.region, options_.sigv4_service},
                    opt);
    if (!s.ok()) return s;
  }
  return ThreadHttpClient().Send(req, response);
}

Status ElasticsearchSink::InstallTemplate() {
  std::lock_guard<std::mutex> lock(template_mu_);
  if (template_done_) return Status::OK();
  const std::string body = FlowIndexTemplateJson(options_.index);
  for (int attempt = 0;; ++attempt) {
    HttpResponse resp;
    Status s = Send("PUT", "/_index_template/flowdex-aws-vpcflow", body, "application/json", &resp);
    if (s.ok() && resp.status >= 200 && resp.status < 300) break;
    const bool retry = s.ok() ? resp.status == 429 || resp.status >= 500 : IsTransient(s);
    if (!retry || attempt + 1 >= options_.max_attempts || !Sleep(attempt)) {
      return Status::IoError(fmt::format(
          "installing the index template on {}: {}", options_.url,
          s.ok() ? fmt::format("HTTP {}: {}", resp.status, resp.body.substr(0, 300)) : std::string(s.message())));
    }
  }
  template_done_ = true;
  return Status::OK();
}

Status ElasticsearchSink::WriteDeadLetters(const std::string& lines) {
  std::lock_guard<std::mutex> lock(dead_letter_mu_);
  const int fd = ::open(options_.dead_letter_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Status::FromErrno("opening dead-letter file " + options_.dead_letter_path, errno);
  size_t done = 0;
  while (done < lines.size()) {
    const ssize_t n = ::write(fd, lines.data() + done, lines.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Status::FromErrno("writing dead-letter file " + options_.dead_letter_path, err);
    }
    done += static_cast<size_t>(n);
  }
  // Dead letters replace the documents: durable before the message goes.
  // (A pipe, such as Lambda's stderr going to its log, cannot be synced: EINVAL.)
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS) {
    return Status::FromErrno("syncing dead-letter file " + options_.dead_letter_path, err);
  }
  return Status::OK();
}

Status ElasticsearchSink::WriteObject(const std::string& source_key, ByteSource* body, ObjectResult* result) {
  if (options_.install_template) {
    Status s = InstallTemplate();
    if (!s.ok()) return s;
  }
  CancellationSource stop;
  BulkBatcher batcher(this, source_key, result, &stop);
  FlowReadOptions ro;
  ro.user_format = options_.user_format;
  ro.cancel = stop.token();
  ro.line_text = false;  // documents without event.original
  std::unique_ptr<AddressEnricher> enricher;
  if (options_.enrichment.active()) {
    enricher = std::make_unique<AddressEnricher>(options_.enrichment);
    ro.enricher = enricher.get();
  }
  FlowLogReader reader(ro);
  FlowReadStats stats;
  Status s = reader.Read(body, source_key, &batcher, &stats);
  if (batcher.status().ok()) batcher.Flush();
  result->records = stats.records;
  result->bad_lines = stats.bad_lines;
  result->bytes_read = stats.bytes_read;
  result->bytes_decoded = stats.bytes_decoded;
  if (!batcher.status().ok()) return batcher.status();
  return s;
}

}  // namespace flowdex
