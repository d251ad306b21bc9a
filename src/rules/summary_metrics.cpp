// MAC-weighted coverage, NNPA regions and CPU<->NNPA transitions (see
// summary_metrics.h for the cost model).
#include "rules/summary_metrics.h"

#include <fmt/format.h>

#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/side_by_side.h"

namespace zonnx::rules {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Ops that only move, reshape, index or describe data: no arithmetic worth counting.
bool is_free_op(std::string_view op) {
  static const std::unordered_set<std::string_view> free_ops = {
      "Cast",     "CastLike", "Concat",    "Constant", "ConstantOfShape", "DepthToSpace",
      "Dropout",  "Expand",   "Flatten",   "Gather",   "GatherElements",  "GatherND",
      "Identity", "If",       "Loop",      "Pad",      "Range",           "Reshape",
      "Scan",     "Shape",    "Size",      "Slice",    "SpaceToDepth",    "Split",
      "Squeeze",  "Tile",     "Transpose", "Unsqueeze"};
  return free_ops.count(op) > 0;
}

bool is_windowed_pool(std::string_view op) {
  return op == "MaxPool" || op == "AveragePool" || op == "LpPool";
}

// Ops whose cost is one operation per input element.
bool is_input_sized(std::string_view op) {
  static const std::unordered_set<std::string_view> ops = {
      "ArgMax",     "ArgMin",    "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool",   "Hardmax",
      "LogSoftmax", "ReduceL1",  "ReduceL2",          "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
      "ReduceMean", "ReduceMin", "ReduceProd",        "ReduceSum",    "ReduceSumSquare", "Softmax"};
  return ops.count(op) > 0;
}

const ValueType* static_tensor(const ValueType* t) {
  if (!t || t->kind != ValueType::Kind::Tensor || !t->is_static()) return nullptr;
  return t;
}

// Product of dims [from, rank) of a static tensor type.
std::optional<uint64_t> product(const ValueType* t, size_t from = 0) {
  if (!static_tensor(t)) return std::nullopt;
  uint64_t p = 1;
  for (size_t i = from; i < t->dims.size(); ++i)
    p = saturating_mul(p, static_cast<uint64_t>(t->dims[i].value));
  return p;
}

std::optional<uint64_t> dim(const ValueType* t, size_t i) {
  if (!static_tensor(t) || i >= t->dims.size()) return std::nullopt;
  return static_cast<uint64_t>(t->dims[i].value);
}

int64_t int_attr(const NodeInfo& node, const std::string& name, int64_t fallback) {
  for (const auto& a : node.attributes())
    if (a.name() == name) return a.i();
  return fallback;
}

std::optional<uint64_t> kernel_size(const NodeInfo& node) {
  for (const auto& a : node.attributes()) {
    if (a.name() != "kernel_shape") continue;
    uint64_t p = 1;
    for (int64_t k : a.ints()) {
      if (k < 0) return std::nullopt;
      p = saturating_mul(p, static_cast<uint64_t>(k));
    }
    return p;
  }
  return std::nullopt;
}

std::optional<uint64_t> times(std::optional<uint64_t> a, std::optional<uint64_t> b) {
  if (!a || !b) return std::nullopt;
  return saturating_mul(*a, *b);
}

// Output elements x the weight's dims after the first (Conv family).
std::optional<uint64_t> conv_macs(const ModelView& view, const NodeInfo& node, int weight) {
  const ValueType* w = view.input_type(node, weight);
  if (!static_tensor(w) || w->dims.size() < 2) return std::nullopt;
  return times(product(view.output_type(node, 0)), product(w, 1));
}

std::optional<uint64_t> matmul_macs(const ModelView& view, const NodeInfo& node) {
  const ValueType* a = view.input_type(node, 0);
  if (!static_tensor(a) || a->dims.empty()) return std::nullopt;
  return times(product(view.output_type(node, 0)), dim(a, a->dims.size() - 1));
}

std::optional<uint64_t> gemm_macs(const ModelView& view, const NodeInfo& node) {
  const ValueType* a = view.input_type(node, 0);
  const ValueType* b = view.input_type(node, 1);
  if (!static_tensor(a) || !static_tensor(b) || a->rank() != 2 || b->rank() != 2) return std::nullopt;
  const bool ta = int_attr(node, "transA", 0) != 0;
  const bool tb = int_attr(node, "transB", 0) != 0;
  return times(times(dim(a, ta ? 1 : 0), dim(a, ta ? 0 : 1)), dim(b, tb ? 0 : 1));
}

std::optional<uint64_t> recurrent_macs(const ModelView& view, const NodeInfo& node) {
  const ValueType* x = view.input_type(node, 0);
  if (!static_tensor(x) || x->rank() != 3) return std::nullopt;
  const bool batch_first = int_attr(node, "layout", 0) != 0;
  const auto steps = times(dim(x, batch_first ? 1 : 0), dim(x, batch_first ? 0 : 1));
  const auto w = product(view.input_type(node, 1));
  const auto r = product(view.input_type(node, 2));
  if (!w || !r) return std::nullopt;
  return times(steps, saturating_add(*w, *r));
}

// Nodes of Loop and Scan bodies run an unknown number of times.
bool in_repeated_body(const ModelView& view, const NodeInfo& node) {
  const auto& graphs = view.graphs();
  int g = node.graph;
  for (int guard = 0; g >= 0 && static_cast<size_t>(g) < graphs.size() && guard < 1 << 16; ++guard) {
    const size_t owner = graphs[static_cast<size_t>(g)].owner_node;
    if (owner < view.nodes().size()) {
      const std::string_view op = view.op_name(view.nodes()[owner]);
      if (op == "Loop" || op == "Scan") return true;
    }
    g = graphs[static_cast<size_t>(g)].parent;
  }
  return false;
}

size_t find_root(std::vector<size_t>& parent, size_t i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

// Nodes whose outputs are known at compile time: Constant and folded nodes,
// and nodes computing only from such values and initializers (e.g. Identity of
// a bias). onnx-mlir folds them; their values reach the NNPA pre-converted.
std::vector<bool> compile_time_nodes(const ModelView& view, const std::vector<NodeVerdict>& verdicts) {
  const auto& nodes = view.nodes();
  std::set<std::pair<std::string, std::string>> functions;
  for (const auto& f : view.model().proto().functions()) functions.insert({f.domain(), f.name()});
  std::vector<bool> constant(nodes.size(), false);
  for (const NodeInfo& node : nodes) {
    if (node.index < verdicts.size() && !verdicts[node.index].counted) {
      // Not executed: a Constant or a folded node, unless it calls a local function.
      constant[node.index] = functions.count({std::string(node.domain_as_written()), node.op_type()}) == 0;
      continue;
    }
    if (std::string_view(view.op_name(node)).substr(0, 6) == "Random") continue;
    bool all = false;
    for (int k = 0; k < static_cast<int>(node.input_count); ++k) {
      const ValueId in = view.input_value(node, k);
      if (in == kNoValue) continue;
      const size_t p = view.value_producer(in);
      // Producers come first in graph order; anything else is not treated as constant.
      const bool known = p == SIZE_MAX ? view.value_constant(in) != nullptr : p < node.index && constant[p];
      all = known;
      if (!known) break;
    }
    constant[node.index] = all;
  }
  return constant;
}

void add_flow(const ModelView& view, const std::vector<NodeVerdict>& verdicts, Summary& s) {
  const auto& nodes = view.nodes();
  const std::vector<bool> compile_time = compile_time_nodes(view, verdicts);
  auto counted = [&](size_t i) { return i < verdicts.size() && verdicts[i].counted; };
  auto on_nnpa = [&](size_t i) { return counted(i) && verdicts[i].placement == Placement::Nnpa; };
  std::vector<size_t> parent(nodes.size());
  std::iota(parent.begin(), parent.end(), size_t{0});
  // One conversion per value, however many nodes on the other side use it.
  std::set<std::string> stuck;
  for (const NodeInfo& node : nodes) {
    if (!on_nnpa(node.index)) continue;
    for (int k = 0; k < static_cast<int>(node.input_count); ++k) {
      const ValueId id = view.input_value(node, k);
      if (id == kNoValue) continue;
      const size_t p = view.value_producer(id);
      if (p == SIZE_MAX) {
        if (view.value_constant(id)) continue;              // weights are converted at compile time
        const ValueId declared = view.declaring_input(id);  // one slot per (graph, name)
        if (declared != kNoValue) stuck.insert(fmt::format("g{}", declared));
      } else if (p < nodes.size() && counted(p) && !compile_time[p]) {
        if (!on_nnpa(p))
          stuck.insert(fmt::format("n{}:{}", p, node.input_name(k)));  // rare: read the name here
        else if (nodes[p].graph == node.graph)
          parent[find_root(parent, p)] = find_root(parent, node.index);
      }
    }
    for (int k = 0; k < static_cast<int>(node.output_count); ++k) {
      const ValueId out = view.output_value(node, k);
      if (out == kNoValue) continue;
      bool leaves = view.is_graph_output(out);
      for (size_t c : view.output_consumers(node, k)) leaves = leaves || (counted(c) && !on_nnpa(c));
      if (leaves) ++s.unstick_transitions;
    }
  }
  s.stick_transitions = stuck.size();
  for (const NodeInfo& node : nodes)
    if (on_nnpa(node.index) && find_root(parent, node.index) == node.index) ++s.nnpa_regions;
}

}  // namespace

uint64_t saturating_add(uint64_t a, uint64_t b) { return a > kMax - b ? kMax : a + b; }

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kMax / b ? kMax : a * b;
}

namespace {

// How a node's cost is counted, decided by its op alone: add_cost works it out
// once per distinct op instead of comparing op names for every node.
enum class CostKind : uint8_t {
  Free,
  NotOnnx,
  Einsum,
  Conv,
  QLinearConv,
  ConvTranspose,
  Gemm,
  MatMul,
  Recurrent,
  WindowedPool,
  InputSized,
  OutputSized
};

CostKind cost_kind(std::string_view op, bool onnx) {
  if (!onnx) return CostKind::NotOnnx;
  if (is_free_op(op)) return CostKind::Free;
  if (op == "Einsum") return CostKind::Einsum;
  if (op == "Conv" || op == "ConvInteger") return CostKind::Conv;
  if (op == "QLinearConv") return CostKind::QLinearConv;
  if (op == "ConvTranspose") return CostKind::ConvTranspose;
  if (op == "Gemm") return CostKind::Gemm;
  if (op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") return CostKind::MatMul;
  if (op == "LSTM" || op == "GRU" || op == "RNN") return CostKind::Recurrent;
  if (is_windowed_pool(op)) return CostKind::WindowedPool;
  if (is_input_sized(op)) return CostKind::InputSized;
  return CostKind::OutputSized;
}

std::optional<uint64_t> macs_of(CostKind kind, const ModelView& view, const NodeInfo& node) {
  if (kind == CostKind::Free) return 0;
  if (in_repeated_body(view, node)) return std::nullopt;
  switch (kind) {
    case CostKind::Free:
      return 0;
    case CostKind::NotOnnx:
    case CostKind::OutputSized:
      return product(view.output_type(node, 0));
    case CostKind::Einsum:
      return std::nullopt;
    case CostKind::Conv:
      return conv_macs(view, node, 1);
    case CostKind::QLinearConv:
      return conv_macs(view, node, 3);
    case CostKind::ConvTranspose: {
      const ValueType* w = view.input_type(node, 1);
      if (!static_tensor(w) || w->dims.size() < 2) return std::nullopt;
      return times(product(view.input_type(node, 0)), product(w, 1));
    }
    case CostKind::Gemm:
      return gemm_macs(view, node);
    case CostKind::MatMul:
      return matmul_macs(view, node);
    case CostKind::Recurrent:
      return recurrent_macs(view, node);
    case CostKind::WindowedPool:
      return times(product(view.output_type(node, 0)), kernel_size(node));
    case CostKind::InputSized:
      return product(view.input_type(node, 0));
  }
  return std::nullopt;
}

void add_cost(const ModelView& view, const std::vector<NodeVerdict>& verdicts, Summary& s) {
  std::vector<CostKind> kinds;
  kinds.reserve(view.op_types().size());
  for (const OpCount& op : view.op_types()) kinds.push_back(cost_kind(op.op_type, op.domain == "ai.onnx"));
  for (const NodeInfo& node : view.nodes()) {
    if (node.index >= verdicts.size() || !verdicts[node.index].counted) continue;
    const std::optional<uint64_t> macs = macs_of(kinds[node.op_id], view, node);
    if (!macs) {
      ++s.mac_unknown_nodes;
      continue;
    }
    s.mac_total_known = saturating_add(s.mac_total_known, *macs);
    if (verdicts[node.index].placement == Placement::Nnpa) s.mac_nnpa = saturating_add(s.mac_nnpa, *macs);
  }
  if (s.mac_total_known)
    s.mac_nnpa_share = static_cast<double>(s.mac_nnpa) / static_cast<double>(s.mac_total_known);
}

}  // namespace

std::optional<uint64_t> node_macs(const ModelView& view, const NodeInfo& node) {
  return macs_of(cost_kind(view.op_name(node), node.is_onnx()), view, node);
}

void add_summary_metrics(const ModelView& view, const std::vector<NodeVerdict>& verdicts, Summary& summary,
                         bool parallel) {
  // The cost sums and the flow counts are different fields of the summary.
  run_side_by_side(
      parallel, [&] { add_flow(view, verdicts, summary); }, [&] { add_cost(view, verdicts, summary); });
}

}  // namespace zonnx::rules
