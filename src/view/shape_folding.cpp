#include "view/shape_folding.h"

#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "view/tensor_data.h"

namespace zonnx::view {
namespace {

constexpr int64_t kMaxElements = 64;

// A small integer tensor: its shape (rank 0 or 1 here) and values.
struct IntValue {
  std::vector<int64_t> dims;
  std::vector<int64_t> values;
  int32_t elem_type = onnx::TensorProto::INT64;
};

std::optional<IntValue> from_tensor(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::INT64 && t.data_type() != onnx::TensorProto::INT32)
    return std::nullopt;
  if (t.dims_size() > 1 || payload_outside_proto(t)) return std::nullopt;
  auto values = decode_ints(t, inline_payload(t), kMaxElements);
  if (!values) return std::nullopt;
  IntValue v;
  v.dims.assign(t.dims().begin(), t.dims().end());
  v.values = std::move(*values);
  v.elem_type = t.data_type();
  return v;
}

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t attr_int(const onnx::NodeProto& n, const char* name, int64_t fallback) {
  const auto* a = find_attr(n, name);
  return a && a->has_i() ? a->i() : fallback;
}

// Static dims of a value from the graph's inputs/value_info/outputs.
std::optional<std::vector<int64_t>> static_shape(
    const std::unordered_map<std::string, const onnx::TypeProto*>& types, const std::string& name) {
  auto it = types.find(name);
  if (it == types.end() || !it->second->has_tensor_type() || !it->second->tensor_type().has_shape())
    return std::nullopt;
  std::vector<int64_t> dims;
  for (const auto& d : it->second->tensor_type().shape().dim()) {
    if (!d.has_dim_value() || d.dim_value() < 0) return std::nullopt;
    dims.push_back(d.dim_value());
  }
  return dims;
}

bool checked_binary(const std::string& op, int64_t a, int64_t b, int64_t& out) {
  if (op == "Add") return !__builtin_add_overflow(a, b, &out);
  if (op == "Sub") return !__builtin_sub_overflow(a, b, &out);
  if (op == "Mul") return !__builtin_mul_overflow(a, b, &out);
  if (op == "Div") {
    if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)) return false;
    out = a / b;  // ONNX integer Div truncates, as C++ does
    return true;
  }
  return false;
}

// Computes a node's single output, or nullopt when it cannot be folded.
std::optional<IntValue> evaluate(const onnx::NodeProto& n,
                                 const std::unordered_map<std::string, IntValue>& known,
                                 const std::unordered_map<std::string, const onnx::TypeProto*>& types) {
  if (!(n.domain().empty() || n.domain() == "ai.onnx") || n.output_size() != 1) return std::nullopt;
  auto in = [&](int i) -> const IntValue* {
    if (i >= n.input_size() || n.input(i).empty()) return nullptr;
    auto it = known.find(n.input(i));
    return it == known.end() ? nullptr : &it->second;
  };
  const std::string& op = n.op_type();
  if (op == "Shape") {
    if (n.input_size() != 1) return std::nullopt;
    auto dims = static_shape(types, n.input(0));
    if (!dims) return std::nullopt;
    int64_t r = static_cast<int64_t>(dims->size());
    int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::max<int64_t>(0, std::min(start, r));
    end = std::max<int64_t>(start, std::min(end, r));
    IntValue v;
    v.values.assign(dims->begin() + start, dims->begin() + end);
    v.dims = {static_cast<int64_t>(v.values.size())};
    return v;
  }
  if (op == "Identity") {
    const IntValue* x = in(0);
    return x ? std::optional<IntValue>(*x) : std::nullopt;
  }
  if (op == "Cast") {
    const IntValue* x = in(0);
    int64_t to = attr_int(n, "to", 0);
    if (!x || (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)) return std::nullopt;
    IntValue v = *x;
    v.elem_type = static_cast<int32_t>(to);
    return v;
  }
  if (op == "Gather") {
    const IntValue* data = in(0);
    const IntValue* idx = in(1);
    if (!data || !idx || data->dims.size() != 1 || attr_int(n, "axis", 0) != 0) return std::nullopt;
    IntValue v;
    v.elem_type = data->elem_type;
    v.dims = idx->dims;
    int64_t size = static_cast<int64_t>(data->values.size());
    for (int64_t i : idx->values) {
      if (i < 0) i += size;
      if (i < 0 || i >= size) return std::nullopt;
      v.values.push_back(data->values[static_cast<size_t>(i)]);
    }
    return v;
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    const IntValue* x = in(0);
    if (!x) return std::nullopt;
    IntValue v = *x;
    if (op == "Unsqueeze") {
      if (x->dims.size() != 0) return std::nullopt;  // scalar -> [1] only
      v.dims = {1};
    } else {
      if (x->dims != std::vector<int64_t>{1}) return std::nullopt;  // [1] -> scalar only
      v.dims = {};
    }
    return v;
  }
  if (op == "Concat") {
    IntValue v;
    for (int i = 0; i < n.input_size(); ++i) {
      const IntValue* x = in(i);
      if (!x || x->dims.size() != 1) return std::nullopt;
      v.elem_type = x->elem_type;
      v.values.insert(v.values.end(), x->values.begin(), x->values.end());
    }
    if (static_cast<int64_t>(v.values.size()) > kMaxElements) return std::nullopt;
    v.dims = {static_cast<int64_t>(v.values.size())};
    return v;
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    const IntValue* a = in(0);
    const IntValue* b = in(1);
    if (!a || !b || a->elem_type != b->elem_type) return std::nullopt;
    size_t na = a->values.size(), nb = b->values.size();
    if (na != nb && na != 1 && nb != 1) return std::nullopt;
    IntValue v;
    v.elem_type = a->elem_type;
    v.dims = a->dims.size() >= b->dims.size() ? (na >= nb ? a->dims : b->dims) : b->dims;
    size_t count = std::max(na, nb);
    for (size_t i = 0; i < count; ++i) {
      int64_t r;
      if (!checked_binary(op, a->values[na == 1 ? 0 : i], b->values[nb == 1 ? 0 : i], r)) return std::nullopt;
      v.values.push_back(r);
    }
    return v;
  }
  return std::nullopt;
}

onnx::NodeProto constant_node(const onnx::NodeProto& original, const IntValue& v) {
  onnx::NodeProto c;
  c.set_op_type("Constant");
  c.set_name(original.name());
  c.add_output(original.output(0));
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto* t = a->mutable_t();
  t->set_data_type(v.elem_type);
  for (int64_t d : v.dims) t->add_dims(d);
  for (int64_t x : v.values) {
    if (v.elem_type == onnx::TensorProto::INT32)
      t->add_int32_data(static_cast<int32_t>(x));
    else
      t->add_int64_data(x);
  }
  return c;
}

}  // namespace

int fold_shape_constants(onnx::GraphProto& graph, std::unordered_set<std::string>* folded_outputs) {
  std::unordered_map<std::string, const onnx::TypeProto*> types;
  for (const auto& v : graph.input()) types[v.name()] = &v.type();
  for (const auto& v : graph.value_info()) types[v.name()] = &v.type();
  for (const auto& v : graph.output()) types.emplace(v.name(), &v.type());
  std::unordered_map<std::string, IntValue> known;
  for (const auto& t : graph.initializer())
    if (auto v = from_tensor(t)) known.emplace(t.name(), std::move(*v));
  int folded = 0;
  for (auto& n : *graph.mutable_node()) {
    if (n.op_type() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx")) {
      if (const auto* a = find_attr(n, "value"); a && a->has_t() && n.output_size() == 1)
        if (auto v = from_tensor(a->t())) known.emplace(n.output(0), std::move(*v));
      continue;
    }
    auto v = evaluate(n, known, types);
    if (!v) continue;
    n = constant_node(n, *v);
    if (folded_outputs) folded_outputs->insert(n.output(0));
    known.emplace(n.output(0), std::move(*v));
    ++folded;
  }
  return folded;
}

}  // namespace zonnx::view
