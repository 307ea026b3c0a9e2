#include <fmt/format.h>

#include "cli/commands.h"
#include "schema/flow_schema.h"

namespace flowdex {

int RunSchemaCommand(const SchemaCommandOptions& options) {
  if (options.markdown) {
    fmt::print("{}", FlowSchemaMarkdown());
    return 0;
  }
  fmt::print("{:<40} {:<8} {:<10} {}\n", "field", "type", "kind", "from");
  for (const FlowSchemaField& f : FlowSchemaFields()) {
    const char* kind = f.stored ? "stored" : f.source == FieldSource::kColumn ? "alias" : "derived";
    fmt::print("{:<40} {:<8} {:<10} {}\n", f.name, FieldTypeName(f.type), kind, f.origin);
  }
  return 0;
}

}  // namespace flowdex
