// Numeric check of zonnx convert with a real runtime. Converts every ONNX
// backend node-test model (Debian's /usr/share/libonnx-testdata/data/node and
// ../shared/onnx-node-tests, which wins for duplicate names) to opsets 13, 17,
// 22 and its own opset +-1 through run_convert (exactly what the CLI runs),
// then tests/ort/run.js runs the originals and the converted models in
// onnxruntime-node on the reference inputs. Checks: converted models match the
// reference outputs (where the original does), refused conversions wrote
// nothing, no conversion fails validation. Skips without tests/ort/node_modules
// (cd tests/ort && npm ci) or without node-test data.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
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
    for (const auto& o : m.proto.opset_import())
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

TEST(ConvertOrt, NodeTestsMatchReferenceOutputsInOnnxRuntime) {
  const fs::path ort_dir = fs::path(test::source_dir()) / "tests" / "ort";
  if (!fs::exists(ort_dir / "node_modules" / "onnxruntime-node"))
    GTEST_SKIP() << "onnxruntime-node not installed (cd tests/ort && npm ci)";
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
  const std::string manifest_path = work + "/manifest.json";
  std::ofstream(manifest_path) << manifest.dump();
  int status = 0;
  const std::string out =
      run_command("node " + (ort_dir / "run.js").string() + " check " + manifest_path + " 2 2>&1", &status);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 77) GTEST_SKIP() << out;

  std::cout << "convert: " << nlohmann::json(counts).dump() << "\n";
  std::cout << "onnxruntime: " << out;
  for (const auto& f : failures) std::cout << "FAIL " << f << "\n";
  EXPECT_TRUE(failures.empty());
  EXPECT_EQ(code, 0) << out;
  EXPECT_GT(counts["converted"], 0u);
}

}  // namespace
}  // namespace zonnx
