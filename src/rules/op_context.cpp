#include "rules/op_context.h"

#include <cstdint>

namespace zonnx::rules {

int64_t max_dim_size(March march, int dim, int rank) {
  if (rank > 4 || rank <= 0 || dim < 0 || dim >= rank) return 0;
  if (march == March::Z16) return 32768;
  // z17 (arch15): e1 is the innermost dimension.
  static constexpr int64_t kZ17[] = {2097152, 1048576, 32768, 32768};
  int e = rank - dim;
  return kZ17[e - 1];
}

std::string OpContext::input_name(int i) const {
  return i >= 0 && i < static_cast<int>(node_.input_count) ? std::string(node_.input_name(i)) : std::string();
}

// The view's operand table answers without reading the node's proto (an
// empty name has no value; undefined names were rejected when the view was built).
bool OpContext::has_input(int i) const { return view_.input_value(node_, i) != kNoValue; }

const ValueType* OpContext::input(int i) const { return view_.input_type(node_, i); }

const ValueType* OpContext::output(int i) const { return view_.output_type(node_, i); }

bool OpContext::input_is_constant(int i) const {
  return view_.value_constant(view_.input_value(node_, i)) != nullptr;
}

std::optional<std::vector<int64_t>> OpContext::input_ints(int i) const {
  if (!has_input(i)) return std::nullopt;
  return view_.value_ints(view_.input_value(node_, i));
}

std::optional<std::vector<double>> OpContext::input_floats(int i) const {
  if (!has_input(i)) return std::nullopt;
  return view_.value_floats(view_.input_value(node_, i));
}

size_t OpContext::producer_of_input(int i) const { return view_.input_producer(node_, i); }

const onnx::AttributeProto* OpContext::attr(std::string_view name) const {
  if (node_.attribute_count == 0) return nullptr;
  for (const auto& a : node_.attributes())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t OpContext::attr_int(std::string_view name, int64_t fallback) const {
  const auto* a = attr(name);
  return a && a->has_i() ? a->i() : fallback;
}

double OpContext::attr_float(std::string_view name, double fallback) const {
  const auto* a = attr(name);
  return a && a->has_f() ? a->f() : fallback;
}

std::string OpContext::attr_string(std::string_view name, const std::string& fallback) const {
  const auto* a = attr(name);
  return a && a->has_s() ? a->s() : fallback;
}

std::optional<std::vector<int64_t>> OpContext::attr_ints(std::string_view name) const {
  const auto* a = attr(name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::vector<std::string>> OpContext::attr_strings(std::string_view name) const {
  const auto* a = attr(name);
  if (!a) return std::nullopt;
  return std::vector<std::string>(a->strings().begin(), a->strings().end());
}

void Findings::fail(std::string rule, std::string message,
                    std::vector<std::pair<std::string, std::string>> values, std::string hint) {
  Reason r;
  if (hint.empty())
    if (const RuleInfo* info = find_rule(rule)) hint = info->hint;
  r.rule = std::move(rule);
  r.message = std::move(message);
  r.hint = std::move(hint);
  r.values = std::move(values);
  reasons_.push_back(std::move(r));
}

}  // namespace zonnx::rules

namespace zonnx::rules {
std::string dims_text(const ValueType* t) {
  if (!t || !t->has_shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < t->dims.size(); ++i) {
    if (i) s += ",";
    const Dim& d = t->dims[i];
    s += d.is_static() ? std::to_string(d.value) : (d.param.empty() ? "?" : d.param);
  }
  return s + "]";
}

bool check_operand_type(const OpContext& ctx, int i, Findings& out, bool check_rank) {
  const ValueType* t = ctx.input(i);
  // The name is read from the node only for a message (not on every passing check).
  auto name = [&]() { return ctx.input_name(i); };
  if (!t || t->kind == ValueType::Kind::Unknown || t->elem_type == 0) {
    out.fail("nnpa.shape-unknown",
             "The type of input " + std::to_string(i) + " ('" + name() + "') is unknown.",
             {{"input", name()}});
    return false;
  }
  if (t->kind != ValueType::Kind::Tensor) {
    out.fail("nnpa.element-type", "Value is not shaped type.", {{"input", name()}});
    return false;
  }
  bool float16_or_32 = t->elem_type == onnx::TensorProto::FLOAT ||
                       t->elem_type == onnx::TensorProto::FLOAT16 ||
                       t->elem_type == onnx::TensorProto::BFLOAT16;
  if (!float16_or_32) {
    out.fail(
        "nnpa.element-type",
        "Element type is not F16 or F32. (input '" + name() + "' is " + elem_type_name(t->elem_type) + ")",
        {{"input", name()}, {"type", elem_type_name(t->elem_type)}});
    return false;
  }
  if (!check_rank) return true;
  if (!t->has_shape) {
    out.fail("nnpa.shape-unknown", "Value does not have rank. (input '" + name() + "')", {{"input", name()}});
    return false;
  }
  int rank = t->rank();
  if (rank == 0 || rank > 4) {
    out.fail("nnpa.rank",
             "Rank " + std::to_string(rank) +
                 " is not supported. zAIU only supports rank in range of (0, 4]. (input '" + name() + "' " +
                 dims_text(t) + ")",
             {{"input", name()}, {"rank", std::to_string(rank)}});
    return false;
  }
  return true;
}

}  // namespace zonnx::rules
