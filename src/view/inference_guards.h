// Checks that libonnx 1.12's shape inference functions rely on but do not
// make themselves. Several of them index an input's dimensions or an
// attribute list by a position the spec fixes (RNN's X is rank 3, Gemm's A
// rank 2) or by an attribute (an axis), without checking; a crafted model then
// reads out of bounds. The guards fail inference for such a node instead:
// like a node libonnx's own checks reject, its outputs get no inferred type.
#pragma once

#include <onnx/defs/shape_inference.h>

#include <string_view>

namespace zonnx::view {

// One ai.onnx op's checks (the table is in inference_guards.cpp).
struct InferenceGuard;

// The checks for an ai.onnx op (any version), or null when the op needs none.
// The guards live for the whole process.
const InferenceGuard* inference_guard_for(std::string_view onnx_op);

// Throws onnx::InferenceError when the node is outside what the op's
// inference function can safely read.
void check_inference_guard(const InferenceGuard& guard, onnx::InferenceContext& ctx);

}  // namespace zonnx::view
