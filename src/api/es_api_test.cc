#include "api/es_api.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "api/json_output.h"
#include "store/index_resolver.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class EsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("flowdex_api_test_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void Open(EsApiOptions options = {}) {
    api_.reset();
    store_.reset();
    ASSERT_TRUE(Store::Open(dir_, &store_).ok());
    api_ = std::make_unique<EsApi>(store_.get(), options, &metrics_);
  }

  // Sends a request; returns the parsed body (null when it is not JSON).
  rapidjson::Document Call(const std::string& method, const std::string& path, const std::string& body = "",
                           int* status = nullptr, std::map<std::string, std::string> params = {}) {
    RestRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.params = std::move(params);
    RestResponse out = api_->Handle(r);
    if (status) *status = out.status;
    last_body_ = out.body;
    rapidjson::Document d;
    d.Parse(out.body.data(), out.body.size());
    return d;
  }
  uint64_t Count(const std::string& index, const std::string& query = R"({"query":{"match_all":{}}})") {
    rapidjson::Document d = Call("POST", "/" + index + "/_count", query);
    return d.IsObject() && d.HasMember("count") ? d["count"].GetUint64() : UINT64_MAX;
  }
  // The statuses of a bulk's items, in order.
  std::vector<int> BulkStatuses(const std::string& body, bool* errors = nullptr) {
    int status = 0;
    rapidjson::Document d = Call("POST", "/_bulk", body, &status);
    EXPECT_EQ(status, 200) << last_body_;
    std::vector<int> out;
    if (!d.IsObject() || !d.HasMember("items")) return out;
    if (errors) *errors = d["errors"].GetBool();
    for (const auto& item : d["items"].GetArray()) out.push_back(item.MemberBegin()->value["status"].GetInt());
    return out;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  Metrics metrics_;
  std::unique_ptr<EsApi> api_;
  std::string last_body_;
};

TEST_F(EsApiTest, BulkItemStatusesFollowElasticsearch) {
  bool errors = false;
  const std::vector<int> statuses = BulkStatuses(
      "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"n\":1}\n"
      "{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"n\":2}\n"        // exists: 409
      "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"n\":3}\n"         // overwrite: 200
      "{\"delete\":{\"_index\":\"a\",\"_id\":\"nope\"}}\n"                // 404 not_found
      "{\"update\":{\"_index\":\"a\",\"_id\":\"nope\"}}\n{\"doc\":{}}\n"  // 404 document_missing
      "{\"index\":{\"_index\":\"a\"}}\n{\"n\":\"text\"}\n"                // n is a long: 400
      "{\"index\":{\"_index\":\"a\",\"_id\":\"2\"}}\n{\"n\":5,\"s\":\"x\"}\n"
      "{\"update\":{\"_index\":\"a\",\"_id\":\"2\"}}\n{\"doc\":{\"s\":\"y\"}}\n"                     // 200 updated
      "{\"update\":{\"_index\":\"a\",\"_id\":\"2\"}}\n{\"doc\":{\"s\":\"y\"}}\n"                     // 200 noop
      "{\"update\":{\"_index\":\"a\",\"_id\":\"3\"}}\n{\"doc\":{\"n\":7},\"doc_as_upsert\":true}\n"  // 201
      "{\"delete\":{\"_index\":\"a\",\"_id\":\"3\"}}\n",                                             // 200 deleted
      &errors);
  EXPECT_EQ(statuses, (std::vector<int>{201, 409, 200, 404, 404, 400, 201, 200, 200, 201, 200}));
  EXPECT_TRUE(errors);
  rapidjson::Document d = Call("GET", "/a/_doc/1");
  EXPECT_EQ(d["_source"]["n"].GetInt(), 3);
  d = Call("GET", "/a/_doc/2");
  EXPECT_EQ(std::string(d["_source"]["s"].GetString()), "y");
  EXPECT_EQ(d["_source"]["n"].GetInt(), 5);
  int status = 0;
  Call("GET", "/a/_doc/3", "", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(Count("a"), 2u);
  EXPECT_EQ(Count("a", R"({"query":{"term":{"n":3}}})"), 1u);
  EXPECT_EQ(Count("a", R"({"query":{"term":{"n":1}}})"), 0u) << "the overwritten version is gone";
}

TEST_F(EsApiTest, DeletesAndOverwritesSurviveReopening) {
  BulkStatuses(
      "{\"index\":{\"_index\":\"b\",\"_id\":\"x\"}}\n{\"v\":1}\n{\"index\":{\"_index\":\"b\",\"_id\":\"y\"}}\n{\"v\":1}"
      "\n");
  BulkStatuses(
      "{\"index\":{\"_index\":\"b\",\"_id\":\"x\"}}\n{\"v\":2}\n{\"delete\":{\"_index\":\"b\",\"_id\":\"y\"}}\n");
  Open();
  EXPECT_EQ(Count("b"), 1u);
  EXPECT_EQ(Count("b", R"({"query":{"term":{"v":2}}})"), 1u);
  rapidjson::Document cat = Call("GET", "/_cat/indices/b", "", nullptr, {{"format", "json"}});
  EXPECT_EQ(std::string(cat[0]["docs.count"].GetString()), "1");
  EXPECT_EQ(std::string(cat[0]["docs.deleted"].GetString()), "2");
}

TEST_F(EsApiTest, IndexingPressureRefusesItemsPastTheBudget) {
  EsApiOptions options;
  options.indexing_pressure_bytes = 40;
  Open(options);
  const std::string doc = "{\"pad\":\"0123456789\"}";  // 20 bytes
  const std::vector<int> statuses =
      BulkStatuses("{\"index\":{\"_index\":\"p\"}}\n" + doc + "\n{\"index\":{\"_index\":\"p\"}}\n" + doc +
                   "\n{\"index\":{\"_index\":\"p\"}}\n" + doc + "\n");
  EXPECT_EQ(statuses, (std::vector<int>{201, 201, 429}));
  EXPECT_NE(last_body_.find("es_rejected_execution_exception"), std::string::npos);
  EXPECT_EQ(Count("p"), 2u);
  // The budget is released once the bulk is done.
  EXPECT_EQ(BulkStatuses("{\"index\":{\"_index\":\"p\"}}\n" + doc + "\n"), (std::vector<int>{201}));
}

TEST_F(EsApiTest, MalformedBulksFailWhole) {
  int status = 0;
  for (const std::string& body : {std::string("{\"index\":{\"_index\":\"a\"}}\n"),  // no document line
                                  std::string("{\"frobnicate\":{}}\n{}\n"), std::string("[1,2]\n"), std::string("")}) {
    rapidjson::Document d = Call("POST", "/_bulk", body, &status);
    EXPECT_EQ(status, 400) << body;
    EXPECT_TRUE(d.IsObject() && d.HasMember("error")) << body;
  }
  Call("POST", "/_bulk", "{\"index\":{}}\n{}\n", &status);
  EXPECT_EQ(status, 400) << "no index anywhere";
  EXPECT_EQ(Count("a"), UINT64_MAX) << "nothing was written";
}

TEST_F(EsApiTest, IndicesAliasesAndResolution) {
  int status = 0;
  Call("PUT", "/one", R"({"mappings":{"properties":{"ip":{"type":"ip"}}},"aliases":{"both":{}}})", &status);
  EXPECT_EQ(status, 200) << last_body_;
  Call("PUT", "/two", "", &status);
  EXPECT_EQ(status, 200);
  Call("POST", "/_aliases", R"({"actions":[{"add":{"index":"two","alias":"both"}}]})", &status);
  EXPECT_EQ(status, 200) << last_body_;
  BulkStatuses(
      "{\"index\":{\"_index\":\"one\"}}\n{\"ip\":\"10.0.0.1\"}\n{\"index\":{\"_index\":\"two\"}}\n{\"ip\":\"x\"}\n");
  EXPECT_EQ(Count("both"), 2u);
  EXPECT_EQ(Count("one,two"), 2u);
  EXPECT_EQ(Count("*,-two"), 1u);
  EXPECT_EQ(Count("o*"), 1u);
  rapidjson::Document d = Call("POST", "/missing/_search", "{}", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(std::string(d["error"]["type"].GetString()), "index_not_found_exception");
  EXPECT_EQ(std::string(d["error"]["index"].GetString()), "missing");
  Call("POST", "/missing*/_search", "{}", &status);
  EXPECT_EQ(status, 200) << "wildcards may match nothing";
  Call("POST", "/missing,one/_search", "{}", &status, {{"ignore_unavailable", "true"}});
  EXPECT_EQ(status, 200);
  d = Call("GET", "/one/_mapping");
  EXPECT_EQ(std::string(d["one"]["mappings"]["properties"]["ip"]["type"].GetString()), "ip");
  Call("DELETE", "/one", "", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Count("both"), 1u) << "the alias lost the deleted index";
  Call("DELETE", "/one", "", &status);
  EXPECT_EQ(status, 404);
}

TEST_F(EsApiTest, DefaultAliasServesTheSeedsPaths) {
  ASSERT_TRUE(api_->EnsureDefaultAlias().ok());
  int status = 0;
  rapidjson::Document d = Call("GET", "/logs/_search", "", &status, {{"q", "error"}});
  EXPECT_EQ(status, 200) << last_body_;
  EXPECT_EQ(d["hits"]["total"]["value"].GetUint64(), 0u);
  ASSERT_TRUE(api_->EnsureDefaultAlias().ok()) << "idempotent";
}

TEST_F(EsApiTest, SearchParametersAndErrors) {
  BulkStatuses(
      "{\"index\":{\"_index\":\"s\"}}\n{\"n\":1,\"t\":\"a\"}\n{\"index\":{\"_index\":\"s\"}}\n{\"n\":2,\"t\":\"b\"}\n"
      "{\"index\":{\"_index\":\"s\"}}\n{\"n\":3,\"t\":\"a\"}\n");
  int status = 0;
  rapidjson::Document d = Call("GET", "/s/_search", "", &status, {{"q", "t:a"}, {"sort", "n:desc"}, {"size", "1"}});
  ASSERT_EQ(status, 200) << last_body_;
  EXPECT_EQ(d["hits"]["total"]["value"].GetUint64(), 2u);
  EXPECT_EQ(d["hits"]["hits"][0]["_source"]["n"].GetInt(), 3);
  d = Call("GET", "/s/_search", "", &status, {{"rest_total_hits_as_int", "true"}});
  EXPECT_EQ(d["hits"]["total"].GetUint64(), 3u);
  Call("GET", "/s/_search", "", &status, {{"size", "ten"}});
  EXPECT_EQ(status, 400);
  Call("GET", "/s/_search", "", &status, {{"from", "9999"}, {"size", "2"}});
  EXPECT_EQ(status, 400);
  Call("POST", "/s/_count", R"({"size":3})", &status);
  EXPECT_EQ(status, 400);
  d = Call("POST", "/s/_msearch", "{}\n{\"query\":{\"term\":{\"t\":\"b\"}}}\n{\"index\":\"nope\"}\n{}\n", &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(d["responses"][0]["hits"]["total"]["value"].GetUint64(), 1u);
  EXPECT_EQ(d["responses"][1]["status"].GetInt(), 404);
  d = Call("GET", "/_nothing", "", &status);
  EXPECT_EQ(status, 400);
  Call("GET", "/_bulk", "", &status);
  EXPECT_EQ(status, 405);
}

TEST_F(EsApiTest, TemplateAppliesToAnIndexStillWithoutDocuments) {
  // The index exists (created before the template, as serve creates the flow
  // index at start) but holds no documents: its first documents take the template.
  int status = 0;
  Call("PUT", "/early-1", "", &status);
  ASSERT_EQ(status, 200);
  Call("PUT", "/_index_template/early",
       R"({"index_patterns":["early-*"],"data_stream":{},)"
       R"("template":{"mappings":{"properties":{"source":{"properties":{"ip":{"type":"ip"}}}}}}})",
       &status);
  ASSERT_EQ(status, 200) << last_body_;
  BulkStatuses("{\"create\":{\"_index\":\"early-1\",\"_id\":\"a\"}}\n{\"source\":{\"ip\":\"10.1.2.3\"}}\n");
  rapidjson::Document d = Call("GET", "/early-1/_mapping");
  EXPECT_EQ(std::string(d["early-1"]["mappings"]["properties"]["source"]["properties"]["ip"]["type"].GetString()),
            "ip");
  // Once it has documents, a later template changes nothing.
  Call("PUT", "/_index_template/early2",
       R"({"index_patterns":["early-*"],"priority":9,)"
       R"("template":{"mappings":{"properties":{"other":{"type":"ip"}}}}})",
       &status);
  BulkStatuses("{\"create\":{\"_index\":\"early-1\",\"_id\":\"b\"}}\n{\"other\":\"10.1.2.3\"}\n");
  d = Call("GET", "/early-1/_mapping");
  EXPECT_STRNE(d["early-1"]["mappings"]["properties"]["other"]["type"].GetString(), "ip");
}

TEST_F(EsApiTest, IndexTemplatesMapNewIndicesAndPersist) {
  int status = 0;
  Call("PUT", "/_component_template/net", R"({"template":{"mappings":{"properties":{"ip":{"type":"ip"}}}}})", &status);
  ASSERT_EQ(status, 200) << last_body_;
  // Types flowdex stores as their nearest keep their declared name
  // (wildcard, stored as keyword); unknown parameters are ignored.
  Call("PUT", "/_index_template/flows",
       R"({"index_patterns":["flows-*"],"priority":10,"composed_of":["net"],"template":{"mappings":{"properties":{)"
       R"("port":{"type":"long"},"name":{"type":"wildcard","fancy":1},"geo":{"type":"geo_point"}}}}})",
       &status);
  ASSERT_EQ(status, 200) << last_body_;
  Call("PUT", "/_index_template/low",
       R"({"index_patterns":["flows-*"],"priority":1,"template":{"mappings":{)"
       R"("properties":{"port":{"type":"keyword"}}}}})",
       &status);
  ASSERT_EQ(status, 200);
  Call("PUT", "/_template/legacy",
       R"({"index_patterns":["old-*"],"order":1,"mappings":{"properties":{"ip":{"type":"ip"}}}})", &status);
  ASSERT_EQ(status, 200);
  BulkStatuses(
      "{\"index\":{\"_index\":\"flows-a\"}}\n{\"ip\":\"10.1.2.3\",\"port\":443,\"name\":\"web\"}\n"
      "{\"index\":{\"_index\":\"old-a\"}}\n{\"ip\":\"10.9.9.9\"}\n"
      "{\"index\":{\"_index\":\"other\"}}\n{\"ip\":\"10.1.2.3\"}\n");
  rapidjson::Document d = Call("GET", "/flows-a/_mapping");
  const auto& props = d["flows-a"]["mappings"]["properties"];
  EXPECT_EQ(std::string(props["ip"]["type"].GetString()), "ip");
  EXPECT_EQ(std::string(props["port"]["type"].GetString()), "long") << "the higher priority template wins";
  EXPECT_EQ(std::string(props["name"]["type"].GetString()), "wildcard") << "shown as declared";
  const std::string cidr = R"({"query":{"term":{"ip":"10.0.0.0/8"}}})";
  EXPECT_EQ(Count("flows-a", cidr), 1u);
  EXPECT_EQ(Count("old-a", cidr), 1u);
  d = Call("GET", "/other/_mapping");
  EXPECT_STRNE(d["other"]["mappings"]["properties"]["ip"]["type"].GetString(), "ip") << "no template: dynamic";
  // Explicit PUT of an index takes the template too; templates survive a restart.
  Call("PUT", "/flows-b", "", &status);
  EXPECT_EQ(status, 200);
  Open();
  d = Call("GET", "/flows-b/_mapping");
  EXPECT_EQ(std::string(d["flows-b"]["mappings"]["properties"]["ip"]["type"].GetString()), "ip");
  d = Call("GET", "/_index_template/flows", "", &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(std::string(d["index_templates"][0]["name"].GetString()), "flows");
  Call("DELETE", "/_index_template/flows", "", &status);
  EXPECT_EQ(status, 200);
  Call("DELETE", "/_index_template/flows", "", &status);
  EXPECT_EQ(status, 404);
}

TEST(JsonOutputTest, FilterPath) {
  const std::string json =
      R"({"took":3,"hits":{"total":{"value":2},"hits":[{"_id":"a","_source":{"x":1}},{"_id":"b"}]},"aggregations":{"t":{"buckets":[{"key":"k","doc_count":1}]}}})";
  EXPECT_EQ(ApplyFilterPath(json, "hits.total"), R"({"hits":{"total":{"value":2}}})");
  EXPECT_EQ(ApplyFilterPath(json, "hits.hits._id"), R"({"hits":{"hits":[{"_id":"a"},{"_id":"b"}]}})");
  EXPECT_EQ(ApplyFilterPath(json, "took,-took"), R"({})");
  EXPECT_EQ(ApplyFilterPath(json, "**.doc_count"), R"({"aggregations":{"t":{"buckets":[{"doc_count":1}]}}})");
  EXPECT_EQ(ApplyFilterPath(json, "h*.total.value"), R"({"hits":{"total":{"value":2}}})");
  EXPECT_EQ(ApplyFilterPath(json, "-hits,-aggregations"), R"({"took":3})");
  EXPECT_EQ(ApplyFilterPath(json, "nothing"), "{}");
  EXPECT_EQ(ApplyFilterPath("not json", "a"), "not json");
  EXPECT_EQ(PrettyJson(R"({"a":[1]})"), "{\n  \"a\": [\n    1\n  ]\n}\n");
}

TEST(IndexResolverTest, NamesAliasesWildcardsExclusions) {
  StoreVersion v;
  v.indices = {"logs-a", "logs-b", "metrics"};
  v.aliases = {{"logs", {"logs-a", "logs-b"}}, {"m", {"metrics"}}};
  std::vector<std::string> out;
  std::string missing;
  ASSERT_TRUE(ResolveIndexExpression(v, SplitIndexList("logs"), {}, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"logs-a", "logs-b"}));
  ASSERT_TRUE(ResolveIndexExpression(v, SplitIndexList("*,-logs-b"), {}, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"logs-a", "metrics"}));
  ASSERT_TRUE(ResolveIndexExpression(v, SplitIndexList("_all,-logs"), {}, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"metrics"}));
  ASSERT_TRUE(ResolveIndexExpression(v, SplitIndexList("m*"), {}, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"metrics"}));
  EXPECT_TRUE(ResolveIndexExpression(v, SplitIndexList("logs-a,nope"), {}, &out, &missing).IsNotFound());
  EXPECT_EQ(missing, "nope");
  IndexResolveOptions lenient;
  lenient.ignore_unavailable = true;
  ASSERT_TRUE(ResolveIndexExpression(v, SplitIndexList("logs-a,nope"), lenient, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"logs-a"}));
  IndexResolveOptions strict;
  strict.allow_no_indices = false;
  EXPECT_TRUE(ResolveIndexExpression(v, SplitIndexList("x*"), strict, &out, &missing).IsNotFound());
  EXPECT_EQ(SplitIndexList(""), (std::vector<std::string>{"_all"}));
}

}  // namespace
}  // namespace flowdex
