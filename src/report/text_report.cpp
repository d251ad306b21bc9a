// The report for people: a header with the model facts, the operator table with
// where each op runs, the nodes that do not run on NNPA (grouped by op and
// rule, or all nodes with verbose), then the summary and the gates.
//
// Every line fits TextOptions::width columns (counted in terminal columns, not
// bytes). Strings from the model are made terminal-safe first, so a node name
// cannot smuggle escape sequences onto the user's terminal. Colour only when
// TextOptions::color: green nnpa, yellow cpu, red unsupported, bold headings.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "report/report_util.h"
#include "zonnx/byte_order.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

using report::display_width;
using report::pad_left;
using report::pad_right;
using report::terminal_safe;
using report::truncate;
using report::truncate_middle;
using report::wrap;

constexpr int kMinWidth = 40;
constexpr int kIndent = 2;
constexpr int kLabelWidth = 14;  // label column of the header and summary
constexpr const char* kTimes = "\u00d7";

class Style {
 public:
  explicit Style(bool color) : color_(color) {}
  std::string bold(std::string_view s) const { return wrap_in("\x1b[1m", s); }
  std::string dim(std::string_view s) const { return wrap_in("\x1b[2m", s); }
  std::string green(std::string_view s) const { return wrap_in("\x1b[32m", s); }
  std::string yellow(std::string_view s) const { return wrap_in("\x1b[33m", s); }
  std::string red(std::string_view s) const { return wrap_in("\x1b[31m", s); }
  std::string placement(Placement p, std::string_view s) const {
    switch (p) {
      case Placement::Nnpa:
        return green(s);
      case Placement::Cpu:
        return yellow(s);
      case Placement::Unsupported:
        return red(s);
    }
    return std::string(s);
  }

 private:
  std::string wrap_in(const char* code, std::string_view s) const {
    if (!color_ || s.empty()) return std::string(s);
    return fmt::format("{}{}\x1b[0m", code, s);
  }
  bool color_;
};

std::string spaces(int n) { return std::string(static_cast<size_t>(std::max(n, 0)), ' '); }

int total_width(const std::vector<int>& widths, int gap) {
  int t = 0;
  for (int w : widths) t += w;
  return t + gap * static_cast<int>(widths.size() - 1);
}

// Shrinks the widest of the flexible columns one column at a time until the
// widths (plus `gap` between columns) fit `avail`, or every flexible column is
// at its minimum.
void fit_columns(std::vector<int>& widths, const std::vector<int>& mins, const std::vector<bool>& flexible,
                 int gap, int avail) {
  while (total_width(widths, gap) > avail) {
    int widest = -1;
    for (size_t i = 0; i < widths.size(); ++i)
      if (flexible[i] && widths[i] > mins[i] &&
          (widest < 0 || widths[i] > widths[static_cast<size_t>(widest)]))
        widest = static_cast<int>(i);
    if (widest < 0) break;
    --widths[static_cast<size_t>(widest)];
  }
}

std::string op_label(const std::string& domain, const std::string& op) {
  std::string s = terminal_safe(op);
  if (domain != "ai.onnx" && !domain.empty()) s += " (" + terminal_safe(domain) + ")";
  return s;
}

std::string node_label(const NodeInfo& node) {
  if (node.name().empty()) return fmt::format("#{}", node.index);
  return terminal_safe(node.name());
}

struct PlacementCounts {
  uint64_t total = 0;
  uint64_t uncounted = 0;
  uint64_t nnpa = 0;
  uint64_t cpu = 0;
  uint64_t unsupported = 0;
};

class TextReport {
 public:
  TextReport(std::ostream& out, const ModelView& view, const Analysis& analysis,
             const std::vector<GateResult>& gates, const TextOptions& options, const MarchComparison* compare)
      : out_(out),
        view_(view),
        analysis_(analysis),
        gates_(gates),
        options_(options),
        compare_(compare),
        width_(std::max(options.width, kMinWidth)),
        st_(options.color) {}

  void write() {
    header();
    warnings();
    byte_order();
    operators();
    if (options_.verbose)
      all_nodes();
    else
      grouped_nodes();
    summary();
    if (compare_) comparison(*compare_);
    gate_results();
  }

 private:
  const NodeVerdict* verdict(size_t index) const {
    return index < analysis_.verdicts.size() ? &analysis_.verdicts[index] : nullptr;
  }

  // Writes one line, dropping trailing spaces (padding is always outside colour codes).
  void line(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out_ << s << '\n';
  }
  void blank() { out_ << '\n'; }

  void heading(std::string_view title, std::string_view extra = {}) {
    blank();
    std::string t = truncate(title, width_);
    std::string rest;
    const int room = width_ - display_width(t) - 2;
    if (!extra.empty() && room > 3) rest = "  " + truncate(extra, room);
    line(st_.bold(t) + rest);
  }

  // "  Label         value" with the value wrapped under itself; `color` styles each value line.
  template <typename Color>
  void field(std::string_view label, std::string_view value, Color color) {
    const int avail = width_ - kIndent - kLabelWidth;
    std::vector<std::string> lines = wrap(value, avail);
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string lead = i == 0 ? pad_right(label, kLabelWidth) : spaces(kLabelWidth);
      line(spaces(kIndent) + lead + color(lines[i]));
    }
  }
  void field(std::string_view label, std::string_view value) {
    field(label, value, [](const std::string& s) { return s; });
  }
  // A field whose value is cut to one line instead of wrapped.
  void field_line(std::string_view label, std::string_view value) {
    line(spaces(kIndent) + pad_right(label, kLabelWidth) + truncate(value, width_ - kIndent - kLabelWidth));
  }

  // Text wrapped at `indent`, after `prefix` on the first line and as many
  // spaces on the following ones. `styled_prefix` is the prefix as printed
  // (coloured); `prefix` gives its width.
  template <typename Color>
  void wrapped(int indent, std::string_view prefix, std::string_view text, Color color,
               std::string_view styled_prefix = {}) {
    const int pw = display_width(prefix);
    const std::string first = styled_prefix.empty() ? std::string(prefix) : std::string(styled_prefix);
    std::vector<std::string> lines = wrap(text, width_ - indent - pw);
    for (size_t i = 0; i < lines.size(); ++i)
      line(spaces(indent) + (i == 0 ? first : spaces(pw)) + color(lines[i]));
  }
  void wrapped(int indent, std::string_view prefix, std::string_view text) {
    wrapped(indent, prefix, text, [](const std::string& s) { return s; });
  }

  // ---- header ---------------------------------------------------------------

  void io_list(std::string_view label, const std::vector<IoInfo>& values) {
    if (values.empty()) {
      field(label, "none");
      return;
    }
    const int avail = width_ - kIndent - kLabelWidth;
    size_t shown = values.size();
    const size_t cap = static_cast<size_t>(std::max(options_.io_rows, 1));
    if (!options_.verbose && shown > cap) shown = cap;
    int name_w = 0;
    for (size_t i = 0; i < shown; ++i)
      name_w = std::max(name_w, display_width(terminal_safe(values[i].name)));
    name_w = std::min(name_w, std::max(avail / 2, 8));
    for (size_t i = 0; i < shown; ++i) {
      const std::string type = terminal_safe(report::type_and_shape(&values[i].type));
      const std::string name = truncate_middle(terminal_safe(values[i].name), name_w);
      const std::string value = pad_right(name, name_w) + "  " + type;
      line(spaces(kIndent) + (i == 0 ? pad_right(label, kLabelWidth) : spaces(kLabelWidth)) +
           truncate(value, avail));
    }
    if (shown < values.size())
      line(spaces(kIndent + kLabelWidth) +
           truncate(fmt::format("\u2026 {} more (--verbose lists all)", values.size() - shown), avail));
  }

  void header() {
    const ModelFacts& f = view_.facts();
    line(st_.bold(truncate_middle(terminal_safe(f.path.empty() ? std::string("(model)") : f.path), width_)));
    field("Size", report::human_bytes(f.file_size));
    field("IR version", std::to_string(f.ir_version));
    std::string producer = terminal_safe(f.producer_name);
    if (!f.producer_version.empty()) producer += " " + terminal_safe(f.producer_version);
    field_line("Producer", producer.empty() ? "unknown" : producer);
    std::string opsets;
    for (const OpsetImport& o : f.opsets) {
      if (!opsets.empty()) opsets += ", ";
      opsets += fmt::format("{} {}", terminal_safe(o.domain.empty() ? std::string("ai.onnx") : o.domain),
                            o.version);
    }
    field("Opsets", opsets.empty() ? "none" : opsets);
    io_list("Inputs", f.inputs);
    io_list("Outputs", f.outputs);
    std::string inits =
        fmt::format("{} tensor{}, {}", f.initializer_count, f.initializer_count == 1 ? "" : "s",
                    report::human_bytes(f.initializer_bytes));
    if (f.external_tensors) inits += fmt::format(" ({} external)", f.external_tensors);
    field("Initializers", inits);
    std::string nodes =
        fmt::format("{} in {} graph{}", f.node_count, f.graph_count, f.graph_count == 1 ? "" : "s");
    if (f.function_count)
      nodes += fmt::format(", {} local function{}", f.function_count, f.function_count == 1 ? "" : "s");
    field("Nodes", nodes);
    if (!f.metadata.empty()) {
      const size_t cap = static_cast<size_t>(std::max(options_.io_rows, 1));
      const size_t shown = options_.verbose ? f.metadata.size() : std::min(f.metadata.size(), cap);
      for (size_t i = 0; i < shown; ++i) {
        const auto& [key, value] = f.metadata[i];
        const std::string text = terminal_safe(key) + ": " + terminal_safe(value);
        line(spaces(kIndent) + (i == 0 ? pad_right("Metadata", kLabelWidth) : spaces(kLabelWidth)) +
             truncate(text, width_ - kIndent - kLabelWidth));
      }
      if (shown < f.metadata.size())
        line(spaces(kIndent + kLabelWidth) +
             truncate(fmt::format("\u2026 {} more (--verbose lists all)", f.metadata.size() - shown),
                      width_ - kIndent - kLabelWidth));
    }
    const ProfileInfo& p = SupportTables::embedded().profile();
    std::string target(march_name(analysis_.march));
    if (!p.name.empty()) {
      target += ", " + p.name;
      if (!p.onnx_mlir_version.empty()) target += " (" + p.onnx_mlir_version + ")";
    }
    field("Target", target);
  }

  void warnings() {
    const auto& w = view_.warnings();
    if (w.empty()) return;
    heading("Warnings", fmt::format("({})", w.size()));
    const size_t cap = static_cast<size_t>(std::max(options_.io_rows, 1));
    const size_t shown = options_.verbose ? w.size() : std::min(w.size(), cap);
    for (size_t i = 0; i < shown; ++i)
      wrapped(kIndent, "! ", terminal_safe(w[i]), [&](const std::string& s) { return st_.yellow(s); });
    if (shown < w.size())
      line(spaces(kIndent) +
           truncate(fmt::format("\u2026 {} more (--verbose lists all)", w.size() - shown), width_ - kIndent));
  }

  // Shown only when tensors look byte-swapped (docs/byte-order.md).
  void byte_order() {
    const ByteOrderReport report = check_byte_order(view_.model());
    if (!report.any_swapped()) return;
    heading("Byte order", fmt::format("({} of {} checked tensors look byte-swapped)", report.swapped.size(),
                                      report.checked));
    auto yellow = [&](const std::string& s) { return st_.yellow(s); };
    wrapped(kIndent, "! ", fmt::format("{}: {}", kByteSwappedRule, report.summary()), yellow);
    wrapped(kIndent, "  ", "hint: repair with `zonnx convert MODEL --fix-byte-order -o FIXED.onnx`",
            [&](const std::string& s) { return st_.dim(s); });
    const size_t cap = static_cast<size_t>(std::max(options_.io_rows, 1));
    const size_t shown = options_.verbose ? report.swapped.size() : std::min(report.swapped.size(), cap);
    for (size_t i = 0; i < shown; ++i) {
      const ByteOrderTensor& t = report.swapped[i];
      std::string examples;
      for (size_t k = 0; k < t.stored_examples.size(); ++k)
        examples += fmt::format("{}{} \u2192 {}", k ? ", " : "", t.stored_examples[k], t.swapped_examples[k]);
      std::string text = fmt::format(
          "{} ({} in {}, {}, {} elements, {} sampled): plausible {:.0f}% as stored, {:.0f}% swapped{}",
          terminal_safe(t.name), t.kind, terminal_safe(t.graph), elem_type_name(t.elem_type), t.elements,
          t.sampled, t.stored_plausible * 100, t.swapped_plausible * 100,
          t.evidence == ByteOrderEvidence::Model ? " (too small alone: flagged with the rest of the model)"
                                                 : "");
      if (!examples.empty()) text += "; e.g. " + examples;
      wrapped(kIndent, "- ", text, [](const std::string& s) { return s; });
    }
    if (shown < report.swapped.size())
      line(spaces(kIndent) +
           truncate(fmt::format("\u2026 {} more (--verbose lists all)", report.swapped.size() - shown),
                    width_ - kIndent));
  }

  // ---- operator table -------------------------------------------------------

  void operators() {
    std::vector<PlacementCounts> counts(view_.op_types().size());
    for (const NodeInfo& node : view_.nodes()) {
      PlacementCounts& c = counts[node.op_id];
      ++c.total;
      const NodeVerdict* v = verdict(node.index);
      if (!v || !v->counted) {
        ++c.uncounted;
        continue;
      }
      switch (v->placement) {
        case Placement::Nnpa:
          ++c.nnpa;
          break;
        case Placement::Cpu:
          ++c.cpu;
          break;
        case Placement::Unsupported:
          ++c.unsupported;
          break;
      }
    }
    std::map<std::pair<std::string, std::string>, PlacementCounts> by_op;  // by domain and op
    for (size_t id = 0; id < counts.size(); ++id)
      by_op.emplace(std::make_pair(view_.op_types()[id].domain, view_.op_types()[id].op_type), counts[id]);
    std::vector<std::pair<std::pair<std::string, std::string>, PlacementCounts>> rows(by_op.begin(),
                                                                                      by_op.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second.total > b.second.total; });

    heading("Operators", fmt::format("({} types, {} nodes)", rows.size(), view_.nodes().size()));
    if (rows.empty()) {
      line(spaces(kIndent) + "no nodes");
      return;
    }
    bool any_uncounted = false;
    std::vector<std::string> labels;
    for (const auto& [key, c] : rows) {
      std::string label = op_label(key.first, key.second);
      if (c.uncounted) {
        label += " *";
        any_uncounted = true;
      }
      labels.push_back(std::move(label));
    }
    const std::vector<std::string> titles = {"Op", "Count", "NNPA", "CPU", "Unsupported"};
    std::vector<int> widths;
    for (const auto& t : titles) widths.push_back(display_width(t));
    for (size_t r = 0; r < rows.size(); ++r) {
      const PlacementCounts& c = rows[r].second;
      widths[0] = std::max(widths[0], display_width(labels[r]));
      widths[1] = std::max(widths[1], display_width(std::to_string(c.total)));
      widths[2] = std::max(widths[2], display_width(std::to_string(c.nnpa)));
      widths[3] = std::max(widths[3], display_width(std::to_string(c.cpu)));
      widths[4] = std::max(widths[4], display_width(std::to_string(c.unsupported)));
    }
    constexpr int gap = 2;
    fit_columns(widths, {8, 0, 0, 0, 0}, {true, false, false, false, false}, gap, width_ - kIndent);
    // If the numbers alone do not fit (very narrow), shorten the last header.
    std::string unsupported_title = titles[4];
    {
      int total = kIndent + gap * 4;
      for (int w : widths) total += w;
      if (total > width_) {
        widths[4] = std::max(widths[4] - (total - width_), 5);
        unsupported_title = truncate(titles[4], widths[4]);
      }
    }
    const std::string g = spaces(gap);
    line(spaces(kIndent) + st_.bold(pad_right(titles[0], widths[0])) + g +
         st_.bold(pad_left(titles[1], widths[1])) + g + st_.bold(pad_left(titles[2], widths[2])) + g +
         st_.bold(pad_left(titles[3], widths[3])) + g + st_.bold(pad_left(unsupported_title, widths[4])));
    auto count_cell = [&](uint64_t n, int w, Placement p) {
      if (n == 0) return pad_left("-", w);
      const std::string s = std::to_string(n);
      return spaces(w - display_width(s)) + st_.placement(p, s);
    };
    for (size_t r = 0; r < rows.size(); ++r) {
      const PlacementCounts& c = rows[r].second;
      line(spaces(kIndent) + pad_right(truncate(labels[r], widths[0]), widths[0]) + g +
           pad_left(std::to_string(c.total), widths[1]) + g + count_cell(c.nnpa, widths[2], Placement::Nnpa) +
           g + count_cell(c.cpu, widths[3], Placement::Cpu) + g +
           count_cell(c.unsupported, widths[4], Placement::Unsupported));
    }
    if (any_uncounted)
      wrapped(kIndent, "* ",
              "not executed as an op (Constant, local-function call): not in the placement columns or shares",
              [&](const std::string& s) { return st_.dim(s); });
  }

  // ---- nodes not on NNPA ----------------------------------------------------

  std::string hint_of(const Reason& r) const {
    if (!r.hint.empty()) return r.hint;
    if (const RuleInfo* info = find_rule(r.rule)) return info->hint;
    return {};
  }

  void reason_details(int indent, const Reason& r, bool with_rule) {
    const std::string message = terminal_safe(r.message.empty() ? std::string("(no message)") : r.message);
    const std::string rule = terminal_safe(r.rule) + ": ";
    if (!with_rule)
      wrapped(indent, "", message);
    else if (display_width(rule) <= (width_ - indent) / 3)
      wrapped(indent, rule, message);  // "nnpa.rank: rank 5 > 4"
    else {
      wrapped(indent, "rule: ", terminal_safe(r.rule));
      wrapped(indent, "", message);
    }
    const std::string hint = terminal_safe(hint_of(r));
    if (!hint.empty()) wrapped(indent, "fix: ", hint);
  }

  struct Group {
    Placement placement = Placement::Cpu;
    std::string domain;
    std::string op;
    std::string rule;
    std::vector<size_t> nodes;
    std::map<std::string, uint64_t> other_rules;  // further reasons of the group's nodes
  };

  void grouped_nodes() {
    // Key: placement (unsupported first), op, rule of the node's first reason.
    using Key = std::tuple<int, std::string, std::string, std::string>;
    std::map<Key, Group> groups;
    uint64_t listed = 0;
    for (const NodeInfo& node : view_.nodes()) {
      const NodeVerdict* v = verdict(node.index);
      if (!v || v->placement == Placement::Nnpa || !v->counted) continue;
      const std::string rule = v->reasons.empty() ? std::string() : v->reasons.front().rule;
      const int order = v->placement == Placement::Unsupported ? 0 : 1;
      Group& g = groups[Key{order, node.domain, node.op_type(), rule}];
      if (g.nodes.empty()) {
        g.placement = v->placement;
        g.domain = node.domain;
        g.op = node.op_type();
        g.rule = rule;
      }
      g.nodes.push_back(node.index);
      for (size_t i = 1; i < v->reasons.size(); ++i)
        if (v->reasons[i].rule != rule) ++g.other_rules[v->reasons[i].rule];
      ++listed;
    }
    heading("Nodes not on NNPA", fmt::format("({} of {} counted)", listed, analysis_.summary.counted));
    if (groups.empty()) {
      line(spaces(kIndent) + st_.green("none: every counted node runs on NNPA"));
      return;
    }
    std::vector<const Group*> ordered;
    for (const auto& [key, g] : groups) ordered.push_back(&g);
    // What matters first: what keeps the model from compiling, then the
    // compute-heavy ops left on the CPU, then the rest by node count.
    std::set<std::pair<std::string, std::string>> heavy;
    for (const OpCount& op : analysis_.summary.heavy_cpu_ops) heavy.insert({op.domain, op.op_type});
    auto rank = [&](const Group* g) {
      if (g->placement == Placement::Unsupported) return 0;
      return heavy.count({g->domain, g->op}) ? 1 : 2;
    };
    std::stable_sort(ordered.begin(), ordered.end(), [&](const Group* a, const Group* b) {
      if (rank(a) != rank(b)) return rank(a) < rank(b);
      return a->nodes.size() > b->nodes.size();
    });

    const std::vector<std::string> titles = {"Placement", "Op", "Count", "Rule"};
    std::vector<int> widths = {display_width("unsupported"), display_width(titles[1]),
                               display_width(titles[2]), display_width(titles[3])};
    for (const Group* g : ordered) {
      widths[1] = std::max(widths[1], display_width(op_label(g->domain, g->op)));
      widths[2] = std::max(widths[2], display_width(std::to_string(g->nodes.size())));
      widths[3] = std::max(widths[3], display_width(terminal_safe(g->rule.empty() ? "-" : g->rule)));
    }
    constexpr int gap = 2;
    // Rule IDs are what users look up: never cut them. When the column does
    // not fit, each group gets a "rule:" line instead.
    const int rule_w = widths[3];
    fit_columns(widths, {11, 6, 0, rule_w}, {false, true, false, false}, gap, width_ - kIndent);
    const bool rule_column = total_width(widths, gap) <= width_ - kIndent;
    if (!rule_column) {
      widths.pop_back();
      fit_columns(widths, {11, 6, 0}, {false, true, false}, gap, width_ - kIndent);
    }
    const std::string gs = spaces(gap);
    line(spaces(kIndent) + st_.bold(pad_right(titles[0], widths[0])) + gs +
         st_.bold(pad_right(titles[1], widths[1])) + gs + st_.bold(pad_left(titles[2], widths[2])) +
         (rule_column ? gs + st_.bold(titles[3]) : std::string()));
    const int detail = kIndent + widths[0] + gap;
    for (const Group* g : ordered) {
      const std::string placement(placement_name(g->placement));
      const std::string rule = terminal_safe(g->rule.empty() ? "-" : g->rule);
      line(spaces(kIndent) + st_.placement(g->placement, placement) +
           spaces(widths[0] - display_width(placement)) + gs +
           pad_right(truncate(op_label(g->domain, g->op), widths[1]), widths[1]) + gs +
           pad_left(std::to_string(g->nodes.size()), widths[2]) + (rule_column ? gs + rule : std::string()));
      if (!rule_column) wrapped(detail, "rule: ", rule);
      const NodeVerdict* first = verdict(g->nodes.front());
      if (first && !first->reasons.empty()) reason_details(detail, first->reasons.front(), false);
      if (!g->other_rules.empty()) {
        std::string also;
        for (const auto& [rule, n] : g->other_rules)
          also += fmt::format("{}{} ({})", also.empty() ? "" : ", ", terminal_safe(rule), n);
        wrapped(detail, "also: ", also);
      }
      node_names(detail, g->nodes);
    }
  }

  void node_names(int indent, const std::vector<size_t>& nodes) {
    const size_t cap = static_cast<size_t>(std::max(options_.group_names, 0));
    const size_t shown = std::min(nodes.size(), cap);
    if (shown == 0) return;
    const std::string prefix = "nodes: ";
    const int avail = width_ - indent - display_width(prefix);
    std::string text;
    for (size_t i = 0; i < shown; ++i) {
      // Names keep their spaces; shorten long ones so a line holds a few.
      std::string name = truncate_middle(node_label(view_.nodes()[nodes[i]]), std::max(avail - 2, 8));
      for (char& c : name)
        if (c == ' ') c = '\x1f';  // keep the name on one line through wrap()
      text += (i ? ", " : "") + name;
    }
    if (shown < nodes.size()) text += fmt::format(" (+{} more)", nodes.size() - shown);
    std::vector<std::string> lines = wrap(text, avail);
    for (size_t i = 0; i < lines.size(); ++i) {
      for (char& c : lines[i])
        if (c == '\x1f') c = ' ';
      line(spaces(indent) + (i == 0 ? prefix : spaces(display_width(prefix))) + lines[i]);
    }
  }

  // ---- every node (verbose) -------------------------------------------------

  void all_nodes() {
    const auto& nodes = view_.nodes();
    heading("Nodes", fmt::format("({}, graph order)", nodes.size()));
    if (nodes.empty()) {
      line(spaces(kIndent) + "no nodes");
      return;
    }
    const std::vector<std::string> titles = {"#", "Placement", "Op", "Name", "Rule"};
    std::vector<int> widths = {display_width(std::to_string(nodes.size() - 1)), display_width("unsupported"),
                               display_width(titles[2]), display_width(titles[3]), display_width(titles[4])};
    std::vector<std::string> rules(nodes.size());
    for (const NodeInfo& node : nodes) {
      widths[2] = std::max(widths[2], display_width(op_label(node.domain, node.op_type())));
      widths[3] = std::max(widths[3], display_width(node_label(node)));
      const NodeVerdict* v = verdict(node.index);
      if (v && !v->reasons.empty()) {
        rules[node.index] = terminal_safe(v->reasons.front().rule);
        if (v->reasons.size() > 1) rules[node.index] += fmt::format(" +{}", v->reasons.size() - 1);
      }
      widths[4] = std::max(widths[4], display_width(rules[node.index]));
    }
    constexpr int gap = 2;
    // Rule IDs are never cut; names keep at least 24 columns. When both do not
    // fit, the rule moves to the node's detail lines.
    const int rule_w = widths[4];
    fit_columns(widths, {0, 11, 6, std::min(widths[3], 24), rule_w}, {false, false, true, true, false}, gap,
                width_ - kIndent);
    const bool rule_column = total_width(widths, gap) <= width_ - kIndent;
    if (!rule_column) {
      widths.pop_back();
      fit_columns(widths, {0, 11, 6, 8}, {false, false, true, true}, gap, width_ - kIndent);
    }
    const std::string gs = spaces(gap);
    line(spaces(kIndent) + st_.bold(pad_left(titles[0], widths[0])) + gs +
         st_.bold(pad_right(titles[1], widths[1])) + gs + st_.bold(pad_right(titles[2], widths[2])) + gs +
         (rule_column ? st_.bold(pad_right(titles[3], widths[3])) + gs + st_.bold(titles[4])
                      : st_.bold(titles[3])));
    const int detail = kIndent + widths[0] + gap + widths[1] + gap;
    const bool several_graphs = view_.graphs().size() > 1;
    int graph = -1;
    for (const NodeInfo& node : nodes) {
      if (several_graphs && node.graph != graph) {
        graph = node.graph;
        const std::string path = graph >= 0 && static_cast<size_t>(graph) < view_.graphs().size()
                                     ? terminal_safe(view_.graphs()[static_cast<size_t>(graph)].path)
                                     : std::string("?");
        line(spaces(kIndent) + st_.bold("graph " + truncate_middle(path, width_ - kIndent - 6)));
      }
      const NodeVerdict* v = verdict(node.index);
      std::string placement = v ? std::string(placement_name(v->placement)) : std::string("?");
      if (v && !v->counted) placement = "(" + placement + ")";
      const std::string placement_cell = v ? st_.placement(v->placement, placement) : placement;
      line(spaces(kIndent) + pad_left(std::to_string(node.index), widths[0]) + gs + placement_cell +
           spaces(widths[1] - display_width(placement)) + gs +
           pad_right(truncate(op_label(node.domain, node.op_type()), widths[2]), widths[2]) + gs +
           pad_right(truncate_middle(node_label(node), widths[3]), widths[3]) +
           (rule_column ? gs + rules[node.index] : std::string()));
      if (!v) continue;
      for (size_t i = 0; i < v->reasons.size(); ++i)
        reason_details(detail, v->reasons[i], i > 0 || !rule_column);
      for (const std::string& note : v->notes)
        wrapped(detail, "note: ", terminal_safe(note), [&](const std::string& s) { return st_.dim(s); });
    }
    if (std::any_of(analysis_.verdicts.begin(), analysis_.verdicts.end(),
                    [](const NodeVerdict& v) { return !v.counted; }))
      wrapped(kIndent, "", "(placement) in brackets: not executed as an op, not counted in the shares",
              [&](const std::string& s) { return st_.dim(s); });
  }

  // ---- summary and gates ----------------------------------------------------

  // The rule of the first unsupported node of an op, for the blocking list.
  // The first rule that makes each op unsupported, by (domain, op type): one
  // pass over the nodes, however many distinct ops block the model.
  std::map<std::pair<std::string_view, std::string_view>, std::string> blocking_rules() const {
    std::map<std::pair<std::string_view, std::string_view>, std::string> rules;
    for (const NodeInfo& node : view_.nodes()) {
      const NodeVerdict* v = verdict(node.index);
      if (!v || v->placement != Placement::Unsupported || v->reasons.empty()) continue;
      const OpCount& op = view_.op_types()[node.op_id];  // the view's strings outlive the map
      rules.emplace(std::pair<std::string_view, std::string_view>(op.domain, op.op_type),
                    v->reasons.front().rule);
    }
    return rules;
  }

  void summary() {
    const Summary& s = analysis_.summary;
    heading("Summary",
            fmt::format("({}, {} nodes, {} counted)", march_name(analysis_.march), s.nodes, s.counted));
    const std::string total = std::to_string(s.counted);
    int count_w = display_width(total);
    for (uint64_t n : {s.nnpa, s.cpu, s.unsupported})
      count_w = std::max(count_w, display_width(std::to_string(n)));
    auto share_line = [&](std::string_view label, uint64_t n, double share, Placement p) {
      line(spaces(kIndent) + st_.placement(p, std::string(label)) +
           spaces(kLabelWidth - display_width(label)) + pad_left(std::to_string(n), count_w) + " / " +
           pad_left(total, count_w) + "  " + pad_left(report::percent(share), 6));
    };
    share_line("NNPA", s.nnpa, s.nnpa_share, Placement::Nnpa);
    share_line("CPU", s.cpu, s.cpu_share, Placement::Cpu);
    share_line("Unsupported", s.unsupported, s.unsupported_share, Placement::Unsupported);
    if (s.nodes > s.counted)
      line(spaces(kIndent) +
           st_.dim(truncate(
               fmt::format("{} node{} not counted (constants, folded shape arithmetic, function calls)",
                           s.nodes - s.counted, s.nodes - s.counted == 1 ? "" : "s"),
               width_ - kIndent)));

    field("MAC coverage", mac_text(s));
    field("NNPA regions", regions_text(s));
    if (s.compiles()) {
      field("Compiles", "yes: no unsupported nodes", [&](const std::string& t) { return st_.green(t); });
    } else {
      std::string blocking;
      const auto rules = blocking_rules();
      for (const OpCount& op : s.blocking_ops) {
        if (!blocking.empty()) blocking += ", ";
        blocking += fmt::format("{} {} {}", op.count, kTimes, op_label(op.domain, op.op_type));
        const auto found = rules.find(std::pair<std::string_view, std::string_view>(op.domain, op.op_type));
        const std::string rule = found == rules.end() ? std::string() : found->second;
        if (!rule.empty()) blocking += " (" + terminal_safe(rule) + ")";
      }
      if (blocking.empty()) blocking = fmt::format("{} unsupported nodes", s.unsupported);
      field("Compiles", "no, would not compile: " + blocking,
            [&](const std::string& t) { return st_.red(t); });
    }
    opset_line(s);
    if (!s.heavy_cpu_ops.empty()) {
      // onnx-mlir's own wording for compute-heavy ops left on the CPU.
      std::string heavy;
      for (const OpCount& op : s.heavy_cpu_ops)
        heavy +=
            fmt::format("{}{} {}", heavy.empty() ? "" : ", ", op.count, mlir_op_name(op.domain, op.op_type));
      wrapped(
          kIndent, "",
          fmt::format("[Warning] There are {} operations that run on CPU (not accelerated by NNPA).", heavy),
          [&](const std::string& t) { return st_.yellow(t); });
    }
  }

  // "onnx.MatMul" for ai.onnx ops, "<domain>.<op>" otherwise.
  static std::string mlir_op_name(const std::string& domain, const std::string& op) {
    const std::string d = domain.empty() || domain == "ai.onnx" ? std::string("onnx") : terminal_safe(domain);
    return d + "." + terminal_safe(op);
  }

  static std::string mac_text(const Summary& s) {
    const uint64_t unknown = s.mac_unknown_nodes;
    const std::string unknown_text =
        unknown ? fmt::format(" ({} node{} of unknown cost)", unknown, unknown == 1 ? "" : "s")
                : std::string();
    if (s.mac_total_known == 0) return (unknown ? "unknown" : "no compute") + unknown_text;
    return fmt::format("{}{}: {} of {} MACs on NNPA", report::percent(s.mac_nnpa_share), unknown_text,
                       report::human_count(s.mac_nnpa), report::human_count(s.mac_total_known));
  }

  static std::string regions_text(const Summary& s) {
    if (s.nnpa == 0) return "none";
    const uint64_t transitions = s.stick_transitions + s.unstick_transitions;
    return fmt::format("{} region{}, {} CPU/NNPA transition{} ({} stick, {} unstick)", s.nnpa_regions,
                       s.nnpa_regions == 1 ? "" : "s", transitions, transitions == 1 ? "" : "s",
                       s.stick_transitions, s.unstick_transitions);
  }

  // ---- --compare-march ------------------------------------------------------

  static std::string signed_points(double share_gain) {
    const double points = share_gain * 100.0;
    if (points > -0.05 && points < 0.05) return "+0.0 points";
    return fmt::format("{:+.1f} points", points);
  }

  void comparison(const MarchComparison& c) {
    const std::string from(march_name(c.from));
    const std::string to(march_name(c.to));
    heading(fmt::format("Compare {} \u2192 {}", from, to),
            fmt::format("({} node{} move)", c.moved.size(), c.moved.size() == 1 ? "" : "s"));
    const Summary& a = c.from_summary;
    const Summary& b = c.to_summary;
    field("NNPA",
          fmt::format("{} \u2192 {} of {} counted nodes ({:+d} node{}, {})", report::percent(a.nnpa_share),
                      report::percent(b.nnpa_share), b.counted, c.nnpa_gain,
                      c.nnpa_gain == 1 || c.nnpa_gain == -1 ? "" : "s", signed_points(c.nnpa_share_gain)));
    field("MAC coverage",
          fmt::format("{} \u2192 {} ({}{} MACs, {})", report::percent(a.mac_nnpa_share),
                      report::percent(b.mac_nnpa_share), c.mac_gain < 0 ? "-" : "+",
                      report::human_count(c.mac_gain < 0 ? static_cast<uint64_t>(-(c.mac_gain + 1)) + 1
                                                         : static_cast<uint64_t>(c.mac_gain)),
                      signed_points(c.mac_share_gain)));
    if (c.moved.empty()) {
      line(spaces(kIndent) + "no node changes placement");
      return;
    }
    const size_t cap = static_cast<size_t>(std::max(options_.io_rows, 1));
    const size_t shown = options_.verbose ? c.moved.size() : std::min(c.moved.size(), cap);
    for (size_t i = 0; i < shown; ++i) {
      const MovedNode& m = c.moved[i];
      const std::string name = m.name.empty() ? fmt::format("#{}", m.index) : terminal_safe(m.name);
      std::string text = fmt::format("{} {}: {} \u2192 {}", op_label(m.domain, m.op_type), name,
                                     placement_name(m.from), placement_name(m.to));
      if (!m.rule.empty()) text += fmt::format(" ({} on {})", terminal_safe(m.rule), from);
      wrapped(kIndent, fmt::format("{} ", m.index), text);
    }
    if (shown < c.moved.size())
      line(spaces(kIndent) +
           truncate(fmt::format("\u2026 {} more (--verbose lists all)", c.moved.size() - shown),
                    width_ - kIndent));
  }

  void opset_line(const Summary& s) {
    if (s.model_opset <= 0) {
      field("Opset", "model imports no ai.onnx opset");
      return;
    }
    const ProfileInfo& p = SupportTables::embedded().profile();
    const int table_max = p.table_max_opset > 0 ? p.table_max_opset : s.nnpa_recommended_opset;
    if (s.nnpa_recommended_opset > 0 && s.model_opset < s.nnpa_recommended_opset) {
      field("Opset", fmt::format("model opset {}; onnx-mlir's NNPA table is written for opsets up to {}",
                                 s.model_opset, table_max));
      field("", fmt::format("hint: `zonnx convert --opset nnpa` (opset {})", s.nnpa_recommended_opset),
            [&](const std::string& t) { return st_.dim(t); });
    } else if (table_max > 0 && s.model_opset > table_max) {
      field("Opset",
            fmt::format("model opset {} is newer than onnx-mlir's tables (written for opsets up to {})",
                        s.model_opset, table_max));
    } else {
      field("Opset", fmt::format("model opset {}", s.model_opset));
    }
  }

  void gate_results() {
    if (gates_.empty()) return;
    heading("Gates");
    for (const GateResult& g : gates_) {
      const std::string status = g.failed ? "FAIL  " : "pass  ";
      const std::string styled = g.failed ? st_.red("FAIL") + "  " : st_.green("pass") + "  ";
      std::string text = terminal_safe(g.gate);
      if (!g.detail.empty()) text += ": " + terminal_safe(g.detail);
      wrapped(
          kIndent, status, text, [](const std::string& t) { return t; }, styled);
    }
  }

  std::ostream& out_;
  const ModelView& view_;
  const Analysis& analysis_;
  const std::vector<GateResult>& gates_;
  const TextOptions& options_;
  const MarchComparison* compare_;
  const int width_;
  const Style st_;
};

}  // namespace

void write_text(std::ostream& out, const ModelView& view, const Analysis& analysis,
                const std::vector<GateResult>& gates, const TextOptions& options,
                const MarchComparison* compare) {
  TextReport(out, view, analysis, gates, options, compare).write();
}

}  // namespace zonnx
