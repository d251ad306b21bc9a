// SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one result per
// counted node that does not run on the NNPA, located in the model file and
// named by a logical location (graph/node). docs/formats.md shows an example.
//
// GitHub needs a line region and matches alerts across runs by fingerprint;
// a model is binary, so every result points at line 1 and the fingerprint is
// what tells nodes apart: a hash of the node's graph and name (or op and
// position when the name is missing or repeated), never of its verdict.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include "report/report_util.h"
#include "zonnx/baseline.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

using Json = nlohmann::ordered_json;
using report::valid_utf8;

const char* level_for_outcome(Placement outcome) {
  return outcome == Placement::Unsupported ? "error" : "note";
}

// A relative or absolute file path as a URI reference: RFC 3986 unreserved
// characters and '/' stay, everything else is percent-encoded; absolute paths
// become file:// URIs.
std::string path_uri(const std::string& path) {
  std::string p = path;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  std::string out = !p.empty() && p.front() == '/' ? "file://" : "";
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// FNV-1a 64: byte-wise, so the same on every platform and endianness.
std::string fingerprint(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

// Per node, the part of its identity that survives re-exports: the name when
// it is non-empty and unique in its graph, else op#k among such nodes.
std::vector<std::string> node_identities(const ModelView& view) {
  std::map<std::pair<int, std::string>, int> names;
  for (const NodeInfo& node : view.nodes())
    if (!node.name().empty()) ++names[{node.graph, std::string(node.name())}];
  std::map<std::tuple<int, std::string, std::string>, int> positions;
  std::vector<std::string> ids;
  ids.reserve(view.nodes().size());
  for (const NodeInfo& node : view.nodes()) {
    if (!node.name().empty() && names[{node.graph, std::string(node.name())}] == 1) {
      ids.push_back("name:" + std::string(node.name()));
    } else {
      int k = positions[{node.graph, node.domain, node.op_type()}]++;
      ids.push_back(fmt::format("op:{}::{}#{}", node.domain, node.op_type(), k));
    }
  }
  return ids;
}

std::string graph_path(const ModelView& view, const NodeInfo& node) {
  const auto& graphs = view.graphs();
  return node.graph >= 0 && static_cast<size_t>(node.graph) < graphs.size()
             ? graphs[static_cast<size_t>(node.graph)].path
             : std::string();
}

Json driver_json(Json rules) {
  Json driver = Json::object();
  driver["name"] = "zonnx";
  driver["version"] = ZONNX_VERSION;
  driver["semanticVersion"] = ZONNX_VERSION;
  driver["rules"] = std::move(rules);
  return driver;
}

Json rule_json(const std::string& id) {
  const RuleInfo* info = find_rule(id);
  Json r = Json::object();
  r["id"] = id;
  const std::string title = info ? info->title : "Rule " + id + ".";
  const std::string hint = info ? info->hint : "";
  r["shortDescription"] = Json{{"text", title}};
  r["fullDescription"] =
      Json{{"text", info && !info->source.empty() ? title + " onnx-mlir: " + info->source : title}};
  Json help = Json::object();
  help["text"] = hint.empty() ? title : "Fix: " + hint;
  help["markdown"] = hint.empty() ? title : "**Fix:** " + hint;
  r["help"] = std::move(help);
  const Placement outcome = info ? info->outcome : Placement::Cpu;
  r["defaultConfiguration"] = Json{{"level", level_for_outcome(outcome)}};
  r["properties"] = Json{{"tags", Json::array({"nnpa", std::string(placement_name(outcome))})}};
  return r;
}

Json artifact_location(const std::string& model_path) {
  return Json{{"uri", valid_utf8(path_uri(model_path))}};
}

// "new" when the node was on the NNPA (or not there) in the baseline,
// "updated" when it was off the NNPA with another placement, else "unchanged".
std::map<size_t, const char*> baseline_states(const BaselineDiff& diff) {
  std::map<size_t, const char*> states;
  for (const BaselineChange& c : diff.added) states[c.index] = "new";
  for (const BaselineMove& m : diff.moved) states[m.index] = m.from == Placement::Nnpa ? "new" : "updated";
  return states;
}

}  // namespace

nlohmann::ordered_json sarif_run(const ModelView& view, const Analysis& analysis,
                                 const BaselineDiff* baseline) {
  const std::string& model_path = view.facts().path;
  std::set<std::pair<std::string, std::string>> heavy;
  for (const OpCount& op : analysis.summary.heavy_cpu_ops) heavy.insert({op.domain, op.op_type});
  const std::vector<std::string> identities = node_identities(view);
  std::map<size_t, const char*> states;
  if (baseline) states = baseline_states(*baseline);

  std::vector<std::string> rule_ids;  // in order of first use
  std::map<std::string, size_t> rule_index;
  Json results = Json::array();
  for (const NodeInfo& node : view.nodes()) {
    if (node.index >= analysis.verdicts.size()) continue;
    const NodeVerdict& verdict = analysis.verdicts[node.index];
    if (!verdict.counted || verdict.placement == Placement::Nnpa || verdict.reasons.empty()) continue;
    const Reason& reason = verdict.reasons.front();
    auto [it, inserted] = rule_index.emplace(reason.rule, rule_ids.size());
    if (inserted) rule_ids.push_back(reason.rule);

    const bool unsupported = verdict.placement == Placement::Unsupported;
    const char* level = unsupported                                  ? "error"
                        : heavy.count({node.domain, node.op_type()}) ? "warning"
                                                                     : "note";
    const std::string graph = graph_path(view, node);
    const std::string shown_name =
        node.name().empty() ? fmt::format("#{}", node.index) : std::string(node.name());
    std::string text = fmt::format("{} node '{}' {}: {}", node.op_type(), shown_name,
                                   unsupported ? "would not compile" : "runs on the CPU", reason.message);
    if (!reason.hint.empty()) text += fmt::format(" Fix: {}", reason.hint);
    if (verdict.reasons.size() > 1) text += fmt::format(" ({} more reasons)", verdict.reasons.size() - 1);

    Json logical = Json::object();
    logical["name"] = valid_utf8(shown_name);
    logical["fullyQualifiedName"] = valid_utf8(graph + "/" + shown_name);
    Json physical = Json::object();
    physical["artifactLocation"] = artifact_location(model_path);
    physical["region"] = Json{{"startLine", 1}};
    Json location = Json::object();
    location["physicalLocation"] = std::move(physical);
    location["logicalLocations"] = Json::array({std::move(logical)});

    const std::string print = fingerprint(graph + "\n" + identities[node.index]);
    Json result = Json::object();
    result["ruleId"] = reason.rule;
    result["ruleIndex"] = it->second;
    result["level"] = level;
    result["message"] = Json{{"text", valid_utf8(text)}};
    result["locations"] = Json::array({std::move(location)});
    result["partialFingerprints"] = Json{{"zonnxNode/v1", print}, {"primaryLocationLineHash", print + ":1"}};
    if (baseline) {
      auto state = states.find(node.index);
      result["baselineState"] = state == states.end() ? "unchanged" : state->second;
    }
    Json rules = Json::array();
    for (const Reason& r : verdict.reasons) rules.push_back(r.rule);
    result["properties"] = Json{{"placement", std::string(placement_name(verdict.placement))},
                                {"opType", valid_utf8(node.op_type())},
                                {"domain", valid_utf8(node.domain)},
                                {"graph", valid_utf8(graph)},
                                {"nodeIndex", node.index},
                                {"rules", std::move(rules)}};
    results.push_back(std::move(result));
  }

  Json rules = Json::array();
  for (const std::string& id : rule_ids) rules.push_back(rule_json(id));
  Json run = Json::object();
  run["tool"] = Json{{"driver", driver_json(std::move(rules))}};
  // A category per model and machine level, so one upload may hold several models.
  run["automationDetails"] =
      Json{{"id", valid_utf8(fmt::format("zonnx/{}/{}/", march_name(analysis.march), model_path))}};
  run["invocations"] = Json::array({Json{{"executionSuccessful", true}}});
  run["artifacts"] = Json::array({Json{{"location", artifact_location(model_path)}}});
  run["results"] = std::move(results);
  const Summary& s = analysis.summary;
  run["properties"] = Json{{"march", std::string(march_name(analysis.march))},
                           {"nodes", s.counted},
                           {"nnpa", s.nnpa},
                           {"cpu", s.cpu},
                           {"unsupported", s.unsupported},
                           {"nnpaShare", std::round(s.nnpa_share * 10000.0) / 10000.0}};
  return run;
}

nlohmann::ordered_json sarif_error_run(const std::string& path, const std::string& error) {
  Json notification = Json::object();
  notification["level"] = "error";
  notification["message"] = Json{{"text", valid_utf8(error)}};
  notification["locations"] =
      Json::array({Json{{"physicalLocation", {{"artifactLocation", artifact_location(path)}}}}});
  Json run = Json::object();
  run["tool"] = Json{{"driver", driver_json(Json::array())}};
  run["automationDetails"] = Json{{"id", valid_utf8(fmt::format("zonnx/error/{}/", path))}};
  run["invocations"] = Json::array(
      {Json{{"executionSuccessful", false}, {"toolExecutionNotifications", Json::array({notification})}}});
  run["results"] = Json::array();
  return run;
}

nlohmann::ordered_json sarif_log(std::vector<nlohmann::ordered_json> runs) {
  Json log = Json::object();
  log["$schema"] = kSarifSchemaUri;
  log["version"] = "2.1.0";
  log["runs"] = Json::array();
  for (auto& run : runs) log["runs"].push_back(std::move(run));
  return log;
}

std::string sarif_run_text(const nlohmann::ordered_json& run) {
  // An element of "runs" at depth 2: the same bytes sarif_log(...).dump(2) gives.
  const std::string doc = run.dump(2);
  std::string out = "    ";
  for (char c : doc) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

SarifLogWriter::SarifLogWriter(std::ostream& out) : out_(out) {
  out_ << "{\n  \"$schema\": \"" << kSarifSchemaUri << "\",\n  \"version\": \"2.1.0\",\n  \"runs\": [";
}

void SarifLogWriter::add(const std::string& run_text) { out_ << (runs_++ ? ",\n" : "\n") << run_text; }

void SarifLogWriter::finish() {
  out_ << (runs_ ? "\n  ]\n}\n" : "]\n}\n");
  out_.flush();
}

}  // namespace zonnx
