#include "schema/field_catalog.h"

#include <algorithm>
#include <map>
#include <memory>

#include <rapidjson/document.h>

#include "schema/flow_schema.h"

namespace flowdex {

namespace {

class FlowCatalog final : public FieldCatalog {
 public:
  FlowCatalog() {
    for (const FlowSchemaField& f : FlowSchemaFields()) names_.emplace_back(f.name);
  }
  FieldBinding Resolve(std::string_view name) const override { return FlowFieldBinding(name); }
  const std::vector<std::string>& FieldNames() const override { return names_; }
  bool flow() const override { return true; }

 private:
  std::vector<std::string> names_;
};

class MappingCatalog final : public FieldCatalog {
 public:
  explicit MappingCatalog(IndexMapping mapping) : mapping_(std::move(mapping)) {
    for (const auto& [path, field] : mapping_.fields()) {
      names_.push_back(path);
      for (const auto& [sub, unused] : field.fields) names_.push_back(path + "." + sub);
      if (field.declared == "constant_keyword" && !field.constant_value.empty()) {
        // Every document has the value, stored or not: an enumerated field
        // whose one value holds on every row.
        auto c = std::make_unique<Constant>();
        rapidjson::Document v;
        v.Parse(field.constant_value.data(), field.constant_value.size());
        if (v.IsString()) {
          c->value.assign(v.GetString(), v.GetStringLength());
        } else {
          c->value = field.constant_value;  // a number or boolean, as its text
        }
        c->field.values = {EnumeratedValue::Always(c->value)};
        constants_.emplace(path, std::move(c));
      }
    }
    std::sort(names_.begin(), names_.end());
  }

  FieldBinding Resolve(std::string_view name) const override {
    FieldBinding b;
    b.name = std::string(name);
    const FieldMapping* m = mapping_.Find(name);
    if (m == nullptr || !m->index) return b;
    b.known = true;
    b.type = m->type;
    b.columns = {std::string(name)};
    b.column_type = ColumnTypeFor(m->type);
    b.date_format = m->format;
    b.ignore_above = m->ignore_above;
    if (auto c = constants_.find(b.name); c != constants_.end()) {
      b.source = FieldSource::kEnumerated;
      b.enumerated = &c->second->field;
      b.columns.clear();
    }
    return b;
  }
  const std::vector<std::string>& FieldNames() const override { return names_; }
  bool flow() const override { return false; }

 private:
  struct Constant {
    std::string value;  // EnumeratedValue views it
    EnumeratedField field;
  };
  IndexMapping mapping_;
  std::vector<std::string> names_;
  std::map<std::string, std::unique_ptr<Constant>, std::less<>> constants_;  // constant_keyword fields by path
};

}  // namespace

const FieldCatalog& FieldCatalog::Flow() {
  static const FlowCatalog catalog;
  return catalog;
}

std::shared_ptr<const FieldCatalog> FieldCatalog::ForMapping(IndexMapping mapping) {
  return std::make_shared<MappingCatalog>(std::move(mapping));
}

}  // namespace flowdex
