#include "api/es_error.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "query/response_writer.h"

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteFields(Writer& w, const EsError& e) {
  w.Key("type");
  Str(w, e.type);
  w.Key("reason");
  Str(w, e.reason);
  for (const auto& [k, v] : e.extra) {
    Str(w, k);
    Str(w, v);
  }
}

}  // namespace

RestResponse ErrorResponse(const EsError& error) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("root_cause");
  w.StartArray();
  w.StartObject();
  WriteFields(w, error);
  w.EndObject();
  w.EndArray();
  WriteFields(w, error);
  w.EndObject();
  w.Key("status");
  w.Int(error.status);
  w.EndObject();
  RestResponse r;
  r.status = error.status;
  r.body.assign(buf.GetString(), buf.GetSize());
  return r;
}

RestResponse ErrorResponse(const SearchError& error) {
  RestResponse r;
  r.status = error.status;
  r.body = SearchErrorJson(error);
  return r;
}

EsError IndexNotFound(const std::string& index) {
  EsError e;
  e.status = 404;
  e.type = "index_not_found_exception";
  e.reason = "no such index [" + index + "]";
  e.extra = {{"resource.type", "index_or_alias"}, {"resource.id", index}, {"index_uuid", "_na_"}, {"index", index}};
  return e;
}

EsError ErrorFromStatus(const Status& status) {
  EsError e;
  e.status = status.IsNotFound() ? 404 : status.IsInvalidArgument() ? 400 : 500;
  std::string_view message = status.message();
  if (!SplitExceptionType(message, &e.type, &e.reason)) {
    e.type = e.status == 404 ? "resource_not_found_exception" : e.status == 400 ? "illegal_argument_exception"
                                                                                : "exception";
    e.reason = std::string(message);
  }
  return e;
}

}  // namespace flowdex
