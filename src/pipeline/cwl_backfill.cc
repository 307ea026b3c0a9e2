#include "pipeline/cwl_backfill.h"

#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "aws/logs_client.h"
#include "aws/sigv4.h"
#include "io/memory_source.h"
#include "util/file_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// Where one stream's backfill stands.
struct StreamPosition {
  int64_t committed_ts = -1;  // every event before it, and those in committed_ids at it, are stored
  std::set<std::string> committed_ids;
  bool has_pending = false;  // a page whose commit may or may not have happened
  std::string pending_key;
  int64_t pending_last_ts = -1;
  std::string pending_last_id;
};

// The checkpoint file's content (docs/aws.md).
struct CwlPosition {
  std::string log_group, stream_prefix;
  int64_t end_ms = -1;
  std::map<std::string, StreamPosition> streams;

  bool any_pending() const {
    for (const auto& [name, p] : streams) {
      if (p.has_pending) return true;
    }
    return false;
  }
};

std::string Serialize(const CwlPosition& pos) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("version");
  w.Int(1);
  w.Key("log_group");
  w.String(pos.log_group.c_str());
  w.Key("stream_prefix");
  w.String(pos.stream_prefix.c_str());
  w.Key("end_ms");
  w.Int64(pos.end_ms);
  w.Key("streams");
  w.StartObject();
  for (const auto& [name, p] : pos.streams) {
    w.Key(name.c_str());
    w.StartObject();
    w.Key("committed_ts");
    w.Int64(p.committed_ts);
    w.Key("committed_ids");
    w.StartArray();
    for (const std::string& id : p.committed_ids) w.String(id.c_str());
    w.EndArray();
    if (p.has_pending) {
      w.Key("pending");
      w.StartObject();
      w.Key("key");
      w.String(p.pending_key.c_str());
      w.Key("last_ts");
      w.Int64(p.pending_last_ts);
      w.Key("last_id");
      w.String(p.pending_last_id.c_str());
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Status Parse(const std::string& text, CwlPosition* pos) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("the checkpoint is not JSON");
  auto str = [&](const rapidjson::Value& v, const char* name, std::string* out) {
    auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsString()) return false;
    out->assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  };
  auto num = [&](const rapidjson::Value& v, const char* name, int64_t* out) {
    auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsInt64()) return false;
    *out = it->value.GetInt64();
    return true;
  };
  auto streams = doc.FindMember("streams");
  if (!str(doc, "log_group", &pos->log_group) || !str(doc, "stream_prefix", &pos->stream_prefix) ||
      !num(doc, "end_ms", &pos->end_ms) || streams == doc.MemberEnd() || !streams->value.IsObject()) {
    return Status::Corruption("the checkpoint lacks its position");
  }
  for (const auto& m : streams->value.GetObject()) {
    StreamPosition& p = pos->streams[m.name.GetString()];
    if (!m.value.IsObject() || !num(m.value, "committed_ts", &p.committed_ts)) {
      return Status::Corruption("the checkpoint lacks a stream's position");
    }
    if (auto ids = m.value.FindMember("committed_ids"); ids != m.value.MemberEnd() && ids->value.IsArray()) {
      for (const auto& id : ids->value.GetArray()) {
        if (id.IsString()) p.committed_ids.insert(id.GetString());
      }
    }
    if (auto pending = m.value.FindMember("pending"); pending != m.value.MemberEnd() && pending->value.IsObject()) {
      p.has_pending = str(pending->value, "key", &p.pending_key) &&
                      num(pending->value, "last_ts", &p.pending_last_ts) &&
                      str(pending->value, "last_id", &p.pending_last_id);
      if (!p.has_pending) return Status::Corruption("the checkpoint's pending page is incomplete");
    }
  }
  return Status::OK();
}

}  // namespace

Status ParseCwlUrl(const std::string& url, int64_t now_seconds, CwlSource* out) {
  *out = CwlSource();
  constexpr std::string_view kScheme = "cwl://";
  if (url.rfind(kScheme, 0) != 0) return Status::InvalidArgument(fmt::format("{}: not a cwl:// URL", url));
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t q = rest.find('?');
  out->log_group = PercentDecode(rest.substr(0, q));
  if (out->log_group.empty()) {
    return Status::InvalidArgument(fmt::format("{}: no log group (cwl://LOG_GROUP[?stream-prefix=...])", url));
  }
  std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (name == "stream-prefix") {
      out->stream_prefix = value;
    } else if (name == "start" || name == "end") {
      int64_t seconds = 0;
      Status s = ParseTimeArg(value, now_seconds, &seconds);
      if (!s.ok()) return Status::InvalidArgument(fmt::format("{}: {}: {}", url, name, s.message()));
      (name == "start" ? out->start_ms : out->end_ms) = seconds * 1000;
    } else {
      return Status::InvalidArgument(
          fmt::format("{}: unknown parameter '{}' (stream-prefix, start and end are known)", url, name));
    }
  }
  return Status::OK();
}

Status RunCwlBackfill(const AwsConfig& aws, ObjectSink* sink, const CwlSource& source,
                      const CwlBackfillOptions& options, CwlBackfillSummary* summary) {
  *summary = CwlBackfillSummary();
  CwlPosition pos;
  pos.log_group = source.log_group;
  pos.stream_prefix = source.stream_prefix;
  if (!options.checkpoint_path.empty() && std::filesystem::exists(options.checkpoint_path)) {
    std::string text;
    Status s = ReadWholeFile(options.checkpoint_path, &text);
    if (s.ok()) s = Parse(text, &pos);
    if (!s.ok()) return Status::Corruption(fmt::format("{}: {}", options.checkpoint_path, s.message()));
    if (pos.log_group != source.log_group || pos.stream_prefix != source.stream_prefix) {
      return Status::InvalidArgument(
          fmt::format("{} is the checkpoint of cwl://{} (stream prefix '{}'), not of this URL", options.checkpoint_path,
                      pos.log_group, pos.stream_prefix));
    }
    summary->resumed = true;
  }
  // The end stays fixed while a page is pending (so it is rebuilt the same);
  // otherwise a new run reads up to now.
  if (!pos.any_pending()) pos.end_ms = source.end_ms >= 0 ? source.end_ms : CurrentTimeMillis();
  auto save = [&]() -> Status {
    if (options.checkpoint_path.empty()) return Status::OK();
    return WriteFileAtomically(options.checkpoint_path, Serialize(pos));
  };

  // Streams are read one at a time: within a stream, events come in
  // timestamp order, which the position relies on.
  std::vector<std::string> streams;
  Status s = ListLogStreams(aws, source.log_group, source.stream_prefix, &streams);
  if (!s.ok()) return s;
  for (const std::string& stream : streams) {
    auto [it, added] = pos.streams.try_emplace(stream);
    StreamPosition& sp = it->second;
    if (added) sp.committed_ts = source.start_ms;
    std::vector<LogEvent> batch;
    // Commits the batch as one object and moves the stream's position past it.
    auto commit = [&]() -> Status {
      if (batch.empty()) return Status::OK();
      if (!sp.has_pending) {
        sp.has_pending = true;
        sp.pending_key = fmt::format("cwl://{}/{}#{}", source.log_group, stream, batch.front().event_id);
        sp.pending_last_ts = batch.back().timestamp_ms;
        sp.pending_last_id = batch.back().event_id;
        Status st = save();
        if (!st.ok()) return st;
      } else {
        summary->finished_pending = true;
      }
      std::string text;
      for (const LogEvent& e : batch) {
        text += e.message;
        text += '\n';
      }
      MemorySource body(std::move(text));
      ObjectResult result;
      Status st = sink->WriteObject(sp.pending_key, &body, &result);
      if (!st.ok()) return Status::IoError(fmt::format("{}: {}", sp.pending_key, st.message()));
      ++summary->pages;
      summary->events += batch.size();
      summary->stored += result.stored;
      summary->duplicates += result.duplicates;
      summary->bad_lines += result.bad_lines;
      const int64_t last_ts = batch.back().timestamp_ms;
      if (last_ts != sp.committed_ts) {
        sp.committed_ts = last_ts;
        sp.committed_ids.clear();
      }
      for (const LogEvent& e : batch) {
        if (e.timestamp_ms == last_ts) sp.committed_ids.insert(e.event_id);
      }
      sp.has_pending = false;
      batch.clear();
      return save();
    };

    FilterLogEventsRequest req;
    req.log_group = source.log_group;
    req.stream_name = stream;
    req.start_ms = sp.committed_ts;
    req.end_ms = pos.end_ms;
    req.limit = options.page_limit;
    for (;;) {
      if (options.cancel.cancelled()) return Status::Cancelled("stopped");
      LogEventsPage page;
      s = FilterLogEvents(aws, req, &page);
      if (!s.ok()) return s;
      for (LogEvent& e : page.events) {
        // What the position says is stored (the events at its timestamp come again).
        if (e.timestamp_ms < sp.committed_ts ||
            (e.timestamp_ms == sp.committed_ts && sp.committed_ids.count(e.event_id) != 0)) {
          continue;
        }
        const bool ends_pending = sp.has_pending && e.event_id == sp.pending_last_id;
        batch.push_back(std::move(e));
        if (ends_pending) {
          s = commit();  // exactly the page an interrupted run left pending
          if (!s.ok()) return s;
        }
      }
      if (!sp.has_pending) {
        s = commit();
        if (!s.ok()) return s;
      }
      if (page.next_token.empty() || page.next_token == req.next_token) break;
      req.next_token = page.next_token;
    }
    // A pending page whose last event no longer comes back (expired from the
    // group): what there is of it is stored under its key.
    s = commit();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace flowdex
