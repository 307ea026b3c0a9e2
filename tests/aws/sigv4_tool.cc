// Test helper for sigv4_test.py: signs each request read from stdin (one JSON
// object per line) with flowdex's signer and prints one JSON line per request
// with the canonical request, the string to sign and the Authorization value.
#include <iostream>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "aws/sigv4.h"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    rapidjson::Document in;
    in.Parse(line.c_str());
    if (in.HasParseError() || !in.IsObject()) {
      std::cerr << "bad input line\n";
      return 2;
    }
    flowdex::HttpRequest req;
    req.method = in["method"].GetString();
    req.url = in["url"].GetString();
    req.body = in["body"].GetString();
    for (const auto& h : in["headers"].GetArray()) req.headers.emplace_back(h[0].GetString(), h[1].GetString());
    flowdex::Credentials creds;
    creds.access_key_id = in["key"].GetString();
    creds.secret_access_key = in["secret"].GetString();
    creds.session_token = in["token"].GetString();
    flowdex::SigV4Options options;
    options.s3_rules = in["s3"].GetBool();
    options.unsigned_payload = in["unsigned"].GetBool();
    options.time_ms = in["time_ms"].GetInt64();
    flowdex::SigV4Result r;
    flowdex::Status s =
        flowdex::SignRequest(&req, creds, {in["region"].GetString(), in["service"].GetString()}, options, &r);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("error");
    w.String(std::string(s.message()).c_str());
    w.Key("canonical_request");
    w.String(r.canonical_request.c_str());
    w.Key("string_to_sign");
    w.String(r.string_to_sign.c_str());
    w.Key("authorization");
    w.String(r.authorization.c_str());
    w.EndObject();
    std::cout << buf.GetString() << "\n";
  }
  return 0;
}
