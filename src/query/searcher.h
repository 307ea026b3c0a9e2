// Searcher: runs a search request over the committed segments of the indices
// it names, and returns the total and the requested page of hits with their
// _source, as Elasticsearch's _search does (without scoring yet: every hit
// scores 1.0, so the default order is index order).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
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

// For each of `request`'s indices that has a segment its query's time
// bounds reach (only its @timestamp range is used, as a shard's can-match
// phase does), the names of its fields holding a value in such a segment:
// _field_caps' include_empty_fields=false with an index_filter. A field
// stored in several columns counts when any of them holds a value.
Status FieldsWithValues(const Store& store, const SearchRequest& request,
                        std::map<std::string, std::set<std::string>>* fields);

// How many threads run searches (Search hands each to one of them and
// waits); 0 runs each on its caller's thread. Takes effect only before the
// first search. The default is 0.
void SetSearchThreads(size_t threads);

}  // namespace flowdex
