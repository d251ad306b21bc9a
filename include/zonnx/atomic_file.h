// Writing output files safely: a temp file in the destination folder, fsync,
// then rename over the destination. On failure nothing is left behind and an
// existing destination is untouched; a replaced file keeps its permissions.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace zonnx {

// Calls `write` with a stream to a temp file, then publishes it as `path`.
// Throws std::runtime_error naming the path and the cause.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace zonnx
