// Graphviz DOT: the data-flow graph with each node filled by its placement and
// the edges where data crosses between the NNPA and the CPU drawn bold red.
// Render with `dot -Tsvg model.dot -o model.svg`. Graph inputs, outputs and
// initializers are left out: the picture is about where the ops run.

#include <fmt/format.h>

#include <set>

#include "report/report_util.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

constexpr const char* kNnpaColor = "#a6dba0";
constexpr const char* kCpuColor = "#fdb863";
constexpr const char* kUnsupportedColor = "#e34a33";
constexpr const char* kNotCountedColor = "#dddddd";
constexpr const char* kTransitionColor = "#d62728";

// A DOT double-quoted string: quotes and backslashes escaped, control
// characters (a line break hidden in a node name) made visible as '?'.
std::string dot_string(std::string_view raw) {
  const std::string s = report::valid_utf8(raw);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

const char* fill_color(const NodeVerdict* verdict) {
  if (!verdict || !verdict->counted) return kNotCountedColor;
  switch (verdict->placement) {
    case Placement::Nnpa:
      return kNnpaColor;
    case Placement::Cpu:
      return kCpuColor;
    case Placement::Unsupported:
      return kUnsupportedColor;
  }
  return kNotCountedColor;
}

void write_node(std::ostream& out, const NodeInfo& node, const NodeVerdict* verdict, const char* indent) {
  // Label: op, then the name (both escaped; "\n" is DOT's line break).
  std::string label = dot_string(node.op_type());
  if (!node.name().empty())
    label = label.substr(0, label.size() - 1) + "\\n" + dot_string(node.name()).substr(1);
  std::string tooltip = verdict ? std::string(placement_name(verdict->placement)) : "no verdict";
  if (verdict && !verdict->counted) tooltip += " (not counted)";
  if (verdict && !verdict->reasons.empty())
    tooltip += ": " + verdict->reasons.front().rule + " - " + verdict->reasons.front().message;
  out << fmt::format("{}n{} [label={}, fillcolor=\"{}\", tooltip={}];\n", indent, node.index, label,
                     fill_color(verdict), dot_string(tooltip));
}

}  // namespace

void write_dot(std::ostream& out, const ModelView& view, const Analysis& analysis) {
  const auto& verdicts = analysis.verdicts;
  auto verdict_of = [&](size_t i) { return i < verdicts.size() ? &verdicts[i] : nullptr; };
  const Summary& s = analysis.summary;

  out << "digraph zonnx {\n";
  out << fmt::format("  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label={}];\n",
                     dot_string(fmt::format("{} on {}: NNPA {} of {} nodes; green nnpa, orange cpu, red "
                                            "unsupported, grey not counted; bold red edges cross NNPA/CPU",
                                            view.facts().path, march_name(analysis.march),
                                            report::percent(s.nnpa_share), s.counted)));
  out << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n";
  out << "  edge [color=\"#777777\"];\n";

  // Main graph nodes at top level, every other graph (If/Loop/Scan bodies,
  // local functions) in a cluster named by its path.
  const auto& graphs = view.graphs();
  std::vector<std::vector<const NodeInfo*>> by_graph(graphs.size());
  for (const NodeInfo& node : view.nodes()) {
    if (node.graph > 0 && static_cast<size_t>(node.graph) < graphs.size())
      by_graph[static_cast<size_t>(node.graph)].push_back(&node);
    else
      write_node(out, node, verdict_of(node.index), "  ");
  }
  for (size_t g = 1; g < graphs.size(); ++g) {
    if (by_graph[g].empty()) continue;
    out << fmt::format("  subgraph cluster_{} {{\n    label={};\n    style=dashed;\n", g,
                       dot_string(graphs[g].path));
    for (const NodeInfo* node : by_graph[g]) write_node(out, *node, verdict_of(node->index), "    ");
    out << "  }\n";
  }

  for (const report::DataEdge& e : report::data_edges(view, analysis)) {
    if (e.transition)
      out << fmt::format("  n{} -> n{} [color=\"{}\", penwidth=2.5, style=bold, tooltip=\"{}\"];\n", e.from,
                         e.to, kTransitionColor,
                         analysis.verdicts[e.from].placement == Placement::Nnpa ? "NNPA to CPU (unstick)"
                                                                                : "CPU to NNPA (stick)");
    else
      out << fmt::format("  n{} -> n{};\n", e.from, e.to);
  }
  out << "}\n";
}

}  // namespace zonnx
