// SearchContext: what one search runs with besides its request: the store
// version it reads, when to stop (the caller's cancellation, the deadline
// its timeout sets), the instant "now" names in date math, and the store's
// caches. Search makes one and hands it to every segment's work (and to
// both passes of a breadth-first plan, which share the deadline).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "query/search_request.h"
#include "store/store.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

class SearchContext {
 public:
  SearchContext(const Store& store, const SearchRequest& request)
      : store_(store),
        version_(request.store_version ? request.store_version : store.Current()),
        cancel_(request.cancel),
        now_ms_(request.now_ms),
        started_(std::chrono::steady_clock::now()),
        timeout_ms_(request.timeout_ms) {}

  const Store& store() const { return store_; }
  const std::shared_ptr<const StoreVersion>& version() const { return version_; }
  int64_t now_ms() const { return now_ms_; }
  FilterCache* filter_cache() const { return store_.filter_cache(); }

  // Cancelled when the caller asked to stop, else OK.
  Status Interrupted() const {
    return cancel_.cancelled() ? Status::Cancelled("the search was cancelled") : Status::OK();
  }
  // The request's timeout has passed (what was collected so far is the answer).
  bool OutOfTime() const {
    return timeout_ms_ >= 0 && std::chrono::steady_clock::now() - started_ > std::chrono::milliseconds(timeout_ms_);
  }

 private:
  const Store& store_;
  const std::shared_ptr<const StoreVersion> version_;  // both passes see the same segments
  const CancellationToken cancel_;
  const int64_t now_ms_;
  const std::chrono::steady_clock::time_point started_;
  const int64_t timeout_ms_;
};

}  // namespace flowdex
