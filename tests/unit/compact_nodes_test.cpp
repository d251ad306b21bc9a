// The main graph's nodes decoded by the loader into compact records
// (LoadOptions::compact_main_nodes, what inspect uses) must read exactly as
// the NodeProtos protobuf parses from the same bytes, and every report built
// on them must be the one built on parsed nodes.
#include <gtest/gtest.h>

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

using test::bundled_model;
using test::ModelBuilder;
using test::real_models;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;

LoadOptions compact_options() {
  LoadOptions options;
  options.compact_main_nodes = true;
  return options;
}

std::vector<std::string> names(NodeFields::Names list) {
  std::vector<std::string> out;
  for (std::string_view name : list) out.emplace_back(name);
  return out;
}

// Every compact node reads as the parsed node at its position; materialising
// them gives the model a plain load gives, byte for byte.
void expect_same_nodes(const std::string& path, const LoadOptions& plain_options = {}) {
  SCOPED_TRACE(path);
  LoadOptions options = plain_options;
  options.compact_main_nodes = true;
  LoadedModel compact = load_model(path, options);
  const LoadedModel plain = load_model(path, plain_options);
  ASSERT_TRUE(compact.compact_nodes);
  EXPECT_FALSE(plain.compact_nodes);
  EXPECT_EQ(compact.proto().graph().node_size(), 0);
  const auto& nodes = compact.compact_nodes->nodes;
  ASSERT_EQ(nodes.size(), static_cast<size_t>(plain.proto().graph().node_size()));
  for (size_t i = 0; i < nodes.size(); ++i) {
    SCOPED_TRACE("node " + std::to_string(i));
    const onnx::NodeProto& want = plain.proto().graph().node(static_cast<int>(i));
    const NodeFields got(nodes[i]);
    EXPECT_EQ(got.name(), want.name());
    EXPECT_EQ(got.op_type(), want.op_type());
    EXPECT_EQ(got.domain(), want.domain());
    EXPECT_EQ(names(got.input()), std::vector<std::string>(want.input().begin(), want.input().end()));
    EXPECT_EQ(names(got.output()), std::vector<std::string>(want.output().begin(), want.output().end()));
    EXPECT_EQ(got.attribute_size(), want.attribute_size());
    // A node with attributes is the node protobuf parses; a plain one has no proto.
    EXPECT_EQ(got.proto() != nullptr, want.attribute_size() > 0 || !want.unknown_fields().empty());
    if (got.proto()) {
      EXPECT_EQ(got.proto()->SerializeAsString(), want.SerializeAsString());
    }
  }
  compact.materialize_main_nodes();
  EXPECT_EQ(compact.proto().SerializeAsString(), plain.proto().SerializeAsString());
  compact.materialize_main_nodes();  // once only
  EXPECT_EQ(compact.proto().graph().node_size(), plain.proto().graph().node_size());
}

TEST(CompactNodes, ReadAsTheParsedNodesOfRealModels) {
  for (const std::string& path : real_models()) expect_same_nodes(path);
  // Every payload inline, so no node is re-encoded around a marker.
  LoadOptions all_inline;
  all_inline.limits.inline_payload_bytes = uint64_t{1} << 40;
  expect_same_nodes(bundled_model("squeezenet1_1_op13.onnx"), all_inline);
}

// --- nodes written by hand ---------------------------------------------------

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}
void append_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  append_varint(out, (uint64_t{field} << 3) | 2);
  append_varint(out, bytes.size());
  out += bytes;
}

// A model whose main graph's nodes use the corners of the wire format: a
// singular field given twice (the last one counts), outputs before inputs, a
// doc_string, a known field with another wire type, a field libonnx does not
// know, a Constant whose tensor is left in the file, and a two-byte node tag.
std::string unusual_model_bytes() {
  ModelBuilder b(13);
  b.input("x", kFloat, {2048});
  b.output("y", kFloat, {2048});
  std::string graph = b.proto().graph().SerializeAsString();
  std::string node;
  auto add_node = [&](bool long_tag = false) {
    if (long_tag) {
      graph += std::string("\x8a\x00", 2);  // field 1, length-delimited, in two bytes
      append_varint(graph, node.size());
      graph += node;
    } else {
      append_bytes(graph, 1, node);
    }
    node.clear();
  };
  append_bytes(node, 1, "x");
  append_bytes(node, 3, "first name");
  append_bytes(node, 6, "what the exporter said");
  append_bytes(node, 4, "Relu");
  append_bytes(node, 3, "relu");
  append_bytes(node, 2, "a");
  add_node();
  append_bytes(node, 2, "b");
  append_bytes(node, 1, "a");
  append_bytes(node, 4, "Sigmoid");
  append_bytes(node, 7, "");
  add_node(true);
  append_bytes(node, 1, "b");
  node += std::string("\x08\x07", 2);  // field 1 (input) as a varint: protobuf keeps it as unknown
  append_bytes(node, 2, "c");
  append_bytes(node, 4, "Relu");
  add_node();
  append_bytes(node, 1, "c");
  append_bytes(node, 2, "d");
  append_bytes(node, 4, "Relu");
  append_bytes(node, 99, "newer");
  add_node();
  onnx::NodeProto constant;
  constant.set_op_type("Constant");
  constant.set_name("k");
  constant.add_output("k");
  onnx::AttributeProto* value = constant.add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(kFloat);
  value->mutable_t()->add_dims(2048);
  value->mutable_t()->set_raw_data(std::string(2048 * 4, '\x01'));  // above the inline limit
  node = constant.SerializeAsString();
  add_node();
  append_bytes(node, 1, "d");
  append_bytes(node, 1, "k");
  append_bytes(node, 4, "Sub");
  append_bytes(node, 4, "Add");
  append_bytes(node, 2, "y");
  add_node();

  onnx::ModelProto model = b.proto();
  model.clear_graph();
  std::string bytes = model.SerializeAsString();
  append_bytes(bytes, 7, graph);
  return bytes;
}

TEST(CompactNodes, UnusualNodesReadAsProtobufReadsThem) {
  const std::string path = test::temp_dir() + "/unusual.onnx";
  test::write_file(path, unusual_model_bytes());
  expect_same_nodes(path);

  const LoadedModel model = load_model(path, compact_options());
  const auto& nodes = model.compact_nodes->nodes;
  ASSERT_EQ(nodes.size(), 6u);
  EXPECT_EQ(nodes[0].name, "relu");
  EXPECT_EQ(nodes[0].proto, nullptr);
  EXPECT_EQ(nodes[1].proto, nullptr);  // outputs before inputs, a two-byte tag: still plain
  EXPECT_NE(nodes[2].proto, nullptr);
  EXPECT_NE(nodes[3].proto, nullptr);
  ASSERT_NE(nodes[4].proto, nullptr);
  EXPECT_EQ(nodes[5].op_type, "Add");
  EXPECT_EQ(nodes[5].proto, nullptr);
  // The Constant's payload stayed in the file and is readable through its proto.
  const onnx::TensorProto& t = nodes[4].proto->attribute(0).t();
  ASSERT_TRUE(elided_payload(t).has_value());
  const auto bytes = tensor_raw_bytes(model, t);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, std::string(2048 * 4, '\x01'));
}

TEST(CompactNodes, CopiesAndMovesKeepTheRecordsReadable) {
  std::optional<LoadedModel> original =
      load_model(bundled_model("squeezenet1_1_op13.onnx"), compact_options());
  const LoadedModel copy = *original;
  LoadedModel moved = std::move(*original);
  original.reset();
  ASSERT_TRUE(copy.compact_nodes);
  EXPECT_EQ(copy.compact_nodes->nodes.size(), 83u);
  const LoadedModel plain = load_model(bundled_model("squeezenet1_1_op13.onnx"));
  EXPECT_EQ(NodeFields(copy.compact_nodes->nodes[0]).op_type(), plain.proto().graph().node(0).op_type());
  EXPECT_EQ(NodeFields(copy.compact_nodes->nodes[82]).name(), plain.proto().graph().node(82).name());
  EXPECT_EQ(NodeFields(moved.compact_nodes->nodes[82]).output(0), moved.compact_nodes->nodes[82].operands[1]);
  LoadedModel copy_to_fill = copy;
  copy_to_fill.materialize_main_nodes();
  EXPECT_EQ(copy_to_fill.proto().graph().node_size(), 83);
  EXPECT_EQ(copy.proto().graph().node_size(), 0);  // a copy is deep
}

TEST(CompactNodes, MalformedNodeFailsAsWithParsedNodes) {
  onnx::ModelProto model = ModelBuilder(13).proto();
  model.clear_graph();
  std::string bytes = model.SerializeAsString();
  std::string node;
  append_bytes(node, 4, "Relu");
  append_varint(node, (uint64_t{5} << 3) | 2);  // an attribute whose body is not a message
  append_varint(node, 3);
  node += std::string("\xff\xff\xff", 3);
  std::string graph;
  append_bytes(graph, 1, node);
  append_bytes(bytes, 7, graph);
  std::string plain_error, compact_error;
  try {
    load_model_from_bytes(bytes, "bad.onnx");
  } catch (const ModelError& e) {
    plain_error = e.what();
  }
  try {
    load_model_from_bytes(bytes, "bad.onnx", compact_options());
  } catch (const ModelError& e) {
    compact_error = e.what();
  }
  EXPECT_FALSE(plain_error.empty());
  EXPECT_EQ(compact_error, plain_error);
}

// --- reports -----------------------------------------------------------------

// 30,000 nodes and more than 2 MiB of structure: large enough for every
// two-thread path of the loader and the view. Plain MatMul/Relu/Sigmoid nodes
// with long names, and every 1,000th a LeakyRelu with an attribute.
std::string chain_model(const std::string& path) {
  ModelBuilder b(13);
  b.input("x", kFloat, {1, 64});
  b.initializer_floats("W", {64, 64}, 0.01f);
  std::string x = "x";
  for (int i = 0; i < 30000; ++i) {
    const std::string out =
        "/encoder/layers." + std::to_string(i / 3) + "/activation_output_" + std::to_string(i);
    const std::string name = "/encoder/layers." + std::to_string(i / 3) + "/node_" + std::to_string(i);
    if (i % 1000 == 999)
      set_attr(b.node("LeakyRelu", {x}, {out}, name), "alpha", 0.2f);
    else if (i % 3 == 0)
      b.node("MatMul", {x, "W"}, {out}, name);
    else
      b.node(i % 3 == 1 ? "Relu" : "Sigmoid", {x}, {out}, name);
    x = out;
  }
  b.node("Relu", {x}, {"y"}, "last");
  b.output("y");
  return b.save(path);
}

std::string reports(LoadedModel model, March march, bool* stayed_compact = nullptr) {
  ModelView view = ModelView::build(std::move(model));
  AnalysisOptions options;
  options.march = march;
  const Analysis analysis = analyze(view, options);
  if (stayed_compact)
    *stayed_compact = view.model().compact_nodes && view.model().proto().graph().node_size() == 0;
  std::ostringstream out;
  write_inspect_json(out, inspect_json(view, analysis), view, analysis);
  TextOptions text;
  text.verbose = true;
  write_text(out, view, analysis, {}, text);
  write_csv_rows(out, view, analysis);
  out << sarif_run_text(sarif_run(view, analysis));
  return out.str();
}

// "" when equal, else the first line that differs in each (reports are long).
std::string first_difference(const std::string& got, const std::string& want) {
  std::istringstream a(got), b(want);
  std::string line_a, line_b;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (more_a != more_b || line_a != line_b)
      return "line " + std::to_string(line) + ": compact '" + (more_a ? line_a : "<end>") + "' vs parsed '" +
             (more_b ? line_b : "<end>") + "'";
  }
}

void expect_same_reports(const std::string& path, bool* stayed_compact = nullptr) {
  SCOPED_TRACE(path);
  for (March march : {March::Z16, March::Z17}) {
    EXPECT_EQ(first_difference(reports(load_model(path, compact_options()), march, stayed_compact),
                               reports(load_model(path), march)),
              "");
  }
}

TEST(CompactNodes, ReportsEqualThoseOfParsedNodes) {
  for (const std::string& path : real_models()) expect_same_reports(path);
  const std::string unusual = test::temp_dir() + "/unusual.onnx";
  test::write_file(unusual, unusual_model_bytes());
  expect_same_reports(unusual);

  // Ops libonnx's inference is needed for (Conv): the nodes are parsed for it.
  bool stayed_compact = true;
  expect_same_reports(bundled_model("squeezenet1_1_op13.onnx"), &stayed_compact);
  EXPECT_FALSE(stayed_compact);

  // A large plain chain zonnx infers itself: the nodes are never parsed, and
  // the view's two-thread passes run on the records.
  const std::string chain = chain_model(test::temp_dir() + "/chain.onnx");
  expect_same_nodes(chain);
  expect_same_reports(chain, &stayed_compact);
  EXPECT_TRUE(stayed_compact);
}

}  // namespace
}  // namespace zonnx
