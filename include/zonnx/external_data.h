// Safety checks for tensors stored as external data (used by convert, which
// is the only part that reads weight files). A model is untrusted input, so
// its "location" entries must not reach outside the model's directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zonnx {

// Resolves an external_data "location" against the model's directory and
// returns the canonical path of the weight file. Throws ModelError (naming the
// location and the cause) unless `location` is a non-empty relative path with
// no ".." component, resolves (symlinks included) to a path inside
// realpath(model_dir), and names a regular file.
std::string resolve_external_location(const std::string& model_dir, const std::string& location);

// Checks that bytes [offset, offset + length) lie inside the regular file at
// `path` (overflow-safe); without a length the range runs to the end of the
// file. Returns the length of the range. Throws ModelError otherwise.
uint64_t check_external_range(const std::string& path, uint64_t offset, std::optional<uint64_t> length);

}  // namespace zonnx
