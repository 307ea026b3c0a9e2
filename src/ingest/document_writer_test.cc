#include "ingest/document_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "store/segment_reader.h"
#include "store/store_check.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class DocumentWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("flowdex_docs_test_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    ASSERT_TRUE(Store::Open(dir_, &store_).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  DocumentWriter Writer(IndexMapping mapping = {}) {
    DocumentWriter::Options o;
    o.index = "app-logs";
    return DocumentWriter(store_.get(), o, std::move(mapping));
  }

  // Commits what the writer holds and opens the (single) segment.
  std::shared_ptr<SegmentReader> CommitAndOpen(DocumentWriter& w) {
    CommitBatch batch;
    EXPECT_TRUE(w.Finish(&batch).ok());
    EXPECT_TRUE(store_->Commit(batch).ok());
    EXPECT_EQ(store_->Current()->segments.size(), 1u);
    std::shared_ptr<SegmentReader> r;
    EXPECT_TRUE(store_->OpenSegment(store_->Current()->segments[0], &r).ok());
    return r;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(DocumentWriterTest, DynamicMappingTypesEveryField) {
  DocumentWriter w = Writer();
  MappingError err;
  ASSERT_TRUE(w.Add(R"({"@timestamp":"2026-11-27T10:00:00Z","message":"Connection refused","user":{"id":42,
                       "admin":true},"latency":0.25,"tags":["a","b"],"nothing":null})",
                    "doc-1", &err))
      << err.reason;
  const IndexMapping& m = w.mapping();
  EXPECT_EQ(m.Find("@timestamp")->type, FieldType::kDate);
  EXPECT_EQ(m.Find("message")->type, FieldType::kText);
  EXPECT_EQ(m.Find("message.keyword")->type, FieldType::kKeyword);
  EXPECT_EQ(m.Find("user.id")->type, FieldType::kLong);
  EXPECT_EQ(m.Find("user.admin")->type, FieldType::kBoolean);
  EXPECT_EQ(m.Find("latency")->type, FieldType::kFloat);
  EXPECT_EQ(m.Find("tags")->type, FieldType::kText);
  EXPECT_EQ(m.Find("nothing"), nullptr) << "null adds no field";

  auto r = CommitAndOpen(w);
  EXPECT_EQ(r->rows(), 1u);
  // The _source comes back byte for byte; the _id as given.
  ColumnBlock src, id, tags, uid, ts;
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("_source"), 0, &src).ok());
  EXPECT_NE(src.blob_at(0).find(R"("nothing":null)"), std::string::npos);
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("_id"), 0, &id).ok());
  const std::vector<std::string>* dict = nullptr;
  ASSERT_TRUE(r->Dictionary(r->FindColumn("_id"), &dict).ok());
  EXPECT_EQ((*dict)[id.values[0]], "doc-1");
  // Arrays keep every value; the .keyword sub-field exists for short strings.
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("tags.keyword"), 0, &tags).ok());
  ASSERT_TRUE(tags.multi());
  EXPECT_EQ(tags.offsets[1], 2u);
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("user.id"), 0, &uid).ok());
  EXPECT_EQ(static_cast<int64_t>(uid.values[0]), 42);
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("@timestamp"), 0, &ts).ok());
  EXPECT_EQ(static_cast<int64_t>(ts.values[0]), 1795773600000);
  EXPECT_EQ(store_->Current()->segments[0].partition, "2026-11-27");
  // The mapping is committed with the rows.
  IndexMapping committed;
  ASSERT_TRUE(IndexMapping::FromJson(store_->Mapping("app-logs"), &committed, &err)) << err.reason;
  EXPECT_EQ(committed.fields(), m.fields());
  // Text postings make words findable.
  Bitmap pages;
  ASSERT_TRUE(r->TokenPostings(r->FindColumn("message"), "refused", &pages).ok());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), 1u);
}

TEST_F(DocumentWriterTest, ExplicitMappingsCoerceAndReject) {
  IndexMapping m;
  MappingError err;
  ASSERT_TRUE(IndexMapping::FromJson(R"({"properties":{"port":{"type":"integer"},"ip":{"type":"ip"},
      "when":{"type":"date"},"flag":{"type":"boolean"},"name":{"type":"keyword","ignore_above":5}}})",
                                     &m, &err));
  DocumentWriter w = Writer(m);
  // Coercion as Elasticsearch does by default.
  ASSERT_TRUE(w.Add(R"({"port":"443","ip":"10.0.0.1","when":1700000000000,"flag":"true","name":"abc"})", "1", &err))
      << err.reason;
  ASSERT_TRUE(w.Add(R"({"port":80.7,"when":"1700000000000","name":"far too long"})", "2", &err)) << err.reason;
  // Values that do not fit are refused, with Elasticsearch's message.
  EXPECT_FALSE(w.Add(R"({"port":"http"})", "3", &err));
  EXPECT_EQ(err.type, "document_parsing_exception");
  EXPECT_EQ(err.reason,
            "failed to parse field [port] of type [integer] in document with id '3'. Preview of field's value: 'http'");
  EXPECT_FALSE(w.Add(R"({"port":3000000000})", "4", &err));
  EXPECT_FALSE(w.Add(R"({"ip":"999.1.1.1"})", "5", &err));
  EXPECT_EQ(err.reason,
            "failed to parse field [ip] of type [ip] in document with id '5'. Preview of field's value: '999.1.1.1'");
  EXPECT_FALSE(w.Add(R"({"when":"yesterday"})", "6", &err));
  EXPECT_FALSE(w.Add(R"({"flag":"yes"})", "7", &err));
  EXPECT_FALSE(w.Add(R"({"port":{"a":1}})", "8", &err));
  EXPECT_FALSE(w.Add("{not json", "9", &err));
  EXPECT_EQ(err.reason, "failed to parse");
  EXPECT_FALSE(w.Add(R"({"_id":"x"})", "10", &err));
  EXPECT_NE(err.reason.find("metadata field"), std::string::npos);
  EXPECT_EQ(w.rows(), 2u) << "refused documents add nothing";

  auto r = CommitAndOpen(w);
  ColumnBlock port, name;
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("port"), 0, &port).ok());
  EXPECT_EQ(port.values[0], 443u);
  EXPECT_EQ(port.values[1], 80u);
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("name"), 0, &name).ok());
  EXPECT_TRUE(name.present(0));
  EXPECT_FALSE(name.present(1)) << "longer than ignore_above: not indexed";
}

TEST_F(DocumentWriterTest, StrictAndFalseDynamic) {
  IndexMapping strict, off;
  MappingError err;
  ASSERT_TRUE(IndexMapping::FromJson(R"({"dynamic":"strict","properties":{"a":{"type":"long"}}})", &strict, &err));
  ASSERT_TRUE(IndexMapping::FromJson(R"({"dynamic":false,"properties":{"a":{"type":"long"}}})", &off, &err));
  DocumentWriter ws = Writer(strict);
  EXPECT_TRUE(ws.Add(R"({"a":1})", "", &err));
  EXPECT_FALSE(ws.Add(R"({"a":1,"b":2})", "", &err));
  EXPECT_EQ(err.type, "strict_dynamic_mapping_exception");
  EXPECT_EQ(err.reason, "[b] mapping set to strict, dynamic introduction of [b] within [_doc] is not allowed");
  DocumentWriter wf = Writer(off);
  EXPECT_TRUE(wf.Add(R"({"a":1,"b":2})", "", &err));
  EXPECT_EQ(wf.mapping().Find("b"), nullptr) << "unmapped, kept in _source only";
}

TEST_F(DocumentWriterTest, ConflictsWithinAndAcrossDocuments) {
  DocumentWriter w = Writer();
  MappingError err;
  ASSERT_TRUE(w.Add(R"({"a":{"b":1}})", "", &err));
  EXPECT_FALSE(w.Add(R"({"a":"text"})", "", &err));
  EXPECT_NE(err.reason.find("tried to parse field [a] as object, but found a concrete value"), std::string::npos)
      << err.reason;
  EXPECT_FALSE(w.Add(R"({"a":{"b":"x1"}})", "", &err)) << "a.b is a long";
  // A refused document leaves no new field behind.
  EXPECT_FALSE(w.Add(R"({"fresh":1,"a":{"b":"bad"}})", "", &err));
  EXPECT_EQ(w.mapping().Find("fresh"), nullptr);
  // Dots and objects are one and the same.
  EXPECT_TRUE(w.Add(R"({"a.b":2})", "", &err)) << err.reason;
}

TEST_F(DocumentWriterTest, HugeDictionariesRollOverToNewSegments) {
  DocumentWriter::Options o;
  o.index = "app-logs";
  o.max_open_bytes = 1 << 20;  // unique messages fill 1 MB of dictionary quickly
  DocumentWriter w(store_.get(), o, {});
  MappingError err;
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(w.Add(R"({"message":"unique message number )" + std::to_string(i) + R"("})", "", &err));
  }
  CommitBatch batch;
  ASSERT_TRUE(w.Finish(&batch).ok());
  EXPECT_GT(batch.segments.size(), 2u);
  ASSERT_TRUE(store_->Commit(batch).ok());
  EXPECT_EQ(store_->Current()->Rows(), 20000u);
}

TEST_F(DocumentWriterTest, GeneratedIdsAreUnique) {
  DocumentWriter w = Writer();
  MappingError err;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(w.Add(R"({"n":1})", "", &err));
  auto r = CommitAndOpen(w);
  const std::vector<std::string>* ids = nullptr;
  ASSERT_TRUE(r->Dictionary(r->FindColumn("_id"), &ids).ok());
  EXPECT_EQ(ids->size(), 1000u);
  EXPECT_EQ((*ids)[0].size(), 20u);
  EXPECT_EQ(store_->Current()->segments[0].partition, "undated");
}

// geo_point in every form Elasticsearch takes for one point, and arrays of
// them; each stored as the "lat,lon" keyword flowdex queries.
TEST_F(DocumentWriterTest, GeoPointsInEveryFormAreStoredAsLatLon) {
  IndexMapping m;
  MappingError err;
  ASSERT_TRUE(IndexMapping::FromJson(R"({"properties":{"loc":{"type":"geo_point"}}})", &m, &err)) << err.reason;
  EXPECT_EQ(m.Find("loc")->type, FieldType::kGeoPoint);
  DocumentWriter w = Writer(m);
  ASSERT_TRUE(w.Add(R"({"loc":{"lat":41.12,"lon":-71.34}})", "object", &err)) << err.reason;
  ASSERT_TRUE(w.Add(R"({"loc":"41.12,-71.34"})", "string", &err)) << err.reason;
  ASSERT_TRUE(w.Add(R"({"loc":[-71.34,41.12]})", "array", &err)) << err.reason;
  ASSERT_TRUE(w.Add(R"({"loc":[{"lat":1,"lon":2},"3,4",[6,5]]})", "several", &err)) << err.reason;
  EXPECT_FALSE(w.Add(R"({"loc":{"lat":91,"lon":0}})", "bad-lat", &err));
  EXPECT_EQ(err.type, "document_parsing_exception");
  EXPECT_NE(err.reason.find("failed to parse field [loc] of type [geo_point]"), std::string::npos) << err.reason;
  EXPECT_FALSE(w.Add(R"({"loc":"somewhere"})", "bad-text", &err));
  EXPECT_FALSE(w.Add(R"({"loc":{"lat":1}})", "no-lon", &err));
  EXPECT_EQ(w.rows(), 4u);

  auto r = CommitAndOpen(w);
  ColumnBlock loc;
  ASSERT_TRUE(r->ReadBlock(r->FindColumn("loc"), 0, &loc).ok());
  const std::vector<std::string>* dict = nullptr;
  ASSERT_TRUE(r->Dictionary(r->FindColumn("loc"), &dict).ok());
  std::vector<std::string> values;
  if (loc.multi()) {
    for (uint32_t i = 0; i < loc.offsets.back(); ++i) values.push_back((*dict)[loc.values[i]]);
  } else {
    for (uint32_t i = 0; i < r->rows(); ++i) values.push_back((*dict)[loc.values[i]]);
  }
  EXPECT_EQ(values, (std::vector<std::string>{"41.12,-71.34", "41.12,-71.34", "41.12,-71.34", "1,2", "3,4", "5,6"}));
}

}  // namespace
}  // namespace flowdex
