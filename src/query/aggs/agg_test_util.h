// A segment to test collectors on: JSON documents with a mapping, or
// flow-log lines, stored as one segment; collectors are driven directly
// (rows, parent slots, targets), so each can be tested on its own contract.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ingest/document_writer.h"
#include "ingest/flow_ingester.h"
#include "query/aggs/collector.h"
#include "query/dsl/dsl_parser.h"
#include "schema/field_catalog.h"
#include "store/segment_reader.h"
#include "store/store.h"

namespace flowdex {

class AggTestSegment {
 public:
  // `docs` (JSON objects) in an index with `mapping` ("" for dynamic).
  static std::unique_ptr<AggTestSegment> Documents(const std::string& mapping, const std::vector<std::string>& docs) {
    auto t = std::unique_ptr<AggTestSegment>(new AggTestSegment());
    IndexMapping m;
    MappingError error;
    if (!mapping.empty()) {
      EXPECT_TRUE(IndexMapping::FromJson(mapping, &m, &error)) << error.reason;
    }
    DocumentWriter::Options o;
    o.index = "docs";
    DocumentWriter w(t->store_.get(), o, m);
    for (size_t i = 0; i < docs.size(); ++i) {
      EXPECT_TRUE(w.Add(docs[i], "d" + std::to_string(i), &error)) << error.reason;
    }
    CommitBatch batch;
    EXPECT_TRUE(w.Finish(&batch).ok());
    EXPECT_TRUE(t->store_->Commit(batch).ok());
    EXPECT_TRUE(IndexMapping::FromJson(t->store_->Mapping("docs"), &m, &error)) << error.reason;
    t->catalog_ = FieldCatalog::ForMapping(m);
    t->Open();
    return t;
  }

  // Flow-log `lines` (a header line first) ingested as one file.
  static std::unique_ptr<AggTestSegment> Flows(const std::vector<std::string>& lines) {
    auto t = std::unique_ptr<AggTestSegment>(new AggTestSegment());
    const std::string file = (t->dir_ / "flows.log").string();
    std::ofstream out(file);
    for (const std::string& l : lines) out << l << "\n";
    out.close();
    IngestOptions o;
    o.workers = 1;
    IngestProgress progress;
    IngestSummary summary;
    EXPECT_TRUE(IngestFlowFiles(t->store_.get(), {file}, o, &progress, &summary).ok());
    EXPECT_EQ(summary.bad_lines, 0u);
    t->catalog_ = std::shared_ptr<const FieldCatalog>(&FieldCatalog::Flow(), [](const FieldCatalog*) {});
    t->Open();
    return t;
  }

  ~AggTestSegment() {
    segment_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The collector of `agg` ({"<type>": {...}, "aggs": {...}}), which stays
  // valid as long as this segment.
  std::unique_ptr<Collector> Make(const std::string& agg, Status* status = nullptr) {
    requests_.push_back(std::make_unique<SearchRequest>());
    ParseError error;
    const bool parsed = ParseSearchBody(R"({"aggs":{"a":)" + agg + "}}", requests_.back().get(), &error);
    EXPECT_TRUE(parsed) << error.reason;
    std::unique_ptr<Collector> c;
    if (!parsed) return c;
    const AggRequest& request = requests_.back()->aggs[0];
    const Status s = request.type == AggRequest::Type::kComposite ? MakeCompositeCollector(request, context(), &c)
                                                                  : MakeCollector(request, context(), &c);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return c;
  }
  const AggRequest& last_request() const { return requests_.back()->aggs[0]; }

  AggContext context() const {
    AggContext ctx;
    ctx.segment = segment_.get();
    ctx.catalog = catalog_.get();
    ctx.index = "docs";
    return ctx;
  }

  uint32_t rows() const { return static_cast<uint32_t>(segment_->rows()); }

  // Runs `rows` (in parent buckets `slots`, all 0 when empty) through the
  // collector and finishes into `slot_count` results.
  std::vector<AggResult> Run(Collector* c, std::vector<uint32_t> rows = {}, std::vector<uint32_t> slots = {},
                             size_t slot_count = 1) {
    if (rows.empty()) {
      for (uint32_t r = 0; r < this->rows(); ++r) rows.push_back(r);
    }
    if (slots.empty()) slots.assign(rows.size(), 0);
    EXPECT_TRUE(c->Collect(rows.data(), slots.data(), rows.size()).ok());
    std::vector<AggResult> results(slot_count);
    std::vector<AggResult*> targets;
    for (AggResult& r : results) targets.push_back(&r);
    EXPECT_TRUE(c->Finish(targets).ok());
    return results;
  }

  // The doc count of `key` in `r` (0 when absent).
  static uint64_t Count(const AggResult& r, const AggKey& key) {
    auto it = r.buckets.find(key);
    return it == r.buckets.end() ? 0 : it->second.doc_count;
  }

 private:
  AggTestSegment()
      : dir_(std::filesystem::temp_directory_path() /
             ("flowdex_agg_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    EXPECT_TRUE(Store::Open((dir_ / "data").string(), &store_).ok());
  }
  void Open() {
    ASSERT_EQ(store_->Current()->segments.size(), 1u);
    ASSERT_TRUE(store_->OpenSegment(store_->Current()->segments[0], &segment_).ok());
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<SegmentReader> segment_;
  std::shared_ptr<const FieldCatalog> catalog_;
  std::vector<std::unique_ptr<SearchRequest>> requests_;
};

// Flow lines of every kind the derived fields tell apart (v5 fields).
inline std::vector<std::string> SampleFlowLines() {
  return {
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
      "log-status tcp-flags",
      "5 123456789012 eni-a 10.0.0.1 10.0.0.2 40000 443 6 10 1000 1764236400 1764236460 ACCEPT OK 19",
      "5 123456789012 eni-a 10.0.0.2 10.0.0.1 443 40000 6 8 2000 1764236400 1764236460 ACCEPT OK 18",
      "5 123456789012 eni-b 203.0.113.9 10.0.0.2 50000 22 6 1 60 1764236500 1764236560 REJECT OK 2",
      "5 123456789012 eni-b 10.0.0.2 8.8.8.8 53000 53 17 2 120 1764236600 1764236660 ACCEPT OK 0",
      "5 123456789012 eni-c 2001:db8::1 2001:db8::2 40001 80 6 3 300 1764236700 1764236760 REJECT OK 3",
      "5 123456789012 eni-c - - - - - - - 1764236800 1764236860 - NODATA -",
  };
}

}  // namespace flowdex
