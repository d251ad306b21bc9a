// onnx-mlir's device-placement JSON from zonnx's verdicts (see
// include/zonnx/placement_config.h). The importer's op naming follows
// src/Builder/FrontendDialectTransformer.cpp (GetImportVersionOfNode,
// ImportNodeMaxPool, ImportNodeBatchNormalization) and the version lists in
// src/Builder/OpBuildTable.inc at the profile commit.

#include "zonnx/placement_config.h"

#include <map>
#include <set>

#include "report/report_util.h"
#include "zonnx/errors.h"

namespace zonnx {
namespace {

using Json = nlohmann::ordered_json;

// op_dialect_version_map_ entries with more than one version, newest first.
// The newest version has no suffix; older ones are imported as <Op>V<n>.
const std::map<std::string, std::vector<int>, std::less<>>& versioned_ops() {
  static const std::map<std::string, std::vector<int>, std::less<>> ops = {
      {"Clip", {13, 12, 11, 6}},     {"DFT", {20, 17}},
      {"GridSample", {22, 16}},      {"GroupNormalization", {21, 18}},
      {"Pad", {21, 18, 13, 11, 2}},  {"ReduceL1", {18, 13}},
      {"ReduceL2", {18, 13}},        {"ReduceLogSum", {18, 13}},
      {"ReduceLogSumExp", {18, 13}}, {"ReduceMax", {20, 18, 13}},
      {"ReduceMean", {18, 13}},      {"ReduceMin", {20, 18, 13}},
      {"ReduceProd", {18, 13}},      {"ReduceSum", {13, 11}},
      {"ReduceSumSquare", {18, 13}}, {"Resize", {19, 18, 13, 11, 10}},
      {"Softmax", {13, 11}},         {"Split", {18, 13, 11}},
      {"Squeeze", {21, 11}},         {"Unsqueeze", {21, 11}},
      {"Upsample", {10, 7}},
  };
  return ops;
}

// The importer's suffix: the oldest kept version at or above the node's, unless that is the newest.
std::string version_suffix(const std::string& op, int since_version) {
  const auto it = versioned_ops().find(op);
  if (it == versioned_ops().end() || since_version <= 0) return "";
  const std::vector<int>& kept = it->second;
  if (since_version >= kept.front()) return "";
  for (auto v = kept.rbegin(); v != kept.rend(); ++v)
    if (*v >= since_version && *v != kept.front()) return "V" + std::to_string(*v);
  return "";
}

std::string device_of(Placement p) {
  // Would not compile: leave the choice to the compiler.
  return p == Placement::Unsupported ? std::string() : std::string(placement_name(p));
}

}  // namespace

PlacementConfigFormat parse_placement_config_format(std::string_view s) {
  if (s == "nnpa_ops_config") return PlacementConfigFormat::NnpaOpsConfig;
  if (s == "device_placement") return PlacementConfigFormat::DevicePlacement;
  throw UsageError("--config-format: unknown value '" + std::string(s) +
                   "' (use nnpa_ops_config or device_placement)");
}

std::string mlir_op_name(const NodeInfo& node) {
  const std::string& op = node.op_type();
  if (!node.is_onnx()) return node.domain + "." + op;
  const int outputs = static_cast<int>(node.output_count);
  if (op == "MaxPool" && outputs == 1) return "onnx.MaxPoolSingleOut";
  if (op == "BatchNormalization" && outputs == 1) return "onnx.BatchNormalizationInferenceMode";
  return "onnx." + op + version_suffix(op, node.since_version);
}

std::string regex_escape(std::string_view s) {
  static const std::string_view special = "\\^$.|?*+()[]{}";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (special.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

PlacementConfig placement_config(const ModelView& view, const Analysis& analysis,
                                 PlacementConfigFormat format) {
  PlacementConfig config;
  Json entries = Json::array();
  // (type, name) -> device of its first entry: a repeated name with another device cannot be told apart.
  std::map<std::pair<std::string, std::string>, std::string> seen;
  std::set<std::string> duplicates;
  for (const NodeInfo& node : view.nodes()) {
    if (node.index >= analysis.verdicts.size()) continue;
    const NodeVerdict& verdict = analysis.verdicts[node.index];
    const bool graph_known = node.graph >= 0 && static_cast<size_t>(node.graph) < view.graphs().size();
    if (!verdict.counted || !node.is_onnx() || !graph_known) continue;
    if (view.graphs()[static_cast<size_t>(node.graph)].function) continue;  // inlined under other names
    if (node.name().empty()) {
      ++config.unnamed_skipped;
      continue;
    }
    const std::string type = mlir_op_name(node);
    const std::string name = report::valid_utf8(node.name());
    const std::string device = device_of(verdict.placement);
    auto [it, inserted] = seen.emplace(std::make_pair(type, name), device);
    if (!inserted) {
      if (it->second != device) duplicates.insert(name);
      continue;  // onnx-mlir applies the first matching entry only
    }
    Json entry = Json::object();
    if (format == PlacementConfigFormat::DevicePlacement) {
      entry["device"] = device;
      entry["node_type"] = type;
      entry["onnx_node_name"] = regex_escape(name);
    } else {
      Json match = Json::object();
      match["node_type"] = type;
      match["onnx_node_name"] = regex_escape(name);
      Json rewrite = Json::object();
      rewrite["device"] = device;
      Json pattern = Json::object();
      pattern["match"] = std::move(match);
      pattern["rewrite"] = std::move(rewrite);
      entry["pattern"] = std::move(pattern);
    }
    entries.push_back(std::move(entry));
  }
  config.entries = entries.size();
  config.duplicate_names.assign(duplicates.begin(), duplicates.end());
  config.json = Json::object();
  config.json[format == PlacementConfigFormat::DevicePlacement ? "device_placement" : "nnpa_ops_config"] =
      std::move(entries);
  return config;
}

}  // namespace zonnx
