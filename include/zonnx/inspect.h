// The inspect pipeline as one call: load -> model view -> rule engine, plus the
// CI gates. The CLI and the tests use exactly this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zonnx/compare.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"
#include "zonnx/report.h"
#include "zonnx/rules.h"

namespace zonnx {

struct Gates {
  bool fail_on_unsupported = false;         // --fail-on unsupported: the model would not compile
  bool fail_on_cpu = false;                 // --fail-on cpu: any counted node runs on the CPU
  bool fail_on_heavy_cpu = false;           // --fail-on heavy-cpu: Conv/MatMul/Gemm/LSTM/... on the CPU
  std::optional<double> min_nnpa_coverage;  // --min-nnpa-coverage PCT (0..100), share of counted nodes
};

// Parses a --fail-on value ("unsupported", "cpu", "heavy-cpu") into `gates`. Throws UsageError.
void add_fail_on(Gates& gates, const std::string& value);
std::vector<GateResult> evaluate_gates(const Analysis& analysis, const Gates& gates);
bool any_gate_failed(const std::vector<GateResult>& results);

struct InspectOptions {
  LoadOptions load;
  ViewOptions view;
  AnalysisOptions analysis;

  // Loads and checks a model on the calling thread only (same result).
  void use_one_thread() { load.parallel = view.parallel = analysis.parallel = false; }
};

struct Inspection {
  ModelView view;
  Analysis analysis;
};

// Throws ModelError (unreadable or invalid model) and UsageError (bad bindings).
Inspection inspect_model(const std::string& path, const InspectOptions& options);

}  // namespace zonnx
