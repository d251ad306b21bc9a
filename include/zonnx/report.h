// Report writers: text for people (aligned tables, colour only when asked),
// JSON for machines (schema in docs/json-schema.md, versioned by kJsonSchema).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "zonnx/compare.h"
#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx {

constexpr const char* kJsonSchema = "zonnx.inspect/1";

struct GateResult {
  std::string gate;  // "--fail-on unsupported", "--min-nnpa-coverage 80"
  bool failed = false;
  std::string detail;  // "3 nodes unsupported", "coverage 42.0% < 80%"
};

struct TextOptions {
  bool color = false;
  bool verbose = false;  // list every node, not only the non-NNPA ones
  int width = 100;       // terminal width to fit (widths below 40 are treated as 40)
  int group_names = 5;   // node names listed per group of "Nodes not on NNPA" (without verbose)
  int io_rows = 10;      // graph inputs/outputs and metadata entries listed in the header (without verbose)
};

// Keys keep the documented order (ordered_json), so dump() is byte-for-byte
// stable for the same model and analysis. Converts implicitly to nlohmann::json.
// `compare` (--compare-march) adds the "compare_march" field / text section.
nlohmann::ordered_json inspect_json(const ModelView& view, const Analysis& analysis,
                                    const std::vector<GateResult>& gates = {},
                                    const MarchComparison* compare = nullptr);
void write_text(std::ostream& out, const ModelView& view, const Analysis& analysis,
                const std::vector<GateResult>& gates, const TextOptions& options,
                const MarchComparison* compare = nullptr);

}  // namespace zonnx
