#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/human.h"
#include "cli/pipeline_setup.h"
#include "enrich/address_enricher.h"
#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"
#include "io/path_walker.h"

namespace flowdex {

namespace {

// Writes documents to stdout through one large buffer.
class NdjsonSink final : public FlowRecordSink {
 public:
  NdjsonSink(bool print, bool original, uint64_t max_errors)
      : print_(print), writer_({.include_original = original}), max_errors_(max_errors) {
    out_.reserve(kFlushAt + 64 * 1024);
  }
  ~NdjsonSink() override { Flush(); }

  void OnRecord(const FlowRecord& record, const LineContext& ctx) override {
    if (!print_) return;
    std::string_view doc = writer_.Write(record, ctx.line);
    out_.append(doc);
    out_.push_back('\n');
    if (out_.size() >= kFlushAt) Flush();
  }

  void OnBadLine(const LineContext& ctx, const Status& reason) override {
    if (errors_printed_ >= max_errors_) return;
    ++errors_printed_;
    Flush();  // keep stdout and stderr in order when both go to one terminal
    fmt::print(stderr, "{}:{}: {}\n", ctx.source, ctx.line_number, reason.message());
  }

  void Flush() {
    if (!out_.empty()) {
      std::fwrite(out_.data(), 1, out_.size(), stdout);
      out_.clear();
    }
  }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  bool print_;
  EcsDocumentWriter writer_;
  uint64_t max_errors_;
  uint64_t errors_printed_ = 0;
  std::string out_;
};

}  // namespace

int RunParseCommand(const ParseCommandOptions& options) {
  FlowFormat user_format;
  FlowReadOptions read_options;
  if (!options.format.empty()) {
    Status s = FlowFormat::Parse(options.format, &user_format);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex parse: --format: {}\n", s.message());
      return 2;
    }
    read_options.user_format = &user_format;
  }
  EnrichmentSources enrichment;
  if (Status s = OpenEnrichment(options.enrichment, "", AwsConfig{}, &enrichment); !s.ok()) {
    fmt::print(stderr, "flowdex parse: {}\n", s.message());
    return 2;
  }
  std::unique_ptr<AddressEnricher> enricher;
  if (enrichment.active()) {
    enricher = std::make_unique<AddressEnricher>(enrichment);
    read_options.enricher = enricher.get();
  }
  std::vector<std::string> files;
  int exit_code = 0;
  Status s = ExpandInputPaths(options.inputs.empty() ? std::vector<std::string>{"-"} : options.inputs, &files);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex parse: {}\n", s.message());
    exit_code = 1;
  }

  const auto t0 = std::chrono::steady_clock::now();
  read_options.line_text = options.original && !options.count_only;
  FlowLogReader reader(read_options);
  NdjsonSink sink(!options.count_only, options.original, options.max_errors);
  FlowReadStats stats;
  for (const std::string& file : files) {
    Status r = reader.ReadFile(file, &sink, &stats);
    if (!r.ok()) {
      sink.Flush();
      fmt::print(stderr, "flowdex parse: {}\n", r.message());
      exit_code = 1;
    }
  }
  sink.Flush();
  std::fflush(stdout);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(stderr,
             "flowdex parse: {} records, {} bad lines, {} header lines in {} file{}; read {} ({} of text) in "
             "{:.2f} s, {:.2f} M records/s\n",
             stats.records, stats.bad_lines, stats.header_lines, files.size(), files.size() == 1 ? "" : "s",
             HumanBytes(stats.bytes_read), HumanBytes(stats.bytes_decoded), secs,
             secs > 0 ? static_cast<double>(stats.records) / secs / 1e6 : 0.0);
  return exit_code;
}

}  // namespace flowdex
