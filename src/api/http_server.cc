#include "api/http_server.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <httplib.h>

#include "api/es_exception.h"
#include "api/ui_assets.h"
#include "util/secret_util.h"

namespace flowdex {

namespace {

// The header that carries a GET's method while the library treats it as a
// POST (see PreRoute); one sent by a client is removed.
constexpr char kOriginalMethod[] = "x-flowdex-original-method";

// Set on the thread that runs a connection the server has no room for: its
// request is answered 429 at once.
thread_local bool t_shedding = false;

// cpp-httplib's task queue, bounded: connections beyond the threads and the
// queue go to one extra thread that answers them 429 and closes them.
class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(int threads, size_t max_queued, Metrics* metrics) : max_queued_(max_queued), metrics_(metrics) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(&queue_, false); });
    workers_.emplace_back([this] { Work(&overflow_, true); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Room: an idle thread, or a free place in the queue.
      if (queue_.size() >= max_queued_ + idle_)
        overflow_.push_back(std::move(fn));
      else
        queue_.push_back(std::move(fn));
    }
    cv_.notify_all();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  void Work(std::deque<std::function<void()>>* queue, bool shedding) {
    t_shedding = shedding;
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (!shedding) ++idle_;
        cv_.wait(lock, [&] { return stopping_ || !queue->empty(); });
        if (!shedding) --idle_;
        if (queue->empty()) return;  // stopping, and every accepted connection served
        fn = std::move(queue->front());
        queue->pop_front();
      }
      ++metrics_->connections_open;
      fn();
      --metrics_->connections_open;
    }
  }

  const size_t max_queued_;
  Metrics* metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_, overflow_;
  bool stopping_ = false;
  size_t idle_ = 0;  // threads waiting for a connection
  std::vector<std::thread> workers_;
};

// Invalid base64 decodes to "", which no credential equals.
std::string DecodeCredentials(std::string_view in) {
  std::string out;
  return Base64Decode(in, &out) ? out : std::string();
}

RestResponse Unauthorized(const std::string& path, bool had_credentials, const std::string& user) {
  EsException e;
  e.status = 401;
  e.type = "security_exception";
  e.reason = had_credentials ? "unable to authenticate user [" + user + "] for REST request [" + path + "]"
                             : "missing authentication credentials for REST request [" + path + "]";
  RestResponse r = ErrorResponse(e);
  // Elasticsearch also lists the challenge inside the error; the header is what clients read.
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\"");
  r.headers.emplace_back("WWW-Authenticate", "ApiKey");
  return r;
}

// cpp-httplib answers a client that accepts br (every browser, curl
// --compressed) with Brotli at its default quality, 11: about 0.5 MB/s, so a
// 5 MB page of hits took 10 s to send. Debian's build has no setting for it,
// so "br" is taken out of Accept-Encoding before the response is written and
// gzip (zlib's default level, ~100x faster here) is used instead. The request
// object is the server's own, not a const one: editing it is well defined.
void PreferGzip(const httplib::Request& req) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  auto it = headers.find("Accept-Encoding");
  if (it == headers.end() || it->second.find("br") == std::string::npos) return;
  std::string kept;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view token = rest.substr(0, comma);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (!token.starts_with("br")) kept += (kept.empty() ? "" : ", ") + std::string(token);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  it->second = kept;
}

void Send(const RestResponse& r, httplib::Response* res) {
  res->status = r.status;
  for (const auto& [k, v] : r.headers) res->headers.emplace(k, v);
  res->set_content(r.body, r.content_type.c_str());
}

// Calls fn(fd, peer port) for each connection this process accepted on
// `port`. cpp-httplib keeps no list of its connections, so they are found
// among the process's file descriptors: TCP sockets, not listening, bound to
// `port`.
template <typename Fn>
void ForEachConnection(int port, Fn fn) {
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (const dirent* e = ::readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || fd < 0 || fd == ::dirfd(fds)) continue;
    sockaddr_storage addr{}, peer{};
    socklen_t len = sizeof(addr), peer_len = sizeof(peer);
    int listening = 0;
    socklen_t optlen = sizeof(listening);
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || listening) continue;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    auto port_of = [](const sockaddr_storage& a) {
      if (a.ss_family == AF_INET) return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port));
      if (a.ss_family == AF_INET6) return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port));
      return -1;
    };
    if (port_of(addr) == port) fn(static_cast<int>(fd), port_of(peer));
  }
  ::closedir(fds);
}

// Tells the connections on `port` that no more requests will be read
// (shutdown SHUT_RD), so that threads waiting on them for a next request
// return at once; a request being answered still gets its response.
void DrainConnections(int port) {
  ForEachConnection(port, [](int fd, int) { ::shutdown(fd, SHUT_RD); });
}

// The same for the one connection from `peer_port`, after a request whose
// body could not be read (the client stalled): cpp-httplib would otherwise
// wait on it for its keep-alive timeout. Only for clients that stopped
// sending: unread bytes at close would reset the connection before the
// client reads the response.
void CloseAfterResponse(int port, int peer_port) {
  ForEachConnection(port, [&](int fd, int peer) {
    if (peer == peer_port) ::shutdown(fd, SHUT_RD);
  });
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(EsApi* api, Metrics* metrics, HttpServerOptions options)
      : api_(api), metrics_(metrics), options_(std::move(options)) {
    if (!options_.tls_cert.empty() && !options_.tls_key.empty()) {
      server_ = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    httplib::Server& s = *server_;
    s.new_task_queue = [this] { return new BoundedTaskQueue(options_.threads, options_.max_queued, metrics_); };
    s.set_default_headers({{"X-Elastic-Product", "Elasticsearch"}});
    s.set_payload_max_length(options_.max_body_bytes);
    s.set_read_timeout(options_.read_timeout_s, 0);
    s.set_write_timeout(options_.write_timeout_s, 0);
    s.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    s.set_keep_alive_max_count(1000);
    s.set_tcp_nodelay(true);
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return PreRoute(req, res) ? httplib::Server::HandlerResponse::Handled
                                : httplib::Server::HandlerResponse::Unhandled;
    });
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      EsException e;
      e.status = 500;
      e.type = "exception";
      e.reason = "internal error";
      Send(ErrorResponse(e), &res);
    });
    // Bodies are read here, bounded after decompression (a small gzip body
    // may inflate without limit).
    auto with_body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      std::string body;
      bool too_big = false;
      const bool read = reader([&](const char* data, size_t len) {
        if (body.size() + len > options_.max_body_bytes) {
          too_big = true;
          return false;
        }
        body.append(data, len);
        return true;
      });
      // cpp-httplib refuses a Content-Length past the limit before reading.
      too_big |= !read && req.get_header_value<uint64_t>("Content-Length") > options_.max_body_bytes;
      if (too_big) {
        if (IsFirehose(req) && options_.firehose_error) {
          Send(options_.firehose_error(413, req.get_header_value("X-Amz-Firehose-Request-Id"),
                                       fmt::format("the body is over {} bytes (--max-body-mb): lower the stream's "
                                                   "buffer size",
                                                   options_.max_body_bytes)),
               &res);
        }
        res.status = 413;
        res.set_header("Connection", "close");
        return;
      }
      if (!read) {
        EsException e;
        e.type = "parse_exception";
        e.reason = "the request body could not be read (truncated, or a damaged gzip stream)";
        Send(ErrorResponse(e), &res);
        res.set_header("Connection", "close");
        CloseAfterResponse(port_, req.remote_port);
        return;
      }
      Serve(req, std::move(body), res);
    };
    auto without_reader = [this](const httplib::Request& req, httplib::Response& res) { Serve(req, req.body, res); };
    s.Get(".*", without_reader);
    s.Options(".*", without_reader);
    s.Post(".*", with_body);
    s.Put(".*", with_body);
    s.Patch(".*", with_body);
    s.Delete(".*", with_body);
  }

  Status Bind(int* port) {
    if (!server_->is_valid()) return Status::InvalidArgument("cannot load the TLS certificate or key");
    if (options_.port == 0) {
      *port = server_->bind_to_any_port(options_.host);
    } else {
      *port = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
    }
    port_ = *port;
    if (*port <= 0) {
      return Status::IoError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                             " (in use, or not an address of this machine)");
    }
    return Status::OK();
  }

  void Run() { server_->listen_after_bind(); }
  // Stops accepting. Requests being read or answered go on; connections
  // kept alive between requests are closed after a short grace period (in
  // which a request already on its way is still served).
  void Stop(int port) {
    server_->stop();
    for (int i = 0; i < 20 && metrics_->connections_open.load() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    DrainConnections(port);
  }

 private:
  // Answers requests that must not reach the API: overload, missing or
  // wrong credentials, and compressed bodies on GET (which cpp-httplib would
  // inflate without a bound). Returns true when it answered.
  bool PreRoute(const httplib::Request& req, httplib::Response& res) {
    PreferGzip(req);
    if (t_shedding) {
      EsException e;
      e.status = 429;
      e.type = "es_rejected_execution_exception";
      e.reason = "rejected execution: the server has no free connection slot";
      ++metrics_->rejected;
      Send(ErrorResponse(e), &res);
      res.set_header("Connection", "close");
      return true;
    }
    if ((!options_.basic_auth.empty() || !options_.api_keys.empty()) && !IsFirehose(req)) {
      const bool health = req.path == "/health/livez" || req.path == "/health/readyz";
      const std::string auth = req.get_header_value("Authorization");
      bool ok = health;
      std::string user;
      if (!ok && auth.rfind("Basic ", 0) == 0 && !options_.basic_auth.empty()) {
        const std::string decoded = DecodeCredentials(auth.substr(6));
        user = decoded.substr(0, decoded.find(':'));
        ok = SecretEquals(decoded, options_.basic_auth);
      } else if (!ok && auth.rfind("ApiKey ", 0) == 0) {
        const std::string decoded = DecodeCredentials(auth.substr(7));
        user = decoded.substr(0, decoded.find(':'));
        for (const std::string& key : options_.api_keys) ok |= SecretEquals(decoded, key);
      }
      if (!ok) {
        Send(Unauthorized(req.path, !auth.empty(), user), &res);
        // The body is not read: the connection cannot carry another request
        // (its unread bytes would be taken for the next request line: a
        // browser retrying with credentials got 400s on kept-alive sockets).
        if (req.get_header_value<uint64_t>("Content-Length") > 0 || req.has_header("Transfer-Encoding")) {
          res.set_header("Connection", "close");
        }
        return true;
      }
    }
    auto& mutable_req = const_cast<httplib::Request&>(req);
    mutable_req.headers.erase(kOriginalMethod);  // only this server sets it
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      // No length and no chunking: the request has no body (RFC 9112
      // 6.3); `curl -XPOST .../_refresh` sends none. cpp-httplib would
      // read to the end of the connection instead and answer nothing.
      mutable_req.headers.emplace("Content-Length", "0");
    }
    if ((req.method == "GET" || req.method == "HEAD") &&
        (req.get_header_value<uint64_t>("Content-Length") > 0 || req.has_header("Transfer-Encoding"))) {
      // GET with a body (GET /_search -d '{...}', as Elasticsearch's docs
      // write it): cpp-httplib 0.11 reads bodies only for POST, PUT, PATCH
      // and DELETE and would leave it unread. The request is relabelled POST
      // for the library, so the body goes through the bounded reader, and
      // carries its real method in a header the API sees instead. (The
      // request object is the library's own, not const; routing runs after
      // this handler.)
      mutable_req.headers.emplace(kOriginalMethod, req.method);
      mutable_req.method = "POST";
    }
    return false;
  }

  void Serve(const httplib::Request& req, std::string body, httplib::Response& res) {
    RestRequest r;
    r.method = req.has_header(kOriginalMethod) ? req.get_header_value(kOriginalMethod) : req.method;
    r.path = req.path;
    {
      // Segments from the raw target, decoded one by one (see path_parts).
      std::string_view raw(req.target);
      raw = raw.substr(0, raw.find('?'));
      if (raw.find("%2F") != std::string_view::npos || raw.find("%2f") != std::string_view::npos) {
        while (!raw.empty()) {
          const size_t slash = raw.find('/');
          const std::string_view part = raw.substr(0, slash);
          if (!part.empty()) r.path_parts.push_back(httplib::detail::decode_url(std::string(part), false));
          if (slash == std::string_view::npos) break;
          raw.remove_prefix(slash + 1);
        }
      }
    }
    for (const auto& [k, v] : req.params) r.params[k] = v;
    for (const auto& [k, v] : req.headers) {
      std::string name = k;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name != kOriginalMethod) r.headers[name] = v;
    }
    r.body = std::move(body);
    if (IsFirehose(req)) {
      Send(options_.firehose(r), &res);
    } else if (options_.ui && IsUiRequest(r)) {
      Send(ServeUi(r), &res);
    } else if (options_.flowdex_api && options_.flowdex_paths(r.path)) {
      Send(options_.flowdex_api(r), &res);
    } else if (options_.backend) {
      Send(options_.backend(r), &res);
    } else {
      Send(api_->Handle(r), &res);
    }
  }

  bool IsFirehose(const httplib::Request& req) const { return options_.firehose && req.path == options_.firehose_path; }

  EsApi* api_;
  Metrics* metrics_;
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
};

HttpServer::HttpServer(EsApi* api, Metrics* metrics, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(api, metrics, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() { return impl_->Bind(&port_); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(port_); }

}  // namespace flowdex
