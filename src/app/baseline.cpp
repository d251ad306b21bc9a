// --baseline OLD.json: what changed for the NNPA since an earlier report.
//
// Nodes are matched by graph and name where names are usable (non-empty and
// unique in their graph on both sides); exporters often leave names empty or
// repeat them, so the rest is matched by graph, op and position among the
// remaining nodes of that op.

#include "zonnx/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "report/report_util.h"
#include "zonnx/errors.h"

namespace zonnx {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

// Bounds what --baseline reads: far above any report zonnx writes for a real model.
constexpr std::streamoff kMaxBaselineBytes = std::streamoff(1) << 31;

double round4(double v) {
  if (!std::isfinite(v)) return 0.0;
  return std::round(v * 10000.0) / 10000.0;
}

std::string op_key(const std::string& domain, const std::string& op) {
  return domain.empty() || domain == "ai.onnx" ? op : domain + "::" + op;
}

std::optional<Placement> placement_from(const std::string& s) {
  if (s == "nnpa") return Placement::Nnpa;
  if (s == "cpu") return Placement::Cpu;
  if (s == "unsupported") return Placement::Unsupported;
  return std::nullopt;
}

// Field access that names what is wrong: "nodes[12].placement: expected a string".
class Fields {
 public:
  explicit Fields(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw ModelError(path_, "not a usable zonnx.inspect/1 report: " + where + ": " + what);
  }
  const Json& member(const Json& object, const char* key, const std::string& where) const {
    if (!object.is_object()) fail(where, "expected an object");
    auto it = object.find(key);
    if (it == object.end()) fail(where, std::string("missing field \"") + key + "\"");
    return *it;
  }
  std::string string(const Json& object, const char* key, const std::string& where) const {
    const Json& v = member(object, key, where);
    if (!v.is_string()) fail(where + "." + key, "expected a string");
    return v.get<std::string>();
  }
  uint64_t count(const Json& object, const char* key, const std::string& where) const {
    const Json& v = member(object, key, where);
    if (!v.is_number_unsigned()) fail(where + "." + key, "expected a non-negative integer");
    return v.get<uint64_t>();
  }
  double number(const Json& object, const char* key, const std::string& where) const {
    const Json& v = member(object, key, where);
    if (!v.is_number()) fail(where + "." + key, "expected a number");
    return v.get<double>();
  }
  const Json& array(const Json& object, const char* key, const std::string& where) const {
    const Json& v = member(object, key, where);
    if (!v.is_array()) fail(where + "." + key, "expected an array");
    return v;
  }

 private:
  std::string path_;
};

// What matching needs of a node, on either side.
struct Side {
  std::string graph;
  std::string name;
  std::string op_type;
  std::string domain;
  Placement placement = Placement::Cpu;
  std::string rule;
  size_t index = 0;
};

std::vector<Side> new_side(const ModelView& view, const Analysis& analysis) {
  std::vector<Side> nodes;
  for (const NodeInfo& node : view.nodes()) {
    if (node.index >= analysis.verdicts.size() || !analysis.verdicts[node.index].counted) continue;
    const NodeVerdict& verdict = analysis.verdicts[node.index];
    Side s;
    if (node.graph >= 0 && static_cast<size_t>(node.graph) < view.graphs().size())
      s.graph = view.graphs()[static_cast<size_t>(node.graph)].path;
    s.name = node.name();
    s.op_type = node.op_type();
    s.domain = node.domain;
    s.placement = verdict.placement;
    if (!verdict.reasons.empty()) s.rule = verdict.reasons.front().rule;
    s.index = node.index;
    nodes.push_back(std::move(s));
  }
  return nodes;
}

std::vector<Side> old_side(const Baseline& baseline) {
  std::vector<Side> nodes;
  for (size_t i = 0; i < baseline.nodes.size(); ++i) {
    const BaselineNode& n = baseline.nodes[i];
    if (!n.counted) continue;
    nodes.push_back(Side{n.graph, n.name, n.op_type, n.domain, n.placement, n.rule, i});
  }
  return nodes;
}

// Per node: may it be matched by name (non-empty and unique in its graph)?
std::vector<bool> names_usable(const std::vector<Side>& nodes) {
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const Side& n : nodes)
    if (!n.name.empty()) ++seen[{n.graph, n.name}];
  std::vector<bool> usable;
  usable.reserve(nodes.size());
  for (const Side& n : nodes) usable.push_back(!n.name.empty() && seen[{n.graph, n.name}] == 1);
  return usable;
}

bool is_regression(Placement from, Placement to) {
  if (from == Placement::Nnpa) return to != Placement::Nnpa;
  return from == Placement::Cpu && to == Placement::Unsupported;
}

BaselineChange change_of(const Side& s) {
  return BaselineChange{s.graph, s.name, s.op_type, s.placement, s.index};
}

std::string node_label(const std::string& graph, const std::string& name, const std::string& op) {
  std::string label = name.empty() ? "(unnamed " + op + ")" : name;
  return graph == "main" ? label : graph + ": " + label;
}

}  // namespace

size_t BaselineDiff::regressions() const {
  return static_cast<size_t>(
      std::count_if(moved.begin(), moved.end(), [](const BaselineMove& m) { return m.regression; }));
}

Baseline parse_baseline(const std::string& text, const std::string& path) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag: users want the position and cause.
    if (auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
      what = what.substr(close + 2);
    throw ModelError(path, "baseline is not valid JSON: " + what);
  }
  Fields f(path);
  if (!doc.is_object())
    f.fail("top level", "expected a JSON object (a `zonnx inspect --format json` report)");
  auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string())
    f.fail("schema", "missing; give a report written by `zonnx inspect --format json`");
  const std::string name = schema->get<std::string>();
  if (name != kJsonSchema) {
    if (name.rfind("zonnx.inspect-batch/", 0) == 0)
      throw ModelError(path, "baseline is a report of several models (" + name +
                                 "); give the single-model report (`zonnx inspect MODEL --format json`)");
    throw ModelError(path, "baseline has schema \"" + name + "\"; expected \"" + kJsonSchema + "\"");
  }

  Baseline b;
  b.path = path;
  b.model = f.string(f.member(doc, "model", "top level"), "path", "model");
  b.march = f.string(f.member(doc, "target", "top level"), "march", "target");
  const Json& summary = f.member(doc, "summary", "top level");
  b.counted = f.count(summary, "counted", "summary");
  b.nnpa = f.count(summary, "nnpa", "summary");
  b.nnpa_share = f.number(summary, "nnpa_share", "summary");
  if (!(b.nnpa_share >= 0 && b.nnpa_share <= 1)) f.fail("summary.nnpa_share", "expected a number in 0..1");
  const Json& blocking = f.array(summary, "blocking_ops", "summary");
  for (size_t i = 0; i < blocking.size(); ++i) {
    const std::string where = fmt::format("summary.blocking_ops[{}]", i);
    b.blocking_ops.push_back(
        op_key(f.string(blocking[i], "domain", where), f.string(blocking[i], "op", where)));
  }
  const Json& nodes = f.array(doc, "nodes", "top level");
  b.nodes.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string where = fmt::format("nodes[{}]", i);
    const Json& n = nodes[i];
    BaselineNode node;
    node.graph = f.string(n, "graph", where);
    node.name = f.string(n, "name", where);
    node.op_type = f.string(n, "op_type", where);
    node.domain = f.string(n, "domain", where);
    const Json& counted = f.member(n, "counted", where);
    if (!counted.is_boolean()) f.fail(where + ".counted", "expected true or false");
    node.counted = counted.get<bool>();
    const Json& placement = f.member(n, "placement", where);
    std::optional<Placement> p =
        placement.is_string() ? placement_from(placement.get<std::string>()) : std::nullopt;
    if (!p) f.fail(where + ".placement", "expected \"nnpa\", \"cpu\" or \"unsupported\"");
    node.placement = *p;
    const Json& reasons = f.array(n, "reasons", where);
    if (!reasons.empty()) node.rule = f.string(reasons[0], "rule", where + ".reasons[0]");
    b.nodes.push_back(std::move(node));
  }
  return b;
}

Baseline load_baseline(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw ModelError(path, "baseline report not found");
  if (!std::filesystem::is_regular_file(path, ec)) throw ModelError(path, "baseline is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path, "cannot open the baseline report");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > kMaxBaselineBytes) throw ModelError(path, "baseline report is larger than 2 GiB");
  in.seekg(0);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ModelError(path, "read error in the baseline report");
  return parse_baseline(text.str(), path);
}

BaselineDiff compare_with_baseline(const Baseline& baseline, const ModelView& view,
                                   const Analysis& analysis) {
  BaselineDiff diff;
  diff.baseline_path = baseline.path;
  diff.baseline_model = baseline.model;
  diff.baseline_march = baseline.march;
  diff.march = std::string(march_name(analysis.march));
  diff.nnpa_share_before = baseline.nnpa_share;
  diff.nnpa_share_after = round4(analysis.summary.nnpa_share);
  diff.nnpa_before = baseline.nnpa;
  diff.nnpa_after = analysis.summary.nnpa;

  const std::vector<Side> before = old_side(baseline);
  const std::vector<Side> after = new_side(view, analysis);
  const std::vector<bool> before_named = names_usable(before);
  const std::vector<bool> after_named = names_usable(after);
  std::vector<size_t> match(after.size(), SIZE_MAX);  // after -> before
  std::vector<bool> before_taken(before.size(), false);

  // 1. By graph + name.
  std::map<std::pair<std::string, std::string>, size_t> by_name;
  for (size_t i = 0; i < before.size(); ++i)
    if (before_named[i]) by_name[{before[i].graph, before[i].name}] = i;
  for (size_t i = 0; i < after.size(); ++i) {
    if (!after_named[i]) continue;
    auto it = by_name.find({after[i].graph, after[i].name});
    if (it == by_name.end()) continue;
    match[i] = it->second;
    before_taken[it->second] = true;
    ++diff.matched_by_name;
  }
  // 2. Nodes without a usable name on both sides: k-th of an op in a graph to the k-th.
  using OpSlot = std::tuple<std::string, std::string, std::string>;  // graph, domain, op
  std::map<OpSlot, std::vector<size_t>> unnamed_before;
  for (size_t i = 0; i < before.size(); ++i)
    if (!before_named[i]) unnamed_before[{before[i].graph, before[i].domain, before[i].op_type}].push_back(i);
  std::map<OpSlot, size_t> next;
  for (size_t i = 0; i < after.size(); ++i) {
    if (after_named[i]) continue;
    const OpSlot slot{after[i].graph, after[i].domain, after[i].op_type};
    auto it = unnamed_before.find(slot);
    size_t& k = next[slot];
    if (it == unnamed_before.end() || k >= it->second.size()) continue;
    match[i] = it->second[k++];
    before_taken[match[i]] = true;
    ++diff.matched_by_position;
  }

  for (size_t i = 0; i < after.size(); ++i) {
    const Side& now = after[i];
    if (match[i] == SIZE_MAX) {
      diff.added.push_back(change_of(now));
      continue;
    }
    const Side& was = before[match[i]];
    if (was.placement == now.placement) continue;
    diff.moved.push_back(BaselineMove{now.index, now.graph, now.name, now.op_type, was.placement,
                                      now.placement, now.rule, is_regression(was.placement, now.placement)});
  }
  for (size_t i = 0; i < before.size(); ++i)
    if (!before_taken[i]) diff.removed.push_back(change_of(before[i]));

  const std::set<std::string> blocking_before(baseline.blocking_ops.begin(), baseline.blocking_ops.end());
  for (const OpCount& op : analysis.summary.blocking_ops) {
    std::string key = op_key(op.domain, op.op_type);
    if (!blocking_before.count(key)) diff.new_unsupported_ops.push_back(std::move(key));
  }
  return diff;
}

GateResult regression_gate(const BaselineDiff& diff) {
  std::vector<std::string> what;
  if (size_t n = diff.regressions()) what.push_back(fmt::format("{} node(s) left the NNPA", n));
  if (!diff.new_unsupported_ops.empty())
    what.push_back(fmt::format("{} new unsupported op(s)", diff.new_unsupported_ops.size()));
  if (diff.coverage_dropped())
    what.push_back(fmt::format("NNPA coverage {:.1f}% -> {:.1f}%", diff.nnpa_share_before * 100.0,
                               diff.nnpa_share_after * 100.0));
  std::string detail = what.empty()
                           ? "no regression against " + diff.baseline_path
                           : fmt::format("{} (baseline {})", fmt::join(what, ", "), diff.baseline_path);
  return GateResult{"--fail-on regression", diff.regressed(), detail};
}

nlohmann::ordered_json baseline_json(const BaselineDiff& diff) {
  using report::valid_utf8;
  auto change = [](const BaselineChange& c) {
    OJson j = OJson::object();
    j["index"] = c.index;
    j["graph"] = valid_utf8(c.graph);
    j["name"] = valid_utf8(c.name);
    j["op_type"] = valid_utf8(c.op_type);
    j["placement"] = std::string(placement_name(c.placement));
    return j;
  };
  OJson j = OJson::object();
  j["path"] = valid_utf8(diff.baseline_path);
  j["model"] = valid_utf8(diff.baseline_model);
  j["march"] = valid_utf8(diff.baseline_march);
  j["matched"] = OJson{{"by_name", diff.matched_by_name}, {"by_position", diff.matched_by_position}};
  OJson moved = OJson::array();
  for (const BaselineMove& m : diff.moved) {
    OJson n = OJson::object();
    n["index"] = m.index;
    n["graph"] = valid_utf8(m.graph);
    n["name"] = valid_utf8(m.name);
    n["op_type"] = valid_utf8(m.op_type);
    n["from"] = std::string(placement_name(m.from));
    n["to"] = std::string(placement_name(m.to));
    n["rule"] = m.rule.empty() ? OJson(nullptr) : OJson(m.rule);
    n["regression"] = m.regression;
    moved.push_back(std::move(n));
  }
  j["moved"] = std::move(moved);
  OJson added = OJson::array();
  for (const BaselineChange& c : diff.added) added.push_back(change(c));
  j["added"] = std::move(added);
  OJson removed = OJson::array();
  for (const BaselineChange& c : diff.removed) removed.push_back(change(c));
  j["removed"] = std::move(removed);
  OJson ops = OJson::array();
  for (const std::string& op : diff.new_unsupported_ops) ops.push_back(valid_utf8(op));
  j["new_unsupported_ops"] = std::move(ops);
  OJson coverage = OJson::object();
  coverage["nnpa_before"] = diff.nnpa_before;
  coverage["nnpa_after"] = diff.nnpa_after;
  coverage["nnpa_share_before"] = diff.nnpa_share_before;
  coverage["nnpa_share_after"] = diff.nnpa_share_after;
  coverage["nnpa_share_change"] = round4(diff.nnpa_share_after - diff.nnpa_share_before);
  j["coverage"] = std::move(coverage);
  j["regressions"] = diff.regressions();
  j["regressed"] = diff.regressed();
  return j;
}

nlohmann::ordered_json with_baseline(const nlohmann::ordered_json& report, const BaselineDiff& diff) {
  OJson out = OJson::object();
  bool inserted = false;
  for (auto it = report.begin(); it != report.end(); ++it) {
    if (it.key() == "gates" && !inserted) {
      out["baseline"] = baseline_json(diff);
      inserted = true;
    }
    out[it.key()] = it.value();
  }
  if (!inserted) out["baseline"] = baseline_json(diff);
  return out;
}

void write_baseline_text(std::ostream& out, const BaselineDiff& diff, int width, size_t max_rows) {
  using report::terminal_safe;
  using report::truncate_middle;
  width = std::max(width, 40);
  out << "\nBaseline  " << terminal_safe(diff.baseline_path) << "  (" << terminal_safe(diff.baseline_model)
      << ", " << terminal_safe(diff.baseline_march) << ")\n";
  if (diff.baseline_march != diff.march)
    out << "  note: the baseline is for " << terminal_safe(diff.baseline_march) << ", this report for "
        << diff.march << "\n";
  const double change = (diff.nnpa_share_after - diff.nnpa_share_before) * 100.0;
  out << fmt::format("  NNPA coverage   {:.1f}% -> {:.1f}% ({:+.1f} points; {} -> {} nodes)\n",
                     diff.nnpa_share_before * 100.0, diff.nnpa_share_after * 100.0, change, diff.nnpa_before,
                     diff.nnpa_after);
  out << fmt::format("  Matched nodes   {} by name, {} by position; {} added, {} removed\n",
                     diff.matched_by_name, diff.matched_by_position, diff.added.size(), diff.removed.size());

  const int label_width = std::max(20, width - 40);
  auto list_moves = [&](const char* title, bool regression) {
    std::vector<const BaselineMove*> rows;
    for (const BaselineMove& m : diff.moved)
      if (m.regression == regression) rows.push_back(&m);
    if (rows.empty()) return;
    out << "  " << title << " (" << rows.size() << ")\n";
    for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
      const BaselineMove& m = *rows[i];
      out << "    " << truncate_middle(terminal_safe(node_label(m.graph, m.name, m.op_type)), label_width)
          << "  " << terminal_safe(m.op_type) << "  " << placement_name(m.from) << " -> "
          << placement_name(m.to);
      if (!m.rule.empty()) out << "  (" << m.rule << ")";
      out << "\n";
    }
    if (rows.size() > max_rows) out << "    ... " << rows.size() - max_rows << " more (see --format json)\n";
  };
  list_moves("Regressed", true);
  list_moves("Improved", false);
  auto list_changes = [&](const char* title, const std::vector<BaselineChange>& rows) {
    if (rows.empty()) return;
    out << "  " << title << " (" << rows.size() << ")\n";
    for (size_t i = 0; i < rows.size() && i < max_rows; ++i)
      out << "    "
          << truncate_middle(terminal_safe(node_label(rows[i].graph, rows[i].name, rows[i].op_type)),
                             label_width)
          << "  " << terminal_safe(rows[i].op_type) << "  " << placement_name(rows[i].placement) << "\n";
    if (rows.size() > max_rows) out << "    ... " << rows.size() - max_rows << " more (see --format json)\n";
  };
  list_changes("Added", diff.added);
  list_changes("Removed", diff.removed);
  if (!diff.new_unsupported_ops.empty()) {
    out << "  New unsupported ops: ";
    for (size_t i = 0; i < diff.new_unsupported_ops.size(); ++i)
      out << (i ? ", " : "") << terminal_safe(diff.new_unsupported_ops[i]);
    out << "\n";
  }
  out << "  Result          " << (diff.regressed() ? "REGRESSED" : "no regression") << "\n";
}

}  // namespace zonnx
