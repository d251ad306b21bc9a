// A large graph's view and analysis share independent passes between two
// threads (ViewOptions::parallel, AnalysisOptions::parallel). Whatever the
// split, the report must be the one a single thread writes: these tests build
// graphs past the threshold with every kind of verdict the passes produce
// (NNPA, CPU, rescued by neighbours, sent back to the CPU as isolated, constant
// folding, a nested graph) and compare the reports byte for byte.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "zonnx/errors.h"
#include "zonnx/inspect.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"
#include "zonnx/report.h"
#include "zonnx/rules.h"

namespace zonnx {
namespace {

using test::ModelBuilder;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;

// `blocks` repetitions of a 14-node block on a [1,64] float chain.
ModelBuilder large_model(int blocks) {
  ModelBuilder b(13);
  b.input("x", kFloat, {1, 64});
  b.initializer_floats("W", {64, 64}, 0.01f);
  b.initializer_floats("bias", {64}, 0.1f);
  b.initializer_floats("cond_src", {1}, 1.0f);
  std::string x = "x";
  for (int i = 0; i < blocks; ++i) {
    const std::string p = "b" + std::to_string(i) + "_";
    auto op = [&](const std::string& type, const std::vector<std::string>& inputs, const std::string& out) {
      return &b.node(type, inputs, {p + out}, p + type);
    };
    op("MatMul", {x, "W"}, "mm");
    op("Add", {p + "mm", "bias"}, "add");
    op("Softplus", {p + "add"}, "sp");  // between NNPA ops: rescued
    op("Sigmoid", {p + "sp"}, "sig");
    set_attr(*op("LeakyRelu", {p + "sig"}, "lr"), "alpha", 0.2f);  // z16: rescued between NNPA ops
    op("Tanh", {p + "lr"}, "tanh");
    op("Sqrt", {p + "tanh"}, "sq");
    op("Reciprocal", {p + "sq"}, "rs");  // with the Sqrt: rescued (z16) or one InvSqrt (z17)
    op("Exp", {p + "rs"}, "exp");
    op("Erf", {p + "exp"}, "erf");    // CPU
    op("Relu", {p + "erf"}, "relu");  // isolated between CPU ops: back to the CPU
    op("Floor", {p + "relu"}, "fl");  // CPU
    onnx::AttributeProto* value = op("Constant", {}, "c")->add_attribute();  // folded, not counted
    value->set_name("value_float");
    value->set_type(onnx::AttributeProto::FLOAT);
    value->set_f(2.0f);
    op("Mul", {p + "fl", p + "c"}, "mul");
    x = p + "mul";
  }
  // One If whose branches read the chain from the enclosing scope.
  auto& cast = b.node("Cast", {"cond_src"}, {"cond"}, "CastCond");
  set_attr(cast, "to", int64_t{onnx::TensorProto::BOOL});
  auto& branch = b.node("If", {"cond"}, {"y"}, "Branch");
  for (const char* name : {"then_branch", "else_branch"}) {
    onnx::AttributeProto* a = branch.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* g = a->mutable_g();
    g->set_name(name);
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(std::string(name) == "then_branch" ? "Sigmoid" : "Tanh");
    n->add_input(x);
    n->add_output(std::string(name) + "_out");
    onnx::ValueInfoProto* out = g->add_output();
    out->set_name(std::string(name) + "_out");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(kFloat);
  }
  b.output("y");
  return b;
}

std::string json_report(const std::string& path, bool parallel, March march,
                        std::optional<Inspection>* keep = nullptr) {
  InspectOptions options;
  options.view.parallel = parallel;
  options.analysis.parallel = parallel;
  options.analysis.march = march;
  Inspection inspection = inspect_model(path, options);
  std::ostringstream out;
  write_inspect_json(out, inspect_json(inspection.view, inspection.analysis, {}), inspection.view,
                     inspection.analysis);
  if (keep) keep->emplace(std::move(inspection));
  return out.str();
}

TEST(Parallel, LargeGraphReportsEqualOnOneThreadAndTwo) {
  const std::string path = large_model(2000).save(test::temp_dir() + "/parallel_large.onnx");
  for (March march : {March::Z16, March::Z17}) {
    std::optional<Inspection> kept;
    const std::string one_thread = json_report(path, false, march);
    const std::string two_threads = json_report(path, true, march, &kept);
    ASSERT_TRUE(kept);
    const Inspection& two = *kept;
    EXPECT_EQ(one_thread, two_threads) << "march " << march_name(march);

    // The graph is past the threshold and has every kind of verdict, so both
    // split passes and the neighbour rules had work to do.
    ASSERT_GT(two.view.nodes().size(), 20000u);
    std::map<std::string, int> rules;
    int nnpa = 0, cpu = 0, rescued = 0, uncounted = 0;
    for (const NodeVerdict& v : two.analysis.verdicts) {
      nnpa += v.placement == Placement::Nnpa;
      cpu += v.placement == Placement::Cpu;
      for (const auto& r : v.reasons) ++rules[r.rule];
      for (const auto& n : v.notes) rescued += n.rfind("rescued", 0) == 0;
      uncounted += !v.counted;
    }
    EXPECT_GE(nnpa, 2000 * 8);
    EXPECT_GE(cpu, 2000 * 3);
    EXPECT_GE(rules["nnpa.isolated"], 2000);
    EXPECT_GE(rescued, 2000 * (march == March::Z16 ? 4 : 2));
    EXPECT_GE(uncounted, 2000);
    EXPECT_GT(two.analysis.summary.nnpa_regions, 1000u);
    EXPECT_GT(two.analysis.summary.mac_nnpa, 0u);
    // The If's branches are graphs of their own and read the chain's end.
    EXPECT_EQ(two.view.graphs().size(), 3u);
  }
}

// A large graph's node outputs are defined on two threads. A name defined
// twice must fail with the message one thread gives: the first repeat in node
// order, naming the node that repeats it.
std::string build_error(const std::string& path, bool parallel) {
  ViewOptions options;
  options.parallel = parallel;
  try {
    ModelView::build(load_model(path), options);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

TEST(Parallel, ValueDefinedTwiceInALargeGraphFailsAsOnOneThread) {
  struct Case {
    const char* what;
    std::function<void(onnx::GraphProto&)> change;
    const char* value;
    const char* node;
  };
  const std::vector<Case> cases = {
      {"a late node repeats an early output",
       [](onnx::GraphProto& g) {
         g.mutable_node(20000)->set_output(0, "b3_tanh");
         g.mutable_node(25000)->set_output(0, "b1_exp");  // later: not the one reported
       },
       "b3_tanh", "b1428_"},
      {"a node output repeats an initializer",
       [](onnx::GraphProto& g) { g.mutable_node(21001)->set_output(0, "W"); }, "W", "b1500_"},
      {"a node repeats its own output",
       [](onnx::GraphProto& g) {
         onnx::NodeProto* n = g.mutable_node(22222);
         n->add_output(n->output(0));
       },
       "b1587_", "b1587_"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ModelBuilder b = large_model(2000);
    c.change(*b.proto().mutable_graph());
    const std::string path = b.save(test::temp_dir() + "/parallel_defined_twice.onnx");
    const std::string one_thread = build_error(path, false);
    const std::string two_threads = build_error(path, true);
    EXPECT_EQ(one_thread, two_threads);
    EXPECT_NE(two_threads.find("is defined more than once in graph main"), std::string::npos) << two_threads;
    EXPECT_NE(two_threads.find(std::string("'") + c.value), std::string::npos) << two_threads;
    EXPECT_NE(two_threads.find(std::string("again by node '") + c.node), std::string::npos) << two_threads;
  }
}

}  // namespace
}  // namespace zonnx
