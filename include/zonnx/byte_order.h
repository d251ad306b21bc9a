// Byte-order check of tensor payloads (docs/byte-order.md).
//
// ONNX stores raw_data little-endian. A tool that copies a tensor's memory
// into raw_data on a big-endian host (s390x) writes it byte-swapped: the file
// loads, but every weight is garbage. The check reads a bounded, evenly
// spread sample of each float/int raw_data tensor (initializers and Constant
// values, in every graph) and compares how plausible the values are as stored
// and with each element's bytes reversed. Its cost grows with the number of
// tensors, never with their size; external data is never opened.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zonnx/loader.h"

namespace zonnx {

// The model-level finding's ID (reported like a rule, with a fix hint).
constexpr const char* kByteSwappedRule = "model.byte-swapped-weights";

enum class ByteOrderVerdict {
  Native,       // plausible as stored, implausible swapped
  Swapped,      // implausible as stored, plausible swapped
  Undecidable,  // too few informative elements, or no clear margin either way
};

enum class ByteOrderEvidence {
  Tensor,  // the tensor's own sample decides (enough elements, clear margin)
  Model,   // a small tensor that only reads plausibly swapped, in a model whose
           // decidable tensors are all swapped
};

struct ByteOrderTensor {
  std::string name;   // tensor name (a Constant's output name)
  std::string graph;  // "main", "main/Loop_0.body", "function:domain:name"
  std::string kind;   // "initializer" or "constant"
  int32_t elem_type = 0;
  uint64_t elements = 0;     // in the tensor
  uint64_t sampled = 0;      // elements read
  uint64_t informative = 0;  // sampled elements whose bytes change when reversed
  // Shares of the informative elements that are plausible values.
  double stored_plausible = 0.0;
  double swapped_plausible = 0.0;
  ByteOrderVerdict verdict = ByteOrderVerdict::Undecidable;
  ByteOrderEvidence evidence = ByteOrderEvidence::Tensor;
  // A few informative elements read both ways ("3.4e+38", "-0.0123", "nan").
  std::vector<std::string> stored_examples;
  std::vector<std::string> swapped_examples;
};

struct ByteOrderReport {
  uint64_t checked = 0;       // tensors sampled (float16/32/64, bfloat16, int32, int64 raw_data)
  uint64_t external = 0;      // skipped: external data (weight files are never opened)
  uint64_t native = 0;        // decidable and plausible as stored
  uint64_t undecidable = 0;   // checked, but no verdict (and not flagged)
  uint64_t sample_limit = 0;  // elements read at most per tensor
  // Tensors that look byte-swapped, in model order.
  std::vector<ByteOrderTensor> swapped;

  bool any_swapped() const { return !swapped.empty(); }
  // "3 initializers look byte-swapped: ..." (empty when nothing is flagged).
  std::string summary() const;
};

struct ByteOrderOptions {
  uint64_t sample_limit = 4096;   // elements read per tensor at most
  uint64_t min_informative = 16;  // fewer informative elements: undecidable
};

// Checks every candidate tensor of a loaded model (payloads read from the
// proto or the memory map). `flagged`, when given, receives the flagged
// tensors themselves, in the order of report.swapped. Throws ModelError when an
// elided payload points outside the file.
ByteOrderReport check_byte_order(const LoadedModel& model, const ByteOrderOptions& options = {},
                                 std::vector<const onnx::TensorProto*>* flagged = nullptr);

// Evaluates one tensor on its own (no model-level evidence); Undecidable for
// tensors the check does not cover (types, typed fields, external data).
ByteOrderTensor assess_byte_order(const LoadedModel& model, const onnx::TensorProto& tensor,
                                  const ByteOrderOptions& options = {});

// Calls f for every tensor the check looks at: initializers of every graph
// (main, If/Loop/Scan bodies) and the value of Constant nodes (graphs and
// model-local functions), with the graph path and "initializer"/"constant".
void for_each_checked_tensor(
    const onnx::ModelProto& model,
    const std::function<void(const onnx::TensorProto&, const std::string& graph, const char* kind)>& f);

// Reverses the bytes of every element of a little-endian element payload in
// place (element size 2, 4 or 8 bytes). False when the size does not divide.
bool reverse_element_bytes(std::string& bytes, int element_size);

// `convert --fix-byte-order`: in `model` (a converter's working copy), reverses
// the element bytes of every tensor check_byte_order flags. A flagged payload
// left in the memory map is read, fixed and stored inline as raw_data; every
// other tensor is left untouched. Returns the report the fix is based on.
ByteOrderReport fix_byte_order(LoadedModel& model, const ByteOrderOptions& options = {});

// The lines convert's report lists for a fix: the finding, then one line per
// fixed tensor ("nothing looked byte-swapped" when nothing was flagged).
std::vector<std::string> byte_order_fix_notes(const ByteOrderReport& report);

}  // namespace zonnx
