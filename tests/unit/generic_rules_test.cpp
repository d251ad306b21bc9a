// The generic checks every NNPA op goes through, in onnx-mlir's order, and the
// table-level checks that decide whether a model compiles at all.
#include <gtest/gtest.h>

#include "test_support.h"
#include "zonnx/errors.h"
#include "zonnx/rules.h"

namespace zonnx::test {
namespace {

constexpr int kF32 = onnx::TensorProto::FLOAT;
constexpr int kF16 = onnx::TensorProto::FLOAT16;
constexpr int kBF16 = onnx::TensorProto::BFLOAT16;
constexpr int kI32 = onnx::TensorProto::INT32;

struct Result {
  Placement placement;
  std::vector<std::string> rules;
  std::string first_message;
  std::vector<std::pair<std::string, std::string>> values;
};

// Analyses the model and returns the verdict of the node named `name`.
Result verdict_of(ModelBuilder& b, const std::string& name, March march = March::Z16) {
  ModelView view = ModelView::build(load_model_from_bytes(b.bytes(), "t.onnx"));
  AnalysisOptions opts;
  opts.march = march;
  Analysis a = analyze(view, opts);
  for (const NodeInfo& n : view.nodes()) {
    if (n.name() != name) continue;
    const NodeVerdict& v = a.verdicts[n.index];
    Result r{v.placement,
             {},
             v.reasons.empty() ? "" : v.reasons[0].message,
             v.reasons.empty() ? std::vector<std::pair<std::string, std::string>>{} : v.reasons[0].values};
    for (const auto& reason : v.reasons) r.rules.push_back(reason.rule);
    return r;
  }
  ADD_FAILURE() << "no node " << name;
  return {};
}

// Relu -> Tanh -> Relu chain on a given input, so the middle node has NNPA neighbours.
ModelBuilder unary_model(int elem, const std::vector<int64_t>& shape, int opset = 13) {
  ModelBuilder b(opset);
  b.input("x", elem, shape).output("y");
  b.node("Tanh", {"x"}, {"y"}, "tanh");
  return b;
}

TEST(GenericRules, FloatTypesPassOthersFail) {
  for (int t : {kF32, kF16, kBF16}) {
    auto b = unary_model(t, {2, 3});
    EXPECT_EQ(verdict_of(b, "tanh").placement, Placement::Nnpa) << t;
  }
  auto b = unary_model(kI32, {2, 3});
  Result r = verdict_of(b, "tanh");
  EXPECT_EQ(r.placement, Placement::Cpu);
  ASSERT_FALSE(r.rules.empty());
  EXPECT_EQ(r.rules[0], "nnpa.element-type");
  EXPECT_NE(r.first_message.find("Element type is not F16 or F32."), std::string::npos);
}

TEST(GenericRules, RankMustBeOneToFour) {
  auto scalar = unary_model(kF32, {});
  Result r0 = verdict_of(scalar, "tanh");
  EXPECT_EQ(r0.placement, Placement::Cpu);
  EXPECT_NE(r0.first_message.find("Rank 0 is not supported. zAIU only supports rank in range of (0, 4]."),
            std::string::npos);
  auto four = unary_model(kF32, {1, 2, 3, 4});
  EXPECT_EQ(verdict_of(four, "tanh").placement, Placement::Nnpa);
  // Rank 5: onnx-mlir's dimension-limit check fails first (no limit for rank > 4), then the rank check.
  auto five = unary_model(kF32, {1, 2, 3, 4, 5});
  Result r5 = verdict_of(five, "tanh");
  EXPECT_EQ(r5.placement, Placement::Cpu);
  ASSERT_GE(r5.rules.size(), 2u);
  EXPECT_EQ(r5.rules[0], "nnpa.dim-limit");
  EXPECT_EQ(r5.rules[1], "nnpa.rank");
}

TEST(GenericRules, DimensionLimitsDependOnMarch) {
  // z16: 32768 for every dim. z17: innermost (e1) 2097152, e2 1048576, e3/e4 32768.
  auto vocab = unary_model(kF32, {1, 50257});
  Result z16 = verdict_of(vocab, "tanh", March::Z16);
  EXPECT_EQ(z16.placement, Placement::Cpu);
  ASSERT_FALSE(z16.rules.empty());
  EXPECT_EQ(z16.rules[0], "nnpa.dim-limit");
  EXPECT_NE(z16.first_message.find("dim 1 = 50257 > 32768 on z16"), std::string::npos) << z16.first_message;
  EXPECT_EQ(verdict_of(vocab, "tanh", March::Z17).placement, Placement::Nnpa);
  auto outer = unary_model(kF32, {50000, 2, 3, 4});  // e4 is 32768 on z17 too
  EXPECT_EQ(verdict_of(outer, "tanh", March::Z17).placement, Placement::Cpu);
  auto e2 = unary_model(kF32, {1, 2, 1048576, 4});
  EXPECT_EQ(verdict_of(e2, "tanh", March::Z17).placement, Placement::Nnpa);
  auto e2_over = unary_model(kF32, {1, 2, 1048577, 4});
  EXPECT_EQ(verdict_of(e2_over, "tanh", March::Z17).placement, Placement::Cpu);
  // Dynamic dims are skipped by the limit check.
  auto dynamic = unary_model(kF32, {-1, 8});
  EXPECT_EQ(verdict_of(dynamic, "tanh").placement, Placement::Nnpa);
}

TEST(GenericRules, DeviceCpuPinsTheNode) {
  auto b = unary_model(kF32, {2, 3});
  set_attr(b.proto().mutable_graph()->mutable_node(0)[0], "device", std::string("CPU"));
  Result r = verdict_of(b, "tanh");
  EXPECT_EQ(r.placement, Placement::Cpu);
  EXPECT_EQ(r.rules, std::vector<std::string>{"nnpa.device-cpu"});
}

TEST(GenericRules, Z17OnlyOpsNeedZ17) {
  auto b = unary_model(kF32, {2, 3});
  b.proto().mutable_graph()->mutable_node(0)->set_op_type("Sqrt");
  b.proto().mutable_graph()->mutable_node(0)->set_name("sqrt");
  Result z16 = verdict_of(b, "sqrt", March::Z16);
  EXPECT_EQ(z16.placement, Placement::Cpu);
  EXPECT_EQ(z16.rules, std::vector<std::string>{"nnpa.level"});
  EXPECT_NE(z16.first_message.find("is not compatible with  NNPA level"), std::string::npos);
  EXPECT_EQ(verdict_of(b, "sqrt", March::Z17).placement, Placement::Nnpa);
}

TEST(GenericRules, OpsWithoutLoweringRunOnCpu) {
  ModelBuilder b(13);
  b.input("x", kF32, {2, 3}).output("y");
  b.node("Neg", {"x"}, {"y"}, "neg");
  Result r = verdict_of(b, "neg");
  EXPECT_EQ(r.placement, Placement::Cpu);
  EXPECT_EQ(r.rules, std::vector<std::string>{"nnpa.no-lowering"});
}

TEST(GenericRules, TableNoneMakesTheModelUnsupported) {
  ModelBuilder b(13);
  b.input("x", kF32, {2, 3}).output("y");
  b.node("Det", {"x"}, {"y"}, "det");
  Result r = verdict_of(b, "det");
  EXPECT_EQ(r.placement, Placement::Unsupported);
  EXPECT_EQ(r.rules, std::vector<std::string>{"cpu.unsupported-op"});
  EXPECT_NE(r.first_message.find("failed to legalize operation 'onnx.Det'"), std::string::npos);
}

TEST(GenericRules, CustomDomainsAndUnknownOpsAreUnsupported) {
  ModelBuilder b(13);
  auto* imp = b.proto().add_opset_import();
  imp->set_domain("com.example");
  imp->set_version(1);
  b.input("x", kF32, {2, 3}).output("z");
  b.node("MyOp", {"x"}, {"y"}, "custom").set_domain("com.example");
  b.node("Gelu", {"y"}, {"z"}, "gelu");  // Gelu first appears in opset 20
  Result custom = verdict_of(b, "custom");
  EXPECT_EQ(custom.placement, Placement::Unsupported);
  EXPECT_EQ(custom.rules, std::vector<std::string>{"model.custom-domain"});
  Result gelu = verdict_of(b, "gelu");
  EXPECT_EQ(gelu.placement, Placement::Unsupported);
  EXPECT_EQ(gelu.rules, std::vector<std::string>{"model.unknown-op"});
  EXPECT_NE(gelu.first_message.find("first appears in opset 20"), std::string::npos);
}

TEST(GenericRules, VersionsNewerThanTheTablesAreUnsupported) {
  // Range-27 is newer than the Range onnx-mlir's tables cover (up to opset 22).
  ModelBuilder b(27, 13);
  b.input("a", kF32, {}).input("l", kF32, {}).input("d", kF32, {}).output("y");
  b.node("Range", {"a", "l", "d"}, {"y"}, "range");
  Result r = verdict_of(b, "range");
  EXPECT_EQ(r.placement, Placement::Unsupported);
  EXPECT_EQ(r.rules, std::vector<std::string>{"cpu.opset-range"});
}

TEST(GenericRules, SummaryCountsAndConstantsAreNotCounted) {
  ModelBuilder b(13);
  b.input("x", kF32, {2, 3}).output("y");
  auto& c = b.node("Constant", {}, {"k"}, "const");
  auto* attr = c.add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  attr->mutable_t()->set_data_type(kF32);
  attr->mutable_t()->add_dims(3);
  for (int i = 0; i < 3; ++i) attr->mutable_t()->add_float_data(1.0f);
  b.node("Tanh", {"x"}, {"t"}, "tanh");
  b.node("Neg", {"t"}, {"y"}, "neg");
  ModelView view = ModelView::build(load_model_from_bytes(b.bytes(), "t.onnx"));
  Analysis a = analyze(view, {});
  EXPECT_EQ(a.summary.nodes, 3u);
  EXPECT_EQ(a.summary.counted, 2u);
  EXPECT_EQ(a.summary.nnpa, 1u);
  EXPECT_EQ(a.summary.cpu, 1u);
  EXPECT_DOUBLE_EQ(a.summary.nnpa_share, 0.5);
  EXPECT_TRUE(a.summary.compiles());
}

TEST(GenericRules, CatalogIdsAreUniqueAndComplete) {
  std::set<std::string> ids;
  for (const RuleInfo& r : rule_catalog()) {
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate " << r.id;
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_FALSE(r.hint.empty()) << r.id;
    EXPECT_FALSE(r.source.empty()) << r.id;
  }
  // Every rule ID the sources report is in the catalog.
  for (const char* file : {"/src/rules/engine.cpp", "/src/rules/op_rules.cpp", "/src/rules/neighbours.cpp"}) {
    std::string src = read_file(source_dir() + file);
    size_t pos = 0;
    while ((pos = src.find("fail(\"", pos)) != std::string::npos) {
      pos += 6;
      std::string id = src.substr(pos, src.find('"', pos) - pos);
      EXPECT_TRUE(ids.count(id)) << file << " reports unknown rule " << id;
    }
    pos = 0;
    while ((pos = src.find("set_cpu(", pos)) != std::string::npos) {
      if (pos >= 5 && src.compare(pos - 5, 5, "void ") == 0) {  // the definition, not a call
        ++pos;
        continue;
      }
      size_t q = src.find('"', pos);
      pos = q + 1;
      std::string id = src.substr(pos, src.find('"', pos) - pos);
      if (id.find('.') != std::string::npos) {
        EXPECT_TRUE(ids.count(id)) << file << " reports unknown rule " << id;
      }
    }
  }
}

}  // namespace
}  // namespace zonnx::test
