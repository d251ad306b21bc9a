// compare-report: onnx-mlir's --opt-report=NNPAUnsupportedOps lines and
// --onnx-op-stats output (written here byte for byte in the format the
// compiler prints, see src/app/compiler_report.cpp) against zonnx's verdicts
// for the bundled SqueezeNet 1.1 on z16.
#include "zonnx/compiler_report.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "zonnx/inspect.h"

namespace zonnx::test {
namespace {

using nlohmann::json;

// What onnx-mlir prints for SqueezeNet 1.1 with --march=z16 --maccel=NNPA: the
// three MaxPools use ceil_mode=1 (ONNXLegalityCheck.cpp: "ceil_mode not
// supported"); Concat, Flatten and Identity have no NNPA path and print nothing.
const char* kAgreeingOptReport =
    "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.MaxPoolSingleOut, /features/features.2/MaxPool, ceil_mode not "
    "supported\n"
    "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.MaxPoolSingleOut, /features/features.5/MaxPool, ceil_mode not "
    "supported\n"
    "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.MaxPoolSingleOut, /features/features.8/MaxPool, ceil_mode not "
    "supported\n";

// print-op-stats TXT: the compiler removed the Identity ops and turned Flatten
// into a Reshape (rewrites, not placement: notes only).
const char* kAgreeingStats =
    "Operations encountered:\n"
    "-----------------------\n"
    "             func.func                        , 1\n"
    "           func.return                        , 1\n"
    "             onnx.Concat                      , 8\n"
    "           onnx.Constant                      , 52\n"
    "         onnx.EntryPoint                      , 1\n"
    "    onnx.MaxPoolSingleOut                     , 3\n"
    "            onnx.Reshape                      , 1\n"
    "           zhigh.Conv2D                       , 26\n"
    "        zhigh.MeanReduce2d                    , 1\n"
    "            zhigh.Stick                       , 10\n"
    "          zhigh.Unstick                       , 18\n";

std::string squeezenet() { return bundled_model("squeezenet1_1_op13.onnx"); }

ReportComparison compare(const std::string& text, CompilerReport* out = nullptr) {
  CompilerReport report;
  parse_compiler_report(text, "compiler.txt", report);
  const Inspection r = inspect_model(squeezenet(), InspectOptions{});
  ReportComparison c = compare_with_compiler(r.view, r.analysis, report);
  if (out) *out = report;
  return c;
}

TEST(CompilerReport, ParsesTheOptReportLines) {
  CompilerReport report;
  parse_compiler_report(
      "some compiler chatter\n"
      "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.Div, Div_122, Rank 0 is not supported. zAIU only supports rank "
      "in "
      "range of (0, 4].\n",
      "log.txt", report);
  ASSERT_EQ(report.unsupported_ops.size(), 1u);
  const UnsupportedOpLine& l = report.unsupported_ops[0];
  EXPECT_EQ(l.op, "onnx.Div");
  EXPECT_EQ(l.node, "Div_122");
  EXPECT_EQ(l.reason, "Rank 0 is not supported. zAIU only supports rank in range of (0, 4].");
  EXPECT_EQ(l.line, 2u);
  EXPECT_FALSE(report.has_op_stats);
}

TEST(CompilerReport, ParsesTxtAndJsonOpStats) {
  CompilerReport txt;
  parse_compiler_report(kAgreeingStats, "stats.txt", txt);
  EXPECT_TRUE(txt.has_op_stats);
  EXPECT_EQ(txt.op_stats["onnx.MaxPoolSingleOut"], 3u);
  EXPECT_EQ(txt.op_stats["zhigh.Conv2D"], 26u);
  EXPECT_EQ(txt.op_stats.size(), 11u);

  CompilerReport js;
  parse_compiler_report("{\n  \"func.func\" : 1,\n  \"onnx.Add\" : 406,\n  \"zhigh.MatMul\" : 12\n}\n",
                        "stats.json", js);
  EXPECT_EQ(js.op_stats["onnx.Add"], 406u);
  EXPECT_EQ(js.op_stats["zhigh.MatMul"], 12u);
}

TEST(CompilerReport, RejectsTextThatIsNoReport) {
  CompilerReport report;
  EXPECT_THROW(parse_compiler_report("hello\nworld\n", "x.txt", report), ReportError);
  EXPECT_THROW(parse_compiler_report("==NNPA-UNSUPPORTEDOPS-REPORT== onnx.Add\n", "x.txt", report),
               ReportError);
  EXPECT_THROW(parse_compiler_report("{\n  \"onnx.Add\" : \"many\"\n}\n", "x.txt", report), ReportError);
  EXPECT_THROW(parse_compiler_report("Operations encountered:\n---\nnothing here\n", "x.txt", report),
               ReportError);
  EXPECT_THROW(read_compiler_report(temp_dir() + "/absent.txt", report), ReportError);
}

TEST(CompilerReport, SqueezenetAgreesWithTheCompiler) {
  CompilerReport report;
  const ReportComparison c = compare(std::string(kAgreeingOptReport) + kAgreeingStats, &report);
  EXPECT_TRUE(c.agree());
  EXPECT_EQ(c.matched_lines, 3u);
  EXPECT_EQ(c.agreeing_lines, 3u);
  EXPECT_TRUE(c.unmatched.empty());
  EXPECT_EQ(c.compiler_nnpa_ops, 27u);
  // Identity (18 on the CPU for zonnx, folded by the compiler), Flatten and Reshape differ: rewrites, noted
  // only.
  std::set<std::string> notes;
  for (const auto& d : c.other_counts) notes.insert(d.op);
  EXPECT_EQ(notes, (std::set<std::string>{"onnx.Flatten", "onnx.Identity", "onnx.Reshape"}));
}

TEST(CompilerReport, SqueezenetDisagreementsAreListed) {
  // The compiler keeps the first Conv on the CPU (say a user pinned it there)
  // and one MaxPool less than zonnx expects.
  const std::string text =
      "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.Conv, /features/features.0/Conv, Element type is not F16 or "
      "F32.\n"
      "Operations encountered:\n"
      "-----------------------\n"
      "             onnx.Concat                      , 8\n"
      "               onnx.Conv                      , 1\n"
      "    onnx.MaxPoolSingleOut                     , 2\n"
      "           zhigh.Conv2D                       , 25\n";
  const ReportComparison c = compare(text);
  EXPECT_FALSE(c.agree());
  ASSERT_EQ(c.nodes.size(), 1u);
  EXPECT_EQ(c.nodes[0].name, "/features/features.0/Conv");
  EXPECT_EQ(c.nodes[0].zonnx, "nnpa");
  EXPECT_EQ(c.nodes[0].compiler_reason, "Element type is not F16 or F32.");
  EXPECT_EQ(c.nodes[0].where, "compiler.txt:1");
  std::map<std::string, std::pair<uint64_t, uint64_t>> counts;
  for (const auto& d : c.op_counts) counts[d.op] = {d.compiler, d.zonnx_cpu};
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts["onnx.Conv"], std::make_pair(uint64_t{1}, uint64_t{0}));
  EXPECT_EQ(counts["onnx.MaxPoolSingleOut"], std::make_pair(uint64_t{2}, uint64_t{3}));
}

TEST(CompilerReport, LinesForNodesTheModelDoesNotHaveAreKeptApart) {
  const ReportComparison c = compare(
      "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.Add, made_by_a_rewrite, The dynamic dimension analysis "
      "couldn't identify input `A` and `B` have the same shape.\n");
  EXPECT_TRUE(c.agree());
  ASSERT_EQ(c.unmatched.size(), 1u);
  EXPECT_EQ(c.unmatched[0].node, "made_by_a_rewrite");
}

TEST(CompareReportCli, ExitCodesAgreeDisagreeUnreadable) {
  const std::string dir = temp_dir();
  write_file(dir + "/agree.txt", std::string(kAgreeingOptReport) + kAgreeingStats);
  RunResult agree = run_zonnx({"compare-report", squeezenet(), dir + "/agree.txt"});
  EXPECT_EQ(agree.exit_code, 0) << agree.err;
  EXPECT_NE(agree.out.find("agree"), std::string::npos) << agree.out;

  write_file(
      dir + "/disagree.txt",
      "==NNPA-UNSUPPORTEDOPS-REPORT==, onnx.Conv, /features/features.0/Conv, Element type is not F16 or "
      "F32.\n");
  RunResult disagree = run_zonnx({"compare-report", "--format", "json", squeezenet(), dir + "/disagree.txt"});
  EXPECT_EQ(disagree.exit_code, 1) << disagree.err;
  const json doc = json::parse(disagree.out);
  EXPECT_EQ(doc["schema"], "zonnx.compare-report/1");
  EXPECT_FALSE(doc["agree"].get<bool>());
  ASSERT_EQ(doc["node_disagreements"].size(), 1u);
  EXPECT_EQ(doc["node_disagreements"][0]["name"], "/features/features.0/Conv");

  write_file(dir + "/garbage.txt", "not a compiler report\n");
  RunResult garbage = run_zonnx({"compare-report", squeezenet(), dir + "/garbage.txt"});
  EXPECT_EQ(garbage.exit_code, 3);
  EXPECT_NE(garbage.err.find("garbage.txt"), std::string::npos) << garbage.err;
  RunResult missing = run_zonnx({"compare-report", squeezenet(), dir + "/missing.txt"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("missing.txt"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace zonnx::test
