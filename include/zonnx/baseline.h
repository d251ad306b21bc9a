// The baseline gate: compares a model's analysis with an earlier JSON report
// (`zonnx inspect --format json`, schema zonnx.inspect/1) and finds what got
// worse: nodes that left the NNPA, ops that no longer compile, nodes added or
// removed, and the change in NNPA coverage. `--fail-on regression` turns it
// into a CI gate. docs/json-schema.md documents the "baseline" JSON object.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/report.h"
#include "zonnx/rules.h"

namespace zonnx {

// One node of the baseline report, as far as the comparison needs it.
struct BaselineNode {
  std::string graph;
  std::string name;
  std::string op_type;
  std::string domain;
  Placement placement = Placement::Cpu;
  bool counted = true;
  std::string rule;  // first reason's rule ("" on the NNPA)
};

struct Baseline {
  std::string path;   // the baseline file as given
  std::string model;  // model.path recorded in the report
  std::string march;  // target.march recorded in the report
  std::vector<BaselineNode> nodes;
  uint64_t counted = 0;
  uint64_t nnpa = 0;
  double nnpa_share = 0;                  // summary.nnpa_share (0..1, 4 decimals)
  std::vector<std::string> blocking_ops;  // "domain::op" of summary.blocking_ops
};

// Reads and checks a zonnx.inspect/1 report. Throws ModelError (exit 3) naming
// the file and the cause: unreadable, not JSON, another schema, missing fields.
Baseline load_baseline(const std::string& path);
// The same from JSON text; `path` only names the source in errors.
Baseline parse_baseline(const std::string& text, const std::string& path);

// A node on both sides whose placement differs.
struct BaselineMove {
  size_t index = 0;  // position in the new report's nodes
  std::string graph;
  std::string name;
  std::string op_type;
  Placement from = Placement::Nnpa;
  Placement to = Placement::Cpu;
  std::string rule;         // first reason's rule now ("" when it is on the NNPA now)
  bool regression = false;  // NNPA -> CPU/unsupported, or CPU -> unsupported
};

// A node on one side only.
struct BaselineChange {
  std::string graph;
  std::string name;
  std::string op_type;
  Placement placement = Placement::Cpu;
  size_t index = 0;  // added: position in the new report's nodes; removed: in the baseline's
};

struct BaselineDiff {
  std::string baseline_path;
  std::string baseline_model;
  std::string baseline_march;
  std::string march;                             // of the new analysis
  std::vector<BaselineMove> moved;               // in the new report's node order
  std::vector<BaselineChange> added;             // counted nodes only in the new model
  std::vector<BaselineChange> removed;           // counted nodes only in the baseline
  std::vector<std::string> new_unsupported_ops;  // blocking ops ("Op" or "domain::Op") not blocking before
  size_t matched_by_name = 0;                    // counted nodes matched by graph + name
  size_t matched_by_position = 0;                // ... by graph + op + position (names missing or repeated)
  double nnpa_share_before = 0;
  double nnpa_share_after = 0;  // rounded to 4 decimals like the JSON report
  uint64_t nnpa_before = 0;
  uint64_t nnpa_after = 0;

  size_t regressions() const;  // moved nodes with `regression`
  bool coverage_dropped() const { return nnpa_share_after + 1e-9 < nnpa_share_before; }
  // Any regression the gate fails on: a node left the NNPA (or stopped
  // compiling), a new unsupported op, or lower NNPA coverage.
  bool regressed() const { return regressions() > 0 || !new_unsupported_ops.empty() || coverage_dropped(); }
};

// Matches the nodes of `baseline` and of the new analysis: by graph and node
// name when the name is non-empty and unique in its graph on both sides, else
// by graph, op and position among such nodes of that op. Only counted nodes
// take part (Constant and folded shape arithmetic come and go with exporters).
BaselineDiff compare_with_baseline(const Baseline& baseline, const ModelView& view, const Analysis& analysis);

// The "--fail-on regression" gate result for the JSON/text reports.
GateResult regression_gate(const BaselineDiff& diff);

// The "baseline" object of the JSON report (docs/json-schema.md).
nlohmann::ordered_json baseline_json(const BaselineDiff& diff);
// `report` (from inspect_json) with "baseline" inserted before "gates".
nlohmann::ordered_json with_baseline(const nlohmann::ordered_json& report, const BaselineDiff& diff);
// "Baseline" section of the text report; lists at most `max_rows` nodes per list.
void write_baseline_text(std::ostream& out, const BaselineDiff& diff, int width, size_t max_rows = 20);

}  // namespace zonnx
