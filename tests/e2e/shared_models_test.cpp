// Placements of real models from ../shared/models, checked by hand against the
// rules (reasoning in each test). These run only where ../shared exists (CI and
// developer machines).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.h"

namespace zonnx::test {
namespace {

using nlohmann::json;

struct Tally {
  std::map<std::string, std::map<std::string, int>> placement;  // op -> placement -> count (counted nodes)
  std::map<std::string, std::set<std::string>> first_rules;     // op -> first reason rule of non-NNPA nodes
  std::map<std::string, int> uncounted;                         // op -> nodes not counted
  json doc;
};

Tally inspect_shared(const std::string& file, const std::string& march = "z16") {
  Tally t;
  RunResult r =
      run_zonnx({"inspect", "--format", "json", "--march", march, shared_dir() + "/models/" + file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  t.doc = json::parse(r.out);
  for (const auto& n : t.doc["nodes"]) {
    std::string op = n["op_type"];
    if (!n["counted"].get<bool>()) {
      t.uncounted[op]++;
      continue;
    }
    t.placement[op][n["placement"]]++;
    if (!n["reasons"].empty()) t.first_rules[op].insert(n["reasons"][0]["rule"].get<std::string>());
  }
  return t;
}

#define REQUIRE_SHARED()                  \
  if (shared_dir().empty()) {              \
    GTEST_SKIP() << "../shared not present"; \
  }

// MobileNetV3-small (width 0.5, dynamic batch, opset 13), z16:
// - the 11 depthwise Convs have group = channels -> conv.group (CPU); the other 41 Convs are group 1
//   with static H/W: VALID/SAME-like pads, or explicit pads moved to a Pad -> NNPA;
// - Relu follows an NNPA Conv -> NNPA; HardSigmoid has no NNPA lowering;
// - Hardswish's Mul(x, HardSigmoid(x)) has equal shapes -> NNPA (19); the squeeze-excitation scale
//   Mul([N,C,H,W] x [N,C,1,1]) broadcasts two non-constant tensors -> nnpa.broadcast (9);
// - residual Adds have equal shapes -> NNPA; GlobalAveragePool on static H/W <= 1024 -> ReduceMean on
//   NNPA; Gemm is f32, 2-D, alpha = beta = 1, 1-D bias equal to the output dim -> NNPA.
TEST(SharedModels, MobilenetV3SmallZ16) {
  REQUIRE_SHARED();
  Tally t = inspect_shared("mobilenet_v3_small_op13.onnx");
  EXPECT_EQ(t.placement["Conv"]["nnpa"], 41);
  EXPECT_EQ(t.placement["Conv"]["cpu"], 11);
  EXPECT_EQ(t.first_rules["Conv"], std::set<std::string>{"conv.group"});
  EXPECT_EQ(t.placement["Relu"]["nnpa"], 14);
  EXPECT_EQ(t.placement["HardSigmoid"]["cpu"], 28);
  EXPECT_EQ(t.placement["Mul"]["nnpa"], 19);
  EXPECT_EQ(t.placement["Mul"]["cpu"], 9);
  EXPECT_EQ(t.first_rules["Mul"], std::set<std::string>{"nnpa.broadcast"});
  EXPECT_EQ(t.placement["Add"]["nnpa"], 7);
  EXPECT_EQ(t.placement["GlobalAveragePool"]["nnpa"], 10);
  EXPECT_EQ(t.placement["Gemm"]["nnpa"], 2);
  EXPECT_EQ(t.doc["summary"]["unsupported"], 0);
}

// GRU model (opset 13): both GRUs have static W/R/B, 1 or 2 directions, hidden 96 <= 10880,
// linear_before_reset = 1 (PyTorch's export), default activations -> NNPA. The output MatMul is
// 3-D x 2-D (bcast23) -> NNPA, and the following Add of a 1-D bias equal to B's last dim is fused into
// it (ONNXToZHigh.td MatMul+Add pattern) -> NNPA. Slice/Squeeze/Concat have no NNPA lowering.
TEST(SharedModels, GruZ16) {
  REQUIRE_SHARED();
  Tally t = inspect_shared("gru_op13.onnx");
  EXPECT_EQ(t.placement["GRU"]["nnpa"], 2);
  EXPECT_EQ(t.placement["MatMul"]["nnpa"], 1);
  EXPECT_EQ(t.placement["Add"]["nnpa"], 1);
  EXPECT_EQ(t.placement["Slice"]["cpu"], 2);
  EXPECT_EQ(t.placement["Concat"]["cpu"], 1);
}

// ShuffleNetV2 x0.5 (opset 12, static 1x3x224x224): the channel shuffle's Shape -> Gather -> Div/Mul
// -> Slice arithmetic is folded by the compiler (not counted), so every Conv has static shapes:
// 19 depthwise Convs -> conv.group, 37 group-1 Convs -> NNPA, with their 37 Relus. The stem MaxPool
// (3x3, stride 2, pads 1 on 112) has pads [1,1,1,1] where SAME would be [0,0,1,1] -> pool.padding
// (pools get no Pad insertion). The final mean over [2,3] has keepdims = 0 -> reducemean.shape.
TEST(SharedModels, ShufflenetV2Z16) {
  REQUIRE_SHARED();
  Tally t = inspect_shared("shufflenet_v2_x0_5_op12.onnx");
  EXPECT_EQ(t.placement["Conv"]["nnpa"], 37);
  EXPECT_EQ(t.placement["Conv"]["cpu"], 19);
  EXPECT_EQ(t.first_rules["Conv"], std::set<std::string>{"conv.group"});
  EXPECT_EQ(t.placement["Relu"]["nnpa"], 37);
  EXPECT_EQ(t.first_rules["MaxPool"], std::set<std::string>{"pool.padding"});
  EXPECT_EQ(t.first_rules["ReduceMean"], std::set<std::string>{"reducemean.shape"});
  EXPECT_EQ(t.placement["Gemm"]["nnpa"], 1);
  for (const char* op : {"Shape", "Gather", "Div"}) EXPECT_EQ(t.uncounted[op], 13) << op;
}

}  // namespace
}  // namespace zonnx::test
