// `zonnx convert`: moves a model's ai.onnx opset up or down, one opset step at
// a time, with zonnx's own adapters (not libonnx's ConvertVersion, see
// docs/convert.md). The whole path is planned in memory first; when any node
// cannot be converted every such node is reported and nothing is written.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "zonnx/atomic_file.h"
#include "zonnx/loader.h"
#include "zonnx/rules.h"
#include "zonnx/tables.h"

namespace zonnx {

// Opsets convert accepts as a target: onnx-mlir's tables cover up to 22.
constexpr int kConvertMinOpset = 7;
constexpr int kConvertMaxOpset = 22;

// Parses --opset: a number in [kConvertMinOpset, kConvertMaxOpset] or "nnpa"
// (the profile's nnpa_recommended_opset). Throws UsageError.
int parse_target_opset(const std::string& value);

// --external-data: keep the input's weight files (reference) or write OUT's own (copy).
enum class ExternalDataMode { Reference, Copy };

struct ConvertOptions {
  int target_opset = 0;
  March march = March::Z16;  // for the placement summaries before and after
  ExternalDataMode external_data = ExternalDataMode::Reference;
  LoadOptions load;
  // --fix-byte-order: first reverse the element bytes of the tensors that look
  // byte-swapped (zonnx/byte_order.h); what was fixed is listed in the notes.
  bool fix_byte_order = false;
};

// A node that cannot be converted, with the step where it fails.
struct ConvertRefusal {
  std::string graph;  // "main", "main/If_0.then_branch", "function:local:Fn"
  std::string node;   // node name (or "#<index>" when unnamed)
  std::string op;
  int from_opset = 0;  // the step that fails
  int to_opset = 0;
  std::string reason;
};

struct ConvertResult {
  std::string input_path;
  int64_t from_opset = 0;  // ai.onnx opset of the main graph
  int64_t to_opset = 0;
  int64_t ir_before = 0;
  int64_t ir_after = 0;
  std::vector<ConvertRefusal> refusals;  // empty: convertible
  // Per op: nodes whose attributes/inputs an adapter edited, and nodes whose
  // version changed with no edit (relabelled).
  std::map<std::string, uint64_t> rewritten;
  std::map<std::string, uint64_t> relabelled;
  uint64_t constants_added = 0;           // Constant nodes created for attribute->input moves
  uint64_t nodes_added = 0;               // other nodes created by multi-node rewrites
  uint64_t constants_removed = 0;         // Constant nodes left without consumers by input->attribute moves
  std::vector<std::string> kept_domains;  // other opset imports, untouched ("ai.onnx.ml 3")
  std::vector<std::string> notes;         // what else happened (value_info dropped, checker clamp, ...)
  Summary before;                         // NNPA placement of the input
  std::optional<Summary> after;           // of the converted model (when convertible)
  bool checker_ran = false;               // onnx::checker ran on the result (target <= 17)
  // The converted model: structure with elided payloads still in the input's map.
  std::shared_ptr<LoadedModel> converted;

  bool ok() const { return refusals.empty(); }
};

// Loads, plans and converts in memory; writes nothing. Throws ModelError for
// unreadable models or when the result fails validation (a zonnx bug, reported
// with the cause), UsageError for bad options.
ConvertResult convert_model(const std::string& path, const ConvertOptions& options);

// Serializes a converted model to `out`. Elided payloads are copied from the
// input's map straight into the stream (never the whole weights in memory).
// With Durability::Synced (the stream's file is fsynced next) long payloads
// are handed to writeback as they are copied.
void write_converted_model(const LoadedModel& model, std::ostream& out,
                           Durability durability = Durability::Atomic);

// Reports (text for people, JSON schema "zonnx.convert/1").
void write_convert_text(std::ostream& out, const ConvertResult& result, bool dry_run);
nlohmann::ordered_json convert_json(const ConvertResult& result, bool dry_run);

// The whole command as the CLI runs it. Returns the exit code (0 ok, 2 usage,
// 4 not convertible); throws ModelError for bad models.
struct ConvertRequest {
  std::string input;
  std::string output;  // empty with in_place: the input
  std::string opset;   // "13" or "nnpa"; empty with fix_byte_order: keep the model's opset
  std::string march = "z16";
  std::string format = "text";
  std::string external_data = "auto";  // auto: copy when OUT is in another folder than IN, else reference
  bool in_place = false;
  bool dry_run = false;
  bool fix_byte_order = false;
  // --fsync: OUT (and a copied weight file) survive a power cut once written.
  Durability durability = Durability::Atomic;
};
int run_convert(const ConvertRequest& request, std::ostream& report);

}  // namespace zonnx
