// The skeleton builder: re-encodes a serialized ModelProto with large tensor
// payloads replaced by small markers (see kElidedPayloadField), so protobuf
// only ever parses the graph structure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zonnx/limits.h"

namespace zonnx::detail {

// A run of the skeleton's bytes: `length` bytes of the input from `offset`,
// or of Skeleton::generated when `generated` is set.
struct SkeletonPiece {
  bool generated = false;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// ModelProto.graph and GraphProto.node.
inline constexpr uint32_t kModelGraphField = 7;
inline constexpr uint32_t kGraphNodeField = 1;

// Where the main graph's node fields lie in the skeleton (offsets into it), so
// the loader can parse them in parts. Set only when ModelProto holds exactly
// one graph field; empty otherwise. Kept small for 200,000 nodes: runs of
// adjacent node fields, and where every kNodeSampleStride-th node starts.
struct MainGraphLayout {
  static constexpr uint64_t kNodeSampleStride = 256;
  struct Span {
    uint64_t begin;
    uint64_t end;
  };
  uint64_t field_begin = 0;  // the graph field's tag
  uint64_t body_begin = 0;
  uint64_t body_end = 0;
  uint64_t node_count = 0;             // length-delimited node fields
  std::vector<Span> node_runs;         // adjacent node fields (tags included), in order
  std::vector<uint64_t> node_samples;  // start of nodes 0, stride, 2 * stride, ...
};

struct Skeleton {
  // The skeleton is `pieces` one after the other: unchanged runs of the input,
  // which are never copied, and the re-encoded tags, lengths and markers kept
  // in `generated`. When nothing had to be elided it is one piece, the input.
  std::vector<SkeletonPiece> pieces;
  std::string generated;
  uint64_t size = 0;  // of the skeleton
  uint64_t elided_tensors = 0;
  uint64_t elided_bytes = 0;
  MainGraphLayout main_graph;
};

// Walks bytes [0, size) of `data` as a ModelProto. Offsets in the markers are
// offsets into `data`. Throws ModelError(name, ...) for malformed wire format
// and for nesting deeper than limits.max_message_depth.
Skeleton build_skeleton(const uint8_t* data, uint64_t size, const Limits& limits, const std::string& name);

}  // namespace zonnx::detail
