// End-to-end tests: run the zonnx binary as a user or CI script would.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace zonnx::test {
namespace {

using nlohmann::json;

TEST(Cli, InspectSqueezenetTextReportsPlacement) {
  RunResult r = run_zonnx({"inspect", bundled_model("squeezenet1_1_op13.onnx")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("squeezenet1_1_op13.onnx"), std::string::npos);
  EXPECT_NE(r.out.find("Conv"), std::string::npos);
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when stdout is not a terminal";
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Cli, ColorOnlyWhenAskedAndNeverWithNoColor) {
  RunResult on = run_zonnx({"inspect", "--color", "always", bundled_model("squeezenet1_1_op13.onnx")});
  EXPECT_NE(on.out.find("\x1b["), std::string::npos);
  RunResult off =
      run_zonnx({"inspect", "--color", "always", bundled_model("squeezenet1_1_op13.onnx")}, {"NO_COLOR=1"});
  EXPECT_EQ(off.out.find("\x1b["), std::string::npos);
}

// Hand-checked placement of SqueezeNet 1.1 on z16 (see docs/rules.md):
// every Conv is group 1 with VALID or SAME_UPPER-equivalent padding -> NNPA; each Relu follows an
// NNPA Conv -> NNPA; MaxPool uses ceil_mode=1 -> CPU; GlobalAveragePool on 13x13 -> ReduceMean on
// NNPA; Concat, Flatten and Identity have no NNPA lowering.
TEST(Cli, SqueezenetPlacementMatchesTheRules) {
  json doc = run_zonnx_json({"inspect", "--format", "json", bundled_model("squeezenet1_1_op13.onnx")});
  ASSERT_EQ(doc["schema"], "zonnx.inspect/1");
  std::map<std::string, std::map<std::string, int>> by_op;
  std::map<std::string, std::set<std::string>> rules_by_op;
  for (const auto& n : doc["nodes"]) {
    by_op[n["op_type"]][n["placement"]]++;
    for (const auto& r : n["reasons"]) rules_by_op[n["op_type"]].insert(r["rule"].get<std::string>());
  }
  EXPECT_EQ(by_op["Conv"]["nnpa"], 26);
  EXPECT_EQ(by_op["Relu"]["nnpa"], 26);
  EXPECT_EQ(by_op["MaxPool"]["cpu"], 3);
  EXPECT_EQ(rules_by_op["MaxPool"], std::set<std::string>{"pool.ceil-mode"});
  EXPECT_EQ(by_op["GlobalAveragePool"]["nnpa"], 1);
  EXPECT_EQ(by_op["Concat"]["cpu"], 8);
  EXPECT_EQ(rules_by_op["Concat"], std::set<std::string>{"nnpa.no-lowering"});
  EXPECT_EQ(doc["summary"]["unsupported"], 0);
  EXPECT_EQ(doc["summary"]["nnpa"], 53);
}

TEST(Cli, GatesFailTheBuild) {
  std::string model = bundled_model("squeezenet1_1_op13.onnx");
  EXPECT_EQ(run_zonnx({"inspect", model, "--fail-on", "unsupported"}).exit_code, 0);
  RunResult cpu = run_zonnx({"inspect", model, "--fail-on", "cpu"});
  EXPECT_EQ(cpu.exit_code, 1);
  EXPECT_NE(cpu.err.find("--fail-on cpu"), std::string::npos) << cpu.err;
  EXPECT_EQ(run_zonnx({"inspect", model, "--min-nnpa-coverage", "99"}).exit_code, 1);
  EXPECT_EQ(run_zonnx({"inspect", model, "--min-nnpa-coverage", "10"}).exit_code, 0);
  // JSON still goes to stdout when a gate fails, with the gate result.
  json doc = run_zonnx_json({"inspect", model, "--format", "json", "--fail-on", "cpu"}, 1);
  ASSERT_TRUE(doc["gates"].is_array());
  EXPECT_EQ(doc["gates"][0]["failed"], true);
}

TEST(Cli, UsageErrorsExit2) {
  std::string model = bundled_model("squeezenet1_1_op13.onnx");
  EXPECT_EQ(run_zonnx({"inspect", model, "--march", "z15"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"inspect", model, "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"inspect", model, "--input-shape", "nosuchinput:1x3"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"inspect", model, "--input-shape", "input:1xfoo"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"inspect"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"--help"}).exit_code, 0);
}

TEST(Cli, BadModelsExit3WithFileAndCause) {
  std::string dir = temp_dir();
  RunResult missing = run_zonnx({"inspect", dir + "/missing.onnx"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("missing.onnx"), std::string::npos);
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;
  write_file(dir + "/garbage.onnx", std::string("\xff\xff\xff\xff this is not protobuf", 26));
  RunResult garbage = run_zonnx({"inspect", dir + "/garbage.onnx"});
  EXPECT_EQ(garbage.exit_code, 3);
  EXPECT_NE(garbage.err.find("garbage.onnx"), std::string::npos);
  RunResult directory = run_zonnx({"inspect", dir});
  EXPECT_EQ(directory.exit_code, 3);
}

TEST(Cli, OutputFileIsWrittenAtomicallyAndOnlyOnSuccess) {
  std::string dir = temp_dir();
  std::string out = dir + "/report.json";
  ASSERT_EQ(run_zonnx({"inspect", bundled_model("gru_op13.onnx"), "--format", "json", "-o", out}).exit_code,
            0);
  json doc = json::parse(read_file(out));
  EXPECT_EQ(doc["schema"], "zonnx.inspect/1");
  // A failing run leaves no file and no temp files behind.
  std::string out2 = dir + "/never.json";
  EXPECT_EQ(run_zonnx({"inspect", dir + "/missing.onnx", "-o", out2}).exit_code, 3);
  EXPECT_FALSE(std::filesystem::exists(out2));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) (void)e, ++files;
  EXPECT_EQ(files, 1);
}

TEST(Cli, Z17MovesNodesToNnpa) {
  // The transformer's Erf-based GELU, Sqrt and Softmax differ across generations; at least the
  // per-dimension limits and z17-only ops must never make z17 worse than z16.
  std::string model = bundled_model("transformer_encoder_op17.onnx");
  json z16 = run_zonnx_json({"inspect", "--format", "json", model});
  json z17 = run_zonnx_json({"inspect", "--format", "json", "--march", "z17", model});
  EXPECT_GE(z17["summary"]["nnpa"].get<int>(), z16["summary"]["nnpa"].get<int>());
  EXPECT_EQ(z17["target"]["march"], "z17");
}

TEST(Cli, InputShapeBindingsMakeDimsStatic) {
  std::string model = bundled_model("transformer_encoder_op17.onnx");
  json dynamic = run_zonnx_json({"inspect", "--format", "json", model});
  EXPECT_EQ(dynamic["model"]["inputs"][0]["shape"], json::parse(R"(["batch","seq"])"));
  json by_name = run_zonnx_json({"inspect", "--format", "json", "--input-shape", "tokens:1x16", model});
  EXPECT_EQ(by_name["model"]["inputs"][0]["shape"], json::parse("[1,16]"));
  json by_index =
      run_zonnx_json({"inspect", "--format", "json", "--shapeInformation", "0:1x16,1:1x16", model});
  EXPECT_EQ(by_index["model"]["inputs"][0]["shape"], json::parse("[1,16]"));
  EXPECT_EQ(by_index["model"]["inputs"][1]["shape"], json::parse("[1,16]"));
  // Static shapes let the rules prove more: never fewer nodes on NNPA than with dynamic dims.
  EXPECT_GE(by_index["summary"]["nnpa"].get<int>(), dynamic["summary"]["nnpa"].get<int>());
  EXPECT_EQ(run_zonnx({"inspect", model, "--shapeInformation", "7:1x16"}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"inspect", model, "--input-shape", "tokens:1x2x3"}).exit_code, 2);
}

TEST(Cli, OpsAndRulesListings) {
  RunResult ops = run_zonnx({"ops", "--target", "nnpa", "--march", "z16"});
  ASSERT_EQ(ops.exit_code, 0);
  EXPECT_NE(ops.out.find("Conv"), std::string::npos);
  EXPECT_EQ(ops.out.find("Gelu"), std::string::npos) << "Gelu needs z17";
  json z17 = json::parse(run_zonnx({"ops", "--march", "z17", "--format", "json"}).out);
  EXPECT_EQ(z17["ops"].size(), 34u);
  json cpu = json::parse(run_zonnx({"ops", "--target", "cpu", "--format", "json"}).out);
  EXPECT_EQ(cpu["ops"].size(), 210u);
  RunResult rules = run_zonnx({"rules", "--format", "markdown"});
  ASSERT_EQ(rules.exit_code, 0);
  EXPECT_EQ(rules.out, read_file(source_dir() + "/docs/rules.md"))
      << "docs/rules.md is stale: run zonnx rules --format markdown > docs/rules.md";
}

TEST(Cli, EveryRuleIdIsDocumentedInHelpAndDocs) {
  json rules = json::parse(run_zonnx({"rules", "--format", "json"}).out);
  std::string docs = read_file(source_dir() + "/docs/rules.md");
  ASSERT_GT(rules["rules"].size(), 40u);
  for (const auto& r : rules["rules"])
    EXPECT_NE(docs.find("`" + r["id"].get<std::string>() + "`"), std::string::npos);
  std::string cli = read_file(source_dir() + "/docs/cli.md");
  RunResult help = run_zonnx({"inspect", "--help"});
  for (const char* flag :
       {"--march", "--format", "--output", "--verbose", "--color", "--input-shape", "--shapeInformation",
        "--no-shape-inference", "--fail-on", "--min-nnpa-coverage"}) {
    EXPECT_NE(cli.find(flag), std::string::npos) << flag;
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace zonnx::test
