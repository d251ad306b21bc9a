// Portable decoding of small tensor payloads (shapes, axes, scalars) and the
// element type table. Used by the model view and by zonnx's shape inference
// functions; never touches external data.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace zonnx::view {

// Where the payload bytes of a tensor are and how they are encoded.
struct TensorPayload {
  enum class Encoding {
    Typed,        // the typed repeated fields of the proto (int64_data, float_data, ...)
    Raw,          // little-endian element bytes (raw_data, or packed fixed32/fixed64 fields)
    PackedVarint  // protobuf packed varints (an elided int32_data/int64_data/uint64_data field)
  };
  Encoding encoding = Encoding::Typed;
  std::string_view bytes;  // for Raw and PackedVarint
};

// Number of elements from dims; nullopt when a dim is negative or the product overflows int64.
std::optional<int64_t> element_count(const onnx::TensorProto& tensor);

// Decodes integer-typed tensors (int8..int64, uint8..uint64, bool, int4/uint4,
// int2/uint2). nullopt for other types, malformed or inconsistent payloads, or
// more than `max_elements` elements. uint64 values above INT64_MAX give nullopt.
std::optional<std::vector<int64_t>> decode_ints(const onnx::TensorProto& tensor, const TensorPayload& payload,
                                                int64_t max_elements);
// Decodes float-typed tensors (float, double, float16, bfloat16).
std::optional<std::vector<double>> decode_floats(const onnx::TensorProto& tensor,
                                                 const TensorPayload& payload, int64_t max_elements);

// Payload of a tensor whose data is inline in the proto (raw_data or typed fields).
TensorPayload inline_payload(const onnx::TensorProto& tensor);

// True when the tensor's data lives outside the proto (external data or a
// loader-elided payload): such tensors must not be handed to onnx's inference.
bool payload_outside_proto(const onnx::TensorProto& tensor);

// Bits per element (4 for int4, 2 for int2, 0 for string/unknown).
int elem_type_bits(int32_t code);

// Little-endian unsigned integer of `n` (1..8) bytes at `p`, independent of host byte order.
uint64_t load_le(const unsigned char* p, int n);

// Value of a float-typed element (FLOAT, DOUBLE, FLOAT16, BFLOAT16) from its bit pattern.
double float_bits_value(uint64_t bits, int32_t type);

}  // namespace zonnx::view
