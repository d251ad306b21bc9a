// zonnx convert: round trips of the bundled models (to 22 and back), weights
// byte-identical, ir_version, refusals that list every bad node and write
// nothing, the CLI's path rules, and single adapters on built models.
#include "zonnx/convert.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "convert/adapters.h"
#include "test_support.h"
#include "zonnx/atomic_file.h"
#include "zonnx/errors.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;
using test::bundled_model;
using test::ModelBuilder;
using test::run_zonnx;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;

ConvertResult convert(const std::string& path, int opset) {
  ConvertOptions options;
  options.target_opset = opset;
  return convert_model(path, options);
}

std::string write(const ConvertResult& r, const std::string& path) {
  write_file_atomically(path, [&](std::ostream& out) { write_converted_model(*r.converted, out); });
  return path;
}

std::map<std::string, uint64_t> histogram(const ModelView& v) {
  std::map<std::string, uint64_t> h;
  for (const auto& c : v.facts().op_histogram) h[c.op_type] += c.count;
  return h;
}

// Every initializer of the main graph, by name, as its payload bytes (or serialized typed fields).
std::map<std::string, std::string> weights(const LoadedModel& m) {
  std::map<std::string, std::string> w;
  for (const auto& t : m.proto().graph().initializer()) {
    auto raw = tensor_raw_bytes(m, t);
    w[t.name()] = raw ? std::string(*raw) : t.SerializeAsString();
  }
  return w;
}

struct Bundled {
  const char* file;
  int opset;
  int64_t ir;  // lowest IR for the opset
};

class RoundTrip : public ::testing::TestWithParam<Bundled> {};

TEST_P(RoundTrip, To22AndBack) {
  const Bundled b = GetParam();
  const std::string dir = test::temp_dir();
  const std::string in = bundled_model(b.file);
  LoadedModel original = load_model(in);
  ModelView original_view = ModelView::build(load_model(in));

  ConvertResult up = convert(in, 22);
  ASSERT_TRUE(up.ok()) << up.refusals.front().node << ": " << up.refusals.front().reason;
  EXPECT_EQ(up.ir_after, 10);
  const std::string p22 = write(up, dir + "/up.onnx");
  LoadedModel m22 = load_model(p22);
  EXPECT_EQ(m22.proto().ir_version(), 10);
  ModelView v22 = ModelView::build(load_model(p22));
  EXPECT_EQ(v22.facts().onnx_opset(), 22);
  EXPECT_EQ(weights(m22), weights(original));
  ASSERT_TRUE(up.after);
  EXPECT_EQ(up.after->nodes, v22.facts().node_count);

  ConvertResult down = convert(p22, b.opset);
  ASSERT_TRUE(down.ok()) << down.refusals.front().node << ": " << down.refusals.front().reason;
  EXPECT_TRUE(down.checker_ran);
  const std::string pback = write(down, dir + "/back.onnx");
  LoadedModel back = load_model(pback);
  EXPECT_EQ(back.proto().ir_version(), b.ir);
  ModelView vback = ModelView::build(load_model(pback));
  EXPECT_EQ(vback.facts().onnx_opset(), b.opset);
  EXPECT_EQ(histogram(vback), histogram(original_view));
  EXPECT_EQ(vback.facts().node_count, original_view.facts().node_count);
  EXPECT_EQ(weights(back), weights(original));
  EXPECT_EQ(back.proto().graph().value_info_size(), original.proto().graph().value_info_size());
}

INSTANTIATE_TEST_SUITE_P(Bundled, RoundTrip,
                         ::testing::Values(Bundled{"squeezenet1_1_op13.onnx", 13, 7},
                                           Bundled{"gru_op13.onnx", 13, 7},
                                           Bundled{"transformer_encoder_op17.onnx", 17, 8},
                                           Bundled{"silero_vad_16k_op15.onnx", 15, 8}),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           return n.substr(0, n.find('.'));
                         });

TEST(Convert, AdapterTableNamesRealVersionSteps) {
  EXPECT_TRUE(convert::adapter_table_errors().empty()) << convert::adapter_table_errors().front();
  EXPECT_GT(convert::adapter_count(), 400u);
  EXPECT_NE(convert::find_adapter("Squeeze", 13, 11), nullptr);
  EXPECT_NE(convert::find_adapter("ReduceMean", 13, 18), nullptr);
  EXPECT_EQ(convert::find_adapter("Upsample", 9, 10), nullptr);
}

TEST(Convert, SileroReduceMeanMovesAxesBothWays) {
  const std::string dir = test::temp_dir();
  ConvertResult up = convert(bundled_model("silero_vad_16k_op15.onnx"), 18);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up.rewritten["ReduceMean"], 1u);
  EXPECT_EQ(up.constants_added, 1u);
  const std::string p = write(up, dir + "/s18.onnx");
  ConvertResult down = convert(p, 17);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down.rewritten["ReduceMean"], 1u);
  EXPECT_EQ(down.constants_removed, 1u);
}

// Two independent problems: both reported, nothing written.
TEST(Convert, RefusalListsEveryNodeAndWritesNothing) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(17);
  b.input("x", kFloat, {2, 1, 4});
  b.input("axes", onnx::TensorProto::INT64, {1});
  b.node("Squeeze", {"x", "axes"}, {"s"}, "sq");
  b.initializer_floats("scale", {4}, 1.0f);
  b.initializer_floats("bias", {4}, 0.0f);
  b.node("LayerNormalization", {"s", "scale", "bias"}, {"y"}, "ln");
  b.output("y", kFloat, {2, 3, 4});
  const std::string in = b.save(dir + "/bad.onnx");

  ConvertResult r = convert(in, 12);
  ASSERT_EQ(r.refusals.size(), 2u);
  std::map<std::string, std::string> by_node;
  for (const auto& f : r.refusals) by_node[f.node] = f.reason;
  EXPECT_NE(by_node["ln"].find("did not exist at opset 16"), std::string::npos) << by_node["ln"];
  EXPECT_NE(by_node["sq"].find("not a constant"), std::string::npos) << by_node["sq"];

  const std::string out = dir + "/out.onnx";
  auto res = run_zonnx({"convert", in, "--opset", "12", "-o", out});
  EXPECT_EQ(res.exit_code, 4) << res.err;
  EXPECT_NE(res.out.find("ln (LayerNormalization"), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("sq (Squeeze"), std::string::npos) << res.out;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".zonnx-"), std::string::npos);
}

TEST(Convert, SqueezeAxesFromNonConstantInputIsRefused) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(13);
  b.input("x", kFloat, {1, 3, 1});
  b.input("axes", onnx::TensorProto::INT64, {1});
  b.node("Squeeze", {"x", "axes"}, {"y"}, "sq");
  b.output("y");
  ConvertResult r = convert(b.save(dir + "/sq.onnx"), 12);
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_NE(r.refusals[0].reason.find("not a constant"), std::string::npos) << r.refusals[0].reason;
}

TEST(Convert, SqueezeConstantAxesBecomeAttribute) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(13);
  b.input("x", kFloat, {1, 3, 1});
  b.initializer_ints("axes", {0, 2});
  b.node("Squeeze", {"x", "axes"}, {"y"}, "sq");
  b.output("y", kFloat, {3});
  ConvertResult r = convert(b.save(dir + "/sq.onnx"), 11);
  ASSERT_TRUE(r.ok()) << r.refusals.front().reason;
  const auto& node = r.converted->proto().graph().node(0);
  ASSERT_EQ(node.input_size(), 1);
  const auto* axes = convert::find_attr(node, "axes");
  ASSERT_NE(axes, nullptr);
  EXPECT_EQ(axes->ints_size(), 2);
  EXPECT_EQ(r.ir_after, 6);
}

TEST(Convert, SplitNumOutputsDownComputesSizes) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(18);
  b.input("x", kFloat, {7, 2});
  auto& s = b.node("Split", {"x"}, {"a", "b", "c"}, "split");
  set_attr(s, "num_outputs", int64_t{3});
  b.output("a", kFloat, {3, 2});
  b.output("b", kFloat, {3, 2});
  b.output("c", kFloat, {1, 2});
  ConvertResult r = convert(b.save(dir + "/split.onnx"), 13);
  ASSERT_TRUE(r.ok()) << r.refusals.front().reason;
  EXPECT_EQ(r.constants_added, 1u);
  const auto& g = r.converted->proto().graph();
  ASSERT_EQ(g.node_size(), 2);
  EXPECT_EQ(g.node(0).op_type(), "Constant");
  const auto& t = g.node(0).attribute(0).t();
  ASSERT_EQ(t.int64_data_size(), 3);
  EXPECT_EQ(t.int64_data(0), 3);
  EXPECT_EQ(t.int64_data(2), 1);
  EXPECT_EQ(g.node(1).input(1), g.node(0).output(0));
}

TEST(Convert, ReduceMeanAxesAttributeBecomesInputAt18) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(17);
  b.input("x", kFloat, {2, 3});
  auto& n = b.node("ReduceMean", {"x"}, {"y"}, "rm");
  set_attr(n, "axes", std::vector<int64_t>{1});
  b.output("y", kFloat, {2, 1});
  ConvertResult r = convert(b.save(dir + "/rm.onnx"), 18);
  ASSERT_TRUE(r.ok()) << r.refusals.front().reason;
  EXPECT_FALSE(r.checker_ran);
  const auto& node = r.converted->proto().graph().node(1);
  EXPECT_EQ(node.input_size(), 2);
  EXPECT_EQ(convert::find_attr(node, "axes"), nullptr);
  EXPECT_EQ(r.ir_after, 8);
}

TEST(Convert, CliPathRules) {
  const std::string dir = test::temp_dir();
  const std::string in = dir + "/m.onnx";
  fs::copy_file(bundled_model("gru_op13.onnx"), in);
  const std::string before = test::read_file(in);

  auto same = run_zonnx({"convert", in, "--opset", "17", "-o", in});
  EXPECT_EQ(same.exit_code, 2) << same.err;
  auto no_out = run_zonnx({"convert", in, "--opset", "17"});
  EXPECT_EQ(no_out.exit_code, 2);
  auto bad_opset = run_zonnx({"convert", in, "--opset", "23", "--dry-run"});
  EXPECT_EQ(bad_opset.exit_code, 2);

  auto dry = run_zonnx({"convert", in, "--opset", "17", "--dry-run", "--format", "json"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("\"schema\": \"zonnx.convert/1\""), std::string::npos);
  EXPECT_NE(dry.out.find("\"nnpa_after\""), std::string::npos);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(test::read_file(in), before);

  auto nnpa = run_zonnx({"convert", in, "--opset", "nnpa", "-o", dir + "/n.onnx"});
  EXPECT_EQ(nnpa.exit_code, 0) << nnpa.err;
  EXPECT_NE(nnpa.out.find("-> 22"), std::string::npos);
  EXPECT_EQ(test::read_file(in), before);

  auto in_place = run_zonnx({"convert", in, "--opset", "17", "--in-place"});
  EXPECT_EQ(in_place.exit_code, 0) << in_place.err;
  EXPECT_EQ(ModelView::build(load_model(in)).facts().onnx_opset(), 17);
}

// A weight long enough to go file to file in the kernel: the default (atomic
// rename) and --fsync (flushed first) write the same bytes, and leave no temp files.
TEST(Convert, FsyncWritesTheSameBytesAsTheDefault) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(13);
  b.input("x", kFloat, {786432});
  b.initializer_floats("w", {786432}, 0.5f);  // 3 MiB
  b.node("Add", {"x", "w"}, {"y"}, "add");
  b.output("y", kFloat, {786432});
  const std::string in = b.save(dir + "/big.onnx");

  const std::string plain = dir + "/plain.onnx", synced = dir + "/synced.onnx";
  auto r1 = run_zonnx({"convert", in, "--opset", "14", "-o", plain});
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  auto r2 = run_zonnx({"convert", in, "--opset", "14", "--fsync", "-o", synced});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  const std::string bytes = test::read_file(plain);
  EXPECT_GT(bytes.size(), size_t{3} << 20);
  EXPECT_EQ(bytes, test::read_file(synced));
  EXPECT_EQ(weights(load_model(plain)), weights(load_model(in)));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".zonnx-"), std::string::npos) << e.path();
}

TEST(Convert, ExternalDataReferencesAreKept) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/w.bin", std::string(16, '\0'));
  ModelBuilder b(13);
  b.input("x", kFloat, {4});
  auto* w = b.proto().mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(kFloat);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("w.bin");
  b.node("Add", {"x", "w"}, {"y"}, "add");
  b.output("y", kFloat, {4});
  const std::string in = b.save(dir + "/ext.onnx");

  auto ok = run_zonnx({"convert", in, "--opset", "17", "-o", dir + "/out.onnx"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err << ok.out;
  LoadedModel out = load_model(dir + "/out.onnx");
  const auto& t = out.proto().graph().initializer(0);
  EXPECT_EQ(t.data_location(), onnx::TensorProto::EXTERNAL);
  EXPECT_EQ(t.external_data(0).value(), "w.bin");

  // OUT in another folder: reference would dangle (usage error, nothing written); the default
  // (auto) copies the weights next to OUT.
  fs::create_directory(dir + "/sub");
  auto dangling = run_zonnx(
      {"convert", in, "--opset", "17", "-o", dir + "/sub/out.onnx", "--external-data", "reference"});
  EXPECT_EQ(dangling.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir + "/sub/out.onnx"));
  auto elsewhere = run_zonnx({"convert", in, "--opset", "17", "-o", dir + "/sub/out.onnx"});
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  EXPECT_EQ(test::read_file(dir + "/sub/out.onnx.data"), std::string(16, '\0'));
  LoadedModel copied = load_model(dir + "/sub/out.onnx");
  EXPECT_EQ(copied.proto().graph().initializer(0).external_data(0).value(), "out.onnx.data");

  loc->set_value("../w.bin");
  const std::string escaping = b.save(dir + "/escape.onnx");
  auto bad = run_zonnx({"convert", escaping, "--opset", "17", "-o", dir + "/bad.onnx"});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/bad.onnx"));
}

}  // namespace
}  // namespace zonnx
