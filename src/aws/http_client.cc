#include "aws/http_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>

namespace flowdex {

namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Parses one header line into *headers; a status line starts a new response
// (after a 100 Continue or a proxy's CONNECT answer) and clears them.
void OnHeaderLine(std::string_view line, HttpHeaders* headers, bool* done) {
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    *done = false;
    return;
  }
  line = TrimView(line);
  if (line.empty()) {
    *done = true;
    return;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  headers->emplace_back(std::string(TrimView(line.substr(0, colon))), std::string(TrimView(line.substr(colon + 1))));
}

curl_slist* BuildHeaderList(const HttpRequest& request) {
  curl_slist* list = nullptr;
  bool has_expect = false, has_accept = false;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
    has_expect |= strcasecmp(name.c_str(), "expect") == 0;
    has_accept |= strcasecmp(name.c_str(), "accept") == 0;
  }
  // No 100-continue round trip for uploads; no libcurl default Accept.
  if (!has_expect) list = curl_slist_append(list, "Expect:");
  if (!has_accept) list = curl_slist_append(list, "Accept:");
  return list;
}

int AbortIfCancelled(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

void ApplyCommon(CURL* c, const HttpRequest& request, curl_slist* headers) {
  if (request.cancel.flag() != nullptr) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, AbortIfCancelled);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel.flag()));
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "flowdex/0.1");
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  if (!request.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  } else if (const char* bundle = std::getenv("SSL_CERT_FILE"); bundle && *bundle) {
    // OpenSSL's variable: libcurl's built-in default path is the build machine's
    // (the Lambda zip runs on Amazon Linux, whose bundle lives elsewhere).
    curl_easy_setopt(c, CURLOPT_CAINFO, bundle);
  }
  if (request.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

Status CurlError(CURLcode code, const char* errbuf, const std::string& url) {
  std::string detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(code);
  const bool tls = code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
                   code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CRL_BADFILE || code == CURLE_SSL_ISSUER_ERROR ||
                   code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
  const char* kind = code == CURLE_OPERATION_TIMEDOUT    ? "timeout"
                     : code == CURLE_ABORTED_BY_CALLBACK ? "cancelled"
                     : tls                               ? "TLS verification failed"
                                                         : "connection failed";
  UrlParts parts;
  std::string where = ParseUrl(url, &parts).ok() ? parts.scheme + "://" + parts.HostHeader() : url;
  const std::string message = fmt::format("{}: {} ({})", kind, detail, where);
  if (code == CURLE_OPERATION_TIMEDOUT) return Status::TimedOut(message);
  if (code == CURLE_ABORTED_BY_CALLBACK) return Status::Cancelled(message);
  if (tls) return Status::Unauthenticated(message);
  return Status::IoError(message);
}

struct SendState {
  HttpResponse* response;
  size_t limit;
  bool too_big = false;
  bool headers_done = false;
};

size_t SendWrite(char* data, size_t size, size_t nmemb, void* user) {
  auto* st = static_cast<SendState*>(user);
  const size_t n = size * nmemb;
  if (st->response->body.size() + n > st->limit) {
    st->too_big = true;
    return 0;
  }
  st->response->body.append(data, n);
  return n;
}

size_t SendHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* st = static_cast<SendState*>(user);
  OnHeaderLine(std::string_view(data, size * nmemb), &st->response->headers, &st->headers_done);
  return size * nmemb;
}

}  // namespace

std::string_view FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) return v;
  }
  return {};
}

std::string ElasticsearchAuthorization(const std::string& basic_auth, const std::string& api_key) {
  if (!api_key.empty()) return "ApiKey " + api_key;
  if (basic_auth.empty()) return "";
  std::string encoded(4 * ((basic_auth.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(basic_auth.data()), static_cast<int>(basic_auth.size()));
  encoded.resize(static_cast<size_t>(n));
  return "Basic " + encoded;
}

bool IsTransient(const Status& s) { return s.IsIoError() || s.IsTimedOut(); }

HttpClient::HttpClient() {
  GlobalInit();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Status HttpClient::Send(const HttpRequest& request, HttpResponse* response) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return Status::IoError("libcurl could not be initialised");
  curl_easy_reset(c);
  *response = HttpResponse();
  SendState st{response, request.max_response_bytes};
  curl_slist* headers = BuildHeaderList(request);
  ApplyCommon(c, request, headers);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, SendWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, SendHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &st);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (st.too_big) {
    return Status::IoError(
        fmt::format("response body of {} is larger than {} bytes", request.url, request.max_response_bytes));
  }
  if (rc != CURLE_OK) return CurlError(rc, errbuf, request.url);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response->status);
  return Status::OK();
}

// --- HttpStream ---------------------------------------------------------------

struct HttpStreamCallbacks {
  static size_t Write(char* data, size_t size, size_t nmemb, void* user) {
    auto* s = static_cast<HttpStream*>(user);
    const size_t n = size * nmemb;
    // Bounded memory: hold at most ~1 MiB; beyond it libcurl keeps the
    // chunk and delivers it again once unpaused.
    if (s->pending_.size() - s->pending_pos_ >= (1u << 20)) {
      s->paused_ = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    if (s->pending_pos_ > 0 && s->pending_pos_ == s->pending_.size()) {
      s->pending_.clear();
      s->pending_pos_ = 0;
    }
    s->pending_.append(data, n);
    s->headers_done_ = true;
    return n;
  }
  static size_t Header(char* data, size_t size, size_t nmemb, void* user) {
    auto* s = static_cast<HttpStream*>(user);
    OnHeaderLine(std::string_view(data, size * nmemb), &s->headers_, &s->headers_done_);
    return size * nmemb;
  }
};

HttpStream::HttpStream() { GlobalInit(); }

HttpStream::~HttpStream() { Close(); }

void HttpStream::Close() {
  if (easy_) {
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), static_cast<CURL*>(easy_));
    curl_easy_cleanup(static_cast<CURL*>(easy_));
    easy_ = nullptr;
  }
  if (multi_) {
    curl_multi_cleanup(static_cast<CURLM*>(multi_));
    multi_ = nullptr;
  }
  if (header_list_) {
    curl_slist_free_all(static_cast<curl_slist*>(header_list_));
    header_list_ = nullptr;
  }
}

Status HttpStream::Open(const HttpRequest& request, int low_speed_seconds) {
  Close();
  status_ = 0;
  headers_.clear();
  headers_done_ = done_ = paused_ = false;
  result_ = Status::OK();
  pending_.clear();
  pending_pos_ = 0;
  position_ = 0;
  multi_ = curl_multi_init();
  easy_ = curl_easy_init();
  if (!multi_ || !easy_) return Status::IoError("libcurl could not be initialised");
  CURL* c = static_cast<CURL*>(easy_);
  curl_slist* headers = BuildHeaderList(request);
  header_list_ = headers;
  ApplyCommon(c, request, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(low_speed_seconds));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, HttpStreamCallbacks::Write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HttpStreamCallbacks::Header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
  url_ = request.url;  // for error messages, after `request` is gone
  curl_multi_add_handle(static_cast<CURLM*>(multi_), c);
  while (!headers_done_ && !done_) {
    Status s = Pump();
    if (!s.ok()) return s;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status_);
  // A transfer that failed after the headers arrived is reported by Read,
  // once the bytes received before the failure have been delivered.
  if (!result_.ok() && status_ == 0) return result_;
  return Status::OK();
}

Status HttpStream::Pump() {
  CURLM* m = static_cast<CURLM*>(multi_);
  if (paused_) {
    paused_ = false;
    curl_easy_pause(static_cast<CURL*>(easy_), CURLPAUSE_CONT);
  }
  int running = 0;
  CURLMcode mc = curl_multi_perform(m, &running);
  if (mc != CURLM_OK) return Status::IoError(fmt::format("libcurl: {}", curl_multi_strerror(mc)));
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(m, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    done_ = true;
    if (msg->data.result != CURLE_OK) result_ = CurlError(msg->data.result, nullptr, url_);
  }
  if (!done_ && pending_pos_ == pending_.size() && !paused_) {
    curl_multi_poll(m, nullptr, 0, 100, nullptr);
  }
  return Status::OK();
}

Status HttpStream::Read(uint8_t* buf, size_t capacity, size_t* n) {
  *n = 0;
  if (!easy_) return Status::IoError("stream is not open");
  while (pending_pos_ == pending_.size()) {
    if (done_) {
      if (!result_.ok()) return result_;
      return Status::OK();
    }
    Status s = Pump();
    if (!s.ok()) return s;
  }
  const size_t take = std::min(capacity, pending_.size() - pending_pos_);
  std::copy_n(pending_.data() + pending_pos_, take, buf);
  pending_pos_ += take;
  position_ += take;
  *n = take;
  return Status::OK();
}

Status HttpStream::ReadAll(std::string* out, size_t limit) {
  uint8_t buf[16384];
  while (out->size() < limit) {
    size_t n = 0;
    Status s = Read(buf, sizeof(buf), &n);
    if (!s.ok()) return s;
    if (n == 0) break;
    out->append(reinterpret_cast<char*>(buf), std::min(n, limit - out->size()));
  }
  return Status::OK();
}

// --- URLs ---------------------------------------------------------------------

std::string UrlParts::HostHeader() const {
  std::string h;
  if (host.find(':') != std::string::npos) {  // IPv6 literal
    h.push_back('[');
    h.append(host);
    h.push_back(']');
  } else {
    h = host;
  }
  const bool default_port = port == 0 || (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  if (!default_port) fmt::format_to(std::back_inserter(h), ":{}", port);
  return h;
}

Status ParseUrl(std::string_view url, UrlParts* out) {
  *out = UrlParts();
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Status::InvalidArgument(fmt::format("not a URL: '{}'", url));
  out->scheme = std::string(url.substr(0, scheme_end));
  std::transform(out->scheme.begin(), out->scheme.end(), out->scheme.begin(), ::tolower);
  if (out->scheme != "http" && out->scheme != "https") {
    return Status::InvalidArgument(fmt::format("URL '{}' is not http or https", url));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument(fmt::format("bad host in URL '{}'", url));
    out->host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    const size_t colon = authority.rfind(':');
    out->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out->host.empty()) return Status::InvalidArgument(fmt::format("URL '{}' has no host", url));
  std::transform(out->host.begin(), out->host.end(), out->host.begin(), ::tolower);
  if (!port_text.empty()) {
    int port = 0;
    for (char ch : port_text) {
      if (ch < '0' || ch > '9' || port > 65535)
        return Status::InvalidArgument(fmt::format("bad port in URL '{}'", url));
      port = port * 10 + (ch - '0');
    }
    if (port == 0 || port > 65535) return Status::InvalidArgument(fmt::format("bad port in URL '{}'", url));
    out->port = port;
  }
  if (const size_t hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  const size_t q = tail.find('?');
  out->path = std::string(tail.substr(0, q));
  if (out->path.empty()) out->path.assign(1, '/');
  if (q != std::string_view::npos) out->query = std::string(tail.substr(q + 1));
  return Status::OK();
}

}  // namespace flowdex
