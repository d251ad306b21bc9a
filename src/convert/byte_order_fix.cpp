// `convert --fix-byte-order`: reverses the element bytes of the tensors the
// byte-order check flags (docs/byte-order.md). Only raw_data is ever flagged:
// typed fields (float_data, int64_data, ...) are encoded by protobuf itself,
// fixed-width little-endian or varints, whatever the writer's host.
#include <fmt/format.h>
#include <google/protobuf/unknown_field_set.h>

#include "view/tensor_data.h"
#include "zonnx/byte_order.h"
#include "zonnx/errors.h"
#include "zonnx/model_view.h"

namespace zonnx {

ByteOrderReport fix_byte_order(LoadedModel& model, const ByteOrderOptions& options) {
  std::vector<const onnx::TensorProto*> flagged;
  ByteOrderReport report = check_byte_order(model, options, &flagged);
  for (const onnx::TensorProto* found : flagged) {
    // The tensor belongs to model.proto, which the caller lets us change.
    auto& tensor = const_cast<onnx::TensorProto&>(*found);
    const int size = view::elem_type_bits(tensor.data_type()) / 8;
    const std::optional<std::string_view> payload = tensor_raw_bytes(model, tensor);
    if (!payload) throw ModelError(model.path, "payload of tensor '" + tensor.name() + "' vanished");
    std::string fixed(*payload);
    if (!reverse_element_bytes(fixed, size))
      throw ModelError(model.path,
                       "payload of tensor '" + tensor.name() + "' is not a whole number of elements");
    if (!tensor.has_raw_data()) {
      // The payload stayed in the input's map: the fixed copy replaces the
      // marker (the check only flags tensors whose one elided field is raw_data).
      tensor.GetReflection()->MutableUnknownFields(&tensor)->DeleteByNumber(kElidedPayloadField);
      if (model.elided_tensors > 0) --model.elided_tensors;
      model.elided_bytes -= std::min<uint64_t>(model.elided_bytes, fixed.size());
    }
    tensor.set_raw_data(std::move(fixed));
  }
  return report;
}

std::vector<std::string> byte_order_fix_notes(const ByteOrderReport& report) {
  std::vector<std::string> notes;
  if (!report.any_swapped()) {
    notes.push_back(
        fmt::format("--fix-byte-order: no tensor looks byte-swapped ({} checked, {} external "
                    "skipped); no payload changed",
                    report.checked, report.external));
    return notes;
  }
  notes.push_back("--fix-byte-order: " + report.summary() + "; reversed their element bytes");
  for (const ByteOrderTensor& t : report.swapped)
    notes.push_back(fmt::format(
        "byte order fixed: {} '{}' in {} ({}, {} elements; plausible as stored "
        "{:.0f}%, swapped {:.0f}%{})",
        t.kind, t.name, t.graph, elem_type_name(t.elem_type), t.elements, t.stored_plausible * 100,
        t.swapped_plausible * 100, t.evidence == ByteOrderEvidence::Model ? ", by model evidence" : ""));
  if (report.external)
    notes.push_back(
        fmt::format("--fix-byte-order: {} external-data tensor(s) not checked (weight files are "
                    "never opened)",
                    report.external));
  return notes;
}

}  // namespace zonnx
