// The model view on the bundled models (counts, graph paths, histograms,
// input/output types after inference), on ../shared/models when present, and
// on hand-built models: input-shape bindings, structural errors, constants.
// Ground truth for the real models comes from Debian's python3-onnx 1.12.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "test_support.h"
#include "zonnx/errors.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"

namespace zonnx {
namespace {

using test::bundled_model;
using test::ModelBuilder;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kInt64 = onnx::TensorProto::INT64;

ModelView view_of(const std::string& file, const ViewOptions& options = {}) {
  return ModelView::build(load_model(bundled_model(file)), options);
}

LoadedModel loaded(const ModelBuilder& b, const std::string& name = "built.onnx") {
  LoadedModel m;
  m.path = name;
  m.proto().ParseFromString(b.bytes());
  return m;
}

ModelView view_of(const ModelBuilder& b, const ViewOptions& options = {}) {
  return ModelView::build(loaded(b), options);
}

// "[1,3,224,224]" / "[batch,seq,500]" / "[?,2]" / "?" for unknown rank.
std::string dims(const ValueType* t) {
  if (!t || !t->has_shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < t->dims.size(); ++i) {
    if (i) s += ",";
    const Dim& d = t->dims[i];
    s += d.is_static() ? std::to_string(d.value) : (d.param.empty() ? "?" : d.param);
  }
  return s + "]";
}

const IoInfo* io(const std::vector<IoInfo>& list, const std::string& name) {
  for (const auto& i : list)
    if (i.name == name) return &i;
  return nullptr;
}

size_t node_named(const ModelView& v, const std::string& name) {
  for (const auto& n : v.nodes())
    if (n.name() == name) return n.index;
  return SIZE_MAX;
}

template <typename F>
std::string model_error(F&& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.cause();
  }
  return "(no ModelError)";
}

template <typename F>
std::string usage_error(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

// --- bundled models --------------------------------------------------------

TEST(View, SqueezenetFactsAndShapes) {
  ModelView v = view_of("squeezenet1_1_op13.onnx");
  const ModelFacts& f = v.facts();
  EXPECT_EQ(f.node_count, 83u);
  EXPECT_EQ(f.graph_count, 1u);
  EXPECT_EQ(f.function_count, 0u);
  EXPECT_EQ(f.ir_version, 7);
  EXPECT_EQ(f.onnx_opset(), 13);
  ASSERT_EQ(f.opsets.size(), 1u);
  EXPECT_EQ(f.opsets[0].domain, "ai.onnx");
  EXPECT_EQ(f.initializer_count, 34u);
  EXPECT_EQ(f.initializer_bytes, 2901672u);
  EXPECT_GT(f.file_size, 2'000'000u);
  ASSERT_EQ(v.graphs().size(), 1u);
  EXPECT_EQ(v.graphs()[0].path, "main");
  ASSERT_EQ(v.nodes().size(), 83u);
  std::vector<std::pair<std::string, uint64_t>> hist;
  for (const auto& c : f.op_histogram) hist.emplace_back(c.op_type, c.count);
  const std::vector<std::pair<std::string, uint64_t>> expected = {
      {"Conv", 26},   {"Relu", 26},   {"Identity", 18},         {"Concat", 8},
      {"MaxPool", 3}, {"Flatten", 1}, {"GlobalAveragePool", 1},
  };
  EXPECT_EQ(hist, expected);
  ASSERT_EQ(f.inputs.size(), 1u);  // initializers are not inputs
  EXPECT_EQ(f.inputs[0].name, "input");
  EXPECT_EQ(f.inputs[0].type.elem_type, kFloat);
  EXPECT_EQ(dims(&f.inputs[0].type), "[1,3,224,224]");
  ASSERT_EQ(f.outputs.size(), 1u);
  EXPECT_EQ(dims(&f.outputs[0].type), "[1,10]");
  for (const auto& n : v.nodes()) {
    EXPECT_EQ(n.domain, "ai.onnx");
    EXPECT_EQ(n.domain_opset, 13);
    EXPECT_EQ(n.graph, 0);
    const std::map<std::string, int> versions = {{"Conv", 11}, {"Relu", 13}, {"MaxPool", 12}};
    auto it = versions.find(n.op_type());
    if (it != versions.end()) {
      EXPECT_EQ(n.since_version, it->second) << n.op_type();
    }
  }
  // Every node output has a type after inference; Conv outputs are 4-D.
  for (const auto& n : v.nodes()) {
    const ValueType* out = v.output_type(n, 0);
    ASSERT_NE(out, nullptr) << n.name();
    if (n.op_type() == "Conv") {
      EXPECT_EQ(out->rank(), 4) << n.name();
      EXPECT_TRUE(out->is_static()) << n.name();
    }
  }
  EXPECT_TRUE(v.warnings().empty()) << v.warnings().front();
}

TEST(View, GruKeepsNamedDims) {
  ModelView v = view_of("gru_op13.onnx");
  EXPECT_EQ(v.facts().node_count, 17u);
  EXPECT_EQ(v.facts().initializer_count, 8u);
  EXPECT_EQ(v.facts().initializer_bytes, 390224u);
  const IoInfo* x = io(v.facts().inputs, "x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(dims(&x->type), "[seq,batch,40]");
  EXPECT_FALSE(x->type.is_static());
  const IoInfo* h0 = io(v.facts().inputs, "h0");
  ASSERT_NE(h0, nullptr);
  EXPECT_EQ(dims(&h0->type), "[2,batch,96]");
  EXPECT_EQ(dims(&io(v.facts().outputs, "y")->type), "[seq,batch,20]");
  EXPECT_EQ(dims(&io(v.facts().outputs, "h")->type), "[2,Concath_dim_1,96]");
  size_t grus = 0;
  for (const auto& n : v.nodes()) {
    if (n.op_type() != "GRU") continue;
    ++grus;
    EXPECT_EQ(n.since_version, 7);
    // The weights are initializers, so constants.
    EXPECT_NE(v.constant_of(n.graph, std::string(n.input_name(1))), nullptr);
  }
  EXPECT_EQ(grus, 2u);
}

TEST(View, SileroIfSubgraphs) {
  ModelView v = view_of("silero_vad_16k_op15.onnx");
  const ModelFacts& f = v.facts();
  EXPECT_EQ(f.node_count, 350u);
  EXPECT_EQ(f.graph_count, 25u);
  EXPECT_EQ(f.initializer_count, 15u);
  EXPECT_EQ(f.initializer_bytes, 1238532u);
  ASSERT_EQ(v.graphs().size(), 25u);
  EXPECT_EQ(v.graphs()[0].path, "main");
  EXPECT_EQ(v.graphs()[1].path, "main//model/decoder/If.then_branch");
  EXPECT_EQ(v.graphs()[2].path, "main//model/decoder/If.else_branch");
  EXPECT_EQ(v.graphs()[3].path, "main//model/decoder/If_1.then_branch");
  EXPECT_EQ(v.graphs()[7].path, "main//model/decoder/If_1.then_branch//model/decoder/rnn/If.then_branch");
  // Main graph nodes come first; subgraph bodies are owned by If nodes of their parent.
  size_t main_nodes = 0;
  for (const auto& n : v.nodes())
    if (n.graph == 0) ++main_nodes;
  for (size_t i = 0; i < main_nodes; ++i) EXPECT_EQ(v.nodes()[i].graph, 0);
  for (size_t g = 1; g < v.graphs().size(); ++g) {
    const GraphInfo& gi = v.graphs()[g];
    ASSERT_NE(gi.owner_node, SIZE_MAX);
    const NodeInfo& owner = v.nodes()[gi.owner_node];
    EXPECT_EQ(owner.op_type(), "If");
    EXPECT_EQ(owner.graph, gi.parent);
    EXPECT_EQ(gi.depth, v.graphs()[static_cast<size_t>(gi.parent)].depth + 1);
  }
  EXPECT_EQ(v.nodes()[v.graphs()[1].owner_node].name(), "/model/decoder/If");
  EXPECT_EQ(dims(&io(f.inputs, "input")->type), "[batch,sequence]");
  EXPECT_EQ(dims(&io(f.inputs, "sr")->type), "[]");
  EXPECT_EQ(io(f.inputs, "sr")->type.elem_type, kInt64);
  EXPECT_EQ(dims(&io(f.outputs, "output")->type), "[batch,1]");
  // A value of the main graph used inside a branch: consumed by the inner
  // node and by the If owning the branch.
  bool found = false;
  for (const auto& n : v.nodes()) {
    if (n.graph == 0) continue;
    for (std::string_view name : n.fields.input()) {
      const std::string in(name);
      if (in.empty() || v.producer(0, in) == SIZE_MAX) continue;
      const GraphInfo& gi = v.graphs()[static_cast<size_t>(n.graph)];
      if (gi.parent != 0) continue;
      bool defined_inside = false;
      for (const auto& m : v.nodes())
        if (m.graph == n.graph)
          for (std::string_view o : m.fields.output()) defined_inside |= o == in;
      if (defined_inside) continue;
      const auto& consumers = v.consumers(n.graph, in);
      EXPECT_NE(std::find(consumers.begin(), consumers.end(), n.index), consumers.end());
      EXPECT_NE(std::find(consumers.begin(), consumers.end(), gi.owner_node), consumers.end());
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(View, TransformerEncoder) {
  ModelView v = view_of("transformer_encoder_op17.onnx");
  const ModelFacts& f = v.facts();
  EXPECT_EQ(f.node_count, 324u);
  EXPECT_EQ(f.initializer_count, 13u);
  EXPECT_EQ(f.initializer_bytes, 1075152u);
  ASSERT_GE(f.op_histogram.size(), 3u);
  EXPECT_EQ(f.op_histogram[0].op_type, "Constant");
  EXPECT_EQ(f.op_histogram[0].count, 101u);
  EXPECT_EQ(f.op_histogram[1].op_type, "Unsqueeze");
  EXPECT_EQ(f.op_histogram[1].count, 37u);
  uint64_t total = 0;
  for (const auto& c : f.op_histogram) total += c.count;
  EXPECT_EQ(total, 324u);
  EXPECT_EQ(f.op_histogram.size(), 22u);
  EXPECT_EQ(dims(&io(f.inputs, "tokens")->type), "[batch,seq]");
  EXPECT_EQ(io(f.inputs, "pad_mask")->type.elem_type, onnx::TensorProto::BOOL);
  EXPECT_EQ(dims(&io(f.outputs, "logits")->type), "[batch,seq,500]");
  for (const auto& n : v.nodes()) {
    if (n.op_type() == "LayerNormalization") {
      EXPECT_EQ(n.since_version, 17);
    }
  }
  // Constant nodes are readable constants.
  size_t readable = 0;
  for (const auto& n : v.nodes()) {
    if (n.op_type() != "Constant") continue;
    const std::string out(n.output_name(0));
    ASSERT_NE(v.constant_of(0, out), nullptr);
    if (v.constant_ints(0, out) || v.constant_floats(0, out)) ++readable;
    EXPECT_EQ(v.producer(0, out), n.index);
  }
  EXPECT_EQ(readable, 101u);
}

// --- shared models ---------------------------------------------------------

TEST(View, SharedModels) {
  // Reads ../shared/models (see tests/CMakeLists.txt); skipped without it.
  const std::string shared = test::shared_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared not present";
  struct Expect {
    const char* file;
    uint64_t nodes, graphs;
    int64_t opset;
    const char* output;
    const char* output_dims;
  };
  const Expect expected[] = {
      {"ch_PP-OCRv4_det_infer.onnx", 672, 1, 11, "sigmoid_0.tmp_0",
       "[p2o.DynamicDimension.3,1,p2o.DynamicDimension.4,p2o.DynamicDimension.5]"},
      {"gru_op13.onnx", 17, 1, 13, "y", "[seq,batch,20]"},
      {"lstm_tagger_op17.onnx", 38, 1, 17, "scores", "[batch,seq,10]"},
      {"mobilenet_v3_small_op13.onnx", 183, 1, 13, "logits", "[batch,10]"},
      {"seq2seq_transformer_op14.onnx", 851, 1, 14, "out", "[batch,tgt_len,64]"},
      {"shufflenet_v2_x0_5_op12.onnx", 426, 1, 12, "logits", "[1,10]"},
      {"silero_vad_16k_op15.onnx", 350, 25, 15, "output", "[batch,1]"},
      {"silero_vad_op18_ifless.onnx", 90, 3, 18, "stateN", "[2,batch,128]"},
      {"squeezenet1_1_op13.onnx", 83, 1, 13, "logits", "[1,10]"},
      {"transformer_encoder_op17.onnx", 324, 1, 17, "logits", "[batch,seq,500]"},
      {"vit_small_cfg_op17.onnx", 270, 1, 17, "logits", "[1,100]"},
  };
  size_t seen = 0;
  for (const auto& e : expected) {
    const std::string path = shared + "/models/" + e.file;
    if (!std::filesystem::exists(path)) continue;
    ++seen;
    SCOPED_TRACE(e.file);
    ModelView v = ModelView::build(load_model(path));
    EXPECT_EQ(v.facts().node_count, e.nodes);
    EXPECT_EQ(v.facts().graph_count, e.graphs);
    EXPECT_EQ(v.facts().onnx_opset(), e.opset);
    const IoInfo* out = io(v.facts().outputs, e.output);
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(dims(&out->type), e.output_dims);
    for (const auto& n : v.nodes()) EXPECT_GT(n.since_version, 0) << n.op_type();
  }
  EXPECT_GT(seen, 0u);
  // Every model in the folder builds without throwing.
  for (const auto& entry : std::filesystem::directory_iterator(shared + "/models")) {
    if (entry.path().extension() != ".onnx") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(ModelView::build(load_model(entry.path().string())));
  }
}

// --- input-shape bindings --------------------------------------------------

TEST(View, BindInputShapeByName) {
  ViewOptions o;
  o.input_shapes.push_back(parse_input_shape("tokens:2x16"));
  ModelView v = view_of("transformer_encoder_op17.onnx", o);
  EXPECT_EQ(dims(&io(v.facts().inputs, "tokens")->type), "[2,16]");
  EXPECT_TRUE(io(v.facts().inputs, "tokens")->type.is_static());
  EXPECT_EQ(dims(&io(v.facts().inputs, "pad_mask")->type), "[batch,seq]");  // not bound
  // The embedding lookup becomes static. (libonnx 1.12 loses the shape a few
  // nodes later, at the positional Slice, exactly as python onnx 1.12 does.)
  EXPECT_EQ(dims(v.type_of(0, "/emb/Gather_output_0")), "[2,16,128]");
}

TEST(View, BindInputShapeByIndexAndKeepDynamic) {
  ViewOptions o;
  o.input_shapes = parse_shape_information("0:-1x16,1:3x16");
  ModelView v = view_of("transformer_encoder_op17.onnx", o);
  EXPECT_EQ(dims(&io(v.facts().inputs, "tokens")->type), "[batch,16]");
  EXPECT_EQ(dims(&io(v.facts().inputs, "pad_mask")->type), "[3,16]");
  EXPECT_EQ(dims(v.type_of(0, "/emb/Gather_output_0")), "[batch,16,128]");

  ViewOptions gru;
  gru.input_shapes = parse_shape_information("0:5x1x40");
  ModelView g = view_of("gru_op13.onnx", gru);
  EXPECT_EQ(dims(&io(g.facts().inputs, "x")->type), "[5,1,40]");
  EXPECT_EQ(dims(&io(g.facts().outputs, "y")->type), "[5,1,20]");
}

TEST(View, BindAllInputsWithMinusOne) {
  ViewOptions o;
  o.input_shapes = parse_shape_information("-1:4x8");
  ModelView v = view_of("transformer_encoder_op17.onnx", o);
  EXPECT_EQ(dims(&io(v.facts().inputs, "tokens")->type), "[4,8]");
  EXPECT_EQ(dims(&io(v.facts().inputs, "pad_mask")->type), "[4,8]");
}

TEST(View, ParseInputShapes) {
  InputShape s = parse_input_shape("input:0:1x3x?x-1");
  EXPECT_EQ(s.name, "input:0");  // names may contain ':' (TensorFlow style)
  EXPECT_EQ(s.index, -1);
  EXPECT_EQ(s.dims, (std::vector<int64_t>{1, 3, -1, -1}));
  auto list = parse_shape_information("0:1x3,2-3:-1x100");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].index, 0);
  EXPECT_EQ(list[1].index, 2);
  EXPECT_EQ(list[2].index, 3);
  EXPECT_EQ(list[2].dims, (std::vector<int64_t>{-1, 100}));
  EXPECT_TRUE(list[2].name.empty());
  for (const char* bad :
       {"input", "input:", ":1x3", "input:1xa", "input:1x-2", "input:1xx3", "input:99999999999999999999"})
    EXPECT_NE(usage_error([&] { parse_input_shape(bad); }), "(no UsageError)") << bad;
  for (const char* bad : {"", "a:1x2", "0", "0:", "-2:1", "3-1:4", "0:1x2,x"})
    EXPECT_NE(usage_error([&] { parse_shape_information(bad); }), "(no UsageError)") << bad;
}

TEST(View, BindingUsageErrors) {
  auto build = [](const std::vector<InputShape>& shapes) {
    ViewOptions o;
    o.input_shapes = shapes;
    view_of("squeezenet1_1_op13.onnx", o);
  };
  std::string e = usage_error([&] { build({parse_input_shape("image:1x3x224x224")}); });
  EXPECT_NE(e.find("no input named 'image'"), std::string::npos) << e;
  EXPECT_NE(e.find("input"), std::string::npos);
  e = usage_error([&] { build(parse_shape_information("1:1x3x224x224")); });
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  e = usage_error([&] { build({parse_input_shape("input:1x3x224")}); });
  EXPECT_NE(e.find("rank 4"), std::string::npos) << e;
  // An initializer is not a bindable input.
  ModelBuilder b;
  b.input("x", kFloat, {-1, 4}).initializer_floats("w", {4, 4}).output("y");
  b.node("MatMul", {"x", "w"}, {"y"});
  b.proto().mutable_graph()->add_input()->set_name("w");
  ViewOptions o;
  o.input_shapes.push_back(parse_input_shape("w:4x4"));
  EXPECT_NE(usage_error([&] { view_of(b, o); }), "(no UsageError)");
  ViewOptions by_index;
  by_index.input_shapes = parse_shape_information("0:3x4");
  ModelView v = view_of(b, by_index);
  EXPECT_EQ(dims(v.type_of(0, "y")), "[3,4]");
}

// --- structural errors -----------------------------------------------------

TEST(View, UndefinedInputIsModelError) {
  ModelBuilder b;
  b.input("x", kFloat, {2}).output("y");
  b.node("Add", {"x", "ghost"}, {"y"}, "add");
  std::string e = model_error([&] { view_of(b); });
  EXPECT_NE(e.find("'add'"), std::string::npos) << e;
  EXPECT_NE(e.find("'ghost'"), std::string::npos) << e;
  EXPECT_NE(e.find("not defined"), std::string::npos) << e;
  // An empty name is an absent optional input, not an error.
  ModelBuilder ok;
  ok.input("x", kFloat, {2, 3}).output("y");
  ok.node("Clip", {"x", "", ""}, {"y"});
  EXPECT_NO_THROW(view_of(ok));
}

TEST(View, UnsortedGraphIsModelError) {
  ModelBuilder b;
  b.input("x", kFloat, {2}).output("z");
  b.node("Relu", {"y"}, {"z"}, "second");
  b.node("Relu", {"x"}, {"y"}, "first");
  std::string e = model_error([&] { view_of(b); });
  EXPECT_EQ(e, "graph main is not topologically sorted: node 'second' uses 'y' before it is produced");
}

TEST(View, CycleIsModelError) {
  ModelBuilder b;
  b.input("x", kFloat, {2}).output("z");
  b.node("Add", {"x", "z"}, {"y"}, "a");
  b.node("Relu", {"y"}, {"z"}, "b");
  std::string e = model_error([&] { view_of(b); });
  EXPECT_NE(e.find("graph main contains a cycle"), std::string::npos) << e;
  EXPECT_NE(e.find("'a'"), std::string::npos) << e;
}

TEST(View, DuplicateDefinitionIsModelError) {
  ModelBuilder b;
  b.input("x", kFloat, {2}).output("y");
  b.node("Relu", {"x"}, {"y"}, "one");
  b.node("Neg", {"x"}, {"y"}, "two");
  std::string e = model_error([&] { view_of(b); });
  EXPECT_NE(e.find("'y' is defined more than once in graph main"), std::string::npos) << e;
  ModelBuilder c;
  c.input("x", kFloat, {2}).output("x2");
  c.node("Relu", {"x"}, {"x"}, "overwrites_input");
  EXPECT_NE(model_error([&] { view_of(c); }).find("'x' is defined more than once"), std::string::npos);
  // IR < 4: an initializer that is also a graph input is one value.
  ModelBuilder ir3(8, 3);
  ir3.input("x", kFloat, {2}).input("w", kFloat, {2}).initializer_floats("w", {2}).output("y");
  ir3.node("Add", {"x", "w"}, {"y"});
  EXPECT_NO_THROW(view_of(ir3));
}

// An If whose branch uses `outer`; `late` controls whether `outer` is produced after the If.
ModelBuilder if_model(bool late) {
  ModelBuilder b;
  b.input("c", onnx::TensorProto::BOOL, {}).input("x", kFloat, {2}).output("r");
  onnx::GraphProto then_branch, else_branch;
  then_branch.set_name("then");
  auto* n = then_branch.add_node();
  n->set_op_type("Neg");
  n->set_name("inner");
  n->add_input("outer");
  n->add_output("t");
  then_branch.add_output()->set_name("t");
  else_branch.set_name("else");
  auto* m = else_branch.add_node();
  m->set_op_type("Identity");
  m->set_name("inner_else");
  m->add_input("x");
  m->add_output("e");
  else_branch.add_output()->set_name("e");
  if (!late) b.node("Relu", {"x"}, {"outer"}, "producer");
  auto& node = b.node("If", {"c"}, {"r"}, "branch");
  auto* a = node.add_attribute();
  a->set_name("then_branch");
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = then_branch;
  auto* e = node.add_attribute();
  e->set_name("else_branch");
  e->set_type(onnx::AttributeProto::GRAPH);
  *e->mutable_g() = else_branch;
  if (late) b.node("Relu", {"x"}, {"outer"}, "producer");
  return b;
}

TEST(View, OuterScopeUses) {
  ModelView v = view_of(if_model(false));
  ASSERT_EQ(v.graphs().size(), 3u);
  EXPECT_EQ(v.graphs()[1].path, "main/branch.then_branch");
  EXPECT_EQ(v.graphs()[2].path, "main/branch.else_branch");
  const size_t producer = node_named(v, "producer"), branch = node_named(v, "branch"),
               inner = node_named(v, "inner");
  EXPECT_EQ(v.graphs()[1].owner_node, branch);
  EXPECT_EQ(v.producer(1, "outer"), producer);  // seen from the branch
  EXPECT_EQ(v.consumers(0, "outer").to_vector(), (std::vector<size_t>{branch, inner}));
  EXPECT_EQ(v.consumers(1, "outer").to_vector(), (std::vector<size_t>{branch, inner}));
  // x: used by producer, and by the else branch (so by the If as well).
  EXPECT_EQ(v.consumers(0, "x").to_vector(),
            (std::vector<size_t>{producer, branch, node_named(v, "inner_else")}));
  EXPECT_EQ(dims(v.type_of(1, "x")), "[2]");  // outer scope visible from the branch
  EXPECT_EQ(dims(v.type_of(1, "t")), "[2]");  // inferred inside the branch
  EXPECT_EQ(v.type_of(0, "t"), nullptr);      // not visible outside
  EXPECT_EQ(dims(v.type_of(0, "r")), "[2]");
  // Using an outer value produced after the If breaks the topological order of main.
  std::string e = model_error([&] { view_of(if_model(true)); });
  EXPECT_EQ(e, "graph main is not topologically sorted: node 'branch' uses 'outer' before it is produced");
}

TEST(View, GraphInputsAndOutputsByValueId) {
  ModelView v = view_of(if_model(false));
  const NodeInfo& producer = v.nodes()[node_named(v, "producer")];
  const NodeInfo& branch = v.nodes()[node_named(v, "branch")];
  const NodeInfo& inner_else = v.nodes()[node_named(v, "inner_else")];
  // x is main's input: seen from main and from inside the else branch, the same declaring slot.
  const ValueId x = v.input_value(producer, 0);
  ASSERT_NE(x, kNoValue);
  EXPECT_EQ(v.declaring_input(x), x);
  EXPECT_EQ(v.declaring_input(v.input_value(inner_else, 0)), x);
  // c is an input too, "outer" is a node output, not an input of any graph.
  EXPECT_NE(v.declaring_input(v.input_value(branch, 0)), kNoValue);
  EXPECT_EQ(v.declaring_input(v.output_value(producer, 0)), kNoValue);
  // r is main's output; "outer" is not; "e" is the else branch's own output.
  EXPECT_TRUE(v.is_graph_output(v.output_value(branch, 0)));
  EXPECT_FALSE(v.is_graph_output(v.output_value(producer, 0)));
  EXPECT_TRUE(v.is_graph_output(v.output_value(inner_else, 0)));
  EXPECT_FALSE(v.is_graph_output(kNoValue));
  EXPECT_EQ(v.declaring_input(kNoValue), kNoValue);
}

// Passes over every node read these from the view instead of each proto; they
// must say what the proto says, in nested graphs too and after the view moves.
TEST(View, NodeFactsKeptByTheViewMatchEachProto) {
  for (const char* file : {"squeezenet1_1_op13.onnx", "silero_vad_16k_op15.onnx"}) {
    SCOPED_TRACE(file);
    ModelView built = view_of(file);
    const ModelView v = std::move(built);
    ASSERT_FALSE(v.nodes().empty());
    size_t with_attributes = 0, nested = 0;
    for (const NodeInfo& n : v.nodes()) {
      const onnx::NodeProto& proto = *n.fields.proto();
      EXPECT_EQ(n.op_type(), proto.op_type());
      EXPECT_NE(&n.op_type(), &proto.op_type());  // the view's own copy
      EXPECT_EQ(n.op_type(), v.op_name(n));
      EXPECT_EQ(n.input_count, static_cast<uint32_t>(proto.input_size()));
      EXPECT_EQ(n.output_count, static_cast<uint32_t>(proto.output_size()));
      EXPECT_EQ(n.attribute_count, static_cast<uint32_t>(proto.attribute_size()));
      with_attributes += n.attribute_count > 0;
      nested += n.graph != 0;
    }
    EXPECT_GT(with_attributes, 0u);
    if (std::string(file).rfind("silero", 0) == 0) {
      EXPECT_GT(nested, 0u);  // its If branches
    }
  }
}

TEST(View, NestingDepthLimit) {
  auto nested = [](int depth) {
    ModelBuilder b;
    b.input("c", onnx::TensorProto::BOOL, {}).input("x", kFloat, {2}).output("r");
    onnx::GraphProto inner;
    inner.set_name("leaf");
    auto* id = inner.add_node();
    id->set_op_type("Identity");
    id->add_input("x");
    id->add_output("o0");
    inner.add_output()->set_name("o0");
    const onnx::GraphProto leaf = inner;
    for (int d = 1; d < depth; ++d) {
      onnx::GraphProto outer;
      outer.set_name("level" + std::to_string(d));
      auto* n = outer.add_node();
      n->set_op_type("If");
      n->add_input("c");
      n->add_output("o" + std::to_string(d));
      auto* then_attr = n->add_attribute();
      then_attr->set_name("then_branch");
      then_attr->set_type(onnx::AttributeProto::GRAPH);
      *then_attr->mutable_g() = inner;
      auto* else_attr = n->add_attribute();
      else_attr->set_name("else_branch");
      else_attr->set_type(onnx::AttributeProto::GRAPH);
      *else_attr->mutable_g() = leaf;
      outer.add_output()->set_name("o" + std::to_string(d));
      inner = outer;
    }
    auto& top = b.node("If", {"c"}, {"r"}, "top");
    auto* then_attr = top.add_attribute();
    then_attr->set_name("then_branch");
    then_attr->set_type(onnx::AttributeProto::GRAPH);
    *then_attr->mutable_g() = inner;
    auto* else_attr = top.add_attribute();
    else_attr->set_name("else_branch");
    else_attr->set_type(onnx::AttributeProto::GRAPH);
    *else_attr->mutable_g() = leaf;
    return b;
  };
  EXPECT_NO_THROW(view_of(nested(Limits{}.max_graph_depth)));
  std::string e = model_error([&] { view_of(nested(Limits{}.max_graph_depth + 1)); });
  EXPECT_NE(e.find("nested more than 32 deep"), std::string::npos) << e;
}

TEST(View, RankLimit) {
  ModelBuilder b;
  b.input("x", kFloat, std::vector<int64_t>(65, 1)).output("y");
  b.node("Relu", {"x"}, {"y"});
  std::string e = model_error([&] { view_of(b); });
  EXPECT_NE(e.find("rank 65"), std::string::npos) << e;
}

TEST(View, LimitsFromOptions) {
  ViewOptions nodes;
  nodes.limits.max_nodes = 2;
  std::string e = model_error([&] { view_of(if_model(false), nodes); });
  EXPECT_NE(e.find("more than 2 nodes"), std::string::npos) << e;
  ViewOptions values;
  values.limits.max_values = 3;
  e = model_error([&] { view_of(if_model(false), values); });
  EXPECT_NE(e.find("more than 3 values"), std::string::npos) << e;
  ViewOptions depth;
  depth.limits.max_graph_depth = 0;
  e = model_error([&] { view_of(if_model(false), depth); });
  EXPECT_NE(e.find("main/branch.then_branch"), std::string::npos) << e;
  ViewOptions rank;
  rank.limits.max_rank = 0;
  e = model_error([&] { view_of(if_model(false), rank); });
  EXPECT_NE(e.find("'x' in graph main has rank 1, above the limit of 0"), std::string::npos) << e;
}

// --- functions -------------------------------------------------------------

TEST(View, ModelLocalFunction) {
  ModelBuilder b(17);
  b.input("x", kFloat, {2, 3}).output("y");
  auto& call = b.node("TwiceRelu", {"x"}, {"y"}, "call");
  call.set_domain("local");
  auto* imp = b.proto().add_opset_import();
  imp->set_domain("local");
  imp->set_version(1);
  auto* f = b.proto().add_functions();
  f->set_name("TwiceRelu");
  f->set_domain("local");
  f->add_input("a");
  f->add_output("c");
  auto* fi = f->add_opset_import();
  fi->set_domain("");
  fi->set_version(14);
  for (auto [in, out] : {std::pair<const char*, const char*>{"a", "b"}, {"b", "c"}}) {
    auto* n = f->add_node();
    n->set_op_type("Relu");
    n->add_input(in);
    n->add_output(out);
  }
  ModelView v = view_of(b);
  EXPECT_EQ(v.facts().function_count, 1u);
  EXPECT_EQ(v.facts().graph_count, 1u);
  EXPECT_EQ(v.facts().node_count, 3u);
  ASSERT_EQ(v.graphs().size(), 2u);
  EXPECT_EQ(v.graphs()[1].path, "function:local:TwiceRelu");
  EXPECT_EQ(v.graphs()[1].proto, nullptr);
  EXPECT_EQ(v.graphs()[1].function, &v.model().proto().functions(0));
  EXPECT_EQ(v.graphs()[1].parent, -1);
  const NodeInfo& c = v.nodes()[0];
  EXPECT_EQ(c.domain, "local");
  EXPECT_EQ(c.domain_opset, 1);
  EXPECT_EQ(c.since_version, 0);  // unknown op
  EXPECT_EQ(v.nodes()[1].graph, 1);
  EXPECT_EQ(v.nodes()[1].domain_opset, 14);  // the function's own import
  EXPECT_EQ(v.nodes()[1].since_version, 14);
  EXPECT_EQ(v.producer(1, "c"), 2u);
  EXPECT_EQ(dims(v.type_of(0, "y")), "[2,3]");  // inferred through the function body
  std::map<std::string, uint64_t> hist;
  for (const auto& o : v.facts().op_histogram) hist[o.domain + ":" + o.op_type] = o.count;
  EXPECT_EQ(hist["ai.onnx:Relu"], 2u);
  EXPECT_EQ(hist["local:TwiceRelu"], 1u);
}

TEST(View, RecursiveFunctionDoesNotHang) {
  ModelBuilder b(17);
  b.input("x", kFloat, {2}).output("y");
  b.node("Loop1", {"x"}, {"y"}).set_domain("local");
  auto* imp = b.proto().add_opset_import();
  imp->set_domain("local");
  imp->set_version(1);
  auto* f = b.proto().add_functions();
  f->set_name("Loop1");
  f->set_domain("local");
  f->add_input("a");
  f->add_output("c");
  *f->add_opset_import() = *imp;
  auto* n = f->add_node();
  n->set_op_type("Loop1");
  n->set_domain("local");
  n->add_input("a");
  n->add_output("c");
  ModelView v = view_of(b);
  EXPECT_FALSE(v.warnings().empty());
}

// --- constants -------------------------------------------------------------

void set_raw(onnx::TensorProto& t, const std::vector<uint8_t>& bytes) {
  t.set_raw_data(std::string(bytes.begin(), bytes.end()));
}

TEST(View, ConstantsReadable) {
  ModelBuilder b;
  b.input("x", kFloat, {2, 3, 4}).output("y").output("z");
  b.initializer_ints("shape", {4, -1});
  // int64 raw_data, little endian, written byte by byte: {258, -2}
  auto* raw = b.proto().mutable_graph()->add_initializer();
  raw->set_name("raw64");
  raw->set_data_type(kInt64);
  raw->add_dims(2);
  set_raw(*raw, {0x02, 0x01, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  auto* i8 = b.proto().mutable_graph()->add_initializer();
  i8->set_name("raw8");
  i8->set_data_type(onnx::TensorProto::INT8);
  i8->add_dims(2);
  set_raw(*i8, {0x7f, 0x80});
  auto* half = b.proto().mutable_graph()->add_initializer();
  half->set_name("half");
  half->set_data_type(onnx::TensorProto::FLOAT16);
  half->add_dims(2);
  set_raw(*half, {0x00, 0x3c, 0x00, 0xc0});  // 1.0, -2.0
  auto* i4 = b.proto().mutable_graph()->add_initializer();
  i4->set_name("int4");
  i4->set_data_type(22);  // INT4, packed low nibble first
  i4->add_dims(3);
  set_raw(*i4, {0xf7, 0x08});  // 7, -1, -8
  auto* ext = b.proto().mutable_graph()->add_initializer();
  ext->set_name("external");
  ext->set_data_type(kInt64);
  ext->add_dims(2);
  ext->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = ext->add_external_data();
  loc->set_key("location");
  loc->set_value("weights.bin");
  auto& c1 = b.node("Constant", {}, {"ci"}, "c_ints");
  set_attr(c1, "value_ints", std::vector<int64_t>{1, 2, 3});
  auto& c2 = b.node("Constant", {}, {"cf"}, "c_float");
  set_attr(c2, "value_float", 2.5f);
  b.node("Reshape", {"x", "shape"}, {"y"});
  b.node("Relu", {"x"}, {"z"});
  ModelView v = view_of(b);
  EXPECT_EQ(v.constant_ints(0, "shape"), (std::vector<int64_t>{4, -1}));
  EXPECT_EQ(v.constant_ints(0, "raw64"), (std::vector<int64_t>{258, -2}));
  EXPECT_EQ(v.constant_ints(0, "raw8"), (std::vector<int64_t>{127, -128}));
  EXPECT_EQ(v.constant_floats(0, "half"), (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(v.constant_ints(0, "int4"), (std::vector<int64_t>{7, -1, -8}));
  EXPECT_EQ(v.constant_ints(0, "ci"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(dims(v.type_of(0, "ci")), "[3]");
  EXPECT_EQ(v.constant_floats(0, "cf"), (std::vector<double>{2.5}));
  EXPECT_EQ(dims(v.type_of(0, "cf")), "[]");
  EXPECT_NE(v.constant_of(0, "external"), nullptr);
  EXPECT_EQ(v.constant_ints(0, "external"), std::nullopt);
  EXPECT_EQ(v.constant_floats(0, "shape"), std::nullopt);  // not a float tensor
  EXPECT_EQ(v.constant_ints(0, "x"), std::nullopt);        // not a constant
  EXPECT_EQ(v.constant_of(0, "x"), nullptr);
  EXPECT_EQ(dims(v.type_of(0, "y")), "[4,6]");
  EXPECT_EQ(v.facts().initializer_count, 6u);
  EXPECT_EQ(v.facts().external_tensors, 1u);
  // 2*8 + 2*8 + 2*1 + 2*2 + ceil(3*0.5) + 2*8
  EXPECT_EQ(v.facts().initializer_bytes, 16u + 16u + 2u + 4u + 2u + 16u);
}

TEST(View, ElidedPayloadsReadFromTheFile) {
  // Payloads above the loader's inline limit stay in the (copied) file.
  ModelBuilder b;
  b.input("x", kFloat, {2000}).output("y").output("z");
  b.initializer_floats("w", {2000}, 0.25f);
  std::vector<int64_t> idx(2000);
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i) * 1000 - 7;
  b.initializer_ints("idx", idx);
  b.node("Add", {"x", "w"}, {"y"});
  b.node("Gather", {"x", "idx"}, {"z"});
  LoadedModel m = load_model_from_bytes(b.bytes(), "elided.onnx");
  ASSERT_GE(m.elided_tensors, 2u);
  ModelView v = ModelView::build(std::move(m));
  auto w = v.constant_floats(0, "w");
  ASSERT_TRUE(w.has_value());
  ASSERT_EQ(w->size(), 2000u);
  EXPECT_EQ((*w)[1999], 0.25);
  EXPECT_EQ(v.constant_ints(0, "idx"), idx);
  EXPECT_EQ(v.facts().initializer_bytes, 2000u * 4 + 2000u * 8);
  // Inference still typed the outputs, from the declared dims only.
  EXPECT_EQ(dims(v.type_of(0, "y")), "[2000]");
  EXPECT_EQ(dims(v.type_of(0, "z")), "[2000]");
  EXPECT_TRUE(v.warnings().empty()) << v.warnings().front();
}

TEST(View, ElidedTensorsAreNotReadByInference) {
  // A big int64 vector (left in the file by the loader) fed to ops with data
  // propagation, and a big Constant node: libonnx must neither read them nor
  // give up on the rest of the graph.
  ModelBuilder b;
  b.input("x", kFloat, {2, 3}).output("cat").output("sum").output("after");
  std::vector<int64_t> big(3000, int64_t{1} << 40);  // 6-byte varints: well above the inline limit
  b.initializer_ints("big", big);
  auto& c = b.node("Constant", {}, {"bigc"}, "big_constant");
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto* t = a->mutable_t();
  t->set_data_type(kInt64);
  t->add_dims(3000);
  for (int i = 0; i < 3000; ++i) t->add_int64_data(i * 1000);
  b.node("Shape", {"x"}, {"s"});
  set_attr(b.node("Concat", {"s", "big"}, {"cat"}), "axis", int64_t{0});
  b.node("Add", {"bigc", "big"}, {"sum"});
  b.node("Relu", {"x"}, {"after"});
  LoadedModel m = load_model_from_bytes(b.bytes(), "elided-inference.onnx");
  ASSERT_GE(m.elided_tensors, 2u);
  ModelView v = ModelView::build(std::move(m));
  EXPECT_TRUE(v.warnings().empty()) << v.warnings().front();
  EXPECT_EQ(dims(v.type_of(0, "bigc")), "[3000]");
  EXPECT_EQ(dims(v.type_of(0, "cat")), "[3002]");
  EXPECT_EQ(dims(v.type_of(0, "sum")), "[3000]");
  EXPECT_EQ(dims(v.type_of(0, "after")), "[2,3]");
  auto values = v.constant_ints(0, "bigc");
  ASSERT_TRUE(values.has_value());
  EXPECT_EQ(values->size(), 3000u);
  EXPECT_EQ(values->back(), 2999000);
  // The model proto keeps its elided markers (inference ran on a copy).
  EXPECT_TRUE(elided_payload(v.model().proto().graph().initializer(0)).has_value());
}

// --- element types ---------------------------------------------------------

TEST(View, ElementTypes) {
  const std::vector<std::pair<const char*, double>> expected = {
      {"undefined", 0},      {"float32", 4},  {"uint8", 1},        {"int8", 1},           {"uint16", 2},
      {"int16", 2},          {"int32", 4},    {"int64", 8},        {"string", 0},         {"bool", 1},
      {"float16", 2},        {"float64", 8},  {"uint32", 4},       {"uint64", 8},         {"complex64", 8},
      {"complex128", 16},    {"bfloat16", 2}, {"float8e4m3fn", 1}, {"float8e4m3fnuz", 1}, {"float8e5m2", 1},
      {"float8e5m2fnuz", 1}, {"uint4", 0.5},  {"int4", 0.5},       {"float4e2m1", 0.5},   {"float8e8m0", 1},
      {"uint2", 0.25},       {"int2", 0.25},
  };
  for (int32_t code = 0; code <= 26; ++code) {
    EXPECT_EQ(elem_type_name(code), expected[static_cast<size_t>(code)].first) << code;
    EXPECT_EQ(elem_type_size(code), expected[static_cast<size_t>(code)].second) << code;
  }
  EXPECT_EQ(elem_type_name(27), "type<27>");
  EXPECT_EQ(elem_type_size(27), 0.0);
  EXPECT_EQ(elem_type_name(-1), "type<-1>");
}

TEST(View, NewerElementTypesSurviveInference) {
  ModelBuilder b(21, 10);
  b.input("x", 17 /*FLOAT8E4M3FN*/, {2, 3}).output("y").output("z");
  b.node("Identity", {"x"}, {"y"});
  auto& cast = b.node("Cast", {"x"}, {"z"});
  set_attr(cast, "to", int64_t{22});  // INT4
  ModelView v = view_of(b);
  ASSERT_NE(v.type_of(0, "y"), nullptr);
  EXPECT_EQ(v.type_of(0, "y")->elem_type, 17);
  EXPECT_EQ(dims(v.type_of(0, "y")), "[2,3]");
  EXPECT_EQ(v.type_of(0, "z")->elem_type, 22);
  EXPECT_EQ(elem_type_name(v.type_of(0, "z")->elem_type), "int4");
}

TEST(View, UnknownOpsAndDomainsDoNotStopInference) {
  ModelBuilder b;
  b.input("x", kFloat, {2, 3}).output("y").output("z");
  b.node("FancyOp", {"x"}, {"t"}).set_domain("com.example");
  b.node("Relu", {"t"}, {"y"});
  b.node("Relu", {"x"}, {"z"});
  ModelView v = view_of(b);
  EXPECT_EQ(v.nodes()[0].domain, "com.example");
  EXPECT_EQ(v.nodes()[0].domain_opset, 0);
  EXPECT_EQ(v.nodes()[0].since_version, 0);
  EXPECT_EQ(v.type_of(0, "t"), nullptr);
  EXPECT_EQ(dims(v.type_of(0, "z")), "[2,3]");
}

TEST(View, ContradictingValueInfoBecomesWarning) {
  ModelBuilder b;
  b.input("x", kFloat, {2, 3}).output("y", kFloat, {7, 7}).output("z");
  b.node("Relu", {"x"}, {"y"});
  b.node("Neg", {"x"}, {"z"});
  ModelView v = view_of(b);
  ASSERT_FALSE(v.warnings().empty());
  EXPECT_NE(v.warnings()[0].find("shape inference stopped"), std::string::npos) << v.warnings()[0];
  EXPECT_EQ(dims(v.type_of(0, "y")), "[7,7]");  // declared information wins
  EXPECT_EQ(dims(v.type_of(0, "z")), "[2,3]");  // the rest is still inferred
}

TEST(View, InferenceCanBeTurnedOff) {
  ViewOptions o;
  o.infer_shapes = false;
  ModelView v = view_of("squeezenet1_1_op13.onnx", o);
  EXPECT_EQ(dims(&v.facts().outputs[0].type), "[1,10]");  // declared
  const size_t conv = node_named(v, std::string(v.nodes()[0].name()));
  EXPECT_EQ(v.output_type(v.nodes()[conv], 0), nullptr);
}

TEST(View, ConcatDoublingDoesNotExplode) {
  // Shape vectors doubled by Concat 40 times would have 2^40 entries.
  ModelBuilder b;
  b.input("x", kFloat, {1, 2, 3, 4}).output("out");
  b.node("Shape", {"x"}, {"s0"});
  for (int i = 0; i < 40; ++i)
    set_attr(
        b.node("Concat", {"s" + std::to_string(i), "s" + std::to_string(i)}, {"s" + std::to_string(i + 1)}),
        "axis", int64_t{0});
  b.node("Expand", {"x", "s40"}, {"out"});
  ModelView v = view_of(b);
  EXPECT_EQ(dims(v.type_of(0, "s3")), "[32]");
  EXPECT_NE(v.type_of(0, "out"), nullptr);
  EXPECT_LE(v.type_of(0, "out")->rank(), Limits{}.max_rank);
}

}  // namespace
}  // namespace zonnx
