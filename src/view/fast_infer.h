// zonnx's own type and shape propagation for the common ops of large plain
// graphs (elementwise with broadcasting, unary activations, MatMul/Gemm,
// Transpose, Reshape with a constant shape, Concat, Flatten, Cast, Constant).
// libonnx's InferShapes costs ~7 us per node plus a full copy of the model;
// this pass costs a hash lookup per operand. It answers all or nothing: when
// a single node is outside what it knows exactly as libonnx 1.12 does, it
// leaves the model untouched and the caller runs libonnx.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "zonnx/limits.h"
#include "zonnx/loader.h"

namespace zonnx::view {

// One dimension as libonnx sees it: a value, a symbol, or nothing.
struct FastDim {
  int64_t value = -1;      // >= 0: has_dim_value
  std::string_view param;  // non-empty: has_dim_param
  bool has_value() const { return value >= 0; }
};

struct FastType {
  int32_t elem = 0;
  bool has_shape = false;
  std::vector<FastDim> dims;
};

struct FastInference {
  // Each distinct type once (most values of a large graph share a few types).
  std::deque<FastType> types;
  // Type (index into `types`) of the (single) output of each main-graph
  // node, in node order, already merged with the type the model declares for it.
  std::vector<uint32_t> node_output_types;
  // Spellings of the symbols the types point at (the rest point into the model).
  std::unordered_set<std::string> symbols;

  size_t node_count() const { return node_output_types.size(); }
  const FastType& node_output(size_t node) const { return types[node_output_types[node]]; }
};

// Ids of the main graph's values, from 0 to value_count - 1; kNoId for an
// empty name. The model view passes its own so names are hashed only once.
inline constexpr uint32_t kNoId = UINT32_MAX;
struct ValueNumbering {
  size_t value_count = 0;
  // The ids of main-graph node `node`'s inputs, then its outputs.
  std::function<const uint32_t*(size_t node)> operands;
  // The id of a main-graph name (input, initializer, value_info, output).
  std::function<uint32_t(const std::string& name)> id_of;
};

// The pass itself, leaving the model as it is; nullopt when it does not cover
// the model (see below). Without a numbering it numbers the names itself.
// `main_nodes`: the main graph's nodes when the loader kept them compact
// (then `numbering` is required).
std::optional<FastInference> fast_infer(const onnx::ModelProto& model, const Limits& limits,
                                        const ValueNumbering* numbering = nullptr,
                                        const CompactNodes* main_nodes = nullptr);

// Infers the type of every node output of the main graph and merges it into
// the model like run_shape_inference does (declared information wins; new
// value_info entries in node order). Returns false, with `model` unchanged,
// when the model has functions or subgraphs, a node it does not cover, a node
// libonnx would fold or propagate data through (integer shape arithmetic), or
// anything libonnx would reject or warn about.
bool fast_infer_shapes(onnx::ModelProto& model, const Limits& limits);

}  // namespace zonnx::view
