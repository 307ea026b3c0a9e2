// The detection endpoints (docs/detections.md), answered in Elasticsearch's
// shapes (errors as {"error": {...}, "status": N}):
//   GET    /_flowdex/rules                  every rule with its run status
//   POST   /_flowdex/rules                  add a rule (id in the body)
//   GET|PUT|DELETE /_flowdex/rules/{id}     read, add or replace, delete
//   POST   /_flowdex/rules/{id}/_enable     and /_disable
//   POST   /_flowdex/rules/{id}/_test       what it would have fired (?from=now-24h&to=now)
//   POST   /_flowdex/rules/_test            the same for a rule in the body, unsaved
//   POST   /_flowdex/rules/_run?now=T       one pass of the schedule as of T (replays, backfills)
//   GET    /_flowdex/alerts                 newest alerts (?size, ?rule, ?severity, ?from)
#pragma once

#include "api/rest.h"
#include "detect/detection_engine.h"

namespace flowdex {

// Whether `path` is one of the endpoints above.
bool IsDetectionPath(const std::string& path);

// Answers one request to a detection endpoint.
RestResponse HandleDetectionRequest(DetectionEngine* engine, const RestRequest& request);

}  // namespace flowdex
