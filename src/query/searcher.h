// Searcher: runs a search request over the committed segments of the indices
// it names, and returns the total and the requested page of hits with their
// _source, as Elasticsearch's _search does (without scoring yet: every hit
// scores 1.0, so the default order is index order).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "query/search_request.h"
#include "store/store.h"

namespace flowdex {

// Index names of `version` that `patterns` select ("*" and "_all": every one).
std::vector<std::string> ResolveIndices(const StoreVersion& version, const std::vector<std::string>& patterns);

// Runs `request`. Errors are InvalidArgument (the request cannot run: its
// message may start with an Elasticsearch exception type and ": ", such as
// "too_many_buckets_exception: ..."), Cancelled, or the store's own.
Status Search(const Store& store, const SearchRequest& request, SearchResponse* response);

// How many threads run searches (Search hands each to one of them and
// waits); 0 runs each on its caller's thread. Takes effect only before the
// first search. The default is 0.
void SetSearchThreads(size_t threads);

}  // namespace flowdex
