// The structure-first loader on real models and on hand-built ones: node
// counts, which payloads stay in the file, payload bytes, fields newer than
// libonnx, and a 1 GiB model that must load without reading its weights.
#include "zonnx/loader.h"

#include <fcntl.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "zonnx/errors.h"

namespace zonnx {
namespace {

using test::bundled_model;
using test::ModelBuilder;
using test::temp_dir;

// --- helpers ---------------------------------------------------------------

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}
void append_tag(std::string& out, uint32_t field, int wire_type) {
  append_varint(out, (uint64_t{field} << 3) | static_cast<uint64_t>(wire_type));
}
void append_bytes_field(std::string& out, uint32_t field, const std::string& bytes) {
  append_tag(out, field, 2);
  append_varint(out, bytes.size());
  out += bytes;
}
void append_varint_field(std::string& out, uint32_t field, uint64_t value) {
  append_tag(out, field, 0);
  append_varint(out, value);
}

// Every graph of a model (main graph and If/Loop/Scan bodies), depth first.
void for_each_graph(const onnx::GraphProto& graph,
                    const std::function<void(const onnx::GraphProto&)>& visit) {
  visit(graph);
  for (const auto& node : graph.node()) {
    for (const auto& attr : node.attribute()) {
      if (attr.has_g()) for_each_graph(attr.g(), visit);
      for (const auto& g : attr.graphs()) for_each_graph(g, visit);
    }
  }
}

// Every tensor of a graph: initializers and tensor attributes, subgraphs included.
std::vector<const onnx::TensorProto*> all_tensors(const onnx::GraphProto& graph) {
  std::vector<const onnx::TensorProto*> tensors;
  for_each_graph(graph, [&](const onnx::GraphProto& g) {
    for (const auto& t : g.initializer()) tensors.push_back(&t);
    for (const auto& node : g.node()) {
      for (const auto& attr : node.attribute()) {
        if (attr.has_t()) tensors.push_back(&attr.t());
        for (const auto& t : attr.tensors()) tensors.push_back(&t);
      }
    }
  });
  return tensors;
}

uint64_t count_nodes(const onnx::GraphProto& graph) {
  uint64_t n = 0;
  for_each_graph(graph, [&](const onnx::GraphProto& g) { n += static_cast<uint64_t>(g.node_size()); });
  return n;
}

// Removes payloads and markers so a skeleton and a plain parse can be compared.
void strip_payloads(onnx::GraphProto* graph) {
  auto strip = [](onnx::TensorProto* t) {
    t->clear_raw_data();
    t->clear_float_data();
    t->clear_int32_data();
    t->clear_int64_data();
    t->clear_string_data();
    t->clear_double_data();
    t->clear_uint64_data();
    t->mutable_unknown_fields()->DeleteByNumber(kElidedPayloadField);
  };
  for (auto& t : *graph->mutable_initializer()) strip(&t);
  for (auto& node : *graph->mutable_node()) {
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_t()) strip(attr.mutable_t());
      for (auto& t : *attr.mutable_tensors()) strip(&t);
      if (attr.has_g()) strip_payloads(attr.mutable_g());
      for (auto& g : *attr.mutable_graphs()) strip_payloads(&g);
    }
  }
}

onnx::ModelProto plain_parse(const std::string& path) {
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(test::read_file(path))) << path;
  return proto;
}

// Little-endian float, assembled byte by byte (endian-neutral).
float le_float(std::string_view bytes, size_t index) {
  uint32_t bits = 0;
  for (int b = 3; b >= 0; --b)
    bits = (bits << 8) | static_cast<uint8_t>(bytes[index * 4 + static_cast<size_t>(b)]);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// --- bundled models ----------------------------------------------------------

struct BundledExpectation {
  const char* file;
  int main_nodes;      // nodes of the main graph
  uint64_t all_nodes;  // including If/Loop bodies
  int initializers;
  uint64_t elided;  // tensors with more than 4096 payload bytes, anywhere
  uint64_t elided_bytes;
};

// Counts taken from Debian's python3-onnx (onnx.load) on the same files.
const BundledExpectation kBundled[] = {
    {"gru_op13.onnx", 17, 17, 8, 5, 385536},
    {"silero_vad_16k_op15.onnx", 121, 350, 15, 7, 1232384},
    {"squeezenet1_1_op13.onnx", 83, 83, 34, 23, 2886400},
    {"transformer_encoder_op17.onnx", 324, 324, 13, 7, 1069056},
};

void PrintTo(const BundledExpectation& expectation, std::ostream* os) { *os << expectation.file; }

class BundledModelTest : public ::testing::TestWithParam<BundledExpectation> {};

TEST_P(BundledModelTest, SkeletonMatchesPlainParse) {
  const BundledExpectation& want = GetParam();
  const std::string path = bundled_model(want.file);
  const LoadedModel model = load_model(path);
  const onnx::ModelProto plain = plain_parse(path);

  EXPECT_EQ(model.path, path);
  ASSERT_TRUE(model.proto().has_graph());
  EXPECT_EQ(model.proto().graph().node_size(), want.main_nodes);
  EXPECT_EQ(count_nodes(model.proto().graph()), want.all_nodes);
  EXPECT_EQ(model.proto().graph().initializer_size(), want.initializers);
  EXPECT_EQ(model.elided_tensors, want.elided);
  EXPECT_EQ(model.elided_bytes, want.elided_bytes);
  // Each marker costs a few bytes more than the tag and length it replaces.
  EXPECT_LE(model.parsed_bytes + model.elided_bytes, model.file->size() + 32 * model.elided_tensors);
  EXPECT_LT(model.parsed_bytes, model.file->size() / 4);

  // Same tensors in the same order; every payload readable and identical.
  const auto loaded_tensors = all_tensors(model.proto().graph());
  const auto plain_tensors = all_tensors(plain.graph());
  ASSERT_EQ(loaded_tensors.size(), plain_tensors.size());
  for (size_t i = 0; i < loaded_tensors.size(); ++i) {
    const onnx::TensorProto& loaded = *loaded_tensors[i];
    const onnx::TensorProto& expected = *plain_tensors[i];
    SCOPED_TRACE(expected.name());
    const bool big = expected.raw_data().size() > Limits{}.inline_payload_bytes;
    EXPECT_EQ(elided_payload(loaded).has_value(), big);
    EXPECT_EQ(loaded.has_raw_data(), !big && expected.has_raw_data());
    if (big) {
      EXPECT_EQ(elided_payload(loaded)->field, 9);
    }
    const auto bytes = tensor_raw_bytes(model, loaded);
    ASSERT_EQ(bytes.has_value(), expected.has_raw_data());
    if (bytes) {
      EXPECT_TRUE(*bytes == expected.raw_data());
    }
  }

  // Apart from payloads the skeleton is the file's model, field for field.
  onnx::ModelProto loaded_stripped = model.proto();
  onnx::ModelProto plain_stripped = plain;
  strip_payloads(loaded_stripped.mutable_graph());
  strip_payloads(plain_stripped.mutable_graph());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(loaded_stripped, plain_stripped));
}

INSTANTIATE_TEST_SUITE_P(Loader, BundledModelTest, ::testing::ValuesIn(kBundled), [](const auto& info) {
  std::string name = info.param.file;
  return name.substr(0, name.find('.'));
});

TEST(Loader, SqueezenetHas83Nodes) {
  const LoadedModel model = load_model(bundled_model("squeezenet1_1_op13.onnx"));
  EXPECT_EQ(model.proto().graph().node_size(), 83);
  EXPECT_EQ(model.proto().ir_version(), 7);
  ASSERT_EQ(model.proto().opset_import_size(), 1);
  EXPECT_EQ(model.proto().opset_import(0).version(), 13);
}

// The proto is on an arena the LoadedModel shares when moved: a copy is deep, a
// moved-to model keeps the nodes where they were, the moved-from one stays readable.
TEST(Loader, CopiesAreDeepAndMovesKeepTheNodesInPlace) {
  LoadedModel model = load_model(bundled_model("squeezenet1_1_op13.onnx"));
  const onnx::NodeProto* first = &model.proto().graph().node(0);

  LoadedModel copy = model;
  copy.proto().mutable_graph()->set_name("changed");
  copy.proto().mutable_graph()->mutable_node()->RemoveLast();
  EXPECT_NE(model.proto().graph().name(), "changed");
  EXPECT_EQ(model.proto().graph().node_size(), 83);
  EXPECT_EQ(copy.proto().graph().node_size(), 82);
  EXPECT_EQ(copy.elided_bytes, model.elided_bytes);

  LoadedModel moved = std::move(model);
  EXPECT_EQ(&moved.proto().graph().node(0), first);
  EXPECT_EQ(moved.proto().graph().node_size(), 83);
  EXPECT_EQ(model.proto().graph().node_size(), 83);  // NOLINT(bugprone-use-after-move): shared on purpose

  copy = moved;  // copy-assign: deep again
  EXPECT_NE(&copy.proto().graph().node(0), first);
  EXPECT_EQ(copy.proto().graph().node_size(), 83);
  EXPECT_TRUE(LoadedModel().proto().ByteSizeLong() == 0);
}

// LoadOptions::beside_parse runs once: beside protobuf's parse of a large
// structure, after the parse of a small one, and the model is the same either way.
TEST(Loader, BesideParseRunsOnceAndLeavesTheModelAlone) {
  ModelBuilder big(13);
  big.input("x", onnx::TensorProto::FLOAT, {1, 8});
  std::string x = "x";
  for (int i = 0; i < 60000; ++i) {
    const std::string out = "value_" + std::to_string(i);
    big.node(i % 2 ? "Relu" : "Sigmoid", {x}, {out},
             "/block" + std::to_string(i / 5) + "/node_" + std::to_string(i));
    x = out;
  }
  big.output(x);
  const std::string big_path = big.save(temp_dir() + "/big.onnx");
  ASSERT_GT(std::filesystem::file_size(big_path), uint64_t{2} << 20);  // past the threshold

  for (const std::string& path : {big_path, bundled_model("squeezenet1_1_op13.onnx")}) {
    int calls = 0;
    std::thread::id caller = std::this_thread::get_id(), ran_on;
    LoadOptions options;
    options.beside_parse = [&] {
      ++calls;
      ran_on = std::this_thread::get_id();
    };
    const LoadedModel with = load_model(path, options);
    const LoadedModel without = load_model(path);
    EXPECT_EQ(calls, 1) << path;
    if (path == big_path)
      EXPECT_NE(ran_on, caller) << "a large parse runs it on a second thread";
    else
      EXPECT_EQ(ran_on, caller) << "a small one runs it after the parse";
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(with.proto(), without.proto())) << path;
  }
}

// A model whose graph field is written as two GraphProtos one after the other
// (protobuf merges them: nodes, then an initializer, then more nodes), with
// tensors big enough to be elided both in initializers and in Constant nodes
// of either half. `graph_fields` 2 writes the halves as two graph fields.
std::string interleaved_model(int graph_fields) {
  ModelBuilder builder(13);
  builder.input("x", onnx::TensorProto::FLOAT, {1, 8});
  builder.initializer_floats("W", {64, 64});  // 16 KiB: elided
  std::string x = "x";
  for (int i = 0; i < 60000; ++i) {
    const std::string out = "value_" + std::to_string(i);
    if (i % 7000 == 3) {
      onnx::NodeProto& constant = builder.node("Constant", {}, {"const_" + std::to_string(i)});
      onnx::AttributeProto* value = constant.add_attribute();
      value->set_name("value");
      value->set_type(onnx::AttributeProto::TENSOR);
      value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
      value->mutable_t()->add_dims(2048);
      value->mutable_t()->set_raw_data(std::string(2048 * 4, '\x01'));  // 8 KiB: elided
      builder.node("Add", {x, "const_" + std::to_string(i)}, {out});
    } else {
      builder.node(i % 2 ? "Relu" : "Sigmoid", {x}, {out},
                   "/block" + std::to_string(i / 5) + "/node_" + std::to_string(i));
    }
    x = out;
  }
  builder.output(x);
  onnx::ModelProto model = builder.proto();
  onnx::GraphProto first = model.graph(), second;
  first.mutable_node()->DeleteSubrange(30000, first.node_size() - 30000);
  for (int i = 30000; i < model.graph().node_size(); ++i) *second.add_node() = model.graph().node(i);
  *second.add_initializer() = model.graph().initializer(0);
  second.mutable_initializer(0)->set_name("W2");
  first.clear_output();
  *second.mutable_output() = model.graph().output();
  model.clear_graph();

  constexpr uint32_t kModelGraph = 7;
  const std::string halves[2] = {first.SerializeAsString(), second.SerializeAsString()};
  std::string bytes = model.SerializeAsString();
  if (graph_fields == 1) {
    append_bytes_field(bytes, kModelGraph, halves[0] + halves[1]);
  } else {
    append_bytes_field(bytes, kModelGraph, halves[0]);
    append_bytes_field(bytes, kModelGraph, halves[1]);
  }
  return bytes;
}

// A large main graph is parsed in two parts on two threads; the model is the
// one a single parse gives, node order, elided payloads and all.
TEST(Loader, LargeGraphParsedInTwoPartsIsTheSameModel) {
  LoadOptions one_thread;
  one_thread.parallel = false;
  for (int graph_fields : {1, 2}) {
    const std::string bytes = interleaved_model(graph_fields);
    ASSERT_GT(bytes.size(), size_t{2} << 20);
    const LoadedModel split = load_model_from_bytes(bytes, "interleaved.onnx");
    const LoadedModel whole = load_model_from_bytes(bytes, "interleaved.onnx", one_thread);
    // Two graph fields merge into one when parsed: that model is parsed whole.
    EXPECT_EQ(split.parse_parts, graph_fields == 1 ? 2 : 1);
    EXPECT_EQ(whole.parse_parts, 1);
    EXPECT_EQ(split.elided_tensors, 2u + 60000 / 7000 + 1);
    EXPECT_EQ(split.elided_tensors, whole.elided_tensors);
    ASSERT_EQ(split.proto().graph().node_size(), 60000 + 60000 / 7000 + 1);
    EXPECT_EQ(split.proto().graph().node(59999 + 60000 / 7000 + 1).output(0), "value_59999");
    EXPECT_EQ(split.proto().graph().initializer_size(), 2);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(split.proto(), whole.proto()));
    // The elided payloads still point at the right bytes.
    for (const LoadedModel* model : {&split, &whole}) {
      const auto& constant = model->proto().graph().node(40000 / 7000 * 7000 + 3 + 40000 / 7000);
      ASSERT_EQ(constant.op_type(), "Constant");
      const auto payload = tensor_raw_bytes(*model, constant.attribute(0).t());
      ASSERT_TRUE(payload);
      EXPECT_EQ(*payload, std::string(2048 * 4, '\x01'));
    }
  }
}

// When beside_parse has work to do (the CLI builds libonnx's schema registry
// there), the second thread, which runs it first, gets fewer of the nodes; the
// model is the same wherever the cut falls.
TEST(Loader, TwoPartParseLeavesLessToTheThreadThatRunsBesideParse) {
  const std::string bytes = interleaved_model(1);
  LoadOptions one_thread;
  one_thread.parallel = false;
  const LoadedModel whole = load_model_from_bytes(bytes, "interleaved.onnx", one_thread);
  const auto total = static_cast<uint64_t>(whole.proto().graph().node_size());
  // Later share: 0.5 - beside_parse_nodes / (2 * nodes), at least 5 %.
  const struct {
    uint64_t beside_parse_nodes;
    double later_share;
  } cases[] = {{0, 0.5}, {24000, 0.3}, {uint64_t{1} << 40, 0.05}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.beside_parse_nodes);
    LoadOptions options;
    int ran = 0;
    options.beside_parse = [&] { ++ran; };
    options.beside_parse_nodes = c.beside_parse_nodes;
    const LoadedModel split = load_model_from_bytes(bytes, "interleaved.onnx", options);
    EXPECT_EQ(ran, 1);
    ASSERT_EQ(split.parse_parts, 2);
    // The cut is at a sampled node (every 256th): within a few hundred nodes of the share.
    const double expected = c.later_share * static_cast<double>(total);
    EXPECT_NEAR(static_cast<double>(split.second_part_nodes), expected, 600.0);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(split.proto(), whole.proto()));
  }
}

TEST(Loader, NothingElidedWhenLimitIsLarge) {
  LoadOptions options;
  options.limits.inline_payload_bytes = uint64_t{1} << 40;
  const std::string path = bundled_model("gru_op13.onnx");
  const LoadedModel model = load_model(path, options);
  EXPECT_EQ(model.elided_tensors, 0u);
  EXPECT_EQ(model.elided_bytes, 0u);
  EXPECT_EQ(model.parsed_bytes, model.file->size());
  for (const auto& t : model.proto().graph().initializer()) EXPECT_FALSE(elided_payload(t));
}

TEST(Loader, FollowsSymlinkToModel) {
  const std::string dir = temp_dir();
  std::filesystem::create_symlink(bundled_model("gru_op13.onnx"), dir + "/link.onnx");
  const LoadedModel model = load_model(dir + "/link.onnx");
  EXPECT_EQ(model.proto().graph().node_size(), 17);
}

TEST(Loader, LoadFromBytesKeepsPayloadsReadable) {
  const std::string bytes = test::read_file(bundled_model("gru_op13.onnx"));
  LoadedModel model;
  {
    const std::string copy = bytes;
    model = load_model_from_bytes(copy, "gru-in-memory");
  }  // the caller's buffer is gone; payloads must still be readable
  const onnx::ModelProto plain = plain_parse(bundled_model("gru_op13.onnx"));
  EXPECT_EQ(model.path, "gru-in-memory");
  EXPECT_EQ(model.elided_tensors, 5u);
  for (int i = 0; i < plain.graph().initializer_size(); ++i) {
    const auto got = tensor_raw_bytes(model, model.proto().graph().initializer(i));
    ASSERT_TRUE(got);
    EXPECT_TRUE(*got == plain.graph().initializer(i).raw_data());
  }
}

TEST(Loader, MappedFileBoundsChecked) {
  auto file = MappedFile::open(bundled_model("gru_op13.onnx"));
  EXPECT_EQ(file->bytes(0, 4).size(), 4u);
  EXPECT_EQ(file->bytes(file->size(), 0).size(), 0u);
  EXPECT_THROW(file->bytes(file->size(), 1), std::out_of_range);
  EXPECT_THROW(file->bytes(1, UINT64_MAX), std::out_of_range);
}

// --- typed payload fields ------------------------------------------------------

TEST(Loader, PackedFloatDataElidedAndSmallKept) {
  ModelBuilder builder;
  builder.initializer_floats("big", {4, 512}, 1.5f);  // 8192 bytes of float_data
  builder.initializer_floats("small", {4}, 2.5f);
  builder.node("Add", {"big", "small"}, {"y"});
  const LoadedModel model = load_model_from_bytes(builder.bytes(), "floats");
  const auto& big = model.proto().graph().initializer(0);
  const auto& small = model.proto().graph().initializer(1);
  ASSERT_TRUE(elided_payload(big));
  EXPECT_EQ(elided_payload(big)->field, 4);
  EXPECT_EQ(elided_payload(big)->length, 8192u);
  EXPECT_EQ(big.float_data_size(), 0);
  EXPECT_EQ(big.dims_size(), 2);
  const auto bytes = tensor_raw_bytes(model, big);
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->size(), 8192u);
  EXPECT_EQ(le_float(*bytes, 0), 1.5f);
  EXPECT_EQ(le_float(*bytes, 2047), 1.5f);

  EXPECT_FALSE(elided_payload(small));
  EXPECT_EQ(small.float_data_size(), 4);
  EXPECT_FALSE(tensor_raw_bytes(model, small));  // inline typed data: read the proto
  EXPECT_EQ(model.elided_tensors, 1u);
  EXPECT_EQ(model.elided_bytes, 8192u);
}

TEST(Loader, PackedInt64DataElidedAndDecodable) {
  std::vector<int64_t> values;
  for (int64_t i = 0; i < 3000; ++i) values.push_back(i % 7 == 0 ? -i * 1000003 : i * i);
  ModelBuilder builder;
  builder.initializer_ints("shape_table", values);
  builder.initializer_ints("axes", {0, -1});
  const LoadedModel model = load_model_from_bytes(builder.bytes(), "ints");
  const auto& big = model.proto().graph().initializer(0);
  ASSERT_TRUE(elided_payload(big));
  EXPECT_EQ(elided_payload(big)->field, 7);
  const auto bytes = tensor_raw_bytes(model, big);
  ASSERT_TRUE(bytes);
  const auto decoded = decode_packed_varints(*bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, values);

  const auto& axes = model.proto().graph().initializer(1);
  EXPECT_FALSE(elided_payload(axes));
  ASSERT_EQ(axes.int64_data_size(), 2);
  EXPECT_EQ(axes.int64_data(1), -1);
}

TEST(Loader, DecodePackedVarintsRejectsGarbage) {
  EXPECT_EQ(decode_packed_varints(std::string_view()).value(), std::vector<int64_t>{});
  EXPECT_FALSE(decode_packed_varints("\x80"));
  EXPECT_FALSE(decode_packed_varints(std::string(11, '\xFF')));
  EXPECT_EQ(decode_packed_varints("\x01\x96\x01").value(), (std::vector<int64_t>{1, 150}));
}

TEST(Loader, StringDataElidedAsOneRange) {
  ModelBuilder builder;
  auto* t = builder.proto().mutable_graph()->add_initializer();
  t->set_name("vocab");
  t->set_data_type(onnx::TensorProto::STRING);
  t->add_dims(100);
  std::vector<std::string> strings;
  for (int i = 0; i < 100; ++i) strings.push_back("token-" + std::to_string(i) + std::string(60, 'x'));
  for (const auto& s : strings) t->add_string_data(s);
  auto* small = builder.proto().mutable_graph()->add_initializer();
  small->set_name("labels");
  small->set_data_type(onnx::TensorProto::STRING);
  small->add_string_data("cat");
  small->add_string_data("dog");

  const LoadedModel model = load_model_from_bytes(builder.bytes(), "strings");
  const auto& vocab = model.proto().graph().initializer(0);
  ASSERT_TRUE(elided_payload(vocab));
  EXPECT_EQ(elided_payload(vocab)->field, 6);
  EXPECT_EQ(elided_payloads(vocab).size(), 1u);
  EXPECT_EQ(vocab.string_data_size(), 0);
  const auto bytes = tensor_raw_bytes(model, vocab);
  ASSERT_TRUE(bytes);
  const auto decoded = decode_string_data(*bytes);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), strings.size());
  for (size_t i = 0; i < strings.size(); ++i) EXPECT_EQ((*decoded)[i], strings[i]);

  const auto& labels = model.proto().graph().initializer(1);
  EXPECT_FALSE(elided_payload(labels));
  ASSERT_EQ(labels.string_data_size(), 2);
  EXPECT_EQ(labels.string_data(1), "dog");
}

TEST(Loader, InterleavedStringDataStaysInline) {
  // string_data entries with the name between them cannot be one range.
  std::string tensor;
  append_bytes_field(tensor, 6, std::string(3000, 'a'));
  append_bytes_field(tensor, 8, "interleaved");
  append_bytes_field(tensor, 6, std::string(3000, 'b'));
  append_varint_field(tensor, 2, 8);
  std::string graph;
  append_bytes_field(graph, 5, tensor);
  std::string model;
  append_varint_field(model, 1, 8);
  append_bytes_field(model, 7, graph);
  const LoadedModel loaded = load_model_from_bytes(model, "interleaved");
  const auto& t = loaded.proto().graph().initializer(0);
  EXPECT_FALSE(elided_payload(t));
  ASSERT_EQ(t.string_data_size(), 2);
  EXPECT_EQ(t.string_data(1), std::string(3000, 'b'));
  EXPECT_EQ(t.name(), "interleaved");
}

TEST(Loader, ConstantAttributeTensorsElidedWhenLarge) {
  ModelBuilder builder;
  auto& big_const = builder.node("Constant", {}, {"c"});
  auto* attr = big_const.add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  attr->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  attr->mutable_t()->add_dims(2048);
  attr->mutable_t()->set_raw_data(std::string(8192, '\x01'));
  auto& small_const = builder.node("Constant", {}, {"s"});
  auto* small_attr = small_const.add_attribute();
  small_attr->set_name("value");
  small_attr->set_type(onnx::AttributeProto::TENSOR);
  small_attr->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  small_attr->mutable_t()->set_raw_data(std::string(8, '\x02'));

  const LoadedModel model = load_model_from_bytes(builder.bytes(), "constants");
  const auto& big_t = model.proto().graph().node(0).attribute(0).t();
  const auto& small_t = model.proto().graph().node(1).attribute(0).t();
  ASSERT_TRUE(elided_payload(big_t));
  EXPECT_EQ(tensor_raw_bytes(model, big_t).value(), std::string(8192, '\x01'));
  EXPECT_FALSE(elided_payload(small_t));
  EXPECT_EQ(small_t.raw_data(), std::string(8, '\x02'));
}

// --- fields libonnx 1.12 does not know -----------------------------------------

TEST(Loader, UnknownFieldsSurvive) {
  ModelBuilder builder;
  builder.initializer_floats("w", {2048});  // forces the graph to be re-encoded
  auto& plain_node = builder.node("Relu", {"x"}, {"y"});
  plain_node.mutable_unknown_fields()->AddVarint(4242, 7);
  plain_node.mutable_unknown_fields()->AddLengthDelimited(4243, "node extension");
  auto& const_node = builder.node("Constant", {}, {"c"});
  auto* attr = const_node.add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  attr->mutable_t()->set_raw_data(std::string(5000, 'z'));  // forces this node to be re-encoded
  const_node.mutable_unknown_fields()->AddVarint(4244, 9);
  builder.proto().mutable_unknown_fields()->AddVarint(9999, 123);
  builder.proto().mutable_unknown_fields()->AddLengthDelimited(10000, "model extension");

  const LoadedModel model = load_model_from_bytes(builder.bytes(), "unknown-fields");
  EXPECT_EQ(model.elided_tensors, 2u);
  const auto& model_unknown = model.proto().unknown_fields();
  ASSERT_EQ(model_unknown.field_count(), 2);
  EXPECT_EQ(model_unknown.field(0).number(), 9999);
  EXPECT_EQ(model_unknown.field(0).varint(), 123u);
  EXPECT_EQ(model_unknown.field(1).length_delimited(), "model extension");

  const auto& node_unknown = model.proto().graph().node(0).unknown_fields();
  ASSERT_EQ(node_unknown.field_count(), 2);
  EXPECT_EQ(node_unknown.field(0).number(), 4242);
  EXPECT_EQ(node_unknown.field(1).length_delimited(), "node extension");

  const auto& const_unknown = model.proto().graph().node(1).unknown_fields();
  ASSERT_EQ(const_unknown.field_count(), 1);
  EXPECT_EQ(const_unknown.field(0).number(), 4244);
  EXPECT_EQ(const_unknown.field(0).varint(), 9u);
}

TEST(Loader, NewerIrVersionOpsetAndDataTypesLoad) {
  ModelBuilder builder(27, 13);
  builder.input("x", 17, {2, 3});  // FLOAT8E4M3FN
  builder.output("y", 23, {2, 3});
  auto* fp8 = builder.proto().mutable_graph()->add_initializer();
  fp8->set_name("scale_fp8");
  fp8->set_data_type(17);
  fp8->add_dims(6);
  fp8->set_raw_data(std::string(6, '\x38'));
  auto* big = builder.proto().mutable_graph()->add_initializer();
  big->set_name("weights_type23");
  big->set_data_type(23);
  big->add_dims(10000);
  big->set_raw_data(std::string(5000, '\x11'));
  builder.node("Cast", {"x"}, {"y"});
  auto* ms = builder.proto().add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);

  const LoadedModel model = load_model_from_bytes(builder.bytes(), "newer");
  EXPECT_EQ(model.proto().ir_version(), 13);
  EXPECT_EQ(model.proto().opset_import(0).version(), 27);
  EXPECT_EQ(model.proto().graph().input(0).type().tensor_type().elem_type(), 17);
  EXPECT_EQ(model.proto().graph().output(0).type().tensor_type().elem_type(), 23);
  EXPECT_EQ(model.proto().graph().initializer(0).data_type(), 17);
  EXPECT_EQ(model.proto().graph().initializer(0).raw_data(), std::string(6, '\x38'));
  EXPECT_EQ(model.proto().graph().initializer(1).data_type(), 23);
  EXPECT_EQ(tensor_raw_bytes(model, model.proto().graph().initializer(1)).value(), std::string(5000, '\x11'));
}

TEST(Loader, ExternalDataIsNeverOpened) {
  const std::string dir = temp_dir();
  ModelBuilder builder;
  auto* t = builder.proto().mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(1024);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_entry = [&](const std::string& key, const std::string& value) {
    auto* e = t->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  add_entry("location", "weights.bin");  // does not exist
  add_entry("offset", "0");
  add_entry("length", "4096");
  builder.node("Relu", {"w"}, {"y"});
  const std::string path = builder.save(dir + "/external.onnx");

  const LoadedModel model = load_model(path);
  const auto& w = model.proto().graph().initializer(0);
  EXPECT_EQ(w.data_location(), onnx::TensorProto::EXTERNAL);
  EXPECT_EQ(w.external_data_size(), 3);
  EXPECT_FALSE(elided_payload(w));
  EXPECT_FALSE(tensor_raw_bytes(model, w));
  EXPECT_FALSE(std::filesystem::exists(dir + "/weights.bin"));
}

TEST(Loader, MarkerAlreadyInFileIsDropped) {
  // A file cannot point the loader at arbitrary bytes by carrying its own marker.
  ModelBuilder builder;
  auto* t = builder.proto().mutable_graph()->add_initializer();
  t->set_name("spoof");
  t->set_raw_data("abcd");
  std::string marker;
  append_varint_field(marker, 1, 9);
  append_varint_field(marker, 2, 0);
  append_varint_field(marker, 3, 16);
  t->mutable_unknown_fields()->AddLengthDelimited(kElidedPayloadField, marker);
  const LoadedModel model = load_model_from_bytes(builder.bytes(), "spoof");
  const auto& loaded = model.proto().graph().initializer(0);
  EXPECT_FALSE(elided_payload(loaded));
  EXPECT_EQ(tensor_raw_bytes(model, loaded).value(), "abcd");
}

TEST(Loader, ModelLocalFunctionsAndTrainingInfoWalked) {
  ModelBuilder builder;
  builder.node("Relu", {"x"}, {"y"});
  auto* fn = builder.proto().add_functions();
  fn->set_name("MyFn");
  fn->set_domain("local");
  auto* fn_node = fn->add_node();
  fn_node->set_op_type("Constant");
  auto* attr = fn_node->add_attribute();
  attr->set_name("value");
  attr->mutable_t()->set_raw_data(std::string(6000, '\x05'));
  auto* training = builder.proto().add_training_info();
  auto* init = training->mutable_initialization()->add_initializer();
  init->set_name("opt_state");
  init->set_raw_data(std::string(7000, '\x06'));

  const LoadedModel model = load_model_from_bytes(builder.bytes(), "functions");
  EXPECT_EQ(model.elided_tensors, 2u);
  EXPECT_EQ(model.elided_bytes, 13000u);
  const auto& fn_t = model.proto().functions(0).node(0).attribute(0).t();
  EXPECT_EQ(tensor_raw_bytes(model, fn_t).value(), std::string(6000, '\x05'));
  const auto& state = model.proto().training_info(0).initialization().initializer(0);
  EXPECT_EQ(tensor_raw_bytes(model, state).value(), std::string(7000, '\x06'));
}

// --- size --------------------------------------------------------------------

// Writes a model whose single initializer has `payload` bytes of raw_data,
// stored as a hole so the file costs no disk space. Returns the payload offset.
uint64_t write_sparse_model(const std::string& path, uint64_t payload) {
  std::string tensor_head;
  append_bytes_field(tensor_head, 8, "huge");
  append_varint_field(tensor_head, 2, 2);  // UINT8
  append_varint_field(tensor_head, 1, payload);
  append_tag(tensor_head, 9, 2);
  append_varint(tensor_head, payload);

  std::string node;
  append_bytes_field(node, 1, "huge");
  append_bytes_field(node, 2, "y");
  append_bytes_field(node, 4, "Identity");
  std::string graph_tail;
  append_bytes_field(graph_tail, 1, node);
  append_bytes_field(graph_tail, 2, "sparse");

  std::string graph_head;
  append_tag(graph_head, 5, 2);
  append_varint(graph_head, tensor_head.size() + payload);
  graph_head += tensor_head;

  std::string opset;
  append_varint_field(opset, 2, 13);
  std::string model_head;
  append_varint_field(model_head, 1, 8);
  append_bytes_field(model_head, 8, opset);
  append_tag(model_head, 7, 2);
  append_varint(model_head, graph_head.size() + payload + graph_tail.size());
  model_head += graph_head;

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, model_head.data(), model_head.size(), 0), static_cast<ssize_t>(model_head.size()));
  const auto tail_at = static_cast<off_t>(model_head.size() + payload);
  EXPECT_EQ(::pwrite(fd, graph_tail.data(), graph_tail.size(), tail_at),
            static_cast<ssize_t>(graph_tail.size()));
  ::close(fd);
  return model_head.size();
}

TEST(Loader, OneGibModelLoadsWithoutReadingWeights) {
  const uint64_t payload = uint64_t{1} << 30;
  const std::string path = temp_dir() + "/huge.onnx";
  const uint64_t payload_offset = write_sparse_model(path, payload);

  const auto start = std::chrono::steady_clock::now();
  const LoadedModel model = load_model(path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);

  EXPECT_EQ(model.proto().graph().node_size(), 1);
  EXPECT_EQ(model.proto().graph().name(), "sparse");
  EXPECT_EQ(model.elided_tensors, 1u);
  EXPECT_EQ(model.elided_bytes, payload);
  EXPECT_LT(model.parsed_bytes, 200u);
  const auto ref = elided_payload(model.proto().graph().initializer(0));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->offset, payload_offset);
  EXPECT_EQ(ref->length, payload);
  EXPECT_EQ(tensor_raw_bytes(model, model.proto().graph().initializer(0))->size(), payload);

  // The weight pages were never faulted in (allowing for kernel readahead
  // around the tags next to them).
  const long page = ::sysconf(_SC_PAGESIZE);
  const uint64_t pages = (model.file->size() + static_cast<uint64_t>(page) - 1) / static_cast<uint64_t>(page);
  std::vector<unsigned char> resident(pages);
  ASSERT_EQ(::mincore(const_cast<uint8_t*>(model.file->data()), model.file->size(), resident.data()), 0);
  uint64_t resident_pages = 0;
  for (unsigned char r : resident) resident_pages += r & 1u;
  EXPECT_LT(resident_pages * static_cast<uint64_t>(page), uint64_t{16} << 20);
}

TEST(Loader, FilesOver2GibAskForExternalData) {
  const std::string path = temp_dir() + "/too-big.onnx";
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, off_t{1} << 31), 0);
    ::close(fd);
  }
  try {
    load_model(path);
    FAIL() << "a 2 GiB file must be rejected";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(e.cause().find("protobuf files are limited to 2 GiB"), std::string::npos) << e.what();
    EXPECT_NE(e.cause().find("external data"), std::string::npos) << e.what();
    EXPECT_NE(e.cause().find("save_as_external_data=True"), std::string::npos) << e.what();
  }

  LoadOptions tiny;
  tiny.limits.max_file_bytes = 1000;
  try {
    load_model(bundled_model("gru_op13.onnx"), tiny);
    FAIL() << "limit not applied";
  } catch (const ModelError& e) {
    EXPECT_NE(e.cause().find("limited to 2 GiB"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zonnx
