#include "view/fast_infer.h"

#include <absl/container/inlined_vector.h>
#include <absl/types/span.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/distinct_values.h"
#include "view/tensor_data.h"

namespace zonnx::view {

namespace {

// Thrown (and caught inside this file only) when a node is outside what the
// pass reproduces exactly; the caller then runs libonnx.
struct NotCovered {};

[[noreturn]] void give_up() { throw NotCovered{}; }

// `symbols` keeps a copy of every dim_param: the declared types are rewritten
// by write_back while inferred types may still point at their spelling.
FastType from_proto(const onnx::TypeProto& t, bool allow_no_elem, std::unordered_set<std::string>& symbols) {
  if (t.value_case() != onnx::TypeProto::kTensorType) give_up();
  const auto& tt = t.tensor_type();
  FastType out;
  out.elem = tt.elem_type();
  if (out.elem == 0 && !allow_no_elem) give_up();
  if (!tt.has_shape()) return out;
  out.has_shape = true;
  out.dims.reserve(static_cast<size_t>(tt.shape().dim_size()));
  for (const auto& d : tt.shape().dim()) {
    FastDim fd;
    if (d.has_dim_value()) {
      if (d.dim_value() < 0) give_up();
      fd.value = d.dim_value();
    } else if (d.has_dim_param()) {
      if (d.dim_param().empty()) give_up();
      fd.param = *symbols.insert(d.dim_param()).first;
    }
    out.dims.push_back(fd);
  }
  return out;
}

void to_proto(const FastType& t, onnx::TypeProto& out) {
  auto* tt = out.mutable_tensor_type();
  tt->set_elem_type(t.elem);
  if (!t.has_shape) return;
  auto* shape = tt->mutable_shape();
  shape->Clear();
  for (const auto& d : t.dims) {
    auto* pd = shape->add_dim();
    if (d.has_value())
      pd->set_dim_value(d.value);
    else if (!d.param.empty())
      pd->set_dim_param(std::string(d.param));
  }
}

// libonnx's mergeShapesAndTypes(inferred into declared); contradictions are
// warnings there, so they are not covered here.
FastType merge_declared(FastType declared, const FastType& inferred) {
  if (declared.elem == 0)
    declared.elem = inferred.elem;
  else if (inferred.elem != 0 && inferred.elem != declared.elem)
    give_up();
  if (!inferred.has_shape) return declared;
  if (!declared.has_shape) {
    declared.has_shape = true;
    declared.dims = inferred.dims;
    return declared;
  }
  if (declared.dims.size() != inferred.dims.size()) give_up();
  for (size_t i = 0; i < declared.dims.size(); ++i) {
    FastDim& target = declared.dims[i];
    const FastDim& source = inferred.dims[i];
    if (source.has_value()) {
      if (target.has_value() && target.value != source.value) give_up();
      target = FastDim{source.value, {}};
    } else if (!target.has_value() && target.param.empty()) {
      target.param = source.param;
    }
  }
  return declared;
}

// multidirectionalBroadcastShapeInference of libonnx 1.12 (an empty dim is a
// symbol spelled "").
std::vector<FastDim> broadcast(absl::Span<const FastType* const> inputs) {
  size_t rank = 0;
  for (const FastType* t : inputs) rank = std::max(rank, t->dims.size());
  std::vector<FastDim> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t value = 1;
    FastDim symbolic;
    int symbols = 0;
    for (const FastType* t : inputs) {
      if (i < rank - t->dims.size()) continue;
      const FastDim& d = t->dims[i - (rank - t->dims.size())];
      if (d.has_value()) {
        if (d.value != 1) {
          if (value != d.value && value != 1) give_up();  // "Incompatible dimensions"
          value = d.value;
        }
      } else if (symbols == 0) {
        symbolic = d;
        ++symbols;
      } else if (d.param != symbolic.param) {
        ++symbols;
      }
    }
    if (value != 1 || symbols == 0)
      out[i] = FastDim{value, {}};
    else if (symbols == 1)
      out[i] = symbolic;
  }
  return out;
}

// TensorShapeProto::Dimension's operator* in libonnx.
FastDim multiply(const FastDim& a, const FastDim& b) {
  if (a.has_value() && b.has_value()) {
    int64_t product = 0;
    if (__builtin_mul_overflow(a.value, b.value, &product)) give_up();
    return FastDim{product, {}};
  }
  if (a.has_value() && a.value == 1) return b;
  if (b.has_value() && b.value == 1) return a;
  return FastDim{};
}

enum class OpKind {
  SameAsInput,  // unary ops: type and shape of input 0
  Broadcast,    // elementwise with numpy broadcasting, type of input 0
  Compare,      // broadcasting, bool output
  MatMul,
  Gemm,
  Transpose,
  Cast,
  Reshape,
  Flatten,
  Concat,
  Constant,
};

const std::unordered_map<std::string_view, OpKind>& op_kinds() {
  static const std::unordered_map<std::string_view, OpKind> kinds = {
      {"Relu", OpKind::SameAsInput},       {"Sigmoid", OpKind::SameAsInput},
      {"Tanh", OpKind::SameAsInput},       {"Exp", OpKind::SameAsInput},
      {"Log", OpKind::SameAsInput},        {"Sqrt", OpKind::SameAsInput},
      {"Neg", OpKind::SameAsInput},        {"Abs", OpKind::SameAsInput},
      {"Erf", OpKind::SameAsInput},        {"Reciprocal", OpKind::SameAsInput},
      {"Floor", OpKind::SameAsInput},      {"Ceil", OpKind::SameAsInput},
      {"Softplus", OpKind::SameAsInput},   {"Softsign", OpKind::SameAsInput},
      {"Elu", OpKind::SameAsInput},        {"Selu", OpKind::SameAsInput},
      {"LeakyRelu", OpKind::SameAsInput},  {"HardSigmoid", OpKind::SameAsInput},
      {"HardSwish", OpKind::SameAsInput},  {"Sin", OpKind::SameAsInput},
      {"Cos", OpKind::SameAsInput},        {"Softmax", OpKind::SameAsInput},
      {"LogSoftmax", OpKind::SameAsInput}, {"Identity", OpKind::SameAsInput},
      {"Add", OpKind::Broadcast},          {"Sub", OpKind::Broadcast},
      {"Mul", OpKind::Broadcast},          {"Div", OpKind::Broadcast},
      {"Pow", OpKind::Broadcast},          {"Max", OpKind::Broadcast},
      {"Min", OpKind::Broadcast},          {"Sum", OpKind::Broadcast},
      {"Mean", OpKind::Broadcast},         {"Equal", OpKind::Compare},
      {"Less", OpKind::Compare},           {"Greater", OpKind::Compare},
      {"LessOrEqual", OpKind::Compare},    {"GreaterOrEqual", OpKind::Compare},
      {"MatMul", OpKind::MatMul},          {"Gemm", OpKind::Gemm},
      {"Transpose", OpKind::Transpose},    {"Cast", OpKind::Cast},
      {"Reshape", OpKind::Reshape},        {"Flatten", OpKind::Flatten},
      {"Concat", OpKind::Concat},          {"Constant", OpKind::Constant},
  };
  return kinds;
}

// Ops shape_folding.cpp folds, and libonnx propagates data through, when
// their values are integers: not covered with an integer output.
bool folds_integers(std::string_view op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Identity" || op == "Cast" ||
         op == "Concat";
}

bool is_integer_index_type(int32_t elem) {
  return elem == onnx::TensorProto::INT64 || elem == onnx::TensorProto::INT32;
}

// The checks GuardedRegistry runs before an inference function (arity,
// required attributes, attribute kinds), or give up.
void check_schema(const NodeFields& n, const onnx::OpSchema& s) {
  if (n.input_size() < s.min_input() || n.input_size() > s.max_input() || n.output_size() < s.min_output() ||
      n.output_size() > s.max_output())
    give_up();
  for (const auto& [name, attr] : s.attributes()) {
    const onnx::AttributeProto* found = nullptr;
    for (const auto& a : n.attribute())
      if (a.name() == name) found = &a;
    if (!found) {
      if (attr.required) give_up();
      continue;
    }
    if (found->type() != onnx::AttributeProto::UNDEFINED && found->type() != attr.type) give_up();
    if (attr.type == onnx::AttributeProto::GRAPH || attr.type == onnx::AttributeProto::GRAPHS) give_up();
    if (attr.type == onnx::AttributeProto::TENSOR && !found->has_t()) give_up();
  }
}

const onnx::AttributeProto* attribute(const NodeFields& n, std::string_view name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t int_attribute(const NodeFields& n, std::string_view name, int64_t fallback) {
  const onnx::AttributeProto* a = attribute(n, name);
  return a ? a->i() : fallback;
}

class FastPass {
 public:
  FastPass(const onnx::ModelProto& model, const CompactNodes* main_nodes, const Limits& limits,
           const ValueNumbering& numbering)
      : model_(model), main_nodes_(main_nodes), limits_(limits), numbering_(numbering) {}

  bool run() {
    if (model_.functions_size() > 0) return false;
    int64_t opset = 0;
    for (const auto& o : model_.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = std::max(opset, o.version());
    // Below 7, broadcasting needs the `broadcast` attribute; above 27 nobody knows.
    if (opset < 7 || opset > 27) return false;
    opset_ = static_cast<int>(opset);
    const onnx::GraphProto& g = model_.graph();
    if (g.sparse_initializer_size() > 0) return false;
    try {
      seed(g);
      const int count = main_nodes_ ? static_cast<int>(main_nodes_->nodes.size()) : g.node_size();
      for (int i = 0; i < count; ++i) {
        operands_ = numbering_.operands(static_cast<size_t>(i));
        infer(main_nodes_ ? NodeFields(main_nodes_->nodes[static_cast<size_t>(i)]) : NodeFields(g.node(i)));
      }
    } catch (const NotCovered&) {
      return false;
    }
    return true;
  }

  FastInference take_result() {
    FastInference out;
    out.node_output_types.reserve(outputs_.size());
    for (uint32_t id : outputs_) out.node_output_types.push_back(type_of_[id]);
    out.types = std::move(distinct_);
    out.symbols = std::move(symbols_);
    return out;
  }

 private:
  static constexpr uint32_t kUndefined = UINT32_MAX;

  uint32_t define(uint32_t id, FastType type) {
    if (id >= type_of_.size() || type_of_[id] != kUndefined) give_up();  // defined twice: libonnx's business
    type_of_[id] = type_index_.add(std::move(type));
    return id;
  }

  // Input j of the node being inferred.
  const FastType& input_type(int j) const {
    const uint32_t id = operands_[j];
    if (id >= type_of_.size() || type_of_[id] == kUndefined) give_up();  // empty, unknown or not yet defined
    return distinct_[type_of_[id]];
  }

  void seed(const onnx::GraphProto& g) {
    type_of_.assign(numbering_.value_count, kUndefined);
    for (const auto& vi : g.input()) {
      if (!vi.has_type()) give_up();
      define(numbering_.id_of(vi.name()), from_proto(vi.type(), false, symbols_));
    }
    for (const auto& t : g.initializer()) {
      FastType type;
      type.elem = t.data_type();
      if (type.elem == 0) give_up();
      type.has_shape = true;
      for (int64_t d : t.dims()) {
        if (d < 0) give_up();
        type.dims.push_back(FastDim{d, {}});
      }
      const uint32_t id = define(numbering_.id_of(t.name()), std::move(type));  // also an input: given up
      initializers_.emplace(id, &t);
    }
    declared_.reserve(static_cast<size_t>(g.value_info_size() + g.output_size()));
    for (const auto& vi : g.value_info())
      if (vi.has_type()) declared_.emplace(numbering_.id_of(vi.name()), &vi.type());
    for (const auto& vi : g.output())
      if (vi.has_type()) declared_.emplace(numbering_.id_of(vi.name()), &vi.type());
  }

  struct OpEntry {
    OpKind kind;
    const onnx::OpSchema* schema;
  };

  const OpEntry& op_entry(const NodeFields& n) {
    auto it = ops_.find(n.op_type());
    if (it != ops_.end()) return it->second;
    auto kind_it = op_kinds().find(n.op_type());
    if (kind_it == op_kinds().end()) give_up();
    const onnx::OpSchema* s = onnx::OpSchemaRegistry::Schema(std::string(n.op_type()), opset_, "");
    if (!s || !s->has_type_and_shape_inference_function()) give_up();
    return ops_.emplace(n.op_type(), OpEntry{kind_it->second, s}).first->second;
  }

  void infer(const NodeFields& n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") give_up();
    const OpEntry& op = op_entry(n);
    check_schema(n, *op.schema);
    FastType out = infer_output(n, op.kind);
    if (n.output_size() != 1 || n.output(0).empty()) give_up();
    if (is_integer_index_type(out.elem) && folds_integers(n.op_type())) give_up();
    if (out.has_shape && out.dims.size() > static_cast<size_t>(limits_.max_rank)) give_up();
    const uint32_t id = operands_[n.input_size()];
    auto declared = declared_.find(id);
    if (declared != declared_.end()) out = merge_declared(from_proto(*declared->second, true, symbols_), out);
    outputs_.push_back(define(id, std::move(out)));
  }

  FastType infer_output(const NodeFields& n, OpKind kind) {
    switch (kind) {
      case OpKind::SameAsInput: {
        if (n.input_size() != 1) give_up();
        return input_type(0);
      }
      case OpKind::Broadcast:
      case OpKind::Compare: {
        absl::InlinedVector<const FastType*, 4> inputs;  // no allocation for the usual two
        bool all_shapes = true;
        for (int j = 0; j < n.input_size(); ++j) {
          inputs.push_back(&input_type(j));
          all_shapes = all_shapes && inputs.back()->has_shape;
        }
        if (inputs.empty()) give_up();
        // Max/Min/Sum/Mean broadcast from opset 8 on.
        const bool variadic =
            n.op_type() == "Max" || n.op_type() == "Min" || n.op_type() == "Sum" || n.op_type() == "Mean";
        if (variadic ? opset_ < 8 : inputs.size() != 2) give_up();
        FastType out;
        out.elem = kind == OpKind::Compare ? onnx::TensorProto::BOOL : inputs[0]->elem;
        if (all_shapes) {
          out.has_shape = true;
          out.dims = broadcast(inputs);
        }
        return out;
      }
      case OpKind::MatMul:
        return matmul();
      case OpKind::Gemm:
        return gemm(n);
      case OpKind::Transpose:
        return transpose(n);
      case OpKind::Cast: {
        FastType out = input_type(0);
        const onnx::AttributeProto* to = attribute(n, "to");
        // Codes past bfloat16 (16) are unknown to libonnx 1.12.
        if (!to || to->i() <= 0 || to->i() > 16) give_up();
        out.elem = static_cast<int32_t>(to->i());
        return out;
      }
      case OpKind::Reshape:
        return reshape(n);
      case OpKind::Flatten:
        return flatten(n);
      case OpKind::Concat:
        return concat(n);
      case OpKind::Constant:
        return constant(n);
    }
    give_up();
  }

  FastType matmul() {
    const FastType& a = input_type(0);
    const FastType& b = input_type(1);
    FastType out;
    out.elem = a.elem;
    if (!a.has_shape || !b.has_shape) return out;
    if (a.dims.empty() || b.dims.empty()) give_up();
    if (a.dims.size() == 2 && b.dims.size() == 2) {
      // Plain [M,K] x [K,N]: what the general case below gives, without its copies.
      if (a.dims[1].has_value() && b.dims[0].has_value() && a.dims[1].value != b.dims[0].value) give_up();
      out.has_shape = true;
      out.dims = {a.dims[0], b.dims[1]};
      return out;
    }
    FastType left, right;
    if (a.dims.size() == 1)
      left.dims = {FastDim{1, {}}, a.dims[0]};
    else
      left.dims = a.dims;
    if (b.dims.size() == 1)
      right.dims = {b.dims[0], FastDim{1, {}}};
    else
      right.dims = b.dims;
    const FastDim& k_left = left.dims[left.dims.size() - 1];
    const FastDim& k_right = right.dims[right.dims.size() - 2];
    if (k_left.has_value() && k_right.has_value() && k_left.value != k_right.value) give_up();
    FastType prefix_left, prefix_right;
    prefix_left.dims.assign(left.dims.begin(), left.dims.end() - 2);
    prefix_right.dims.assign(right.dims.begin(), right.dims.end() - 2);
    out.has_shape = true;
    out.dims = broadcast({&prefix_left, &prefix_right});
    if (a.dims.size() != 1) out.dims.push_back(left.dims[left.dims.size() - 2]);
    if (b.dims.size() != 1) out.dims.push_back(right.dims[right.dims.size() - 1]);
    return out;
  }

  FastType gemm(const NodeFields& n) {
    const FastType& a = input_type(0);
    const FastType& b = input_type(1);
    if (n.input_size() > 2 && !n.input(2).empty()) input_type(2);
    FastType out;
    out.elem = a.elem;
    if (!a.has_shape || !b.has_shape) return out;
    if (a.dims.size() != 2 || b.dims.size() != 2) give_up();
    const bool trans_a = int_attribute(n, "transA", 0) != 0;
    const bool trans_b = int_attribute(n, "transB", 0) != 0;
    out.has_shape = true;
    out.dims = {a.dims[trans_a ? 1 : 0], b.dims[trans_b ? 0 : 1]};
    return out;
  }

  FastType transpose(const NodeFields& n) {
    const FastType& in = input_type(0);
    FastType out;
    out.elem = in.elem;
    if (!in.has_shape) return out;
    const size_t rank = in.dims.size();
    if (rank == 0) give_up();
    std::vector<int64_t> perm;
    if (const onnx::AttributeProto* p = attribute(n, "perm")) {
      perm.assign(p->ints().begin(), p->ints().end());
    } else {
      for (size_t i = rank; i > 0; --i) perm.push_back(static_cast<int64_t>(i - 1));
    }
    if (perm.size() != rank) give_up();
    std::vector<bool> seen(rank, false);
    out.has_shape = true;
    for (int64_t p : perm) {
      if (p < 0 || static_cast<size_t>(p) >= rank || seen[static_cast<size_t>(p)]) give_up();
      seen[static_cast<size_t>(p)] = true;
      out.dims.push_back(in.dims[static_cast<size_t>(p)]);
    }
    return out;
  }

  // Reshape with its target shape in an int64 initializer whose bytes are in
  // the proto (libonnx 1.12's Reshape-5/13/14 inference).
  FastType reshape(const NodeFields& n) {
    const FastType& data = input_type(0);
    input_type(1);
    auto init = initializers_.find(operands_[1]);
    if (init == initializers_.end()) give_up();
    const onnx::TensorProto& t = *init->second;
    if (t.data_type() != onnx::TensorProto::INT64 || t.dims_size() != 1 || payload_outside_proto(t))
      give_up();
    auto target = decode_ints(t, inline_payload(t), limits_.max_rank);
    if (!target) give_up();
    const bool allow_zero = opset_ >= 14 && int_attribute(n, "allowzero", 0) != 0;
    FastType out;
    out.elem = data.elem;
    out.has_shape = true;
    out.dims.resize(target->size());
    std::vector<bool> unresolved_zero(target->size(), false);
    int64_t product = 1;
    int minus_one = -1;
    for (size_t i = 0; i < target->size(); ++i) {
      const int64_t v = (*target)[i];
      if (v == -1) {
        if (minus_one >= 0) give_up();
        minus_one = static_cast<int>(i);
      } else if (v == 0 && !allow_zero) {
        unresolved_zero[i] = true;
        if (data.has_shape) {
          if (i >= data.dims.size()) give_up();
          const FastDim& d = data.dims[i];
          if (d.has_value()) {
            out.dims[i] = d;
            if (__builtin_mul_overflow(product, d.value, &product)) give_up();
            unresolved_zero[i] = false;
          } else {
            out.dims[i].param = d.param;
          }
        }
      } else if (v >= 0) {
        out.dims[i].value = v;
        if (__builtin_mul_overflow(product, v, &product)) give_up();
      } else {
        give_up();
      }
    }
    if (minus_one >= 0) {
      if (product == 0) give_up();
      if (!data.has_shape) return out;
      int64_t input_product = 1;
      for (size_t i = 0; i < data.dims.size(); ++i) {
        if (data.dims[i].has_value()) {
          if (__builtin_mul_overflow(input_product, data.dims[i].value, &input_product)) give_up();
        } else if (i >= unresolved_zero.size() || !unresolved_zero[i]) {
          return out;
        }
      }
      if (input_product % product != 0) give_up();
      out.dims[static_cast<size_t>(minus_one)].value = input_product / product;
    }
    return out;
  }

  FastType flatten(const NodeFields& n) {
    const FastType& in = input_type(0);
    FastType out;
    out.elem = in.elem;
    if (!in.has_shape) return out;
    const auto rank = static_cast<int64_t>(in.dims.size());
    int64_t axis = int_attribute(n, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) give_up();
    FastDim left{1, {}}, right{1, {}};
    for (int64_t i = 0; i < axis; ++i) left = multiply(left, in.dims[static_cast<size_t>(i)]);
    for (int64_t i = axis; i < rank; ++i) right = multiply(right, in.dims[static_cast<size_t>(i)]);
    out.has_shape = true;
    out.dims = {left, right};
    return out;
  }

  FastType concat(const NodeFields& n) {
    std::vector<const FastType*> inputs;
    for (int j = 0; j < n.input_size(); ++j) inputs.push_back(&input_type(j));
    if (inputs.empty()) give_up();
    FastType out;
    out.elem = inputs[0]->elem;
    for (const FastType* t : inputs)
      if (!t->has_shape) return out;
    const auto rank = static_cast<int64_t>(inputs[0]->dims.size());
    int64_t axis = int_attribute(n, "axis", 0);
    if (rank == 0 || axis < -rank || axis >= rank) give_up();
    if (axis < 0) axis += rank;
    out.has_shape = true;
    out.dims.resize(static_cast<size_t>(rank));
    int64_t total = 0;
    bool all_known = true;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (static_cast<int64_t>(inputs[i]->dims.size()) != rank) give_up();
      for (int64_t j = 0; j < rank; ++j) {
        const FastDim& d = inputs[i]->dims[static_cast<size_t>(j)];
        FastDim& o = out.dims[static_cast<size_t>(j)];
        if (j == axis) {
          if (d.has_value()) {
            if (__builtin_add_overflow(total, d.value, &total)) give_up();
          } else {
            all_known = false;
          }
        } else if (i == 0) {
          o = d;
        } else if (d.has_value()) {  // unifyDim
          if (o.has_value() && o.value != d.value) give_up();
          o = FastDim{d.value, {}};
        } else if (!o.has_value() && o.param.empty()) {
          o.param = d.param;
        }
      }
    }
    if (all_known) out.dims[static_cast<size_t>(axis)] = FastDim{total, {}};
    return out;
  }

  // Constant with a `value` tensor in the proto (other forms: libonnx).
  FastType constant(const NodeFields& n) {
    if (n.attribute_size() != 1 || n.attribute().Get(0).name() != "value" || !n.attribute().Get(0).has_t())
      give_up();
    const onnx::TensorProto& t = n.attribute().Get(0).t();
    if (payload_outside_proto(t) || t.data_type() == 0) give_up();
    FastType out;
    out.elem = t.data_type();
    out.has_shape = true;
    for (int64_t d : t.dims()) {
      if (d < 0) give_up();
      out.dims.push_back(FastDim{d, {}});
    }
    return out;
  }

  const onnx::ModelProto& model_;
  const CompactNodes* main_nodes_;  // the main graph's nodes when the loader kept them compact
  const Limits& limits_;
  const ValueNumbering& numbering_;
  int opset_ = 0;
  const uint32_t* operands_ = nullptr;  // of the node being inferred
  struct TypeHash {
    size_t operator()(const FastType& t) const {
      size_t h = static_cast<size_t>(t.elem) * 2 + t.has_shape;
      for (const FastDim& d : t.dims)
        h = (h * 31 + std::hash<int64_t>()(d.value)) * 31 + std::hash<std::string_view>()(d.param);
      return h;
    }
  };
  struct TypeEqual {
    bool operator()(const FastType& a, const FastType& b) const {
      if (a.elem != b.elem || a.has_shape != b.has_shape || a.dims.size() != b.dims.size()) return false;
      for (size_t i = 0; i < a.dims.size(); ++i)
        if (a.dims[i].value != b.dims[i].value || a.dims[i].param != b.dims[i].param) return false;
      return true;
    }
  };
  // Types by value id, as positions in distinct_ (kUndefined: not defined yet).
  std::vector<uint32_t> type_of_;
  std::deque<FastType> distinct_;
  DistinctValues<FastType, TypeHash, TypeEqual> type_index_{distinct_};
  std::unordered_map<uint32_t, const onnx::TensorProto*> initializers_;
  std::unordered_map<uint32_t, const onnx::TypeProto*> declared_;
  std::unordered_map<std::string_view, OpEntry> ops_;
  std::unordered_set<std::string> symbols_;
  std::vector<uint32_t> outputs_;  // value id of each node's output, in node order
};

}  // namespace

std::optional<FastInference> fast_infer(const onnx::ModelProto& model, const Limits& limits,
                                        const ValueNumbering* numbering, const CompactNodes* main_nodes) {
  if (numbering) {
    FastPass pass(model, main_nodes, limits, *numbering);
    if (!pass.run()) return std::nullopt;
    return pass.take_result();
  }
  if (main_nodes) return std::nullopt;  // only the view, which numbers values itself, loads compact nodes
  // Number the main graph's names here; a name used before it is defined
  // gets an id that is not defined yet when it is read, so the pass gives up.
  const onnx::GraphProto& g = model.graph();
  std::unordered_map<std::string_view, uint32_t> ids;
  ids.reserve(static_cast<size_t>(g.input_size() + g.initializer_size() + g.node_size() * 2));
  auto id_of = [&](const std::string& name) -> uint32_t {
    if (name.empty()) return kNoId;
    return ids.emplace(name, static_cast<uint32_t>(ids.size())).first->second;
  };
  for (const auto& vi : g.input()) id_of(vi.name());
  for (const auto& t : g.initializer()) id_of(t.name());
  std::vector<uint32_t> operands;
  std::vector<size_t> first;
  first.reserve(static_cast<size_t>(g.node_size()));
  for (const auto& n : g.node()) {
    first.push_back(operands.size());
    for (const auto& in : n.input()) operands.push_back(id_of(in));
    for (const auto& out : n.output()) operands.push_back(id_of(out));
  }
  for (const auto& vi : g.value_info()) id_of(vi.name());
  for (const auto& vi : g.output()) id_of(vi.name());
  ValueNumbering local;
  local.value_count = ids.size();
  local.operands = [&](size_t node) { return operands.data() + first[node]; };
  local.id_of = id_of;
  FastPass pass(model, nullptr, limits, local);
  if (!pass.run()) return std::nullopt;
  return pass.take_result();
}

// Like merge_graph in infer_runner.cpp: graph outputs and existing value_info
// get the merged type, other values a new value_info entry.
bool fast_infer_shapes(onnx::ModelProto& model, const Limits& limits) {
  auto result = fast_infer(model, limits);
  if (!result) return false;
  onnx::GraphProto& g = *model.mutable_graph();
  std::unordered_map<std::string_view, onnx::TypeProto*> targets;
  targets.reserve(static_cast<size_t>(g.value_info_size() + g.output_size()));
  for (auto& vi : *g.mutable_value_info()) targets.emplace(vi.name(), vi.mutable_type());
  for (auto& vi : *g.mutable_output()) targets.emplace(vi.name(), vi.mutable_type());
  // Type names stay valid: the strings live in the nodes, which are not touched.
  const auto& nodes = g.node();
  g.mutable_value_info()->Reserve(g.value_info_size() + static_cast<int>(result->node_count()));
  for (size_t i = 0; i < result->node_count(); ++i) {
    const std::string& name = nodes.Get(static_cast<int>(i)).output(0);
    const FastType& t = result->node_output(i);
    auto it = targets.find(name);
    if (it != targets.end()) {
      to_proto(t, *it->second);
      continue;
    }
    auto* vi = g.add_value_info();
    vi->set_name(name);
    to_proto(t, *vi->mutable_type());
  }
  return true;
}

}  // namespace zonnx::view
