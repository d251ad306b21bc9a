// Teaches libonnx 1.12 the ai.onnx op versions of opsets 18..27.
//
// libonnx 1.12 registers ai.onnx schemas up to opset 17 only. Given a model at
// opset 18+, its checker and shape inference silently use the newest schema
// <= 17, which is wrong for every op whose signature changed (ReduceMean-18
// takes axes as an input; the -13 schema would reduce all axes). zonnx
// registers its own schema for every op version introduced in 18..27, with
// inputs, attributes and type constraints from the ONNX operator changelog
// (types libonnx 1.12 cannot express, such as float8, are left out) and
// inference functions written for zonnx (see ops_past_17.h).
#pragma once

#include <string>
#include <vector>

namespace zonnx::view {

// The newest ai.onnx opset zonnx knows schemas for.
constexpr int kMaxKnownOnnxOpset = 27;

// Registers the schemas once (thread-safe; later calls return immediately).
// Must run before any libonnx checker or inference call on an opset 18+ model.
void ensure_onnx_schemas_past_17();
// True once ensure_onnx_schemas_past_17() has registered them.
bool onnx_schemas_past_17_ready();

struct RegisteredSchema {
  std::string op;
  int version = 0;
  bool registered = false;     // libonnx now returns this schema for (op, version)
  bool has_inference = false;  // the schema has a type-and-shape inference function
  std::string error;           // why the row could not be built (empty normally)
};
// Every op version of the table and whether its registration took effect
// (for tests and diagnostics). Calls ensure_onnx_schemas_past_17().
std::vector<RegisteredSchema> onnx_schemas_past_17();

}  // namespace zonnx::view
