// A small store for the fuzz targets that run requests: 2,000 generated
// flows in the flow index (their AWS addresses enriched from a few ranges,
// so queries on the derived fact fields meet data) and a few JSON documents
// in "app", built on first use in a temporary folder that is removed when
// the fuzzer exits.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "enrich/aws_ip_ranges.h"
#include "gen/flow_generator.h"
#include "ingest/document_writer.h"
#include "ingest/flow_ingester.h"
#include "query/searcher.h"
#include "store/store.h"

namespace flowdex::testing {

class FuzzStore {
 public:
  explicit FuzzStore(const std::string& prefix)
      : root_(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()))) {}
  ~FuzzStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  Store* Get() {
    if (!store_) {
      // Searches on the fuzzer's own thread: a search thread's first use
      // of OpenSSL (document ids) allocates its per-thread state, which
      // LeakSanitizer would report against whichever input came first.
      SetSearchThreads(0);
      Build();
    }
    return store_.get();
  }

 private:
  void Build() {
    std::filesystem::remove_all(root_);
    FlowGenOptions g;
    g.records = 2000;
    g.files = 2;
    g.threads = 1;
    g.out_dir = (root_ / "logs").string();
    FlowGenResult generated;
    if (!FlowGenerator(g).WriteAll(&generated).ok()) __builtin_trap();
    if (!Store::Open((root_ / "data").string(), &store_).ok()) __builtin_trap();
    IngestOptions o;
    std::unique_ptr<AwsIpRanges> ranges;
    if (!AwsIpRanges::Parse(R"({"createDate":"2026-12-01-00-00-00","prefixes":[
        {"ip_prefix":"3.0.0.0/8","region":"eu-west-1","service":"AMAZON"},
        {"ip_prefix":"52.0.0.0/8","region":"us-east-1","service":"EC2"},
        {"ip_prefix":"54.0.0.0/9","region":"us-west-2","service":"S3"},
        {"ip_prefix":"216.0.0.0/8","region":"GLOBAL","service":"CLOUDFRONT"}]})",
                            "fuzz ranges", &ranges)
             .ok()) {
      __builtin_trap();
    }
    o.enrichment.aws_ip_ranges = std::move(ranges);
    IngestProgress progress;
    IngestSummary summary;
    if (!IngestFlowFiles(store_.get(), generated.paths, o, &progress, &summary).ok()) __builtin_trap();
    DocumentWriter::Options d;
    d.index = "app";
    DocumentWriter w(store_.get(), d, {});
    MappingError err;
    const char* docs[] = {R"({"n":1,"msg":"hello world","ip":"10.0.0.1","at":"2026-11-27T10:00:00Z","tags":["a","b"]})",
                          R"({"n":2.5,"msg":"ssh login","ip":"2001:db8::1","ok":true,"geo":{"c":"NL"}})",
                          R"({"n":-3,"host":"web-1"})"};
    int id = 0;
    for (const char* doc : docs) w.Add(doc, std::to_string(id++), &err);
    CommitBatch batch;
    if (!w.Finish(&batch).ok() || !store_->Commit(batch).ok()) __builtin_trap();
  }

  std::filesystem::path root_;
  std::unique_ptr<Store> store_;
};

}  // namespace flowdex::testing
