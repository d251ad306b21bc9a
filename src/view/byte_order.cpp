// Byte-order check: is a tensor's raw_data plausible as stored, or only with
// each element's bytes reversed? See docs/byte-order.md for the heuristic and
// its thresholds.
#include "zonnx/byte_order.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "view/tensor_data.h"
#include "zonnx/model_view.h"

namespace zonnx {
namespace {

using onnx::TensorProto;

// Elements whose magnitude is further than this many binades (powers of two)
// from the tensor's median magnitude are implausible. float16 has only 32
// exponents, so its band is narrower (else random exponents would fit).
constexpr double kWideBandBinades = 12.0;
constexpr double kHalfBandBinades = 6.0;
// Absolute band for float32/bfloat16/float64: trained weights, biases, norms
// and scales live well inside it; reversed bytes mostly land far outside.
constexpr double kMinMagnitude = 1e-12;
constexpr double kMaxMagnitude = 1e8;
// Integers: reversed small values become enormous.
constexpr double kMaxInt64 = 1099511627776.0;  // 2^40
constexpr double kMaxInt32 = 16777216.0;       // 2^24 (exclusive)
// Verdict margins (shares of the informative elements).
constexpr double kStrong = 0.75;
constexpr double kWeak = 0.5;
constexpr size_t kExamples = 3;

int element_size(int32_t type) {
  switch (type) {
    case TensorProto::FLOAT:
    case TensorProto::INT32:
      return 4;
    case TensorProto::DOUBLE:
    case TensorProto::INT64:
      return 8;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return 2;
    default:
      return 0;  // not checked
  }
}

bool is_float(int32_t type) { return type != TensorProto::INT32 && type != TensorProto::INT64; }

uint64_t reverse_word(uint64_t w, int n) {
  uint64_t r = 0;
  for (int i = 0; i < n; ++i) {
    r = (r << 8) | (w & 0xff);
    w >>= 8;
  }
  return r;
}

// The value of an element's little-endian bit pattern `w` (ints as doubles:
// only their magnitude matters here).
double value_of(uint64_t w, int32_t type) {
  switch (type) {
    case TensorProto::FLOAT:
    case TensorProto::BFLOAT16:
    case TensorProto::DOUBLE:
    case TensorProto::FLOAT16:
      return view::float_bits_value(w, type);
    case TensorProto::INT32:
      return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(w)));
    default:
      return static_cast<double>(static_cast<int64_t>(w));
  }
}

std::string format_value(uint64_t w, int32_t type) {
  if (type == TensorProto::INT64) return std::to_string(static_cast<int64_t>(w));
  if (type == TensorProto::INT32) return std::to_string(static_cast<int32_t>(static_cast<uint32_t>(w)));
  const double v = value_of(w, type);
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.6g}", v);
}

bool int_sentinel(uint64_t w, int32_t type) {
  if (type == TensorProto::INT64) {
    const auto v = static_cast<int64_t>(w);
    return v == std::numeric_limits<int64_t>::max() || v == std::numeric_limits<int64_t>::min() ||
           v == std::numeric_limits<int64_t>::min() + 1;
  }
  const auto v = static_cast<int32_t>(static_cast<uint32_t>(w));
  return v == std::numeric_limits<int32_t>::max() || v == std::numeric_limits<int32_t>::min();
}

// Median of log2|x| over the finite non-zero values (0 when there are none).
double median_binade(const std::vector<double>& values) {
  std::vector<double> logs;
  logs.reserve(values.size());
  for (double v : values)
    if (std::isfinite(v) && v != 0.0) logs.push_back(std::log2(std::fabs(v)));
  if (logs.empty()) return 0.0;
  auto mid = logs.begin() + static_cast<std::ptrdiff_t>(logs.size() / 2);
  std::nth_element(logs.begin(), mid, logs.end());
  return *mid;
}

// Share of `words` (one reading of the informative elements) that are plausible values.
double plausible_share(const std::vector<uint64_t>& words, int32_t type) {
  if (words.empty()) return 0.0;
  uint64_t plausible = 0;
  if (!is_float(type)) {
    const double limit = type == TensorProto::INT64 ? kMaxInt64 : kMaxInt32;
    for (uint64_t w : words) {
      const double v = std::fabs(value_of(w, type));
      if ((type == TensorProto::INT64 ? v <= limit : v < limit) || int_sentinel(w, type)) ++plausible;
    }
    return static_cast<double>(plausible) / static_cast<double>(words.size());
  }
  std::vector<double> values;
  values.reserve(words.size());
  for (uint64_t w : words) values.push_back(value_of(w, type));
  const double center = median_binade(values);
  const bool half = type == TensorProto::FLOAT16;
  const double band = half ? kHalfBandBinades : kWideBandBinades;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    const double m = std::fabs(v);
    if (m == 0.0) {
      ++plausible;
      continue;
    }
    if (!half && (m < kMinMagnitude || m > kMaxMagnitude)) continue;
    if (std::fabs(std::log2(m) - center) <= band) ++plausible;
  }
  return static_cast<double>(plausible) / static_cast<double>(values.size());
}

// The payload the check reads: raw_data only (inline or left in the map).
// Typed fields are written by protobuf, which fixes their byte order itself.
struct RawPayload {
  std::string_view bytes;
  std::optional<uint64_t> file_offset;  // where the bytes start in the model file, when left in it
};

std::optional<RawPayload> raw_payload(const LoadedModel& model, const TensorProto& t) {
  if (t.data_location() == TensorProto::EXTERNAL) return std::nullopt;
  const std::vector<PayloadRef> refs = elided_payloads(t);
  if (refs.empty()) {
    if (!t.has_raw_data()) return std::nullopt;
    return RawPayload{t.raw_data(), std::nullopt};
  }
  // One elided raw_data field and nothing else: the fix can replace it exactly.
  if (refs.size() != 1 || refs.front().field != TensorProto::kRawDataFieldNumber || t.has_raw_data())
    return std::nullopt;
  const std::optional<std::string_view> bytes = tensor_raw_bytes(model, t);
  if (!bytes) return std::nullopt;
  return RawPayload{*bytes, refs.front().offset};
}

template <typename F>
void walk_graph(const onnx::GraphProto& g, const std::string& path, const F& f);

template <typename F>
void walk_node(const onnx::NodeProto& n, int pos, const std::string& path, const F& f) {
  if (n.attribute_size() == 0) return;  // most nodes: no tensor, no subgraph (and no string reads)
  const bool onnx_domain = n.domain().empty() || n.domain() == "ai.onnx";
  if (onnx_domain && n.op_type() == "Constant" && n.output_size() >= 1) {
    for (const auto& a : n.attribute())
      if (a.name() == "value" && a.has_t()) f(a.t(), path, "constant", n.output(0));
  }
  const std::string who = n.name().empty() ? "#" + std::to_string(pos) : n.name();
  for (const auto& a : n.attribute()) {
    if (a.has_g()) walk_graph(a.g(), path + "/" + who + "." + a.name(), f);
    for (int k = 0; k < a.graphs_size(); ++k)
      walk_graph(a.graphs(k), path + "/" + who + "." + a.name() + "[" + std::to_string(k) + "]", f);
  }
}

template <typename F>
void walk_nodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const std::string& path,
                const F& f) {
  for (int pos = 0; pos < nodes.size(); ++pos) walk_node(nodes.Get(pos), pos, path, f);
}

template <typename F>
void walk_graph(const onnx::GraphProto& g, const std::string& path, const F& f) {
  for (const auto& t : g.initializer()) f(t, path, "initializer", t.name());
  walk_nodes(g.node(), path, f);
}

// Every checked tensor with its display name (a Constant's output name).
// `main_nodes`: the main graph's nodes when the loader kept them compact
// (only those with attributes have a proto to look into).
template <typename F>
void walk_model(const onnx::ModelProto& m, const F& f, const CompactNodes* main_nodes = nullptr) {
  if (main_nodes) {
    for (const auto& t : m.graph().initializer()) f(t, "main", "initializer", t.name());
    for (size_t pos = 0; pos < main_nodes->nodes.size(); ++pos)
      if (const onnx::NodeProto* n = main_nodes->nodes[pos].proto)
        walk_node(*n, static_cast<int>(pos), "main", f);
  } else {
    walk_graph(m.graph(), "main", f);
  }
  for (const auto& fn : m.functions()) walk_nodes(fn.node(), "function:" + fn.domain() + ":" + fn.name(), f);
}

ByteOrderVerdict verdict_of(const ByteOrderTensor& t, const ByteOrderOptions& options) {
  if (t.informative < options.min_informative) return ByteOrderVerdict::Undecidable;
  if (t.stored_plausible <= kWeak && t.swapped_plausible >= kStrong) return ByteOrderVerdict::Swapped;
  if (t.stored_plausible >= kStrong && t.swapped_plausible <= kWeak) return ByteOrderVerdict::Native;
  return ByteOrderVerdict::Undecidable;
}

ByteOrderTensor assess(const LoadedModel& model, const TensorProto& tensor, const ByteOrderOptions& options) {
  ByteOrderTensor r;
  r.name = tensor.name();
  r.elem_type = tensor.data_type();
  const int size = element_size(r.elem_type);
  if (size == 0) return r;
  const std::optional<int64_t> count = view::element_count(tensor);
  if (!count) return r;
  r.elements = static_cast<uint64_t>(*count);
  const std::optional<RawPayload> payload = raw_payload(model, tensor);
  // A payload of the wrong length is a different problem (the view reports it): no verdict.
  if (!payload || r.elements == 0 || payload->bytes.size() / static_cast<uint64_t>(size) != r.elements ||
      payload->bytes.size() % static_cast<uint64_t>(size) != 0)
    return r;

  // Sample in a few contiguous runs spread over the tensor, not element by
  // element: a 1 GiB weight costs 16 small reads, so inspect's time and
  // memory stay with the graph, not the weights.
  const uint64_t n = r.elements;
  const uint64_t samples = std::min<uint64_t>(n, std::max<uint64_t>(options.sample_limit, 1));
  constexpr uint64_t kRuns = 16;
  const uint64_t runs = n <= samples ? 1 : kRuns;  // small tensors are read whole
  const uint64_t per_run = samples / runs;
  const auto* data = reinterpret_cast<const unsigned char*>(payload->bytes.data());
  const auto element_bytes = static_cast<uint64_t>(size);
  // A payload left in a large file is read run by run with pread rather than
  // through the map (see MappedFile::read_into).
  const MappedFile* file = model.file.get();
  const bool read_from_file = payload->file_offset && file != nullptr && file->fd() >= 0;
  std::vector<unsigned char> run_bytes;
  std::vector<uint64_t> stored, swapped;
  stored.reserve(samples);
  swapped.reserve(samples);
  for (uint64_t run = 0; run < runs; ++run) {
    // First run at the start, last one at the end, the others evenly between.
    const uint64_t first = runs == 1 ? 0 : (n - per_run) / (runs - 1) * run;
    const unsigned char* run_data = data + first * element_bytes;
    if (read_from_file) {
      run_bytes.resize(per_run * element_bytes);
      file->read_into(*payload->file_offset + first * element_bytes, run_bytes.size(), run_bytes.data());
      run_data = run_bytes.data();
    }
    for (uint64_t i = 0; i < per_run; ++i) {
      const uint64_t w = view::load_le(run_data + i * element_bytes, size);
      const uint64_t s = reverse_word(w, size);
      if (w == s) continue;  // reads the same both ways: no evidence
      stored.push_back(w);
      swapped.push_back(s);
    }
  }
  const uint64_t sampled = runs * per_run;
  r.sampled = sampled;
  r.informative = stored.size();
  r.stored_plausible = plausible_share(stored, r.elem_type);
  r.swapped_plausible = plausible_share(swapped, r.elem_type);
  for (size_t i = 0; i < stored.size() && i < kExamples; ++i) {
    r.stored_examples.push_back(format_value(stored[i], r.elem_type));
    r.swapped_examples.push_back(format_value(swapped[i], r.elem_type));
  }
  r.verdict = verdict_of(r, options);
  return r;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

void for_each_checked_tensor(
    const onnx::ModelProto& model,
    const std::function<void(const onnx::TensorProto&, const std::string& graph, const char* kind)>& f) {
  walk_model(model, [&](const TensorProto& t, const std::string& graph, const char* kind,
                        const std::string&) { f(t, graph, kind); });
}

ByteOrderTensor assess_byte_order(const LoadedModel& model, const onnx::TensorProto& tensor,
                                  const ByteOrderOptions& options) {
  return assess(model, tensor, options);
}

ByteOrderReport check_byte_order(const LoadedModel& model, const ByteOrderOptions& options,
                                 std::vector<const onnx::TensorProto*>* flagged) {
  ByteOrderReport report;
  report.sample_limit = options.sample_limit;
  struct Entry {
    const TensorProto* tensor;
    ByteOrderTensor result;
  };
  std::vector<Entry> entries;
  walk_model(
      model.proto(),
      [&](const TensorProto& t, const std::string& graph, const char* kind, const std::string& name) {
        if (t.data_location() == TensorProto::EXTERNAL) {
          ++report.external;
          return;
        }
        if (element_size(t.data_type()) == 0) return;
        ByteOrderTensor r = assess(model, t, options);
        if (r.sampled == 0) return;  // typed fields, empty or malformed: not checked
        r.name = name;
        r.graph = graph;
        r.kind = kind;
        ++report.checked;
        entries.push_back({&t, std::move(r)});
      },
      model.compact_nodes.get());

  uint64_t strong_swapped = 0;
  for (const Entry& e : entries) {
    if (e.result.verdict == ByteOrderVerdict::Swapped) ++strong_swapped;
    if (e.result.verdict == ByteOrderVerdict::Native) ++report.native;
  }
  // A whole model written on a big-endian host: its small tensors (shapes,
  // axes, scalars) are swapped too, but too small to decide on their own.
  // When every decidable tensor is swapped, flag those whose every
  // informative element reads implausibly as stored and plausibly swapped.
  const bool model_swapped = strong_swapped > 0 && report.native == 0;
  for (Entry& e : entries) {
    ByteOrderTensor& r = e.result;
    if (model_swapped && r.verdict == ByteOrderVerdict::Undecidable && r.informative > 0 &&
        r.stored_plausible == 0.0 && r.swapped_plausible == 1.0) {
      r.verdict = ByteOrderVerdict::Swapped;
      r.evidence = ByteOrderEvidence::Model;
    }
    if (r.verdict == ByteOrderVerdict::Swapped) {
      if (flagged) flagged->push_back(e.tensor);
      report.swapped.push_back(std::move(r));
    } else if (r.verdict == ByteOrderVerdict::Undecidable) {
      ++report.undecidable;
    }
  }
  return report;
}

std::string ByteOrderReport::summary() const {
  if (swapped.empty()) return {};
  uint64_t initializers = 0;
  for (const auto& t : swapped)
    if (t.kind == "initializer") ++initializers;
  const uint64_t constants = swapped.size() - initializers;
  std::string what;
  if (initializers) what = plural(initializers, "initializer", "initializers");
  if (constants)
    what += (what.empty() ? "" : " and ") + plural(constants, "Constant value", "Constant values");
  std::string s = what + (swapped.size() == 1 ? " looks" : " look") + " byte-swapped: ";
  if (native == 0)
    s += "the model was probably written in native byte order on a big-endian host";
  else
    s += plural(native, "other tensor reads", "other tensors read") +
         " correctly as stored, so only part of the model was written in the wrong byte order";
  return s;
}

bool reverse_element_bytes(std::string& bytes, int element_size) {
  if (element_size < 2 || bytes.size() % static_cast<size_t>(element_size) != 0) return false;
  for (size_t i = 0; i < bytes.size(); i += static_cast<size_t>(element_size))
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i) + element_size);
  return true;
}

}  // namespace zonnx
