// Replays every reproducer saved under tests/fuzz/regressions/<target>/
// through the same code path as that libFuzzer target (tests/fuzz/
// fuzz_targets.h) in the normal build: each input must load / produce a
// report or end in ModelError/UsageError. Any other exception fails the test;
// a crash or hang fails it too. See docs/fuzzing.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <typeinfo>
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

// Runs one input, turning an escaping exception into a test failure with its type.
void replay(const std::string& target, const fs::path& file) {
  SCOPED_TRACE(target + " " + file.string());
  const std::string bytes = test::read_file(file.string());
  try {
    runners().at(target)(bytes);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception " << typeid(e).name() << ": " << e.what();
  } catch (...) {
    ADD_FAILURE() << "unexpected non-std exception";
  }
}

TEST(FuzzRegressions, EveryDirectoryIsAKnownTarget) {
  if (!fs::is_directory(regressions_dir())) GTEST_SKIP() << "no " << regressions_dir();
  for (const auto& entry : fs::directory_iterator(regressions_dir())) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(runners().count(entry.path().filename().string()))
        << entry.path() << ": not a fuzz target (expected one of fuzz_loader, fuzz_inspect)";
  }
}

TEST(FuzzRegressions, Loader) {
  const auto files = reproducers("fuzz_loader");
  for (const auto& f : files) replay("fuzz_loader", f);
  RecordProperty("reproducers", static_cast<int>(files.size()));
}

TEST(FuzzRegressions, Inspect) {
  const auto files = reproducers("fuzz_inspect");
  for (const auto& f : files) replay("fuzz_inspect", f);
  RecordProperty("reproducers", static_cast<int>(files.size()));
}

// The harness itself is not vacuous: real models go all the way through.
TEST(FuzzRegressions, HarnessAcceptsBundledModels) {
  for (const char* model : {"gru_op13.onnx", "squeezenet1_1_op13.onnx"}) {
    SCOPED_TRACE(model);
    const std::string bytes = test::read_file(test::bundled_model(model));
    EXPECT_TRUE(fuzz::run_loader(bytes));
    EXPECT_TRUE(fuzz::run_inspect(bytes));
  }
  EXPECT_FALSE(fuzz::run_loader(std::string_view("\xff\xff\xff", 3)));
}

}  // namespace
}  // namespace zonnx
