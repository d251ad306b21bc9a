#include "zonnx/compare.h"

#include <algorithm>
#include <limits>

namespace zonnx {
namespace {

int64_t difference(uint64_t to, uint64_t from) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (to >= from) return static_cast<int64_t>(std::min(to - from, kMax));
  return -static_cast<int64_t>(std::min(from - to, kMax));
}

}  // namespace

MarchComparison compare_march(const ModelView& view, const Analysis& from, const Analysis& to) {
  MarchComparison c;
  c.from = from.march;
  c.to = to.march;
  c.from_summary = from.summary;
  c.to_summary = to.summary;
  for (const NodeInfo& node : view.nodes()) {
    if (node.index >= from.verdicts.size() || node.index >= to.verdicts.size()) continue;
    const NodeVerdict& a = from.verdicts[node.index];
    const NodeVerdict& b = to.verdicts[node.index];
    if (!a.counted || !b.counted || a.placement == b.placement) continue;
    MovedNode m;
    m.index = node.index;
    m.name = node.name();
    m.op_type = node.op_type();
    m.domain = node.domain;
    m.from = a.placement;
    m.to = b.placement;
    if (!a.reasons.empty()) m.rule = a.reasons.front().rule;
    c.moved.push_back(std::move(m));
  }
  c.nnpa_gain = difference(to.summary.nnpa, from.summary.nnpa);
  c.nnpa_share_gain = to.summary.nnpa_share - from.summary.nnpa_share;
  c.mac_gain = difference(to.summary.mac_nnpa, from.summary.mac_nnpa);
  c.mac_share_gain = to.summary.mac_nnpa_share - from.summary.mac_nnpa_share;
  return c;
}

MarchComparison compare_march(const ModelView& view, March from, March to) {
  AnalysisOptions a;
  a.march = from;
  AnalysisOptions b;
  b.march = to;
  return compare_march(view, analyze(view, a), analyze(view, b));
}

}  // namespace zonnx
