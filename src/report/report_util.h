// Helpers shared by the JSON and text reports: safe strings from untrusted
// models, display widths of UTF-8 text, type and size formatting.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonnx/model_view.h"
#include "zonnx/report.h"
#include "zonnx/rules.h"

namespace zonnx::report {

// `s` with every invalid UTF-8 sequence replaced by U+FFFD, so a JSON dump of
// model strings (names, metadata, doc strings) can never throw.
std::string valid_utf8(std::string_view s);

// `s` made safe for a terminal line: valid UTF-8, tabs and line breaks become
// spaces, other control characters (C0, DEL, C1: escape sequences hidden in a
// node name) become '?'.
std::string terminal_safe(std::string_view s);

// Columns `s` (valid UTF-8, no control characters) takes on a terminal:
// combining marks take none, East Asian wide characters and emoji take two.
int display_width(std::string_view s);

// `s` cut to at most `width` columns, ending in "…" when something was cut.
std::string truncate(std::string_view s, int width);
// `s` cut to at most `width` columns by dropping its middle: "/model/enc…/Softmax_12".
// Keeps the end of node names and paths, where they differ from each other.
std::string truncate_middle(std::string_view s, int width);
// `s` padded with spaces to `width` columns (left- or right-aligned); never cut.
std::string pad_right(std::string_view s, int width);
std::string pad_left(std::string_view s, int width);

// `text` broken into lines of at most `width` columns at spaces; words wider
// than a line are split. Never returns an empty vector.
std::vector<std::string> wrap(std::string_view text, int width);

// Appends `text` to `out` with `indent` spaces after every line break: a
// dump(2) nested deeper in a document (JSON strings hold no raw line breaks).
void append_indented(std::string& out, std::string_view text, int indent);

// Element/container type of a value for JSON: "float32", "sequence(int64)",
// "sparse_tensor(float32)", ...; nullopt when unknown.
std::optional<std::string> type_name(const ValueType& type);
// Compact type and shape for people: "float32[batch,3,224,224]"; "?" for an
// unknown dim, "[*]" for an unknown rank, "[]" for a scalar.
std::string type_and_shape(const ValueType* type);

// "0 B", "812 B", "1.5 KiB", "97.8 MiB", "1.20 GiB".
std::string human_bytes(uint64_t bytes);
// A count with an SI prefix: "812", "1.5 K", "349.2 M", "4.1 G", up to "E".
std::string human_count(uint64_t n);
// Share 0..1 as "80.0%"; never shows 100.0% or 0.0% for a share that is not exactly 1 or 0.
std::string percent(double share);

// The gates as the JSON report and the HTML page list them: [{gate, failed, detail}].
nlohmann::ordered_json gates_json(const std::vector<GateResult>& gates);

// True when both nodes execute (counted) and exactly one of them runs on the
// NNPA: data between them is converted (stick or unstick).
bool crosses_devices(const Analysis& analysis, size_t a, size_t b);

// One edge per producer -> consumer pair of nodes, whatever the number of
// values between them: consumers in node order, producers in input order.
struct DataEdge {
  size_t from = 0;
  size_t to = 0;
  bool transition = false;  // crosses_devices(from, to)
};
std::vector<DataEdge> data_edges(const ModelView& view, const Analysis& analysis);

}  // namespace zonnx::report
