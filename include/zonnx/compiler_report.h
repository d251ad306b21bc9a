// Reading what onnx-mlir itself reported about a compile, and comparing it
// with zonnx's verdicts (`zonnx compare-report`).
//
// Two kinds of compiler output are understood, in any mix, in one or more files:
//  * --opt-report=NNPAUnsupportedOps lines (NNPA legality failures, per node):
//      ==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.Mul, Mul_28, Element type is not F16 or F32.
//  * --onnx-op-stats TXT (after "Operations encountered:") or JSON
//    ({"onnx.Add" : 51, "zhigh.Conv2D" : 13, ...}): op counts just before
//    lowering; onnx.* ops run on the CPU, zhigh.* ops on the NNPA.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx {

// A compiler report that cannot be read or holds nothing zonnx understands (exit code 3).
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct UnsupportedOpLine {
  std::string file;
  size_t line = 0;     // 1-based
  std::string op;      // "onnx.Mul"
  std::string node;    // onnx_node_name, or the MLIR location name when the node had none
  std::string reason;  // onnx-mlir's message
};

struct CompilerReport {
  std::vector<UnsupportedOpLine> unsupported_ops;
  bool has_op_stats = false;
  std::map<std::string, uint64_t> op_stats;  // "onnx.Add" -> 51, "zhigh.Conv2D" -> 13 (summed over files)
  std::vector<std::string> files;
};

// Parses compiler output (stdout of onnx-mlir with the options above). `file`
// names the source in errors. Throws ReportError when nothing is recognised or a
// recognised section is malformed.
void parse_compiler_report(std::string_view text, const std::string& file, CompilerReport& report);
// Reads and parses a file. Throws ReportError (unreadable, empty, not a report).
void read_compiler_report(const std::string& path, CompilerReport& report);

struct NodeDisagreement {
  size_t index = 0;  // node index in the model view
  std::string name;
  std::string op;     // MLIR op name, "onnx.Conv"
  std::string zonnx;  // "nnpa"
  std::string rule;   // zonnx's first rule for the node, if any
  std::string compiler_reason;
  std::string where;  // "report.txt:12"
};

struct OpCountDifference {
  std::string op;             // "onnx.MatMul"
  uint64_t zonnx_cpu = 0;     // counted nodes zonnx leaves off the NNPA (cpu or unsupported)
  uint64_t compiler = 0;      // the compiler's count of the op (CPU ops)
  bool nnpa_capable = false;  // the op is in onnx-mlir's NNPA table: a placement disagreement
};

struct ReportComparison {
  std::vector<NodeDisagreement> nodes;          // compiler: not NNPA; zonnx: NNPA
  std::vector<OpCountDifference> op_counts;     // nnpa_capable differences: disagreements
  std::vector<OpCountDifference> other_counts;  // other ops: compiler rewrites (notes only)
  std::vector<UnsupportedOpLine> unmatched;     // report lines naming no node of the model
  size_t matched_lines = 0;                     // report lines matched to a node
  size_t agreeing_lines = 0;                    // ... where zonnx also says "not NNPA"
  uint64_t compiler_nnpa_ops = 0;               // zhigh.* ops counted (stick/unstick excluded)
  bool agree() const { return nodes.empty() && op_counts.empty(); }
};

ReportComparison compare_with_compiler(const ModelView& view, const Analysis& analysis,
                                       const CompilerReport& report);

// Schema "zonnx.compare-report/1" (docs/onnx-mlir-roundtrip.md).
nlohmann::ordered_json comparison_json(const ModelView& view, const Analysis& analysis,
                                       const CompilerReport& report, const ReportComparison& comparison);
void write_comparison_text(std::ostream& out, const ModelView& view, const Analysis& analysis,
                           const CompilerReport& report, const ReportComparison& comparison);

}  // namespace zonnx
