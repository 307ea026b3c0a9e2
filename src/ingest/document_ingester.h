// Loading files of JSON documents (NDJSON: one document per line, plain or
// gzip) into an index, each file exactly once, as `flowdex ingest
// --documents` does. Documents get deterministic ids (source and line
// offset); the index's mapping grows by the dynamic rules and is committed
// with the rows. Lines that are not valid documents are counted and reported
// as file:line: reason, like bad flow-log lines.
#pragma once

#include <string>
#include <vector>

#include "ingest/flow_ingester.h"
#include "store/store.h"

namespace flowdex {

Status IngestDocumentFiles(Store* store, const std::vector<std::string>& files, const IngestOptions& options,
                           IngestProgress* progress, IngestSummary* summary);

}  // namespace flowdex
