#include <zlib.h>

#include "api/ui_assets.h"

namespace flowdex {

namespace {

const UiAsset* Find(std::string_view path) {
  for (const UiAsset& a : UiAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

std::string Gunzip(const UiAsset& a) {
  std::string out;
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return out;
  z.next_in = const_cast<unsigned char*>(a.gzip_data);
  z.avail_in = static_cast<uInt>(a.gzip_size);
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  inflateEnd(&z);
  return out;
}

RestResponse Redirect(const std::string& to) {
  RestResponse r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "Found: " + to + "\n";
  r.headers.emplace_back("Location", to);
  return r;
}

}  // namespace

bool IsUiRequest(const RestRequest& request) {
  if (request.path == "/_ui" || request.path.rfind("/_ui/", 0) == 0) return true;
  // Elasticsearch clients ask GET / for JSON; only a browser asks for HTML.
  return request.path == "/" && request.method == "GET" &&
         request.Header("accept").find("text/html") != std::string::npos;
}

RestResponse ServeUi(const RestRequest& request) {
  if (request.path == "/" || request.path == "/_ui") return Redirect("/_ui/");
  if (request.method != "GET" && request.method != "HEAD") {
    RestResponse r;
    r.status = 405;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "the UI is read with GET\n";
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = std::string_view(request.path).substr(4);  // after "/_ui"
  const UiAsset* asset = path == "/" ? nullptr : Find(path);
  const bool hashed = asset && path.rfind("/assets/", 0) == 0;
  if (!asset) asset = Find("/index.html");
  RestResponse r;
  if (!asset) {
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "this flowdex was built without its UI\n";
    return r;
  }
  r.content_type = std::string(asset->content_type);
  // Asset names carry a content hash: cache them for good; index.html never.
  r.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (asset->content_type.rfind("text/html", 0) == 0) {
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'");
  }
  // The HTTP server compresses text for clients that accept gzip.
  r.body = Gunzip(*asset);
  return r;
}

}  // namespace flowdex
