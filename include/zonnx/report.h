// Report writers: text for people (aligned tables, colour only when asked),
// JSON for machines (schema in docs/json-schema.md, versioned by kJsonSchema).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "zonnx/compare.h"
#include "zonnx/model_view.h"
#include "zonnx/rules.h"

namespace zonnx {

constexpr const char* kJsonSchema = "zonnx.inspect/1";

struct GateResult {
  std::string gate;  // "--fail-on unsupported", "--min-nnpa-coverage 80"
  bool failed = false;
  std::string detail;  // "3 nodes unsupported", "coverage 42.0% < 80%"
};

struct TextOptions {
  bool color = false;
  bool verbose = false;  // list every node, not only the non-NNPA ones
  int width = 100;       // terminal width to fit (widths below 40 are treated as 40)
  int group_names = 5;   // node names listed per group of "Nodes not on NNPA" (without verbose)
  int io_rows = 10;      // graph inputs/outputs and metadata entries listed in the header (without verbose)
};

// Keys keep the documented order (ordered_json), so dump() is byte-for-byte
// stable for the same model and analysis. Converts implicitly to nlohmann::json.
// `compare` (--compare-march) adds the "compare_march" field / text section.
// `include_nodes` false leaves "nodes" empty (for write_inspect_json).
nlohmann::ordered_json inspect_json(const ModelView& view, const Analysis& analysis,
                                    const std::vector<GateResult>& gates = {},
                                    const MarchComparison* compare = nullptr, bool include_nodes = true);
// Writes `report` (an inspect_json report, "nodes" last) as dump(2) would, or
// as dump() would when `one_line`, the same bytes followed by a line break, but
// writes one node object at a time as text, so a graph of 200,000 nodes never
// sits in memory as one JSON tree. Whatever "nodes" holds in `report` is
// replaced by the nodes of `view`.
void write_inspect_json(std::ostream& out, nlohmann::ordered_json report, const ModelView& view,
                        const Analysis& analysis, bool one_line = false);
void write_text(std::ostream& out, const ModelView& view, const Analysis& analysis,
                const std::vector<GateResult>& gates, const TextOptions& options,
                const MarchComparison* compare = nullptr);

// One self-contained HTML page (inline CSS/JS, no network): summary, chart of
// placement by op, node table and the graph coloured by placement
// (src/report/html_report.cpp, docs/html-report.md).
void write_html(std::ostream& out, const ModelView& view, const Analysis& analysis,
                const std::vector<GateResult>& gates);

}  // namespace zonnx

// ---- Formats for CI and review tools (docs/formats.md) ----------------------
// SARIF for code scanning, CSV for spreadsheets, Markdown for pull-request
// comments, Graphviz DOT for pictures of the placement.

namespace zonnx {

struct BaselineDiff;  // zonnx/baseline.h

constexpr const char* kSarifSchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

// One SARIF run for an inspected model: the rules used and one result per
// counted node off the NNPA (unsupported: "error"; CPU: "warning" for a heavy
// op, else "note"). With a baseline, results carry baselineState.
nlohmann::ordered_json sarif_run(const ModelView& view, const Analysis& analysis,
                                 const BaselineDiff* baseline = nullptr);
// A run for a model that could not be inspected: a failed invocation whose
// notification carries `error`.
nlohmann::ordered_json sarif_error_run(const std::string& path, const std::string& error);
// {"$schema", "version": "2.1.0", "runs": [...]}.
nlohmann::ordered_json sarif_log(std::vector<nlohmann::ordered_json> runs);
// Streams a log with one run per model, in the order they are added; `add`
// takes sarif_run_text() of a run (made on any thread).
std::string sarif_run_text(const nlohmann::ordered_json& run);
class SarifLogWriter {
 public:
  explicit SarifLogWriter(std::ostream& out);
  void add(const std::string& run_text);
  void finish();

 private:
  std::ostream& out_;
  size_t runs_ = 0;
};

// CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or
// line break): one row per node. The header row names the columns.
void write_csv_header(std::ostream& out);
void write_csv_rows(std::ostream& out, const ModelView& view, const Analysis& analysis);
// One field, quoted when needed.
std::string csv_field(std::string_view value);

// Markdown for a pull-request comment: coverage, counts per placement, ops off
// the NNPA with rule IDs and hints, gates, baseline changes, and the nodes in a
// collapsed <details> block. `heading` is the level of its title (2: "##").
void write_markdown(std::ostream& out, const ModelView& view, const Analysis& analysis,
                    const std::vector<GateResult>& gates, const BaselineDiff* baseline = nullptr,
                    int heading = 2);
// One line of the table that opens a Markdown report of several models.
struct MarkdownModelRow {
  std::string path;
  std::string error;  // non-empty: could not be inspected
  Summary summary;
  bool gate_failed = false;
};
void write_markdown_batch_table(std::ostream& out, const std::vector<MarkdownModelRow>& rows);

// Graphviz digraph: one box per node, filled by placement (nnpa green, cpu
// orange, unsupported red, not counted grey), nested graphs and functions as
// clusters, and edges that cross between the NNPA and the CPU drawn bold red
// (each is a data conversion at run time).
void write_dot(std::ostream& out, const ModelView& view, const Analysis& analysis);

}  // namespace zonnx
