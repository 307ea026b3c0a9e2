#include "api/ui_assets.h"

namespace flowdex {

namespace {

const UiAsset* Find(std::string_view path) {
  for (const UiAsset& a : UiAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

RestResponse Text(int status, std::string body) {
  RestResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
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
  if (request.path == "/" || request.path == "/_ui") {
    RestResponse r = Text(302, "Found: /_ui/\n");
    r.headers.emplace_back("Location", "/_ui/");
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    RestResponse r = Text(405, "the UI is read with GET\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = std::string_view(request.path).substr(4);  // after "/_ui"
  const UiAsset* asset = path == "/" ? nullptr : Find(path);
  const bool hashed = asset && path.rfind("/assets/", 0) == 0;
  if (!asset) asset = Find("/index.html");
  if (!asset) return Text(404, "this flowdex was built without its UI\n");
  RestResponse r;
  r.content_type = std::string(asset->content_type);
  // Asset names carry a content hash: cache them for good; index.html never.
  r.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (asset->content_type.rfind("text/html", 0) == 0) {
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'");
  }
  r.body.assign(reinterpret_cast<const char*>(asset->data), asset->size);
  return r;
}

}  // namespace flowdex
