// The machine-readable report: schema "zonnx.inspect/1", documented field by
// field in docs/json-schema.md (and docs/zonnx.inspect-1.schema.json).
//
// Keys are emitted in a fixed order and nothing depends on time, locale or
// the environment, so the same model and analysis dump to the same bytes.
// Every string taken from the model is made valid UTF-8 first: dump() would
// otherwise throw on a model with a malformed name.

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>

#include "report/report_util.h"
#include "zonnx/byte_order.h"
#include "zonnx/report.h"

namespace zonnx {
namespace {

using Json = nlohmann::ordered_json;
using report::valid_utf8;

double round4(double v) {
  if (!std::isfinite(v)) return 0.0;
  return std::round(v * 10000.0) / 10000.0;
}

Json shape_json(const ValueType* type) {
  if (!type || !type->has_shape) return nullptr;
  Json dims = Json::array();
  for (const Dim& d : type->dims) {
    if (d.is_static())
      dims.push_back(d.value);
    else if (!d.param.empty())
      dims.push_back(valid_utf8(d.param));
    else
      dims.push_back(nullptr);
  }
  return dims;
}

Json type_json(const ValueType* type) {
  if (!type) return nullptr;
  std::optional<std::string> name = report::type_name(*type);
  return name ? Json(*name) : Json(nullptr);
}

Json value_json(const std::string& name, const ValueType* type) {
  Json v = Json::object();
  v["name"] = valid_utf8(name);
  v["type"] = type_json(type);
  v["shape"] = shape_json(type);
  return v;
}

Json op_counts_json(const std::vector<OpCount>& ops) {
  Json a = Json::array();
  for (const OpCount& op : ops) {
    Json o = Json::object();
    o["op"] = valid_utf8(op.op_type);
    o["domain"] = valid_utf8(op.domain);
    o["count"] = op.count;
    a.push_back(std::move(o));
  }
  return a;
}

Json model_json(const ModelView& view) {
  const ModelFacts& f = view.facts();
  Json m = Json::object();
  m["path"] = valid_utf8(f.path);
  m["file_size"] = f.file_size;
  m["ir_version"] = f.ir_version;
  m["producer"] = Json{{"name", valid_utf8(f.producer_name)}, {"version", valid_utf8(f.producer_version)}};
  m["domain"] = valid_utf8(f.domain);
  m["model_version"] = f.model_version;
  m["doc_string"] = valid_utf8(f.doc_string);
  m["graph_name"] = valid_utf8(f.graph_name);
  Json opsets = Json::array();
  for (const OpsetImport& o : f.opsets)
    opsets.push_back(Json{{"domain", valid_utf8(o.domain)}, {"version", o.version}});
  m["opset_imports"] = std::move(opsets);
  Json metadata = Json::object();
  for (const auto& [key, value] : f.metadata) metadata[valid_utf8(key)] = valid_utf8(value);
  m["metadata"] = std::move(metadata);
  Json inputs = Json::array();
  for (const IoInfo& io : f.inputs) inputs.push_back(value_json(io.name, &io.type));
  m["inputs"] = std::move(inputs);
  Json outputs = Json::array();
  for (const IoInfo& io : f.outputs) outputs.push_back(value_json(io.name, &io.type));
  m["outputs"] = std::move(outputs);
  m["initializers"] =
      Json{{"count", f.initializer_count}, {"bytes", f.initializer_bytes}, {"external", f.external_tensors}};
  m["node_count"] = f.node_count;
  m["graph_count"] = f.graph_count;
  m["function_count"] = f.function_count;
  Json histogram = Json::array();
  for (const OpCount& op : f.op_histogram)
    histogram.push_back(
        Json{{"domain", valid_utf8(op.domain)}, {"op_type", valid_utf8(op.op_type)}, {"count", op.count}});
  m["op_histogram"] = std::move(histogram);
  return m;
}

Json target_json(const Analysis& analysis) {
  const ProfileInfo& p = SupportTables::embedded().profile();
  Json profile = Json::object();
  profile["name"] = p.name;
  profile["onnx_mlir_commit"] = p.onnx_mlir_commit;
  profile["onnx_mlir_version"] = p.onnx_mlir_version;
  profile["table_max_opset"] = p.table_max_opset;
  profile["nnpa_recommended_opset"] = p.nnpa_recommended_opset;
  Json t = Json::object();
  t["march"] = std::string(march_name(analysis.march));
  t["profile"] = std::move(profile);
  return t;
}

Json summary_json(const Summary& s) {
  Json j = Json::object();
  j["nodes"] = s.nodes;
  j["counted"] = s.counted;
  j["nnpa"] = s.nnpa;
  j["cpu"] = s.cpu;
  j["unsupported"] = s.unsupported;
  j["nnpa_share"] = round4(s.nnpa_share);
  j["cpu_share"] = round4(s.cpu_share);
  j["unsupported_share"] = round4(s.unsupported_share);
  j["blocking_ops"] = op_counts_json(s.blocking_ops);
  j["cpu_ops"] = op_counts_json(s.cpu_ops);
  j["heavy_cpu_ops"] = op_counts_json(s.heavy_cpu_ops);
  j["compiles"] = s.compiles();
  j["model_opset"] = s.model_opset;
  j["nnpa_recommended_opset"] = s.nnpa_recommended_opset;
  Json mac = Json::object();
  mac["nnpa"] = s.mac_nnpa;
  mac["total_known"] = s.mac_total_known;
  mac["nnpa_share"] = round4(s.mac_nnpa_share);
  mac["unknown_nodes"] = s.mac_unknown_nodes;
  j["mac"] = std::move(mac);
  j["regions"] = s.nnpa_regions;
  Json transitions = Json::object();
  transitions["stick"] = s.stick_transitions;
  transitions["unstick"] = s.unstick_transitions;
  transitions["total"] = s.stick_transitions + s.unstick_transitions;
  j["transitions"] = std::move(transitions);
  return j;
}

Json compare_json(const MarchComparison& c) {
  Json j = Json::object();
  j["from"] = std::string(march_name(c.from));
  j["to"] = std::string(march_name(c.to));
  Json moved = Json::array();
  for (const MovedNode& m : c.moved) {
    Json n = Json::object();
    n["index"] = m.index;
    n["name"] = valid_utf8(m.name);
    n["op_type"] = valid_utf8(m.op_type);
    n["from"] = std::string(placement_name(m.from));
    n["to"] = std::string(placement_name(m.to));
    n["rule"] = m.rule.empty() ? Json(nullptr) : Json(m.rule);
    moved.push_back(std::move(n));
  }
  j["moved"] = std::move(moved);
  j["nnpa_gain"] = c.nnpa_gain;
  j["nnpa_share_gain"] = round4(c.nnpa_share_gain);
  j["mac_gain"] = c.mac_gain;
  j["mac_share_gain"] = round4(c.mac_share_gain);
  return j;
}

// Tensors whose bytes look swapped (docs/byte-order.md); always present.
Json byte_order_json(const LoadedModel& model) {
  const ByteOrderReport report = check_byte_order(model);
  Json j = Json::object();
  j["checked"] = report.checked;
  j["external_skipped"] = report.external;
  j["native"] = report.native;
  j["undecidable"] = report.undecidable;
  j["sample_limit"] = report.sample_limit;
  if (report.any_swapped())
    j["finding"] = Json{{"rule", kByteSwappedRule},
                        {"message", valid_utf8(report.summary())},
                        {"hint", "repair with `zonnx convert MODEL --fix-byte-order -o FIXED.onnx`"}};
  else
    j["finding"] = nullptr;
  Json swapped = Json::array();
  for (const ByteOrderTensor& t : report.swapped) {
    Json e = Json::object();
    e["name"] = valid_utf8(t.name);
    e["graph"] = valid_utf8(t.graph);
    e["kind"] = t.kind;
    e["type"] = elem_type_name(t.elem_type);
    e["elements"] = t.elements;
    e["sampled"] = t.sampled;
    e["informative"] = t.informative;
    e["plausible_as_stored"] = round4(t.stored_plausible);
    e["plausible_swapped"] = round4(t.swapped_plausible);
    e["evidence"] = t.evidence == ByteOrderEvidence::Model ? "model" : "tensor";
    e["examples"] = Json{{"stored", t.stored_examples}, {"swapped", t.swapped_examples}};
    swapped.push_back(std::move(e));
  }
  j["swapped"] = std::move(swapped);
  return j;
}

Json reason_json(const Reason& r) {
  Json j = Json::object();
  j["rule"] = r.rule;
  j["message"] = valid_utf8(r.message);
  j["hint"] = valid_utf8(r.hint);
  Json values = Json::object();
  for (const auto& [key, value] : r.values) values[valid_utf8(key)] = valid_utf8(value);
  j["values"] = std::move(values);
  return j;
}

Json node_json(const ModelView& view, const NodeInfo& node, const NodeVerdict* verdict) {
  const NodeFields& fields = node.fields;
  const auto& graphs = view.graphs();
  const bool graph_known = node.graph >= 0 && static_cast<size_t>(node.graph) < graphs.size();
  Json n = Json::object();
  n["index"] = node.index;
  n["name"] = valid_utf8(fields.name());
  n["op_type"] = valid_utf8(fields.op_type());
  n["domain"] = valid_utf8(node.domain);
  n["graph"] = graph_known ? valid_utf8(graphs[static_cast<size_t>(node.graph)].path) : std::string();
  n["version"] = node.since_version;
  // No verdict only when the analysis is not of this view: say so rather than guess.
  n["placement"] = verdict ? Json(std::string(placement_name(verdict->placement))) : Json(nullptr);
  n["counted"] = verdict ? verdict->counted : false;
  Json reasons = Json::array();
  Json notes = Json::array();
  if (verdict) {
    for (const Reason& r : verdict->reasons) reasons.push_back(reason_json(r));
    for (const std::string& note : verdict->notes) notes.push_back(valid_utf8(note));
  }
  n["reasons"] = std::move(reasons);
  n["notes"] = std::move(notes);
  Json inputs = Json::array();
  for (int i = 0; i < fields.input_size(); ++i) {
    const std::string name(fields.input(i));
    inputs.push_back(value_json(name, name.empty() ? nullptr : view.input_type(node, i)));
  }
  n["inputs"] = std::move(inputs);
  Json outputs = Json::array();
  for (int i = 0; i < fields.output_size(); ++i) {
    const std::string name(fields.output(i));
    outputs.push_back(value_json(name, name.empty() ? nullptr : view.output_type(node, i)));
  }
  n["outputs"] = std::move(outputs);
  return n;
}

// -- nodes as text --------------------------------------------------------
// `--format json` writes 200,000 node objects; building each as a tree and
// dumping it was most of the run. NodeText writes the same bytes as
// node_json(...).dump(2) directly (tests/unit/report_test.cpp compares the
// two); a node's reasons, rare and nested, still go through the tree.

// A string as dump() writes valid UTF-8 (ensure_ascii off): the short
// escapes, \u00xx for the other control characters, every other byte as is
// (bytes of multi-byte characters are never below 0x80).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

class NodeText {
 public:
  // `one_line`: as dump() writes (no spaces, no line breaks); else as dump(2).
  NodeText(std::string& out, bool one_line) : out_(out), pretty_(!one_line) {}

  // node_json(view, node, verdict).dump(2) with every line after the first
  // indented by `indent` more spaces (the node's place in the "nodes" array),
  // or node_json(...).dump() when one line.
  void write(const ModelView& view, const NodeInfo& node, const NodeVerdict* verdict, int indent) {
    const NodeFields& fields = node.fields;
    const auto& graphs = view.graphs();
    const bool graph_known = node.graph >= 0 && static_cast<size_t>(node.graph) < graphs.size();
    const int in = indent + 2;
    out_ += '{';
    key(in, "index", true);
    out_ += std::to_string(node.index);
    key(in, "name");
    append_json_string(out_, valid_utf8(fields.name()));
    key(in, "op_type");
    append_json_string(out_, valid_utf8(fields.op_type()));
    key(in, "domain");
    append_json_string(out_, valid_utf8(node.domain));
    key(in, "graph");
    append_json_string(out_, graph_known ? valid_utf8(graphs[static_cast<size_t>(node.graph)].path) : "");
    key(in, "version");
    out_ += std::to_string(node.since_version);
    key(in, "placement");
    if (verdict)
      append_json_string(out_, placement_name(verdict->placement));
    else
      out_ += "null";
    key(in, "counted");
    out_ += verdict && verdict->counted ? "true" : "false";
    key(in, "reasons");
    if (verdict && !verdict->reasons.empty()) {
      Json reasons = Json::array();
      for (const Reason& r : verdict->reasons) reasons.push_back(reason_json(r));
      if (pretty_)
        report::append_indented(out_, reasons.dump(2), in);
      else
        out_ += reasons.dump();
    } else {
      out_ += "[]";
    }
    key(in, "notes");
    if (verdict && !verdict->notes.empty()) {
      out_ += '[';
      for (size_t i = 0; i < verdict->notes.size(); ++i) {
        item(in + 2, i == 0);
        append_json_string(out_, valid_utf8(verdict->notes[i]));
      }
      close(in, ']');
    } else {
      out_ += "[]";
    }
    key(in, "inputs");
    values(view, node, in, fields, true);
    key(in, "outputs");
    values(view, node, in, fields, false);
    close(indent, '}');
  }

 private:
  // Before an array item or object member: the separator, and in dump(2) a line break and indent.
  void item(int indent, bool first) {
    if (pretty_) {
      out_ += first ? "\n" : ",\n";
      out_.append(static_cast<size_t>(indent), ' ');
    } else if (!first) {
      out_ += ',';
    }
  }

  void key(int indent, std::string_view name, bool first = false) {
    item(indent, first);
    out_ += '"';
    out_ += name;
    out_ += pretty_ ? "\": " : "\":";
  }

  // The closing bracket of a non-empty array or object whose opening line is at `indent`.
  void close(int indent, char bracket) {
    if (pretty_) {
      out_ += '\n';
      out_.append(static_cast<size_t>(indent), ' ');
    }
    out_ += bracket;
  }

  // value_json of each operand, as an array at `indent`.
  void values(const ModelView& view, const NodeInfo& node, int indent, const NodeFields& fields,
              bool inputs) {
    const int count = inputs ? fields.input_size() : fields.output_size();
    if (count == 0) {
      out_ += "[]";
      return;
    }
    const int at = indent + 2, field = indent + 4;
    out_ += '[';
    for (int i = 0; i < count; ++i) {
      const std::string_view name = inputs ? fields.input(i) : fields.output(i);
      const ValueType* type =
          name.empty() ? nullptr : (inputs ? view.input_type(node, i) : view.output_type(node, i));
      item(at, i == 0);
      out_ += '{';
      key(field, "name", true);
      append_json_string(out_, valid_utf8(name));
      key(field, "type");
      std::optional<std::string> type_text = type ? report::type_name(*type) : std::nullopt;
      if (type_text)
        append_json_string(out_, *type_text);
      else
        out_ += "null";
      key(field, "shape");
      shape(type, field);
      close(at, '}');
    }
    close(indent, ']');
  }

  void shape(const ValueType* type, int indent) {
    if (!type || !type->has_shape) {
      out_ += "null";
      return;
    }
    if (type->dims.empty()) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    for (size_t i = 0; i < type->dims.size(); ++i) {
      const Dim& d = type->dims[i];
      item(indent + 2, i == 0);
      if (d.is_static())
        out_ += std::to_string(d.value);
      else if (!d.param.empty())
        append_json_string(out_, valid_utf8(d.param));
      else
        out_ += "null";
    }
    close(indent, ']');
  }

  std::string& out_;
  bool pretty_;
};

}  // namespace

nlohmann::ordered_json inspect_json(const ModelView& view, const Analysis& analysis,
                                    const std::vector<GateResult>& gates, const MarchComparison* compare,
                                    bool include_nodes) {
  Json j = Json::object();
  j["schema"] = kJsonSchema;
  j["tool"] = Json{{"name", "zonnx"}, {"version", ZONNX_VERSION}};
  j["model"] = model_json(view);
  j["target"] = target_json(analysis);
  j["summary"] = summary_json(analysis.summary);
  if (compare) j["compare_march"] = compare_json(*compare);
  j["byte_order"] = byte_order_json(view.model());
  j["gates"] = report::gates_json(gates);
  Json warnings = Json::array();
  for (const std::string& w : view.warnings()) warnings.push_back(valid_utf8(w));
  j["warnings"] = std::move(warnings);
  Json nodes = Json::array();
  const auto& verdicts = analysis.verdicts;
  if (include_nodes)
    for (const NodeInfo& node : view.nodes())
      nodes.push_back(node_json(view, node, node.index < verdicts.size() ? &verdicts[node.index] : nullptr));
  j["nodes"] = std::move(nodes);
  return j;
}

void write_inspect_json(std::ostream& out, nlohmann::ordered_json report, const ModelView& view,
                        const Analysis& analysis, bool one_line) {
  // Everything but the nodes goes through dump(); "nodes" is the last key, so
  // its empty array closes the text and the nodes are written in its place.
  report.erase("nodes");
  report["nodes"] = Json::array();
  const std::string head = one_line ? report.dump() : report.dump(2);
  const std::string_view tail = one_line ? "\"nodes\":[]}" : "\"nodes\": []\n}";
  if (view.nodes().empty() || head.size() < tail.size() ||
      std::string_view(head).substr(head.size() - tail.size()) != tail) {
    out << head << "\n";
    return;
  }
  // Up to and including the '[' of "nodes".
  out.write(head.data(), static_cast<std::streamsize>(head.size() - (one_line ? 2 : 3)));
  // Nodes are written into one buffer that goes out in big writes: a stream
  // write per line was a fifth of the time for 200,000 nodes.
  constexpr size_t kFlushBytes = size_t{1} << 20;
  std::string buffer;
  buffer.reserve(kFlushBytes + (kFlushBytes >> 2));
  NodeText text(buffer, one_line);
  const auto& verdicts = analysis.verdicts;
  bool first = true;
  for (const NodeInfo& node : view.nodes()) {
    // Array items of a top-level key: two levels (four spaces) in.
    if (one_line)
      buffer += first ? "" : ",";
    else
      buffer += first ? "\n    " : ",\n    ";
    first = false;
    text.write(view, node, node.index < verdicts.size() ? &verdicts[node.index] : nullptr, 4);
    if (buffer.size() >= kFlushBytes) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out << (one_line ? "]}\n" : "\n  ]\n}\n");
}

}  // namespace zonnx
