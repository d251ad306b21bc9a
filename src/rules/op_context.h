// What a per-op NNPA check sees of a node, and how it reports a failure.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx::rules {

// A shape as "[1,batch,224,?]" for messages ("?" for unknown rank or dims).
std::string dims_text(const ValueType* t);

// NNPAGetMaxForDim: the largest size allowed for dimension `dim` of a tensor of
// rank `rank` (innermost dimension is e1). 0 when rank > 4.
int64_t max_dim_size(March march, int dim, int rank);

class OpContext {
 public:
  OpContext(const ModelView& view, const NodeInfo& node, March march)
      : view_(view), node_(node), march_(march) {}

  const ModelView& view() const { return view_; }
  const NodeInfo& node() const { return node_; }
  March march() const { return march_; }
  int model_opset() const { return static_cast<int>(node_.domain_opset); }

  int input_count() const { return static_cast<int>(node_.input_count); }
  bool has_input(int i) const;  // present and not the empty "absent optional" name
  // "" when the node has no input `i` (malformed nodes are normal input).
  std::string input_name(int i) const;  // "" when absent; read only for messages
  const ValueType* input(int i) const;  // null when absent or unknown
  const ValueType* output(int i) const;
  bool input_is_constant(int i) const;
  std::optional<std::vector<int64_t>> input_ints(int i) const;
  std::optional<std::vector<double>> input_floats(int i) const;
  size_t producer_of_input(int i) const;  // SIZE_MAX for graph inputs/initializers

  const onnx::AttributeProto* attr(std::string_view name) const;
  int64_t attr_int(std::string_view name, int64_t fallback) const;
  double attr_float(std::string_view name, double fallback) const;
  std::string attr_string(std::string_view name, const std::string& fallback) const;
  std::optional<std::vector<int64_t>> attr_ints(std::string_view name) const;
  std::optional<std::vector<std::string>> attr_strings(std::string_view name) const;

 private:
  const ModelView& view_;
  const NodeInfo& node_;
  March march_;
};

// Collects the reasons a node cannot go to NNPA and notes about rescues.
class Findings {
 public:
  // Records a failed rule. `message` should carry onnx-mlir's own wording.
  void fail(std::string rule, std::string message,
            std::vector<std::pair<std::string, std::string>> values = {}, std::string hint = {});
  void note(std::string text) { notes_.push_back(std::move(text)); }
  bool failed() const { return !reasons_.empty(); }
  std::vector<Reason>& reasons() { return reasons_; }
  std::vector<std::string>& notes() { return notes_; }

 private:
  std::vector<Reason> reasons_;
  std::vector<std::string> notes_;
};

// Per-op NNPA legality beyond the generic checks (isSuitableForZDNN<Op>).
using OpCheck = void (*)(const OpContext&, Findings&);

struct OpSpec {
  std::string_view op;
  // Inputs checked with onnx-mlir's isValidElementTypeAndRank (F16/F32, rank 1..4).
  // Empty: every present input.
  std::vector<int> typed_inputs;
  // Run the generic maximum-dimension-index-size check on every operand.
  bool check_dim_limits = true;
  OpCheck check = nullptr;
};

// Sentinel for OpSpec::typed_inputs: no generic type/rank check.
constexpr int kNoTypedInputs = -1;

const OpSpec* find_op_spec(std::string_view op);

// onnx-mlir's isValidElementTypeAndRank on input `i`: F16/F32 (BF16 also passes:
// it is an MLIR float of width 16), and with check_rank a rank in 1..4.
// Reports the failure and returns false.
bool check_operand_type(const OpContext& ctx, int i, Findings& out, bool check_rank);

}  // namespace zonnx::rules

namespace zonnx {
// Rule IDs contributed by the per-op checks (appended to rule_catalog()).
std::vector<RuleInfo> op_rule_catalog();
}  // namespace zonnx
