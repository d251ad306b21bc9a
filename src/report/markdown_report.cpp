// Markdown for a pull-request or merge-request comment: short on top (coverage,
// counts, what is off the NNPA and why), the node list folded in <details>.
// Text from the model is escaped so a node name cannot break the table or
// inject HTML into the comment.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "report/report_util.h"
#include "zonnx/baseline.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

using report::percent;
using report::valid_utf8;

constexpr size_t kMaxNodeRows = 100;   // nodes listed in <details>
constexpr size_t kMaxChangeRows = 30;  // baseline moves listed

// Plain text in a Markdown table cell or paragraph: one line, no HTML, no
// emphasis or links, no cell breaks.
std::string md(std::string_view raw) {
  const std::string s = valid_utf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\r':
      case '\n':
      case '\t':
        out += ' ';
        break;
      case '|':
      case '\\':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
      case '#':
      case '~':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Text inside a `code span`: backslash escapes do not work there, so a
// backtick becomes a quote and line breaks become spaces.
std::string md_code(std::string_view raw) {
  std::string s = valid_utf8(raw);
  for (char& c : s) {
    if (c == '`') c = '\'';
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

std::string heading(int level, std::string_view text) {
  return std::string(static_cast<size_t>(std::clamp(level, 1, 6)), '#') + " " + std::string(text) + "\n\n";
}

std::string node_label(const NodeInfo& node) {
  return node.name().empty() ? fmt::format("#{}", node.index) : std::string(node.name());
}

std::string graph_of(const ModelView& view, const NodeInfo& node) {
  const auto& graphs = view.graphs();
  return node.graph >= 0 && static_cast<size_t>(node.graph) < graphs.size()
             ? graphs[static_cast<size_t>(node.graph)].path
             : std::string();
}

void write_baseline(std::ostream& out, const BaselineDiff& diff, int level) {
  out << heading(level, fmt::format("Against baseline `{}`", md_code(diff.baseline_path)));
  out << fmt::format("NNPA coverage {:.1f}% → {:.1f}% ({:+.1f} points). ", diff.nnpa_share_before * 100.0,
                     diff.nnpa_share_after * 100.0, (diff.nnpa_share_after - diff.nnpa_share_before) * 100.0);
  out << fmt::format("{} node(s) left the NNPA, {} moved onto it; {} added, {} removed.", diff.regressions(),
                     diff.moved.size() - diff.regressions(), diff.added.size(), diff.removed.size());
  if (!diff.new_unsupported_ops.empty()) {
    out << " New unsupported ops:";
    for (const std::string& op : diff.new_unsupported_ops) out << " " << md(op);
    out << ".";
  }
  if (diff.baseline_march != diff.march)
    out << fmt::format(" (Baseline for {}, this report for {}.)", md(diff.baseline_march), diff.march);
  out << (diff.regressed() ? " **Regressed.**" : " No regression.") << "\n\n";
  if (diff.moved.empty()) return;
  out << "| node | op | from | to | rule |\n|---|---|---|---|---|\n";
  for (size_t i = 0; i < diff.moved.size() && i < kMaxChangeRows; ++i) {
    const BaselineMove& m = diff.moved[i];
    out << "| " << md(m.name.empty() ? fmt::format("#{}", m.index) : m.name) << " | " << md(m.op_type)
        << " | " << placement_name(m.from) << " | " << (m.regression ? "**" : "") << placement_name(m.to)
        << (m.regression ? "**" : "") << " | " << (m.rule.empty() ? "" : "`" + m.rule + "`") << " |\n";
  }
  if (diff.moved.size() > kMaxChangeRows)
    out << fmt::format("\n{} more in `--format json`.\n", diff.moved.size() - kMaxChangeRows);
  out << "\n";
}

}  // namespace

void write_markdown(std::ostream& out, const ModelView& view, const Analysis& analysis,
                    const std::vector<GateResult>& gates, const BaselineDiff* baseline, int level) {
  const Summary& s = analysis.summary;
  out << heading(level,
                 fmt::format("zonnx: `{}` on {}", md_code(view.facts().path), march_name(analysis.march)));
  out << fmt::format("**NNPA coverage {}** of {} counted nodes", percent(s.nnpa_share), s.counted);
  if (s.mac_total_known > 0)
    out << fmt::format(" · {} of the known MACs on the NNPA", percent(s.mac_nnpa_share));
  out << (s.compiles() ? " · compiles" : " · **would not compile**") << "\n\n";

  out << "| placement | nodes | share |\n|---|---:|---:|\n";
  out << fmt::format("| nnpa | {} | {} |\n| cpu | {} | {} |\n| unsupported | {} | {} |\n\n", s.nnpa,
                     percent(s.nnpa_share), s.cpu, percent(s.cpu_share), s.unsupported,
                     percent(s.unsupported_share));

  // Ops off the NNPA, one row per (op, placement, first rule), most nodes first.
  struct Group {
    size_t count = 0;
    std::string hint;
  };
  using Key = std::tuple<std::string, std::string, Placement, std::string>;  // domain, op, placement, rule
  std::map<Key, Group> groups;
  std::vector<const NodeInfo*> off;
  for (const NodeInfo& node : view.nodes()) {
    if (node.index >= analysis.verdicts.size()) continue;
    const NodeVerdict& v = analysis.verdicts[node.index];
    if (!v.counted || v.placement == Placement::Nnpa) continue;
    off.push_back(&node);
    const std::string rule = v.reasons.empty() ? "" : v.reasons.front().rule;
    Group& g = groups[{node.domain, node.op_type(), v.placement, rule}];
    if (g.count++ == 0 && !v.reasons.empty()) g.hint = v.reasons.front().hint;
  }
  if (!groups.empty()) {
    std::vector<std::pair<Key, Group>> rows(groups.begin(), groups.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      if (std::get<2>(a.first) != std::get<2>(b.first))  // unsupported first
        return std::get<2>(a.first) == Placement::Unsupported;
      return a.second.count > b.second.count;
    });
    out << heading(level + 1, "Ops off the NNPA");
    out << "| op | placement | nodes | rule | hint |\n|---|---|---:|---|---|\n";
    for (const auto& [key, group] : rows) {
      const auto& [domain, op, placement, rule] = key;
      const std::string op_name = domain == "ai.onnx" ? op : domain + "::" + op;
      out << "| " << md(op_name) << " | " << placement_name(placement) << " | " << group.count << " | "
          << (rule.empty() ? "" : "`" + rule + "`") << " | " << md(group.hint) << " |\n";
    }
    out << "\n";
  }

  if (!gates.empty()) {
    out << "**Gates:**";
    for (const GateResult& g : gates)
      out << fmt::format(" {} `{}` ({});", g.failed ? "❌" : "✅", md_code(g.gate), md(g.detail));
    out << "\n\n";
  }
  if (baseline) write_baseline(out, *baseline, level + 1);

  if (!off.empty()) {
    out << fmt::format("<details><summary>{} node(s) off the NNPA</summary>\n\n", off.size());
    out << "| # | node | op | graph | placement | rule | reason |\n|---:|---|---|---|---|---|---|\n";
    for (size_t i = 0; i < off.size() && i < kMaxNodeRows; ++i) {
      const NodeInfo& node = *off[i];
      const NodeVerdict& v = analysis.verdicts[node.index];
      const Reason* r = v.reasons.empty() ? nullptr : &v.reasons.front();
      out << "| " << node.index << " | " << md(node_label(node)) << " | " << md(node.op_type()) << " | "
          << md(graph_of(view, node)) << " | " << placement_name(v.placement) << " | "
          << (r ? "`" + r->rule + "`" : "") << " | " << (r ? md(r->message) : "") << " |\n";
    }
    if (off.size() > kMaxNodeRows)
      out << fmt::format("\n{} more: `zonnx inspect --format json` lists every node.\n",
                         off.size() - kMaxNodeRows);
    out << "\n</details>\n\n";
  }
}

void write_markdown_batch_table(std::ostream& out, const std::vector<MarkdownModelRow>& rows) {
  out << heading(2, fmt::format("zonnx: {} model(s)", rows.size()));
  out << "| model | nodes | NNPA | CPU | unsupported | NNPA coverage | status "
         "|\n|---|---:|---:|---:|---:|---:|---|\n";
  for (const MarkdownModelRow& row : rows) {
    if (!row.error.empty()) {
      out << "| " << md(row.path) << " | | | | | | ❌ " << md(row.error) << " |\n";
      continue;
    }
    const Summary& s = row.summary;
    const char* status = row.gate_failed ? "❌ gate failed" : s.compiles() ? "✅" : "❌ would not compile";
    out << fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", md(row.path), s.counted, s.nnpa, s.cpu,
                       s.unsupported, percent(s.nnpa_share), status);
  }
  out << "\n";
}

}  // namespace zonnx
