// Tests of the JSON and text reports, on real model views built from small
// in-memory models. Most run the real rule engine; some use a hand-written
// Analysis so placements, reasons and counts are exactly known.

#include "zonnx/report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "report/report_util.h"
#include "test_support.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx {
namespace {

using nlohmann::ordered_json;
using test::ModelBuilder;

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kBool = onnx::TensorProto::BOOL;

ModelView view_of(const ModelBuilder& b) {
  return ModelView::build(load_model_from_bytes(b.bytes(), "t.onnx"));
}

void set_dim_param(onnx::ValueInfoProto* v, int dim, const std::string& param) {
  v->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(dim)->set_dim_param(param);
}

// x: float32[batch,3,8,8] -> Conv -> Relu -> {Shape, NonZero}; a second input
// with an unknown dim and one with unknown rank.
ModelBuilder basic_model() {
  ModelBuilder b(13);
  b.input("x", kFloat, {-1, 3, 8, 8});
  set_dim_param(b.proto().mutable_graph()->mutable_input(0), 0, "batch");
  b.input("u", kFloat, {2, 0});
  // Second dim of "u": neither value nor name (unknown).
  b.proto()
      .mutable_graph()
      ->mutable_input(1)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->Clear();
  auto* norank = b.proto().mutable_graph()->add_input();
  norank->set_name("r");
  norank->mutable_type()->mutable_tensor_type()->set_elem_type(kFloat);
  b.initializer_floats("W", {4, 3, 3, 3});
  b.node("Conv", {"x", "W"}, {"c"}, "conv0");
  b.node("Relu", {"c"}, {"y"}, "relu0");
  b.node("Shape", {"y"}, {"s"}, "shape0");
  b.node("NonZero", {"y"}, {"nz"}, "nonzero0");
  b.node("Relu", {"u"}, {"uy"}, "relu_u");
  b.node("Abs", {"r"}, {"ry"}, "abs_r");
  b.output("y", kFloat, {-1, 4, 6, 6});
  set_dim_param(b.proto().mutable_graph()->mutable_output(0), 0, "batch");
  b.output("s");
  b.output("nz");
  b.output("uy");
  b.output("ry");
  auto* meta = b.proto().add_metadata_props();
  meta->set_key("author");
  meta->set_value("zonnx tests");
  return b;
}

// A model with an If whose branches are nested graphs.
ModelBuilder nested_model() {
  ModelBuilder b(13);
  b.input("cond", kBool, {});
  b.input("x", kFloat, {1, 4});
  b.node("Relu", {"x"}, {"a"}, "main_relu");
  auto& n = b.node("If", {"cond"}, {"z"}, "if0");
  auto branch = [&](const char* attr, const char* op, const char* node_name, const char* out) {
    auto* a = n.add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::GRAPH);
    auto* g = a->mutable_g();
    g->set_name(attr);
    auto* inner = g->add_node();
    inner->set_op_type(op);
    inner->set_name(node_name);
    inner->add_input("a");
    inner->add_output(out);
    auto* o = g->add_output();
    o->set_name(out);
    auto* t = o->mutable_type()->mutable_tensor_type();
    t->set_elem_type(kFloat);
    t->mutable_shape()->add_dim()->set_dim_value(1);
    t->mutable_shape()->add_dim()->set_dim_value(4);
  };
  branch("then_branch", "Sigmoid", "then_sigmoid", "t_out");
  branch("else_branch", "Neg", "else_neg", "e_out");
  b.node("Tanh", {"z"}, {"w"}, "main_tanh");
  b.output("w", kFloat, {1, 4});
  return b;
}

// A Summary consistent with the given verdicts (the rule engine's job, done here for hand-made analyses).
Summary summarize(const ModelView& view, const std::vector<NodeVerdict>& verdicts) {
  Summary s;
  std::map<std::pair<std::string, std::string>, uint64_t> blocking, cpu;
  for (const NodeInfo& n : view.nodes()) {
    const NodeVerdict& v = verdicts[n.index];
    ++s.nodes;
    if (!v.counted) continue;
    ++s.counted;
    if (v.placement == Placement::Nnpa) ++s.nnpa;
    if (v.placement == Placement::Cpu) ++s.cpu, ++cpu[{n.domain, n.op_type()}];
    if (v.placement == Placement::Unsupported) ++s.unsupported, ++blocking[{n.domain, n.op_type()}];
  }
  if (s.counted) {
    s.nnpa_share = static_cast<double>(s.nnpa) / static_cast<double>(s.counted);
    s.cpu_share = static_cast<double>(s.cpu) / static_cast<double>(s.counted);
    s.unsupported_share = static_cast<double>(s.unsupported) / static_cast<double>(s.counted);
  }
  for (const auto& [k, c] : blocking) s.blocking_ops.push_back({k.first, k.second, c});
  for (const auto& [k, c] : cpu) s.cpu_ops.push_back({k.first, k.second, c});
  s.model_opset = view.facts().onnx_opset();
  s.nnpa_recommended_opset = 22;
  return s;
}

Reason reason(const std::string& rule, const std::string& message, const std::string& hint,
              std::vector<std::pair<std::string, std::string>> values = {}) {
  return Reason{rule, message, hint, std::move(values)};
}

// Hand-made verdicts for basic_model(): conv0 nnpa, relu0 nnpa, shape0 cpu, nonzero0 unsupported,
// relu_u cpu (two reasons), abs_r nnpa.
Analysis hand_analysis(const ModelView& view) {
  Analysis a;
  a.march = March::Z17;
  a.verdicts.resize(view.nodes().size());
  for (const NodeInfo& n : view.nodes()) {
    NodeVerdict& v = a.verdicts[n.index];
    v.placement = Placement::Nnpa;
    if (n.name() == "shape0") {
      v.placement = Placement::Cpu;
      v.reasons.push_back(
          reason("test.cpu-only-op", "Shape has no NNPA lowering", "nothing to do: it is cheap"));
    } else if (n.name() == "nonzero0") {
      v.placement = Placement::Unsupported;
      v.reasons.push_back(reason("test.unsupported-op", "NonZero is not lowered by onnx-mlir", "remove it",
                                 {{"op", "NonZero"}}));
    } else if (n.name() == "relu_u") {
      v.placement = Placement::Cpu;
      v.reasons.push_back(reason("test.dynamic-dim", "unknown dimension", "bind it with --input-shape",
                                 {{"input", "u"}, {"dim", "1"}}));
      v.reasons.push_back(reason("test.second-reason", "another reason", ""));
      v.notes.push_back("a note");
    }
  }
  a.summary = summarize(view, a.verdicts);
  return a;
}

std::string text_of(const ModelView& view, const Analysis& analysis, TextOptions options,
                    const std::vector<GateResult>& gates = {}) {
  std::ostringstream out;
  write_text(out, view, analysis, gates, options);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string strip_ansi(const std::string& s) {
  static const std::regex ansi("\x1b\\[[0-9;]*m");
  return std::regex_replace(s, ansi, "");
}

// Terminal columns of a line of our output: every code point our reports can
// print (ASCII, "…", "×", U+FFFD) takes one column.
size_t columns(const std::string& line) {
  size_t n = 0;
  for (unsigned char c : line)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

void expect_fits(const std::string& text, int width) {
  for (const std::string& l : lines_of(strip_ansi(text)))
    EXPECT_LE(columns(l), static_cast<size_t>(width)) << "width " << width << ": \"" << l << "\"";
}

// ---- JSON -------------------------------------------------------------------

TEST(ReportJson, HasEveryRequiredFieldWithItsType) {
  ModelView view = view_of(basic_model());
  Analysis analysis = analyze(view, {});
  ordered_json j =
      inspect_json(view, analysis, {{"--fail-on unsupported", true, "1 node would not compile"}});

  EXPECT_EQ(j.at("schema"), kJsonSchema);
  EXPECT_EQ(j.at("tool").at("name"), "zonnx");
  EXPECT_EQ(j.at("tool").at("version"), ZONNX_VERSION);

  const auto& m = j.at("model");
  EXPECT_EQ(m.at("path"), "t.onnx");
  EXPECT_TRUE(m.at("file_size").is_number_unsigned());
  EXPECT_EQ(m.at("ir_version"), 8);
  EXPECT_EQ(m.at("producer").at("name"), "zonnx-tests");
  EXPECT_TRUE(m.at("producer").at("version").is_string());
  EXPECT_TRUE(m.at("domain").is_string());
  EXPECT_TRUE(m.at("model_version").is_number_integer());
  EXPECT_TRUE(m.at("doc_string").is_string());
  EXPECT_EQ(m.at("graph_name"), "test");
  ASSERT_TRUE(m.at("opset_imports").is_array());
  EXPECT_EQ(m.at("opset_imports").at(0).at("version"), 13);
  EXPECT_EQ(m.at("metadata").at("author"), "zonnx tests");
  ASSERT_EQ(m.at("inputs").size(), 3u);  // the initializer W is not an input
  EXPECT_EQ(m.at("inputs").at(0).at("name"), "x");
  EXPECT_EQ(m.at("inputs").at(0).at("type"), "float32");
  EXPECT_EQ(m.at("outputs").size(), 5u);
  EXPECT_EQ(m.at("initializers").at("count"), 1);
  EXPECT_EQ(m.at("initializers").at("bytes"), 4 * 3 * 3 * 3 * 4);
  EXPECT_EQ(m.at("initializers").at("external"), 0);
  EXPECT_EQ(m.at("node_count"), 6);
  EXPECT_EQ(m.at("graph_count"), 1);
  EXPECT_EQ(m.at("function_count"), 0);
  ASSERT_TRUE(m.at("op_histogram").is_array());
  EXPECT_EQ(m.at("op_histogram").at(0).at("op_type"), "Relu");  // the only op used twice
  EXPECT_EQ(m.at("op_histogram").at(0).at("count"), 2);
  EXPECT_EQ(m.at("op_histogram").at(0).at("domain"), "ai.onnx");

  EXPECT_EQ(j.at("target").at("march"), "z16");
  const auto& profile = j.at("target").at("profile");
  for (const char* k : {"name", "onnx_mlir_commit", "onnx_mlir_version"})
    EXPECT_TRUE(profile.at(k).is_string()) << k;
  for (const char* k : {"table_max_opset", "nnpa_recommended_opset"})
    EXPECT_TRUE(profile.at(k).is_number_integer()) << k;

  const auto& s = j.at("summary");
  for (const char* k :
       {"nodes", "counted", "nnpa", "cpu", "unsupported", "model_opset", "nnpa_recommended_opset"})
    EXPECT_TRUE(s.at(k).is_number_integer()) << k;
  for (const char* k : {"nnpa_share", "cpu_share", "unsupported_share"}) {
    EXPECT_TRUE(s.at(k).is_number()) << k;
    EXPECT_GE(s.at(k).get<double>(), 0.0);
    EXPECT_LE(s.at(k).get<double>(), 1.0);
  }
  for (const char* k : {"blocking_ops", "cpu_ops", "heavy_cpu_ops"}) EXPECT_TRUE(s.at(k).is_array()) << k;
  EXPECT_TRUE(s.at("compiles").is_boolean());
  EXPECT_EQ(s.at("nodes"), 6);
  EXPECT_EQ(s.at("model_opset"), 13);

  ASSERT_EQ(j.at("gates").size(), 1u);
  EXPECT_EQ(j.at("gates").at(0).at("gate"), "--fail-on unsupported");
  EXPECT_EQ(j.at("gates").at(0).at("failed"), true);
  EXPECT_EQ(j.at("gates").at(0).at("detail"), "1 node would not compile");
  EXPECT_TRUE(j.at("warnings").is_array());

  ASSERT_EQ(j.at("nodes").size(), 6u);
  for (const auto& n : j.at("nodes")) {
    EXPECT_TRUE(n.at("index").is_number_unsigned());
    EXPECT_TRUE(n.at("name").is_string());
    EXPECT_TRUE(n.at("op_type").is_string());
    EXPECT_EQ(n.at("domain"), "ai.onnx");
    EXPECT_EQ(n.at("graph"), "main");
    EXPECT_TRUE(n.at("version").is_number_integer());
    const std::string placement = n.at("placement");
    EXPECT_TRUE(placement == "nnpa" || placement == "cpu" || placement == "unsupported") << placement;
    EXPECT_TRUE(n.at("counted").is_boolean());
    EXPECT_TRUE(n.at("notes").is_array());
    ASSERT_TRUE(n.at("reasons").is_array());
    if (placement == "nnpa") {
      EXPECT_TRUE(n.at("reasons").empty());
    }
    for (const auto& r : n.at("reasons")) {
      EXPECT_TRUE(r.at("rule").is_string());
      EXPECT_TRUE(r.at("message").is_string());
      EXPECT_TRUE(r.at("hint").is_string());
      EXPECT_TRUE(r.at("values").is_object());
    }
    for (const char* io : {"inputs", "outputs"})
      for (const auto& v : n.at(io)) {
        EXPECT_TRUE(v.at("name").is_string());
        EXPECT_TRUE(v.at("type").is_string() || v.at("type").is_null());
        EXPECT_TRUE(v.at("shape").is_array() || v.at("shape").is_null());
      }
  }
  // Conv's version resolves at opset 13 (Conv-11).
  EXPECT_EQ(j.at("nodes").at(0).at("op_type"), "Conv");
  EXPECT_EQ(j.at("nodes").at(0).at("version"), 11);
}

TEST(ReportJson, TopLevelKeysInDocumentedOrder) {
  ModelView view = view_of(basic_model());
  ordered_json j = inspect_json(view, analyze(view, {}));
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema", "tool", "model", "target", "summary", "byte_order",
                                            "gates", "warnings", "nodes"}));
}

TEST(ReportJson, ShapesUseIntsNamesAndNulls) {
  ModelView view = view_of(basic_model());
  ordered_json j = inspect_json(view, analyze(view, {}));
  const auto& inputs = j.at("model").at("inputs");
  EXPECT_EQ(inputs.at(0).at("shape"), ordered_json::parse(R"(["batch", 3, 8, 8])"));
  EXPECT_EQ(inputs.at(1).at("shape"), ordered_json::parse("[2, null]"));
  EXPECT_TRUE(inputs.at(2).at("shape").is_null());  // rank unknown
  EXPECT_EQ(inputs.at(2).at("type"), "float32");
  EXPECT_EQ(j.at("model").at("outputs").at(0).at("shape"), ordered_json::parse(R"(["batch", 4, 6, 6])"));

  const auto& conv = j.at("nodes").at(0);
  ASSERT_EQ(conv.at("inputs").size(), 2u);
  EXPECT_EQ(conv.at("inputs").at(0).at("name"), "x");
  EXPECT_EQ(conv.at("inputs").at(0).at("shape"), ordered_json::parse(R"(["batch", 3, 8, 8])"));
  EXPECT_EQ(conv.at("inputs").at(1).at("shape"), ordered_json::parse("[4, 3, 3, 3]"));
  // Shape inference carries the named batch dim through Conv.
  EXPECT_EQ(conv.at("outputs").at(0).at("shape").at(0), "batch");
  EXPECT_EQ(conv.at("outputs").at(0).at("type"), "float32");
}

TEST(ReportJson, NodesInGraphOrderWithGraphPaths) {
  ModelView view = view_of(nested_model());
  ordered_json j = inspect_json(view, analyze(view, {}));
  const auto& nodes = j.at("nodes");
  ASSERT_EQ(nodes.size(), view.nodes().size());
  ASSERT_EQ(nodes.size(), 5u);
  bool left_main = false;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeInfo& n = view.nodes()[i];
    EXPECT_EQ(nodes[i].at("index"), i);
    EXPECT_EQ(nodes[i].at("name"), n.name());
    EXPECT_EQ(nodes[i].at("graph"), view.graphs()[static_cast<size_t>(n.graph)].path);
    // Main graph first, then the nested graphs.
    if (nodes[i].at("graph") != "main") left_main = true;
    if (left_main) {
      EXPECT_NE(nodes[i].at("graph"), "main") << i;
    }
  }
  EXPECT_EQ(nodes[0].at("name"), "main_relu");
  EXPECT_EQ(nodes[1].at("name"), "if0");
  EXPECT_EQ(nodes[2].at("name"), "main_tanh");
  std::set<std::string> nested = {nodes[3].at("name"), nodes[4].at("name")};
  EXPECT_EQ(nested, (std::set<std::string>{"then_sigmoid", "else_neg"}));
  EXPECT_EQ(j.at("model").at("graph_count"), 3);
}

TEST(ReportJson, DeterministicByteForByte) {
  const std::string bytes = basic_model().bytes();
  auto once = [&] {
    ModelView view = ModelView::build(load_model_from_bytes(bytes, "t.onnx"));
    return inspect_json(view, analyze(view, {}), {{"--min-nnpa-coverage 80", false, "ok"}}).dump(2);
  };
  const std::string a = once();
  EXPECT_EQ(a, once());
  EXPECT_EQ(a.find("/tmp"), std::string::npos);
  ModelView view = ModelView::build(load_model_from_bytes(bytes, "t.onnx"));
  Analysis analysis = analyze(view, {});
  EXPECT_EQ(inspect_json(view, analysis).dump(), inspect_json(view, analysis).dump());
}

TEST(ReportJson, HandMadeAnalysisIsReportedExactly) {
  ModelView view = view_of(basic_model());
  Analysis analysis = hand_analysis(view);
  ordered_json j = inspect_json(view, analysis);
  EXPECT_EQ(j.at("target").at("march"), "z17");
  const auto& s = j.at("summary");
  EXPECT_EQ(s.at("nnpa"), 3);
  EXPECT_EQ(s.at("cpu"), 2);
  EXPECT_EQ(s.at("unsupported"), 1);
  EXPECT_EQ(s.at("nnpa_share"), 0.5);
  EXPECT_EQ(s.at("cpu_share"), 0.3333);  // rounded to 4 decimals
  EXPECT_EQ(s.at("unsupported_share"), 0.1667);
  EXPECT_EQ(s.at("compiles"), false);
  EXPECT_EQ(s.at("blocking_ops"),
            ordered_json::parse(R"([{"op": "NonZero", "domain": "ai.onnx", "count": 1}])"));

  const auto& relu_u = j.at("nodes").at(4);
  EXPECT_EQ(relu_u.at("name"), "relu_u");
  EXPECT_EQ(relu_u.at("placement"), "cpu");
  ASSERT_EQ(relu_u.at("reasons").size(), 2u);
  EXPECT_EQ(relu_u.at("reasons").at(0).at("rule"), "test.dynamic-dim");
  EXPECT_EQ(relu_u.at("reasons").at(0).at("message"), "unknown dimension");
  EXPECT_EQ(relu_u.at("reasons").at(0).at("hint"), "bind it with --input-shape");
  EXPECT_EQ(relu_u.at("reasons").at(0).at("values").dump(), R"({"input":"u","dim":"1"})");  // order kept
  EXPECT_EQ(relu_u.at("notes"), ordered_json::parse(R"(["a note"])"));
  EXPECT_EQ(j.at("nodes").at(0).at("reasons").size(), 0u);
}

// The CLI streams the nodes (write_inspect_json); the bytes must be dump(2)'s, or dump()'s on one line.
TEST(ReportJson, StreamedNodesAreTheSameBytesAsTheTree) {
  auto same = [](const ModelView& view, const std::string& label) {
    const Analysis analysis = analyze(view, {});
    const std::vector<GateResult> gates = {{"--fail-on cpu", true, "x"}};
    const ordered_json tree = inspect_json(view, analysis, gates);
    std::ostringstream streamed;
    write_inspect_json(streamed, inspect_json(view, analysis, gates, nullptr, false), view, analysis);
    EXPECT_EQ(streamed.str(), tree.dump(2) + "\n") << label;
    std::ostringstream one_line;  // --format jsonl
    write_inspect_json(one_line, inspect_json(view, analysis, gates, nullptr, false), view, analysis, true);
    EXPECT_EQ(one_line.str(), tree.dump() + "\n") << label;
    EXPECT_EQ(ordered_json::parse(streamed.str()).at("nodes").size(), view.nodes().size()) << label;
  };
  same(view_of(basic_model()), "basic");
  same(view_of(nested_model()), "nested");
  // Names that need escaping: every control character, quotes, backslashes, DEL,
  // multi-byte UTF-8 and bytes that are not UTF-8 (made valid first); an
  // absent optional input (empty name); a scalar; a named and an unnamed dim.
  std::string controls;
  for (char c = 1; c < 0x20; ++c) controls += c;
  const std::string odd = "q\"b\\s/" + controls + "\x7f \xc3\xa9 \xe2\x82\xac \xff";
  ModelBuilder escapes(13);
  escapes.input(odd, onnx::TensorProto::FLOAT, {-1, 4, -1});
  set_dim_param(escapes.proto().mutable_graph()->mutable_input(0), 0, "n \"" + controls + "\xc3");
  escapes.input("k", onnx::TensorProto::FLOAT, {});
  escapes.node("Relu", {odd}, {"r\t1"}, odd);
  escapes.node("Clip", {"r\t1", "", "k"}, {"c"}, "clip\n");
  escapes.node("Mul", {"c", "k"}, {"m"}, "");
  escapes.output("m", onnx::TensorProto::FLOAT, {-1, 4, -1});
  same(view_of(escapes), "escapes");
  ModelBuilder empty;
  empty.input("x", onnx::TensorProto::FLOAT, {1}).output("x", onnx::TensorProto::FLOAT, {1});
  same(view_of(empty), "no nodes");
  for (const char* file : {"squeezenet1_1_op13.onnx", "gru_op13.onnx", "transformer_encoder_op17.onnx",
                           "silero_vad_16k_op15.onnx"}) {
    ModelView view = ModelView::build(load_model(test::bundled_model(file)));
    same(view, file);
  }
}

TEST(ReportJson, InvalidUtf8InTheModelStillDumps) {
  ModelBuilder b = basic_model();
  b.proto().mutable_graph()->mutable_node(1)->set_name("relu\xff\xfe");
  b.proto().mutable_metadata_props(0)->set_value("bad \xc3");
  ModelView view = view_of(b);
  ordered_json j = inspect_json(view, analyze(view, {}));
  std::string dumped;
  ASSERT_NO_THROW(dumped = j.dump());
  EXPECT_EQ(j.at("nodes").at(1).at("name"), "relu\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(j.at("model").at("metadata").at("author"), "bad \xef\xbf\xbd");
}

// ---- JSON against the published schema ----------------------------------------

const ordered_json& schema_file() {
  static const ordered_json schema = [] {
    std::ifstream f(test::source_dir() + "/docs/zonnx.inspect-1.schema.json");
    EXPECT_TRUE(f.good()) << "docs/zonnx.inspect-1.schema.json missing";
    return ordered_json::parse(f);
  }();
  return schema;
}

bool has_type(const ordered_json& v, const std::string& type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "string") return v.is_string();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  ADD_FAILURE() << "schema uses unknown type " << type;
  return false;
}

// A small walker over the keywords the schema uses ($ref, type, const, enum,
// required, properties, additionalProperties, items, minimum, maximum). Also
// fails for keys the output has but the schema does not document.
void check(const ordered_json& value, const ordered_json& schema, const std::string& where) {
  if (schema.contains("$ref")) {
    const std::string ref = schema.at("$ref");
    ASSERT_EQ(ref.rfind("#/$defs/", 0), 0u) << where;
    check(value, schema_file().at("$defs").at(ref.substr(8)), where);
    return;
  }
  if (schema.contains("type")) {
    const auto& t = schema.at("type");
    bool ok = false;
    if (t.is_string())
      ok = has_type(value, t.get<std::string>());
    else
      for (const auto& one : t) ok = ok || has_type(value, one.get<std::string>());
    EXPECT_TRUE(ok) << where << ": " << value.dump() << " is not " << t.dump();
    if (!ok) return;
  }
  if (schema.contains("const")) {
    EXPECT_EQ(value, schema.at("const")) << where;
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema.at("enum")) found = found || e == value;
    EXPECT_TRUE(found) << where << ": " << value.dump() << " not in " << schema.at("enum").dump();
  }
  if (value.is_number() && schema.contains("minimum")) {
    EXPECT_GE(value.get<double>(), schema.at("minimum").get<double>()) << where;
  }
  if (value.is_number() && schema.contains("maximum")) {
    EXPECT_LE(value.get<double>(), schema.at("maximum").get<double>()) << where;
  }
  if (value.is_object()) {
    if (schema.contains("required")) {
      for (const auto& key : schema.at("required")) {
        EXPECT_TRUE(value.contains(key.get<std::string>()))
            << where << ": missing required \"" << key << "\"";
      }
    }
    if (schema.contains("properties")) {
      const auto& props = schema.at("properties");
      for (const auto& [key, v] : value.items()) {
        if (props.contains(key))
          check(v, props.at(key), where + "." + key);
        else
          ADD_FAILURE() << where << ": \"" << key << "\" is not documented in the schema";
      }
    } else if (schema.contains("additionalProperties")) {
      for (const auto& [key, v] : value.items())
        check(v, schema.at("additionalProperties"), where + "." + key);
    }
  }
  if (value.is_array() && schema.contains("items"))
    for (size_t i = 0; i < value.size(); ++i)
      check(value[i], schema.at("items"), where + "[" + std::to_string(i) + "]");
}

TEST(ReportSchema, SchemaFileIsWellFormed) {
  const ordered_json& schema = schema_file();
  EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(schema.at("properties").at("schema").at("const"), kJsonSchema);
  // Every required key is described under properties.
  std::function<void(const ordered_json&, const std::string&)> walk = [&](const ordered_json& s,
                                                                          const std::string& where) {
    if (!s.is_object()) return;
    if (s.contains("required")) {
      for (const auto& k : s.at("required")) {
        EXPECT_TRUE(s.contains("properties") && s.at("properties").contains(k.get<std::string>()))
            << where << ": required \"" << k << "\" has no property";
      }
    }
    for (const auto& [k, v] : s.items())
      if (v.is_object()) walk(v, where + "/" + k);
  };
  walk(schema, "#");
}

TEST(ReportSchema, RealOutputMatchesTheSchema) {
  for (const ModelBuilder& b : {basic_model(), nested_model()}) {
    ModelView view = view_of(b);
    check(inspect_json(view, analyze(view, {}), {{"--fail-on cpu", true, "x"}}), schema_file(), "$");
  }
  ModelView view = view_of(basic_model());
  check(inspect_json(view, hand_analysis(view)), schema_file(), "$");
}

TEST(ReportSchema, DocumentationListsEveryField) {
  const std::string doc = test::read_file(test::source_dir() + "/docs/json-schema.md");
  ASSERT_FALSE(doc.empty());
  EXPECT_NE(doc.find(kJsonSchema), std::string::npos);
  std::function<void(const ordered_json&)> walk = [&](const ordered_json& s) {
    if (!s.is_object()) return;
    if (s.contains("properties")) {
      for (const auto& [k, v] : s.at("properties").items()) {
        EXPECT_NE(doc.find("`" + k + "`"), std::string::npos)
            << "docs/json-schema.md does not mention `" << k << "`";
      }
    }
    for (const auto& [k, v] : s.items()) walk(v);
  };
  walk(schema_file());
}

// ---- text -------------------------------------------------------------------

TEST(ReportText, NoColourUnlessAsked) {
  ModelView view = view_of(basic_model());
  Analysis analysis = hand_analysis(view);
  for (bool verbose : {false, true}) {
    TextOptions o;
    o.verbose = verbose;
    const std::string plain = text_of(view, analysis, o);
    EXPECT_EQ(plain.find('\x1b'), std::string::npos);
    o.color = true;
    const std::string coloured = text_of(view, analysis, o);
    EXPECT_NE(coloured.find("\x1b[1m"), std::string::npos);   // bold headings
    EXPECT_NE(coloured.find("\x1b[32m"), std::string::npos);  // nnpa green
    EXPECT_NE(coloured.find("\x1b[33m"), std::string::npos);  // cpu yellow
    EXPECT_NE(coloured.find("\x1b[31m"), std::string::npos);  // unsupported red
    EXPECT_EQ(strip_ansi(coloured), plain);                   // colour adds nothing else
  }
}

TEST(ReportText, EscapeSequencesFromTheModelNeverReachTheTerminal) {
  ModelBuilder b = basic_model();
  b.proto().mutable_graph()->mutable_node(2)->set_name("evil\x1b[2J\x07name");
  b.proto().mutable_metadata_props(0)->set_value("line1\nline2\x1b]0;title\x07");
  ModelView view = view_of(b);
  for (bool verbose : {false, true}) {
    TextOptions o;
    o.verbose = verbose;
    const std::string text = text_of(view, hand_analysis(view), o);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_EQ(text.find('\x07'), std::string::npos);
    EXPECT_NE(text.find("line1 line2?]0;title?"), std::string::npos);
    if (verbose) {
      EXPECT_NE(text.find("evil?[2J?name"), std::string::npos);
    }
  }
}

ModelBuilder long_names_model() {
  ModelBuilder b = basic_model();
  auto* g = b.proto().mutable_graph();
  g->mutable_node(3)->set_name(std::string(150, 'n') + "/very/long/node/name");
  g->mutable_node(2)->set_name("/model/encoder/layers.11/attention/self/" + std::string(90, 'q') + "/Shape");
  auto* meta = b.proto().add_metadata_props();
  meta->set_key("description");
  meta->set_value(std::string(300, 'd'));
  b.proto().set_producer_name("a producer with a long name " + std::string(100, 'p'));
  // A custom-domain op with a long name.
  auto* imp = b.proto().add_opset_import();
  imp->set_domain("com.example.some.very.long.domain.name");
  imp->set_version(1);
  auto& n = b.node("AnOperatorWithAnExtremelyLongNameThatDoesNotFitAnywhere", {"y"}, {"custom"}, "custom0");
  n.set_domain("com.example.some.very.long.domain.name");
  b.output("custom");
  return b;
}

TEST(ReportText, EveryLineFitsTheWidth) {
  ModelView view = view_of(long_names_model());
  Analysis real = analyze(view, {});
  Analysis hand = hand_analysis(view);
  std::vector<GateResult> gates = {
      {"--min-nnpa-coverage 80", true,
       "NNPA coverage 42.0% of 7 nodes, " + std::string(60, 'x') + " long detail"},
      {"--fail-on unsupported", false, "every node compiles"}};
  for (int width : {80, 120, 40}) {
    for (bool verbose : {false, true}) {
      for (bool color : {false, true}) {
        TextOptions o;
        o.width = width;
        o.verbose = verbose;
        o.color = color;
        SCOPED_TRACE(testing::Message() << "width " << width << " verbose " << verbose << " color " << color);
        expect_fits(text_of(view, real, o, gates), width);
        expect_fits(text_of(view, hand, o, gates), width);
      }
    }
  }
}

TEST(ReportText, LongNamesAreTruncatedWithAnEllipsis) {
  ModelView view = view_of(long_names_model());
  TextOptions o;
  o.width = 80;
  o.verbose = true;
  const std::string text = text_of(view, hand_analysis(view), o);
  EXPECT_NE(text.find("nnnnnnnn\u2026"), std::string::npos);
  EXPECT_NE(text.find("AnOperatorWith"), std::string::npos);
}

TEST(ReportText, HeaderShowsTheModelFacts) {
  ModelView view = view_of(basic_model());
  const std::string text = text_of(view, hand_analysis(view), TextOptions{});
  EXPECT_NE(text.find("t.onnx"), std::string::npos);
  EXPECT_NE(text.find("float32[batch,3,8,8]"), std::string::npos);
  EXPECT_NE(text.find("float32[2,?]"), std::string::npos);
  EXPECT_NE(text.find("float32[*]"), std::string::npos);
  EXPECT_NE(text.find("zonnx-tests"), std::string::npos);
  EXPECT_NE(text.find("ai.onnx 13"), std::string::npos);
  EXPECT_NE(text.find("author: zonnx tests"), std::string::npos);
  EXPECT_NE(text.find("432 B"), std::string::npos);  // initializer bytes, human-readable
  EXPECT_NE(text.find("z17"), std::string::npos);
}

TEST(ReportText, VerboseListsEveryNode) {
  ModelView view = view_of(nested_model());
  Analysis analysis = analyze(view, {});
  TextOptions o;
  o.verbose = true;
  o.width = 80;
  const std::string text = text_of(view, analysis, o);
  for (const NodeInfo& n : view.nodes()) EXPECT_NE(text.find(n.name()), std::string::npos) << n.name();
  for (const GraphInfo& g : view.graphs()) EXPECT_NE(text.find(g.path), std::string::npos) << g.path;
}

TEST(ReportText, GroupedTableListsRuleIdsMessagesAndHints) {
  ModelView view = view_of(basic_model());
  const std::string text = text_of(view, hand_analysis(view), TextOptions{});
  EXPECT_NE(text.find("Nodes not on NNPA"), std::string::npos);
  for (const char* s :
       {"test.cpu-only-op", "test.unsupported-op", "test.dynamic-dim", "Shape has no NNPA lowering",
        "fix: remove it", "also: test.second-reason (1)", "nodes: nonzero0"})
    EXPECT_NE(text.find(s), std::string::npos) << s;
  // Unsupported groups come first.
  EXPECT_LT(text.find("test.unsupported-op"), text.find("test.cpu-only-op"));
  // Nodes on NNPA are not listed without verbose.
  EXPECT_EQ(text.find("conv0"), std::string::npos);
}

TEST(ReportText, GroupedTableListsTheRealEnginesRules) {
  ModelView view = view_of(basic_model());
  Analysis analysis = analyze(view, {});
  const std::string text = text_of(view, analysis, TextOptions{});
  size_t listed = 0;
  for (const NodeVerdict& v : analysis.verdicts) {
    if (v.placement == Placement::Nnpa || !v.counted) continue;
    ++listed;
    ASSERT_FALSE(v.reasons.empty());
    EXPECT_NE(text.find(v.reasons.front().rule), std::string::npos) << v.reasons.front().rule;
  }
  EXPECT_GT(listed, 0u);  // Shape/NonZero do not run on the NNPA
}

TEST(ReportText, GroupsCapTheNodeNames) {
  ModelBuilder b(13);
  b.input("x", kFloat, {1, 4});
  std::string prev = "x";
  for (int i = 0; i < 8; ++i) {
    const std::string out = "s" + std::to_string(i);
    b.node("Shape", {"x"}, {out}, "shape_" + std::to_string(i));
    b.output(out);
  }
  ModelView view = view_of(b);
  Analysis a;
  a.verdicts.resize(view.nodes().size());
  for (auto& v : a.verdicts) {
    v.placement = Placement::Cpu;
    v.reasons.push_back(reason("test.rule", "why", "how"));
  }
  a.summary = summarize(view, a.verdicts);
  TextOptions o;
  o.group_names = 3;
  const std::string text = text_of(view, a, o);
  EXPECT_NE(text.find("nodes: shape_0, shape_1, shape_2 (+5 more)"), std::string::npos) << text;
  EXPECT_EQ(text.find("shape_3"), std::string::npos);
}

// Each blocking op is named with the rule of its first unsupported node, with
// many distinct ops (the summary counts by op id, not by searching lists).
TEST(ReportText, SummaryNamesEveryBlockingOpWithItsRule) {
  ModelBuilder b(13);
  auto* custom = b.proto().add_opset_import();
  custom->set_domain("my.dom");
  custom->set_version(1);
  b.input("x", 1, {1, 4});
  std::string prev = "x";
  for (int i = 0; i < 40; ++i) {
    const std::string out = "t" + std::to_string(i);
    b.node("CustomOp" + std::to_string(i % 20), {prev}, {out}).set_domain("my.dom");
    prev = out;
  }
  b.output(prev, 1, {1, 4});
  ModelView view = view_of(b);
  const Analysis analysis = analyze(view, {});
  ASSERT_EQ(analysis.summary.blocking_ops.size(), 20u);
  for (const OpCount& op : analysis.summary.blocking_ops) {
    EXPECT_EQ(op.count, 2u) << op.op_type;
    EXPECT_EQ(op.domain, "my.dom");
  }
  TextOptions wide;
  wide.width = 100000;  // one line: no wrapping inside the list
  const std::string text = text_of(view, analysis, wide);
  for (int i = 0; i < 20; ++i) {
    const std::string entry = "2 \u00d7 CustomOp" + std::to_string(i) + " (my.dom) (model.custom-domain)";
    EXPECT_NE(text.find(entry), std::string::npos) << entry << "\n" << text;
  }
}

TEST(ReportText, SummaryShowsSharesBlockingOpsOpsetAndGates) {
  ModelView view = view_of(basic_model());
  const std::vector<GateResult> gates = {{"--fail-on unsupported", true, "1 node(s) would not compile"},
                                         {"--min-nnpa-coverage 40", false, "NNPA coverage 50.0% of 6 nodes"}};
  const std::string text = text_of(view, hand_analysis(view), TextOptions{}, gates);
  EXPECT_NE(text.find("NNPA          3 / 6   50.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("CPU           2 / 6   33.3%"), std::string::npos);
  EXPECT_NE(text.find("Unsupported   1 / 6   16.7%"), std::string::npos);
  EXPECT_NE(text.find("would not compile: 1 \u00d7 NonZero (test.unsupported-op)"), std::string::npos);
  EXPECT_NE(text.find("model opset 13"), std::string::npos);
  EXPECT_NE(text.find("zonnx convert --opset nnpa"), std::string::npos);
  EXPECT_NE(text.find("FAIL  --fail-on unsupported: 1 node(s) would not compile"), std::string::npos);
  EXPECT_NE(text.find("pass  --min-nnpa-coverage 40"), std::string::npos);
}

TEST(ReportText, OperatorTableHasAPlacementBreakdown) {
  ModelView view = view_of(basic_model());
  const std::string text = text_of(view, hand_analysis(view), TextOptions{});
  const std::vector<std::string> lines = lines_of(text);
  auto row = [&](const std::string& op) {
    for (const auto& l : lines)
      if (l.rfind("  " + op + " ", 0) == 0) return l;
    return std::string();
  };
  // Relu: 2 nodes, relu0 on NNPA and relu_u on CPU.
  EXPECT_TRUE(std::regex_search(row("Relu"), std::regex(R"(^  Relu +2 +1 +1 +-$)"))) << row("Relu");
  EXPECT_TRUE(std::regex_search(row("NonZero"), std::regex(R"(^  NonZero +1 +- +- +1$)"))) << row("NonZero");
}

// ---- helpers ------------------------------------------------------------------

TEST(ReportUtil, WidthTruncationAndWrapping) {
  EXPECT_EQ(report::display_width("abc"), 3);
  EXPECT_EQ(report::display_width("\u2026"), 1);
  EXPECT_EQ(report::display_width("\u4e2d\u6587"), 4);
  EXPECT_EQ(report::truncate("abcdef", 4), "abc\u2026");
  EXPECT_EQ(report::truncate("abcd", 4), "abcd");
  EXPECT_EQ(report::truncate("\u4e2d\u6587\u4e2d", 4), "\u4e2d\u2026");
  EXPECT_EQ(report::wrap("aa bb cc", 5), (std::vector<std::string>{"aa bb", "cc"}));
  EXPECT_EQ(report::wrap("abcdefgh", 3), (std::vector<std::string>{"abc", "def", "gh"}));
  EXPECT_EQ(report::wrap("", 3), (std::vector<std::string>{""}));
  EXPECT_EQ(report::terminal_safe("a\tb\x1b[0m\xff"), "a b?[0m\ufffd");
  EXPECT_EQ(report::valid_utf8("ok \xe2\x82"), "ok \ufffd\ufffd");
  EXPECT_EQ(report::valid_utf8("\xed\xa0\x80"), "\ufffd\ufffd\ufffd");  // a surrogate is not UTF-8
}

TEST(ReportUtil, SizesAndPercentages) {
  EXPECT_EQ(report::human_bytes(0), "0 B");
  EXPECT_EQ(report::human_bytes(1023), "1023 B");
  EXPECT_EQ(report::human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(report::human_bytes(102'540'000), "97.8 MiB");
  EXPECT_EQ(report::human_bytes(uint64_t{3} << 30), "3.00 GiB");
  EXPECT_EQ(report::percent(0.8), "80.0%");
  EXPECT_EQ(report::percent(1.0), "100.0%");
  EXPECT_EQ(report::percent(0.99999), "99.9%");
  EXPECT_EQ(report::percent(0.00001), "0.1%");
  EXPECT_EQ(report::percent(0.0), "0.0%");
}

}  // namespace
}  // namespace zonnx
