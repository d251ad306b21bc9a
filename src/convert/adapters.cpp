// The adapter table. Every entry describes what changed for one op at one
// version (the "hi" version; the previous version "lo" comes from the op's
// version history), following the ONNX operator changelog as summarised in
// ../shared/reference/opset-changes.md. One Step entry yields the upgrade
// adapter (op, lo, hi) and the downgrade adapter (op, hi, lo).
#include "convert/adapters.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <tuple>

#include "zonnx/tables.h"

namespace zonnx::convert {
namespace {

using onnx::AttributeProto;
using onnx::NodeProto;
using onnx::TensorProto;
using Reason = std::optional<std::string>;

// Element type codes (onnx TensorProto::DataType) and kinds of non-tensor values.
constexpr int F32 = 1, U8 = 2, I8 = 3, U16 = 4, I16 = 5, I32 = 6, I64 = 7, STR = 8, BOOL = 9, F16 = 10,
              F64 = 11, U32 = 12, U64 = 13, C64 = 14, C128 = 15, BF16 = 16;
constexpr int kSeq = -1, kOpt = -2, kMap = -3;
const std::vector<int> kF8 = {17, 18, 19, 20};
const std::vector<int> kI4 = {21, 22};
const std::vector<int> kF4 = {23};
const std::vector<int> kE8 = {24};
const std::vector<int> kI2 = {25, 26};

std::vector<int> operator+(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct AttrDefault {
  enum class Kind { Int, String, Ones, Absent, Drop };
  std::string name;
  Kind kind = Kind::Int;
  int64_t i = 0;
  std::string s;
};
AttrDefault int_default(std::string name, int64_t v) {
  return {std::move(name), AttrDefault::Kind::Int, v, {}};
}
AttrDefault str_default(std::string name, std::string v) {
  return {std::move(name), AttrDefault::Kind::String, 0, std::move(v)};
}
AttrDefault ones_default(std::string name) { return {std::move(name), AttrDefault::Kind::Ones, 0, {}}; }
AttrDefault must_be_absent(std::string name) { return {std::move(name), AttrDefault::Kind::Absent, 0, {}}; }
// Meaningless once the type checks passed (Cast's saturate without float8): dropped.
AttrDefault dropped(std::string name) { return {std::move(name), AttrDefault::Kind::Drop, 0, {}}; }

// What changed at version hi of an op.
struct Step {
  std::vector<int> added_types;        // accepted from hi on: the downgrade refuses them
  std::vector<int> removed_types;      // accepted only below hi: the upgrade refuses them
  std::vector<AttrDefault> new_attrs;  // introduced at hi: the downgrade drops defaults, refuses others
  std::vector<std::string> neg_axes;   // int/ints attributes that may be negative from hi on
  // Inputs/outputs whose type the type lists apply to (empty: all); e.g. TopK's K and indices
  // are always int64 and must not be mistaken for the data type.
  std::vector<int> typed_inputs;
  std::vector<int> typed_outputs;
  int lo_inputs = -1;  // inputs that exist below hi (-1: unchanged)
  int lo_outputs = -1;
  Adapter up;    // extra work for lo -> hi
  Adapter down;  // extra work for hi -> lo (runs before the attribute/input checks)
};

std::string op_at(const StepContext& c, int version) {
  return c.node.op_type() + "-" + std::to_string(version);
}

std::string type_label(int code) {
  if (code == kSeq) return "a sequence";
  if (code == kOpt) return "an optional";
  if (code == kMap) return "a map";
  return elem_type_name(code);
}

int type_code(const ValueType* t) {
  if (!t) return 0;
  switch (t->kind) {
    case ValueType::Kind::Tensor:
    case ValueType::Kind::SparseTensor:
      return t->elem_type;
    case ValueType::Kind::Sequence:
      return kSeq;
    case ValueType::Kind::Optional:
      return kOpt;
    case ValueType::Kind::Map:
      return kMap;
    default:
      return 0;
  }
}

// Refuses when an input or output of the node (those listed in `inputs`/`outputs`,
// or all when both are empty) has a type in `bad`.
Reason check_types(const StepContext& c, const std::vector<int>& bad, int version,
                   const std::vector<int>& inputs = {}, const std::vector<int>& outputs = {}) {
  if (bad.empty()) return std::nullopt;
  const bool all = inputs.empty() && outputs.empty();
  auto listed = [](const std::vector<int>& v, int i) { return std::find(v.begin(), v.end(), i) != v.end(); };
  auto check = [&](const std::string& name) -> Reason {
    if (name.empty()) return std::nullopt;
    const int code = type_code(c.type(name));
    if (code == 0)
      return "type of '" + name + "' is unknown, so zonnx cannot prove " + op_at(c, version) + " accepts it";
    if (std::find(bad.begin(), bad.end(), code) != bad.end())
      return "'" + name + "' is " + type_label(code) + ", a type not available in " + op_at(c, version);
    return std::nullopt;
  };
  for (int i = 0; i < c.node.input_size(); ++i)
    if (all || listed(inputs, i))
      if (auto r = check(c.node.input(i))) return r;
  for (int i = 0; i < c.node.output_size(); ++i)
    if (all || listed(outputs, i))
      if (auto r = check(c.node.output(i))) return r;
  return std::nullopt;
}

void trim_inputs(NodeProto& node) {
  while (node.input_size() > 0 && node.input(node.input_size() - 1).empty())
    node.mutable_input()->RemoveLast();
}
void keep_inputs(NodeProto& node, int n) {
  if (node.input_size() > n) node.mutable_input()->DeleteSubrange(n, node.input_size() - n);
}
void trim_outputs(NodeProto& node) {
  while (node.output_size() > 0 && node.output(node.output_size() - 1).empty())
    node.mutable_output()->RemoveLast();
}

std::string input_at(const NodeProto& node, int i) {
  return i < node.input_size() ? node.input(i) : std::string();
}

void set_input(NodeProto& node, int i, const std::string& name) {
  while (node.input_size() <= i) node.add_input();
  node.set_input(i, name);
}

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return "[" + s + "]";
}

std::vector<int64_t> attr_ints(const AttributeProto& a) {
  if (a.type() == AttributeProto::INT) return {a.i()};
  return {a.ints().begin(), a.ints().end()};
}

Reason apply_new_attrs(StepContext& c, const std::vector<AttrDefault>& attrs) {
  for (const auto& d : attrs) {
    const AttributeProto* a = find_attr(c.node, d.name);
    if (!a) continue;
    bool is_default = false;
    std::string value;
    switch (d.kind) {
      case AttrDefault::Kind::Int:
        is_default = a->i() == d.i;
        value = std::to_string(a->i());
        break;
      case AttrDefault::Kind::String:
        is_default = a->s() == d.s;
        value = "'" + a->s() + "'";
        break;
      case AttrDefault::Kind::Ones: {
        auto v = attr_ints(*a);
        is_default = std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 1; });
        value = join(v);
        break;
      }
      case AttrDefault::Kind::Absent:
        break;
      case AttrDefault::Kind::Drop:
        is_default = true;
        break;
    }
    if (!is_default && d.kind == AttrDefault::Kind::Absent)
      return "attribute " + d.name + " has no equivalent in " + op_at(c, c.to_version);
    if (!is_default)
      return "attribute " + d.name + "=" + value + " has no equivalent in " + op_at(c, c.to_version);
    remove_attr(c.node, d.name);
    c.changed = true;
  }
  return std::nullopt;
}

// Rank used to normalise negative axes: the output's for Unsqueeze, else input 0's.
int axes_rank(const StepContext& c) {
  const std::string& name = c.node.op_type() == "Unsqueeze" ? c.node.output(0) : input_at(c.node, 0);
  const ValueType* t = c.type(name);
  return t ? t->rank() : -1;
}

Reason normalise_negative_axes(StepContext& c, const std::vector<std::string>& attrs) {
  for (const auto& name : attrs) {
    const AttributeProto* a = find_attr(c.node, name);
    if (!a) continue;
    auto v = attr_ints(*a);
    if (std::all_of(v.begin(), v.end(), [](int64_t x) { return x >= 0; })) continue;
    const int rank = axes_rank(c);
    if (rank < 0)
      return "attribute " + name + "=" + join(v) + " is negative and the rank is unknown; " +
             op_at(c, c.to_version) + " accepts only non-negative values";
    AttributeProto& m = *const_cast<AttributeProto*>(a);
    if (m.type() == AttributeProto::INT) {
      m.set_i(m.i() + rank);
    } else {
      for (int i = 0; i < m.ints_size(); ++i)
        if (m.ints(i) < 0) m.set_ints(i, m.ints(i) + rank);
    }
    c.changed = true;
  }
  return std::nullopt;
}

Reason check_extra_io(StepContext& c, int lo_inputs, int lo_outputs) {
  if (lo_inputs >= 0) {
    for (int i = lo_inputs; i < c.node.input_size(); ++i)
      if (!c.node.input(i).empty())
        return "input #" + std::to_string(i) + " ('" + c.node.input(i) + "') does not exist in " +
               op_at(c, c.to_version);
    if (c.node.input_size() > lo_inputs) {
      trim_inputs(c.node);
      c.changed = true;
    }
  }
  if (lo_outputs >= 0) {
    for (int i = lo_outputs; i < c.node.output_size(); ++i)
      if (!c.node.output(i).empty())
        return "output #" + std::to_string(i) + " ('" + c.node.output(i) + "') does not exist in " +
               op_at(c, c.to_version);
    if (c.node.output_size() > lo_outputs) {
      trim_outputs(c.node);
      c.changed = true;
    }
  }
  return std::nullopt;
}

Adapter make_up(const Step& s) {
  return [s](StepContext& c) -> Reason {
    if (auto r = check_types(c, s.removed_types, c.to_version, s.typed_inputs, s.typed_outputs)) return r;
    if (s.up) return s.up(c);
    return std::nullopt;
  };
}

Adapter make_down(const Step& s) {
  return [s](StepContext& c) -> Reason {
    if (auto r = check_types(c, s.added_types, c.to_version, s.typed_inputs, s.typed_outputs)) return r;
    if (s.down)
      if (auto r = s.down(c)) return r;
    if (auto r = check_extra_io(c, s.lo_inputs, s.lo_outputs)) return r;
    if (auto r = apply_new_attrs(c, s.new_attrs)) return r;
    return normalise_negative_axes(c, s.neg_axes);
  };
}

// ---- attribute <-> input moves ------------------------------------------------------------------

// ints attribute -> int64 1-D constant input at `index` (absent attribute: absent input).
Adapter attr_to_input(std::string attr, int index, bool required = false) {
  return [attr, index, required](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, attr);
    if (!a) {
      if (required) return "required attribute " + attr + " is missing";
      return std::nullopt;
    }
    const std::string name = c.add_constant(int64_tensor(attr_ints(*a)), attr);
    remove_attr(c.node, attr);
    set_input(c.node, index, name);
    c.changed = true;
    return std::nullopt;
  };
}

// Constant int64 input at `index` -> ints attribute (absent or empty input: no attribute).
Adapter input_to_attr(std::string attr, int index) {
  return [attr, index](StepContext& c) -> Reason {
    const std::string name = input_at(c.node, index);
    if (name.empty()) return std::nullopt;
    auto v = c.const_ints(name);
    if (!v)
      return "attribute " + attr + " of " + op_at(c, c.to_version) + " would have to come from '" + name +
             "', which is not a constant";
    if (!v->empty()) {
      auto& a = set_attr(c.node, attr, AttributeProto::INTS);
      for (int64_t x : *v) a.add_ints(x);
    }
    c.node.set_input(index, "");
    trim_inputs(c.node);
    c.changed = true;
    return std::nullopt;
  };
}

// Reduce ops whose axes become an input (ReduceSum at 13, the others at 18).
Step reduce_axes_step() {
  Step s;
  s.up = attr_to_input("axes", 1);
  s.down = [](StepContext& c) -> Reason {
    const AttributeProto* noop = find_attr(c.node, "noop_with_empty_axes");
    if (noop && noop->i() != 0) {
      const std::string axes = input_at(c.node, 1);
      auto v =
          axes.empty() ? std::optional<std::vector<int64_t>>(std::vector<int64_t>{}) : c.const_ints(axes);
      if (!v || v->empty())
        return std::string("noop_with_empty_axes=1 without constant non-empty axes has no equivalent in ") +
               op_at(c, c.to_version) + " (an Identity rewrite is not implemented)";
    }
    if (noop) {
      remove_attr(c.node, "noop_with_empty_axes");
      c.changed = true;
    }
    return input_to_attr("axes", 1)(c);
  };
  return s;
}

// ---- op-specific adapters ----------------------------------------------------------------------

// Softmax, LogSoftmax, Hardmax 11 <-> 13. Up to 11 the input is coerced to 2-D at `axis` and
// normalised over all the trailing dims together (default axis 1); from 13 along the one `axis`
// (default -1). They agree when the axis is the last one: relabel, default made explicit.
// Otherwise, going up: Flatten(axis) -> op(axis 1) -> Reshape to Shape(input), which is the old
// definition spelled out; going down: Transpose(axis <-> last) -> op(last) -> Transpose back.
// Both only move elements, so the results are exact (Hardmax keeps the first maximum too).
ValueType tensor_type(int32_t elem, std::vector<Dim> dims, bool has_shape = true) {
  ValueType t;
  t.kind = ValueType::Kind::Tensor;
  t.elem_type = elem;
  t.has_shape = has_shape;
  t.dims = std::move(dims);
  return t;
}

NodeProto make_node(const std::string& op, std::vector<std::string> inputs, const std::string& output) {
  NodeProto n;
  n.set_op_type(op);
  for (auto& i : inputs) n.add_input(std::move(i));
  n.add_output(output);
  return n;
}

Reason softmax_flatten_up(StepContext& c, int64_t axis) {
  const std::string in = input_at(c.node, 0);
  const std::string out = c.node.output(0);
  const ValueType* t = c.type(in);
  const std::string shape = c.fresh_name("shape");
  const std::string flat = c.fresh_name("2d");
  const std::string flat_out = c.fresh_name("2d_out");
  NodeProto flatten = make_node("Flatten", {in}, flat);
  set_attr(flatten, "axis", AttributeProto::INT).set_i(axis);
  c.insert_node(make_node("Shape", {in}, shape), false);
  c.insert_node(std::move(flatten), false);
  c.insert_node(make_node("Reshape", {flat_out, shape}, out), true);
  c.node.set_input(0, flat);
  c.node.set_output(0, flat_out);
  set_attr(c.node, "axis", AttributeProto::INT).set_i(1);
  if (t && t->kind == ValueType::Kind::Tensor) {
    c.set_type(flat, tensor_type(t->elem_type, {Dim{}, Dim{}}));
    c.set_type(flat_out, tensor_type(t->elem_type, {Dim{}, Dim{}}));
    c.set_type(shape, tensor_type(TensorProto::INT64, {t->rank() >= 0 ? Dim::of(t->rank()) : Dim{}}));
  }
  c.changed = true;
  return std::nullopt;
}

Reason softmax_transpose_down(StepContext& c, int64_t axis, const ValueType& t) {
  const int rank = t.rank();
  std::vector<int64_t> perm;
  for (int i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[static_cast<size_t>(axis)], perm.back());
  std::vector<Dim> dims = t.dims;
  std::swap(dims[static_cast<size_t>(axis)], dims.back());
  const std::string in = input_at(c.node, 0);
  const std::string out = c.node.output(0);
  const std::string moved = c.fresh_name("axis_last");
  const std::string moved_out = c.fresh_name("axis_last_out");
  NodeProto before = make_node("Transpose", {in}, moved);
  NodeProto after = make_node("Transpose", {moved_out}, out);
  for (NodeProto* n : {&before, &after}) {
    auto& p = set_attr(*n, "perm", AttributeProto::INTS);
    for (int64_t v : perm) p.add_ints(v);
  }
  c.insert_node(std::move(before), false);
  c.insert_node(std::move(after), true);
  c.node.set_input(0, moved);
  c.node.set_output(0, moved_out);
  set_attr(c.node, "axis", AttributeProto::INT).set_i(rank - 1);
  c.set_type(moved, tensor_type(t.elem_type, dims));
  c.set_type(moved_out, tensor_type(t.elem_type, dims));
  c.changed = true;
  return std::nullopt;
}

Step softmax_13() {
  Step s;
  auto convert = [](StepContext& c) -> Reason {
    const bool from_13 = c.from_version >= 13;
    const int64_t def = from_13 ? -1 : 1;
    const AttributeProto* a = find_attr(c.node, "axis");
    const int64_t axis = a ? a->i() : def;
    const ValueType* t = c.type(input_at(c.node, 0));
    const int rank = t ? t->rank() : -1;
    if (c.node.input_size() < 1 || c.node.output_size() < 1)
      return std::string("the node has no input or output");
    // Going up the old definition can always be spelled out, whatever the rank.
    if (rank < 0 && !from_13) return softmax_flatten_up(c, axis);
    if (rank < 0)
      return "rank of the input is unknown, so zonnx cannot move axis " + std::to_string(axis) +
             " last for " + op_at(c, c.to_version) + " (which normalises over all dims from the axis on)";
    const int64_t norm = axis < 0 ? axis + rank : axis;
    if (norm < 0 || norm >= rank)
      return "axis " + std::to_string(axis) + " is out of range for the rank-" + std::to_string(rank) +
             " input";
    if (norm != rank - 1) return from_13 ? softmax_transpose_down(c, norm, *t) : softmax_flatten_up(c, axis);
    // Make the axis explicit when the target's default differs.
    const int64_t target_def = from_13 ? 1 : -1;
    const int64_t target_norm = target_def < 0 ? target_def + rank : target_def;
    if (!a && target_norm != norm) {
      set_attr(c.node, "axis", AttributeProto::INT).set_i(norm);
      c.changed = true;
    }
    return std::nullopt;
  };
  s.up = convert;
  s.down = convert;
  s.added_types = {BF16};
  return s;
}

// Split 13 <-> 18: num_outputs.
Step split_18() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    if (!input_at(c.node, 1).empty()) return std::nullopt;
    set_attr(c.node, "num_outputs", AttributeProto::INT).set_i(c.node.output_size());
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "num_outputs");
    if (!a) return std::nullopt;
    const int64_t n = a->i();
    if (!input_at(c.node, 1).empty() || n <= 0) {
      remove_attr(c.node, "num_outputs");
      c.changed = true;
      return std::nullopt;
    }
    const AttributeProto* ax = find_attr(c.node, "axis");
    int64_t axis = ax ? ax->i() : 0;
    const ValueType* t = c.type(input_at(c.node, 0));
    if (!t || t->rank() < 0 || axis >= t->rank() || axis < -t->rank())
      return "num_outputs=" + std::to_string(n) + " on an input of unknown rank has no equivalent in " +
             op_at(c, c.to_version);
    if (axis < 0) axis += t->rank();
    const Dim& d = t->dims[static_cast<size_t>(axis)];
    if (!d.is_static())
      return "num_outputs=" + std::to_string(n) + " splits a dimension of unknown size; " +
             op_at(c, c.to_version) + " needs equal parts or explicit sizes";
    remove_attr(c.node, "num_outputs");
    c.changed = true;
    if (d.value % n == 0) return std::nullopt;
    const int64_t chunk = (d.value + n - 1) / n;
    std::vector<int64_t> sizes(static_cast<size_t>(n - 1), chunk);
    sizes.push_back(d.value - chunk * (n - 1));
    if (sizes.back() < 0) return std::string("num_outputs larger than the dimension");
    set_input(c.node, 1, c.add_constant(int64_tensor(sizes), "split"));
    return std::nullopt;
  };
  return s;
}

// Slice 1 <-> 10: starts/ends/axes attributes become inputs; new steps input.
Step slice_10() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* starts = find_attr(c.node, "starts");
    const AttributeProto* ends = find_attr(c.node, "ends");
    if (!starts || !ends) return std::string("required attributes starts/ends are missing");
    const AttributeProto* axes = find_attr(c.node, "axes");
    set_input(c.node, 1, c.add_constant(int64_tensor(attr_ints(*starts)), "starts"));
    set_input(c.node, 2, c.add_constant(int64_tensor(attr_ints(*ends)), "ends"));
    if (axes) set_input(c.node, 3, c.add_constant(int64_tensor(attr_ints(*axes)), "axes"));
    for (const char* n : {"starts", "ends", "axes"}) remove_attr(c.node, n);
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    const std::string steps = input_at(c.node, 4);
    if (!steps.empty()) {
      auto v = c.const_ints(steps);
      if (!v || !std::all_of(v->begin(), v->end(), [](int64_t x) { return x == 1; }))
        return "steps '" + steps + "' are not constant ones; " + op_at(c, c.to_version) + " has no steps";
    }
    std::vector<std::vector<int64_t>> values;
    const char* names[] = {"starts", "ends", "axes"};
    for (int i = 1; i <= 3; ++i) {
      const std::string in = input_at(c.node, i);
      if (in.empty()) {
        if (i < 3) return std::string("input ") + names[i - 1] + " is missing";
        values.emplace_back();
        continue;
      }
      auto v = c.const_ints(in);
      if (!v)
        return std::string("attribute ") + names[i - 1] + " of " + op_at(c, c.to_version) +
               " would have to come from '" + in + "', which is not a constant";
      values.push_back(*v);
    }
    for (int i = 0; i < 3; ++i) {
      if (i == 2 && input_at(c.node, 3).empty()) continue;
      auto& a = set_attr(c.node, names[i], AttributeProto::INTS);
      for (int64_t x : values[static_cast<size_t>(i)]) a.add_ints(x);
    }
    keep_inputs(c.node, 1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Slice 10 <-> 11: negative axes (an input since 10).
Step slice_11() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const std::string axes = input_at(c.node, 3);
    if (axes.empty()) return std::nullopt;
    auto v = c.const_ints(axes);
    if (!v) return "axes '" + axes + "' are not constant, so zonnx cannot prove they are non-negative";
    if (std::all_of(v->begin(), v->end(), [](int64_t x) { return x >= 0; })) return std::nullopt;
    const ValueType* t = c.type(input_at(c.node, 0));
    if (!t || t->rank() < 0) return "axes " + join(*v) + " are negative and the rank is unknown";
    for (auto& x : *v)
      if (x < 0) x += t->rank();
    c.node.set_input(3, c.add_constant(int64_tensor(*v), "axes"));
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Clip 6 <-> 11: min/max attributes become optional inputs of the data type.
Step clip_11() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* mn = find_attr(c.node, "min");
    const AttributeProto* mx = find_attr(c.node, "max");
    if (!mn && !mx) return std::nullopt;
    const int elem = type_code(c.type(input_at(c.node, 0)));
    std::optional<TensorProto> tmin, tmax;
    if (mn && !(tmin = scalar_tensor(elem, mn->f())))
      return "element type of the input is unknown; min/max constants need it";
    if (mx && !(tmax = scalar_tensor(elem, mx->f())))
      return "element type of the input is unknown; min/max constants need it";
    set_input(c.node, 1, tmin ? c.add_constant(*tmin, "min") : "");
    if (tmax) set_input(c.node, 2, c.add_constant(*tmax, "max"));
    remove_attr(c.node, "min");
    remove_attr(c.node, "max");
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    double v[2] = {0, 0};
    const char* names[] = {"min", "max"};
    for (int i = 0; i < 2; ++i) {
      const std::string in = input_at(c.node, i + 1);
      if (in.empty()) continue;
      auto f = c.const_floats(in);
      if (!f || f->size() != 1)
        return std::string("attribute ") + names[i] + " of " + op_at(c, c.to_version) +
               " would have to come from '" + in + "', which is not a constant scalar";
      v[i] = (*f)[0];
    }
    for (int i = 0; i < 2; ++i)
      if (!input_at(c.node, i + 1).empty())
        set_attr(c.node, names[i], AttributeProto::FLOAT).set_f(static_cast<float>(v[i]));
    keep_inputs(c.node, 1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Pad 2 <-> 11: pads becomes an input, value an optional constant_value input.
Step pad_11() {
  Step s;
  s.added_types = {U8, I8, U16, I16, I32, I64, U32, U64};
  s.typed_inputs = {0};
  s.typed_outputs = {0};
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* pads = find_attr(c.node, "pads");
    if (!pads) return std::string("required attribute pads is missing");
    const AttributeProto* value = find_attr(c.node, "value");
    std::optional<TensorProto> tv;
    if (value && value->f() != 0.0f) {
      tv = scalar_tensor(type_code(c.type(input_at(c.node, 0))), value->f());
      if (!tv) return std::string("element type of the input is unknown; the pad value constant needs it");
    }
    set_input(c.node, 1, c.add_constant(int64_tensor(attr_ints(*pads)), "pads"));
    if (tv) set_input(c.node, 2, c.add_constant(*tv, "constant_value"));
    remove_attr(c.node, "pads");
    remove_attr(c.node, "value");
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    const std::string pads = input_at(c.node, 1);
    auto p = c.const_ints(pads);
    if (!p)
      return "attribute pads of " + op_at(c, c.to_version) + " would have to come from '" + pads +
             "', which is not a constant";
    std::optional<double> value;
    if (!input_at(c.node, 2).empty()) {
      auto f = c.const_floats(input_at(c.node, 2));
      if (!f || f->size() != 1)
        return "attribute value of " + op_at(c, c.to_version) + " would have to come from '" +
               input_at(c.node, 2) + "', which is not a constant scalar";
      value = (*f)[0];
    }
    auto& a = set_attr(c.node, "pads", AttributeProto::INTS);
    for (int64_t x : *p) a.add_ints(x);
    if (value && *value != 0)
      set_attr(c.node, "value", AttributeProto::FLOAT).set_f(static_cast<float>(*value));
    keep_inputs(c.node, 1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Dropout 10 <-> 12: ratio becomes an input; new training_mode input and seed attribute.
Step dropout_12() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* ratio = find_attr(c.node, "ratio");
    if (!ratio) return std::nullopt;
    set_input(c.node, 1, c.add_constant(*scalar_tensor(F32, ratio->f()), "ratio"));
    remove_attr(c.node, "ratio");
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    const std::string mode = input_at(c.node, 2);
    if (!mode.empty()) {
      auto v = c.const_ints(mode);
      if (!v || v->size() != 1 || (*v)[0] != 0)
        return "training_mode '" + mode + "' is not a constant false; " + op_at(c, c.to_version) +
               " has no training mode input";
    }
    std::optional<double> ratio;
    if (!input_at(c.node, 1).empty()) {
      auto f = c.const_floats(input_at(c.node, 1));
      if (!f || f->size() != 1)
        return "attribute ratio of " + op_at(c, c.to_version) + " would have to come from '" +
               input_at(c.node, 1) + "', which is not a constant scalar";
      ratio = (*f)[0];
    }
    if (ratio) set_attr(c.node, "ratio", AttributeProto::FLOAT).set_f(static_cast<float>(*ratio));
    remove_attr(c.node, "seed");  // only used in training mode
    keep_inputs(c.node, 1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Dropout 7 <-> 10: the mask output becomes bool.
Step dropout_10() {
  Step s;
  auto check = [](StepContext& c) -> Reason {
    if (c.node.output_size() > 1 && !c.node.output(1).empty())
      return std::string(
          "the mask output changes element type between Dropout-7 and Dropout-10 (a Cast is not "
          "inserted)");
    return std::nullopt;
  };
  s.up = check;
  s.down = check;
  return s;
}

// TopK 1 <-> 10: k becomes the input K.
Step topk_10() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* k = find_attr(c.node, "k");
    if (!k) return std::string("required attribute k is missing");
    set_input(c.node, 1, c.add_constant(int64_tensor({k->i()}), "K"));
    remove_attr(c.node, "k");
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    auto v = c.const_ints(input_at(c.node, 1));
    if (!v || v->size() != 1)
      return "attribute k of " + op_at(c, c.to_version) + " would have to come from '" + input_at(c.node, 1) +
             "', which is not a constant";
    set_attr(c.node, "k", AttributeProto::INT).set_i((*v)[0]);
    keep_inputs(c.node, 1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Add/Sub/Mul/Div/Pow and the logical/comparison ops 6 -> 7: limited broadcasting attributes removed.
Step broadcast_7() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* b = find_attr(c.node, "broadcast");
    const AttributeProto* axis = find_attr(c.node, "axis");
    if (b && b->i() != 0 && axis) {
      const ValueType* ta = c.type(input_at(c.node, 0));
      const ValueType* tb = c.type(input_at(c.node, 1));
      if (!ta || !tb || ta->rank() < 0 || tb->rank() < 0 || axis->i() != ta->rank() - tb->rank())
        return "broadcast with axis=" + std::to_string(axis->i()) +
               " is not a suffix alignment (reshaping B is not implemented)";
    }
    bool removed_broadcast = remove_attr(c.node, "broadcast");
    bool removed_axis = remove_attr(c.node, "axis");  // both must go, so no short-circuit
    if (removed_broadcast || removed_axis) c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    return op_at(c, c.to_version) + " (limited broadcasting) is below the opsets convert targets";
  };
  return s;
}

// Min/Max/Mean/Sum 6 <-> 8: multidirectional broadcasting.
Step variadic_broadcast_8() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const ValueType* first = nullptr;
    for (const auto& in : c.node.input()) {
      const ValueType* t = c.type(in);
      if (!t || !t->is_static())
        return "shape of '" + in + "' is not static, so zonnx cannot prove no broadcasting happens";
      if (first && first->dims.size() != t->dims.size()) return std::string("inputs broadcast");
      if (first)
        for (size_t i = 0; i < t->dims.size(); ++i)
          if (t->dims[i].value != first->dims[i].value) return std::string("inputs broadcast");
      first = t;
    }
    return std::nullopt;
  };
  return s;
}

// BatchNormalization.
Step batchnorm_7() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    if (remove_attr(c.node, "is_test")) c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    return op_at(c, c.to_version) + " is below the opsets convert targets";
  };
  return s;
}
Step batchnorm_9() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* sp = find_attr(c.node, "spatial");
    if (sp && sp->i() != 1)
      return std::string("spatial=0 (per-activation statistics) has no equivalent in BatchNormalization-9");
    if (remove_attr(c.node, "spatial")) c.changed = true;
    return std::nullopt;
  };
  return s;
}
Step batchnorm_14() {
  Step s;
  s.added_types = {BF16};
  s.new_attrs = {int_default("training_mode", 0)};
  s.lo_outputs = 1;
  s.up = [](StepContext& c) -> Reason {
    for (int i = 1; i < c.node.output_size(); ++i)
      if (!c.node.output(i).empty())
        return "training output #" + std::to_string(i) + " ('" + c.node.output(i) +
               "') has no equivalent in BatchNormalization-14";
    trim_outputs(c.node);
    return std::nullopt;
  };
  return s;
}
Step batchnorm_15() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const int x = type_code(c.type(input_at(c.node, 0)));
    for (int i = 1; i < c.node.input_size(); ++i) {
      const int t = type_code(c.type(c.node.input(i)));
      if (t == 0 || x == 0) return std::string("element types unknown; BatchNormalization-14 needs one type");
      if (t != x)
        return "'" + c.node.input(i) + "' is " + type_label(t) + " while X is " + type_label(x) +
               "; BatchNormalization-14 needs one type";
    }
    return std::nullopt;
  };
  return s;
}

// RNN ops 1/3 -> 7: output_sequence removed.
Step rnn_7() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    if (remove_attr(c.node, "output_sequence")) c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    return op_at(c, c.to_version) + " is below the opsets convert targets";
  };
  return s;
}

Step gemm_7() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    if (remove_attr(c.node, "broadcast")) c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    set_attr(c.node, "broadcast", AttributeProto::INT).set_i(1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}
Step gemm_11() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    if (!input_at(c.node, 2).empty()) return std::nullopt;
    auto zero = scalar_tensor(type_code(c.type(input_at(c.node, 0))), 0.0);
    if (!zero) return std::string("C is absent and the element type is unknown (a zero C needs it)");
    set_input(c.node, 2, c.add_constant(*zero, "C"));
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

Step pow_12() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const int base = type_code(c.type(input_at(c.node, 0)));
    const int exp = type_code(c.type(input_at(c.node, 1)));
    if (base == 0 || exp == 0) return std::string("element types unknown; Pow-7 needs one float type");
    if (base != exp || (base != F32 && base != F16 && base != F64))
      return "base " + type_label(base) + " and exponent " + type_label(exp) +
             " are not one float type (Pow-7)";
    return std::nullopt;
  };
  return s;
}

Step gather_11() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    auto v = c.const_ints(input_at(c.node, 1));
    if (!v)
      return "indices '" + input_at(c.node, 1) +
             "' are not constant, so zonnx cannot prove they are non-negative";
    if (!std::all_of(v->begin(), v->end(), [](int64_t x) { return x >= 0; }))
      return std::string("negative indices are not accepted by Gather-1");
    return std::nullopt;
  };
  return s;
}

Step loop_11() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    if (c.node.input_size() < 3) return std::string("Loop-1 needs at least one loop-carried value");
    return std::nullopt;
  };
  return s;
}

Step conv_transpose_11() {
  Step s;
  auto check = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "auto_pad");
    if (a && (a->s() == "SAME_UPPER" || a->s() == "SAME_LOWER"))
      return "auto_pad=" + a->s() +
             " splits odd padding differently in ConvTranspose-1 and -11 (explicit pads "
             "are not computed)";
    return std::nullopt;
  };
  s.up = check;
  s.down = check;
  return s;
}

Step constant_11() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    if (find_attr(c.node, "sparse_value")) return std::string("sparse_value has no equivalent in Constant-9");
    return std::nullopt;
  };
  return s;
}

// Constant 11 <-> 12: value_float(s)/value_int(s)/value_string(s) -> value tensor.
Step constant_12() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    for (const auto& a : c.node.attribute()) {
      const std::string& n = a.name();
      if (n != "value_float" && n != "value_floats" && n != "value_int" && n != "value_ints" &&
          n != "value_string" && n != "value_strings")
        continue;
      TensorProto t;
      if (n == "value_float") {
        t.set_data_type(F32);
        t.add_float_data(a.f());
      } else if (n == "value_floats") {
        t.set_data_type(F32);
        t.add_dims(a.floats_size());
        for (float f : a.floats()) t.add_float_data(f);
      } else if (n == "value_int") {
        t = int64_tensor({a.i()}, true);
      } else if (n == "value_ints") {
        t = int64_tensor(attr_ints(a));
      } else if (n == "value_string") {
        t.set_data_type(STR);
        t.add_string_data(a.s());
      } else {
        t.set_data_type(STR);
        t.add_dims(a.strings_size());
        for (const auto& x : a.strings()) t.add_string_data(x);
      }
      const std::string name = n;
      remove_attr(c.node, name);
      *set_attr(c.node, "value", AttributeProto::TENSOR).mutable_t() = std::move(t);
      c.changed = true;
      break;
    }
    return std::nullopt;
  };
  return s;
}

// Resize 10 <-> 11: roi input, coordinate modes.
Step resize_11() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* mode = find_attr(c.node, "mode");
    const std::string m = mode ? mode->s() : "nearest";
    TensorProto roi;
    roi.set_data_type(F32);
    roi.add_dims(0);
    const std::string scales = input_at(c.node, 1);
    const std::string roi_name = c.add_constant(roi, "roi");
    keep_inputs(c.node, 1);
    c.node.add_input(roi_name);
    c.node.add_input(scales);
    set_attr(c.node, "coordinate_transformation_mode", AttributeProto::STRING).set_s("asymmetric");
    if (m == "nearest") set_attr(c.node, "nearest_mode", AttributeProto::STRING).set_s("floor");
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    auto attr_s = [&](const char* n, const char* def) {
      const AttributeProto* a = find_attr(c.node, n);
      return a ? a->s() : std::string(def);
    };
    const std::string mode = attr_s("mode", "nearest");
    if (mode != "nearest" && mode != "linear") return "mode '" + mode + "' does not exist in Resize-10";
    if (attr_s("coordinate_transformation_mode", "half_pixel") != "asymmetric")
      return "coordinate_transformation_mode '" + attr_s("coordinate_transformation_mode", "half_pixel") +
             "' differs from Resize-10's asymmetric mapping";
    if (mode == "nearest" && attr_s("nearest_mode", "round_prefer_floor") != "floor")
      return "nearest_mode '" + attr_s("nearest_mode", "round_prefer_floor") +
             "' differs from Resize-10's floor";
    const AttributeProto* ex = find_attr(c.node, "exclude_outside");
    if (ex && ex->i() != 0) return std::string("exclude_outside=1 has no equivalent in Resize-10");
    if (!input_at(c.node, 3).empty()) return std::string("sizes input has no equivalent in Resize-10");
    const std::string scales = input_at(c.node, 2);
    if (scales.empty()) return std::string("scales input is missing");
    keep_inputs(c.node, 1);
    c.node.add_input(scales);
    for (const char* n : {"coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
                          "exclude_outside", "extrapolation_value"})
      remove_attr(c.node, n);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Resize 11 <-> 13: tf_half_pixel_for_nn removed; roi/scales optional.
Step resize_13() {
  Step s;
  s.added_types = {BF16};
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "coordinate_transformation_mode");
    if (a && a->s() == "tf_half_pixel_for_nn")
      return std::string("coordinate_transformation_mode tf_half_pixel_for_nn does not exist in Resize-13");
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    if (input_at(c.node, 1).empty()) {
      TensorProto roi;
      roi.set_data_type(F32);
      roi.add_dims(0);
      set_input(c.node, 1, c.add_constant(roi, "roi"));
      c.changed = true;
    }
    if (input_at(c.node, 2).empty()) {
      TensorProto scales;
      scales.set_data_type(F32);
      scales.add_dims(0);
      set_input(c.node, 2, c.add_constant(scales, "scales"));
      c.changed = true;
    }
    return std::nullopt;
  };
  return s;
}

Step resize_19() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "coordinate_transformation_mode");
    if (a && a->s() == "half_pixel_symmetric")
      return std::string("coordinate_transformation_mode half_pixel_symmetric does not exist in Resize-18");
    return std::nullopt;
  };
  return s;
}

Step pad_19() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "mode");
    if (a && a->s() == "wrap") return std::string("mode 'wrap' does not exist in Pad-18");
    return std::nullopt;
  };
  return s;
}

Step scatter_18() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "reduction");
    if (a && (a->s() == "max" || a->s() == "min"))
      return "reduction '" + a->s() + "' does not exist in " + op_at(c, c.to_version);
    return std::nullopt;
  };
  return s;
}

// QuantizeLinear / DequantizeLinear 10 <-> 13: per-axis scales.
Step quant_13() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const ValueType* t = c.type(input_at(c.node, 1));
    bool scalar = t && t->has_shape &&
                  std::all_of(t->dims.begin(), t->dims.end(), [](const Dim& d) { return d.value == 1; });
    if (!scalar) return op_at(c, c.to_version) + " needs a scalar scale (per-axis quantization is newer)";
    if (remove_attr(c.node, "axis")) c.changed = true;
    return std::nullopt;
  };
  return s;
}

// OptionalGetElement / OptionalHasElement 15 <-> 18: plain tensors/sequences and an absent input accepted.
Step optional_18() {
  Step s;
  s.down = [](StepContext& c) -> Reason {
    const std::string in = input_at(c.node, 0);
    if (in.empty()) return op_at(c, c.to_version) + " needs an input";
    const ValueType* t = c.type(in);
    if (!t || t->kind != ValueType::Kind::Optional)
      return "'" + in + "' is not an optional value; " + op_at(c, c.to_version) + " takes only optionals";
    return std::nullopt;
  };
  return s;
}

// Upsample 7 <-> 9: the scales attribute becomes a float input.
Step upsample_9() {
  Step s;
  s.up = [](StepContext& c) -> Reason {
    const AttributeProto* a = find_attr(c.node, "scales");
    if (!a) return std::string("required attribute scales is missing");
    TensorProto t;
    t.set_data_type(F32);
    t.add_dims(a->floats_size());
    for (float f : a->floats()) t.add_float_data(f);
    const std::string name = c.add_constant(t, "scales");
    remove_attr(c.node, "scales");
    set_input(c.node, 1, name);
    c.changed = true;
    return std::nullopt;
  };
  s.down = [](StepContext& c) -> Reason {
    const std::string name = input_at(c.node, 1);
    auto v = name.empty() ? std::nullopt : c.const_floats(name);
    if (!v) return "scales '" + name + "' is not a constant; Upsample-7 takes them as an attribute";
    auto& a = set_attr(c.node, "scales", AttributeProto::FLOATS);
    for (double f : *v) a.add_floats(static_cast<float>(f));
    keep_inputs(c.node, 1);
    c.changed = true;
    return std::nullopt;
  };
  return s;
}

// Upsample-9 -> Resize-10: Resize-10 was introduced as Upsample-9 under a new name (same inputs X,
// scales; same nearest/linear modes and output size floor(dim * scale)).
Adapter upsample_to_resize() {
  return [](StepContext& c) -> Reason {
    const AttributeProto* mode = find_attr(c.node, "mode");
    if (mode && mode->s() != "nearest" && mode->s() != "linear")
      return "mode '" + mode->s() + "' has no equivalent in Resize-10";
    if (input_at(c.node, 1).empty()) return std::string("scales input is missing");
    c.node.set_op_type("Resize");
    c.changed = true;
    return std::nullopt;
  };
}

Step relabel() { return Step{}; }
Step types(std::vector<int> added) {
  Step s;
  s.added_types = std::move(added);
  return s;
}
Step attrs(std::vector<AttrDefault> a, std::vector<int> added = {}) {
  Step s;
  s.new_attrs = std::move(a);
  s.added_types = std::move(added);
  return s;
}
Step neg(std::vector<std::string> a) {
  Step s;
  s.neg_axes = std::move(a);
  return s;
}
template <typename F>
Step with(Step s, F&& f) {
  f(s);
  return s;
}

const std::vector<int> kInts = {U8, I8, U16, I16, I32, I64, U32, U64};
const std::vector<int> kAllButFloats = {U8, I8, U16, I16, I32, I64, U32, U64, STR, BOOL, C64, C128, BF16};

using Key = std::tuple<std::string, int, int>;

struct Table {
  std::map<Key, Adapter> adapters;
  std::vector<std::string> errors;

  // Registers `step` for every op in `ops` (space-separated) at version `hi`.
  void add(const std::string& ops, int hi, const Step& step) {
    std::istringstream in(ops);
    std::string op;
    while (in >> op) {
      const auto& v = OpVersions::embedded().versions(op);
      auto it = std::find(v.begin(), v.end(), hi);
      if (it == v.end() || it == v.begin()) {
        errors.push_back(op + "-" + std::to_string(hi) + " is not a version step");
        continue;
      }
      const int lo = *(it - 1);
      if (!adapters.emplace(Key{op, lo, hi}, make_up(step)).second) errors.push_back("duplicate " + op);
      adapters.emplace(Key{op, hi, lo}, make_down(step));
    }
  }
};

Table build_table() {
  Table t;
  const std::vector<int> bf = {BF16};
  // ---- up to opset 9
  t.add("Add Sub Mul Div", 7, broadcast_7());
  t.add("Pow And Or Xor Equal Greater Less", 7, broadcast_7());
  t.add("Gemm", 7, gemm_7());
  t.add("BatchNormalization", 7, batchnorm_7());
  t.add("Dropout", 7, with(Step{}, [](Step& s) {
          s.up = [](StepContext& c) -> Reason {
            if (remove_attr(c.node, "is_test")) c.changed = true;
            return std::nullopt;
          };
          s.down = batchnorm_7().down;
        }));
  t.add("GRU LSTM RNN", 7, rnn_7());
  t.add("PRelu", 7, with(Step{}, [](Step& s) { s.down = batchnorm_7().down; }));
  t.add("AveragePool", 7, attrs({int_default("count_include_pad", 0)}));
  t.add("Max Min Mean Sum", 8, variadic_broadcast_8());
  t.add("MaxPool", 8, with(attrs({int_default("storage_order", 0)}), [](Step& s) { s.lo_outputs = 1; }));
  t.add("BatchNormalization", 9, batchnorm_9());
  t.add("Cast", 9, types({STR}));
  t.add("Upsample", 9, upsample_9());
  t.add("Constant", 9, types(kAllButFloats));
  t.add("Flatten", 9, types(kAllButFloats));
  t.add("MatMul Gemm PRelu", 9, types({I32, I64, U32, U64}));
  t.add("Greater Less", 9, types(kInts));
  // ---- 10
  t.add("AveragePool", 10, attrs({int_default("ceil_mode", 0)}));
  t.add("MaxPool", 10, attrs({int_default("ceil_mode", 0), ones_default("dilations")}));
  t.add("Dropout", 10, dropout_10());
  t.add("Slice", 10, slice_10());
  t.add("TopK", 10, topk_10());
  // ---- 11
  t.add(
      "ArgMax ArgMin ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin "
      "ReduceProd ReduceSum ReduceSumSquare Squeeze Unsqueeze",
      11, neg({"axes", "axis"}));
  t.add("Concat Flatten Compress LogSoftmax Softmax Hardmax Split", 11, neg({"axis"}));
  t.add("Slice", 11, slice_11());
  t.add("Gather", 11, gather_11());
  t.add("Conv MaxPool AveragePool If", 11, relabel());
  t.add("ConvTranspose", 11, conv_transpose_11());
  t.add("Clip", 11, clip_11());
  t.add("Constant", 11, constant_11());
  t.add("DepthToSpace", 11, attrs({str_default("mode", "DCR")}));
  t.add("Equal", 11, types({U8, U16, U32, U64, I8, I16, F16, F32, F64}));
  t.add("Gemm", 11, gemm_11());
  t.add("Loop", 11, loop_11());
  t.add("Pad", 11, pad_11());
  t.add("Resize", 11, resize_11());
  t.add("TopK", 11, with(attrs({int_default("largest", 1), dropped("sorted")}, kInts), [](Step& s) {
          s.neg_axes = {"axis"};
          s.typed_inputs = {0};
          s.typed_outputs = {0};
        }));
  // ---- 12
  t.add("ArgMax ArgMin", 12, attrs({int_default("select_last_index", 0)}));
  t.add("Clip Max Min", 12, types(kInts));
  t.add("MaxPool ReduceMax ReduceMin", 12, types({I8, U8}));
  t.add("Constant", 12, constant_12());
  t.add("Dropout", 12, dropout_12());
  t.add("GatherND", 12, attrs({int_default("batch_dims", 0)}));
  t.add("Pow", 12, pow_12());
  // ---- 13
  t.add("Softmax LogSoftmax Hardmax", 13, softmax_13());
  t.add("Split", 13, with(Step{}, [](Step& s) {
          s.added_types = {BF16};
          s.up = attr_to_input("split", 1);
          s.down = input_to_attr("split", 1);
        }));
  t.add("Squeeze", 13, with(Step{}, [](Step& s) {
          s.added_types = {BF16};
          s.up = attr_to_input("axes", 1);
          s.down = input_to_attr("axes", 1);
        }));
  t.add("Unsqueeze", 13, with(Step{}, [](Step& s) {
          s.added_types = {BF16};
          s.up = attr_to_input("axes", 1, true);
          s.down = input_to_attr("axes", 1);
        }));
  t.add("ReduceSum", 13, with(reduce_axes_step(), [](Step& s) { s.added_types = {BF16}; }));
  t.add("QuantizeLinear DequantizeLinear", 13, quant_13());
  t.add("Resize", 13, resize_13());
  t.add("Erf", 13, with(types(bf), [](Step& s) { s.removed_types = kInts; }));
  t.add("Pad", 13, types({BF16, STR, BOOL, C64, C128}));
  t.add("If Loop", 13, types({kSeq}));
  t.add("NegativeLogLikelihoodLoss", 13, relabel());
  t.add(
      "Abs Add ArgMax ArgMin Cast Ceil Clip Concat Constant DepthToSpace Div Dropout Equal Exp Expand "
      "Flatten "
      "Floor Gather GatherElements GatherND Gemm Greater Identity IsNaN LRN Less Log MatMul Max Mean "
      "MeanVarianceNormalization Min Mod Mul Neg NonZero Pow Reciprocal ReduceL1 ReduceL2 ReduceLogSum "
      "ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSumSquare Relu Reshape "
      "ScatterElements "
      "ScatterND Shape Sigmoid Sign Size Slice SoftmaxCrossEntropyLoss SpaceToDepth Sqrt Sub Sum Tanh Tile "
      "Transpose",
      13, types(bf));
  // ---- 14
  t.add("Add Sub Mul Div", 14, types({I8, I16, U8, U16}));
  t.add("Relu", 14, types({I8, I16, I32, I64}));
  t.add("CumSum", 14, types({F16, BF16}));
  t.add("Identity", 14, types({kSeq}));
  t.add("Reshape", 14, attrs({int_default("allowzero", 0)}));
  t.add("GRU LSTM RNN", 14, attrs({int_default("layout", 0)}));
  t.add("BatchNormalization", 14, batchnorm_14());
  // ---- 15
  t.add("BatchNormalization", 15, batchnorm_15());
  t.add("Pow", 15, types(bf));
  t.add("Shape", 15, attrs({int_default("start", 0), must_be_absent("end")}));
  // ---- 16
  t.add("GreaterOrEqual LessOrEqual LeakyRelu PRelu Where Scan", 16, types(bf));
  t.add("Identity", 16, types({kOpt}));
  t.add("If Loop", 16, types({BF16, kOpt}));
  t.add("RoiAlign", 16, attrs({str_default("coordinate_transformation_mode", "output_half_pixel")}));
  t.add("ScatterElements ScatterND", 16, attrs({str_default("reduction", "none")}));
  // ---- 18
  t.add(
      "ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd "
      "ReduceSumSquare",
      18, reduce_axes_step());
  t.add("Split", 18, split_18());
  t.add("Pad", 18, with(Step{}, [](Step& s) { s.lo_inputs = 3; }));
  t.add("Resize", 18,
        attrs({int_default("antialias", 0), must_be_absent("axes"),
               str_default("keep_aspect_ratio_policy", "stretch")}));
  t.add("ScatterElements ScatterND", 18, scatter_18());
  t.add("OptionalGetElement OptionalHasElement", 18, optional_18());
  // ---- 19
  t.add("Cast CastLike", 19, attrs({dropped("saturate")}, kF8));
  t.add("QuantizeLinear", 19, attrs({dropped("saturate")}, kF8 + std::vector<int>{F16, BF16}));
  t.add("DequantizeLinear", 19, types(kF8 + std::vector<int>{F16, BF16}));
  t.add("Constant Identity Reshape Shape Size If Loop Scan", 19, types(kF8));
  t.add("Equal", 19, types({STR}));
  t.add("AveragePool", 19, attrs({ones_default("dilations")}));
  t.add("Pad", 19, pad_19());
  t.add("Resize", 19, resize_19());
  // ---- 20
  t.add("ConstantOfShape", 20, types(kF8 + bf));
  t.add("IsNaN", 20, types(kF8));
  t.add("IsInf", 20, types(kF8 + std::vector<int>{F16, BF16}));
  t.add("ReduceMax ReduceMin", 20, types({BOOL}));
  // ---- 21
  t.add("Cast CastLike Constant ConstantOfShape Identity If Loop Reshape Scan Shape Size", 21, types(kI4));
  t.add("Flatten Pad Squeeze Transpose Unsqueeze", 21, types(kI4 + kF8));
  t.add("QLinearMatMul", 21, types(kF8 + std::vector<int>{F16, BF16}));
  t.add("QuantizeLinear DequantizeLinear", 21,
        attrs({int_default("block_size", 0), int_default("output_dtype", 0)},
              kI4 + std::vector<int>{I16, U16}));
  // ---- 22: bfloat16
  t.add(
      "Acos Acosh Asin Asinh Atan Atanh AveragePool Bernoulli Conv ConvTranspose Cos Cosh DeformConv Det Elu "
      "EyeLike GRU GlobalAveragePool GlobalLpPool GlobalMaxPool GridSample HardSigmoid HardSwish "
      "InstanceNormalization LSTM LpNormalization LpPool MaxPool MaxRoiPool MaxUnpool Mish Multinomial "
      "NegativeLogLikelihoodLoss RNN RandomNormal RandomNormalLike RandomUniform RandomUniformLike RoiAlign "
      "Round "
      "Selu Sin Sinh Softplus Softsign Tan ThresholdedRelu",
      22, types(bf));
  t.add("Dropout", 22, types(kF8 + bf));
  // ---- 23..25: new small types
  const char* small_type_ops =
      "Cast CastLike Constant ConstantOfShape Flatten Identity If Loop Pad Reshape Scan Shape Size Squeeze "
      "Transpose Unsqueeze";
  t.add(small_type_ops, 23, types(kF4));
  t.add(small_type_ops, 24, types(kE8));
  t.add(std::string(small_type_ops) + " QuantizeLinear DequantizeLinear", 25, types(kI2));
  t.add("TopK SplitToSequence", 24, types(bf));
  return t;
}

const Table& table() {
  static const Table t = build_table();
  return t;
}

}  // namespace

const Adapter* find_adapter(const std::string& op, int from_version, int to_version) {
  const auto& a = table().adapters;
  auto it = a.find(Key{op, from_version, to_version});
  return it == a.end() ? nullptr : &it->second;
}

const Adapter* find_replacement(const std::string& op, int from_version, bool up) {
  static const Adapter upsample = upsample_to_resize();
  if (op == "Upsample" && from_version == 9 && up) return &upsample;
  return nullptr;
}

size_t adapter_count() { return table().adapters.size(); }

std::vector<std::string> adapter_table_errors() { return table().errors; }

const AttributeProto* find_attr(const NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

bool remove_attr(NodeProto& node, const std::string& name) {
  auto* attrs = node.mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i) {
    if (attrs->Get(i).name() == name) {
      attrs->DeleteSubrange(i, 1);
      return true;
    }
  }
  return false;
}

AttributeProto& set_attr(NodeProto& node, const std::string& name, AttributeProto::AttributeType type) {
  remove_attr(node, name);
  AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return *a;
}

TensorProto int64_tensor(const std::vector<int64_t>& values, bool scalar) {
  TensorProto t;
  t.set_data_type(TensorProto::INT64);
  if (!scalar) t.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t.add_int64_data(v);
  return t;
}

std::optional<TensorProto> scalar_tensor(int32_t elem, double value) {
  TensorProto t;
  t.set_data_type(elem);
  switch (elem) {
    case F32:
      t.add_float_data(static_cast<float>(value));
      return t;
    case F64:
      t.add_double_data(value);
      return t;
    case F16:
    case BF16: {
      // Encoded through float32 bits: bfloat16 keeps the high half (round to nearest even);
      // float16 is converted exactly for the usual constants (0, 0.5, 6, limits saturate).
      const float f = static_cast<float>(value);
      uint32_t bits = 0;
      std::memcpy(&bits, &f, 4);
      uint16_t h = 0;
      if (elem == BF16) {
        h = static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
      } else {
        const uint32_t sign = (bits >> 16) & 0x8000u;
        const int exp = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
        const uint32_t mant = bits & 0x7fffffu;
        if (std::isnan(f))
          h = 0x7e00;
        else if (f == 0)
          h = static_cast<uint16_t>(sign);
        else if (exp >= 31)
          h = static_cast<uint16_t>(sign | 0x7bffu);  // saturate to the largest finite half
        else if (exp <= 0)
          return std::nullopt;  // subnormal halves: not needed for the constants convert makes
        else
          h = static_cast<uint16_t>(sign | ((static_cast<uint32_t>(exp) << 10) + ((mant + 0x1000u) >> 13)));
      }
      t.add_int32_data(h);
      return t;
    }
    case I8:
    case I16:
    case I32:
    case U8:
    case U16:
    case BOOL:
      t.add_int32_data(static_cast<int32_t>(value));
      return t;
    case I64:
      t.add_int64_data(static_cast<int64_t>(value));
      return t;
    case U32:
    case U64:
      t.add_uint64_data(static_cast<uint64_t>(value));
      return t;
    default:
      return std::nullopt;
  }
}

}  // namespace zonnx::convert
