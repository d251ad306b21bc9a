// CSV, one row per node (RFC 4180): for spreadsheets and quick scripts.
// The model column lets the rows of several models share one file.

#include <fmt/format.h>

#include "report/report_util.h"
#include "rules/summary_metrics.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

constexpr const char* kLineEnd = "\r\n";  // RFC 4180 records end in CRLF

}  // namespace

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_csv_header(std::ostream& out) {
  out << "model,graph,index,node,op,domain,version,placement,counted,rule_id,reason,hint,macs" << kLineEnd;
}

void write_csv_rows(std::ostream& out, const ModelView& view, const Analysis& analysis) {
  using report::valid_utf8;
  const std::string model = csv_field(valid_utf8(view.facts().path));
  const auto& graphs = view.graphs();
  for (const NodeInfo& node : view.nodes()) {
    const NodeVerdict* verdict =
        node.index < analysis.verdicts.size() ? &analysis.verdicts[node.index] : nullptr;
    const Reason* reason = verdict && !verdict->reasons.empty() ? &verdict->reasons.front() : nullptr;
    const std::string graph = node.graph >= 0 && static_cast<size_t>(node.graph) < graphs.size()
                                  ? graphs[static_cast<size_t>(node.graph)].path
                                  : std::string();
    std::string macs;
    if (verdict && verdict->counted)
      if (std::optional<uint64_t> m = rules::node_macs(view, node)) macs = std::to_string(*m);
    out << model << ',' << csv_field(valid_utf8(graph)) << ',' << node.index << ','
        << csv_field(valid_utf8(node.name())) << ',' << csv_field(valid_utf8(node.op_type())) << ','
        << csv_field(valid_utf8(node.domain)) << ',' << node.since_version << ','
        << (verdict ? placement_name(verdict->placement) : "") << ','
        << (verdict && verdict->counted ? "true" : "false") << ',' << (reason ? csv_field(reason->rule) : "")
        << ',' << (reason ? csv_field(valid_utf8(reason->message)) : "") << ','
        << (reason ? csv_field(valid_utf8(reason->hint)) : "") << ',' << macs << kLineEnd;
  }
}

}  // namespace zonnx
