// The opset stepper: plans and performs the conversion in memory (on the
// structure only; weights stay in the input's map), then sets ir_version and
// opset imports and validates the result.
#include "zonnx/convert.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "convert/adapters.h"
#include "convert/convert_internal.h"
#include "view/schemas_past_17.h"
#include "view/tensor_data.h"
#include "zonnx/byte_order.h"
#include "zonnx/errors.h"
#include "zonnx/external_data.h"
#include "zonnx/model_view.h"

namespace zonnx {
namespace {

using onnx::FunctionProto;
using onnx::GraphProto;
using onnx::NodeProto;
using onnx::TensorProto;
using Nodes = google::protobuf::RepeatedPtrField<NodeProto>;

bool is_onnx_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// Calls f(graph) for every subgraph held by a node's attributes.
template <typename F>
void for_each_subgraph(NodeProto& node, F&& f) {
  for (auto& a : *node.mutable_attribute()) {
    if (a.has_g()) f(*a.mutable_g(), a.name());
    for (int i = 0; i < a.graphs_size(); ++i)
      f(*a.mutable_graphs(i), a.name() + "[" + std::to_string(i) + "]");
  }
}

// Pairs the working copy's nodes with the view's (identical structure at the start).
void pair_nodes(const Nodes& view_nodes, Nodes& work_nodes,
                const std::unordered_map<const NodeProto*, size_t>& index,
                std::unordered_map<const NodeProto*, size_t>& out) {
  for (int i = 0; i < work_nodes.size(); ++i) {
    const NodeProto& v = view_nodes.Get(i);
    NodeProto& w = *work_nodes.Mutable(i);
    auto it = index.find(&v);
    if (it != index.end()) out[&w] = it->second;
    for (int a = 0; a < w.attribute_size(); ++a) {
      const auto& va = v.attribute(a);
      auto* wa = w.mutable_attribute(a);
      if (wa->has_g()) pair_nodes(va.g().node(), *wa->mutable_g()->mutable_node(), index, out);
      for (int g = 0; g < wa->graphs_size(); ++g)
        pair_nodes(va.graphs(g).node(), *wa->mutable_graphs(g)->mutable_node(), index, out);
    }
  }
}

// Calls f(nodes, graph) for the node list of the main graph, of every subgraph (graph: that
// subgraph) and of every model-local function (graph: null).
void for_each_node_list(const onnx::ModelProto& m,
                        const std::function<void(const Nodes&, const GraphProto*)>& f) {
  std::function<void(const Nodes&, const GraphProto*)> visit = [&](const Nodes& nodes, const GraphProto* g) {
    f(nodes, g);
    for (const auto& n : nodes)
      for (const auto& a : n.attribute()) {
        if (a.has_g()) visit(a.g().node(), &a.g());
        for (const auto& sub : a.graphs()) visit(sub.node(), &sub);
      }
  };
  visit(m.graph().node(), &m.graph());
  for (const auto& fn : m.functions()) visit(fn.node(), nullptr);
}

// Every value and node name of the model (new names must avoid them).
std::unordered_set<std::string> all_names(const onnx::ModelProto& m) {
  std::unordered_set<std::string> names;
  for_each_node_list(m, [&](const Nodes& nodes, const GraphProto* g) {
    if (g) {
      for (const auto& v : g->input()) names.insert(v.name());
      for (const auto& v : g->output()) names.insert(v.name());
      for (const auto& t : g->initializer()) names.insert(t.name());
    }
    for (const auto& n : nodes) {
      names.insert(n.input().begin(), n.input().end());
      names.insert(n.output().begin(), n.output().end());
      names.insert(n.name());
    }
  });
  return names;
}

class Converter {
 public:
  Converter(const ModelView& view, onnx::ModelProto& work, ConvertResult& result)
      : view_(view), work_(work), result_(result) {
    std::unordered_map<const NodeProto*, size_t> index;
    for (const auto& n : view.nodes())
      index[n.fields.proto()] = n.index;  // a view of protos: convert loads no compact nodes
    const auto& vp = view.model().proto();
    std::unordered_map<const NodeProto*, size_t> paired;
    pair_nodes(vp.graph().node(), *work.mutable_graph()->mutable_node(), index, paired);
    for (int f = 0; f < work.functions_size(); ++f)
      pair_nodes(vp.functions(f).node(), *work.mutable_functions(f)->mutable_node(), index, paired);
    for (const auto& [node, idx] : paired) graph_of_[node] = view.nodes()[idx].graph;
    names_ = all_names(work);
  }

  // Steps every unit (main graph, each function) from its opset to `target`.
  void run(int target) {
    const int main_from = static_cast<int>(result_.from_opset);
    for (int s = main_from; s != target; s += (target > s ? 1 : -1)) {
      const int t = target > s ? s + 1 : s - 1;
      step_nodes(*work_.mutable_graph()->mutable_node(), s, t);
    }
    for (auto& f : *work_.mutable_functions()) {
      int from = 0;
      for (const auto& o : f.opset_import())
        if (is_onnx_domain(o.domain())) from = static_cast<int>(o.version());
      if (from == 0) continue;
      for (int s = from; s != target; s += (target > s ? 1 : -1)) {
        const int t = target > s ? s + 1 : s - 1;
        step_nodes(*f.mutable_node(), s, t);
      }
    }
    for (const auto& [node, st] : state_) {
      if (refused_.count(node) || !st.version_changed) continue;
      (st.edited ? result_.rewritten : result_.relabelled)[st.op]++;
    }
  }

 private:
  struct NodeState {
    std::string op;
    bool edited = false;
    bool version_changed = false;
  };

  class Context : public convert::StepContext {
   public:
    Context(Converter& c, NodeProto& node, int graph, std::vector<std::pair<int, NodeProto>>& inserts,
            int position, int s, int t, int vf, int vt)
        : StepContext(node, s, t, vf, vt), c_(c), graph_(graph), inserts_(inserts), position_(position) {}

    const ValueType* type(const std::string& name) const override {
      auto it = c_.new_types_.find(name);
      if (it != c_.new_types_.end()) return &it->second;
      return graph_ >= 0 ? c_.view_.type_of(graph_, name) : nullptr;
    }
    std::optional<std::vector<int64_t>> const_ints(const std::string& name) const override {
      auto it = c_.new_constants_.find(name);
      if (it != c_.new_constants_.end())
        return view::decode_ints(it->second, view::inline_payload(it->second), 1 << 20);
      return graph_ >= 0 ? c_.view_.constant_ints(graph_, name) : std::nullopt;
    }
    std::optional<std::vector<double>> const_floats(const std::string& name) const override {
      auto it = c_.new_constants_.find(name);
      if (it != c_.new_constants_.end())
        return view::decode_floats(it->second, view::inline_payload(it->second), 1 << 20);
      return graph_ >= 0 ? c_.view_.constant_floats(graph_, name) : std::nullopt;
    }
    std::string add_constant(TensorProto tensor, const std::string& hint) override {
      const std::string base = (node.name().empty() ? node.op_type() : node.name()) + "_" + hint;
      std::string name = base;
      for (int i = 1; c_.names_.count(name); ++i) name = base + "_" + std::to_string(i);
      c_.names_.insert(name);
      NodeProto constant;
      constant.set_op_type("Constant");
      constant.set_name(name);
      constant.add_output(name);
      auto* a = constant.add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      *a->mutable_t() = tensor;
      ValueType vt;
      vt.kind = ValueType::Kind::Tensor;
      vt.elem_type = tensor.data_type();
      vt.has_shape = true;
      for (int64_t d : tensor.dims()) vt.dims.push_back(Dim::of(d));
      c_.new_types_[name] = vt;
      c_.new_constants_[name] = std::move(tensor);
      inserts_.emplace_back(position_, std::move(constant));
      c_.result_.constants_added++;
      return name;
    }
    std::string fresh_name(const std::string& hint) override {
      const std::string base = (node.name().empty() ? node.op_type() : node.name()) + "_" + hint;
      std::string name = base;
      for (int i = 1; c_.names_.count(name); ++i) name = base + "_" + std::to_string(i);
      c_.names_.insert(name);
      return name;
    }
    void insert_node(NodeProto added, bool after) override {
      if (added.name().empty()) added.set_name(fresh_name(added.op_type()));
      inserts_.emplace_back(after ? position_ + 1 : position_, std::move(added));
      c_.result_.nodes_added++;
    }
    void set_type(const std::string& value, ValueType t) override { c_.new_types_[value] = std::move(t); }

   private:
    Converter& c_;
    int graph_;
    std::vector<std::pair<int, NodeProto>>& inserts_;
    int position_;
  };

  std::string node_label(const NodeProto& n, int position) const {
    return n.name().empty() ? n.op_type() + "#" + std::to_string(position) : n.name();
  }

  std::string graph_path(int graph) const {
    return graph >= 0 ? view_.graphs()[static_cast<size_t>(graph)].path : std::string("?");
  }

  void refuse(NodeProto& node, int graph, int position, int s, int t, std::string reason) {
    refused_.insert(&node);
    result_.refusals.push_back(
        {graph_path(graph), node_label(node, position), node.op_type(), s, t, std::move(reason)});
  }

  void step_nodes(Nodes& nodes, int s, int t) {
    const OpVersions& versions = OpVersions::embedded();
    std::vector<std::pair<int, NodeProto>> inserts;
    for (int i = 0; i < nodes.size(); ++i) {
      NodeProto& node = *nodes.Mutable(i);
      for_each_subgraph(node,
                        [&](GraphProto& g, const std::string&) { step_nodes(*g.mutable_node(), s, t); });
      if (!is_onnx_domain(node.domain()) || refused_.count(&node)) continue;
      const int graph = graph_of_.count(&node) ? graph_of_[&node] : -1;
      const std::string& op = node.op_type();
      const int vf = versions.resolve(op, s);
      const int vt = versions.resolve(op, t);
      if (versions.versions(op).empty()) {
        refuse(node, graph, i, s, t, "'" + op + "' is not an ai.onnx operator");
        continue;
      }
      if (vf == 0 || versions.removed_at(op, s)) {
        refuse(node, graph, i, s, t, op + " does not exist at opset " + std::to_string(s));
        continue;
      }
      // A deprecated op whose successor means the same becomes that successor.
      const convert::Adapter* replace =
          vt == 0 || versions.removed_at(op, t) ? convert::find_replacement(op, vf, t > s) : nullptr;
      if (replace) {
        NodeState& st = state_[&node];
        st.op = op;
        st.version_changed = true;
        Context ctx(*this, node, graph, inserts, i, s, t, vf, vt);
        if (auto reason = (*replace)(ctx)) {
          refuse(node, graph, i, s, t, *reason);
          continue;
        }
        st.edited = true;
        continue;
      }
      if (vt == 0) {
        refuse(node, graph, i, s, t,
               op + " did not exist at opset " + std::to_string(t) + " (introduced in opset " +
                   std::to_string(versions.versions(op).front()) + ")");
        continue;
      }
      if (versions.removed_at(op, t)) {
        refuse(node, graph, i, s, t,
               op + " is deprecated at opset " + std::to_string(t) + " (no adapter replaces it)");
        continue;
      }
      if (vf == vt) continue;
      NodeState& st = state_[&node];
      st.op = op;
      st.version_changed = true;
      const convert::Adapter* adapter = convert::find_adapter(op, vf, vt);
      if (!adapter) {
        refuse(node, graph, i, s, t,
               "zonnx has no adapter for " + op + "-" + std::to_string(vf) + " -> " + op + "-" +
                   std::to_string(vt));
        continue;
      }
      Context ctx(*this, node, graph, inserts, i, s, t, vf, vt);
      if (auto reason = (*adapter)(ctx)) {
        refuse(node, graph, i, s, t, *reason);
        continue;
      }
      st.edited = st.edited || ctx.changed;
    }
    if (inserts.empty()) return;
    // Put the new nodes where the adapters asked: before their node (constants, the first half of
    // a rewrite) or after it (position i + 1, possibly the end). Pointers stay valid: the nodes
    // are taken out and put back without copies (the "unsafe" calls only skip copying between
    // arenas, and every node here is on the model's), and new ones are made on that arena.
    const int n = nodes.size();
    std::vector<NodeProto*> ptrs(static_cast<size_t>(n));
    nodes.UnsafeArenaExtractSubrange(0, n, ptrs.data());
    std::stable_sort(inserts.begin(), inserts.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t k = 0;
    int graph = -1;
    auto add_inserts_at = [&](int position) {
      for (; k < inserts.size() && inserts[k].first == position; ++k) {
        auto* added = google::protobuf::Arena::CreateMessage<NodeProto>(nodes.GetArena());
        *added = std::move(inserts[k].second);
        graph_of_[added] = graph;
        nodes.UnsafeArenaAddAllocated(added);
      }
    };
    for (int i = 0; i < n; ++i) {
      NodeProto* node = ptrs[static_cast<size_t>(i)];
      graph = graph_of_.count(node) ? graph_of_[node] : -1;
      add_inserts_at(i);
      nodes.UnsafeArenaAddAllocated(node);
    }
    add_inserts_at(n);
  }

  const ModelView& view_;
  onnx::ModelProto& work_;
  ConvertResult& result_;
  std::unordered_map<const NodeProto*, int> graph_of_;
  std::unordered_set<std::string> names_;
  std::unordered_map<std::string, ValueType> new_types_;
  std::unordered_map<std::string, TensorProto> new_constants_;
  std::unordered_set<const NodeProto*> refused_;
  std::map<const NodeProto*, NodeState> state_;
};

// Values read by a node or returned by a graph or function.
std::unordered_set<std::string> consumed(const onnx::ModelProto& m) {
  std::unordered_set<std::string> used;
  for_each_node_list(m, [&](const Nodes& nodes, const GraphProto* g) {
    if (g)
      for (const auto& o : g->output()) used.insert(o.name());
    for (const auto& n : nodes) used.insert(n.input().begin(), n.input().end());
  });
  for (const auto& f : m.functions()) used.insert(f.output().begin(), f.output().end());
  return used;
}

// Removes Constant nodes whose output was consumed before the conversion and
// no longer is (an adapter folded it into an attribute). Returns how many.
uint64_t drop_orphaned_constants(Nodes& nodes, const std::unordered_set<std::string>& before,
                                 const std::unordered_set<std::string>& after) {
  uint64_t removed = 0;
  for (int i = nodes.size() - 1; i >= 0; --i) {
    NodeProto& n = *nodes.Mutable(i);
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) removed += drop_orphaned_constants(*a.mutable_g()->mutable_node(), before, after);
      for (auto& g : *a.mutable_graphs())
        removed += drop_orphaned_constants(*g.mutable_node(), before, after);
    }
    if (n.op_type() == "Constant" && is_onnx_domain(n.domain()) && n.output_size() == 1 &&
        before.count(n.output(0)) && !after.count(n.output(0))) {
      nodes.DeleteSubrange(i, 1);
      ++removed;
    }
  }
  return removed;
}

// ---- ir_version ---------------------------------------------------------------------------------

int64_t ir_for_onnx_opset(int64_t v) {
  if (v <= 8) return 3;
  if (v == 9) return 4;
  if (v == 10) return 5;
  if (v == 11) return 6;
  if (v <= 14) return 7;
  if (v <= 18) return 8;
  if (v <= 20) return 9;
  if (v <= 22) return 10;
  if (v == 23) return 11;
  if (v == 24) return 12;
  return 13;
}

int64_t ir_for_opset(const std::string& domain, int64_t v) {
  if (is_onnx_domain(domain) || domain == "ai.onnx.preview") return ir_for_onnx_opset(v);
  if (domain == "ai.onnx.ml") {
    static const int64_t ml[] = {3, 3, 6, 8, 9, 10};
    return ml[std::clamp<int64_t>(v, 0, 5)];
  }
  if (domain == "ai.onnx.training" || domain == "ai.onnx.preview.training") return 7;
  return 3;
}

int64_t ir_for_elem(int32_t e) {
  if (e == TensorProto::BFLOAT16) return 4;
  if (e >= 17 && e <= 20) return 9;
  if (e == 21 || e == 22) return 10;
  if (e == 23) return 11;
  if (e == 24) return 12;
  if (e == 25 || e == 26) return 13;
  return 3;
}

struct IrScan {
  int64_t ir = 3;
  std::string why;
  void need(int64_t v, const std::string& what) {
    if (v > ir) {
      ir = v;
      why = what;
    }
  }
};

void scan_type(const onnx::TypeProto& t, IrScan& s) {
  if (t.has_tensor_type()) s.need(ir_for_elem(t.tensor_type().elem_type()), "element type");
  if (t.has_sequence_type()) {
    s.need(6, "sequence type");
    scan_type(t.sequence_type().elem_type(), s);
  }
  if (t.has_map_type()) {
    s.need(6, "map type");
    scan_type(t.map_type().value_type(), s);
  }
  if (t.has_optional_type()) {
    s.need(8, "optional type");
    scan_type(t.optional_type().elem_type(), s);
  }
  if (t.has_sparse_tensor_type()) {
    s.need(8, "sparse tensor type");
    s.need(ir_for_elem(t.sparse_tensor_type().elem_type()), "element type");
  }
}

// Lowest IR version for the model's opset imports and the features it uses.
IrScan required_ir(const onnx::ModelProto& m) {
  IrScan s;
  for (const auto& o : m.opset_import())
    s.need(ir_for_opset(o.domain(), o.version()),
           "opset " + (o.domain().empty() ? "ai.onnx" : o.domain()) + " " + std::to_string(o.version()));
  for_each_tensor(m, [&](const TensorProto& t) {
    s.need(ir_for_elem(t.data_type()), "element type " + elem_type_name(t.data_type()));
  });
  for_each_node_list(m, [&](const Nodes& nodes, const GraphProto* g) {
    if (g) {
      for (const auto* list : {&g->input(), &g->output(), &g->value_info()})
        for (const auto& v : *list) scan_type(v.type(), s);
      if (g->sparse_initializer_size() > 0) s.need(6, "sparse initializers");
    }
    for (const auto& n : nodes)
      for (const auto& a : n.attribute())
        if (a.name() == "to" || a.name() == "dtype" || a.name() == "output_dtype")
          s.need(ir_for_elem(static_cast<int32_t>(a.i())),
                 "element type " + elem_type_name(static_cast<int32_t>(a.i())));
  });
  if (m.functions_size() > 0) s.need(8, "model-local functions");
  if (m.training_info_size() > 0) s.need(7, "training_info");
  return s;
}

// IR < 4: every initializer must also be a graph input.
void add_initializers_to_inputs(GraphProto& g) {
  std::unordered_set<std::string> inputs;
  for (const auto& i : g.input()) inputs.insert(i.name());
  for (const auto& t : g.initializer()) {
    if (inputs.count(t.name())) continue;
    auto* vi = g.add_input();
    vi->set_name(t.name());
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(t.data_type());
    auto* shape = tt->mutable_shape();
    for (int64_t d : t.dims()) shape->add_dim()->set_dim_value(d);
  }
}

// ---- validation ---------------------------------------------------------------------------------

// The checker cannot see elided or external payloads: give such tensors a
// one-element placeholder in the copy it checks.
void placeholder_payloads(GraphProto& g);
void placeholder_tensor(TensorProto& t) {
  const bool external = t.data_location() == TensorProto::EXTERNAL;
  if (elided_payloads(t).empty() && !external) return;
  t.DiscardUnknownFields();
  t.clear_external_data();
  t.clear_data_location();
  if (t.data_type() == TensorProto::STRING)
    t.add_string_data("");
  else
    t.set_raw_data(std::string(8, '\0'));
}
void placeholder_nodes(Nodes& nodes) {
  for (auto& n : nodes)
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) placeholder_tensor(*a.mutable_t());
      for (auto& t : *a.mutable_tensors()) placeholder_tensor(t);
      if (a.has_g()) placeholder_payloads(*a.mutable_g());
      for (auto& g : *a.mutable_graphs()) placeholder_payloads(g);
    }
}
void placeholder_payloads(GraphProto& g) {
  for (auto& t : *g.mutable_initializer()) placeholder_tensor(t);
  placeholder_nodes(*g.mutable_node());
}

// Every ai.onnx node must verify against the schema of the target opset.
std::vector<std::string> verify_nodes(const onnx::ModelProto& m, int target) {
  std::vector<std::string> problems;
  for_each_node_list(m, [&](const Nodes& nodes, const GraphProto*) {
    for (const auto& n : nodes) {
      if (!is_onnx_domain(n.domain())) continue;
      const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), target, "");
      if (!schema) {
        problems.push_back(n.op_type() + " '" + n.name() + "': no schema at opset " + std::to_string(target));
        continue;
      }
      try {
        schema->Verify(n);
      } catch (const std::exception& e) {
        problems.push_back(n.op_type() + " '" + n.name() + "': " + e.what());
      }
    }
  });
  return problems;
}

void check_external_locations(const LoadedModel& m) {
  std::string dir = std::filesystem::path(m.path).parent_path().string();
  if (dir.empty()) dir = ".";
  for_each_tensor(m.proto(), [&](const TensorProto& t) {
    if (t.data_location() != TensorProto::EXTERNAL) return;
    for (const auto& kv : t.external_data())
      if (kv.key() == "location") resolve_external_location(dir, kv.value());
  });
}

}  // namespace

void for_each_tensor(const onnx::ModelProto& m, const std::function<void(const TensorProto&)>& f) {
  for_each_node_list(m, [&](const Nodes& nodes, const GraphProto* g) {
    if (g) {
      for (const auto& t : g->initializer()) f(t);
      for (const auto& sp : g->sparse_initializer()) {
        f(sp.values());
        f(sp.indices());
      }
    }
    for (const auto& n : nodes)
      for (const auto& a : n.attribute()) {
        if (a.has_t()) f(a.t());
        for (const auto& t : a.tensors()) f(t);
      }
  });
}

bool has_external_data(const onnx::ModelProto& m) {
  bool any = false;
  for_each_tensor(m, [&](const TensorProto& t) { any = any || t.data_location() == TensorProto::EXTERNAL; });
  return any;
}

int parse_target_opset(const std::string& value) {
  if (value == "nnpa") return SupportTables::embedded().profile().nnpa_recommended_opset;
  int v = 0;
  size_t used = 0;
  try {
    v = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || used == 0 || v < kConvertMinOpset || v > kConvertMaxOpset)
    throw UsageError("--opset: '" + value + "' is not an opset from " + std::to_string(kConvertMinOpset) +
                     " to " + std::to_string(kConvertMaxOpset) + " or 'nnpa'");
  return v;
}

ConvertResult convert_model(const std::string& path, const ConvertOptions& options) {
  view::ensure_onnx_schemas_past_17();
  ConvertResult result;
  result.input_path = path;
  result.to_opset = options.target_opset;
  AnalysisOptions analysis;
  analysis.march = options.march;

  LoadedModel loaded = load_model(path, options.load);
  // Before the view is built, so shape inference and the adapters read the fixed values.
  if (options.fix_byte_order)
    for (std::string& note : byte_order_fix_notes(fix_byte_order(loaded)))
      result.notes.push_back(std::move(note));
  // The view adds inferred value_info to its proto; the output starts from the input's own,
  // copied straight onto its arena (a move between two arenas would copy it again).
  auto out = std::make_shared<LoadedModel>();
  out->proto() = loaded.proto();
  ModelView before = ModelView::build(std::move(loaded));
  result.before = analyze(before, analysis).summary;
  const LoadedModel& in = before.model();
  check_external_locations(in);
  result.ir_before = in.proto().ir_version();
  result.from_opset = before.facts().onnx_opset();
  if (result.from_opset == 0) {
    result.refusals.push_back({"main", "-", "-", 0, options.target_opset,
                               "the model imports no ai.onnx opset, so there is nothing to convert"});
    return result;
  }
  for (const auto& o : in.proto().opset_import())
    if (!is_onnx_domain(o.domain()))
      result.kept_domains.push_back(o.domain() + " " + std::to_string(o.version()));

  out->path = path;
  out->file = in.file;
  out->elided_tensors = in.elided_tensors;
  out->elided_bytes = in.elided_bytes;
  const std::unordered_set<std::string> consumed_before = consumed(out->proto());
  Converter converter(before, out->proto(), result);
  converter.run(options.target_opset);
  if (!result.ok()) return result;

  onnx::ModelProto& m = out->proto();
  const std::unordered_set<std::string> consumed_after = consumed(m);
  result.constants_removed =
      drop_orphaned_constants(*m.mutable_graph()->mutable_node(), consumed_before, consumed_after);
  for (auto& f : *m.mutable_functions())
    result.constants_removed += drop_orphaned_constants(*f.mutable_node(), consumed_before, consumed_after);
  for (auto& o : *m.mutable_opset_import())
    if (is_onnx_domain(o.domain())) o.set_version(options.target_opset);
  for (auto& f : *m.mutable_functions())
    for (auto& o : *f.mutable_opset_import())
      if (is_onnx_domain(o.domain())) o.set_version(options.target_opset);

  const IrScan ir = required_ir(m);
  m.set_ir_version(ir.ir);
  result.ir_after = ir.ir;
  if (ir.ir != result.ir_before)
    result.notes.push_back("ir_version " + std::to_string(result.ir_before) + " -> " + std::to_string(ir.ir) +
                           " (lowest IR for " + ir.why + ")");
  if (ir.ir < 4) {
    add_initializers_to_inputs(*m.mutable_graph());
    result.notes.push_back("IR 3: initializers also listed as graph inputs");
  }
  if (!result.kept_domains.empty())
    result.notes.push_back("nodes of other domains kept unchanged with their opset imports");
  if (m.functions_size() > 0)
    result.notes.push_back(std::to_string(m.functions_size()) +
                           " model-local function(s) converted and kept");
  result.notes.push_back("value_info kept: adapters never change an output's type or shape");

  // Validation: the target schemas, then (target <= 17) libonnx's checker, then the model view.
  const std::vector<std::string> problems = verify_nodes(m, options.target_opset);
  if (!problems.empty())
    throw ModelError(path, "converted model fails schema verification (zonnx bug): " + problems.front());
  if (options.target_opset <= 17) {
    onnx::ModelProto copy = m;
    placeholder_payloads(*copy.mutable_graph());
    for (auto& f : *copy.mutable_functions()) placeholder_nodes(*f.mutable_node());
    if (copy.ir_version() > 8) {
      copy.set_ir_version(8);
      result.notes.push_back("onnx checker ran with ir_version clamped to 8 (libonnx 1.12 refuses newer IR)");
    }
    try {
      onnx::checker::check_model(copy);
    } catch (const std::exception& e) {
      throw ModelError(path, std::string("converted model fails the onnx checker (zonnx bug): ") + e.what());
    }
    result.checker_ran = true;
  }
  LoadedModel check;
  check.path = path;
  check.file = out->file;
  check.proto() = m;
  std::optional<ModelView> after;
  try {
    after.emplace(ModelView::build(std::move(check)));
  } catch (const ModelError& e) {
    throw ModelError(path,
                     "converted model fails the model view's structural checks (zonnx bug): " + e.cause());
  }
  result.after = analyze(*after, analysis).summary;
  result.converted = std::move(out);
  return result;
}

}  // namespace zonnx
