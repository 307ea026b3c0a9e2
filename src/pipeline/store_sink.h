// StoreSink: writes objects into the embedded store, each object in one
// commit together with its source record, so an object is stored entirely
// or not at all, and exactly once: the store refuses a second commit of the
// same source key, even from two workers racing on a duplicated notification.
#pragma once

#include <string>

#include "enrich/address_enricher.h"
#include "flowlog/flow_format.h"
#include "pipeline/object_sink.h"
#include "schema/flow_index.h"
#include "store/store.h"

namespace flowdex {

class StoreSink final : public ObjectSink {
 public:
  struct Options {
    std::string index = std::string(kFlowIndex);
    const FlowFormat* user_format = nullptr;  // layout of objects without a header line
    EnrichmentSources enrichment;             // what records are enriched from (--geoip-dir, --aws-ip-ranges)
    int zstd_level = 1;
    int64_t retention_ms = 0;
    size_t bad_lines_kept = 5;
  };
  StoreSink(Store* store, Options options) : store_(store), options_(std::move(options)) {}

  Status WriteObject(const std::string& source_key, ByteSource* body, ObjectResult* result) override;
  bool HasObject(const std::string& source_key) override { return store_->HasSource(source_key); }
  std::string Describe() const override;

 private:
  Store* store_;
  Options options_;
};

}  // namespace flowdex
