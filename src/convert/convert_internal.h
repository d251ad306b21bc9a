// Helpers shared by the files of src/convert.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zonnx/atomic_file.h"
#include "zonnx/loader.h"

namespace zonnx {

// Calls f for every tensor of the model: initializers, sparse initializers,
// tensor attributes, in every graph, subgraph and model-local function.
void for_each_tensor(const onnx::ModelProto& m, const std::function<void(const onnx::TensorProto&)>& f);
bool has_external_data(const onnx::ModelProto& m);

// Canonical paths of the weight files the model's external-data tensors name (checked).
std::vector<std::string> external_data_files(const LoadedModel& model);

// --external-data copy: the weight file written next to OUT ("OUT's file name" + ".data").
std::string external_data_file_name(const std::string& output);
struct ExternalCopyStats {
  std::string file;      // data file name, relative to OUT's folder
  uint64_t tensors = 0;  // external tensors rewritten
  uint64_t bytes = 0;    // payload bytes copied (each distinct range once)
};
// Writes `model` to `output` and its external-data payloads (read from the
// input's weight files, every range checked first) to OUT's data file, both
// atomically; rewrites the tensors' locations. Throws ModelError for bad
// locations/ranges, std::runtime_error for write failures; nothing is left then.
ExternalCopyStats write_with_copied_external_data(LoadedModel& model, const std::string& output,
                                                  Durability durability);

}  // namespace zonnx
