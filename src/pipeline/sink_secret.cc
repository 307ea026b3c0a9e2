#include "pipeline/sink_secret.h"

#include <rapidjson/document.h>

namespace flowdex {

namespace {

// The non-empty string member `name`, or "".
std::string StringMember(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

Status ParseSinkSecret(std::string_view secret, SinkCredentials* out) {
  *out = SinkCredentials();
  const size_t first = secret.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && secret[first] == '{') {
    rapidjson::Document doc;
    doc.Parse(secret.data(), secret.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return Status::InvalidArgument("the sink secret starts with '{' but is not a JSON object");
    }
    const std::string api_key = StringMember(doc, "api_key");
    const std::string user = StringMember(doc, "username");
    const std::string password = StringMember(doc, "password");
    if (!api_key.empty() && user.empty()) {
      out->api_key = api_key;
      return Status::OK();
    }
    if (!user.empty() && !password.empty() && api_key.empty()) {
      out->basic_auth = user + ":" + password;
      return Status::OK();
    }
    return Status::InvalidArgument(
        "the sink secret must hold either \"username\" and \"password\", or \"api_key\" (not both)");
  }
  std::string_view text = secret;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument(
        "the sink secret must be JSON ({\"username\",\"password\"} or {\"api_key\"}) or user:password");
  }
  out->basic_auth = std::string(text);
  return Status::OK();
}

}  // namespace flowdex
