// Tests of the embedded onnx-mlir support tables and ONNX op version history.
#include "zonnx/tables.h"

#include <gtest/gtest.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "tables/embedded.h"
#include "test_support.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;
using V = std::vector<int>;

const SupportTables& tables() { return SupportTables::embedded(); }
const OpVersions& versions() { return OpVersions::embedded(); }

// ---------------------------------------------------------------------------
// Profile and raw data

TEST(TablesEmbedded, DataFilesAreEmbedded) {
  EXPECT_FALSE(embedded_data("support_tables.json").empty());
  EXPECT_FALSE(embedded_data("op_versions.json").empty());
  EXPECT_TRUE(embedded_data("no_such_file.json").empty());
}

TEST(TablesProfile, DescribesTheOnnxMlirCommit) {
  const ProfileInfo& p = tables().profile();
  EXPECT_EQ(p.onnx_mlir_commit, "ec744fe6d3d077f002200e5c6bb0c3c4ba777af3");
  EXPECT_EQ(p.name, "onnx-mlir main ec744fe");
  EXPECT_EQ(p.onnx_mlir_version, "0.5.1");
  EXPECT_EQ(p.table_max_opset, 22);
  EXPECT_EQ(p.nnpa_recommended_opset, 22);
}

TEST(TablesEmbedded, ParsedOnceAndStable) {
  EXPECT_EQ(&SupportTables::embedded(), &SupportTables::embedded());
  EXPECT_EQ(&OpVersions::embedded(), &OpVersions::embedded());
}

// ---------------------------------------------------------------------------
// NNPA table

TEST(TablesNnpa, HasThirtyFourOpsWithTheDocLevelSplit) {
  const auto& nnpa = tables().nnpa();
  ASSERT_EQ(nnpa.size(), 34u);
  std::map<std::string, int> by_cell;
  int z16 = 0;
  std::set<std::string> z17_ops;
  for (const auto& e : nnpa) {
    ++by_cell[e.level_cell];
    if (e.min_level == March::Z16) ++z16;
    if (e.min_level == March::Z17) z17_ops.insert(e.op);
  }
  EXPECT_EQ(by_cell["z16 - ^"], 26);
  EXPECT_EQ(by_cell["z17 - ^"], 7);
  EXPECT_EQ(by_cell["z16"], 1);
  EXPECT_EQ(by_cell.size(), 3u);
  EXPECT_EQ(z16, 27);  // Log's "z16" means z16 and newer
  EXPECT_EQ(z17_ops, (std::set<std::string>{"Gelu", "LeakyRelu", "MatMulInteger", "QLinearMatMul",
                                            "ReduceMax", "ReduceMin", "Sqrt"}));
}

TEST(TablesNnpa, RowsAreSortedByOpName) {
  const auto& nnpa = tables().nnpa();
  EXPECT_TRUE(std::is_sorted(nnpa.begin(), nnpa.end(),
                             [](const NnpaEntry& a, const NnpaEntry& b) { return a.op < b.op; }));
}

TEST(TablesNnpa, SpecificRows) {
  const NnpaEntry* conv = tables().find_nnpa("Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->min_opset, 6);
  EXPECT_EQ(conv->max_opset, 0);
  EXPECT_EQ(conv->min_level, March::Z16);
  EXPECT_EQ(conv->level_cell, "z16 - ^");
  EXPECT_NE(conv->limitations.find("- `group` must be default value(1)."), std::string::npos);
  EXPECT_NE(conv->limitations.find("\n- "), std::string::npos);
  EXPECT_EQ(conv->limitations.find("<br>"), std::string::npos);

  const NnpaEntry* gelu = tables().find_nnpa("Gelu");
  ASSERT_NE(gelu, nullptr);
  EXPECT_EQ(gelu->min_opset, 20);
  EXPECT_EQ(gelu->max_opset, 0);
  EXPECT_EQ(gelu->min_level, March::Z17);
  EXPECT_EQ(gelu->limitations, "Input tensor must be less than or equal to 4 dimensions.");

  const NnpaEntry* log = tables().find_nnpa("Log");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->min_level, March::Z16);
  EXPECT_EQ(log->level_cell, "z16");
  EXPECT_NE(log->notes.find("artifact"), std::string::npos);

  const NnpaEntry* gemm = tables().find_nnpa("Gemm");
  ASSERT_NE(gemm, nullptr);
  // The doc's stray "<br>." item is dropped.
  const std::string tail = "the seconde dimension of `B`.";  // sic
  ASSERT_GE(gemm->limitations.size(), tail.size());
  EXPECT_EQ(gemm->limitations.substr(gemm->limitations.size() - tail.size()), tail);

  for (const char* op : {"GRU", "LSTM", "Pow"}) {
    const NnpaEntry* e = tables().find_nnpa(op);
    ASSERT_NE(e, nullptr) << op;
    EXPECT_EQ(e->min_opset, 7) << op;
  }
  for (const char* op : {"MatMulInteger", "QLinearMatMul"}) {
    const NnpaEntry* e = tables().find_nnpa(op);
    ASSERT_NE(e, nullptr) << op;
    EXPECT_EQ(e->min_opset, 10) << op;
  }
}

TEST(TablesNnpa, LookupIsExactAndCaseSensitive) {
  EXPECT_EQ(tables().find_nnpa("conv"), nullptr);
  EXPECT_EQ(tables().find_nnpa("Conv "), nullptr);
  EXPECT_EQ(tables().find_nnpa(""), nullptr);
  EXPECT_EQ(tables().find_nnpa("Gather"), nullptr);  // CPU only
  EXPECT_NE(tables().find_nnpa("Add"), nullptr);
  EXPECT_NE(tables().find_nnpa("Tanh"), nullptr);  // last row
}

// ---------------------------------------------------------------------------
// CPU table

TEST(TablesCpu, Has210RowsWith152Supported) {
  const auto& cpu = tables().cpu();
  ASSERT_EQ(cpu.size(), 210u);
  auto supported = std::count_if(cpu.begin(), cpu.end(), [](const CpuEntry& e) { return e.supported; });
  EXPECT_EQ(supported, 152);
  EXPECT_EQ(static_cast<long>(cpu.size()) - supported, 58);
  for (const auto& e : cpu) {
    if (e.supported) {
      EXPECT_GE(e.min_opset, 6) << e.op;  // the doc script clamps the minimum to 6
      EXPECT_EQ(e.max_opset, 0) << e.op;  // no bounded ranges in this snapshot
    } else {
      EXPECT_EQ(e.min_opset, 0) << e.op;
      EXPECT_EQ(e.max_opset, 0) << e.op;
    }
  }
}

TEST(TablesCpu, SpecificRows) {
  const CpuEntry* adagrad = tables().find_cpu("Adagrad");
  ASSERT_NE(adagrad, nullptr);
  EXPECT_FALSE(adagrad->supported);
  EXPECT_EQ(adagrad->limitations, "");

  const CpuEntry* slice = tables().find_cpu("Slice");
  ASSERT_NE(slice, nullptr);
  EXPECT_TRUE(slice->supported);
  EXPECT_EQ(slice->min_opset, 13);
  EXPECT_EQ(slice->max_opset, 0);
  EXPECT_EQ(slice->limitations, "Axis must be a constant argument.");
  EXPECT_EQ(slice->notes, "Add tests to slices, currently have none.");

  const CpuEntry* abs = tables().find_cpu("Abs");
  ASSERT_NE(abs, nullptr);
  EXPECT_EQ(abs->min_opset, 6);

  const CpuEntry* gelu = tables().find_cpu("Gelu");
  ASSERT_NE(gelu, nullptr);
  EXPECT_EQ(gelu->min_opset, 20);

  for (const char* op : {"ZipMap", "Scatter", "HardSwish", "Col2Im", "Optional", "STFT"}) {
    const CpuEntry* e = tables().find_cpu(op);
    ASSERT_NE(e, nullptr) << op;
    EXPECT_FALSE(e->supported) << op;
  }
  EXPECT_EQ(tables().find_cpu("Attention"), nullptr);  // newer than the table
  EXPECT_EQ(tables().find_cpu("slice"), nullptr);
}

TEST(TablesCpu, EveryTableOpIsAKnownOnnxOp) {
  // The preview-training ops live in ai.onnx.preview.training, which the
  // version file does not cover.
  const std::set<std::string> training = {"Adagrad", "Adam", "Gradient", "Momentum"};
  for (const auto& e : tables().cpu()) {
    bool known = !versions().versions(e.op).empty() || !versions().ml_versions(e.op).empty() ||
                 training.count(e.op) > 0;
    EXPECT_TRUE(known) << e.op;
  }
  for (const auto& e : tables().nnpa()) EXPECT_FALSE(versions().versions(e.op).empty()) << e.op;
}

TEST(TablesCpu, SupportedAiOnnxRangesContainTheNewestVersion) {
  const int table_max = tables().profile().table_max_opset;
  for (const auto& e : tables().cpu()) {
    if (!e.supported || versions().versions(e.op).empty()) continue;
    int newest = 0;
    for (int v : versions().versions(e.op))
      if (v <= table_max) newest = v;
    EXPECT_TRUE(version_in_table_range(versions(), e.op, newest, e.min_opset, e.max_opset, table_max))
        << e.op;
  }
}

// ---------------------------------------------------------------------------
// Op versions

TEST(TablesOpVersions, Histories) {
  const OpVersions& ov = versions();
  EXPECT_EQ(ov.max_opset(), 27);
  EXPECT_EQ(ov.versions("Softmax"), (V{1, 11, 13}));
  EXPECT_EQ(ov.versions("ReduceMean"), (V{1, 11, 13, 18}));
  EXPECT_EQ(ov.versions("ReduceMax"), (V{1, 11, 12, 13, 18, 20}));
  EXPECT_EQ(ov.versions("Cast"), (V{1, 6, 9, 13, 19, 21, 23, 24, 25}));
  EXPECT_EQ(ov.versions("Gelu"), (V{20}));
  EXPECT_EQ(ov.versions("Split"), (V{1, 2, 11, 13, 18}));
  EXPECT_EQ(ov.versions("Pad"), (V{1, 2, 11, 13, 18, 19, 21, 23, 24, 25}));
  EXPECT_EQ(ov.versions("Attention"), (V{23, 24}));
  EXPECT_EQ(ov.versions("Range"), (V{11, 27}));
  EXPECT_EQ(ov.versions("Abs"), (V{1, 6, 13}));
  EXPECT_EQ(ov.versions("Slice"), (V{1, 10, 11, 13}));
  EXPECT_EQ(ov.versions("Conv"), (V{1, 11, 22}));
  EXPECT_EQ(ov.versions("GroupNormalization"), (V{18, 21}));
  EXPECT_EQ(ov.versions("Upsample"), (V{1, 7, 9}));  // the opset-10 tombstone is not a version
  EXPECT_EQ(ov.versions("Scatter"), (V{9}));
  EXPECT_EQ(ov.versions("BitCast"), (V{26}));
  EXPECT_EQ(ov.versions("LinearAttention"), (V{27}));
  EXPECT_TRUE(ov.versions("SwiGLU").empty());  // opset 28 is unreleased
  EXPECT_TRUE(ov.versions("softmax").empty());
  EXPECT_TRUE(ov.versions("Binarizer").empty());  // ai.onnx.ml
}

TEST(TablesOpVersions, RemovedAndDeprecated) {
  const OpVersions& ov = versions();
  EXPECT_FALSE(ov.removed_at("Upsample", 9));
  EXPECT_TRUE(ov.removed_at("Upsample", 10));
  EXPECT_TRUE(ov.removed_at("Upsample", 27));
  EXPECT_FALSE(ov.removed_at("Scatter", 10));
  EXPECT_TRUE(ov.removed_at("Scatter", 11));
  EXPECT_FALSE(ov.removed_at("Relu", 27));
  EXPECT_FALSE(ov.removed_at("GroupNormalization", 18));
  EXPECT_TRUE(ov.version_deprecated("GroupNormalization", 18));
  EXPECT_FALSE(ov.version_deprecated("GroupNormalization", 21));
  EXPECT_FALSE(ov.version_deprecated("Relu", 14));
}

TEST(TablesOpVersions, MlDomain) {
  const OpVersions& ov = versions();
  EXPECT_EQ(ov.ml_max_opset(), 5);
  EXPECT_EQ(ov.ml_versions("LabelEncoder"), (V{1, 2, 4}));
  EXPECT_EQ(ov.ml_versions("TreeEnsemble"), (V{5}));
  EXPECT_EQ(ov.ml_versions("TreeEnsembleClassifier"), (V{1, 3}));
  EXPECT_EQ(ov.ml_versions("Binarizer"), (V{1}));
  EXPECT_EQ(ov.ml_resolve("TreeEnsembleRegressor", 4), 3);
  EXPECT_EQ(ov.ml_resolve("TreeEnsembleRegressor", 5), 0);
  EXPECT_TRUE(ov.ml_removed_at("TreeEnsembleClassifier", 5));
  EXPECT_EQ(ov.ml_resolve("LabelEncoder", 3), 2);
  EXPECT_TRUE(ov.ml_versions("Relu").empty());
  auto ml = ov.ml_ops();
  EXPECT_EQ(ml.size(), 19u);
  EXPECT_TRUE(std::is_sorted(ml.begin(), ml.end()));
}

TEST(TablesOpVersions, OpsListIsSortedAndComplete) {
  auto ops = versions().ops();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_TRUE(std::adjacent_find(ops.begin(), ops.end()) == ops.end());
  // Every ai.onnx op of ONNX 1.22 (opset 27), Upsample and Scatter included.
  EXPECT_EQ(ops.size(), 202u);
  size_t schema_versions = 0;
  for (const auto& op : ops) schema_versions += versions().versions(op).size();
  EXPECT_EQ(schema_versions, 607u);  // + 2 tombstones = 609 ai.onnx schemas in opsets 1..27
}

TEST(TablesResolve, NewestSinceVersionAtOpset) {
  const OpVersions& ov = versions();
  EXPECT_EQ(ov.resolve("Softmax", 1), 1);
  EXPECT_EQ(ov.resolve("Softmax", 10), 1);
  EXPECT_EQ(ov.resolve("Softmax", 12), 11);
  EXPECT_EQ(ov.resolve("Softmax", 13), 13);
  EXPECT_EQ(ov.resolve("Softmax", 22), 13);
  EXPECT_EQ(ov.resolve("ReduceMean", 17), 13);
  EXPECT_EQ(ov.resolve("ReduceMean", 18), 18);
  EXPECT_EQ(ov.resolve("ReduceMax", 19), 18);
  EXPECT_EQ(ov.resolve("ReduceMax", 20), 20);
  EXPECT_EQ(ov.resolve("Cast", 22), 21);
  EXPECT_EQ(ov.resolve("Cast", 27), 25);
  EXPECT_EQ(ov.resolve("Gelu", 19), 0);
  EXPECT_EQ(ov.resolve("Gelu", 20), 20);
  EXPECT_EQ(ov.resolve("Attention", 27), 24);
  EXPECT_EQ(ov.resolve("Upsample", 9), 9);
  EXPECT_EQ(ov.resolve("Upsample", 10), 0);
  EXPECT_EQ(ov.resolve("Scatter", 10), 9);
  EXPECT_EQ(ov.resolve("Scatter", 11), 0);
  EXPECT_EQ(ov.resolve("Relu", 0), 0);
  EXPECT_EQ(ov.resolve("NoSuchOp", 13), 0);
  EXPECT_EQ(ov.resolve("Relu", 40), 14);  // beyond the known opsets: newest known version
}

// ---------------------------------------------------------------------------
// version_in_table_range

bool in_range(const char* op, int version, int min_opset, int max_opset = 0) {
  return version_in_table_range(versions(), op, version, min_opset, max_opset, 22);
}

TEST(TablesRange, VersionsOlderThanTheMinimumAreOutside) {
  EXPECT_FALSE(in_range("Slice", 11, 13));  // model opset 11/12
  EXPECT_FALSE(in_range("Slice", 10, 13));
  EXPECT_TRUE(in_range("Slice", 13, 13));
  EXPECT_FALSE(in_range("Abs", 1, 6));  // opset-5 model
  EXPECT_TRUE(in_range("Abs", 6, 6));
  EXPECT_TRUE(in_range("Abs", 13, 6));
  EXPECT_TRUE(in_range("Softmax", 1, 6));  // Softmax-1 is in effect at opset 6
}

TEST(TablesRange, VersionsAfterTheTableMaxAreOutside) {
  EXPECT_TRUE(in_range("Cast", 21, 6));
  EXPECT_FALSE(in_range("Cast", 23, 6));
  EXPECT_FALSE(in_range("Cast", 25, 6));
  EXPECT_TRUE(in_range("Conv", 22, 6));
  EXPECT_FALSE(in_range("Attention", 23, 6));
  EXPECT_FALSE(in_range("Range", 27, 11));
  EXPECT_TRUE(in_range("Range", 11, 11));
}

TEST(TablesRange, OpsNewerThanTheMinimumStartAtTheirFirstVersion) {
  EXPECT_TRUE(in_range("Gelu", 20, 20));
  EXPECT_TRUE(in_range("Gelu", 20, 6));
  EXPECT_TRUE(in_range("Mish", 18, 6));
  EXPECT_TRUE(in_range("Mish", 22, 18));
  EXPECT_TRUE(in_range("GroupNormalization", 18, 18));
  EXPECT_TRUE(in_range("GroupNormalization", 21, 18));
}

TEST(TablesRange, RemovedOpsKeepTheirVersions) {
  EXPECT_FALSE(in_range("Upsample", 1, 7));
  EXPECT_TRUE(in_range("Upsample", 7, 7));
  EXPECT_TRUE(in_range("Upsample", 9, 7));
}

TEST(TablesRange, BoundedMaximum) {
  EXPECT_TRUE(in_range("Softmax", 11, 6, 12));
  EXPECT_FALSE(in_range("Softmax", 13, 6, 12));
  EXPECT_TRUE(in_range("Softmax", 13, 6, 13));
}

TEST(TablesRange, UnknownOpsAndNonVersionsAreOutside) {
  EXPECT_FALSE(in_range("Abs", 7, 6));  // not a since_version
  EXPECT_FALSE(in_range("Abs", 0, 6));
  EXPECT_FALSE(in_range("NoSuchOp", 1, 6));
  EXPECT_FALSE(in_range("Binarizer", 1, 6));  // ai.onnx.ml is not covered
}

// ---------------------------------------------------------------------------
// March

TEST(TablesMarch, ParseAndName) {
  EXPECT_EQ(parse_march("arch15"), March::Z17);
  EXPECT_EQ(parse_march("z17"), March::Z17);
  EXPECT_EQ(parse_march("z16"), March::Z16);
  EXPECT_EQ(parse_march("arch14"), March::Z16);
  EXPECT_EQ(parse_march("Z16"), March::Z16);
  EXPECT_EQ(parse_march("ARCH15"), March::Z17);
  EXPECT_EQ(parse_march("z15"), std::nullopt);
  EXPECT_EQ(parse_march("arch13"), std::nullopt);
  EXPECT_EQ(parse_march(""), std::nullopt);
  EXPECT_EQ(parse_march("z16 "), std::nullopt);
  EXPECT_EQ(march_name(March::Z16), "z16");
  EXPECT_EQ(march_name(March::Z17), "z17");
}

// ---------------------------------------------------------------------------
// Parser errors

TEST(TablesParse, RejectsMalformedSupportTables) {
  EXPECT_THROW(SupportTables::parse(""), std::runtime_error);
  EXPECT_THROW(SupportTables::parse("{"), std::runtime_error);
  EXPECT_THROW(SupportTables::parse("{}"), std::runtime_error);
  EXPECT_THROW(SupportTables::parse(R"({"format":"other/1"})"), std::runtime_error);
  const std::string profile =
      R"("profile":{"name":"n","onnx_mlir_commit":"c","onnx_mlir_version":"v","table_max_opset":22,)"
      R"("nnpa_recommended_opset":22})";
  const std::string ok = R"({"format":"zonnx.support-tables/1",)" + profile +
                         R"(,"nnpa":[{"op":"Relu","min_opset":6,"max_opset":0,"min_level":"z16",)"
                         R"("limitations":"","notes":""}],"cpu":[]})";
  SupportTables t = SupportTables::parse(ok);
  ASSERT_EQ(t.nnpa().size(), 1u);
  EXPECT_NE(t.find_nnpa("Relu"), nullptr);
  EXPECT_EQ(t.find_cpu("Relu"), nullptr);

  std::string bad_level = ok;
  bad_level.replace(bad_level.find("\"z16\""), 5, "\"z15\"");
  EXPECT_THROW(SupportTables::parse(bad_level), std::runtime_error);
  std::string bad_range = ok;
  bad_range.replace(bad_range.find("\"max_opset\":0"), 13, "\"max_opset\":5");
  EXPECT_THROW(SupportTables::parse(bad_range), std::runtime_error);
  const std::string dup = R"({"format":"zonnx.support-tables/1",)" + profile +
                          R"(,"nnpa":[],"cpu":[{"op":"A","supported":false,"min_opset":0,"max_opset":0,)"
                          R"("limitations":"","notes":""},{"op":"A","supported":false,"min_opset":0,)"
                          R"("max_opset":0,"limitations":"","notes":""}]})";
  EXPECT_THROW(SupportTables::parse(dup), std::runtime_error);
}

TEST(TablesParse, RejectsMalformedOpVersions) {
  EXPECT_THROW(OpVersions::parse("[]"), std::runtime_error);
  EXPECT_THROW(OpVersions::parse(R"({"format":"zonnx.op-versions/1","max_opset":27})"), std::runtime_error);
  EXPECT_THROW(OpVersions::parse(R"({"format":"zonnx.op-versions/1","max_opset":27,"ops":{"A":[6,1]}})"),
               std::runtime_error);
  EXPECT_THROW(OpVersions::parse(R"({"format":"zonnx.op-versions/1","max_opset":27,"ops":{"A":[30]}})"),
               std::runtime_error);
  EXPECT_THROW(OpVersions::parse(
                   R"({"format":"zonnx.op-versions/1","max_opset":27,"ops":{"A":[1,9]},"removed":{"A":7}})"),
               std::runtime_error);
  OpVersions ok =
      OpVersions::parse(R"({"format":"zonnx.op-versions/1","max_opset":27,"ops":{"B":[3],"A":[1,5]}})");
  EXPECT_EQ(ok.ops(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(ok.resolve("A", 4), 1);
  EXPECT_EQ(ok.ml_max_opset(), 0);
}

// ---------------------------------------------------------------------------
// Cross-check against libonnx (Debian 1.12: ai.onnx opsets 1..17, ai.onnx.ml 1..3)

constexpr int kLibOnnxMaxOpset = 17;
constexpr int kLibOnnxMaxMlOpset = 3;

void expect_matches_registry(const std::vector<std::string>& ops, bool ml) {
  const OpVersions& ov = versions();
  const std::string domain = ml ? "ai.onnx.ml" : "";
  const int max = ml ? kLibOnnxMaxMlOpset : kLibOnnxMaxOpset;
  for (const auto& op : ops) {
    for (int v : ml ? ov.ml_versions(op) : ov.versions(op)) {
      if (v > max) continue;
      const onnx::OpSchema* s = onnx::OpSchemaRegistry::Schema(op, v, domain);
      ASSERT_NE(s, nullptr) << domain << ":" << op << "-" << v;
      EXPECT_EQ(s->SinceVersion(), v) << domain << ":" << op;
      EXPECT_FALSE(s->Deprecated()) << domain << ":" << op << "-" << v;
    }
  }
}

TEST(TablesLibOnnx, JsonVersionsExistInTheRegistry) {
  expect_matches_registry(versions().ops(), false);
  expect_matches_registry(versions().ml_ops(), true);
}

TEST(TablesLibOnnx, RegistrySchemasAreInTheJson) {
  const OpVersions& ov = versions();
  int checked = 0;
  for (const auto& s : onnx::OpSchemaRegistry::get_all_schemas_with_history()) {
    const int v = s.SinceVersion();
    if (s.domain() == "" && v <= kLibOnnxMaxOpset) {
      ++checked;
      if (s.Deprecated()) {
        EXPECT_TRUE(ov.removed_at(s.Name(), v)) << s.Name() << "-" << v;
        EXPECT_FALSE(ov.removed_at(s.Name(), v - 1)) << s.Name() << "-" << v;
      } else {
        const auto& vs = ov.versions(s.Name());
        EXPECT_TRUE(std::binary_search(vs.begin(), vs.end(), v)) << s.Name() << "-" << v;
      }
    } else if (s.domain() == "ai.onnx.ml" && v <= kLibOnnxMaxMlOpset) {
      const auto& vs = ov.ml_versions(s.Name());
      EXPECT_TRUE(std::binary_search(vs.begin(), vs.end(), v)) << "ml:" << s.Name() << "-" << v;
    }
  }
  EXPECT_EQ(checked, 419);
}

// ---------------------------------------------------------------------------
// The committed JSON is what the generators produce

bool have_command(const std::string& cmd) {
  return std::system(("command -v " + cmd + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(TablesGenerator, SupportTablesCheckPasses) {
  const std::string shared = test::shared_dir();
  const std::string ref = shared.empty() ? "" : shared + "/reference/onnx-mlir";
  if (ref.empty() || !fs::exists(ref + "/SOURCE.txt"))
    GTEST_SKIP() << "../shared/reference/onnx-mlir not available";
  if (!have_command("python3")) GTEST_SKIP() << "python3 not available";
  const std::string cmd = "python3 '" + test::source_dir() +
                          "/tools/gen_support_tables.py' --check --reference '" + ref + "' >/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0)
      << "data/support_tables.json is stale: run tools/gen_support_tables.py";
}

TEST(TablesGenerator, OpVersionsCheckPasses) {
  if (std::system("/usr/bin/python3 -c 'import onnx.defs' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with the onnx package not available";
  }
  const std::string cmd =
      "/usr/bin/python3 '" + test::source_dir() + "/tools/gen_op_versions.py' --check >/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "data/op_versions.json is stale: run tools/gen_op_versions.py";
}

}  // namespace
}  // namespace zonnx
