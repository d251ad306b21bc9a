// Inspecting many models in one run: paths and directories expanded to model
// files, a pool of worker threads, results delivered in input order, and a
// combined summary. The CLI's `inspect A B DIR/` and the JSON Lines output use
// exactly this.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "zonnx/errors.h"
#include "zonnx/inspect.h"
#include "zonnx/report.h"

namespace zonnx {

constexpr const char* kJsonBatchSchema = "zonnx.inspect-batch/1";      // --format json, several models
constexpr const char* kJsonSummarySchema = "zonnx.inspect-summary/1";  // last line of --format jsonl
constexpr const char* kJsonErrorSchema = "zonnx.inspect-error/1";      // a model that could not be inspected

// One entry of the run: a model file, or an input that yielded none (an empty
// directory, an unreadable directory), which is reported as an error.
struct BatchInput {
  std::string path;
  std::string error;  // non-empty: this input failed before inspection (cause only)
};

// Expands `paths` in order: a directory becomes every regular file below it
// whose name ends in ".onnx" (recursively, sorted by path); anything else is
// kept as given (load_model reports what is wrong with it). A directory with
// no model, or one that cannot be read, gives an entry with `error` set.
std::vector<BatchInput> expand_model_paths(const std::vector<std::string>& paths);

// Per-model result. Exactly one of `inspection` and `error` is meaningful.
struct BatchItem {
  size_t index = 0;  // position in the input order
  std::string path;
  int exit_code = kExitOk;  // 0 ok, 1 a gate failed, 2 bad bindings for this model, 3 unreadable/invalid
  std::string error;        // "path: cause" when the model could not be inspected
  std::optional<Inspection> inspection;  // present while `render` runs, dropped afterwards (keep_inspections)
  std::vector<GateResult> gates;
  Summary summary;       // copy of inspection->analysis.summary (kept after the inspection is dropped)
  std::string rendered;  // what BatchOptions::render produced
};

struct BatchOptions {
  InspectOptions inspect;
  Gates gates;
  unsigned jobs = 0;  // worker threads; 0 = std::thread::hardware_concurrency()
  // Runs on a worker thread right after a model is inspected (or failed): turns
  // the item into its output, e.g. a JSON line, so formatting is parallel too.
  std::function<std::string(const BatchItem&)> render;
  // Keep BatchItem::inspection until the ordered callback (else it is freed
  // right after `render`, which bounds memory on large runs).
  bool keep_inspections = false;
};

struct BatchSummary {
  uint64_t models = 0;
  uint64_t ok = 0;           // inspected, every gate passed
  uint64_t gate_failed = 0;  // inspected, a gate failed
  uint64_t failed = 0;       // could not be inspected
  uint64_t nodes = 0;        // totals over the inspected models
  uint64_t counted = 0;
  uint64_t nnpa = 0;
  uint64_t cpu = 0;
  uint64_t unsupported = 0;
  uint64_t compiling = 0;   // inspected models with no unsupported node
  int exit_code = kExitOk;  // the run's exit code: the highest of the models' (3 > 2 > 1 > 0)
};

// Inspects every input with `options.jobs` threads. `on_item` is called on the
// calling thread, once per input, strictly in input order, while later models
// are still being inspected. Never throws for a bad model: it becomes an item
// with `error` and exit code 3. Worker threads run ahead of the ordered output
// by a bounded window, so memory stays bounded on large runs.
BatchSummary inspect_batch(const std::vector<BatchInput>& inputs, const BatchOptions& options,
                           const std::function<void(BatchItem&)>& on_item);

// Per-model JSON: the inspect report (inspect_json) of an inspected model, or
// {"schema":"zonnx.inspect-error/1","path":...,"exit_code":3,"error":...}.
nlohmann::ordered_json batch_item_json(const BatchItem& item);
// {"schema":"zonnx.inspect-summary/1","models":N,"ok":...,"failed":...,...}.
nlohmann::ordered_json batch_summary_json(const BatchSummary& summary);

// Combined text table after the per-model reports:
// model | nodes | nnpa% | unsupported | status, then the totals and the errors.
void write_batch_table(std::ostream& out, const std::vector<BatchItem>& items, const BatchSummary& summary,
                       int width);

enum class BatchFormat { Text, Json, Jsonl };

// One model's part of a batch report (thread-safe; meant for BatchOptions::render):
//   Text: the text report (empty for a model that failed: the error goes to the table);
//   Jsonl: batch_item_json compact, one line;
//   Json: batch_item_json indented as an element of "reports".
std::string render_batch_item(const BatchItem& item, BatchFormat format, const TextOptions& text);

// Streams a batch report to `out`, items in order as inspect_batch delivers them:
//   Text: every report, then the table (write_batch_table);
//   Jsonl: one line per model, then batch_summary_json as the last line;
//   Json: {"schema":"zonnx.inspect-batch/1","reports":[...],"summary":{...}}, indented by 2.
class BatchReportWriter {
 public:
  BatchReportWriter(std::ostream& out, BatchFormat format, int width);
  void add(BatchItem& item);  // writes item.rendered (and frees it)
  void finish(const BatchSummary& summary);

 private:
  std::ostream& out_;
  BatchFormat format_;
  int width_;
  size_t count_ = 0;
  std::vector<BatchItem> rows_;  // text: what the table needs (no report, no inspection)
};

}  // namespace zonnx
