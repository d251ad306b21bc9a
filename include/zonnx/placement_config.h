// Export of zonnx's placement as onnx-mlir's device-placement JSON, and the
// names onnx-mlir gives ONNX nodes in its IR.
//
// Two formats, both read by onnx-mlir's DevicePlacement pass:
//  * nnpa_ops_config (onnx-mlir main / 0.5.1, --config-file=FILE):
//      {"nnpa_ops_config": [{"pattern": {"match": {"node_type": "onnx.Conv",
//        "onnx_node_name": "conv1"}, "rewrite": {"device": "nnpa"}}}, ...]}
//  * device_placement (onnx-mlir 0.5.0.1 in zDLC 5.0.1,
//    --nnpa-load-device-placement-file=FILE):
//      {"device_placement": [{"device": "nnpa", "node_type": "onnx.Conv",
//        "onnx_node_name": "conv1"}, ...]}
// node_type and onnx_node_name are ECMAScript regexes matched against the
// whole string, so node names are written with regex metacharacters escaped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx {

enum class PlacementConfigFormat { NnpaOpsConfig, DevicePlacement };
// "nnpa_ops_config" or "device_placement"; throws UsageError otherwise.
PlacementConfigFormat parse_placement_config_format(std::string_view s);

// The op name onnx-mlir's importer gives a node: "onnx." + op type, with its
// special cases (MaxPool with one output -> onnx.MaxPoolSingleOut,
// BatchNormalization with one output -> onnx.BatchNormalizationInferenceMode,
// older versions of ops it keeps several versions of -> onnx.ReduceMeanV13,
// onnx.SoftmaxV11, ...). Other domains keep "domain.Op".
std::string mlir_op_name(const NodeInfo& node);

// `s` with ECMAScript regex metacharacters escaped, so std::regex_match(x, s) <=> x == s.
std::string regex_escape(std::string_view s);

struct PlacementConfig {
  nlohmann::ordered_json json;
  size_t entries = 0;                        // nodes written
  size_t unnamed_skipped = 0;                // counted ONNX nodes without a name: onnx-mlir cannot match them
  std::vector<std::string> duplicate_names;  // names shared by nodes of one type with different placements
};

// One entry per counted ai.onnx node (main graph and If/Loop/Scan bodies; not
// model-local function bodies, which the compiler inlines under other names),
// in graph order: device "nnpa" or "cpu" as zonnx decided, "" (leave it to the
// compiler) for nodes that would not compile.
PlacementConfig placement_config(const ModelView& view, const Analysis& analysis,
                                 PlacementConfigFormat format);

}  // namespace zonnx
