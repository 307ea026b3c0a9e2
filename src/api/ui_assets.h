// The web UI's files (built from web/ by Vite), embedded in the binary:
// flowdex serve answers /_ui/ without files or network (and the HTTP server
// compresses them on the wire for clients that accept gzip).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "api/rest.h"

namespace flowdex {

struct UiAsset {
  std::string_view path;  // "/index.html", "/assets/index-abc123.js"
  std::string_view content_type;
  const unsigned char* data;
  size_t size;
};

// Every embedded file (generated at build time).
const std::vector<UiAsset>& UiAssets();

// True when `request` is for the UI: /_ui and below, or a browser's GET /
// (Accept: text/html), which is redirected to /_ui/.
bool IsUiRequest(const RestRequest& request);

// Answers a UI request: the file, index.html for /_ui/ and unknown paths
// below it (the UI routes in the URL's #fragment), 302 for / and /_ui.
RestResponse ServeUi(const RestRequest& request);

}  // namespace flowdex
