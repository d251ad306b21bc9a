// The rule engine: table-level checks (would the model compile?), then the
// NNPA checks in onnx-mlir's order: device attribute, NNPA level, opset range,
// element type and rank, maximum dimension index size, per-op legality.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "common/side_by_side.h"
#include "rules/neighbours.h"
#include "rules/op_context.h"
#include "rules/summary_metrics.h"
#include "zonnx/rules.h"

namespace zonnx {
namespace {

using rules::Findings;
using rules::OpContext;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Model-local functions are inlined by onnx-mlir's importer.
std::set<std::pair<std::string, std::string>> local_functions(const ModelView& view) {
  std::set<std::pair<std::string, std::string>> fns;
  for (const auto& f : view.model().proto().functions()) fns.insert({f.domain(), f.name()});
  return fns;
}

bool known_domain(const std::string& domain) { return domain == "ai.onnx" || domain == "ai.onnx.ml"; }

// What the tables say about one op, looked up once per distinct op of the model.
struct OpFacts {
  const CpuEntry* cpu = nullptr;
  const NnpaEntry* nnpa = nullptr;      // ai.onnx only
  const rules::OpSpec* spec = nullptr;  // ai.onnx only
  int first_version = 0;                // first ai.onnx version of the op (0: not an ai.onnx op)
  int newest_known = 0;                 // version in force at the table's opset
  int first_covered = 0;                // version in force at the CPU table's minimum opset
  bool local_function = false;
  bool constant = false;  // ai.onnx Constant
};

OpFacts op_facts(const OpCount& op, const SupportTables& tables, const OpVersions& versions,
                 const std::set<std::pair<std::string, std::string>>& functions,
                 const std::string& raw_domain) {
  OpFacts f;
  const bool onnx = op.domain == "ai.onnx";
  f.local_function = functions.count({raw_domain, op.op_type}) > 0;
  f.constant = onnx && op.op_type == "Constant";
  const auto& known = versions.versions(op.op_type);
  f.first_version = known.empty() ? 0 : known.front();
  f.cpu = tables.find_cpu(op.op_type);
  f.nnpa = onnx ? tables.find_nnpa(op.op_type) : nullptr;
  f.spec = onnx ? rules::find_op_spec(op.op_type) : nullptr;
  f.newest_known = versions.resolve(op.op_type, tables.profile().table_max_opset);
  if (f.cpu) f.first_covered = versions.resolve(op.op_type, f.cpu->min_opset);
  return f;
}

// Table-level checks: would onnx-mlir compile this node at all?
void check_compiles(const NodeInfo& node, const SupportTables& tables, const OpFacts& facts, Findings& out) {
  const std::string& op = node.op_type();
  if (!known_domain(node.domain)) {
    out.fail("model.custom-domain",
             fmt::format("Could not find op importer: assuming this represents a custom operator "
                         "({}::{}).",
                         node.domain, op),
             {{"domain", node.domain}});
    return;
  }
  if (node.domain == "ai.onnx" && node.since_version == 0) {
    bool exists_later = facts.first_version > 0;
    out.fail("model.unknown-op",
             exists_later
                 ? fmt::format("{} does not exist in ai.onnx opset {} (it first appears in opset {}).", op,
                               node.domain_opset, facts.first_version)
                 : fmt::format("{} is not an ai.onnx operator.", op),
             {{"opset", std::to_string(node.domain_opset)}});
    return;
  }
  const CpuEntry* cpu = facts.cpu;
  if (!cpu) {
    out.fail("cpu.not-in-table",
             fmt::format("onnx-mlir's CPU table (up to opset {}) has no entry for {}; the compiler "
                         "would fail with \"failed to legalize operation 'onnx.{}'\".",
                         tables.profile().table_max_opset, op, op));
    return;
  }
  if (!cpu->supported) {
    out.fail("cpu.unsupported-op",
             fmt::format("onnx-mlir cannot lower {} (CPU table: none): \"failed to legalize operation "
                         "'onnx.{}'\".",
                         op, op));
    return;
  }
  if (node.domain != "ai.onnx") return;
  // onnx-mlir's importer maps an op version older than the ones it has a
  // dialect op for onto the next newer one (FrontendDialectTransformer), so an
  // old version still compiles; the table's minimum only records what its
  // tests cover. A version newer than the table's opset is one the profile
  // does not vouch for.
  const int newest_known = facts.newest_known;
  if (newest_known > 0 && node.since_version > newest_known) {
    out.fail("cpu.opset-range",
             fmt::format("{}-{} is newer than the {}-{} that onnx-mlir's tables cover (up to opset {}).", op,
                         node.since_version, op, newest_known, tables.profile().table_max_opset),
             {{"version", std::to_string(node.since_version)},
              {"newest supported", std::to_string(newest_known)}});
    return;
  }
  const int first_covered = facts.first_covered;
  if (first_covered > 0 && node.since_version < first_covered)
    out.note(
        fmt::format("{}-{} is older than the CPU table's range ({} - *); onnx-mlir imports it as a newer "
                    "compatible version",
                    op, node.since_version, cpu->min_opset));
}

void check_dim_limits(const OpContext& ctx, Findings& out) {
  for (int i = 0; i < ctx.input_count(); ++i) {
    const ValueType* t = ctx.input(i);
    if (!t || t->kind != ValueType::Kind::Tensor || !t->has_shape) continue;
    int rank = t->rank();
    if (rank == 0) continue;
    if (rank > 4) {
      // NNPAGetMaxForDim is 0 for rank > 4, so any static dim exceeds it.
      bool any_static =
          std::any_of(t->dims.begin(), t->dims.end(), [](const Dim& d) { return d.is_static(); });
      if (any_static)
        out.fail(
            "nnpa.dim-limit",
            fmt::format("Exceed maximum dimension index size. (input '{}' has rank {}; NNPA tensors have at "
                        "most 4 dimensions)",
                        ctx.input_name(i), rank),
            {{"input", ctx.input_name(i)}, {"rank", std::to_string(rank)}});
      continue;
    }
    for (int d = 0; d < rank; ++d) {
      if (!t->dims[d].is_static()) continue;  // onnx-mlir skips dynamic dims here
      int64_t limit = rules::max_dim_size(ctx.march(), d, rank);
      if (t->dims[d].value > limit) {
        out.fail("nnpa.dim-limit",
                 fmt::format("Exceed maximum dimension index size. (input '{}' dim {} = {} > {} on {})",
                             ctx.input_name(i), d, t->dims[d].value, limit, march_name(ctx.march())),
                 {{"input", ctx.input_name(i)},
                  {"dim", std::to_string(d)},
                  {"size", std::to_string(t->dims[d].value)},
                  {"limit", std::to_string(limit)}});
      }
    }
  }
}

// NNPA legality in onnx-mlir's order (ONNXToZHighCommon.hpp addDynamicallyLegalOpFor):
// device attribute, maximum dimension index size of every operand, then
// isSuitableForZDNN<Op>: NNPA level, element type and rank, op-specific rules.
// onnx-mlir stops at the first failure; zonnx keeps checking so a user sees
// everything to fix, but the first reason is always the one onnx-mlir prints.
void check_nnpa(const OpContext& ctx, const SupportTables& tables, const OpFacts& facts, Findings& out) {
  const NodeInfo& node = ctx.node();
  const std::string& op = node.op_type();
  const NnpaEntry* entry = facts.nnpa;
  const rules::OpSpec* spec = facts.spec;
  if (!entry && !spec) {
    out.fail("nnpa.no-lowering", fmt::format("onnx-mlir has no NNPA lowering for {}.", op));
    return;
  }
  std::string device = lower(ctx.attr_string("device", ""));
  if (device == "cpu") {
    out.fail("nnpa.device-cpu", "The node has device=\"cpu\"; onnx-mlir keeps it on the CPU.",
             {{"device", "cpu"}});
    return;
  }
  if (!spec || spec->check_dim_limits) check_dim_limits(ctx, out);
  if (entry) {
    if (entry->min_level == March::Z17 && ctx.march() == March::Z16) {
      out.fail("nnpa.level",
               fmt::format("onnx-mlir NNPA level \"--march=arch15\" is not compatible with  NNPA level "
                           "specified by \"--march=z16\". ({} needs z17)",
                           op),
               {{"needs", "z17"}, {"march", "z16"}});
      return;
    }
    const int newest_known = facts.newest_known;
    if (newest_known > 0 && node.since_version > newest_known) {
      out.fail("nnpa.opset-range",
               fmt::format("{}-{} is newer than the NNPA table covers (up to opset {}).", op,
                           node.since_version, tables.profile().table_max_opset),
               {{"version", std::to_string(node.since_version)}});
      return;
    }
  }
  std::vector<int> typed;
  if (spec && !spec->typed_inputs.empty()) {
    typed = spec->typed_inputs;
  } else {
    for (int i = 0; i < ctx.input_count(); ++i) typed.push_back(i);
  }
  for (int i : typed)
    if (ctx.has_input(i)) rules::check_operand_type(ctx, i, out, true);
  if (spec && spec->check && !out.failed()) spec->check(ctx, out);
}

// Node counts by op id (ModelView::op_types()) as a list of the ops that occur.
std::vector<OpCount> op_counts(const ModelView& view, const std::vector<uint64_t>& by_op) {
  std::vector<OpCount> out;
  for (size_t id = 0; id < by_op.size(); ++id)
    if (by_op[id]) out.push_back({view.op_types()[id].domain, view.op_types()[id].op_type, by_op[id]});
  return out;
}

void sort_counts(std::vector<OpCount>& counts) {
  std::sort(counts.begin(), counts.end(), [](const OpCount& a, const OpCount& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.domain != b.domain) return a.domain < b.domain;
    return a.op_type < b.op_type;
  });
}

bool is_heavy_op(const std::string& op) {
  static const std::set<std::string> heavy = {"Conv",          "ConvTranspose", "Gemm", "MatMul",
                                              "MatMulInteger", "QLinearMatMul", "LSTM", "GRU",
                                              "RNN",           "Softmax"};
  return heavy.count(op) > 0;
}

Summary summarize(const ModelView& view, const std::vector<NodeVerdict>& verdicts,
                  const SupportTables& tables, bool parallel) {
  Summary s;
  s.nodes = verdicts.size();
  // Counted by op id: a model with tens of thousands of distinct (custom) ops stays linear.
  const size_t ops = view.op_types().size();
  std::vector<uint64_t> blocking(ops), cpu(ops), heavy_cpu(ops);
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const NodeVerdict& v = verdicts[i];
    const NodeInfo& node = view.nodes()[i];
    if (v.placement == Placement::Unsupported) {
      // A model that does not compile is blocked by every unsupported node, counted or not.
      ++blocking[node.op_id];
    }
    if (!v.counted) continue;
    ++s.counted;
    switch (v.placement) {
      case Placement::Nnpa:
        ++s.nnpa;
        break;
      case Placement::Cpu:
        ++s.cpu;
        ++cpu[node.op_id];
        if (is_heavy_op(node.op_type())) ++heavy_cpu[node.op_id];
        break;
      case Placement::Unsupported:
        ++s.unsupported;
        break;
    }
  }
  if (s.counted) {
    s.nnpa_share = static_cast<double>(s.nnpa) / static_cast<double>(s.counted);
    s.cpu_share = static_cast<double>(s.cpu) / static_cast<double>(s.counted);
    s.unsupported_share = static_cast<double>(s.unsupported) / static_cast<double>(s.counted);
  }
  s.blocking_ops = op_counts(view, blocking);
  s.cpu_ops = op_counts(view, cpu);
  s.heavy_cpu_ops = op_counts(view, heavy_cpu);
  sort_counts(s.blocking_ops);
  sort_counts(s.cpu_ops);
  sort_counts(s.heavy_cpu_ops);
  s.model_opset = view.facts().onnx_opset();
  s.nnpa_recommended_opset = tables.profile().nnpa_recommended_opset;
  rules::add_summary_metrics(view, verdicts, s, parallel);
  return s;
}

using LocalFunctions = std::set<std::pair<std::string, std::string>>;

// Judges nodes [begin, end) on their own. Each call keeps its own per-op
// cache and writes only its own verdicts, so two calls can run side by side.
void judge_nodes(const ModelView& view, const AnalysisOptions& options, const SupportTables& tables,
                 const OpVersions& versions, const LocalFunctions& functions, size_t begin, size_t end,
                 std::vector<NodeVerdict>& verdicts) {
  // Per distinct op; the raw domain spelling of its first node decides the function match.
  std::vector<std::optional<OpFacts>> facts_by_op(view.op_types().size());
  for (size_t i = begin; i < end; ++i) {
    const NodeInfo& node = view.nodes()[i];
    NodeVerdict& verdict = verdicts[node.index];
    Findings findings;
    auto& cached = facts_by_op[node.op_id];
    if (!cached || (!functions.empty() &&
                    cached->local_function !=
                        (functions.count({std::string(node.domain_as_written()), node.op_type()}) > 0)))
      cached = op_facts(view.op_types()[node.op_id], tables, versions, functions,
                        std::string(node.domain_as_written()));
    const OpFacts& facts = *cached;
    if (facts.local_function) {
      verdict.placement = Placement::Cpu;
      verdict.counted = false;
      verdict.notes.push_back(
          fmt::format("calls model-local function {}; onnx-mlir inlines it, its nodes are "
                      "listed under graph function:{}:{}",
                      node.op_type(), node.domain_as_written(), node.op_type()));
      continue;
    }
    check_compiles(node, tables, facts, findings);
    if (findings.failed()) {
      verdict.placement = Placement::Unsupported;
    } else {
      OpContext ctx(view, node, options.march);
      check_nnpa(ctx, tables, facts, findings);
      verdict.placement = findings.failed() ? Placement::Cpu : Placement::Nnpa;
    }
    if (facts.constant) {
      verdict.counted = false;
      findings.note("constant: folded by the compiler, not executed");
    } else if (view.folded_at_compile_time(node)) {
      verdict.counted = false;
      findings.note("shape arithmetic on constants: folded by the compiler, not executed");
    }
    verdict.reasons = std::move(findings.reasons());
    verdict.notes.insert(verdict.notes.end(), findings.notes().begin(), findings.notes().end());
  }
}

}  // namespace

Analysis analyze(const ModelView& view, const AnalysisOptions& options, const SupportTables& tables,
                 const OpVersions& versions) {
  Analysis result;
  result.march = options.march;
  const size_t count = view.nodes().size();
  result.verdicts.resize(count);
  const auto functions = local_functions(view);
  // Each node's verdict depends only on the view: the two halves are independent.
  const size_t half = count / 2;
  const bool parallel = options.parallel && count >= kSideBySideNodes;
  run_side_by_side(
      parallel, [&] { judge_nodes(view, options, tables, versions, functions, 0, half, result.verdicts); },
      [&] { judge_nodes(view, options, tables, versions, functions, half, count, result.verdicts); });
  rules::apply_neighbour_rules(view, options.march, result.verdicts);
  result.summary = summarize(view, result.verdicts, tables, parallel);
  return result;
}

}  // namespace zonnx
