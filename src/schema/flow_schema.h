// The flow schema: every field of the flow index (logs-aws.vpcflow-default)
// in one table: the stored ones (one column per flow-log field, typed
// compactly) and those Elastic's documents have but flowdex derives at
// query time from the stored columns (aliases, enumerated values, address
// text, constants). _mapping, _field_caps, the field catalog, the matcher,
// the aggregations and docs/flow_schema.md all read this table.
//
// Adding a derived field is one entry in kDerivedFields (flow_schema.cc)
// plus tests; a stored field comes from the flow-log field table
// (src/flowlog/flow_field.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flowlog/address_facts.h"
#include "flowlog/flow_field.h"
#include "schema/field_binding.h"
#include "schema/flow_index.h"
#include "store/column_type.h"
#include "store/mapping.h"

namespace flowdex {

struct FlowSchemaField {
  std::string_view name;
  FieldType type = FieldType::kKeyword;  // the Elasticsearch mapping type
  FieldSource source = FieldSource::kColumn;
  std::vector<std::string_view> columns;  // stored columns read (none for constants)
  ColumnType column_type = ColumnType::kKeyword;
  const EnumeratedField* enumerated = nullptr;
  std::string_view hidden_by;  // see FieldBinding::hidden_by
  bool stored = false;         // one of the flow-log fields' own columns (or @timestamp)
  std::string_view origin;     // what it comes from, for the docs: "srcaddr", "event.action"
  std::string_view description;
  int fact = -1;  // kFact: the FactField
};

// Every field a user can search in the flow index, sorted by name.
const std::vector<FlowSchemaField>& FlowSchemaFields();
// The field named `name`, or nullptr.
const FlowSchemaField* FindFlowSchemaField(std::string_view name);
// The field as a binding (known = false when the flow index has none).
FieldBinding FlowFieldBinding(std::string_view name);

// The column a flow-log field is stored in; name "" for `end`, which is
// @timestamp.
struct FlowColumn {
  std::string_view name;
  ColumnType type;
};
const FlowColumn& FlowColumnFor(FlowField f);

// docs/flow_schema.md: every field with its type, column and origin.
std::string FlowSchemaMarkdown();

}  // namespace flowdex
