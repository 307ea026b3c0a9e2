// HttpClient: HTTP/1.1 and HTTPS requests through libcurl, for the AWS APIs,
// the Lambda runtime API and the Elasticsearch sink. One client holds one
// libcurl handle (and its pooled connection); use one per thread.
//
// Bodies are never decompressed by the client (no Accept-Encoding is sent):
// a gzip flow-log object stored with Content-Encoding: gzip must reach the
// reader as the gzip bytes it is.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (case-insensitive), or "" when absent.
std::string_view FindHeader(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;  // sent as given (a Host header replaces libcurl's)
  std::string body;
  int64_t timeout_ms = 30'000;  // whole request; 0: none (streams use low_speed_*)
  int64_t connect_timeout_ms = 5'000;
  std::string ca_file;                    // PEM bundle to verify the server with ("" : system store)
  bool insecure = false;                  // do not verify the server's certificate
  size_t max_response_bytes = 64u << 20;  // Send: longer bodies fail the request
  CancellationToken cancel;               // when cancelled, the transfer is aborted
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // of the final response
  std::string body;
  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

// The Authorization header value for Elasticsearch-style credentials: "ApiKey
// <key>" when an encoded API key is given, else "Basic <base64 user:password>",
// else "".
std::string ElasticsearchAuthorization(const std::string& basic_auth, const std::string& api_key);

// Whether trying a failed Send/Open again may help: connection failures
// (IoError) and timeouts (TimedOut) yes; a certificate that cannot be
// verified (Unauthenticated) or a cancelled transfer (Cancelled) no.
bool IsTransient(const Status& s);

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and stores the response (any HTTP status) in *response.
  // Returns an IoError when no response arrived (DNS, connect, TLS, reset,
  // timeout: the message says which), or when the body exceeds the bound.
  Status Send(const HttpRequest& request, HttpResponse* response);

 private:
  void* curl_;  // CURL*
};

// HttpStream: one GET whose body is pulled in pieces, with bounded memory
// (libcurl is paused while the reader lags behind). Used for S3 objects.
class HttpStream {
 public:
  HttpStream();
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Starts the request and waits for the response's status and headers.
  // `low_speed_seconds`: the transfer fails when no byte arrives for this long.
  Status Open(const HttpRequest& request, int low_speed_seconds = 60);
  long status() const { return status_; }
  const HttpHeaders& headers() const { return headers_; }

  // Reads up to `capacity` body bytes; *n == 0 with OK means the end. A
  // transfer cut short (reset, timeout) is an IoError.
  Status Read(uint8_t* buf, size_t capacity, size_t* n);

  // Reads the remaining body into *out (at most `limit` bytes), for errors.
  Status ReadAll(std::string* out, size_t limit = 1u << 20);

  // Body bytes returned so far.
  uint64_t position() const { return position_; }

 private:
  friend struct HttpStreamCallbacks;
  Status Pump();  // runs libcurl until data, the end or an error
  void Close();

  void* multi_ = nullptr;  // CURLM*
  void* easy_ = nullptr;   // CURL*
  void* header_list_ = nullptr;
  std::string url_;
  long status_ = 0;
  HttpHeaders headers_;
  bool headers_done_ = false;
  bool done_ = false;
  bool paused_ = false;
  Status result_;
  std::string pending_;  // received, not yet read
  size_t pending_pos_ = 0;
  uint64_t position_ = 0;
};

// Parts of an absolute URL, as written (nothing decoded).
struct UrlParts {
  std::string scheme;  // "http" / "https"
  std::string host;    // without brackets for IPv6
  int port = 0;        // 0 when the URL names none
  std::string path;    // "/" when empty
  std::string query;   // without '?'
  // host[:port] as a Host header carries it (the port only when not the scheme's default).
  std::string HostHeader() const;
};
Status ParseUrl(std::string_view url, UrlParts* out);

}  // namespace flowdex
