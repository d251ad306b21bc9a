// End-to-end tests of `zonnx inspect` over several models: directories,
// JSON Lines, deterministic order with worker threads, errors and gates.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace zonnx::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A directory holding two bundled models, one of them in a subdirectory, plus a
// file that is not a model (ignored: not *.onnx).
std::string model_dir() {
  std::string dir = temp_dir();
  fs::create_directories(dir + "/sub");
  fs::copy_file(bundled_model("squeezenet1_1_op13.onnx"), dir + "/sub/b_squeezenet.onnx");
  fs::copy_file(bundled_model("gru_op13.onnx"), dir + "/a_gru.onnx");
  write_file(dir + "/README.txt", "not a model");
  return dir;
}

std::vector<json> parse_lines(const std::string& out) {
  std::vector<json> docs;
  for (const std::string& line : lines_of(out)) {
    EXPECT_NO_THROW(docs.push_back(json::parse(line))) << line;
  }
  return docs;
}

TEST(Batch, JsonlHasOneLinePerModelAndASummaryInInputOrder) {
  std::string dir = model_dir();
  std::string transformer = bundled_model("transformer_encoder_op17.onnx");
  std::string silero = bundled_model("silero_vad_16k_op15.onnx");
  std::vector<std::string> args = {"inspect", "--format", "jsonl", transformer, dir, silero};
  RunResult r = run_zonnx(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> docs = parse_lines(r.out);
  ASSERT_EQ(docs.size(), 5u) << r.out.substr(0, 500);
  // Input order; a directory expands in place to its models, sorted, recursively.
  const std::vector<std::string> expected = {transformer, dir + "/a_gru.onnx", dir + "/sub/b_squeezenet.onnx",
                                             silero};
  uint64_t nodes = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(docs[i]["schema"], "zonnx.inspect/1");
    EXPECT_EQ(docs[i]["model"]["path"], expected[i]);
    nodes += docs[i]["summary"]["nodes"].get<uint64_t>();
  }
  const json& summary = docs.back();
  EXPECT_EQ(summary["schema"], "zonnx.inspect-summary/1");
  EXPECT_EQ(summary["models"], 4);
  EXPECT_EQ(summary["ok"], 4);
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_EQ(summary["nodes"], nodes);
  EXPECT_EQ(summary["exit_code"], 0);

  // Each line is the same object as the single-model --format json report.
  RunResult single = run_zonnx({"inspect", "--format", "json", expected[2]});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_EQ(docs[2], json::parse(single.out));

  // Byte-identical across runs and thread counts.
  for (const char* jobs : {"1", "3", "8"}) {
    std::vector<std::string> with_jobs = args;
    with_jobs.insert(with_jobs.begin() + 1, {"-j", jobs});
    RunResult again = run_zonnx(with_jobs);
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, r.out) << "-j " << jobs;
  }
}

TEST(Batch, JsonAndTextFormatsCoverEveryModel) {
  std::string dir = model_dir();
  RunResult j = run_zonnx({"inspect", "--format", "json", bundled_model("gru_op13.onnx"), dir});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["schema"], "zonnx.inspect-batch/1");
  ASSERT_EQ(doc["reports"].size(), 3u);
  EXPECT_EQ(doc["reports"][1]["model"]["path"], dir + "/a_gru.onnx");
  EXPECT_EQ(doc["summary"]["schema"], "zonnx.inspect-summary/1");
  EXPECT_EQ(doc["summary"]["models"], 3);
  // Indented like the single-model report.
  EXPECT_EQ(j.out.substr(0, 2), "{\n");

  RunResult t = run_zonnx({"inspect", bundled_model("gru_op13.onnx"), dir});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const size_t table = t.out.find("\nModels\n");
  ASSERT_NE(table, std::string::npos) << t.out;
  const std::string tail = t.out.substr(table);
  for (const char* column : {"model", "nodes", "nnpa%", "unsupported", "status"})
    EXPECT_NE(tail.find(column), std::string::npos) << column;
  EXPECT_NE(tail.find("a_gru.onnx"), std::string::npos) << tail;
  EXPECT_NE(tail.find("b_squeezenet.onnx"), std::string::npos) << tail;
  EXPECT_NE(tail.find("total (3 models)"), std::string::npos) << tail;
  // The reports come first, one per model.
  size_t reports = 0;
  for (size_t pos = 0; (pos = t.out.find("Summary", pos)) < table; ++pos) ++reports;
  EXPECT_GE(reports, 3u);
}

TEST(Batch, BadModelAmongGoodOnesExits3AndReportsTheOthers) {
  std::string dir = temp_dir();
  write_file(dir + "/garbage.onnx", std::string("\xff\xff\xff\xff this is not protobuf", 26));
  std::string gru = bundled_model("gru_op13.onnx");
  std::string squeezenet = bundled_model("squeezenet1_1_op13.onnx");
  RunResult r = run_zonnx(
      {"inspect", "--format", "jsonl", gru, dir + "/missing.onnx", squeezenet, dir + "/garbage.onnx"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  std::vector<json> docs = parse_lines(r.out);
  ASSERT_EQ(docs.size(), 5u) << r.out.substr(0, 500);
  EXPECT_EQ(docs[0]["schema"], "zonnx.inspect/1");
  EXPECT_EQ(docs[1]["schema"], "zonnx.inspect-error/1");
  EXPECT_EQ(docs[1]["path"], dir + "/missing.onnx");
  EXPECT_EQ(docs[1]["exit_code"], 3);
  EXPECT_NE(docs[1]["error"].get<std::string>().find("No such file"), std::string::npos) << docs[1];
  EXPECT_EQ(docs[2]["schema"], "zonnx.inspect/1");
  EXPECT_EQ(docs[2]["model"]["path"], squeezenet);
  EXPECT_EQ(docs[3]["schema"], "zonnx.inspect-error/1");
  EXPECT_EQ(docs[4]["ok"], 2);
  EXPECT_EQ(docs[4]["failed"], 2);
  EXPECT_EQ(docs[4]["exit_code"], 3);
  EXPECT_NE(r.err.find("missing.onnx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("garbage.onnx"), std::string::npos) << r.err;

  // Text: the good reports, then the table with the errors.
  RunResult t = run_zonnx({"inspect", gru, dir + "/missing.onnx"});
  EXPECT_EQ(t.exit_code, 3);
  EXPECT_NE(t.out.find("gru_op13.onnx"), std::string::npos);
  EXPECT_NE(t.out.find("error"), std::string::npos) << t.out;

  // A directory without models is an incomplete scan too.
  std::string empty = temp_dir();
  RunResult none = run_zonnx({"inspect", "--format", "jsonl", gru, empty});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.err.find("no *.onnx"), std::string::npos) << none.err;
}

TEST(Batch, GatesApplyPerModelAndBadModelsOutrankThem) {
  std::string gru = bundled_model("gru_op13.onnx");
  std::string squeezenet = bundled_model("squeezenet1_1_op13.onnx");
  // SqueezeNet leaves MaxPool/Concat on the CPU: --fail-on cpu fails for it.
  RunResult r = run_zonnx({"inspect", "--format", "jsonl", "--fail-on", "cpu", gru, squeezenet});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::vector<json> docs = parse_lines(r.out);
  ASSERT_EQ(docs.size(), 3u);
  ASSERT_TRUE(docs[1]["gates"].is_array());
  EXPECT_EQ(docs[1]["gates"][0]["failed"], true);
  EXPECT_GE(docs[2]["gate_failed"].get<int>(), 1);
  EXPECT_EQ(docs[2]["exit_code"], 1);
  EXPECT_NE(r.err.find("gate failed: " + squeezenet), std::string::npos) << r.err;

  EXPECT_EQ(run_zonnx({"inspect", "--min-nnpa-coverage", "0", gru, squeezenet}).exit_code, 0);

  std::string dir = temp_dir();
  write_file(dir + "/garbage.onnx", "garbage");
  EXPECT_EQ(run_zonnx({"inspect", "--fail-on", "cpu", gru, squeezenet, dir + "/garbage.onnx"}).exit_code, 3);
}

TEST(Batch, JobsMustBePositive) {
  std::string gru = bundled_model("gru_op13.onnx");
  EXPECT_EQ(run_zonnx({"inspect", "-j", "0", gru, gru}).exit_code, 2);
  EXPECT_EQ(run_zonnx({"inspect", "--jobs", "two", gru, gru}).exit_code, 2);
}

}  // namespace
}  // namespace zonnx::test
