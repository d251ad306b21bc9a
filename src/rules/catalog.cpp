// The catalog of rule IDs. Each entry is one fact of onnx-mlir's placement
// logic at the profile commit; docs/rules.md explains every ID for users.
#include <algorithm>

#include "rules/op_context.h"
#include "zonnx/rules.h"

namespace zonnx {
namespace {

std::vector<RuleInfo> build_catalog() {
  using P = Placement;
  return {
      // Would the model compile at all?
      {"model.unknown-op", P::Unsupported, "The op does not exist in the ai.onnx opset the model imports.",
       "Check the op name and the model's opset_import; convert the model to an opset where the op exists.",
       "ONNX operator schemas; onnx-mlir imports ops by (name, opset)."},
      {"model.custom-domain", P::Unsupported,
       "The op is in a domain onnx-mlir has no importer for (a custom operator).",
       "Replace the custom op with standard ONNX ops, or provide it as a model-local function.",
       "onnx-mlir FrontendDialectTransformer: 'Could not find op importer: assuming this represents a "
       "custom operator.'"},
      {"cpu.unsupported-op", P::Unsupported, "onnx-mlir cannot lower this op on the CPU (table says none).",
       "Rewrite the op with supported ops before compiling, or remove it from the model.",
       "docs/SupportedONNXOps-cpu.md: 'none'; compile fails with \"failed to legalize operation\"."},
      {"cpu.not-in-table", P::Unsupported, "The op is not in onnx-mlir's CPU table at all.",
       "The op is newer than the onnx-mlir profile; convert to an opset onnx-mlir supports or rewrite it.",
       "docs/SupportedONNXOps-cpu.md lists every op onnx-mlir knows."},
      {"cpu.opset-range", P::Unsupported,
       "The op's version is outside the range onnx-mlir's CPU table supports.",
       "Convert the model to an opset inside the supported range (zonnx convert --opset nnpa).",
       "docs/SupportedONNXOps-cpu.md 'Supported Opsets (inclusive)'."},
      // NNPA or CPU?
      {"nnpa.device-cpu", P::Cpu, "The node's device attribute pins it to the CPU.",
       "Remove the device=\"cpu\" attribute to let the compiler place the node.",
       "ONNXToZHighCommon.hpp addDynamicallyLegalOpFor: device=cpu keeps the op on CPU."},
      {"nnpa.no-lowering", P::Cpu, "onnx-mlir has no NNPA lowering for this op; it runs on the CPU.",
       "Nothing to fix: this op always runs on the CPU. Keep such ops out of hot paths.",
       "docs/SupportedONNXOps-NNPA.md lists the ops with an NNPA lowering."},
      {"nnpa.level", P::Cpu, "The op needs a newer NNPA level than the chosen --march.",
       "Compile for z17 (--march z17) if the target machine is a z17.",
       "NNPALimit.hpp NNPALevel; isCompatibleWithNNPALevel in ONNXLegalityCheck.cpp."},
      {"nnpa.opset-range", P::Cpu, "The op's version is outside the NNPA table's supported opsets.",
       "Convert the model to an opset inside the NNPA table's range (zonnx convert --opset nnpa).",
       "docs/SupportedONNXOps-NNPA.md 'Supported Opsets (inclusive)'."},
      {"nnpa.element-type", P::Cpu, "An operand's element type is not F16 or F32.",
       "Cast the operand to float32 (or float16) before this op.",
       "ONNXLegalityCheck.cpp isValidElementTypeAndRank: 'Element type is not F16 or F32.'"},
      {"nnpa.rank", P::Cpu, "An operand's rank is outside 1..4.",
       "Reshape the operand to at most 4 dimensions (and at least 1).",
       "ONNXLegalityCheck.cpp isValidElementTypeAndRank: 'zAIU only supports rank in range of (0, 4].'"},
      {"nnpa.shape-unknown", P::Cpu,
       "zonnx could not infer an operand's type or rank, so it cannot show the op is NNPA-legal.",
       "Bind dynamic inputs with --input-shape NAME:DIMS, or add value_info to the model.",
       "onnx-mlir needs ranked tensors ('Value does not have rank.'); zonnx reports what it cannot prove."},
      {"nnpa.dim-limit", P::Cpu, "A static dimension exceeds the NNPA maximum dimension index size.",
       "Split or reshape the tensor so no dimension exceeds the limit, or use --march z17 (larger limits).",
       "NNPALimit.cpp NNPAGetMaxForDim; ONNXToZHighCommon.hpp: 'Exceed maximum dimension index size.'"},
  };
}

}  // namespace

const std::vector<RuleInfo>& rule_catalog() {
  static const std::vector<RuleInfo> catalog = [] {
    auto rules = build_catalog();
    auto extra = op_rule_catalog();
    rules.insert(rules.end(), extra.begin(), extra.end());
    return rules;
  }();
  return catalog;
}

const RuleInfo* find_rule(std::string_view id) {
  const auto& c = rule_catalog();
  auto it = std::find_if(c.begin(), c.end(), [&](const RuleInfo& r) { return r.id == id; });
  return it == c.end() ? nullptr : &*it;
}

std::string_view placement_name(Placement p) {
  switch (p) {
    case Placement::Nnpa:
      return "nnpa";
    case Placement::Cpu:
      return "cpu";
    case Placement::Unsupported:
      return "unsupported";
  }
  return "cpu";
}

}  // namespace zonnx
