// The HTML report: one self-contained page (inline CSS and JavaScript, no
// network) with the summary, a chart of placement by op, the node table and
// the graph coloured by placement. docs/html-report.md describes the page.
//
// The graph layout is computed here, in O(nodes + edges log edges): longest-
// path layering (sources pulled down next to their first consumer), then one
// barycenter sweep to order each layer. The page only draws the positions, so
// it stays fast on graphs of tens of thousands of nodes.

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "report/report_util.h"
#include "zonnx/report.h"
#include "zonnx/tables.h"

namespace zonnx {
namespace {

#include "report/html/page.inc"

using Json = nlohmann::ordered_json;
using report::valid_utf8;

struct Edge {
  size_t from = 0;
  size_t to = 0;
  bool transition = false;  // one end on the NNPA, the other on the CPU: a data conversion
};

// "nnpa", "cpu", "unsupported", or "folded" for nodes that do not execute.
std::string placement_class(const Analysis& analysis, size_t index) {
  if (index >= analysis.verdicts.size() || !analysis.verdicts[index].counted) return "folded";
  return std::string(placement_name(analysis.verdicts[index].placement));
}

// Producer -> consumer edges, one per pair of nodes, in node order; a node in
// an If/Loop/Scan body also hangs below the node that owns its graph.
std::vector<Edge> graph_edges(const ModelView& view, const Analysis& analysis) {
  const auto& nodes = view.nodes();
  const auto& graphs = view.graphs();
  const std::vector<report::DataEdge> data = report::data_edges(view, analysis);
  std::vector<Edge> edges;
  size_t next = 0;
  for (const NodeInfo& node : nodes) {
    std::set<size_t> producers;
    for (; next < data.size() && data[next].to == node.index; ++next) producers.insert(data[next].from);
    const bool graph_known = node.graph >= 0 && static_cast<size_t>(node.graph) < graphs.size();
    const size_t owner = graph_known ? graphs[static_cast<size_t>(node.graph)].owner_node : SIZE_MAX;
    if (owner < nodes.size() && owner != node.index) producers.insert(owner);
    for (size_t p : producers)
      edges.push_back(Edge{p, node.index, report::crosses_devices(analysis, p, node.index)});
  }
  return edges;
}

struct Layout {
  std::vector<size_t> layer;  // row of each node
  std::vector<size_t> order;  // position within its row
};

Layout layered_layout(size_t n, const std::vector<Edge>& edges) {
  std::vector<std::vector<size_t>> preds(n), succs(n);
  for (const Edge& e : edges) {
    succs[e.from].push_back(e.to);
    preds[e.to].push_back(e.from);
  }
  // Longest path from the sources, in topological order (Kahn). The view has
  // rejected cycles; should one remain, its nodes keep layer 0.
  Layout layout;
  layout.layer.assign(n, 0);
  std::vector<size_t> indegree(n), topo;
  topo.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    indegree[i] = preds[i].size();
    if (indegree[i] == 0) topo.push_back(i);
  }
  for (size_t k = 0; k < topo.size(); ++k)
    for (size_t s : succs[topo[k]]) {
      layout.layer[s] = std::max(layout.layer[s], layout.layer[topo[k]] + 1);
      if (--indegree[s] == 0) topo.push_back(s);
    }
  // Sources (constants, shape inputs) sit just above their first consumer
  // rather than all in the top row.
  for (size_t i = 0; i < n; ++i) {
    if (!preds[i].empty() || succs[i].empty()) continue;
    size_t lowest = SIZE_MAX;
    for (size_t s : succs[i]) lowest = std::min(lowest, layout.layer[s]);
    if (lowest != SIZE_MAX && lowest > 0) layout.layer[i] = lowest - 1;
  }
  // Order rows top-down by the mean position of each node's predecessors.
  size_t rows = 0;
  for (size_t l : layout.layer) rows = std::max(rows, l + 1);
  std::vector<std::vector<size_t>> members(rows);
  for (size_t i = 0; i < n; ++i) members[layout.layer[i]].push_back(i);
  layout.order.assign(n, 0);
  std::vector<double> key(n, 0);
  for (auto& row : members) {
    for (size_t i : row) {
      double sum = 0;
      size_t count = 0;
      for (size_t p : preds[i])
        if (layout.layer[p] < layout.layer[i]) {
          sum += static_cast<double>(layout.order[p]);
          ++count;
        }
      key[i] = count ? sum / static_cast<double>(count) : static_cast<double>(layout.order[i]);
    }
    std::stable_sort(row.begin(), row.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
    for (size_t k = 0; k < row.size(); ++k) layout.order[row[k]] = k;
  }
  return layout;
}

Json page_data(const ModelView& view, const Analysis& analysis, const std::vector<GateResult>& gates) {
  const auto& nodes = view.nodes();
  const std::vector<Edge> edges = graph_edges(view, analysis);
  const Layout layout = layered_layout(nodes.size(), edges);
  const Summary& s = analysis.summary;
  const ModelFacts& f = view.facts();

  Json d = Json::object();
  d["schema"] = "zonnx.html-data/1";
  d["tool"] = std::string("zonnx ") + ZONNX_VERSION;
  d["model"] = valid_utf8(f.path);
  d["graph_name"] = valid_utf8(f.graph_name);
  d["producer"] = valid_utf8(f.producer_name + (f.producer_version.empty() ? "" : " " + f.producer_version));
  d["opset"] = f.onnx_opset();
  d["march"] = std::string(march_name(analysis.march));
  d["profile"] = SupportTables::embedded().profile().name;
  Json summary = Json::object();
  summary["nodes"] = s.nodes;
  summary["counted"] = s.counted;
  summary["nnpa"] = s.nnpa;
  summary["cpu"] = s.cpu;
  summary["unsupported"] = s.unsupported;
  summary["nnpa_share"] = s.nnpa_share;
  summary["mac_nnpa_share"] = s.mac_nnpa_share;
  summary["mac_total_known"] = s.mac_total_known;
  summary["regions"] = s.nnpa_regions;
  summary["stick"] = s.stick_transitions;
  summary["unstick"] = s.unstick_transitions;
  summary["compiles"] = s.compiles();
  d["summary"] = std::move(summary);
  d["gates"] = report::gates_json(gates);

  // Nodes as arrays to keep big pages small:
  // [name, op, placement, rule, message, hint, graph, row, column].
  Json node_rows = Json::array();
  for (const NodeInfo& node : nodes) {
    const std::string placement = placement_class(analysis, node.index);
    std::string rule, message, hint;
    if (node.index < analysis.verdicts.size() && !analysis.verdicts[node.index].reasons.empty()) {
      const Reason& r = analysis.verdicts[node.index].reasons.front();
      rule = r.rule;
      message = valid_utf8(r.message);
      hint = valid_utf8(r.hint);
    }
    const std::string op = node.is_onnx() ? node.op_type() : node.domain + "." + node.op_type();
    node_rows.push_back(Json::array({valid_utf8(node.name()), valid_utf8(op), placement, rule, message, hint,
                                     node.graph, layout.layer[node.index], layout.order[node.index]}));
  }
  d["nodes"] = std::move(node_rows);
  Json graphs = Json::array();
  for (const GraphInfo& g : view.graphs()) graphs.push_back(valid_utf8(g.path));
  d["graphs"] = std::move(graphs);
  Json edge_rows = Json::array();
  for (const Edge& e : edges) edge_rows.push_back(Json::array({e.from, e.to, e.transition ? 1 : 0}));
  d["edges"] = std::move(edge_rows);
  return d;
}

// JSON that is safe inside <script>: no "<" at all, so neither "</script>"
// nor "<!--" can end or change the block. JSON.parse reads \u003c back as "<".
std::string script_safe_json(const Json& data) {
  const std::string text = data.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

}  // namespace

void write_html(std::ostream& out, const ModelView& view, const Analysis& analysis,
                const std::vector<GateResult>& gates) {
  out << kPageHead;
  out << "<script type=\"application/json\" id=\"zonnx-data\">"
      << script_safe_json(page_data(view, analysis, gates)) << "</script>\n";
  out << kPageTail;
}

}  // namespace zonnx
