#include "schema/field_catalog.h"

#include <algorithm>

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
    return b;
  }
  const std::vector<std::string>& FieldNames() const override { return names_; }
  bool flow() const override { return false; }

 private:
  IndexMapping mapping_;
  std::vector<std::string> names_;
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
