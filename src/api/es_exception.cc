#include "api/es_exception.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/json_util.h"

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct TypeAndStatus {
  const char* type;
  int status;
};

// The table: what each Status code is in Elasticsearch's terms.
TypeAndStatus ForCode(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk: return {"exception", 500};
    case C::kNotFound: return {"resource_not_found_exception", 404};
    case C::kInvalidArgument: return {"illegal_argument_exception", 400};
    case C::kCorruption: return {"corrupt_index_exception", 500};
    case C::kIoError: return {"exception", 500};
    case C::kCancelled: return {"task_cancelled_exception", 400};
    case C::kAlreadyExists: return {"resource_already_exists_exception", 400};
    case C::kInvalidName: return {"invalid_index_name_exception", 400};
    case C::kResourceExhausted: return {"circuit_breaking_exception", 429};
    case C::kLimitExceeded: return {"too_many_buckets_exception", 400};
    case C::kQueryValue: return {"query_shard_exception", 400};
    case C::kDateValue: return {"parse_exception", 400};
    case C::kUnsupported: return {"illegal_argument_exception", 400};
    case C::kConflict: return {"version_conflict_engine_exception", 409};
    // As Elasticsearch blocks writes when the disk passes its flood stage.
    case C::kNoSpace: return {"cluster_block_exception", 429};
    case C::kTimedOut: return {"timeout_exception", 504};
    case C::kUnauthenticated: return {"security_exception", 401};
  }
  return {"exception", 500};
}

// ... and what each kind of unreadable request is.
const char* ForParseKind(ParseError::Kind kind) {
  switch (kind) {
    case ParseError::Kind::kParsing: return "parsing_exception";
    case ParseError::Kind::kMalformedJson: return "x_content_parse_exception";
    case ParseError::Kind::kIllegalArgument: return "illegal_argument_exception";
    case ParseError::Kind::kQueryString: return "query_shard_exception";
    case ParseError::Kind::kDateMath: return "parse_exception";
    case ParseError::Kind::kNumberFormat: return "number_format_exception";
  }
  return "parsing_exception";
}

// The members of an error object: type, reason, line/col when known, extras.
void WriteFields(Writer& w, const EsException& e) {
  w.Key("type");
  WriteJsonString(w, e.type);
  w.Key("reason");
  WriteJsonString(w, e.reason);
  if (e.line > 0) {
    w.Key("line");
    w.Int(e.line);
    w.Key("col");
    w.Int(e.col);
  }
  for (const auto& [k, v] : e.extra) {
    WriteJsonKey(w, k);
    WriteJsonString(w, v);
  }
}

}  // namespace

EsException MakeEsException(std::string type, std::string reason, int status) {
  EsException e;
  e.status = status;
  e.type = std::move(type);
  e.reason = std::move(reason);
  return e;
}

std::string EsExceptionJson(const EsException& e) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  const EsException& root = e.cause ? *e.cause : e;
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("root_cause");
  w.StartArray();
  w.StartObject();
  WriteFields(w, root);
  w.EndObject();
  w.EndArray();
  WriteFields(w, e);
  if (e.cause) {
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
    WriteJsonString(w, e.failed_index);
    w.Key("reason");
    w.StartObject();
    WriteFields(w, *e.cause);
    w.EndObject();
    w.EndObject();
    w.EndArray();
    w.Key("caused_by");
    w.StartObject();
    WriteFields(w, *e.cause);
    w.EndObject();
  }
  w.EndObject();
  w.Key("status");
  w.Int(e.status);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

RestResponse ErrorResponse(const EsException& e) {
  RestResponse r;
  r.status = e.status;
  r.body = EsExceptionJson(e);
  return r;
}

EsException FromStatus(const Status& status) {
  const TypeAndStatus t = ForCode(status.code());
  return MakeEsException(t.type, std::string(status.message()), t.status);
}

EsException FromParseError(const ParseError& error) {
  EsException e = MakeEsException(ForParseKind(error.kind), error.reason, 400);
  e.line = error.line;
  e.col = error.col;
  return e;
}

EsException SearchFailure(const Status& status, std::string_view index) {
  if (!status.IsRequestError() && status.code() != Status::Code::kResourceExhausted) return FromStatus(status);
  auto cause = std::make_shared<EsException>(FromStatus(status));
  EsException e = MakeEsException("search_phase_execution_exception", "all shards failed", cause->status);
  e.cause = std::move(cause);
  e.failed_index = std::string(index);
  return e;
}

EsException IndexNotFound(const std::string& index) {
  EsException e = MakeEsException("index_not_found_exception", "no such index [" + index + "]", 404);
  e.extra = {{"resource.type", "index_or_alias"}, {"resource.id", index}, {"index_uuid", "_na_"}, {"index", index}};
  return e;
}

}  // namespace flowdex
