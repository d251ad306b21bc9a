// Helpers shared by the tests: paths of bundled and shared models, building
// small models in memory, running the zonnx binary.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace zonnx::test {

std::string source_dir();                            // checkout root
std::string bundled_model(const std::string& file);  // models/<file>
// ../shared, or "" when it is not there (tests that need it call GTEST_SKIP).
std::string shared_dir();
// Every .onnx in models/ and, when ../shared is there, in ../shared/models.
std::vector<std::string> real_models();
std::string zonnx_binary();

// A fresh empty directory under the system temp dir, removed at exit.
std::string temp_dir();
void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

// Runs `body` in a forked child and waits at most `timeout_seconds` for it.
// Returns "" when the body returned, else what went wrong: a signal (crash),
// a hang (the child is killed), an escaping exception or another exit status.
// The child leaves with std::exit, so static destructors of what it made
// itself (scratch folders) run; those of the parent's folders do nothing in a
// child (see temp_dir).
std::string run_in_child(const std::function<void()>& body, int timeout_seconds);

// k from environment variable `name` set to an integer k > 1, else 1: tools/test-s390x
// sets such strides to run every k-th case under qemu.
size_t stride_from_env(const char* name);

// Result of running the zonnx binary with arguments (no shell).
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult run_zonnx(const std::vector<std::string>& args, const std::vector<std::string>& env = {});
// Runs zonnx, expects `expected_exit`, and parses its standard output as JSON.
nlohmann::json run_zonnx_json(const std::vector<std::string>& args, int expected_exit = 0);

// Small model builder for tests: a single graph at an opset.
class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 13, int ir_version = 8);
  // Adds a graph input "name" of type elem (onnx code) and shape (-1 = dynamic "d<i>", use
  // named() for a named dim).
  ModelBuilder& input(const std::string& name, int elem, const std::vector<int64_t>& shape);
  ModelBuilder& output(const std::string& name, int elem, const std::vector<int64_t>& shape);
  ModelBuilder& output(const std::string& name);  // type left to inference
  ModelBuilder& initializer_floats(const std::string& name, const std::vector<int64_t>& dims,
                                   float fill = 0.5f);
  ModelBuilder& initializer_ints(const std::string& name, const std::vector<int64_t>& values);
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");
  onnx::ModelProto& proto() { return model_; }
  std::string bytes() const;
  std::string save(const std::string& path) const;  // returns path

 private:
  onnx::ModelProto model_;
};

void set_attr(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_attr(onnx::NodeProto& node, const std::string& name, float value);
void set_attr(onnx::NodeProto& node, const std::string& name, const std::string& value);
void set_attr(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);

}  // namespace zonnx::test
