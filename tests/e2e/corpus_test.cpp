// Runs `zonnx inspect --format json` on every model we can find: the bundled
// ones, ../shared/models, ONNX's node tests from Debian's libonnx-testdata
// (opsets <= 17) and ONNX 1.22's from ../shared/onnx-node-tests (up to 27).
// Each run must exit 0 with a complete JSON report, or exit 3 with the file
// and a cause on stderr — never crash, never anything else.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_support.h"

namespace zonnx::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> models_in(const std::string& dir, bool node_tests) {
  std::vector<std::string> out;
  if (dir.empty() || !fs::is_directory(dir)) return out;
  if (node_tests) {
    for (auto& e : fs::directory_iterator(dir))
      if (fs::exists(e.path() / "model.onnx")) out.push_back((e.path() / "model.onnx").string());
  } else {
    for (auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".onnx") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every k-th node-test model when ZONNX_CORPUS_STRIDE=k (k > 1). Only tools/test-s390x sets it: under
// qemu each inspect run costs ~10x, and the whole corpus would dominate the CI budget.
std::vector<std::string> sampled(const std::vector<std::string>& models) {
  const size_t stride = test::stride_from_env("ZONNX_CORPUS_STRIDE");
  if (stride == 1) return models;
  std::vector<std::string> out;
  for (size_t i = 0; i < models.size(); i += stride) out.push_back(models[i]);
  std::printf("ZONNX_CORPUS_STRIDE=%zu: %zu of %zu models\n", stride, out.size(), models.size());
  return out;
}

void check_required_fields(const json& doc, const std::string& model) {
  ASSERT_TRUE(doc.is_object()) << model;
  EXPECT_EQ(doc.value("schema", ""), "zonnx.inspect/1") << model;
  ASSERT_TRUE(doc.contains("nodes") && doc["nodes"].is_array()) << model;
  for (const auto& n : doc["nodes"]) {
    for (const char* key : {"name", "op_type", "domain", "graph", "placement", "reasons"})
      ASSERT_TRUE(n.contains(key)) << model << " node lacks " << key;
    std::string p = n["placement"];
    ASSERT_TRUE(p == "nnpa" || p == "cpu" || p == "unsupported") << model;
    ASSERT_TRUE(n["reasons"].is_array());
    if (p == "nnpa") {
      EXPECT_TRUE(n["reasons"].empty()) << model;
    } else {
      EXPECT_FALSE(n["reasons"].empty()) << model << " " << n["name"];
    }
    for (const auto& r : n["reasons"]) ASSERT_TRUE(r.contains("rule") && r.contains("message")) << model;
  }
  ASSERT_TRUE(doc.contains("summary") && doc["summary"].is_object()) << model;
  for (const char* key : {"nodes", "nnpa", "cpu", "unsupported"})
    ASSERT_TRUE(doc["summary"].contains(key)) << model;
}

struct Counts {
  std::atomic<int> ok{0}, rejected{0};
};

void inspect_all(const std::vector<std::string>& models, Counts& counts) {
  std::atomic<size_t> next{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto worker = [&] {
    for (size_t i = next++; i < models.size(); i = next++) {
      const std::string& m = models[i];
      RunResult r = run_zonnx({"inspect", "--format", "json", m});
      std::string problem;
      if (r.exit_code == 0) {
        try {
          json doc = json::parse(r.out);
          check_required_fields(doc, m);
          ++counts.ok;
        } catch (const std::exception& e) {
          problem = std::string("bad JSON: ") + e.what();
        }
      } else if (r.exit_code == 3) {
        if (r.err.find(fs::path(m).filename().string()) == std::string::npos ||
            r.err.find("error") == std::string::npos)
          problem = "exit 3 without file and cause: " + r.err;
        else
          ++counts.rejected;
      } else {
        problem = "exit " + std::to_string(r.exit_code) + ": " + r.err.substr(0, 300);
      }
      if (!problem.empty()) {
        std::lock_guard<std::mutex> lock(failures_mutex);
        failures.push_back(m + ": " + problem);
      }
    }
  };
  std::vector<std::thread> threads;
  unsigned n = std::max(2u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
}

TEST(Corpus, BundledModels) {
  auto models = models_in(source_dir() + "/models", false);
  ASSERT_GE(models.size(), 4u);
  Counts c;
  inspect_all(models, c);
  EXPECT_EQ(c.ok.load(), static_cast<int>(models.size()));
}

TEST(Corpus, SharedModels) {
  if (shared_dir().empty()) GTEST_SKIP() << "../shared not present";
  auto models = models_in(shared_dir() + "/models", false);
  Counts c;
  inspect_all(models, c);
  EXPECT_EQ(c.ok.load(), static_cast<int>(models.size()));
  std::printf("shared models: %d inspected\n", c.ok.load());
}

TEST(Corpus, DebianNodeTests) {
  auto models = sampled(models_in("/usr/share/libonnx-testdata/data/node", true));
  if (models.empty()) GTEST_SKIP() << "libonnx-testdata not installed";
  Counts c;
  inspect_all(models, c);
  std::printf("libonnx-testdata node tests: %zu models, %d inspected, %d rejected with exit 3\n",
              models.size(), c.ok.load(), c.rejected.load());
  EXPECT_GT(c.ok.load(), static_cast<int>(models.size() * 9 / 10));
}

TEST(Corpus, Onnx122NodeTests) {
  if (shared_dir().empty()) GTEST_SKIP() << "../shared not present";
  auto models = sampled(models_in(shared_dir() + "/onnx-node-tests", true));
  Counts c;
  inspect_all(models, c);
  std::printf("onnx 1.22 node tests: %zu models, %d inspected, %d rejected with exit 3\n", models.size(),
              c.ok.load(), c.rejected.load());
  EXPECT_GT(c.ok.load(), static_cast<int>(models.size() * 9 / 10));
}

}  // namespace
}  // namespace zonnx::test
