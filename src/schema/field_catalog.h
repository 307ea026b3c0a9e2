// FieldCatalog: the fields of one kind of segment, by name. Flow segments
// answer with the flow schema (stored and derived fields); segments of JSON
// documents with their index's mapping (each mapped field is a column of
// the same name, multi-fields included).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/field_binding.h"
#include "store/mapping.h"

namespace flowdex {

class FieldCatalog {
 public:
  // The flow schema's catalog (shared, immutable).
  static const FieldCatalog& Flow();
  // A catalog of an index of JSON documents with this mapping.
  static std::shared_ptr<const FieldCatalog> ForMapping(IndexMapping mapping);

  virtual ~FieldCatalog() = default;

  // What `name` means here; known = false when it is not a field here.
  virtual FieldBinding Resolve(std::string_view name) const = 0;
  // Every field name, sorted (field patterns such as "source.*" expand over them).
  virtual const std::vector<std::string>& FieldNames() const = 0;
  // True for the flow schema.
  virtual bool flow() const = 0;
};

}  // namespace flowdex
