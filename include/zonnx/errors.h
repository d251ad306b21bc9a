// Error types and the process exit codes they map to (documented in docs/exit-codes.md).
#pragma once

#include <stdexcept>
#include <string>

namespace zonnx {

enum ExitCode : int {
  kExitOk = 0,             // report produced, no gate failed
  kExitGateFailed = 1,     // a --fail-on / --min-nnpa-coverage gate failed
  kExitUsage = 2,          // bad command line
  kExitBadModel = 3,       // model unreadable or invalid
  kExitNotConvertible = 4  // conversion impossible (nothing written)
};

// The model file cannot be read or is not a valid ONNX model. Always names the
// file and the cause, e.g. "model.onnx: truncated field at byte 1234".
class ModelError : public std::runtime_error {
 public:
  ModelError(const std::string& file, const std::string& cause)
      : std::runtime_error(file + ": " + cause), file_(file), cause_(cause) {}
  const std::string& file() const { return file_; }
  const std::string& cause() const { return cause_; }

 private:
  std::string file_;
  std::string cause_;
};

// The command line is wrong (unknown march, malformed --input-shape, ...).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace zonnx
