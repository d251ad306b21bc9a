// --compare-march: the same model analysed for two machine levels (z16 and
// z17 by default), the nodes whose placement differs and the coverage gained.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"
#include "zonnx/tables.h"

namespace zonnx {

struct MovedNode {
  size_t index = 0;  // position in ModelView::nodes()
  std::string name;
  std::string op_type;
  std::string domain;
  Placement from = Placement::Cpu;
  Placement to = Placement::Cpu;
  std::string rule;  // first reason's rule at `from` (empty when it was on the NNPA there)
};

struct MarchComparison {
  March from = March::Z16;
  March to = March::Z17;
  std::vector<MovedNode> moved;  // counted nodes whose placement differs, in node order
  Summary from_summary;
  Summary to_summary;
  int64_t nnpa_gain = 0;       // NNPA nodes at `to` minus at `from`
  double nnpa_share_gain = 0;  // nnpa_share difference, -1..1
  int64_t mac_gain = 0;        // NNPA MACs (of known cost) difference, saturated to int64
  double mac_share_gain = 0;   // mac_nnpa_share difference, -1..1
};

// Compares two analyses of the same view.
MarchComparison compare_march(const ModelView& view, const Analysis& from, const Analysis& to);
// Analyses `view` for `from` and `to`, then compares.
MarchComparison compare_march(const ModelView& view, March from = March::Z16, March to = March::Z17);

}  // namespace zonnx
