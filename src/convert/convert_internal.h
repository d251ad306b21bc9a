// Helpers shared by the files of src/convert.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>

namespace zonnx {

// Calls f for every tensor of the model: initializers, sparse initializers,
// tensor attributes, in every graph, subgraph and model-local function.
void for_each_tensor(const onnx::ModelProto& m, const std::function<void(const onnx::TensorProto&)>& f);
bool has_external_data(const onnx::ModelProto& m);

}  // namespace zonnx
