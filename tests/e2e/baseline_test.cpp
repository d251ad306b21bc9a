// The baseline gate end to end: `zonnx inspect NEW --baseline OLD.json`, with
// real models, reports written by zonnx itself, and models edited by the test.

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "test_support.h"

namespace zonnx::test {
namespace {

using nlohmann::json;

// A `--format json` report of `model`, written by zonnx to a temp file.
std::string write_report(const std::string& model, const std::string& march = "z16") {
  const std::string path = temp_dir() + "/report-" + march + ".json";
  RunResult r = run_zonnx({"inspect", model, "--march", march, "--format", "json", "-o", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

onnx::ModelProto load_proto(const std::string& path) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(read_file(path)));
  return model;
}

std::string save_proto(const onnx::ModelProto& model, const std::string& name) {
  const std::string path = temp_dir() + "/" + name;
  write_file(path, model.SerializeAsString());
  return path;
}

onnx::NodeProto& node_named(onnx::ModelProto& model, const std::string& name) {
  for (auto& node : *model.mutable_graph()->mutable_node())
    if (node.name() == name) return node;
  ADD_FAILURE() << "no node " << name;
  return *model.mutable_graph()->mutable_node(0);
}

using Move = std::tuple<std::string, std::string, std::string>;  // name, from, to

std::set<Move> moves_of(const json& report) {
  std::set<Move> moves;
  for (const json& m : report["baseline"]["moved"])
    moves.emplace(m["name"].get<std::string>(), m["from"].get<std::string>(), m["to"].get<std::string>());
  return moves;
}

// The z17 report as baseline for z16 must show exactly what --compare-march
// says moves between the two levels, in the other direction.
TEST(Baseline, Z17BaselineForZ16ShowsTheCompareMarchMovesReversed) {
  // Silero VAD: its STFT Sqrt runs on the NNPA on z17 only.
  const std::string model = bundled_model("silero_vad_16k_op15.onnx");
  const std::string z17 = write_report(model, "z17");
  const json compare = run_zonnx_json({"inspect", model, "--compare-march", "--format", "json"});
  std::set<Move> expected;
  for (const json& m : compare["compare_march"]["moved"])
    expected.emplace(m["name"].get<std::string>(), m["to"].get<std::string>(), m["from"].get<std::string>());
  ASSERT_FALSE(expected.empty()) << "Silero VAD has ops that only z17 runs on the NNPA";

  const json doc = run_zonnx_json({"inspect", model, "--baseline", z17, "--format", "json"});
  const json& b = doc["baseline"];
  EXPECT_EQ(moves_of(doc), expected);
  for (const json& m : b["moved"]) EXPECT_EQ(m["regression"], m["from"] == "nnpa") << m;
  EXPECT_EQ(b["march"], "z17");
  EXPECT_TRUE(b["added"].empty());
  EXPECT_TRUE(b["removed"].empty());
  EXPECT_EQ(b["matched"]["by_name"].get<uint64_t>() + b["matched"]["by_position"].get<uint64_t>(),
            doc["summary"]["counted"].get<uint64_t>());
  const json z17_doc = json::parse(read_file(z17));
  EXPECT_EQ(b["coverage"]["nnpa_share_before"], z17_doc["summary"]["nnpa_share"]);
  EXPECT_EQ(b["coverage"]["nnpa_share_after"], doc["summary"]["nnpa_share"]);
  EXPECT_EQ(b["regressed"], true);
  // "baseline" comes right before "gates", like compare_march after "summary".
  std::vector<std::string> keys;  // in file order: ordered_json keeps it
  const auto ordered =
      nlohmann::ordered_json::parse(run_zonnx({"inspect", model, "--baseline", z17, "--format", "json"}).out);
  for (const auto& [key, value] : ordered.items()) keys.push_back(key);
  auto at = std::find(keys.begin(), keys.end(), "baseline");
  ASSERT_NE(at, keys.end());
  EXPECT_EQ(*(at + 1), "gates");

  // The gate fails the build; without it the same comparison passes.
  RunResult gated = run_zonnx({"inspect", model, "--baseline", z17, "--fail-on", "regression"});
  EXPECT_EQ(gated.exit_code, 1) << gated.err;
  EXPECT_NE(gated.err.find("--fail-on regression"), std::string::npos) << gated.err;
  EXPECT_NE(gated.out.find("REGRESSED"), std::string::npos) << gated.out;
  EXPECT_EQ(run_zonnx({"inspect", model, "--baseline", z17}).exit_code, 0);

  // The other way round everything moves onto the NNPA: no regression.
  const std::string z16 = write_report(model, "z16");
  const json up = run_zonnx_json(
      {"inspect", model, "--march", "z17", "--baseline", z16, "--format", "json", "--fail-on", "regression"});
  EXPECT_EQ(up["baseline"]["regressed"], false);
  EXPECT_EQ(up["baseline"]["regressions"], 0);
  EXPECT_EQ(up["baseline"]["moved"].size(), expected.size());
  EXPECT_EQ(up["gates"].back()["gate"], "--fail-on regression");
  EXPECT_EQ(up["gates"].back()["failed"], false);
}

// SqueezeNet with device="cpu" on the classifier Conv: onnx-mlir keeps that
// Conv on the CPU. The Relu after it stays on the NNPA: it still feeds the
// GlobalAveragePool there, so it is not an isolated light op.
const char* const kPinnedConv = "/classifier/classifier.1/Conv";
const std::set<Move> kPinnedMoves = {{kPinnedConv, "nnpa", "cpu"}};

TEST(Baseline, ANodePinnedToTheCpuIsTheRegression) {
  const std::string original = bundled_model("squeezenet1_1_op13.onnx");
  const std::string baseline = write_report(original);
  onnx::ModelProto model = load_proto(original);
  onnx::NodeProto& conv = node_named(model, kPinnedConv);
  set_attr(conv, "device", std::string("cpu"));
  const std::string edited = save_proto(model, "pinned.onnx");

  const json doc = run_zonnx_json(
      {"inspect", edited, "--baseline", baseline, "--format", "json", "--fail-on", "regression"}, 1);
  EXPECT_EQ(moves_of(doc), kPinnedMoves);
  EXPECT_EQ(doc["baseline"]["matched"]["by_position"], 0) << "every SqueezeNet node has a unique name";
  EXPECT_TRUE(doc["baseline"]["new_unsupported_ops"].empty());
  EXPECT_LT(doc["baseline"]["coverage"]["nnpa_share_change"].get<double>(), 0);
  EXPECT_EQ(doc["gates"].back()["failed"], true);

  // Without names the nodes are matched by op and position: same answer.
  auto strip = [](onnx::ModelProto m) {
    for (auto& node : *m.mutable_graph()->mutable_node()) node.clear_name();
    return m;
  };
  const std::string unnamed_original = save_proto(strip(load_proto(original)), "unnamed.onnx");
  const std::string unnamed_edited = save_proto(strip(model), "unnamed-pinned.onnx");
  const std::string unnamed_baseline = write_report(unnamed_original);
  const json unnamed =
      run_zonnx_json({"inspect", unnamed_edited, "--baseline", unnamed_baseline, "--format", "json"});
  EXPECT_EQ(unnamed["baseline"]["matched"]["by_name"], 0);
  std::set<std::tuple<size_t, std::string, std::string>> by_index, by_index_named;
  for (const json& m : unnamed["baseline"]["moved"])
    by_index.emplace(m["index"].get<size_t>(), m["from"].get<std::string>(), m["to"].get<std::string>());
  for (const json& m : doc["baseline"]["moved"])
    by_index_named.emplace(m["index"].get<size_t>(), m["from"].get<std::string>(),
                           m["to"].get<std::string>());
  EXPECT_EQ(by_index, by_index_named);

  // SARIF marks the moved nodes as new results, the rest as unchanged.
  const json sarif = run_zonnx_json({"inspect", edited, "--baseline", baseline, "--format", "sarif"});
  std::set<std::string> new_results;
  for (const json& r : sarif["runs"][0]["results"]) {
    if (r["baselineState"] == "new")
      new_results.insert(r["locations"][0]["logicalLocations"][0]["name"]);
    else
      EXPECT_EQ(r["baselineState"], "unchanged");
  }
  std::set<std::string> moved_names;
  for (const Move& m : kPinnedMoves) moved_names.insert(std::get<0>(m));
  EXPECT_EQ(new_results, moved_names);

  // Markdown for the pull request names the moved node.
  RunResult md = run_zonnx({"inspect", edited, "--baseline", baseline, "--format", "markdown"});
  EXPECT_NE(md.out.find("Against baseline"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("**Regressed.**"), std::string::npos) << md.out;
}

// The last GRU moved to a domain onnx-mlir does not know: it stops compiling,
// and as nothing infers the shape of a custom op's output, the MatMul and Add
// after it lose their static shapes and fall back to the CPU.
TEST(Baseline, ANewUnsupportedOpIsARegression) {
  const std::string original = bundled_model("gru_op13.onnx");
  const std::string baseline = write_report(original);
  onnx::ModelProto model = load_proto(original);
  onnx::NodeProto* target = nullptr;
  for (auto& node : *model.mutable_graph()->mutable_node())
    if (node.op_type() == "GRU") target = &node;
  ASSERT_NE(target, nullptr);
  const std::string name = target->name();
  target->set_domain("com.example");
  auto* opset = model.add_opset_import();
  opset->set_domain("com.example");
  opset->set_version(1);
  const std::string edited = save_proto(model, "custom.onnx");

  const json doc = run_zonnx_json(
      {"inspect", edited, "--baseline", baseline, "--format", "json", "--fail-on", "regression"}, 1);
  const json& b = doc["baseline"];
  EXPECT_EQ(b["new_unsupported_ops"], json::array({"com.example::GRU"}));
  std::set<std::tuple<std::string, std::string, std::string, std::string>> moved;  // name, from, to, rule
  for (const json& m : b["moved"]) {
    moved.emplace(m["name"].get<std::string>(), m["from"].get<std::string>(), m["to"].get<std::string>(),
                  m["rule"].get<std::string>());
    EXPECT_EQ(m["regression"], true);
  }
  const std::set<std::tuple<std::string, std::string, std::string, std::string>> expected = {
      {name, "nnpa", "unsupported", "model.custom-domain"},
      {"/fc/MatMul", "nnpa", "cpu", "nnpa.shape-unknown"},
      {"/fc/Add", "nnpa", "cpu", "nnpa.shape-unknown"}};
  EXPECT_EQ(moved, expected);
}

TEST(Baseline, NodesAddedAndRemoved) {
  const std::string original = bundled_model("squeezenet1_1_op13.onnx");
  const std::string baseline = write_report(original);
  onnx::ModelProto model = load_proto(original);
  // Rename one node: by name it is one node removed and one added.
  onnx::NodeProto& node = node_named(model, kPinnedConv);
  node.set_name("renamed_conv");
  const json doc = run_zonnx_json(
      {"inspect", save_proto(model, "renamed.onnx"), "--baseline", baseline, "--format", "json"});
  const json& b = doc["baseline"];
  ASSERT_EQ(b["added"].size(), 1u);
  EXPECT_EQ(b["added"][0]["name"], "renamed_conv");
  ASSERT_EQ(b["removed"].size(), 1u);
  EXPECT_EQ(b["removed"][0]["name"], kPinnedConv);
  EXPECT_TRUE(b["moved"].empty());
  EXPECT_EQ(b["regressed"], false);
}

TEST(Baseline, BadBaselineIsExit3WithFileAndCause) {
  const std::string model = bundled_model("gru_op13.onnx");
  const std::string dir = temp_dir();
  struct Case {
    std::string file;
    std::string content;  // empty: do not create
    std::string cause;
  };
  const std::vector<Case> cases = {
      {"missing.json", "", "not found"},
      {"garbage.json", "{\"schema\": ", "not valid JSON"},
      {"other.json", R"({"schema": "zonnx.convert/1"})", "expected \"zonnx.inspect/1\""},
      {"batch.json", R"({"schema": "zonnx.inspect-batch/1", "reports": []})", "several models"},
      {"nonodes.json",
       R"({"schema": "zonnx.inspect/1", "model": {"path": "m.onnx"}, "target": {"march": "z16"},
           "summary": {"counted": 1, "nnpa": 1, "nnpa_share": 1.0, "blocking_ops": []}})",
       "missing field \"nodes\""},
      {"badplacement.json",
       R"({"schema": "zonnx.inspect/1", "model": {"path": "m.onnx"}, "target": {"march": "z16"},
           "summary": {"counted": 1, "nnpa": 1, "nnpa_share": 1.0, "blocking_ops": []},
           "nodes": [{"graph": "main", "name": "a", "op_type": "Relu", "domain": "ai.onnx", "counted": true,
                      "placement": "gpu", "reasons": []}]})",
       "nodes[0].placement"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = dir + "/" + c.file;
    if (!c.content.empty()) write_file(path, c.content);
    const std::string out = dir + "/out-" + c.file;
    RunResult r = run_zonnx({"inspect", model, "--baseline", path, "--format", "json", "-o", out});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.cause), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "no report when the baseline is bad";
  }
}

TEST(Baseline, UsageErrors) {
  const std::string model = bundled_model("gru_op13.onnx");
  RunResult no_baseline = run_zonnx({"inspect", model, "--fail-on", "regression"});
  EXPECT_EQ(no_baseline.exit_code, 2);
  EXPECT_NE(no_baseline.err.find("--baseline"), std::string::npos) << no_baseline.err;
  const std::string baseline = write_report(model);
  RunResult two = run_zonnx({"inspect", model, model, "--baseline", baseline});
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.err.find("--baseline"), std::string::npos) << two.err;
}

TEST(Baseline, SchemaFileDescribesTheBaselineObject) {
  const json schema = json::parse(read_file(source_dir() + "/docs/zonnx.inspect-1.schema.json"));
  const json& spec = schema["properties"]["baseline"];
  ASSERT_TRUE(spec.is_object()) << "docs/zonnx.inspect-1.schema.json lacks \"baseline\"";
  const std::string model = bundled_model("gru_op13.onnx");
  const json doc = run_zonnx_json({"inspect", model, "--baseline", write_report(model), "--format", "json"});
  std::set<std::string> required, present;
  for (const json& key : spec["required"]) required.insert(key);
  for (const auto& [key, value] : doc["baseline"].items()) present.insert(key);
  EXPECT_EQ(present, required);
  for (const auto& [key, value] : spec["properties"].items()) EXPECT_TRUE(present.count(key)) << key;
}

}  // namespace
}  // namespace zonnx::test
