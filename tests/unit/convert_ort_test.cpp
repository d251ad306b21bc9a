// Numeric check of zonnx convert with a real runtime. Converts every ONNX
// backend node-test model (Debian's /usr/share/libonnx-testdata/data/node and
// ../shared/onnx-node-tests, which wins for duplicate names) to opsets 13, 17,
// 22 and its own opset +-1 through run_convert (exactly what the CLI runs),
// then tests/ort/run.js runs the originals and the converted models in
// onnxruntime-node on the reference inputs. Checks: converted models match the
// reference outputs (where the original does), refused conversions wrote
// nothing, no conversion fails validation. Skips without tests/ort/node_modules
// (cd tests/ort && npm ci) or without node-test data.
// The other tests compare converted models with their original on the same seeded
// random inputs (run.js same): the real models to --opset nnpa and back, the
// multi-node rewrites (Softmax family, Upsample -> Resize), and external data
// (copy / reference), whose file-level checks run even without onnxruntime.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "zonnx/convert.h"
#include "zonnx/errors.h"
#include "zonnx/loader.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;
  fs::path dir;
};

std::vector<fs::path> sorted_pbs(const fs::path& data, const std::string& prefix) {
  std::map<int, fs::path> by_index;
  for (const auto& e : fs::directory_iterator(data)) {
    const std::string f = e.path().filename().string();
    if (f.rfind(prefix, 0) == 0 && f.size() > 3 && f.substr(f.size() - 3) == ".pb")
      by_index[std::stoi(f.substr(prefix.size()))] = e.path();
  }
  std::vector<fs::path> out;
  for (auto& [i, p] : by_index) out.push_back(p);
  return out;
}

int own_opset(const std::string& model) {
  try {
    LoadedModel m = load_model(model);
    for (const auto& o : m.proto().opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") return static_cast<int>(o.version());
  } catch (const std::exception&) {
  }
  return 0;
}

std::string run_command(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  *status = pclose(p);
  return out;
}

// tests/ort: run.js and its npm install (onnxruntime-node).
fs::path ort_dir() { return fs::path(test::source_dir()) / "tests" / "ort"; }
bool ort_installed() { return fs::exists(ort_dir() / "node_modules" / "onnxruntime-node"); }
constexpr const char* kNoOrt = "onnxruntime-node not installed (cd tests/ort && npm ci)";

struct OrtRun {
  int code = -1;
  std::string out;
  bool unavailable() const { return code == 77; }  // run.js cannot run here: the test skips
};

// Writes `manifest` to `path` and runs `node run.js MODE path ARGS`.
OrtRun run_ort(const std::string& mode, const nlohmann::json& manifest, const std::string& path,
               const std::string& args = "") {
  std::ofstream(path) << manifest.dump();
  int status = 0;
  OrtRun run;
  run.out = run_command("node " + (ort_dir() / "run.js").string() + " " + mode + " " + path +
                            (args.empty() ? "" : " " + args) + " 2>&1",
                        &status);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A "same" run passed: exit 0 and its summary line contains `summary`.
void expect_same(const OrtRun& run, const std::string& summary) {
  std::cout << run.out;
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find(summary), std::string::npos) << run.out;
}

TEST(ConvertOrt, NodeTestsMatchReferenceOutputsInOnnxRuntime) {
  if (!ort_installed()) GTEST_SKIP() << kNoOrt;
  std::map<std::string, Case> cases;
  std::vector<fs::path> roots = {"/usr/share/libonnx-testdata/data/node"};
  if (!test::shared_dir().empty()) roots.push_back(fs::path(test::shared_dir()) / "onnx-node-tests");
  for (const auto& root : roots) {
    if (!fs::is_directory(root)) continue;
    for (const auto& e : fs::directory_iterator(root))
      if (fs::exists(e.path() / "model.onnx") && fs::is_directory(e.path() / "test_data_set_0"))
        cases[e.path().filename().string()] = Case{e.path().filename().string(), e.path()};
  }
  if (cases.empty()) GTEST_SKIP() << "no node-test data";

  const std::string work = test::temp_dir();
  std::map<std::string, uint64_t> counts;
  std::vector<std::string> failures;
  nlohmann::json manifest = nlohmann::json::array();
  for (const auto& [name, c] : cases) {
    const std::string model = (c.dir / "model.onnx").string();
    const int own = own_opset(model);
    std::set<int> targets;
    for (int t : {13, 17, 22, own - 1, own + 1})
      if (t >= kConvertMinOpset && t <= kConvertMaxOpset && t != own) targets.insert(t);
    counts["models"]++;
    for (int t : targets) {
      counts["conversions"]++;
      ConvertRequest req;
      req.input = model;
      req.output = work + "/" + name + "." + std::to_string(t) + ".onnx";
      req.opset = std::to_string(t);
      std::ostringstream report;
      int code = 0;
      try {
        code = run_convert(req, report);
      } catch (const UsageError& e) {
        code = kExitUsage;
        failures.push_back(name + " -> " + std::to_string(t) + ": usage error " + e.what());
      } catch (const ModelError& e) {
        code = kExitBadModel;
        if (std::string(e.what()).find("zonnx bug") != std::string::npos)
          failures.push_back(name + " -> " + std::to_string(t) + ": " + e.what());
      } catch (const std::exception& e) {
        code = kExitBadModel;
        failures.push_back(name + " -> " + std::to_string(t) + ": " + e.what());
      }
      if (code == kExitNotConvertible) {
        counts["refused"]++;
        if (fs::exists(req.output))
          failures.push_back(name + " -> " + std::to_string(t) + ": refused but wrote");
      } else if (code == kExitBadModel) {
        counts["unreadable_or_invalid"]++;
      } else if (code == kExitOk) {
        counts["converted"]++;
        nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
        for (const auto& p : sorted_pbs(c.dir / "test_data_set_0", "input_")) inputs.push_back(p.string());
        for (const auto& p : sorted_pbs(c.dir / "test_data_set_0", "output_")) outputs.push_back(p.string());
        manifest.push_back({{"name", name},
                            {"target", t},
                            {"model", model},
                            {"converted", req.output},
                            {"inputs", inputs},
                            {"outputs", outputs}});
      }
    }
  }
  const OrtRun ort = run_ort("check", manifest, work + "/manifest.json", "2");
  if (ort.unavailable()) GTEST_SKIP() << ort.out;
  const std::string& out = ort.out;
  const int code = ort.code;

  std::cout << "convert: " << nlohmann::json(counts).dump() << "\n";
  std::cout << "onnxruntime: " << out;
  for (const auto& f : failures) std::cout << "FAIL " << f << "\n";
  EXPECT_TRUE(failures.empty());
  EXPECT_EQ(code, 0) << out;
  EXPECT_GT(counts["converted"], 0u);
}

// ---- real models: to --opset nnpa and back, same outputs as the original on the same inputs ----

struct RealModel {
  std::string path;
  std::map<std::string, int64_t> dims;        // values for named (dynamic) dims; others get 2
  std::map<std::string, int64_t> int_inputs;  // integer inputs with a fixed value (e.g. sample rate)
};

// Seeded inputs with the model's shapes, written as TensorProto files (typed fields, so the
// files are the same on big-endian hosts). Floats uniform in [-1, 1), integers in [0, 16)
// (token ids), bools true with probability 1/4. Returns {input name: pb path}.
nlohmann::json write_random_inputs(const RealModel& spec, const std::string& dir, std::string* error) {
  LoadedModel m = load_model(spec.path);
  std::set<std::string> initializers;
  for (const auto& t : m.proto().graph().initializer()) initializers.insert(t.name());
  std::mt19937_64 rng(20261204);
  nlohmann::json feeds = nlohmann::json::object();
  int index = 0;
  for (const auto& in : m.proto().graph().input()) {
    if (initializers.count(in.name())) continue;
    const auto& tt = in.type().tensor_type();
    onnx::TensorProto t;
    t.set_name(in.name());
    t.set_data_type(tt.elem_type());
    int64_t count = 1;
    for (const auto& d : tt.shape().dim()) {
      int64_t v = d.has_dim_value() ? d.dim_value() : 2;
      auto it = spec.dims.find(d.dim_param());
      if (d.has_dim_param() && it != spec.dims.end()) v = it->second;
      t.add_dims(v);
      count *= v;
    }
    for (int64_t i = 0; i < count; ++i) {
      const uint64_t r = rng();
      switch (tt.elem_type()) {
        case onnx::TensorProto::FLOAT:
          t.add_float_data(static_cast<float>(static_cast<double>(r >> 11) * 0x1.0p-52 - 1.0));
          break;
        case onnx::TensorProto::INT64: {
          auto fixed = spec.int_inputs.find(in.name());
          t.add_int64_data(fixed != spec.int_inputs.end() ? fixed->second : static_cast<int64_t>(r % 16));
          break;
        }
        case onnx::TensorProto::BOOL:
          t.add_int32_data(r % 4 == 0 ? 1 : 0);
          break;
        default:
          *error = in.name() + " has element type " + std::to_string(tt.elem_type()) +
                   ", which this test does not generate";
          return feeds;
      }
    }
    const std::string pb = dir + "/input_" + std::to_string(index++) + ".pb";
    test::write_file(pb, t.SerializeAsString());
    feeds[in.name()] = pb;
  }
  return feeds;
}

TEST(ConvertOrt, RealModelsToNnpaAndBackMatchTheOriginalInOnnxRuntime) {
  if (!ort_installed()) GTEST_SKIP() << kNoOrt;
  // The bundled models always; ../shared/models (when present) adds the others.
  std::vector<RealModel> models;
  std::set<std::string> seen;
  std::vector<std::string> dirs = {test::source_dir() + "/models"};
  if (!test::shared_dir().empty()) dirs.push_back(test::shared_dir() + "/models");
  for (const auto& d : dirs) {
    if (!fs::is_directory(d)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().extension() == ".onnx") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (seen.insert(f.filename().string()).second) models.push_back({f.string(), {}, {}});
  }
  // Dims that must have particular sizes: Silero VAD takes 512-sample windows at 16 kHz; the OCR
  // detector downsamples by 32.
  for (auto& m : models) {
    m.dims = {{"batch", 1},
              {"seq", 5},
              {"src_len", 5},
              {"tgt_len", 4},
              {"sequence", 512},
              {"p2o.DynamicDimension.0", 1},
              {"p2o.DynamicDimension.1", 64},
              {"p2o.DynamicDimension.2", 96}};
    m.int_inputs = {{"sr", 16000}};
  }
  ASSERT_GE(models.size(), 4u) << "the bundled models are missing";

  const std::string work = test::temp_dir();
  const int nnpa = parse_target_opset("nnpa");
  nlohmann::json manifest = nlohmann::json::array();
  for (const auto& m : models) {
    const std::string name = fs::path(m.path).stem().string();
    const int own = own_opset(m.path);
    ASSERT_GT(own, 0) << m.path;
    const std::string dir = work + "/" + name;
    fs::create_directories(dir);
    std::string error;
    nlohmann::json feeds = write_random_inputs(m, dir, &error);
    ASSERT_TRUE(error.empty()) << name << ": " << error;

    nlohmann::json converted = nlohmann::json::array();
    std::string previous = m.path;
    std::string label;
    for (int target : {nnpa, own}) {
      if (target == own && label.empty()) continue;  // a model already at the NNPA opset
      ConvertRequest req;
      req.input = previous;
      req.output = dir + "/" + std::to_string(target) + ".onnx";
      req.opset = std::to_string(target);
      std::ostringstream report;
      ASSERT_EQ(run_convert(req, report), kExitOk) << name << " -> " << target << "\n" << report.str();
      label += " -> " + std::to_string(target);
      converted.push_back({{"label", "(opset " + std::to_string(own) + label + ")"}, {"path", req.output}});
      previous = req.output;
    }
    manifest.push_back({{"name", name}, {"model", m.path}, {"feeds", feeds}, {"converted", converted}});
  }
  const OrtRun ort = run_ort("same", manifest, work + "/real_models.json");
  if (ort.unavailable()) GTEST_SKIP() << ort.out;
  expect_same(ort, "\"failures\":0");
}

// ---- multi-node rewrites: Softmax/LogSoftmax/Hardmax on a non-last axis across opset 13 ------------

std::string int64_tensor_bytes(const std::vector<int64_t>& values) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t.add_int64_data(v);
  return t.SerializeAsString();
}

TEST(ConvertOrt, SoftmaxFamilyOnANonLastAxisKeepsItsResultsAcrossOpset13) {
  const std::string work = test::temp_dir();
  nlohmann::json manifest = nlohmann::json::array();
  for (const std::string op : {"Softmax", "LogSoftmax", "Hardmax"}) {
    // Opset 11, axis 1 of a rank-4 input: normalised over dims 1..3 together. The second model
    // has an input of unknown rank (the upgrade does not need it; the downgrade would).
    for (const bool known_rank : {true, false}) {
      // Known rank: the op reads x. Unknown rank: it reads Reshape(x, s) with s of unknown length
      // (libonnx's inference gives that no rank).
      test::ModelBuilder b(11, 6);
      b.input("x", onnx::TensorProto::FLOAT, {2, 3, 4, 5})
          .output("y", onnx::TensorProto::FLOAT, {-1, -1, -1, -1});
      if (!known_rank) {
        b.input("s", onnx::TensorProto::INT64, {-1});
        b.node("Reshape", {"x", "s"}, {"r"}, "reshape");
      }
      test::set_attr(b.node(op, {known_rank ? "x" : "r"}, {"y"}, op + "_node"), "axis", int64_t{1});
      const std::string name = op + (known_rank ? "_rank4" : "_unknown_rank");
      const std::string dir = work + "/" + name;
      fs::create_directories(dir);
      const std::string in = b.save(dir + "/model.onnx");
      nlohmann::json converted = nlohmann::json::array();
      std::string previous = in;
      std::string label = "(opset 11";
      // Up (Flatten form), back down (Transpose form), up again.
      for (int target : {13, 22, 12, 17}) {
        ConvertRequest req;
        req.input = previous;
        req.output = dir + "/" + std::to_string(target) + ".onnx";
        req.opset = std::to_string(target);
        std::ostringstream report;
        const int code = run_convert(req, report);
        if (!known_rank && target == 12) {
          // Down needs the rank to move the axis: refused, nothing written.
          EXPECT_EQ(code, kExitNotConvertible) << report.str();
          EXPECT_NE(report.str().find("rank of the input is unknown"), std::string::npos) << report.str();
          EXPECT_FALSE(fs::exists(req.output));
          break;
        }
        ASSERT_EQ(code, kExitOk) << name << " -> " << target << "\n" << report.str();
        label += " -> " + std::to_string(target);
        converted.push_back({{"label", label + ")"}, {"path", req.output}});
        previous = req.output;
      }
      std::string error;
      RealModel spec{in, {}, {}};
      spec.dims["d0"] = 4;
      const nlohmann::json feeds = write_random_inputs(spec, dir, &error);
      ASSERT_TRUE(error.empty()) << error;
      if (!known_rank) test::write_file(feeds["s"].get<std::string>(), int64_tensor_bytes({2, 3, 4, 5}));
      manifest.push_back({{"name", name}, {"model", in}, {"feeds", feeds}, {"converted", converted}});
    }
  }
  if (!ort_installed()) GTEST_SKIP() << kNoOrt;
  const OrtRun ort = run_ort("same", manifest, work + "/softmax.json");
  if (ort.unavailable()) GTEST_SKIP() << ort.out;
  expect_same(ort, "\"failures\":0");
}

// Upsample-7 (scales attribute) -> 9 (scales input) -> Resize-10 -> Resize-11+ and back down to 7.
TEST(ConvertOrt, UpsampleBecomesResizeWithTheSameResults) {
  const std::string work = test::temp_dir();
  nlohmann::json manifest = nlohmann::json::array();
  for (const std::string mode : {"nearest", "linear"}) {
    test::ModelBuilder b(7, 3);
    b.input("x", onnx::TensorProto::FLOAT, {1, 2, 3, 4}).output("y", onnx::TensorProto::FLOAT, {1, 2, 6, 12});
    auto& up = b.node("Upsample", {"x"}, {"y"}, "upsample");
    test::set_attr(up, "mode", mode);
    auto* scales = up.add_attribute();
    scales->set_name("scales");
    scales->set_type(onnx::AttributeProto::FLOATS);
    for (float f : {1.0f, 1.0f, 2.0f, 3.0f}) scales->add_floats(f);
    const std::string dir = work + "/" + mode;
    fs::create_directories(dir);
    const std::string in = b.save(dir + "/model.onnx");
    nlohmann::json converted = nlohmann::json::array();
    for (int target : {9, 13, 22}) {
      ConvertRequest req;
      req.input = in;
      req.output = dir + "/" + std::to_string(target) + ".onnx";
      req.opset = std::to_string(target);
      std::ostringstream report;
      ASSERT_EQ(run_convert(req, report), kExitOk) << mode << " -> " << target << "\n" << report.str();
      converted.push_back({{"label", "(opset 7 -> " + std::to_string(target) + ")"}, {"path", req.output}});
    }
    LoadedModel m22 = load_model(dir + "/22.onnx");
    ASSERT_EQ(m22.proto().graph().node_size(), 3) << "Constant roi, Constant scales, Resize";
    EXPECT_EQ(m22.proto().graph().node(2).op_type(), "Resize");
    // Down from 9 to 7: the constant scales input becomes the attribute again.
    ConvertRequest down;
    down.input = dir + "/9.onnx";
    down.output = dir + "/back7.onnx";
    down.opset = "7";
    std::ostringstream report;
    ASSERT_EQ(run_convert(down, report), kExitOk) << report.str();
    converted.push_back({{"label", "(opset 7 -> 9 -> 7)"}, {"path", down.output}});
    std::string error;
    const nlohmann::json feeds = write_random_inputs(RealModel{in, {}, {}}, dir, &error);
    ASSERT_TRUE(error.empty()) << error;
    manifest.push_back(
        {{"name", "Upsample_" + mode}, {"model", in}, {"feeds", feeds}, {"converted", converted}});
  }
  if (!ort_installed()) GTEST_SKIP() << kNoOrt;
  const OrtRun ort = run_ort("same", manifest, work + "/upsample.json");
  if (ort.unavailable()) GTEST_SKIP() << ort.out;
  expect_same(ort, "\"compared\":8,\"failures\":0");
}

// ---- external data: --external-data copy / reference / auto --------------------------------------

// Writes `source` to dir/model.onnx with every initializer of at least 1 KiB moved to
// dir/`weights_file` (64-byte aligned). Returns {initializer name: payload bytes}.
std::map<std::string, std::string> write_with_external_data(const std::string& source, const std::string& dir,
                                                            const std::string& weights_file = "weights.bin") {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(test::read_file(source)));
  std::string weights;
  std::map<std::string, std::string> moved;
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (!t.has_raw_data() || t.raw_data().size() < 1024) continue;
    weights.resize((weights.size() + 63) / 64 * 64, '\0');
    const size_t offset = weights.size();
    weights += t.raw_data();
    moved[t.name()] = t.raw_data();
    const std::string length = std::to_string(t.raw_data().size());
    t.clear_raw_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"location", weights_file}, {"offset", std::to_string(offset)}, {"length", length}}) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    }
  }
  test::write_file(dir + "/" + weights_file, weights);
  test::write_file(dir + "/model.onnx", m.SerializeAsString());
  return moved;
}

std::map<std::string, std::string> external_entries(const onnx::TensorProto& t) {
  std::map<std::string, std::string> kv;
  for (const auto& e : t.external_data()) kv[e.key()] = e.value();
  return kv;
}

int convert_with(const std::string& in, const std::string& out, const std::string& opset,
                 const std::string& mode, std::string* report_text = nullptr) {
  ConvertRequest req;
  req.input = in;
  req.output = out;
  req.opset = opset;
  req.external_data = mode;
  std::ostringstream report;
  const int code = run_convert(req, report);
  if (report_text) *report_text = report.str();
  return code;
}

TEST(ConvertOrt, ExternalDataCopyAndReferenceGiveTheOriginalsOutputs) {
  const std::string work = test::temp_dir();
  const std::string in_dir = work + "/in", copy_dir = work + "/copy", back_dir = work + "/back";
  for (const auto& d : {in_dir, copy_dir, back_dir}) fs::create_directories(d);
  const auto moved = write_with_external_data(test::bundled_model("squeezenet1_1_op13.onnx"), in_dir);
  ASSERT_GT(moved.size(), 10u);
  const std::string in = in_dir + "/model.onnx";

  // auto, OUT in another folder: copy. Every moved tensor points into OUT's own file, same bytes.
  std::string text;
  ASSERT_EQ(convert_with(in, copy_dir + "/m22.onnx", "nnpa", "auto", &text), kExitOk);
  EXPECT_NE(text.find("copied to m22.onnx.data"), std::string::npos) << text;
  const std::string data = test::read_file(copy_dir + "/m22.onnx.data");
  onnx::ModelProto copied;
  ASSERT_TRUE(copied.ParseFromString(test::read_file(copy_dir + "/m22.onnx")));
  size_t external = 0;
  for (const auto& t : copied.graph().initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    ++external;
    auto kv = external_entries(t);
    EXPECT_EQ(kv["location"], "m22.onnx.data");
    const uint64_t offset = std::stoull(kv["offset"]), length = std::stoull(kv["length"]);
    EXPECT_EQ(offset % 64, 0u);
    ASSERT_LE(offset + length, data.size());
    EXPECT_EQ(data.substr(offset, length), moved.at(t.name())) << t.name();
  }
  EXPECT_EQ(external, moved.size());

  // Back to 13 from the copy into a third folder (copy again), and reference in IN's own folder.
  ASSERT_EQ(convert_with(copy_dir + "/m22.onnx", back_dir + "/m13.onnx", "13", "copy"), kExitOk);
  ASSERT_EQ(convert_with(in, in_dir + "/ref22.onnx", "22", "auto", &text), kExitOk);
  EXPECT_NE(text.find("locations kept"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(in_dir + "/ref22.onnx.data"));
  onnx::ModelProto referenced;
  ASSERT_TRUE(referenced.ParseFromString(test::read_file(in_dir + "/ref22.onnx")));
  for (const auto& t : referenced.graph().initializer()) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
      EXPECT_EQ(external_entries(t)["location"], "weights.bin");
    }
  }

  // reference into another folder would dangle: usage error, nothing written.
  EXPECT_THROW(convert_with(in, copy_dir + "/dangling.onnx", "22", "reference"), UsageError);
  EXPECT_FALSE(fs::exists(copy_dir + "/dangling.onnx"));
  // OUT, or OUT's data file, must not replace a weight file the input still uses.
  EXPECT_THROW(convert_with(in, in_dir + "/weights.bin", "22", "copy"), UsageError);
  EXPECT_THROW(convert_with(in, in_dir + "/weights.bin", "22", "reference"), UsageError);
  const std::string clash_dir = work + "/clash";
  fs::create_directories(clash_dir);
  write_with_external_data(test::bundled_model("squeezenet1_1_op13.onnx"), clash_dir, "out.onnx.data");
  const std::string clash_weights = test::read_file(clash_dir + "/out.onnx.data");
  EXPECT_THROW(convert_with(clash_dir + "/model.onnx", clash_dir + "/out.onnx", "22", "copy"), UsageError);
  EXPECT_EQ(test::read_file(clash_dir + "/out.onnx.data"), clash_weights);
  EXPECT_FALSE(fs::exists(clash_dir + "/out.onnx"));

  // A weight file shorter than the ranges: the copy fails before anything is written.
  const std::string bad_dir = work + "/bad", bad_out = work + "/bad_out";
  fs::create_directories(bad_dir);
  fs::create_directories(bad_out);
  write_with_external_data(test::bundled_model("squeezenet1_1_op13.onnx"), bad_dir);
  fs::resize_file(bad_dir + "/weights.bin", fs::file_size(bad_dir + "/weights.bin") / 2);
  EXPECT_THROW(convert_with(bad_dir + "/model.onnx", bad_out + "/m.onnx", "22", "copy"), ModelError);
  EXPECT_TRUE(fs::is_empty(bad_out)) << "a failed copy left files behind";

  if (!ort_installed()) GTEST_SKIP() << kNoOrt;
  std::string error;
  RealModel spec{in, {}, {}};
  const nlohmann::json feeds = write_random_inputs(spec, work, &error);
  ASSERT_TRUE(error.empty()) << error;
  nlohmann::json manifest = nlohmann::json::array();
  manifest.push_back({{"name", "squeezenet1_1_op13 with external data"},
                      {"model", in},
                      {"feeds", feeds},
                      {"converted",
                       {{{"label", "(-> 22, copy)"}, {"path", copy_dir + "/m22.onnx"}},
                        {{"label", "(-> 22 -> 13, copy twice)"}, {"path", back_dir + "/m13.onnx"}},
                        {{"label", "(-> 22, reference)"}, {"path", in_dir + "/ref22.onnx"}}}}});
  const OrtRun ort = run_ort("same", manifest, work + "/external.json");
  if (ort.unavailable()) GTEST_SKIP() << ort.out;
  expect_same(ort, "\"compared\":3,\"failures\":0");
}

}  // namespace
}  // namespace zonnx
