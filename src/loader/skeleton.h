// The skeleton builder: re-encodes a serialized ModelProto with large tensor
// payloads replaced by small markers (see kElidedPayloadField), so protobuf
// only ever parses the graph structure.
#pragma once

#include <cstdint>
#include <string>

#include "zonnx/limits.h"

namespace zonnx::detail {

struct Skeleton {
  // True when nothing had to be elided: the input itself is the skeleton and
  // `bytes` stays empty (no copy).
  bool unchanged = false;
  std::string bytes;
  uint64_t elided_tensors = 0;
  uint64_t elided_bytes = 0;
};

// Walks bytes [0, size) of `data` as a ModelProto. Offsets in the markers are
// offsets into `data`. Throws ModelError(name, ...) for malformed wire format
// and for nesting deeper than limits.max_message_depth.
Skeleton build_skeleton(const uint8_t* data, uint64_t size, const Limits& limits, const std::string& name);

}  // namespace zonnx::detail
