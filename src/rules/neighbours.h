#pragma once

#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx::rules {
// Adjusts verdicts for rules that look at a node's neighbours (see neighbours.cpp).
void apply_neighbour_rules(const ModelView& view, March march, std::vector<NodeVerdict>& verdicts);
}  // namespace zonnx::rules
