// Bounds applied to untrusted models. Every limit has a clear error when hit.
#pragma once

#include <cstdint>

namespace zonnx {

struct Limits {
  // Nesting of messages in the wire format (graphs in attributes in nodes in graphs...).
  int max_message_depth = 64;
  // Nesting of subgraphs (If/Loop/Scan bodies) and function calls.
  int max_graph_depth = 32;
  uint64_t max_nodes = 5'000'000;
  uint64_t max_values = 20'000'000;
  int max_rank = 64;
  // Tensor payloads larger than this stay in the mapped file and are never
  // parsed by protobuf; smaller ones (shapes, axes, scalars) are parsed so
  // rules and shape inference can read them.
  uint64_t inline_payload_bytes = 4096;
  // A protobuf file cannot be larger than 2 GiB; weights beyond that must be
  // external data.
  uint64_t max_file_bytes = (uint64_t{1} << 31) - 1;
};

}  // namespace zonnx
