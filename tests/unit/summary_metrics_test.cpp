// Summary metrics (src/rules/summary_metrics.cpp, src/app/compare.cpp): MAC
// costs and MAC coverage, NNPA regions and CPU<->NNPA transitions, the heavy-op
// warning line, and --compare-march, on small built models and a bundled one.
#include "rules/summary_metrics.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "zonnx/compare.h"
#include "zonnx/inspect.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"
#include "zonnx/report.h"
#include "zonnx/rules.h"

namespace {

using zonnx::Analysis;
using zonnx::March;
using zonnx::ModelView;
using zonnx::Placement;
using zonnx::Summary;
using zonnx::test::ModelBuilder;
using zonnx::test::set_attr;

constexpr int F32 = onnx::TensorProto::FLOAT;
constexpr int F64 = onnx::TensorProto::DOUBLE;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Views keep pointers into the loaded bytes: keep them alive with the view.
struct Built {
  std::string bytes;
  ModelView view;
};

Built build(const ModelBuilder& b) {
  std::string bytes = b.bytes();
  ModelView view = ModelView::build(zonnx::load_model_from_bytes(bytes, "t.onnx"));
  return Built{std::move(bytes), std::move(view)};
}

Analysis analyze(const ModelView& view, March march = March::Z16) {
  zonnx::AnalysisOptions o;
  o.march = march;
  return zonnx::analyze(view, o);
}

std::optional<uint64_t> macs_of(const ModelView& view, const std::string& op) {
  for (const auto& n : view.nodes())
    if (n.op_type() == op) return zonnx::rules::node_macs(view, n);
  ADD_FAILURE() << "no node " << op;
  return std::nullopt;
}

std::string placements(const ModelView& view, const Analysis& a) {
  std::string s;
  for (const auto& n : view.nodes())
    s += n.op_type() + "=" + std::string(zonnx::placement_name(a.verdicts[n.index].placement)) + " ";
  return s;
}

// ---- saturating arithmetic ---------------------------------------------------

TEST(SummaryMetricsArithmetic, Saturates) {
  using zonnx::rules::saturating_add;
  using zonnx::rules::saturating_mul;
  EXPECT_EQ(saturating_add(2, 3), 5u);
  EXPECT_EQ(saturating_add(kMax - 1, 1), kMax);
  EXPECT_EQ(saturating_add(kMax, kMax), kMax);
  EXPECT_EQ(saturating_mul(0, kMax), 0u);
  EXPECT_EQ(saturating_mul(uint64_t{1} << 32, uint64_t{1} << 31), uint64_t{1} << 63);
  EXPECT_EQ(saturating_mul(uint64_t{1} << 32, uint64_t{1} << 32), kMax);
}

// ---- MAC costs ---------------------------------------------------------------

TEST(SummaryMetricsMacs, ConvIsOutputElementsTimesChannelsTimesKernel) {
  ModelBuilder b;
  b.input("x", F32, {1, 3, 8, 8}).initializer_floats("w", {4, 3, 3, 3}).output("y");
  b.node("Conv", {"x", "w"}, {"y"});
  Built m = build(b);
  // y is 1x4x6x6 = 144 elements, each 3 channels x 3x3 kernel = 27 MACs.
  EXPECT_EQ(macs_of(m.view, "Conv"), 3888u);
  Analysis a = analyze(m.view);
  ASSERT_EQ(a.verdicts[0].placement, Placement::Nnpa) << placements(m.view, a);
  EXPECT_EQ(a.summary.mac_total_known, 3888u);
  EXPECT_EQ(a.summary.mac_nnpa, 3888u);
  EXPECT_DOUBLE_EQ(a.summary.mac_nnpa_share, 1.0);
  EXPECT_EQ(a.summary.mac_unknown_nodes, 0u);
}

TEST(SummaryMetricsMacs, GroupedConvCountsChannelsPerGroup) {
  ModelBuilder b;
  b.input("x", F32, {1, 4, 8, 8}).initializer_floats("w", {4, 1, 3, 3}).output("y");
  set_attr(b.node("Conv", {"x", "w"}, {"y"}), "group", int64_t{4});
  Built m = build(b);
  EXPECT_EQ(macs_of(m.view, "Conv"), 144u * 9u);  // depthwise: 1 channel per output
}

TEST(SummaryMetricsMacs, MatMulIsOutputElementsTimesK) {
  ModelBuilder b;
  b.input("a", F32, {2, 5, 7}).initializer_floats("b", {7, 3}).output("y");
  b.node("MatMul", {"a", "b"}, {"y"});
  Built m = build(b);
  // y is 2x5x3 = 30 elements, K = 7.
  EXPECT_EQ(macs_of(m.view, "MatMul"), 210u);
  EXPECT_EQ(analyze(m.view).summary.mac_total_known, 210u);
}

TEST(SummaryMetricsMacs, GemmHonoursTranspose) {
  ModelBuilder b;
  b.input("a", F32, {6, 4}).initializer_floats("b", {5, 6}).output("y");
  auto& gemm = b.node("Gemm", {"a", "b"}, {"y"});
  set_attr(gemm, "transA", int64_t{1});
  set_attr(gemm, "transB", int64_t{1});
  Built m = build(b);
  EXPECT_EQ(macs_of(m.view, "Gemm"), 4u * 5u * 6u);  // M=4, N=5, K=6
}

TEST(SummaryMetricsMacs, LstmIsStepsTimesWeights) {
  ModelBuilder b;
  b.input("x", F32, {10, 2, 8}).initializer_floats("w", {1, 64, 8}).initializer_floats("r", {1, 64, 16});
  b.output("y");
  set_attr(b.node("LSTM", {"x", "w", "r"}, {"y"}), "hidden_size", int64_t{16});
  Built m = build(b);
  // 10 steps x batch 2 x (4 gates x 16 hidden x (8 input + 16 hidden)) = 20 x (512 + 1024).
  EXPECT_EQ(macs_of(m.view, "LSTM"), 20u * 1536u);
}

TEST(SummaryMetricsMacs, PoolsAndElementwise) {
  ModelBuilder b;
  b.input("x", F32, {1, 2, 6, 6}).output("p").output("s").output("g");
  auto& pool = b.node("MaxPool", {"x"}, {"p"});
  set_attr(pool, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(pool, "strides", std::vector<int64_t>{3, 3});
  b.node("Sigmoid", {"x"}, {"s"});
  b.node("GlobalAveragePool", {"x"}, {"g"});
  b.node("Reshape", {"x", "shape"}, {"r"});
  b.initializer_ints("shape", {2, 36});
  Built m = build(b);
  EXPECT_EQ(macs_of(m.view, "MaxPool"), 8u * 9u);  // 1x2x2x2 outputs x 3x3 window
  EXPECT_EQ(macs_of(m.view, "Sigmoid"), 72u);      // output elements
  EXPECT_EQ(macs_of(m.view, "GlobalAveragePool"), 72u);
  EXPECT_EQ(macs_of(m.view, "Reshape"), 0u);  // data movement only
}

TEST(SummaryMetricsMacs, UnknownShapesAreCountedApartAndSaidInText) {
  ModelBuilder b;
  b.input("a", F32, {-1, 7}).input("c", F32, {2, 7}).initializer_floats("b", {7, 3});
  b.output("y").output("z");
  b.node("MatMul", {"a", "b"}, {"y"}, "dynamic");
  b.node("MatMul", {"c", "b"}, {"z"}, "static");
  Built m = build(b);
  Analysis a = analyze(m.view);
  EXPECT_EQ(a.summary.mac_unknown_nodes, 1u);
  EXPECT_EQ(a.summary.mac_total_known, 42u);  // only the static one: 2x3 x 7
  std::ostringstream text;
  zonnx::write_text(text, m.view, a, {}, zonnx::TextOptions{});
  EXPECT_NE(text.str().find("MAC coverage  100.0% (1 node of unknown cost)"), std::string::npos)
      << text.str();
}

TEST(SummaryMetricsMacs, HugeShapesSaturateInsteadOfWrapping) {
  const int64_t big = int64_t{1} << 40;
  ModelBuilder b;
  b.input("a", F32, {big, big}).input("b", F32, {big, big}).output("y").output("z");
  b.node("MatMul", {"a", "b"}, {"y"});
  b.node("Add", {"a", "b"}, {"z"});
  Built m = build(b);
  EXPECT_EQ(macs_of(m.view, "MatMul"), kMax);
  EXPECT_EQ(macs_of(m.view, "Add"), kMax);  // 2^80 elements
  Summary s = analyze(m.view).summary;
  EXPECT_EQ(s.mac_total_known, kMax);
  EXPECT_LE(s.mac_nnpa_share, 1.0);
  EXPECT_GE(s.mac_nnpa_share, 0.0);
}

// ---- regions and transitions -------------------------------------------------

// Neg has no NNPA lowering (CPU); MatMul and Tanh go to the NNPA on z16.
TEST(SummaryMetricsFlow, CpuNnpaNnpaCpuChainIsOneRegionTwoTransitions) {
  ModelBuilder b;
  b.input("x", F32, {2, 4}).initializer_floats("w", {4, 4}).output("y");
  b.node("Neg", {"x"}, {"n"});
  b.node("MatMul", {"n", "w"}, {"m"});
  b.node("Tanh", {"m"}, {"t"});
  b.node("Neg", {"t"}, {"y"});
  Built m = build(b);
  Analysis a = analyze(m.view);
  ASSERT_EQ(a.summary.nnpa, 2u) << placements(m.view, a);
  EXPECT_EQ(a.summary.nnpa_regions, 1u);
  EXPECT_EQ(a.summary.stick_transitions, 1u);    // n into the MatMul (the weight w is constant)
  EXPECT_EQ(a.summary.unstick_transitions, 1u);  // t out of the Tanh
  const auto j = zonnx::inspect_json(m.view, a);
  EXPECT_EQ(j.at("summary").at("regions"), 1);
  EXPECT_EQ(j.at("summary").at("transitions").at("total"), 2);
}

TEST(SummaryMetricsFlow, TwoSeparatedIslandsAreTwoRegions) {
  ModelBuilder b;
  b.input("x", F32, {2, 4}).initializer_floats("w", {4, 4}).output("y");
  b.node("MatMul", {"x", "w"}, {"m1"});
  b.node("Neg", {"m1"}, {"n1"});
  b.node("MatMul", {"n1", "w"}, {"m2"});
  b.node("Neg", {"m2"}, {"y"});
  Built m = build(b);
  Analysis a = analyze(m.view);
  ASSERT_EQ(a.summary.nnpa, 2u) << placements(m.view, a);
  EXPECT_EQ(a.summary.nnpa_regions, 2u);
  EXPECT_EQ(a.summary.stick_transitions, 2u);  // the graph input x, and n1
  EXPECT_EQ(a.summary.unstick_transitions, 2u);
  std::ostringstream text;
  zonnx::write_text(text, m.view, a, {}, zonnx::TextOptions{});
  EXPECT_NE(text.str().find("2 regions, 4 CPU/NNPA transitions (2 stick, 2 unstick)"), std::string::npos)
      << text.str();
}

TEST(SummaryMetricsFlow, OneConversionPerValueAndGraphOutputsUnstick) {
  ModelBuilder b;
  b.input("x", F32, {2, 4}).output("a").output("s");
  b.node("Neg", {"x"}, {"n"});
  b.node("Tanh", {"n"}, {"a"});
  b.node("Sigmoid", {"n"}, {"s"});
  Built m = build(b);
  Analysis a = analyze(m.view);
  ASSERT_EQ(a.summary.nnpa, 2u) << placements(m.view, a);
  EXPECT_EQ(a.summary.nnpa_regions, 2u);         // siblings, no edge between them
  EXPECT_EQ(a.summary.stick_transitions, 1u);    // n is converted once for both
  EXPECT_EQ(a.summary.unstick_transitions, 2u);  // both are graph outputs
}

TEST(SummaryMetricsFlow, ValuesComputedFromInitializersAreNotConverted) {
  ModelBuilder b;
  b.input("x", F32, {1, 3, 8, 8}).initializer_floats("w", {4, 3, 3, 3}).initializer_floats("b0", {4});
  b.output("y");
  b.node("Identity", {"b0"}, {"bias"});  // folded by the compiler: no run-time conversion
  b.node("Conv", {"x", "w", "bias"}, {"y"});
  Built m = build(b);
  Analysis a = analyze(m.view);
  ASSERT_EQ(a.summary.nnpa, 1u) << placements(m.view, a);
  EXPECT_EQ(a.summary.stick_transitions, 1u);  // x only
  EXPECT_EQ(a.summary.unstick_transitions, 1u);
}

TEST(SummaryMetricsFlow, NoNnpaNoRegions) {
  ModelBuilder b;
  b.input("x", F64, {2, 4}).output("y");
  b.node("Tanh", {"x"}, {"y"});
  Built m = build(b);
  Summary s = analyze(m.view).summary;
  EXPECT_EQ(s.nnpa, 0u);
  EXPECT_EQ(s.nnpa_regions, 0u);
  EXPECT_EQ(s.stick_transitions + s.unstick_transitions, 0u);
  EXPECT_EQ(s.mac_nnpa, 0u);
  EXPECT_EQ(s.mac_total_known, 8u);
}

// ---- heavy ops on CPU --------------------------------------------------------

TEST(SummaryMetricsText, HeavyCpuOpsUseOnnxMlirWording) {
  ModelBuilder b;
  b.input("a", F64, {2, 4}).input("b", F64, {4, 4}).output("y").output("z").output("s");
  b.node("MatMul", {"a", "b"}, {"y"});
  b.node("MatMul", {"a", "b"}, {"z"});
  b.node("Softmax", {"a"}, {"s"});
  Built m = build(b);
  Analysis a = analyze(m.view);
  std::ostringstream text;
  zonnx::TextOptions o;
  o.width = 200;
  zonnx::write_text(text, m.view, a, {}, o);
  EXPECT_NE(text.str().find("[Warning] There are 2 onnx.MatMul, 1 onnx.Softmax operations that run on CPU "
                            "(not accelerated by NNPA)."),
            std::string::npos)
      << text.str();
}

// ---- --compare-march ---------------------------------------------------------

TEST(SummaryMetricsCompare, GeluMovesFromCpuOnZ16ToNnpaOnZ17) {
  ModelBuilder b(20, 9);
  b.input("x", F32, {2, 8}).output("y");
  b.node("Gelu", {"x"}, {"y"}, "gelu");
  Built m = build(b);
  zonnx::MarchComparison c = zonnx::compare_march(m.view);
  EXPECT_EQ(c.from, March::Z16);
  EXPECT_EQ(c.to, March::Z17);
  ASSERT_EQ(c.moved.size(), 1u);
  EXPECT_EQ(c.moved[0].index, 0u);
  EXPECT_EQ(c.moved[0].name, "gelu");
  EXPECT_EQ(c.moved[0].op_type, "Gelu");
  EXPECT_EQ(c.moved[0].from, Placement::Cpu);
  EXPECT_EQ(c.moved[0].to, Placement::Nnpa);
  EXPECT_EQ(c.moved[0].rule, "nnpa.level");
  EXPECT_EQ(c.nnpa_gain, 1);
  EXPECT_DOUBLE_EQ(c.nnpa_share_gain, 1.0);
  EXPECT_EQ(c.mac_gain, 16);  // 2x8 output elements
  EXPECT_DOUBLE_EQ(c.mac_share_gain, 1.0);

  const Analysis z16 = analyze(m.view);
  const auto j = zonnx::inspect_json(m.view, z16, {}, &c);
  const auto& cj = j.at("compare_march");
  EXPECT_EQ(cj.at("from"), "z16");
  EXPECT_EQ(cj.at("to"), "z17");
  EXPECT_EQ(cj.at("moved").at(0).at("from"), "cpu");
  EXPECT_EQ(cj.at("moved").at(0).at("to"), "nnpa");
  EXPECT_EQ(cj.at("moved").at(0).at("rule"), "nnpa.level");
  EXPECT_EQ(cj.at("nnpa_share_gain"), 1.0);
  EXPECT_EQ(cj.at("mac_share_gain"), 1.0);
  EXPECT_FALSE(zonnx::inspect_json(m.view, z16).contains("compare_march"));

  std::ostringstream text;
  zonnx::write_text(text, m.view, z16, {}, zonnx::TextOptions{}, &c);
  EXPECT_NE(text.str().find("Compare z16 \u2192 z17  (1 node move)"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("Gelu gelu: cpu \u2192 nnpa (nnpa.level on z16)"), std::string::npos)
      << text.str();
}

TEST(SummaryMetricsCompare, NothingMovesForPlainMatMul) {
  ModelBuilder b;
  b.input("x", F32, {2, 4}).initializer_floats("w", {4, 4}).output("y");
  b.node("MatMul", {"x", "w"}, {"y"});
  Built m = build(b);
  zonnx::MarchComparison c = zonnx::compare_march(m.view);
  EXPECT_TRUE(c.moved.empty());
  EXPECT_EQ(c.nnpa_gain, 0);
  EXPECT_EQ(c.mac_gain, 0);
}

TEST(SummaryMetricsCompare, CliFlagOnABundledModel) {
  // silero's STFT magnitude Sqrt is on the CPU on z16 (nnpa.level) and on the NNPA on z17.
  const auto r = zonnx::test::run_zonnx({"inspect", zonnx::test::bundled_model("silero_vad_16k_op15.onnx"),
                                         "--compare-march", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& c = j.at("compare_march");
  ASSERT_FALSE(c.at("moved").empty());
  EXPECT_EQ(c.at("moved").at(0).at("op_type"), "Sqrt");
  EXPECT_EQ(c.at("moved").at(0).at("from"), "cpu");
  EXPECT_EQ(c.at("moved").at(0).at("to"), "nnpa");
  EXPECT_GT(c.at("nnpa_gain").get<int64_t>(), 0);
  const auto text = zonnx::test::run_zonnx(
      {"inspect", zonnx::test::bundled_model("silero_vad_16k_op15.onnx"), "--compare-march"});
  EXPECT_NE(text.out.find("Compare z16 \u2192 z17"), std::string::npos) << text.out;
  const auto plain =
      zonnx::test::run_zonnx({"inspect", zonnx::test::bundled_model("silero_vad_16k_op15.onnx")});
  EXPECT_EQ(plain.out.find("Compare z16"), std::string::npos);
}

// ---- a bundled model ---------------------------------------------------------

TEST(SummaryMetricsModels, SqueezeNetMacCoverage) {
  zonnx::Inspection r = zonnx::inspect_model(zonnx::test::bundled_model("squeezenet1_1_op13.onnx"), {});
  const Summary& s = r.analysis.summary;
  // Input 1x3x224x224, 10 classes. The 26 convolutions, output elements x Cin x kernel:
  //   conv1  64x111x111 x 3x3x3                                   21,290,688
  //   fire2 (55x55, in  64): squeeze 16 x64, expand 64 x16 (1x1) and 64 x16x9 (3x3)
  //          3,097,600 + 3,097,600 + 27,878,400                   34,073,600
  //   fire3 (55x55, in 128): 6,195,200 + 3,097,600 + 27,878,400   37,171,200
  //   fire4 (27x27, in 128): 2,985,984 + 2,985,984 + 26,873,856   32,845,824
  //   fire5 (27x27, in 256): 5,971,968 + 2,985,984 + 26,873,856   35,831,808
  //   fire6 (13x13, in 256): 2,076,672 + 1,557,504 + 14,017,536   17,651,712
  //   fire7 (13x13, in 384): 3,115,008 + 1,557,504 + 14,017,536   18,690,048
  //   fire8 (13x13, in 384): 4,153,344 + 2,768,896 + 24,920,064   31,842,304
  //   fire9 (13x13, in 512): 5,537,792 + 2,768,896 + 24,920,064   33,226,752
  //   conv10 10x13x13 x 512                                          865,280
  //   convolutions                                               263,489,216
  // The 26 Relus cost their output elements:
  //   788,544 + 2 x (48,400 + 2 x 193,600) + 2 x (23,328 + 2 x 93,312)
  //   + 2 x (8,112 + 2 x 32,448) + 2 x (10,816 + 2 x 43,264) + 1,690  =  2,422,042
  // The three 3x3 MaxPools (on the CPU) output elements x 9:
  //   (64x55x55 + 128x27x27 + 256x13x13) x 9 = 330,176 x 9            =  2,971,584
  // GlobalAveragePool its input (10x13x13)                             =      1,690
  // Identity (of the biases), Concat and Flatten cost nothing.
  //   total                                                            268,884,532
  //   on NNPA: total - MaxPools                                        265,912,948  (98.9%)
  constexpr uint64_t kConvMacs = 263'489'216;
  uint64_t conv_macs = 0;
  for (const auto& n : r.view.nodes())
    if (n.op_type() == "Conv") conv_macs += zonnx::rules::node_macs(r.view, n).value_or(0);
  EXPECT_EQ(conv_macs, kConvMacs);
  EXPECT_EQ(s.mac_unknown_nodes, 0u);
  EXPECT_EQ(s.mac_total_known, 268'884'532u);
  EXPECT_EQ(s.mac_nnpa, 265'912'948u);
  EXPECT_GT(s.mac_nnpa_share, 0.95);
  // conv1+relu, one region per fire module (the Concats run on the CPU), conv10+relu+pool.
  EXPECT_EQ(s.nnpa_regions, 10u);
  // Into the NNPA: the graph input and the 9 MaxPool/Concat outputs feeding a region (the biases
  // come through Identity of initializers: folded, not converted at run time).
  EXPECT_EQ(s.stick_transitions, 10u);
  // Out of it: conv1's Relu into MaxPool, two expand Relus into each of the 8 Concats, the pool.
  EXPECT_EQ(s.unstick_transitions, 18u);
}

}  // namespace
