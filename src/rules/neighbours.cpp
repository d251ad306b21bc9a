// Placement that depends on neighbours, applied after every node has its own
// verdict:
//  * Softplus (z16+) and, on z16, LeakyRelu reach the NNPA only through a
//    ZHighStick canonicalisation that needs an NNPA producer and NNPA consumers
//    (the op sits between an unstick and a stick) and a static shape.
//  * ZHighToONNX (on by default) turns Unstick(op(Stick x, Stick y)) back into
//    a plain CPU op for Add, Sub, Mul, Min, Max and Relu: an isolated light op
//    between CPU ops is not worth two data conversions.
#include "rules/neighbours.h"

#include <fmt/format.h>

#include <cstdint>
#include <set>
#include <vector>

#include "rules/op_context.h"

namespace zonnx::rules {
namespace {

bool on_nnpa(const std::vector<NodeVerdict>& verdicts, size_t node) {
  return node != SIZE_MAX && verdicts[node].placement == Placement::Nnpa;
}

// Producer of every data input and every consumer of every output is on NNPA.
bool sandwiched(const ModelView& view, const NodeInfo& node, const std::vector<NodeVerdict>& verdicts) {
  if (view.input_value(node, 0) == kNoValue) return false;
  if (!on_nnpa(verdicts, view.input_producer(node, 0))) return false;
  bool any_consumer = false;
  for (int k = 0; k < static_cast<int>(node.output_count); ++k) {
    const ValueId out = view.output_value(node, k);
    if (out == kNoValue) continue;
    if (view.is_graph_output(out)) return false;
    for (size_t c : view.output_consumers(node, k)) {
      any_consumer = true;
      if (!on_nnpa(verdicts, c)) return false;
    }
  }
  return any_consumer;
}

bool static_input(const ModelView& view, const NodeInfo& node) {
  const ValueType* t = view.input_type(node, 0);
  return t && t->is_static();
}

void set_cpu(NodeVerdict& v, const std::string& rule, const std::string& message) {
  v.placement = Placement::Cpu;
  Reason r;
  r.rule = rule;
  r.message = message;
  if (const RuleInfo* info = find_rule(rule)) r.hint = info->hint;
  v.reasons.push_back(std::move(r));
}

// What the passes below look for in an ai.onnx op, by op id: a pass whose ops
// the model lacks is skipped, and the others compare one byte per node
// instead of op names.
enum Role : uint8_t {
  kSandwiched = 1,  // Softplus, LeakyRelu
  kReciprocal = 2,
  kBiasAdd = 4,  // Add
  kLight = 8,    // Add, Sub, Mul, Min, Max, Relu
};

std::vector<uint8_t> roles_by_op(const ModelView& view, uint8_t& present) {
  std::vector<uint8_t> roles(view.op_types().size(), 0);
  present = 0;
  for (size_t id = 0; id < roles.size(); ++id) {
    const OpCount& op = view.op_types()[id];
    if (op.domain != "ai.onnx") continue;
    const std::string_view name = op.op_type;
    uint8_t r = 0;
    if (name == "Softplus" || name == "LeakyRelu") r |= kSandwiched;
    if (name == "Reciprocal") r |= kReciprocal;
    if (name == "Add") r |= kBiasAdd;
    if (name == "Add" || name == "Sub" || name == "Mul" || name == "Min" || name == "Max" || name == "Relu")
      r |= kLight;
    roles[id] = r;
    present |= r;
  }
  return roles;
}

}  // namespace

void apply_neighbour_rules(const ModelView& view, March march, std::vector<NodeVerdict>& verdicts) {
  uint8_t present = 0;
  const std::vector<uint8_t> roles = roles_by_op(view, present);
  auto has = [&](const NodeInfo& node, Role role) { return (roles[node.op_id] & role) != 0; };
  // Each pass below stops at once when the model has none of its ops.
  // 1. Sandwich rewrites (ZHighStick.td canonicalisations).
  for (const NodeInfo& node : view.nodes()) {
    if (!(present & kSandwiched)) break;
    if (!has(node, kSandwiched)) continue;
    NodeVerdict& v = verdicts[node.index];
    const std::string_view op = view.op_name(node);
    if (op == "Softplus" && v.placement == Placement::Nnpa) {
      if (!sandwiched(view, node, verdicts) || !static_input(view, node)) {
        set_cpu(
            v, "nnpa.needs-neighbours",
            "Softplus runs on NNPA only between NNPA ops (its producer and consumers on NNPA) with a static "
            "shape; here it is not.");
      } else {
        v.notes.push_back(
            "rescued: Softplus between NNPA ops is decomposed into zhigh Relu/Min/Exp/Sub/Log/Add");
      }
    } else if (op == "LeakyRelu" && march == March::Z16 && v.placement == Placement::Cpu &&
               v.reasons.size() == 1 && v.reasons[0].rule == "nnpa.level") {
      const auto* alpha_attr = [&]() -> const onnx::AttributeProto* {
        for (const auto& a : node.attributes())
          if (a.name() == "alpha") return &a;
        return nullptr;
      }();
      double alpha = alpha_attr ? alpha_attr->f() : 0.01;
      if (alpha > 0 && static_input(view, node) && sandwiched(view, node, verdicts)) {
        v.placement = Placement::Nnpa;
        v.reasons.clear();
        v.notes.push_back(
            "rescued on z16: LeakyRelu between NNPA ops is rewritten to Sub(Relu(x), Relu(Mul(x, "
            "-alpha))) on NNPA");
      }
    }
  }
  // 1b. 1/sqrt(x): Reciprocal(Sqrt(x)) becomes zhigh.InvSqrt on z17 (ONNXToZHigh.td
  //     replaceReciprocalSqrtPattern); on z16 it becomes Exp(Mul(Log(x), -0.5)) on NNPA when
  //     sandwiched between NNPA ops with a static shape (ZHighStick.td ReplaceONNXReciprocalSqrtPattern).
  for (const NodeInfo& node : view.nodes()) {
    if (!(present & kReciprocal)) break;
    if (!has(node, kReciprocal) || node.input_count != 1) continue;
    size_t s = view.input_producer(node, 0);
    if (s == SIZE_MAX || view.op_name(view.nodes()[s]) != "Sqrt" || !view.nodes()[s].is_onnx()) continue;
    const NodeInfo& sqrt = view.nodes()[s];
    if (sqrt.input_count < 1 || sqrt.output_count < 1 || node.output_count < 1) continue;
    const ValueType* x = view.input_type(sqrt, 0);
    bool float_x =
        x && (x->elem_type == onnx::TensorProto::FLOAT || x->elem_type == onnx::TensorProto::FLOAT16);
    if (!float_x) continue;
    NodeVerdict& rv = verdicts[node.index];
    NodeVerdict& sv = verdicts[s];
    if (march == March::Z17) {
      if (sv.placement != Placement::Nnpa) continue;
      rv.placement = Placement::Nnpa;
      rv.reasons.clear();
      rv.notes.push_back("rescued on z17: Reciprocal(Sqrt(x)) becomes one zhigh.InvSqrt");
      continue;
    }
    if (sv.placement != Placement::Cpu || sv.reasons.size() != 1 || sv.reasons[0].rule != "nnpa.level")
      continue;
    if (!x->is_static() || !on_nnpa(verdicts, view.input_producer(sqrt, 0))) continue;
    const ValueId out = view.output_value(node, 0);
    bool consumers_on_nnpa = out != kNoValue && !view.is_graph_output(out);
    for (size_t c : view.output_consumers(node, 0))
      if (!on_nnpa(verdicts, c)) consumers_on_nnpa = false;
    if (view.output_consumers(node, 0).empty()) consumers_on_nnpa = false;
    if (!consumers_on_nnpa) continue;
    // The Sqrt itself leaves the CPU only when the Reciprocal is its sole use.
    bool sqrt_only_feeds_this = view.output_consumers(sqrt, 0).size() == 1;
    std::vector<NodeVerdict*> moved = {&rv};
    if (sqrt_only_feeds_this) moved.push_back(&sv);
    for (NodeVerdict* v : moved) {
      v->placement = Placement::Nnpa;
      v->reasons.clear();
      v->notes.push_back(
          "rescued on z16: Reciprocal(Sqrt(x)) between NNPA ops becomes Exp(Mul(Log(x), -0.5))");
    }
  }
  // 2. MatMul + Add(bias) fusion (ONNXToZHigh.td replaceONNXMatMulAddUnstackedOrBCast23Pattern*):
  //    an Add of a rank-1 bias to an NNPA MatMul whose B is 2-D, with B's last dim
  //    and the bias dim static and equal, becomes the MatMul's bias on NNPA.
  for (const NodeInfo& node : view.nodes()) {
    if (!(present & kBiasAdd)) break;
    NodeVerdict& v = verdicts[node.index];
    if (!has(node, kBiasAdd) || v.placement != Placement::Cpu || v.reasons.empty() ||
        v.reasons[0].rule != "nnpa.broadcast" || node.input_count != 2)
      continue;
    for (int side = 0; side < 2; ++side) {
      size_t m = view.input_producer(node, side);
      if (!on_nnpa(verdicts, m) || view.op_name(view.nodes()[m]) != "MatMul") continue;
      const NodeInfo& matmul = view.nodes()[m];
      const ValueType* b = view.input_type(matmul, 1);
      const ValueType* bias = view.input_type(node, 1 - side);
      if (!b || !bias || b->rank() != 2 || bias->rank() != 1) continue;
      const Dim& n = b->dims[1];
      const Dim& p = bias->dims[0];
      if (!n.is_static() || !p.is_static() || n.value != p.value) continue;
      v.placement = Placement::Nnpa;
      v.reasons.clear();
      v.notes.push_back("rescued: fused into the preceding NNPA MatMul as its bias (MatMul+Add pattern)");
      break;
    }
  }
  // 3. ZHighToONNX: isolated light ops go back to the CPU.
  std::vector<size_t> to_cpu;
  for (const NodeInfo& node : view.nodes()) {
    if (!(present & kLight)) break;
    const NodeVerdict& v = verdicts[node.index];
    if (!has(node, kLight) || v.placement != Placement::Nnpa) continue;
    if (!v.notes.empty()) continue;  // rescued by a rewrite: the op is no longer a plain stick/op/unstick
    bool isolated = true;
    for (int k = 0; k < static_cast<int>(node.input_count); ++k) {
      const ValueId in = view.input_value(node, k);
      if (in == kNoValue) continue;
      size_t producer = view.value_producer(in);
      bool constant = view.value_constant(in) != nullptr;
      if (producer == SIZE_MAX && !constant) {
        isolated = false;  // a graph input (function argument): the pattern does not apply
        break;
      }
      if (on_nnpa(verdicts, producer)) {
        isolated = false;
        break;
      }
      for (size_t c : view.value_consumers(in))
        if (c != node.index && on_nnpa(verdicts, c)) isolated = false;  // the stick has other uses
    }
    for (int k = 0; k < static_cast<int>(node.output_count); ++k)
      for (size_t c : view.output_consumers(node, k))
        if (on_nnpa(verdicts, c)) isolated = false;
    if (isolated) to_cpu.push_back(node.index);
  }
  for (size_t i : to_cpu)
    set_cpu(verdicts[i], "nnpa.isolated",
            fmt::format(
                "{} is legal for NNPA but isolated between CPU ops; onnx-mlir's ZHighToONNX pass runs it on "
                "the CPU to save two data conversions.",
                view.nodes()[i].op_type()));
}

}  // namespace zonnx::rules
