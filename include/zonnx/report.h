// Report writers: text for people (aligned tables, colour only when asked),
// JSON for machines (schema in docs/json-schema.md, versioned by kJsonSchema).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx {

constexpr const char* kJsonSchema = "zonnx.inspect/1";

struct GateResult {
  std::string gate;     // "--fail-on unsupported", "--min-nnpa-coverage 80"
  bool failed = false;
  std::string detail;   // "3 nodes unsupported", "coverage 42.0% < 80%"
};

struct TextOptions {
  bool color = false;
  bool verbose = false;   // list every node, not only the non-NNPA ones
  int width = 100;        // terminal width to fit
};

nlohmann::json inspect_json(const ModelView& view, const Analysis& analysis,
                            const std::vector<GateResult>& gates = {});
void write_text(std::ostream& out, const ModelView& view, const Analysis& analysis,
                const std::vector<GateResult>& gates, const TextOptions& options);

}  // namespace zonnx
