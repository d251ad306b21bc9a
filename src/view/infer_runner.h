// Runs libonnx's shape inference on a model skeleton, guarded for untrusted
// input, and merges the inferred types into the model.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "zonnx/limits.h"

namespace zonnx::view {

// Infers types and shapes for `model` (main graph, nested graphs) with
// libonnx 1.12 plus zonnx's schemas for opsets 18..27, and merges the results
// into the model's value_info, graph outputs and subgraph inputs. Declared
// information wins over inferred information; inference only fills gaps.
//
// Guards:
//  - inference runs on a working copy in which tensors whose payload is not in
//    the proto (external data, payloads the loader left in the mapped file) are
//    replaced by typed placeholders, so no data is read from them;
//  - values computed by data propagation are capped at `limits.max_rank`
//    entries, so a crafted model cannot make inference build huge shapes;
//  - recursive model-local functions are not expanded;
//  - any exception becomes a warning; when inference stops on a contradiction
//    with the model's declared value_info it is retried without them.
// Never throws (except std::bad_alloc).
// `folded_values` receives the outputs (main graph) of nodes whose integer
// shape arithmetic the compiler folds into constants (see shape_folding.h).
// This is libonnx only: the model view tries zonnx's own pass (fast_infer.h)
// first and calls this when that pass does not cover the model.
void run_shape_inference(onnx::ModelProto& model, const Limits& limits, std::vector<std::string>& warnings,
                         std::unordered_set<std::string>* folded_values = nullptr);

}  // namespace zonnx::view
