// --emit-config: onnx-mlir device-placement JSON from zonnx's verdicts, in both
// of the formats onnx-mlir reads (nnpa_ops_config, device_placement).
#include "zonnx/placement_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "test_support.h"
#include "zonnx/errors.h"
#include "zonnx/inspect.h"

namespace zonnx::test {
namespace {

using nlohmann::json;

Inspection inspect(const std::string& path, March march = March::Z16) {
  InspectOptions options;
  options.analysis.march = march;
  return inspect_model(path, options);
}

// Every counted node gets exactly one entry whose patterns match it (as
// onnx-mlir's std::regex_match would) and whose device is zonnx's placement.
TEST(PlacementConfig, SqueezenetNnpaOpsConfigMatchesEveryNodeWithItsPlacement) {
  const Inspection r = inspect(bundled_model("squeezenet1_1_op13.onnx"));
  const PlacementConfig config = placement_config(r.view, r.analysis, PlacementConfigFormat::NnpaOpsConfig);
  const json& entries = config.json["nnpa_ops_config"];
  ASSERT_TRUE(entries.is_array());
  EXPECT_EQ(config.unnamed_skipped, 0u);
  EXPECT_EQ(entries.size(), r.analysis.summary.counted);
  EXPECT_EQ(config.entries, entries.size());
  std::map<std::string, int> devices;
  for (const NodeInfo& node : r.view.nodes()) {
    const NodeVerdict& v = r.analysis.verdicts[node.index];
    if (!v.counted) continue;
    int matches = 0;
    for (const auto& e : entries) {
      const json& match = e["pattern"]["match"];
      if (!std::regex_match(mlir_op_name(node), std::regex(match["node_type"].get<std::string>())) ||
          !std::regex_match(std::string(node.name()), std::regex(match["onnx_node_name"].get<std::string>())))
        continue;
      ++matches;
      EXPECT_EQ(e["pattern"]["rewrite"]["device"], std::string(placement_name(v.placement))) << node.name();
      devices[e["pattern"]["rewrite"]["device"]]++;
    }
    EXPECT_EQ(matches, 1) << node.name();
  }
  EXPECT_EQ(devices["nnpa"], static_cast<int>(r.analysis.summary.nnpa));
  EXPECT_EQ(devices["cpu"], static_cast<int>(r.analysis.summary.cpu));
}

TEST(PlacementConfig, MaxPoolIsNamedAsOnnxMlirImportsIt) {
  const Inspection r = inspect(bundled_model("squeezenet1_1_op13.onnx"));
  const PlacementConfig config = placement_config(r.view, r.analysis, PlacementConfigFormat::DevicePlacement);
  const json& entries = config.json["device_placement"];
  int maxpools = 0;
  for (const auto& e : entries) {
    // Keys in the order onnx-mlir 0.5.0.1 writes them.
    std::vector<std::string> keys;
    for (const auto& item : e.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"device", "node_type", "onnx_node_name"}));
    EXPECT_NE(e["node_type"], "onnx.MaxPool");
    if (e["node_type"] == "onnx.MaxPoolSingleOut") {
      ++maxpools;
      EXPECT_EQ(e["device"], "cpu");  // ceil_mode=1
    }
  }
  EXPECT_EQ(maxpools, 3);
}

TEST(PlacementConfig, NodeNamesAreMatchedLiterally) {
  EXPECT_EQ(regex_escape("/features/features.0/Conv"), "/features/features\\.0/Conv");
  const std::string tricky = "a.b*c+(d)[e]{f}|g?h^i$j\\k";
  EXPECT_TRUE(std::regex_match(tricky, std::regex(regex_escape(tricky))));
  EXPECT_FALSE(
      std::regex_match("/features/featuresX0/Conv", std::regex(regex_escape("/features/features.0/Conv"))));
}

TEST(PlacementConfig, VersionedOpsGetTheImportersSuffix) {
  ModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {1, 3, 8, 8});
  set_attr(b.node("ReduceMean", {"x"}, {"m"}, "mean"), "axes", std::vector<int64_t>{2, 3});
  set_attr(b.node("Softmax", {"x"}, {"s"}, "softmax"), "axis", int64_t{1});
  b.node("BatchNormalization", {"x", "sc", "bi", "me", "va"}, {"bn"}, "bn");
  b.initializer_floats("sc", {3});
  b.initializer_floats("bi", {3});
  b.initializer_floats("me", {3});
  b.initializer_floats("va", {3});
  b.output("m");
  b.output("s");
  b.output("bn");
  const Inspection r = inspect(b.save(temp_dir() + "/versions.onnx"));
  std::map<std::string, std::string> names;
  for (const NodeInfo& n : r.view.nodes()) names[std::string(n.name())] = mlir_op_name(n);
  EXPECT_EQ(names["mean"], "onnx.ReduceMeanV13");  // opset 13 < 18: the V13 form
  EXPECT_EQ(names["softmax"], "onnx.Softmax");     // 13 is the newest Softmax form
  EXPECT_EQ(names["bn"], "onnx.BatchNormalizationInferenceMode");

  ModelBuilder b11(11);
  b11.input("x", onnx::TensorProto::FLOAT, {2, 4});
  b11.node("Softmax", {"x"}, {"s"}, "softmax");
  b11.output("s");
  const Inspection r11 = inspect(b11.save(temp_dir() + "/softmax11.onnx"));
  EXPECT_EQ(mlir_op_name(r11.view.nodes()[0]), "onnx.SoftmaxV11");
}

TEST(PlacementConfig, UnnamedNodesAreLeftOutAndCounted) {
  ModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {1, 8});
  b.node("Relu", {"x"}, {"a"}).clear_name();
  b.node("Abs", {"a"}, {"y"}, "abs");
  b.output("y");
  const Inspection r = inspect(b.save(temp_dir() + "/unnamed.onnx"));
  const PlacementConfig config = placement_config(r.view, r.analysis, PlacementConfigFormat::NnpaOpsConfig);
  EXPECT_EQ(config.unnamed_skipped, 1u);
  ASSERT_EQ(config.json["nnpa_ops_config"].size(), 1u);
  EXPECT_EQ(config.json["nnpa_ops_config"][0]["pattern"]["match"]["node_type"], "onnx.Abs");
}

TEST(PlacementConfig, FormatNamesAreChecked) {
  EXPECT_EQ(parse_placement_config_format("device_placement"), PlacementConfigFormat::DevicePlacement);
  EXPECT_THROW(parse_placement_config_format("yaml"), UsageError);
}

TEST(PlacementConfigCli, EmitConfigWritesTheFileNextToTheReport) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/placement.json";
  RunResult r = run_zonnx({"inspect", "--emit-config", path, "--config-format", "device_placement",
                           bundled_model("squeezenet1_1_op13.onnx")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("squeezenet"), std::string::npos) << "the text report still goes to stdout";
  const json doc = json::parse(read_file(path));
  EXPECT_EQ(doc["device_placement"].size(), 83u);

  RunResult def = run_zonnx({"inspect", "--emit-config", path, bundled_model("squeezenet1_1_op13.onnx")});
  ASSERT_EQ(def.exit_code, 0) << def.err;
  EXPECT_TRUE(json::parse(read_file(path)).contains("nnpa_ops_config")) << "nnpa_ops_config is the default";
}

TEST(PlacementConfigCli, BadFormatAndUnwritablePathFailCleanly) {
  const std::string dir = temp_dir();
  RunResult bad = run_zonnx({"inspect", "--emit-config", dir + "/x.json", "--config-format", "yaml",
                             bundled_model("squeezenet1_1_op13.onnx")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.json"));
  RunResult nowhere = run_zonnx(
      {"inspect", "--emit-config", dir + "/missing/x.json", bundled_model("squeezenet1_1_op13.onnx")});
  EXPECT_NE(nowhere.exit_code, 0);
  EXPECT_NE(nowhere.err.find("missing/x.json"), std::string::npos) << nowhere.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace zonnx::test
