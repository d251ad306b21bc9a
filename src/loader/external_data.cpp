#include "zonnx/external_data.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <system_error>

#include "zonnx/errors.h"

namespace zonnx {
namespace {

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// realpath(3), or nullopt with errno set.
std::optional<std::string> canonical_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr), &std::free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

bool has_parent_component(const std::string& location) {
  size_t start = 0;
  while (start <= location.size()) {
    size_t slash = location.find('/', start);
    if (slash == std::string::npos) slash = location.size();
    if (location.compare(start, slash - start, "..") == 0) return true;
    start = slash + 1;
  }
  return false;
}

// `path` is `root` or below it (both canonical).
bool is_inside(const std::string& root, const std::string& path) {
  if (path == root) return true;
  if (root == "/") return path[0] == '/';
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

}  // namespace

std::string resolve_external_location(const std::string& model_dir, const std::string& location) {
  const std::string shown = (model_dir.empty() ? std::string(".") : model_dir) + "/" + location;
  if (location.empty()) throw ModelError(shown, "external data location is empty");
  if (location.find('\0') != std::string::npos) {
    throw ModelError(shown, "external data location contains a NUL byte");
  }
  if (location[0] == '/') {
    throw ModelError(location, "external data location must be a path relative to the model directory");
  }
  if (has_parent_component(location)) {
    throw ModelError(shown, "external data location must not contain '..'");
  }

  const std::optional<std::string> root = canonical_path(model_dir.empty() ? "." : model_dir);
  if (!root) throw ModelError(model_dir, "cannot resolve model directory: " + errno_text(errno));
  const std::optional<std::string> target = canonical_path(*root + "/" + location);
  if (!target) throw ModelError(shown, "cannot open external data: " + errno_text(errno));
  if (!is_inside(*root, *target)) {
    throw ModelError(shown,
                     "external data resolves to " + *target + ", outside the model directory " + *root);
  }
  struct stat info {};
  if (::stat(target->c_str(), &info) != 0)
    throw ModelError(shown, "cannot stat external data: " + errno_text(errno));
  if (!S_ISREG(info.st_mode)) throw ModelError(shown, "external data is not a regular file");
  return *target;
}

uint64_t check_external_range(const std::string& path, uint64_t offset, std::optional<uint64_t> length) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw ModelError(path, "cannot stat external data: " + errno_text(errno));
  if (!S_ISREG(info.st_mode)) throw ModelError(path, "external data is not a regular file");
  const auto size = static_cast<uint64_t>(info.st_size);
  if (offset > size) {
    throw ModelError(path, "external data offset " + std::to_string(offset) +
                               " is past the end of the file (" + std::to_string(size) + " bytes)");
  }
  const uint64_t available = size - offset;
  if (!length) return available;
  if (*length > available) {
    throw ModelError(path, "external data range offset " + std::to_string(offset) + " + length " +
                               std::to_string(*length) + " exceeds the file size (" + std::to_string(size) +
                               " bytes)");
  }
  return *length;
}

}  // namespace zonnx
