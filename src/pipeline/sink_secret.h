// Sink credentials kept in a secret (AWS Secrets Manager), in the shapes
// people store them.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace flowdex {

struct SinkCredentials {
  std::string basic_auth;  // user:password
  std::string api_key;     // Elasticsearch's encoded API key (base64 of id:key)
};

// Reads a secret's text as sink credentials. Accepted: a JSON object with
// "username" and "password" (the console's key/value form), or with
// "api_key" (encoded); else the plain text "user:password". Anything else is
// InvalidArgument, whose message never repeats the secret.
Status ParseSinkSecret(std::string_view secret, SinkCredentials* out);

}  // namespace flowdex
