#include "zonnx/inspect.h"

#include <fmt/format.h>

#include "view/schemas_past_17.h"
#include "zonnx/errors.h"

namespace zonnx {

void add_fail_on(Gates& gates, const std::string& value) {
  if (value == "unsupported")
    gates.fail_on_unsupported = true;
  else if (value == "cpu")
    gates.fail_on_cpu = true;
  else if (value == "heavy-cpu")
    gates.fail_on_heavy_cpu = true;
  else
    throw UsageError(fmt::format("--fail-on: unknown value '{}' (use unsupported, cpu or heavy-cpu)", value));
}

std::vector<GateResult> evaluate_gates(const Analysis& analysis, const Gates& gates) {
  const Summary& s = analysis.summary;
  std::vector<GateResult> results;
  if (gates.fail_on_unsupported) {
    results.push_back(
        {"--fail-on unsupported", s.unsupported > 0,
         s.unsupported ? fmt::format("{} node(s) would not compile", s.unsupported) : "every node compiles"});
  }
  if (gates.fail_on_cpu) {
    results.push_back({"--fail-on cpu", s.cpu + s.unsupported > 0,
                       fmt::format("{} node(s) on CPU, {} unsupported", s.cpu, s.unsupported)});
  }
  if (gates.fail_on_heavy_cpu) {
    uint64_t heavy = 0;
    for (const auto& c : s.heavy_cpu_ops) heavy += c.count;
    results.push_back({"--fail-on heavy-cpu", heavy > 0, fmt::format("{} heavy node(s) on CPU", heavy)});
  }
  if (gates.min_nnpa_coverage) {
    double pct = s.nnpa_share * 100.0;
    results.push_back({fmt::format("--min-nnpa-coverage {:g}", *gates.min_nnpa_coverage),
                       pct + 1e-9 < *gates.min_nnpa_coverage,
                       fmt::format("NNPA coverage {:.1f}% of {} nodes", pct, s.counted)});
  }
  return results;
}

bool any_gate_failed(const std::vector<GateResult>& results) {
  for (const auto& r : results)
    if (r.failed) return true;
  return false;
}

Inspection inspect_model(const std::string& path, const InspectOptions& options) {
  LoadOptions load = options.load;
  // The view and the reports read nodes through NodeFields: the loader may keep
  // the main graph's nodes as compact records (libonnx gets protos on demand).
  load.compact_main_nodes = true;
  // The view builds libonnx's schema registry first; a large model's parse hides it.
  if (options.view.parallel && !load.beside_parse) {
    load.beside_parse = [] { view::ensure_onnx_schemas_past_17(); };
    // Building it (~12 ms here) takes about as long as parsing 36,000 small
    // nodes (~70 ms per 200,000); once built, the call returns at once.
    constexpr uint64_t kSchemaRegistryNodes = 36000;
    if (!view::onnx_schemas_past_17_ready()) load.beside_parse_nodes = kSchemaRegistryNodes;
  }
  ModelView view = ModelView::build(load_model(path, load), options.view);
  Analysis analysis = analyze(view, options.analysis);
  return Inspection{std::move(view), std::move(analysis)};
}

}  // namespace zonnx
