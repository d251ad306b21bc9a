// The rule engine: decides, node by node, where onnx-mlir would run an op
// (NNPA, CPU, or not at all) for one profile and --march.
//
// Every decision carries a Reason with a stable rule ID from rule_catalog();
// docs/rules.md documents each ID. Rules are data (RuleInfo) plus small check
// functions registered per op (src/rules/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/tables.h"

namespace zonnx {

enum class Placement { Nnpa, Cpu, Unsupported };
std::string_view placement_name(Placement p);  // "nnpa", "cpu", "unsupported"

struct RuleInfo {
  std::string id;      // stable: "nnpa.element-type", "cpu.unsupported-op", ...
  Placement outcome;   // what failing this rule means for the node
  std::string title;   // plain words
  std::string hint;    // how to fix or work around it
  std::string source;  // the onnx-mlir fact it encodes (file / function / doc)
};
const std::vector<RuleInfo>& rule_catalog();
const RuleInfo* find_rule(std::string_view id);

struct Reason {
  std::string rule;     // a RuleInfo::id
  std::string message;  // onnx-mlir's wording where it has one, with the failing values
  std::string hint;     // fix hint (defaults to the rule's)
  std::vector<std::pair<std::string, std::string>> values;  // e.g. {"group", "32"}
};

struct NodeVerdict {
  Placement placement = Placement::Cpu;
  std::vector<Reason> reasons;     // why not NNPA; empty for nnpa
  std::vector<std::string> notes;  // e.g. how a rewrite rescued the node
  bool counted = true;             // false for Constant and local-function calls (not executed as ops)
};

struct AnalysisOptions {
  March march = March::Z16;
  bool parallel = true;  // a large graph's nodes may be checked on two threads (same result)
};

struct Summary {
  uint64_t nodes = 0;    // all nodes
  uint64_t counted = 0;  // nodes that execute (see NodeVerdict::counted)
  uint64_t nnpa = 0;
  uint64_t cpu = 0;
  uint64_t unsupported = 0;
  double nnpa_share = 0;  // of counted, 0..1
  double cpu_share = 0;
  double unsupported_share = 0;
  std::vector<OpCount> blocking_ops;   // unsupported ops with counts: the model would not compile
  std::vector<OpCount> cpu_ops;        // ops placed on CPU with counts
  std::vector<OpCount> heavy_cpu_ops;  // Conv, Gemm, MatMul, LSTM, ... left on CPU
  int64_t model_opset = 0;
  int nnpa_recommended_opset = 0;
  // Compute cost in multiply-accumulates (MACs) of counted nodes, from static
  // shapes (src/rules/summary_metrics.cpp has the cost model). Sums saturate at
  // UINT64_MAX. A node whose cost needs a shape that is not static is left out
  // of the sums and counted in mac_unknown_nodes.
  uint64_t mac_nnpa = 0;           // MACs of NNPA nodes with a known cost
  uint64_t mac_total_known = 0;    // MACs of every counted node with a known cost
  double mac_nnpa_share = 0;       // mac_nnpa / mac_total_known, 0..1 (0 when nothing is known)
  uint64_t mac_unknown_nodes = 0;  // counted nodes whose cost is unknown
  // NNPA regions: maximal sets of counted NNPA nodes connected by data
  // dependencies within a graph. Transitions: values crossing between the NNPA
  // and the CPU, each one data conversion (stick: into the NNPA layout, from a
  // CPU node or a graph input; unstick: out of it, to a CPU node or a graph output).
  uint64_t nnpa_regions = 0;
  uint64_t stick_transitions = 0;
  uint64_t unstick_transitions = 0;
  bool compiles() const { return unsupported == 0; }
};

struct Analysis {
  March march = March::Z16;
  std::vector<NodeVerdict> verdicts;  // parallel to ModelView::nodes()
  Summary summary;
};

Analysis analyze(const ModelView& view, const AnalysisOptions& options,
                 const SupportTables& tables = SupportTables::embedded(),
                 const OpVersions& versions = OpVersions::embedded());

}  // namespace zonnx
