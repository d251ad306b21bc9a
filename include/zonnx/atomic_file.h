// Writing output files safely: a temp file in the destination folder, renamed
// over the destination once complete. On failure nothing is left behind and an
// existing destination is untouched; a replaced file keeps its permissions.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace zonnx {

// What a published file survives. Either way a reader sees the old file or the
// whole new one, never part of it.
enum class Durability {
  // The rename alone: safe when this process fails or is killed at any point.
  // Like cp or onnx.save, the bytes may still sit in the page cache when the
  // call returns, so a power cut soon after can lose them.
  Atomic,
  // Also fsync the file before the rename and its folder after it: once
  // published, the file survives a power cut too (convert --fsync).
  Synced,
};

// Calls `write` with a stream to a temp file, then publishes it as `path`.
// Throws std::runtime_error naming the path and the cause.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           Durability durability = Durability::Atomic);

}  // namespace zonnx
