// Replays every reproducer saved under tests/fuzz/regressions/<target>/
// through the same code path as that libFuzzer target (tests/fuzz/
// fuzz_targets.h) in the normal build: each input must load / produce a
// report or end in ModelError/UsageError. Each file runs in a forked child,
// so one crash (signal), escaping exception or hang (over kTimeoutSeconds)
// fails with that file's name and the others still run. See docs/fuzzing.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../fuzz/fuzz_targets.h"
#include "test_support.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;

using Runner = std::function<bool(std::string_view)>;

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> r = {
      {"fuzz_loader", [](std::string_view b) { return fuzz::run_loader(b); }},
      {"fuzz_inspect", [](std::string_view b) { return fuzz::run_inspect(b); }},
      {"fuzz_convert", [](std::string_view b) { return fuzz::run_convert(b); }},
  };
  return r;
}

std::string regressions_dir() { return test::source_dir() + "/tests/fuzz/regressions"; }

// Reproducers of one target, sorted (README files and dot files skipped).
std::vector<fs::path> reproducers(const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(regressions_dir()) / target;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.empty() || name[0] == '.' || name.rfind("README", 0) == 0) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// libFuzzer's -timeout is 10 s under ASan; the plain build gets more slack.
constexpr int kTimeoutSeconds = 60;

// Runs one input in a forked child; returns "" when it loaded or ended in
// ModelError/UsageError, else what went wrong.
std::string replay(const std::string& target, const fs::path& file) {
  const std::string bytes = test::read_file(file.string());
  return test::run_in_child([&] { runners().at(target)(bytes); }, kTimeoutSeconds);
}

void replay_all(const std::string& target) {
  const auto files = reproducers(target);
  for (const auto& f : files) EXPECT_EQ(replay(target, f), "") << target << " " << f.string();
  ::testing::Test::RecordProperty("reproducers", static_cast<int>(files.size()));
}

TEST(FuzzRegressions, EveryDirectoryIsAKnownTarget) {
  if (!fs::is_directory(regressions_dir())) GTEST_SKIP() << "no " << regressions_dir();
  for (const auto& entry : fs::directory_iterator(regressions_dir())) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(runners().count(entry.path().filename().string()))
        << entry.path() << ": not a fuzz target (expected one of fuzz_loader, fuzz_inspect, fuzz_convert)";
  }
}

TEST(FuzzRegressions, Loader) { replay_all("fuzz_loader"); }

TEST(FuzzRegressions, Inspect) { replay_all("fuzz_inspect"); }

TEST(FuzzRegressions, Convert) { replay_all("fuzz_convert"); }

// The harness itself is not vacuous: real models go all the way through.
TEST(FuzzRegressions, HarnessAcceptsBundledModels) {
  for (const char* model : {"gru_op13.onnx", "squeezenet1_1_op13.onnx"}) {
    SCOPED_TRACE(model);
    const std::string bytes = test::read_file(test::bundled_model(model));
    EXPECT_TRUE(fuzz::run_loader(bytes));
    EXPECT_TRUE(fuzz::run_inspect(bytes));
    EXPECT_TRUE(fuzz::run_convert(bytes));
  }
  EXPECT_FALSE(fuzz::run_loader(std::string_view("\xff\xff\xff", 3)));
  EXPECT_FALSE(fuzz::run_convert(std::string_view("\xff\xff\xff", 3)));
}

}  // namespace
}  // namespace zonnx
