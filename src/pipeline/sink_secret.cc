#include "pipeline/sink_secret.h"
#include "util/json_members.h"

#include <rapidjson/document.h>

namespace flowdex {

Status ParseSinkSecret(std::string_view secret, SinkCredentials* out) {
  *out = SinkCredentials();
  const size_t first = secret.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && secret[first] == '{') {
    rapidjson::Document doc;
    doc.Parse(secret.data(), secret.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return Status::InvalidArgument("the sink secret starts with '{' but is not a JSON object");
    }
    const std::string api_key = JsonStringMember(doc, "api_key");
    const std::string user = JsonStringMember(doc, "username");
    const std::string password = JsonStringMember(doc, "password");
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
