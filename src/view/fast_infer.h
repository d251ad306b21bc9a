// zonnx's own type and shape propagation for the common ops of large plain
// graphs (elementwise with broadcasting, unary activations, MatMul/Gemm,
// Transpose, Reshape with a constant shape, Concat, Flatten, Cast, Constant).
// libonnx's InferShapes costs ~7 us per node plus a full copy of the model;
// this pass costs a hash lookup per operand. It answers all or nothing: when
// a single node is outside what it knows exactly as libonnx 1.12 does, it
// leaves the model untouched and the caller runs libonnx.
#pragma once

#include <onnx/onnx_pb.h>

#include "zonnx/limits.h"

namespace zonnx::view {

// Infers the type of every node output of the main graph and merges it into
// the model like run_shape_inference does (declared information wins; new
// value_info entries in node order). Returns false, with `model` unchanged,
// when the model has functions or subgraphs, a node it does not cover, a node
// libonnx would fold or propagate data through (integer shape arithmetic), or
// anything libonnx would reject or warn about.
bool fast_infer_shapes(onnx::ModelProto& model, const Limits& limits);

}  // namespace zonnx::view
