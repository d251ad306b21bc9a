// zonnx's fast shape inference (src/view/fast_infer.cpp) against libonnx as
// the oracle: on every node-test and real model where the fast pass answers,
// each node output must get the same type as libonnx's inference gives it.
#include "view/fast_infer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"
#include "view/infer_runner.h"
#include "zonnx/loader.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;
using test::ModelBuilder;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;

// A type as the model view reads it: symbols libonnx makes up ("unk__3")
// count as unknown dims, like ModelView does for undeclared symbols.
std::string describe(const onnx::TypeProto* t) {
  if (!t || t->value_case() == onnx::TypeProto::VALUE_NOT_SET) return "none";
  if (!t->has_tensor_type()) return "non-tensor";
  std::string s = "elem " + std::to_string(t->tensor_type().elem_type());
  if (!t->tensor_type().has_shape()) return s + " rank ?";
  s += " [";
  for (const auto& d : t->tensor_type().shape().dim()) {
    if (d.has_dim_value())
      s += std::to_string(d.dim_value());
    else if (d.has_dim_param() && d.dim_param().rfind("unk__", 0) != 0)
      s += d.dim_param();
    else
      s += "?";
    s += ",";
  }
  return s + "]";
}

const onnx::TypeProto* declared(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& vi : g.output())
    if (vi.name() == name) return &vi.type();
  for (const auto& vi : g.value_info())
    if (vi.name() == name) return &vi.type();
  return nullptr;
}

// Runs both passes on copies of `model`. Returns false when the fast pass
// does not answer (then the fast copy must be unchanged).
bool compare_with_libonnx(const onnx::ModelProto& model, const std::string& label) {
  Limits limits;
  onnx::ModelProto fast = model;
  if (!view::fast_infer_shapes(fast, limits)) {
    EXPECT_EQ(fast.SerializeAsString(), model.SerializeAsString()) << label << ": changed without answering";
    return false;
  }
  onnx::ModelProto oracle = model;
  std::vector<std::string> warnings;
  view::run_shape_inference(oracle, limits, warnings);
  EXPECT_TRUE(warnings.empty()) << label << ": fast pass answered where libonnx warns: " << warnings.front();
  for (const auto& n : model.graph().node())
    for (const auto& out : n.output())
      EXPECT_EQ(describe(declared(fast.graph(), out)), describe(declared(oracle.graph(), out)))
          << label << ": value '" << out << "' of " << n.op_type();
  return true;
}

std::vector<std::string> models_under(const std::string& dir) {
  std::vector<std::string> files;
  if (dir.empty() || !fs::is_directory(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".onnx") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FastInfer, AgreesWithLibonnxOnEveryModelItAnswers) {
  std::vector<std::string> files = models_under("/usr/share/libonnx-testdata/data/node");
  const std::string shared = test::shared_dir();
  for (const std::string& dir :
       {shared.empty() ? std::string() : shared + "/onnx-node-tests",
        shared.empty() ? std::string() : shared + "/models", test::source_dir() + "/models"})
    for (auto& f : models_under(dir)) files.push_back(std::move(f));
  if (files.empty()) GTEST_SKIP() << "no node-test models installed";
  int answered = 0;
  for (const std::string& f : files) {
    std::optional<LoadedModel> m;
    try {
      m.emplace(load_model(f));
    } catch (const std::exception&) {
      continue;  // unreadable models are the loader tests' business
    }
    answered += compare_with_libonnx(m->proto(), f);
  }
  std::printf("fast pass answered %d of %zu models\n", answered, files.size());
  // The sweep must exercise the fast pass, not skip everything.
  EXPECT_GE(answered, static_cast<int>(files.size()) / 20) << "of " << files.size() << " models";
}

// A long chain with a named batch dim, like tools/bench's graph-heavy model.
TEST(FastInfer, AgreesOnLongChainWithSymbolicBatch) {
  ModelBuilder b(13);
  b.input("x", kFloat, {-1, 64});
  b.initializer_floats("bias", {1, 64});
  b.initializer_floats("w", {64, 32});
  b.initializer_ints("shape", {0, -1, 8});
  b.initializer_floats("w2", {4, 8});
  b.node("Add", {"x", "bias"}, {"a"});
  b.node("Relu", {"a"}, {"r"});
  b.node("MatMul", {"r", "w"}, {"m"});
  b.node("Reshape", {"m", "shape"}, {"s"});
  set_attr(b.node("Transpose", {"s"}, {"t"}), "perm", std::vector<int64_t>{0, 2, 1});
  b.node("Sigmoid", {"t"}, {"g"});
  b.node("Flatten", {"g"}, {"f"});
  set_attr(b.node("Concat", {"f", "f"}, {"c"}), "axis", int64_t{1});
  b.node("Gemm", {"c", "w"}, {"y0"});  // K mismatch is not Gemm's inference's business
  b.node("Less", {"c", "c"}, {"y"});
  b.output("y");
  EXPECT_TRUE(compare_with_libonnx(b.proto(), "chain"));
}

TEST(FastInfer, LeavesModelsWithUncoveredOpsToLibonnx) {
  ModelBuilder b(13);
  b.input("x", kFloat, {1, 3, 8, 8});
  b.initializer_floats("w", {4, 3, 3, 3});
  b.node("Relu", {"x"}, {"r"});
  b.node("Conv", {"r", "w"}, {"y"});
  b.output("y");
  EXPECT_FALSE(compare_with_libonnx(b.proto(), "conv"));
}

TEST(FastInfer, LeavesContradictionsToLibonnx) {
  ModelBuilder b(13);
  b.input("x", kFloat, {2, 3});
  b.node("Relu", {"x"}, {"y"});
  b.output("y", kFloat, {3, 2});  // declared shape contradicts the input's
  EXPECT_FALSE(compare_with_libonnx(b.proto(), "contradiction"));
}

}  // namespace
}  // namespace zonnx
