// Opset step adapters: one per (op, from_version, to_version), all registered
// in one table (adapters.cpp). An adapter sees one node at one opset step,
// checks that the node can be expressed at the other version and edits it
// (attribute <-> input moves, dropped defaults, ...) or returns the reason it
// cannot.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "zonnx/model_view.h"

namespace zonnx::convert {

// What an adapter may ask about and do to the model around its node.
class StepContext {
 public:
  StepContext(onnx::NodeProto& node, int from_opset, int to_opset, int from_version, int to_version)
      : node(node),
        from_opset(from_opset),
        to_opset(to_opset),
        from_version(from_version),
        to_version(to_version) {}
  virtual ~StepContext() = default;

  onnx::NodeProto& node;
  const int from_opset;
  const int to_opset;
  const int from_version;  // the op's version at from_opset
  const int to_version;    // at to_opset
  bool changed = false;    // set by adapters that edit the node

  bool up() const { return to_opset > from_opset; }

  // Type of a value visible from the node's graph (null when unknown).
  virtual const ValueType* type(const std::string& name) const = 0;
  // Contents of a constant value (initializer or Constant output); nullopt otherwise.
  virtual std::optional<std::vector<int64_t>> const_ints(const std::string& name) const = 0;
  virtual std::optional<std::vector<double>> const_floats(const std::string& name) const = 0;
  // Inserts a Constant node (valid at to_opset) producing `tensor` right
  // before the node; returns the value name.
  virtual std::string add_constant(onnx::TensorProto tensor, const std::string& hint) = 0;

  // Multi-node rewrites. A value name no other value or node uses (based on the node's name).
  virtual std::string fresh_name(const std::string& hint) = 0;
  // Inserts `added` (valid at to_opset; later steps convert it like any node) right before the
  // node, or right after it. Call only once the adapter is sure to succeed.
  virtual void insert_node(onnx::NodeProto added, bool after) = 0;
  // Records the type of a value the rewrite creates (later steps' adapters ask for it).
  virtual void set_type(const std::string& value, ValueType type) = 0;
};

// nullopt: the node is valid at to_version (possibly edited); else the reason it is not.
using Adapter = std::function<std::optional<std::string>(StepContext&)>;

// The adapter for `op` stepping from `from_version` to `to_version` (adjacent
// versions of the op), or null when zonnx has none.
const Adapter* find_adapter(const std::string& op, int from_version, int to_version);
// Deprecated ops whose successor means the same (Upsample-9 -> Resize-10, going up): an adapter
// that turns the node into its successor at the step's to_opset, or null when there is none.
const Adapter* find_replacement(const std::string& op, int from_version, bool up);
size_t adapter_count();
// Registrations that named no real version step of an op (empty when the table is right).
std::vector<std::string> adapter_table_errors();

// Attribute helpers shared by the driver and the adapters.
const onnx::AttributeProto* find_attr(const onnx::NodeProto& node, const std::string& name);
bool remove_attr(onnx::NodeProto& node, const std::string& name);
onnx::AttributeProto& set_attr(onnx::NodeProto& node, const std::string& name,
                               onnx::AttributeProto::AttributeType type);

// An int64 tensor (1-D, or a scalar when `scalar`).
onnx::TensorProto int64_tensor(const std::vector<int64_t>& values, bool scalar = false);
// A scalar of element type `elem` (float, double, float16, bfloat16, ints) holding `value`;
// nullopt for types this helper cannot encode.
std::optional<onnx::TensorProto> scalar_tensor(int32_t elem, double value);

}  // namespace zonnx::convert
