// Both sides of the per-op rules not covered in op_rules_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace {
using zonnx::March;
using zonnx::NodeVerdict;
using zonnx::Placement;
using zonnx::test::ModelBuilder;
using zonnx::test::set_attr;

constexpr int F32 = onnx::TensorProto::FLOAT;
constexpr int I8 = onnx::TensorProto::INT8;

NodeVerdict place(const ModelBuilder& b, const std::string& op, March march = March::Z16) {
  std::string bytes = b.bytes();
  zonnx::ModelView view = zonnx::ModelView::build(zonnx::load_model_from_bytes(bytes, "t.onnx"));
  zonnx::AnalysisOptions opts;
  opts.march = march;
  zonnx::Analysis a = zonnx::analyze(view, opts);
  for (const auto& n : view.nodes())
    if (n.op_type() == op) return a.verdicts[n.index];
  ADD_FAILURE() << "no node " << op;
  return {};
}

std::string first_rule(const NodeVerdict& v) { return v.reasons.empty() ? "" : v.reasons[0].rule; }

// MatMul 2-D x 2-D with static shapes whose contracting dims differ (only rule matmul.shape can see it;
// onnx inference fails for such a node, so shapes come from the model's declared value_info).
TEST(OpRulesMore, MatMulShape) {
  for (int64_t k : {8, 9}) {
    ModelBuilder b(13);
    b.input("a", F32, {4, 8}).input("b", F32, {k, 5}).output("y", F32, {4, 5});
    b.node("MatMul", {"a", "b"}, {"y"});
    NodeVerdict v = place(b, "MatMul");
    if (k == 8) {
      EXPECT_EQ(v.placement, Placement::Nnpa);
    } else {
      EXPECT_EQ(first_rule(v), "matmul.shape");
    }
  }
}

TEST(OpRulesMore, GemmRank) {
  for (bool rank2 : {true, false}) {
    ModelBuilder b(13);
    b.input("a", F32, rank2 ? std::vector<int64_t>{4, 8} : std::vector<int64_t>{2, 4, 8});
    b.initializer_floats("b", {8, 5});
    b.output("y");
    b.node("Gemm", {"a", "b"}, {"y"});
    NodeVerdict v = place(b, "Gemm");
    if (rank2) {
      EXPECT_EQ(v.placement, Placement::Nnpa);
    } else {
      EXPECT_EQ(first_rule(v), "gemm.rank");
    }
  }
}

ModelBuilder lstm(const std::string& direction, int64_t num_dirs, bool static_r) {
  ModelBuilder b(13);
  b.input("x", F32, {5, 1, 4});
  b.initializer_floats("w", {num_dirs, 4 * 8, 4});
  if (static_r)
    b.initializer_floats("r", {num_dirs, 4 * 8, 8});
  else
    b.input("r", F32, {num_dirs, -1, 8});
  b.output("y");
  auto& n = b.node("LSTM", {"x", "w", "r"}, {"y"});
  set_attr(n, "direction", direction);
  set_attr(n, "hidden_size", int64_t{8});
  return b;
}

TEST(OpRulesMore, RnnDirectionAndWeights) {
  EXPECT_EQ(place(lstm("forward", 1, true), "LSTM").placement, Placement::Nnpa);
  EXPECT_EQ(first_rule(place(lstm("sideways", 1, true), "LSTM")), "rnn.direction");
  EXPECT_EQ(first_rule(place(lstm("forward", 1, false), "LSTM")), "rnn.weights");
}

ModelBuilder maxpool(const std::vector<int64_t>& out_shape, std::vector<int64_t> dilations) {
  ModelBuilder b(13);
  b.input("x", F32, {1, 3, 8, 8}).output("y", F32, out_shape);
  auto& n = b.node("MaxPool", {"x"}, {"y"});
  set_attr(n, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(n, "strides", std::vector<int64_t>{2, 2});
  set_attr(n, "dilations", dilations);
  return b;
}

TEST(OpRulesMore, PoolBatchChannelAndDilations) {
  EXPECT_EQ(place(maxpool({1, 3, 4, 4}, {1, 1}), "MaxPool").placement, Placement::Nnpa);
  // Declared output channels differ from the input's.
  EXPECT_EQ(first_rule(place(maxpool({1, 5, 4, 4}, {1, 1}), "MaxPool")), "pool.batch-channel");
  // Dilations 2: the output (8 - 2*(2-1) - 1)/2 + 1 = 3 is VALID-consistent for the effective kernel
  // but NNPA pooling has no dilation.
  NodeVerdict dilated = place(maxpool({1, 3, 3, 3}, {2, 2}), "MaxPool");
  EXPECT_EQ(dilated.placement, Placement::Cpu);
  EXPECT_TRUE(std::any_of(dilated.reasons.begin(), dilated.reasons.end(), [](const zonnx::Reason& r) {
    return r.rule == "pool.dilations" || r.rule == "pool.params";
  })) << first_rule(dilated);
}

TEST(OpRulesMore, MaxPoolDilations) {
  // Declared output 4x4 passes the VALID size check for kernel 2, stride 2; dilations 2 then fail.
  NodeVerdict v = place(maxpool({1, 3, 4, 4}, {2, 2}), "MaxPool");
  EXPECT_EQ(first_rule(v), "pool.dilations");
}

TEST(OpRulesMore, PoolKernelMustBeStatic) {
  ModelBuilder b(13);
  b.input("x", F32, {1, 3, 8, 8}).output("y", F32, {1, 3, 4, 4});
  b.node("AveragePool", {"x"}, {"y"});  // no kernel_shape: invalid for onnx, no static kernel for zDNN
  NodeVerdict v = place(b, "AveragePool");
  EXPECT_EQ(v.placement, Placement::Cpu);
  EXPECT_EQ(first_rule(v), "pool.kernel");
}

TEST(OpRulesMore, ConvKernelMustBeStatic) {
  // A weight of unknown spatial size (graph input with dynamic dims) and no kernel_shape attribute.
  ModelBuilder b(13);
  b.input("x", F32, {1, 3, 8, 8}).input("w", F32, {4, 3, -1, -1}).output("y", F32, {1, 4, 8, 8});
  b.node("Conv", {"x", "w"}, {"y"});
  NodeVerdict v = place(b, "Conv");
  EXPECT_EQ(v.placement, Placement::Cpu);
  EXPECT_EQ(first_rule(v), "conv.kernel");
}

TEST(OpRulesMore, BatchNormTrainingMode) {
  for (bool training : {false, true}) {
    ModelBuilder b(15);
    b.input("x", F32, {1, 3, 4, 4});
    for (const char* p : {"s", "bias", "mean", "var"}) b.initializer_floats(p, {3});
    b.output("y");
    std::vector<std::string> outs = {"y"};
    if (training) outs = {"y", "rm", "rv"};
    auto& n = b.node("BatchNormalization", {"x", "s", "bias", "mean", "var"}, outs);
    if (training) set_attr(n, "training_mode", int64_t{1});
    NodeVerdict v = place(b, "BatchNormalization");
    if (training) {
      EXPECT_EQ(first_rule(v), "batchnorm.training");
    } else {
      EXPECT_EQ(v.placement, Placement::Nnpa);
    }
  }
}

TEST(OpRulesMore, QLinearMatMulTypes) {
  for (bool f32_scales : {true, false}) {
    ModelBuilder b(13);
    b.input("a", I8, {4, 8});
    b.initializer_floats("as", {});
    b.input("az", I8, {});
    b.input("b", I8, {8, 5});
    b.initializer_floats("bs", {});
    b.input("bz", I8, {});
    if (f32_scales)
      b.initializer_floats("ys", {});
    else
      b.input("ys", onnx::TensorProto::DOUBLE, {});
    b.input("yz", I8, {});
    b.output("y", I8, {4, 5});
    b.node("QLinearMatMul", {"a", "as", "az", "b", "bs", "bz", "ys", "yz"}, {"y"});
    NodeVerdict z17 = place(b, "QLinearMatMul", March::Z17);
    if (f32_scales) {
      EXPECT_EQ(z17.placement, Placement::Nnpa);
      EXPECT_EQ(first_rule(place(b, "QLinearMatMul", March::Z16)), "nnpa.level");
    } else {
      EXPECT_EQ(first_rule(z17), "quant.types");
    }
  }
}

}  // namespace

namespace {
// Relu -> Sqrt -> Reciprocal -> Relu on a static or dynamic shape.
ModelBuilder inv_sqrt(const std::vector<int64_t>& shape) {
  ModelBuilder b(13);
  b.input("x", F32, shape).output("y");
  b.node("Relu", {"x"}, {"r"});
  b.node("Sqrt", {"r"}, {"s"});
  b.node("Reciprocal", {"s"}, {"i"});
  b.node("Relu", {"i"}, {"y"});
  return b;
}

TEST(OpRulesMore, ReciprocalSqrtOnZ16AndZ17) {
  // z17: zhigh.InvSqrt.
  NodeVerdict z17 = place(inv_sqrt({2, 8}), "Reciprocal", March::Z17);
  EXPECT_EQ(z17.placement, Placement::Nnpa);
  // z16, static and between NNPA ops: Exp(Mul(Log(x), -0.5)) on NNPA, the Sqrt too.
  EXPECT_EQ(place(inv_sqrt({2, 8}), "Reciprocal", March::Z16).placement, Placement::Nnpa);
  EXPECT_EQ(place(inv_sqrt({2, 8}), "Sqrt", March::Z16).placement, Placement::Nnpa);
  // z16 with a dynamic dim: no rewrite; Sqrt needs z17, Reciprocal has no lowering.
  EXPECT_EQ(first_rule(place(inv_sqrt({-1, 8}), "Sqrt", March::Z16)), "nnpa.level");
  EXPECT_EQ(first_rule(place(inv_sqrt({-1, 8}), "Reciprocal", March::Z16)), "nnpa.no-lowering");
}
}  // namespace
