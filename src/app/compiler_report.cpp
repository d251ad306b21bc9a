// `zonnx compare-report`: onnx-mlir's own placement report against zonnx's.
//
// The formats come from onnx-mlir at the profile commit: the opt-report line
// is printed by ONNXToZHighCommon (printf "==NNPA-UNSUPPORTEDOPS-REPORT==, %s,
// %s, %s\n": op, node name, reason) and --onnx-op-stats is MLIR's print-op-stats
// pass (TXT: "Operations encountered:", a dashed line, then "  dialect.op , N";
// JSON: {"dialect.op" : N, ...}).

#include "zonnx/compiler_report.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "report/report_util.h"
#include "zonnx/placement_config.h"
#include "zonnx/tables.h"

namespace zonnx {
namespace {

using Json = nlohmann::ordered_json;
using report::valid_utf8;

constexpr std::string_view kUnsupportedPrefix = "==NNPA-UNSUPPORTEDOPS-REPORT==";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_count(std::string_view s, uint64_t& value) {
  if (s.empty() || s.size() > 19) return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// "dialect.op": what op stats print; guards against reading prose as counts.
bool is_op_name(std::string_view s) {
  const size_t dot = s.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == s.size()) return false;
  for (char c : s)
    if (c == ' ' || c == ',' || c == '"') return false;
  return true;
}

// "  onnx.Add                , 51" -> ("onnx.Add", 51).
bool parse_stats_line(std::string_view line, std::string& op, uint64_t& count) {
  const size_t comma = line.rfind(',');
  if (comma == std::string_view::npos) return false;
  std::string_view name = trim(line.substr(0, comma));
  if (!is_op_name(name) || !parse_count(trim(line.substr(comma + 1)), count)) return false;
  op = std::string(name);
  return true;
}

void add_json_stats(const std::string& text, const std::string& where, CompilerReport& report) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const std::exception& e) {
    throw ReportError(where + ": --onnx-op-stats JSON is malformed: " + e.what());
  }
  if (!j.is_object()) throw ReportError(where + ": --onnx-op-stats JSON is not an object");
  for (const auto& [key, value] : j.items()) {
    if (!is_op_name(key) || !value.is_number_unsigned())
      throw ReportError(where + ": --onnx-op-stats JSON: \"" + valid_utf8(key) +
                        "\" is not an op with a count");
    report.op_stats[key] += value.get<uint64_t>();
  }
  report.has_op_stats = true;
}

// The base ONNX op of an MLIR op name: onnx.ReduceMeanV13 -> ReduceMean, onnx.MaxPoolSingleOut -> MaxPool.
std::string onnx_base_op(const std::string& mlir) {
  std::string op = mlir.rfind("onnx.", 0) == 0 ? mlir.substr(5) : mlir;
  for (std::string_view suffix : {"SingleOut", "InferenceMode"})
    if (op.size() > suffix.size() && op.compare(op.size() - suffix.size(), suffix.size(), suffix) == 0)
      return op.substr(0, op.size() - suffix.size());
  size_t digits = op.size();
  while (digits > 0 && op[digits - 1] >= '0' && op[digits - 1] <= '9') --digits;
  if (digits < op.size() && digits > 1 && op[digits - 1] == 'V') return op.substr(0, digits - 1);
  return op;
}

// Ops the compiler adds around every function; not model nodes.
bool structural_op(const std::string& op) {
  return op == "onnx.Constant" || op == "onnx.EntryPoint" || op == "onnx.Return" || op == "onnx.NoValue";
}

bool in_function_body(const ModelView& view, const NodeInfo& node) {
  if (node.graph < 0 || static_cast<size_t>(node.graph) >= view.graphs().size()) return true;
  return view.graphs()[static_cast<size_t>(node.graph)].function != nullptr;
}

}  // namespace

void parse_compiler_report(std::string_view text, const std::string& file, CompilerReport& report) {
  const size_t lines_before = report.unsupported_ops.size();
  const bool stats_before = report.has_op_stats;
  bool found_stats = false;
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = fmt::format("{}:{}", file, i + 1);
    const std::string_view line = trim(lines[i]);
    if (line.rfind(kUnsupportedPrefix, 0) == 0) {
      // ", op, node, reason": the reason may hold commas, so split at the first two only.
      std::string_view rest = line.substr(kUnsupportedPrefix.size());
      const size_t a = rest.find(", ");
      const size_t b = a == std::string_view::npos ? a : rest.find(", ", a + 2);
      const size_t c = b == std::string_view::npos ? b : rest.find(", ", b + 2);
      if (a != 0 || b == std::string_view::npos)
        throw ReportError(where + ": malformed " + std::string(kUnsupportedPrefix) +
                          " line (expected: op, node name, reason)");
      UnsupportedOpLine entry;
      entry.file = file;
      entry.line = i + 1;
      entry.op = std::string(trim(rest.substr(2, b - 2)));
      if (c == std::string_view::npos) {
        entry.node = std::string(trim(rest.substr(b + 2)));
      } else {
        entry.node = std::string(trim(rest.substr(b + 2, c - b - 2)));
        entry.reason = std::string(trim(rest.substr(c + 2)));
      }
      report.unsupported_ops.push_back(std::move(entry));
    } else if (line == "Operations encountered:") {
      size_t k = i + 1;
      if (k < lines.size() && trim(lines[k]).find_first_not_of('-') == std::string_view::npos &&
          !trim(lines[k]).empty())
        ++k;
      for (; k < lines.size(); ++k) {
        std::string op;
        uint64_t count = 0;
        if (!parse_stats_line(lines[k], op, count)) break;
        report.op_stats[op] += count;
        found_stats = true;
      }
      if (!found_stats)
        throw ReportError(where + ": \"Operations encountered:\" is followed by no op counts");
      report.has_op_stats = true;
      i = k - 1;
    } else if (line.size() >= 2 && line.front() == '{' && line.back() == '}') {
      add_json_stats(std::string(line), where, report);  // the whole JSON on one line
      found_stats = true;
    } else if (line == "{") {
      // MLIR's JSON stats: "{", one "\"op\" : N," per line, "}".
      std::string block = "{";
      size_t k = i + 1;
      for (; k < lines.size() && trim(lines[k]) != "}"; ++k) block += std::string(lines[k]) + "\n";
      if (k == lines.size()) throw ReportError(where + ": JSON op stats without a closing '}'");
      add_json_stats(block + "}", where, report);
      found_stats = true;
      i = k;
    }
  }
  if (report.unsupported_ops.size() == lines_before && !found_stats && stats_before == report.has_op_stats)
    throw ReportError(file + ": no " + std::string(kUnsupportedPrefix) +
                      " lines and no --onnx-op-stats output (TXT or JSON) found");
}

void read_compiler_report(const std::string& path, CompilerReport& report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReportError(path + ": cannot open the report file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw ReportError(path + ": read error");
  const std::string text = buffer.str();
  if (text.empty()) throw ReportError(path + ": the report file is empty");
  if (text.find('\0') != std::string::npos) throw ReportError(path + ": not a text file");
  parse_compiler_report(text, path, report);
  report.files.push_back(path);
}

ReportComparison compare_with_compiler(const ModelView& view, const Analysis& analysis,
                                       const CompilerReport& report) {
  ReportComparison result;
  const auto& nodes = view.nodes();
  auto verdict_of = [&](size_t i) -> const NodeVerdict* {
    return i < analysis.verdicts.size() ? &analysis.verdicts[i] : nullptr;
  };
  // Nodes the compiler sees: counted ai.onnx nodes (function bodies are inlined under other names).
  std::unordered_map<std::string, std::vector<size_t>> by_name;
  std::map<std::string, uint64_t> zonnx_cpu, zonnx_all;
  for (const NodeInfo& node : nodes) {
    const NodeVerdict* v = verdict_of(node.index);
    if (!v || !v->counted || !node.is_onnx()) continue;
    const std::string op = mlir_op_name(node);
    ++zonnx_all[op];
    if (v->placement != Placement::Nnpa) ++zonnx_cpu[op];
    if (!in_function_body(view, node)) by_name[std::string(node.name())].push_back(node.index);
  }

  std::set<size_t> reported;  // one disagreement per node, however many lines name it
  for (const UnsupportedOpLine& line : report.unsupported_ops) {
    size_t match = SIZE_MAX;
    const auto it = by_name.find(line.node);
    if (it != by_name.end()) {
      for (size_t i : it->second)
        if (mlir_op_name(nodes[i]) == line.op) {
          match = i;
          break;
        }
      if (match == SIZE_MAX && it->second.size() == 1) match = it->second.front();
    }
    if (match == SIZE_MAX) {
      result.unmatched.push_back(line);
      continue;
    }
    ++result.matched_lines;
    const NodeVerdict* v = verdict_of(match);
    if (v->placement != Placement::Nnpa) {
      ++result.agreeing_lines;
      continue;
    }
    if (!reported.insert(match).second) continue;
    NodeDisagreement d;
    d.index = match;
    d.name = nodes[match].name();
    d.op = line.op;
    d.zonnx = std::string(placement_name(v->placement));
    d.compiler_reason = line.reason;
    d.where = fmt::format("{}:{}", line.file, line.line);
    result.nodes.push_back(std::move(d));
  }

  if (report.has_op_stats) {
    std::set<std::string> ops;
    for (const auto& [op, n] : zonnx_all) ops.insert(op);
    for (const auto& [op, n] : report.op_stats) {
      // Stick/Unstick (and their LSTM/GRU forms) convert data; they are not the model's ops.
      const bool conversion =
          op.find("Stick") != std::string::npos || op.find("Unstick") != std::string::npos;
      if (op.rfind("zhigh.", 0) == 0 && !conversion) result.compiler_nnpa_ops += n;
      if (op.rfind("onnx.", 0) == 0) ops.insert(op);
    }
    const SupportTables& tables = SupportTables::embedded();
    for (const std::string& op : ops) {
      if (structural_op(op)) continue;
      OpCountDifference d;
      d.op = op;
      const auto z = zonnx_cpu.find(op);
      d.zonnx_cpu = z == zonnx_cpu.end() ? 0 : z->second;
      const auto c = report.op_stats.find(op);
      d.compiler = c == report.op_stats.end() ? 0 : c->second;
      if (d.zonnx_cpu == d.compiler) continue;
      d.nnpa_capable = tables.find_nnpa(onnx_base_op(op)) != nullptr;
      (d.nnpa_capable ? result.op_counts : result.other_counts).push_back(std::move(d));
    }
  }
  return result;
}

nlohmann::ordered_json comparison_json(const ModelView& view, const Analysis& analysis,
                                       const CompilerReport& report, const ReportComparison& c) {
  Json j = Json::object();
  j["schema"] = "zonnx.compare-report/1";
  j["model"] = valid_utf8(view.facts().path);
  j["march"] = std::string(march_name(analysis.march));
  Json files = Json::array();
  for (const std::string& f : report.files) files.push_back(valid_utf8(f));
  j["reports"] = std::move(files);
  j["agree"] = c.agree();
  j["unsupported_op_lines"] = report.unsupported_ops.size();
  j["matched_lines"] = c.matched_lines;
  j["agreeing_lines"] = c.agreeing_lines;
  j["op_stats"] = report.has_op_stats;
  j["compiler_nnpa_ops"] = c.compiler_nnpa_ops;
  Json nodes = Json::array();
  for (const NodeDisagreement& d : c.nodes) {
    const NodeVerdict& v = analysis.verdicts[d.index];
    Json n = Json::object();
    n["index"] = d.index;
    n["name"] = valid_utf8(d.name);
    n["op"] = valid_utf8(d.op);
    n["zonnx"] = d.zonnx;
    n["compiler"] = "cpu";
    n["compiler_reason"] = valid_utf8(d.compiler_reason);
    n["zonnx_notes"] = Json::array();
    for (const std::string& note : v.notes) n["zonnx_notes"].push_back(valid_utf8(note));
    n["where"] = valid_utf8(d.where);
    nodes.push_back(std::move(n));
  }
  j["node_disagreements"] = std::move(nodes);
  auto counts = [](const std::vector<OpCountDifference>& list) {
    Json a = Json::array();
    for (const OpCountDifference& d : list)
      a.push_back(Json{{"op", valid_utf8(d.op)}, {"zonnx_cpu", d.zonnx_cpu}, {"compiler", d.compiler}});
    return a;
  };
  j["op_count_disagreements"] = counts(c.op_counts);
  j["other_op_count_differences"] = counts(c.other_counts);
  Json unmatched = Json::array();
  for (const UnsupportedOpLine& l : c.unmatched)
    unmatched.push_back(Json{{"op", valid_utf8(l.op)},
                             {"node", valid_utf8(l.node)},
                             {"reason", valid_utf8(l.reason)},
                             {"where", valid_utf8(fmt::format("{}:{}", l.file, l.line))}});
  j["unmatched_lines"] = std::move(unmatched);
  return j;
}

void write_comparison_text(std::ostream& out, const ModelView& view, const Analysis& analysis,
                           const CompilerReport& report, const ReportComparison& c) {
  using report::terminal_safe;
  out << "Model:    " << terminal_safe(view.facts().path) << " (march " << march_name(analysis.march)
      << ")\n";
  for (const std::string& f : report.files) out << "Report:   " << terminal_safe(f) << "\n";
  out << fmt::format(
      "NNPA-UNSUPPORTEDOPS lines: {} ({} matched to nodes, {} agree with zonnx, {} name no node)\n",
      report.unsupported_ops.size(), c.matched_lines, c.agreeing_lines, c.unmatched.size());
  out << "Op stats: "
      << (report.has_op_stats
              ? fmt::format("{} op types, {} NNPA (zhigh) ops", report.op_stats.size(), c.compiler_nnpa_ops)
              : std::string("none"))
      << "\n";
  if (!c.nodes.empty()) {
    out << "\nNodes the compiler keeps off the NNPA but zonnx places on it (" << c.nodes.size() << "):\n";
    for (const NodeDisagreement& d : c.nodes)
      out << "  " << terminal_safe(d.name) << " (" << terminal_safe(d.op)
          << "): compiler: " << terminal_safe(d.compiler_reason) << "  [" << terminal_safe(d.where) << "]\n";
  }
  if (!c.op_counts.empty()) {
    out << "\nCPU op counts that differ, for ops the NNPA can run (" << c.op_counts.size() << "):\n";
    for (const OpCountDifference& d : c.op_counts)
      out << fmt::format(
          "  {:<32} compiler {:>6} on CPU, zonnx {:>6}  ({})\n", terminal_safe(d.op), d.compiler, d.zonnx_cpu,
          d.compiler > d.zonnx_cpu ? "compiler keeps more on the CPU" : "zonnx expects more on the CPU");
  }
  if (!c.other_counts.empty()) {
    out << "\nOther op counts that differ (compiler rewrites, not placement; for information):\n";
    for (const OpCountDifference& d : c.other_counts)
      out << fmt::format("  {:<32} compiler {:>6}, zonnx {:>6}\n", terminal_safe(d.op), d.compiler,
                         d.zonnx_cpu);
  }
  if (!c.unmatched.empty()) {
    out << "\nReport lines naming no node of the model (nodes the compiler created or renamed):\n";
    for (const UnsupportedOpLine& l : c.unmatched)
      out << "  " << terminal_safe(l.op) << " " << terminal_safe(l.node) << ": " << terminal_safe(l.reason)
          << "  [" << terminal_safe(l.file) << ":" << l.line << "]\n";
  }
  out << "\nVerdict: "
      << (c.agree() ? "the compiler and zonnx agree"
                    : fmt::format("the compiler and zonnx disagree (nodes: {}, op counts: {})",
                                  c.nodes.size(), c.op_counts.size()))
      << "\n";
}

}  // namespace zonnx
