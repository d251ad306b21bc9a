// Folding of small integer "shape arithmetic" (Shape -> Gather -> Div -> Slice ...)
// into constants, on the throwaway copy shape inference runs on. onnx-mlir
// folds these chains at compile time, so shapes computed by them are static
// for the compiler; libonnx 1.12's data propagation stops at ops like Div and
// Slice, which would leave everything downstream of a channel shuffle unknown.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_set>

namespace zonnx::view {

// Replaces, in `graph` (main graph only), each node whose int64/int32 output
// can be computed from constants and static shapes by a Constant node holding
// that value. Returns how many nodes were folded. Values are capped at 64
// elements; nothing is read from outside the proto.
// The outputs of folded nodes are added to `folded` when given.
int fold_shape_constants(onnx::GraphProto& graph, std::unordered_set<std::string>* folded = nullptr);

}  // namespace zonnx::view
