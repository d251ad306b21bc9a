// Both sides of the per-op NNPA rules (op_rules.cpp, neighbours.cpp): for each
// rule, a small model it accepts and one it rejects, on each --march where the
// outcome differs.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

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
constexpr int F16 = onnx::TensorProto::FLOAT16;
constexpr int I32 = onnx::TensorProto::INT32;

// Verdict of the `nth` node of type `op` (0-based).
NodeVerdict place(const ModelBuilder& b, const std::string& op, March march = March::Z16, int nth = 0) {
  std::string bytes = b.bytes();
  zonnx::ModelView view = zonnx::ModelView::build(zonnx::load_model_from_bytes(bytes, "t.onnx"));
  zonnx::AnalysisOptions opts;
  opts.march = march;
  zonnx::Analysis a = zonnx::analyze(view, opts);
  for (const auto& n : view.nodes())
    if (n.op_type() == op && nth-- == 0) return a.verdicts[n.index];
  ADD_FAILURE() << "no node " << op;
  return {};
}

bool has_rule(const NodeVerdict& v, const std::string& rule) {
  return std::any_of(v.reasons.begin(), v.reasons.end(), [&](const auto& r) { return r.rule == rule; });
}
bool has_value(const NodeVerdict& v, const std::string& key, const std::string& value) {
  for (const auto& r : v.reasons)
    for (const auto& [k, val] : r.values)
      if (k == key && val == value) return true;
  return false;
}
bool has_note(const NodeVerdict& v, const std::string& text) {
  return std::any_of(v.notes.begin(), v.notes.end(),
                     [&](const auto& n) { return n.find(text) != std::string::npos; });
}
std::string why(const NodeVerdict& v) {
  std::string s = std::string(zonnx::placement_name(v.placement));
  for (const auto& r : v.reasons) s += " [" + r.rule + ": " + r.message + "]";
  for (const auto& n : v.notes) s += " (" + n + ")";
  return s;
}

#define EXPECT_NNPA(v) EXPECT_EQ((v).placement, Placement::Nnpa) << why(v)
#define EXPECT_CPU(v, rule)                             \
  do {                                                  \
    const NodeVerdict& v_ = (v);                        \
    EXPECT_EQ(v_.placement, Placement::Cpu) << why(v_); \
    EXPECT_TRUE(has_rule(v_, rule)) << why(v_);         \
  } while (0)

// ---- Conv ----------------------------------------------------------------------
ModelBuilder conv(const std::vector<int64_t>& x, const std::vector<int64_t>& w, bool w_const = true) {
  ModelBuilder b(13);
  b.input("x", F32, x);
  if (w_const)
    b.initializer_floats("w", w);
  else
    b.input("w", F32, w);
  b.output("y");
  b.node("Conv", {"x", "w"}, {"y"});
  return b;
}

TEST(OpRulesConv, GroupOneOnNnpaGroup32OnCpu) {
  EXPECT_NNPA(place(conv({1, 32, 8, 8}, {16, 32, 3, 3}), "Conv"));
  ModelBuilder b = conv({1, 32, 8, 8}, {32, 1, 3, 3});
  set_attr(*b.proto().mutable_graph()->mutable_node(0), "group", int64_t{32});
  NodeVerdict v = place(b, "Conv");
  EXPECT_CPU(v, "conv.group");
  EXPECT_TRUE(has_value(v, "group", "32")) << why(v);
}

TEST(OpRulesConv, ExplicitPadsWithStaticHwRescuedDynamicHwNot) {
  ModelBuilder b = conv({1, 3, 8, 8}, {4, 3, 3, 3}, false);
  set_attr(*b.proto().mutable_graph()->mutable_node(0), "pads", std::vector<int64_t>{1, 0, 0, 1});
  NodeVerdict v = place(b, "Conv");
  EXPECT_NNPA(v);
  EXPECT_TRUE(has_note(v, "rescued")) << why(v);

  ModelBuilder d = conv({1, 3, -1, -1}, {4, 3, 3, 3}, false);
  set_attr(*d.proto().mutable_graph()->mutable_node(0), "pads", std::vector<int64_t>{1, 0, 0, 1});
  EXPECT_CPU(place(d, "Conv"), "conv.padding");
}

TEST(OpRulesConv, SameLowerResolvesToLiteralPads) {
  // canInferencePadsForNNPAConv uses the pads SAME_LOWER resolves to: 2x2 input,
  // 3x3 kernel -> pads 1 each side, Pad + VALID Conv on NNPA.
  ModelBuilder b = conv({1, 3, 2, 2}, {4, 3, 3, 3}, false);
  set_attr(*b.proto().mutable_graph()->mutable_node(0), "auto_pad", std::string("SAME_LOWER"));
  NodeVerdict v = place(b, "Conv");
  EXPECT_NNPA(v);
  EXPECT_TRUE(has_note(v, "pads [1,1,1,1]")) << why(v);
  // Dynamic H/W: no pads can be inferred.
  ModelBuilder d = conv({1, 3, -1, -1}, {4, 3, 3, 3}, false);
  set_attr(*d.proto().mutable_graph()->mutable_node(0), "auto_pad", std::string("SAME_LOWER"));
  EXPECT_CPU(place(d, "Conv"), "conv.padding");
}

TEST(OpRulesConv, RankDilationsAndParams) {
  EXPECT_CPU(place(conv({1, 3, 8}, {4, 3, 3}, false), "Conv"), "conv.rank");
  ModelBuilder dil = conv({1, 3, 16, 16}, {4, 3, 3, 3}, false);
  set_attr(*dil.proto().mutable_graph()->mutable_node(0), "dilations", std::vector<int64_t>{2, 2});
  EXPECT_CPU(place(dil, "Conv"), "conv.dilations");
  ModelBuilder stride = conv({1, 3, 32, 32}, {4, 3, 3, 3}, false);
  set_attr(*stride.proto().mutable_graph()->mutable_node(0), "strides", std::vector<int64_t>{14, 14});
  EXPECT_CPU(place(stride, "Conv"), "conv.params");
  ModelBuilder ok = conv({1, 3, 32, 32}, {4, 3, 3, 3}, false);
  set_attr(*ok.proto().mutable_graph()->mutable_node(0), "strides", std::vector<int64_t>{13, 13});
  EXPECT_NNPA(place(ok, "Conv"));
}

TEST(OpRulesConv, ConvTransposeStaticVsDynamic) {
  ModelBuilder b(13);
  b.input("x", F32, {1, 3, 8, 8}).initializer_floats("w", {3, 4, 3, 3}).output("y");
  b.node("ConvTranspose", {"x", "w"}, {"y"});
  EXPECT_NNPA(place(b, "ConvTranspose"));
  ModelBuilder d(13);
  d.input("x", F32, {1, 3, -1, -1}).initializer_floats("w", {3, 4, 3, 3}).output("y");
  d.node("ConvTranspose", {"x", "w"}, {"y"});
  EXPECT_CPU(place(d, "ConvTranspose"), "convtranspose.static");
}

// ---- Gemm / MatMul ---------------------------------------------------------------
ModelBuilder gemm(const std::vector<int64_t>& c, int elem = F32) {
  ModelBuilder b(13);
  b.input("a", elem, {4, 8}).input("b", elem, {8, 16});
  if (!c.empty()) b.input("c", elem, c);
  b.output("y");
  b.node("Gemm", c.empty() ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"a", "b", "c"},
         {"y"});
  return b;
}

TEST(OpRulesGemm, AlphaBiasAndType) {
  EXPECT_NNPA(place(gemm({16}), "Gemm"));
  ModelBuilder alpha = gemm({16});
  set_attr(*alpha.proto().mutable_graph()->mutable_node(0), "alpha", 2.0f);
  NodeVerdict v = place(alpha, "Gemm");
  EXPECT_CPU(v, "gemm.alpha-beta");
  EXPECT_TRUE(has_value(v, "alpha", "2")) << why(v);
  EXPECT_CPU(place(gemm({1}), "Gemm"), "gemm.bias");
  EXPECT_CPU(place(gemm({16}, F16), "Gemm"), "gemm.f32");
}

ModelBuilder matmul(const std::vector<int64_t>& a, const std::vector<int64_t>& bdims) {
  ModelBuilder b(13);
  b.input("a", F32, a).input("b", F32, bdims).output("y");
  b.node("MatMul", {"a", "b"}, {"y"});
  return b;
}

TEST(OpRulesMatMul, TwoDByThreeDNeedsZ17) {
  ModelBuilder b = matmul({4, 8}, {2, 8, 16});
  NodeVerdict z16 = place(b, "MatMul", March::Z16);
  EXPECT_CPU(z16, "nnpa.level");
  EXPECT_NNPA(place(b, "MatMul", March::Z17));
  EXPECT_NNPA(place(matmul({2, 4, 8}, {8, 16}), "MatMul", March::Z16));
}

TEST(OpRulesMatMul, RanksShapesAndBatchBroadcast) {
  EXPECT_CPU(place(matmul({8}, {8, 16}), "MatMul"), "matmul.ranks");
  EXPECT_CPU(place(matmul({2, 3, 4, 8}, {1, 3, 8, 16}), "MatMul"), "matmul.batch-broadcast");
  EXPECT_NNPA(place(matmul({2, 3, 4, 8}, {2, 3, 8, 16}), "MatMul"));
}

// ---- Dimension limits ------------------------------------------------------------
TEST(OpRulesDimLimit, InnermostDim50257IsTooLargeOnZ16Only) {
  ModelBuilder b(13);
  b.input("x", F32, {1, 50257}).output("y");
  b.node("Exp", {"x"}, {"y"});
  NodeVerdict v = place(b, "Exp", March::Z16);
  EXPECT_CPU(v, "nnpa.dim-limit");
  EXPECT_TRUE(has_value(v, "size", "50257")) << why(v);
  EXPECT_NNPA(place(b, "Exp", March::Z17));
  // On z17 the outer dims (e3, e4) keep the 32768 limit.
  ModelBuilder outer(13);
  outer.input("x", F32, {50257, 2, 2, 2}).output("y");
  outer.node("Exp", {"x"}, {"y"});
  EXPECT_CPU(place(outer, "Exp", March::Z17), "nnpa.dim-limit");
}

// ---- Softmax -----------------------------------------------------------------------
ModelBuilder softmax(const std::vector<int64_t>& x, int64_t axis) {
  ModelBuilder b(13);
  b.input("x", F32, x).output("y");
  set_attr(b.node("Softmax", {"x"}, {"y"}), "axis", axis);
  return b;
}

TEST(OpRulesSoftmax, AxisAndRank) {
  EXPECT_NNPA(place(softmax({2, 3, 4}, -1), "Softmax"));
  EXPECT_NNPA(place(softmax({2, 3, 4}, 2), "Softmax"));
  EXPECT_CPU(place(softmax({2, 3, 4}, 1), "Softmax"), "softmax.axis");
  NodeVerdict rank5 = place(softmax({2, 2, 2, 3, 4}, -1), "Softmax");
  EXPECT_NNPA(rank5);
  EXPECT_TRUE(has_note(rank5, "rescued")) << why(rank5);
  EXPECT_CPU(place(softmax({4}, -1), "Softmax"), "softmax.rank");
}

// ---- Reductions ----------------------------------------------------------------------
TEST(OpRulesReduce, ReduceMeanOpset13AxesHwVsOpset18) {
  ModelBuilder b(13);
  b.input("x", F32, {1, 3, 8, 8}).output("y");
  set_attr(b.node("ReduceMean", {"x"}, {"y"}), "axes", std::vector<int64_t>{2, 3});
  EXPECT_NNPA(place(b, "ReduceMean"));
  ModelBuilder c(13);
  c.input("x", F32, {1, 3, 8, 8}).output("y");
  set_attr(c.node("ReduceMean", {"x"}, {"y"}), "axes", std::vector<int64_t>{1});
  EXPECT_CPU(place(c, "ReduceMean"), "reducemean.axes");
  ModelBuilder r3(13);
  r3.input("x", F32, {3, 8, 8}).output("y");
  set_attr(r3.node("ReduceMean", {"x"}, {"y"}), "axes", std::vector<int64_t>{1, 2});
  EXPECT_CPU(place(r3, "ReduceMean"), "reducemean.shape");
  ModelBuilder big(13);
  big.input("x", F32, {1, 3, 2048, 8}).output("y");
  set_attr(big.node("ReduceMean", {"x"}, {"y"}), "axes", std::vector<int64_t>{2, 3});
  EXPECT_CPU(place(big, "ReduceMean"), "reducemean.hw");
  ModelBuilder v18(18);
  v18.input("x", F32, {1, 3, 8, 8}).initializer_ints("axes", {2, 3}).output("y");
  v18.node("ReduceMean", {"x", "axes"}, {"y"});
  EXPECT_CPU(place(v18, "ReduceMean"), "reduce.opset-form");
}

ModelBuilder reduce_max18(const std::vector<int64_t>& axes, int64_t keepdims = 1) {
  ModelBuilder b(18);
  b.input("x", F32, {2, 3, 8});
  if (!axes.empty()) b.initializer_ints("axes", axes);
  b.output("y");
  auto& n =
      b.node("ReduceMax",
             axes.empty() ? std::vector<std::string>{"x"} : std::vector<std::string>{"x", "axes"}, {"y"});
  set_attr(n, "keepdims", keepdims);
  return b;
}

TEST(OpRulesReduce, ReduceMaxOpset18OnZ17Only) {
  ModelBuilder b = reduce_max18({-1});
  EXPECT_NNPA(place(b, "ReduceMax", March::Z17));
  EXPECT_CPU(place(b, "ReduceMax", March::Z16), "nnpa.level");
  ModelBuilder v13(13);
  v13.input("x", F32, {2, 3, 8}).output("y");
  set_attr(v13.node("ReduceMax", {"x"}, {"y"}), "axes", std::vector<int64_t>{2});
  EXPECT_CPU(place(v13, "ReduceMax", March::Z17), "reduce.opset-form");
  EXPECT_CPU(place(reduce_max18({1}), "ReduceMax", March::Z17), "reduce.axis-innermost");
  EXPECT_CPU(place(reduce_max18({-1}, 0), "ReduceMax", March::Z17), "reduce.keepdims");
  EXPECT_CPU(place(reduce_max18({}), "ReduceMax", March::Z17), "reduce.axes");
}

// ---- LSTM / GRU ------------------------------------------------------------------------
ModelBuilder rnn(const std::string& op, int64_t hidden, int gates) {
  ModelBuilder b(14);
  b.input("x", F32, {5, 1, 4})
      .input("w", F32, {1, gates * hidden, 4})
      .input("r", F32, {1, gates * hidden, hidden});
  b.output("y");
  set_attr(b.node(op, {"x", "w", "r"}, {"y"}), "hidden_size", hidden);
  return b;
}

TEST(OpRulesRnn, LstmHiddenSizeLimit) {
  EXPECT_NNPA(place(rnn("LSTM", 16, 4), "LSTM"));
  // On z17 the W/R operands [1, 36000, ...] pass the dimension limit (e2 <= 1048576) and the
  // hidden-size limit (8192) decides; on z16 the generic check on every operand
  // (addDynamicallyLegalOpFor) already rejects 36000 > 32768.
  NodeVerdict v = place(rnn("LSTM", 9000, 4), "LSTM", March::Z17);
  EXPECT_CPU(v, "rnn.hidden-size");
  EXPECT_TRUE(has_value(v, "hidden_size", "9000")) << why(v);
  EXPECT_CPU(place(rnn("LSTM", 9000, 4), "LSTM", March::Z16), "nnpa.dim-limit");
  EXPECT_NNPA(place(rnn("LSTM", 8192, 4), "LSTM", March::Z17));
  ModelBuilder acts = rnn("LSTM", 16, 4);
  zonnx::test::set_attr(*acts.proto().mutable_graph()->mutable_node(0), "input_forget", int64_t{1});
  EXPECT_CPU(place(acts, "LSTM"), "rnn.unsupported-attr");
}

TEST(OpRulesRnn, GruLinearBeforeReset) {
  ModelBuilder one = rnn("GRU", 16, 3);
  set_attr(*one.proto().mutable_graph()->mutable_node(0), "linear_before_reset", int64_t{1});
  EXPECT_NNPA(place(one, "GRU"));
  NodeVerdict v = place(rnn("GRU", 16, 3), "GRU");
  EXPECT_CPU(v, "gru.linear-before-reset");
  EXPECT_TRUE(has_value(v, "linear_before_reset", "0")) << why(v);
}

TEST(OpRulesRnn, SequenceLensActivationsDirection) {
  ModelBuilder seq = rnn("LSTM", 16, 4);
  seq.input("b", F32, {1, 128}).input("lens", I32, {1});
  auto* n = seq.proto().mutable_graph()->mutable_node(0);
  n->add_input("b");
  n->add_input("lens");
  EXPECT_CPU(place(seq, "LSTM"), "rnn.sequence-lens");
  ModelBuilder acts = rnn("LSTM", 16, 4);
  set_attr(*acts.proto().mutable_graph()->mutable_node(0), "activations", std::vector<int64_t>{});
  acts.proto().mutable_graph()->mutable_node(0)->mutable_attribute()->RemoveLast();
  auto* a = acts.proto().mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("activations");
  a->set_type(onnx::AttributeProto::STRINGS);
  for (const char* f : {"Relu", "Tanh", "Tanh"}) a->add_strings(f);
  EXPECT_CPU(place(acts, "LSTM"), "rnn.activations");
}

TEST(OpRulesConv, ValidConvWithDynamicHw) {
  ModelBuilder b = conv({1, 3, -1, -1}, {4, 3, 3, 3}, false);
  set_attr(*b.proto().mutable_graph()->mutable_node(0), "auto_pad", std::string("VALID"));
  EXPECT_CPU(place(b, "Conv"), "conv.dynamic-hw");
}

TEST(OpRulesQuant, MatMulIntegerPerTensorOnZ17) {
  auto model = [](const std::vector<int64_t>& zp) {
    ModelBuilder b(13);
    b.input("a", onnx::TensorProto::UINT8, {4, 8}).input("b", onnx::TensorProto::UINT8, {8, 16});
    b.input("az", onnx::TensorProto::UINT8, zp).output("y");
    b.node("MatMulInteger", {"a", "b", "az"}, {"y"});
    return b;
  };
  EXPECT_NNPA(place(model({}), "MatMulInteger", March::Z17));
  EXPECT_CPU(place(model({}), "MatMulInteger", March::Z16), "nnpa.level");
  EXPECT_CPU(place(model({4}), "MatMulInteger", March::Z17), "quant.per-tensor");
}

// ---- Pow ------------------------------------------------------------------------------
ModelBuilder pow_model(float exponent) {
  ModelBuilder b(13);
  b.input("x", F32, {2, 3}).initializer_floats("e", {}, exponent).output("y");
  b.node("Pow", {"x", "e"}, {"y"});
  return b;
}

TEST(OpRulesPow, IntegerExponentRewrittenToMuls) {
  NodeVerdict two = place(pow_model(2.0f), "Pow");
  EXPECT_NNPA(two);
  EXPECT_TRUE(has_note(two, "rescued")) << why(two);
  EXPECT_CPU(place(pow_model(2.5f), "Pow"), "pow.exponent");
}

// ---- Pools -------------------------------------------------------------------------------
ModelBuilder pool(const std::string& op, const std::vector<int64_t>& x) {
  ModelBuilder b(13);
  b.input("x", F32, x).output("y");
  auto& n = b.node(op, {"x"}, {"y"});
  std::vector<int64_t> k(x.size() - 2, 2);
  set_attr(n, "kernel_shape", k);
  set_attr(n, "strides", k);
  return b;
}

TEST(OpRulesPool, MaxPoolCeilModeRankAndIndices) {
  EXPECT_NNPA(place(pool("MaxPool", {1, 3, 8, 8}), "MaxPool"));
  ModelBuilder ceil = pool("MaxPool", {1, 3, 9, 9});
  set_attr(*ceil.proto().mutable_graph()->mutable_node(0), "ceil_mode", int64_t{1});
  EXPECT_CPU(place(ceil, "MaxPool"), "pool.ceil-mode");
  EXPECT_CPU(place(pool("MaxPool", {1, 3, 8}), "MaxPool"), "pool.rank");
  ModelBuilder idx = pool("MaxPool", {1, 3, 8, 8});
  idx.proto().mutable_graph()->mutable_node(0)->add_output("i");
  EXPECT_CPU(place(idx, "MaxPool"), "maxpool.indices");
  EXPECT_CPU(place(pool("MaxPool", {1, 3, -1, -1}), "MaxPool"), "pool.dynamic-hw");
}

TEST(OpRulesPool, AveragePoolPaddingAndCountIncludePad) {
  EXPECT_NNPA(place(pool("AveragePool", {1, 3, 8, 8}), "AveragePool"));
  ModelBuilder cip = pool("AveragePool", {1, 3, 8, 8});
  set_attr(*cip.proto().mutable_graph()->mutable_node(0), "count_include_pad", int64_t{1});
  EXPECT_CPU(place(cip, "AveragePool"), "avgpool.count-include-pad");
  ModelBuilder lower = pool("AveragePool", {1, 3, 9, 9});
  set_attr(*lower.proto().mutable_graph()->mutable_node(0), "auto_pad", std::string("SAME_LOWER"));
  EXPECT_CPU(place(lower, "AveragePool"), "pool.padding");
  ModelBuilder big = pool("AveragePool", {1, 3, 8, 8});
  set_attr(*big.proto().mutable_graph()->mutable_node(0), "kernel_shape", std::vector<int64_t>{65, 65});
  set_attr(*big.proto().mutable_graph()->mutable_node(0), "auto_pad", std::string("SAME_UPPER"));
  set_attr(*big.proto().mutable_graph()->mutable_node(0), "strides", std::vector<int64_t>{1, 1});
  EXPECT_CPU(place(big, "AveragePool"), "pool.params");
}

TEST(OpRulesPool, GlobalAveragePoolAndBatchNorm) {
  ModelBuilder g(13);
  g.input("x", F32, {1, 3, 8, 8}).output("y");
  g.node("GlobalAveragePool", {"x"}, {"y"});
  EXPECT_NNPA(place(g, "GlobalAveragePool"));
  ModelBuilder bn(13);
  bn.input("x", F32, {1, 3, 8, 8});
  for (const char* n : {"s", "b", "m", "v"}) bn.initializer_floats(n, {3});
  bn.output("y");
  bn.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"});
  EXPECT_NNPA(place(bn, "BatchNormalization"));
  ModelBuilder bn3(13);
  bn3.input("x", F32, {1, 3, 8});
  for (const char* n : {"s", "b", "m", "v"}) bn3.initializer_floats(n, {3});
  bn3.output("y");
  bn3.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"});
  EXPECT_CPU(place(bn3, "BatchNormalization"), "batchnorm.rank");
}

// ---- Generic checks ----------------------------------------------------------------------
TEST(OpRulesGeneric, DeviceCpuElementTypeRankAndLevel) {
  ModelBuilder b(13);
  b.input("x", F32, {2, 3}).output("y");
  b.node("Exp", {"x"}, {"y"});
  EXPECT_NNPA(place(b, "Exp"));
  ModelBuilder dev(13);
  dev.input("x", F32, {2, 3}).output("y");
  set_attr(dev.node("Exp", {"x"}, {"y"}), "device", std::string("cpu"));
  EXPECT_CPU(place(dev, "Exp"), "nnpa.device-cpu");
  ModelBuilder i32(13);
  i32.input("x", I32, {2, 3}).output("y");
  i32.node("Relu", {"x"}, {"y"});
  EXPECT_CPU(place(i32, "Relu"), "nnpa.element-type");
  ModelBuilder scalar(13);
  scalar.input("x", F32, {}).output("y");
  scalar.node("Exp", {"x"}, {"y"});
  EXPECT_CPU(place(scalar, "Exp"), "nnpa.rank");
  ModelBuilder gelu(20);
  gelu.input("x", F32, {2, 3}).output("y");
  gelu.node("Gelu", {"x"}, {"y"});
  EXPECT_CPU(place(gelu, "Gelu", March::Z16), "nnpa.level");
  EXPECT_NNPA(place(gelu, "Gelu", March::Z17));
  ModelBuilder floor(13);
  floor.input("x", F32, {2, 3}).output("y");
  floor.node("Floor", {"x"}, {"y"});
  EXPECT_CPU(place(floor, "Floor"), "nnpa.no-lowering");
}

// ---- Elementwise binary, Min/Max/Sum -------------------------------------------------------
TEST(OpRulesElementwise, BroadcastAndOperandCount) {
  ModelBuilder same(13);
  same.input("a", F32, {3, 4}).input("b", F32, {3, 4}).output("y");
  same.node("Mul", {"a", "b"}, {"y"});
  EXPECT_NNPA(place(same, "Mul"));
  ModelBuilder bc(13);
  bc.input("a", F32, {3, 4}).input("b", F32, {4}).output("y");
  bc.node("Mul", {"a", "b"}, {"y"});
  EXPECT_CPU(place(bc, "Mul"), "nnpa.broadcast");
  ModelBuilder cbc(13);
  cbc.input("a", F32, {3, 4}).initializer_floats("b", {4}).output("y");
  cbc.node("Mul", {"a", "b"}, {"y"});
  NodeVerdict rescued = place(cbc, "Mul");
  EXPECT_NNPA(rescued);
  EXPECT_TRUE(has_note(rescued, "rescued")) << why(rescued);
  ModelBuilder max3(13);
  max3.input("a", F32, {3}).input("b", F32, {3}).input("c", F32, {3}).output("y");
  max3.node("Max", {"a", "b", "c"}, {"y"});
  EXPECT_CPU(place(max3, "Max"), "nnpa.operand-count");
  ModelBuilder sum1(13);
  sum1.input("a", F32, {3}).output("y");
  sum1.node("Sum", {"a"}, {"y"});
  EXPECT_CPU(place(sum1, "Sum"), "nnpa.operand-count");
}

// ---- Neighbour rules -------------------------------------------------------------------------
TEST(OpRulesNeighbours, SoftplusIsolatedVsSandwiched) {
  ModelBuilder alone(13);
  alone.input("x", F32, {2, 3}).output("y");
  alone.node("Softplus", {"x"}, {"y"});
  EXPECT_CPU(place(alone, "Softplus"), "nnpa.needs-neighbours");
  ModelBuilder mid(13);
  mid.input("x", F32, {2, 3}).output("y");
  mid.node("Exp", {"x"}, {"e"});
  mid.node("Softplus", {"e"}, {"s"});
  mid.node("Exp", {"s"}, {"y"});
  NodeVerdict v = place(mid, "Softplus");
  EXPECT_NNPA(v);
  EXPECT_TRUE(has_note(v, "rescued")) << why(v);
}

TEST(OpRulesNeighbours, IsolatedAddVsAddBetweenNnpaOps) {
  // Inputs from CPU ops, result to a CPU op: ZHighToONNX moves the Add back.
  ModelBuilder iso(13);
  iso.input("a", F32, {2, 3}).input("b", F32, {2, 3}).output("y");
  iso.node("Floor", {"a"}, {"fa"});
  iso.node("Floor", {"b"}, {"fb"});
  iso.node("Add", {"fa", "fb"}, {"s"});
  iso.node("Floor", {"s"}, {"y"});
  EXPECT_CPU(place(iso, "Add"), "nnpa.isolated");
  // Between NNPA ops.
  ModelBuilder mid(13);
  mid.input("a", F32, {2, 3}).input("b", F32, {2, 3}).output("y");
  mid.node("Exp", {"a"}, {"ea"});
  mid.node("Exp", {"b"}, {"eb"});
  mid.node("Add", {"ea", "eb"}, {"s"});
  mid.node("Exp", {"s"}, {"y"});
  EXPECT_NNPA(place(mid, "Add"));
  // Alone between graph inputs (function arguments), as onnx-mlir's backend test compiles it.
  ModelBuilder args(13);
  args.input("a", F32, {2, 3}).input("b", F32, {2, 3}).output("y");
  args.node("Add", {"a", "b"}, {"y"});
  EXPECT_NNPA(place(args, "Add"));
}

}  // namespace
