#include "zonnx/model_view.h"

#include <absl/container/flat_hash_map.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/distinct_values.h"
#include "common/side_by_side.h"
#include "view/fast_infer.h"
#include "view/infer_runner.h"
#include "view/schemas_past_17.h"
#include "view/tensor_data.h"
#include "zonnx/errors.h"
#include "zonnx/tables.h"

namespace zonnx {

// ---------------------------------------------------------------------------
// Small public helpers.

bool ValueType::is_static() const {
  if (!has_shape) return false;
  for (const auto& d : dims)
    if (!d.is_static()) return false;
  return true;
}

int64_t ModelFacts::onnx_opset() const {
  for (const auto& o : opsets)
    if (o.domain == "ai.onnx") return o.version;
  return 0;
}

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool parse_int(const std::string& text, int64_t& out) {
  if (text.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (text[0] == '-' || text[0] == '+') {
    neg = text[0] == '-';
    i = 1;
  }
  if (i >= text.size()) return false;
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    int digit = text[i] - '0';
    if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = neg ? -v : v;
  return true;
}

std::vector<int64_t> parse_dims(const std::string& text, const std::string& option, const std::string& spec) {
  std::vector<int64_t> dims;
  std::string t = trim(text);
  if (t.empty())
    throw UsageError(option + " '" + spec + "': no dimensions given (expected e.g. 1x3x224x224)");
  size_t start = 0;
  while (true) {
    size_t x = t.find('x', start);
    std::string part = trim(t.substr(start, x == std::string::npos ? std::string::npos : x - start));
    int64_t v = 0;
    if (part == "?") {
      v = -1;
    } else if (!parse_int(part, v) || v < -1) {
      throw UsageError(option + " '" + spec + "': '" + part +
                       "' is not a dimension (use a number >= 0, or -1 for a dynamic dimension)");
    }
    dims.push_back(v);
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return dims;
}

}  // namespace

InputShape parse_input_shape(const std::string& spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos || trim(spec.substr(0, colon)).empty())
    throw UsageError("--input-shape '" + spec + "': expected NAME:DIMS, e.g. input:1x3x224x224");
  InputShape s;
  s.name = trim(spec.substr(0, colon));
  s.dims = parse_dims(spec.substr(colon + 1), "--input-shape", spec);
  return s;
}

std::vector<InputShape> parse_shape_information(const std::string& spec) {
  std::vector<InputShape> out;
  if (trim(spec).empty()) throw UsageError("--shapeInformation: empty value (expected e.g. 0:1x3x224x224)");
  size_t start = 0;
  while (true) {
    size_t comma = spec.find(',', start);
    std::string item =
        trim(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    size_t colon = item.find(':');
    if (colon == std::string::npos)
      throw UsageError("--shapeInformation '" + item + "': expected INDEX:DIMS, e.g. 0:1x3x224x224");
    std::string index = trim(item.substr(0, colon));
    std::vector<int64_t> dims = parse_dims(item.substr(colon + 1), "--shapeInformation", item);
    int64_t first = 0, last = 0;
    size_t dash = index.find('-', 1);  // "a-b" range; a leading '-' is a sign
    bool ok = dash == std::string::npos
                  ? parse_int(index, first) && (last = first, true)
                  : parse_int(index.substr(0, dash), first) && parse_int(index.substr(dash + 1), last);
    if (!ok || first < -1 || last < first || last > 1'000'000 || (first == -1 && last != -1))
      throw UsageError("--shapeInformation '" + item +
                       "': input index must be a number >= 0, a range like 0-2, or -1 for every input");
    for (int64_t i = first; i <= last; ++i) {
      InputShape s;
      s.index = static_cast<int>(i);
      s.dims = dims;
      out.push_back(std::move(s));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The builder.

namespace {

// A graph's nodes, as NodeProtos or (the main graph of a model loaded with
// compact nodes) compact records, read alike through NodeFields.
class Nodes {
 public:
  explicit Nodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& protos) : protos_(&protos) {}
  explicit Nodes(const CompactNodes& compact) : compact_(&compact) {}
  int size() const { return compact_ ? static_cast<int>(compact_->nodes.size()) : protos_->size(); }
  NodeFields Get(int i) const {
    return compact_ ? NodeFields(compact_->nodes[static_cast<size_t>(i)]) : NodeFields(protos_->Get(i));
  }
  NodeFields at(int i) const { return Get(i); }
  using iterator = PositionIterator<Nodes, NodeFields>;
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }

 private:
  const google::protobuf::RepeatedPtrField<onnx::NodeProto>* protos_ = nullptr;
  const CompactNodes* compact_ = nullptr;
};

std::string normalize_domain(std::string_view d) {
  return d.empty() ? std::string("ai.onnx") : std::string(d);
}

std::string node_label(const NodeFields& n, size_t pos) {
  if (!n.name().empty()) return "'" + std::string(n.name()) + "'";
  return "#" + std::to_string(pos) + " (" + std::string(n.op_type()) + ")";
}

// Constant-node attributes that carry the value, converted to a tensor.
std::unique_ptr<onnx::TensorProto> constant_attr_tensor(const onnx::AttributeProto& a) {
  auto t = std::make_unique<onnx::TensorProto>();
  const std::string& n = a.name();
  if (n == "value_float") {
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(a.f());
  } else if (n == "value_floats") {
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(a.floats_size());
    for (float f : a.floats()) t->add_float_data(f);
  } else if (n == "value_int") {
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_int64_data(a.i());
  } else if (n == "value_ints") {
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(a.ints_size());
    for (int64_t v : a.ints()) t->add_int64_data(v);
  } else if (n == "value_string") {
    t->set_data_type(onnx::TensorProto::STRING);
    t->add_string_data(a.s());
  } else if (n == "value_strings") {
    t->set_data_type(onnx::TensorProto::STRING);
    t->add_dims(a.strings_size());
    for (const auto& s : a.strings()) t->add_string_data(s);
  } else {
    return nullptr;
  }
  return t;
}

}  // namespace

class ModelViewBuilder {
 public:
  ModelViewBuilder(ModelView& view, const ViewOptions& options)
      : v_(view), options_(options), limits_(options.limits) {}

  void run() {
    view::ensure_onnx_schemas_past_17();
    discover_graphs();
    check_limits();
    validate_structure();  // also interns every value and node operand
    apply_bindings();
    collect_declared_params();
    std::optional<view::FastInference> fast;
    if (options_.infer_shapes) {
      // The fast pass numbers values with the view's own ids (no second hashing of names).
      view::ValueNumbering numbering;
      numbering.value_count = v_.values_.size();
      numbering.operands = [this](size_t node) { return v_.operands_.data() + operand_base_[node]; };
      numbering.id_of = [this](const std::string& name) {
        const auto& main = v_.names_[0];
        auto it = main.find(name);
        return it == main.end() ? view::kNoId : it->second;
      };
      // The fast pass only reads the proto and the operand table, and
      // build_nodes only writes the node and op tables.
      run_side_by_side(
          parallel(),
          [&] { fast = view::fast_infer(model(), limits_, &numbering, v_.model_->compact_nodes.get()); },
          [&] { build_nodes(); });
      if (!fast) {
        // libonnx reads NodeProtos: compact nodes are parsed now (the view keeps using the records).
        v_.model_->materialize_main_nodes();
        view::run_shape_inference(v_.model_->proto(), limits_, v_.warnings_, &v_.folded_values_);
      }
    } else {
      build_nodes();
    }
    // Types and links write different fields of the value slots; the slots
    // themselves were all made by validate_structure.
    run_side_by_side(
        parallel(), [&] { build_types(fast ? &*fast : nullptr); }, [&] { build_links(); });
    build_facts();
  }

 private:
  bool parallel() const { return options_.parallel && operand_base_.size() >= kSideBySideNodes; }

  struct Graph {
    const onnx::FunctionProto* root_function = nullptr;  // function the graph belongs to (opsets)
    int owner_graph = -1;
    size_t owner_pos = SIZE_MAX;  // position of the owner node in owner_graph
  };

  // Where a value is defined in its graph: an input/initializer, a node
  // output (the node's position), or not at all (only described, e.g. in value_info).
  static constexpr int64_t kNotDefined = INT64_MIN;
  static constexpr int64_t kDefinedUpFront = -1;
  struct SlotState {
    int graph = 0;
    int64_t defined_at = kNotDefined;
    bool is_initializer = false;
  };

  ModelView& v_;
  const ViewOptions& options_;
  Limits limits_;
  std::vector<Graph> extra_;
  std::vector<size_t> node_base_;
  std::unordered_map<const onnx::GraphProto*, int> graph_index_;
  std::vector<SlotState> slot_state_;                // parallel to v_.values_
  std::unordered_set<std::string> declared_params_;  // dim_params present before inference
  std::map<std::string, int64_t> model_opsets_;

  // (opset, version) by (function whose opsets apply, or null for the model's; op id): an op id
  // fixes the domain, so the pair fixes both, and each is looked up once.
  absl::flat_hash_map<std::pair<const onnx::FunctionProto*, uint32_t>, std::pair<int64_t, int>> op_versions_;
  std::vector<size_t> operand_base_;  // per node (index order): its first operand
  size_t operand_count_ = 0;
  uint64_t node_values_ = 0;  // outputs over all nodes
  struct TypeHash {
    size_t operator()(const ValueType& t) const {
      size_t h = (static_cast<size_t>(t.kind) * 31 + static_cast<size_t>(t.elem_type)) * 2 + t.has_shape;
      for (const Dim& d : t.dims)
        h = (h * 31 + std::hash<int64_t>()(d.value)) * 31 + std::hash<std::string>()(d.param);
      return h;
    }
  };
  struct TypeEqual {
    bool operator()(const ValueType& a, const ValueType& b) const {
      if (a.kind != b.kind || a.elem_type != b.elem_type || a.has_shape != b.has_shape ||
          a.dims.size() != b.dims.size())
        return false;
      for (size_t i = 0; i < a.dims.size(); ++i)
        if (a.dims[i].value != b.dims[i].value || a.dims[i].param != b.dims[i].param) return false;
      return true;
    }
  };
  // Each distinct type is stored once, in the view.
  DistinctValues<ValueType, TypeHash, TypeEqual> type_ids_{v_.types_};
  struct ViewPairHash {
    size_t operator()(const std::pair<std::string_view, std::string_view>& k) const {
      const std::hash<std::string_view> h;
      return h(k.first) * 31 ^ h(k.second);
    }
  };
  std::unordered_map<std::pair<std::string_view, std::string_view>, uint32_t, ViewPairHash> raw_op_ids_;
  std::map<std::pair<std::string, std::string>, uint32_t> op_ids_;

  const std::string& file() const { return v_.model_->path; }
  [[noreturn]] void fail(const std::string& cause) const { throw ModelError(file(), cause); }

  const onnx::ModelProto& model() const { return v_.model_->proto(); }

  Nodes nodes_of(int g) const {
    const GraphInfo& gi = v_.graphs_[static_cast<size_t>(g)];
    if (g == 0 && v_.model_->compact_nodes) return Nodes(*v_.model_->compact_nodes);
    return Nodes(gi.proto ? gi.proto->node() : gi.function->node());
  }

  // -- graphs ---------------------------------------------------------------

  void add_graph(GraphInfo info, Graph extra) {
    if (info.depth > limits_.max_graph_depth)
      fail("subgraphs are nested more than " + std::to_string(limits_.max_graph_depth) + " deep (at " +
           info.path + ")");
    if (info.proto) graph_index_.emplace(info.proto, static_cast<int>(v_.graphs_.size()));
    v_.graphs_.push_back(std::move(info));
    extra_.push_back(extra);
  }

  void discover_graphs() {
    GraphInfo main;
    main.path = "main";
    main.proto = &model().graph();
    add_graph(main, {});
    uint64_t nodes = 0;
    auto expand = [&](size_t from) {
      for (size_t g = from; g < v_.graphs_.size(); ++g) {
        const Nodes ns = nodes_of(static_cast<int>(g));
        nodes += static_cast<uint64_t>(ns.size());
        if (nodes > limits_.max_nodes)
          fail("more than " + std::to_string(limits_.max_nodes) + " nodes (limit)");
        if (g == 0) operand_base_.reserve(static_cast<size_t>(ns.size()));
        for (int pos = 0; pos < ns.size(); ++pos) {
          const auto& n = ns.Get(pos);
          // This walk is the one pass over every node before the structure
          // check: it also lays out the operand table and counts node outputs.
          operand_base_.push_back(operand_count_);
          operand_count_ += static_cast<size_t>(n.input_size() + n.output_size());
          node_values_ += static_cast<uint64_t>(n.output_size());
          for (const auto& a : n.attribute()) {
            if (a.has_t()) check_tensor(a.t(), "tensor attribute", v_.graphs_[g].path);
            auto child = [&](const onnx::GraphProto& sub, const std::string& suffix) {
              const std::string who = n.name().empty() ? "#" + std::to_string(pos) : std::string(n.name());
              GraphInfo info;
              info.path = v_.graphs_[g].path + "/" + who + "." + a.name() + suffix;
              info.proto = &sub;
              info.parent = static_cast<int>(g);
              info.depth = v_.graphs_[g].depth + 1;
              Graph extra;
              extra.root_function = extra_[g].root_function;
              extra.owner_graph = static_cast<int>(g);
              extra.owner_pos = static_cast<size_t>(pos);
              add_graph(std::move(info), extra);
            };
            if (a.has_g()) child(a.g(), "");
            for (int k = 0; k < a.graphs_size(); ++k) child(a.graphs(k), "[" + std::to_string(k) + "]");
          }
        }
      }
    };
    expand(0);
    size_t first_function = v_.graphs_.size();
    for (const auto& f : model().functions()) {
      GraphInfo info;
      info.path = "function:" + f.domain() + ":" + f.name();
      info.function = &f;
      Graph extra;
      extra.root_function = &f;
      add_graph(std::move(info), extra);
    }
    expand(first_function);
    // Node indices: graphs in order, nodes in order within each graph.
    size_t base = 0;
    for (size_t g = 0; g < v_.graphs_.size(); ++g) {
      node_base_.push_back(base);
      base += static_cast<size_t>(nodes_of(static_cast<int>(g)).size());
    }
    for (size_t g = 0; g < v_.graphs_.size(); ++g)
      if (extra_[g].owner_graph >= 0)
        v_.graphs_[g].owner_node =
            node_base_[static_cast<size_t>(extra_[g].owner_graph)] + extra_[g].owner_pos;
  }

  // -- limits ---------------------------------------------------------------

  void check_rank(const onnx::TypeProto& t, const std::string& name, const std::string& path) const {
    const onnx::TensorShapeProto* shape = nullptr;
    switch (t.value_case()) {
      case onnx::TypeProto::kTensorType:
        if (t.tensor_type().has_shape()) shape = &t.tensor_type().shape();
        break;
      case onnx::TypeProto::kSparseTensorType:
        if (t.sparse_tensor_type().has_shape()) shape = &t.sparse_tensor_type().shape();
        break;
      case onnx::TypeProto::kSequenceType:
        return check_rank(t.sequence_type().elem_type(), name, path);
      case onnx::TypeProto::kOptionalType:
        return check_rank(t.optional_type().elem_type(), name, path);
      case onnx::TypeProto::kMapType:
        return check_rank(t.map_type().value_type(), name, path);
      default:
        break;
    }
    if (shape && shape->dim_size() > limits_.max_rank)
      fail("value '" + name + "' in graph " + path + " has rank " + std::to_string(shape->dim_size()) +
           ", above the limit of " + std::to_string(limits_.max_rank));
  }

  void check_tensor(const onnx::TensorProto& t, const std::string& what, const std::string& path) const {
    if (t.dims_size() > limits_.max_rank)
      fail(what + " '" + t.name() + "' in graph " + path + " has rank " + std::to_string(t.dims_size()) +
           ", above the limit of " + std::to_string(limits_.max_rank));
    for (int64_t d : t.dims())
      if (d < 0) fail(what + " '" + t.name() + "' in graph " + path + " has a negative dimension");
  }

  void check_limits() const {
    uint64_t values = 0;
    for (size_t g = 0; g < v_.graphs_.size(); ++g) {
      const GraphInfo& gi = v_.graphs_[g];
      if (gi.proto) {
        const auto& p = *gi.proto;
        for (const auto* list : {&p.input(), &p.output(), &p.value_info()})
          for (const auto& vi : *list) check_rank(vi.type(), vi.name(), gi.path);
        for (const auto& t : p.initializer()) check_tensor(t, "initializer", gi.path);
        values += static_cast<uint64_t>(p.input_size() + p.initializer_size() + p.sparse_initializer_size());
      } else {
        values += static_cast<uint64_t>(gi.function->input_size());
      }
    }
    // Node outputs were counted (and tensor attributes checked) by discover_graphs.
    if (values + node_values_ > limits_.max_values)
      fail("more than " + std::to_string(limits_.max_values) + " values (limit)");
  }

  // -- structure ------------------------------------------------------------

  struct ScopeState {
    int graph = 0;
    size_t pos = 0;  // node being checked
  };

  // The nearest slot for `name` in graph g or an enclosing graph.
  ValueId lookup(int g, std::string_view name) const {
    for (; g >= 0; g = v_.graphs_[static_cast<size_t>(g)].parent) {
      const auto& index = v_.names_[static_cast<size_t>(g)];
      auto it = index.find(name);
      if (it != index.end()) return it->second;
    }
    return kNoValue;
  }

  // The slot of `name` in graph g, made on its first mention there. The
  // name must be one of the model's own strings, in its proto or (compact
  // nodes) its mapped file: the index keeps a view of it.
  ValueId slot(int g, std::string_view name) {
    auto& index = v_.names_[static_cast<size_t>(g)];
    auto [it, fresh] = index.try_emplace(name, static_cast<ValueId>(v_.values_.size()));
    if (fresh) add_slot(g, lookup(v_.graphs_[static_cast<size_t>(g)].parent, name));
    return it->second;
  }

  // Appends a value slot of graph g (the index entry is the caller's).
  ValueId add_slot(int g, ValueId outer, int64_t defined_at = kNotDefined) {
    const auto id = static_cast<ValueId>(v_.values_.size());
    ModelView::ValueSlot s;
    s.outer = outer;
    v_.values_.push_back(s);
    SlotState state;
    state.graph = g;
    state.defined_at = defined_at;
    slot_state_.push_back(state);
    return id;
  }

  // The slot validate_structure made for `name` in graph g, kNoValue if none.
  // Passes after it only look slots up, so they can run beside each other.
  ValueId interned(int g, std::string_view name) const {
    const auto& index = v_.names_[static_cast<size_t>(g)];
    auto it = index.find(name);
    return it == index.end() ? kNoValue : it->second;
  }

  // Names used inside graph g (and its subgraphs) that g does not define.
  std::unordered_set<std::string> free_names(int g) const {
    std::unordered_set<std::string> used, defined;
    std::function<void(int)> walk = [&](int gi) {
      const GraphInfo& info = v_.graphs_[static_cast<size_t>(gi)];
      if (info.proto) {
        for (const auto& vi : info.proto->input()) defined.insert(vi.name());
        for (const auto& t : info.proto->initializer()) defined.insert(t.name());
        for (const auto& t : info.proto->sparse_initializer()) defined.insert(t.values().name());
      }
      for (const auto& n : nodes_of(gi)) {
        for (std::string_view i : n.input())
          if (!i.empty()) used.emplace(i);
        for (std::string_view o : n.output())
          if (!o.empty()) defined.emplace(o);
        for (const auto& a : n.attribute()) {
          if (a.has_g()) walk(graph_index_.at(&a.g()));
          for (const auto& sub : a.graphs()) walk(graph_index_.at(&sub));
        }
      }
    };
    walk(g);
    std::unordered_set<std::string> free;
    for (const auto& u : used)
      if (!defined.count(u)) free.insert(u);
    return free;
  }

  // Whether graph g's nodes can be ordered at all (false: a genuine cycle).
  bool sortable(int g, std::string& cycle_node) const {
    const Nodes ns = nodes_of(g);
    std::unordered_map<std::string, size_t> producer;
    for (int i = 0; i < ns.size(); ++i)
      for (std::string_view o : ns.Get(i).output())
        if (!o.empty()) producer.emplace(std::string(o), static_cast<size_t>(i));
    std::vector<std::vector<size_t>> users(static_cast<size_t>(ns.size()));
    std::vector<size_t> pending(static_cast<size_t>(ns.size()), 0);
    for (int i = 0; i < ns.size(); ++i) {
      const auto& n = ns.Get(i);
      std::unordered_set<std::string> uses;
      for (std::string_view in : n.input()) uses.emplace(in);
      for (const auto& a : n.attribute()) {
        auto add = [&](const onnx::GraphProto& sub) {
          for (const auto& f : free_names(graph_index_.at(&sub))) uses.insert(f);
        };
        if (a.has_g()) add(a.g());
        for (const auto& sub : a.graphs()) add(sub);
      }
      std::unordered_set<size_t> deps;
      for (const auto& u : uses) {
        auto it = producer.find(u);
        if (it != producer.end()) deps.insert(it->second);
      }
      for (size_t d : deps) users[d].push_back(static_cast<size_t>(i));
      pending[static_cast<size_t>(i)] = deps.size();
    }
    std::deque<size_t> ready;
    for (size_t i = 0; i < pending.size(); ++i)
      if (pending[i] == 0) ready.push_back(i);
    size_t done = 0;
    while (!ready.empty()) {
      size_t i = ready.front();
      ready.pop_front();
      ++done;
      for (size_t u : users[i])
        if (--pending[u] == 0) ready.push_back(u);
    }
    if (done == pending.size()) return true;
    for (size_t i = 0; i < pending.size(); ++i)
      if (pending[i] > 0) {
        cycle_node = node_label(ns.Get(static_cast<int>(i)), i);
        break;
      }
    return false;
  }

  [[noreturn]] void fail_order(const ScopeState& scope, std::string_view value) const {
    const GraphInfo& gi = v_.graphs_[static_cast<size_t>(scope.graph)];
    const auto& node = nodes_of(scope.graph).Get(static_cast<int>(scope.pos));
    std::string cycle_node;
    if (!sortable(scope.graph, cycle_node))
      fail("graph " + gi.path + " contains a cycle (through node " + cycle_node + "): node " +
           node_label(node, scope.pos) + " uses '" + std::string(value) + "' before it is produced");
    fail("graph " + gi.path + " is not topologically sorted: node " + node_label(node, scope.pos) +
         " uses '" + std::string(value) + "' before it is produced");
  }

  // Makes the slots of graph g (definitions first: inputs, initializers, node
  // outputs; then names only described by value_info or graph outputs),
  // checking that nothing is defined twice, then checks every use in node
  // order, descending into subgraphs at their owner node.
  void check_graph(int g, std::vector<ScopeState*>& outer) {
    const GraphInfo& gi = v_.graphs_[static_cast<size_t>(g)];
    const Nodes ns = nodes_of(g);
    ScopeState st;
    st.graph = g;
    size_t names = static_cast<size_t>(ns.size());
    if (gi.proto)
      names += static_cast<size_t>(gi.proto->input_size() + gi.proto->initializer_size() +
                                   gi.proto->value_info_size() + gi.proto->output_size());
    v_.names_[static_cast<size_t>(g)].reserve(names);
    auto define = [&](const std::string& name, bool allow_repeat) {
      if (name.empty()) return;
      SlotState& s = slot_state_[slot(g, name)];
      if (s.defined_at != kNotDefined && !allow_repeat)
        fail("value '" + name + "' is defined more than once in graph " + gi.path);
      s.defined_at = kDefinedUpFront;
    };
    if (gi.proto) {
      for (const auto& vi : gi.proto->input()) {
        ModelView::ValueSlot& value = v_.values_[slot(g, vi.name())];
        if (value.graph_input) fail("graph " + gi.path + " lists input '" + vi.name() + "' twice");
        value.graph_input = true;
        define(vi.name(), false);
      }
      for (const auto& t : gi.proto->initializer()) {
        const ValueId id = slot(g, t.name());
        SlotState& s = slot_state_[id];
        if (s.is_initializer)
          fail("initializer '" + t.name() + "' is defined more than once in graph " + gi.path);
        s.is_initializer = true;
        define(t.name(), v_.values_[id].graph_input);  // an initializer may back a graph input
      }
      for (const auto& t : gi.proto->sparse_initializer()) {
        const std::string& name = t.values().name();
        define(name, !name.empty() && v_.values_[slot(g, name)].graph_input);
      }
    } else {
      for (const auto& i : gi.function->input()) {
        define(i, false);
        if (!i.empty()) v_.values_[slot(g, i)].graph_input = true;
      }
    }
    const size_t base = node_base_[static_cast<size_t>(g)];
    if (gi.proto && gi.parent < 0 && parallel()) {
      define_node_outputs_side_by_side(g);
    } else {
      for (int i = 0; i < ns.size(); ++i) {
        const auto& n = ns.Get(i);
        const size_t first_output =
            operand_base_[base + static_cast<size_t>(i)] + static_cast<size_t>(n.input_size());
        for (int k = 0; k < n.output_size(); ++k) {
          const std::string_view o = n.output(k);
          if (o.empty()) continue;
          const ValueId id = slot(g, o);
          SlotState& s = slot_state_[id];
          if (s.defined_at != kNotDefined) fail_redefined(g, i, o);
          s.defined_at = i;
          v_.operands_[first_output + static_cast<size_t>(k)] = id;
        }
      }
    }
    if (gi.proto) {
      for (const auto& vi : gi.proto->value_info()) slot(g, vi.name());
      for (const auto& vi : gi.proto->output()) v_.values_[slot(g, vi.name())].graph_output = true;
    } else {
      // Only names the body defines: an output nothing produces gets no slot.
      const auto& index = v_.names_[static_cast<size_t>(g)];
      for (const auto& o : gi.function->output())
        if (auto it = index.find(o); it != index.end()) v_.values_[it->second].graph_output = true;
    }

    outer.push_back(&st);
    for (int i = 0; i < ns.size(); ++i) {
      st.pos = static_cast<size_t>(i);
      const auto& n = ns.Get(i);
      const size_t first_input = operand_base_[base + st.pos];
      for (int k = 0; k < n.input_size(); ++k) {
        const std::string_view in = n.input(k);
        if (in.empty()) continue;
        // Most inputs are an output of one of the last few nodes (chains): a
        // comparison with those outputs, which are still in cache, answers as
        // the lookup below would (a name is defined once per graph).
        if (const ValueId recent = recent_output(ns, base, i, in); recent != kNoValue) {
          v_.operands_[first_input + static_cast<size_t>(k)] = recent;
          continue;
        }
        // Innermost scope first; the nearest mention is the operand (a name
        // described here but defined outside still finds its definition).
        ValueId nearest = kNoValue;
        bool found = false;
        for (auto it = outer.rbegin(); it != outer.rend() && !found; ++it) {
          ScopeState& s = **it;
          const auto& index = v_.names_[static_cast<size_t>(s.graph)];
          auto hit = index.find(in);
          if (hit == index.end()) continue;
          if (nearest == kNoValue) nearest = hit->second;
          const int64_t at = slot_state_[hit->second].defined_at;
          if (at == kNotDefined) continue;
          if (at >= static_cast<int64_t>(s.pos)) fail_order(s, in);
          found = true;
        }
        if (!found)
          fail("node " + node_label(n, st.pos) + " in graph " + gi.path + " uses '" + std::string(in) +
               "', which is not defined (not a graph input, initializer or output of an earlier node)");
        v_.operands_[first_input + static_cast<size_t>(k)] = nearest;
      }
      for (const auto& a : n.attribute()) {
        if (a.has_g()) check_graph(graph_index_.at(&a.g()), outer);
        for (const auto& sub : a.graphs()) check_graph(graph_index_.at(&sub), outer);
      }
    }
    outer.pop_back();
  }

  [[noreturn]] void fail_redefined(int g, int node, std::string_view value) const {
    fail("value '" + std::string(value) + "' is defined more than once in graph " +
         v_.graphs_[static_cast<size_t>(g)].path + " (again by node " +
         node_label(nodes_of(g).Get(node), static_cast<size_t>(node)) + ")");
  }

  // The node outputs of a large root graph, defined as the loop above would
  // but on two threads. Only up-front definitions (inputs, initializers) have
  // slots yet, so in a valid graph every output name is new and the j-th
  // output gets the j-th new id: the calling thread lays out the slots and
  // operands while the second one fills the name index, stopping at the first
  // name that is already there, which is the output the loop would fail at.
  void define_node_outputs_side_by_side(int g) {
    const Nodes ns = nodes_of(g);
    const size_t base = node_base_[static_cast<size_t>(g)];
    const auto first_id = static_cast<ValueId>(v_.values_.size());
    int repeated_node = -1;
    std::optional<std::string_view> repeated_value;
    run_side_by_side(
        true,
        [&] {
          for (int i = 0; i < ns.size(); ++i) {
            const auto& n = ns.Get(i);
            const size_t first_output =
                operand_base_[base + static_cast<size_t>(i)] + static_cast<size_t>(n.input_size());
            for (int k = 0; k < n.output_size(); ++k) {
              if (n.output(k).empty()) continue;
              v_.operands_[first_output + static_cast<size_t>(k)] =
                  add_slot(g, kNoValue, i);  // root graph: no outer
            }
          }
        },
        [&] {
          auto& index = v_.names_[static_cast<size_t>(g)];
          ValueId next = first_id;
          for (int i = 0; i < ns.size(); ++i) {
            const NodeFields n = ns.Get(i);
            for (std::string_view o : n.output()) {
              if (o.empty()) continue;
              if (!index.try_emplace(o, next).second) {
                repeated_node = i;
                repeated_value = o;
                return;
              }
              ++next;
            }
          }
        });
    if (repeated_value) fail_redefined(g, repeated_node, *repeated_value);
  }

  // The value id of `name` when one of the kRecentProducers nodes before node i
  // of a graph (nodes `ns`, first node index `base`) outputs it, else kNoValue.
  static constexpr int kRecentProducers = 2;
  ValueId recent_output(const Nodes& ns, size_t base, int i, std::string_view name) const {
    for (int j = i - 1; j >= 0 && j >= i - kRecentProducers; --j) {
      const auto& producer = ns.Get(j);
      for (int k = 0; k < producer.output_size(); ++k) {
        if (producer.output(k) == name)
          return v_.operands_[operand_base_[base + static_cast<size_t>(j)] +
                              static_cast<size_t>(producer.input_size() + k)];
      }
    }
    return kNoValue;
  }

  void validate_structure() {
    // Every node's operands (inputs, then outputs) in one table, in node index
    // order, as discover_graphs laid it out.
    const size_t operands = operand_count_;
    if (operands >= kNoValue) fail("more than " + std::to_string(kNoValue - 1) + " node operands");
    v_.operands_.assign(operands, kNoValue);
    v_.names_.assign(v_.graphs_.size(), {});
    // Every value is a node operand or a graph's own name: reserving that bound
    // saves moving 200,000 slots around while they grow (untouched capacity costs no memory).
    size_t graph_names = 0;
    for (const GraphInfo& gi : v_.graphs_)
      if (gi.proto)
        graph_names += static_cast<size_t>(gi.proto->input_size() + gi.proto->initializer_size() +
                                           gi.proto->sparse_initializer_size() + gi.proto->value_info_size() +
                                           gi.proto->output_size());
    v_.values_.reserve(operands + graph_names);
    slot_state_.reserve(operands + graph_names);
    for (size_t g = 0; g < v_.graphs_.size(); ++g) {
      if (v_.graphs_[g].parent >= 0) continue;  // checked from its parent
      std::vector<ScopeState*> outer;
      check_graph(static_cast<int>(g), outer);
    }
  }

  // -- input bindings -------------------------------------------------------

  void apply_binding(onnx::ValueInfoProto& input, const InputShape& b, const std::string& label) {
    auto* type = input.mutable_type();
    if (type->value_case() != onnx::TypeProto::kTensorType &&
        type->value_case() != onnx::TypeProto::VALUE_NOT_SET)
      throw UsageError(label + ": input '" + input.name() + "' is not a tensor");
    auto* tensor = type->mutable_tensor_type();
    auto* shape = tensor->mutable_shape();
    if (shape->dim_size() == 0 && !input.type().tensor_type().has_shape()) {
      for (size_t i = 0; i < b.dims.size(); ++i) shape->add_dim();
    }
    if (static_cast<size_t>(shape->dim_size()) != b.dims.size())
      throw UsageError(label + ": " + std::to_string(b.dims.size()) + " dimensions given, but input '" +
                       input.name() + "' has rank " + std::to_string(shape->dim_size()));
    for (size_t i = 0; i < b.dims.size(); ++i) {
      const int64_t d = b.dims[i];
      auto* dim = shape->mutable_dim(static_cast<int>(i));
      if (d >= 0) {
        if (dim->has_dim_value() && dim->dim_value() != d)
          v_.warnings_.push_back(label + ": dimension " + std::to_string(i) + " of input '" + input.name() +
                                 "' is " + std::to_string(dim->dim_value()) + " in the model; using " +
                                 std::to_string(d));
        dim->set_dim_value(d);
      } else if (d != -1) {
        throw UsageError(label + ": invalid dimension " + std::to_string(d));
      }
    }
  }

  void apply_bindings() {
    if (options_.input_shapes.empty()) return;
    auto& graph = *v_.model_->proto().mutable_graph();
    std::unordered_set<std::string> inits;
    for (const auto& t : graph.initializer()) inits.insert(t.name());
    std::vector<onnx::ValueInfoProto*> inputs;
    for (auto& vi : *graph.mutable_input())
      if (!inits.count(vi.name())) inputs.push_back(&vi);
    auto names = [&] {
      std::string s;
      for (auto* vi : inputs) s += (s.empty() ? "" : ", ") + vi->name();
      return s.empty() ? std::string("(none)") : s;
    };
    for (const auto& b : options_.input_shapes) {
      if (!b.name.empty()) {
        const std::string label = "--input-shape " + b.name;
        auto it = std::find_if(inputs.begin(), inputs.end(), [&](auto* vi) { return vi->name() == b.name; });
        if (it == inputs.end())
          throw UsageError(label + ": the model has no input named '" + b.name + "' (inputs: " + names() +
                           ")");
        apply_binding(**it, b, label);
      } else if (b.index == -1) {
        for (auto* vi : inputs) apply_binding(*vi, b, "--shapeInformation -1");
      } else {
        const std::string label = "--shapeInformation " + std::to_string(b.index);
        if (b.index < 0 || static_cast<size_t>(b.index) >= inputs.size())
          throw UsageError(label + ": the model has " + std::to_string(inputs.size()) + " input(s) (" +
                           names() + "), index " + std::to_string(b.index) + " is out of range");
        apply_binding(*inputs[static_cast<size_t>(b.index)], b, label);
      }
    }
  }

  // -- types ----------------------------------------------------------------

  void collect_params(const onnx::TypeProto& t) {
    switch (t.value_case()) {
      case onnx::TypeProto::kTensorType:
        for (const auto& d : t.tensor_type().shape().dim())
          if (d.has_dim_param()) declared_params_.insert(d.dim_param());
        break;
      case onnx::TypeProto::kSparseTensorType:
        for (const auto& d : t.sparse_tensor_type().shape().dim())
          if (d.has_dim_param()) declared_params_.insert(d.dim_param());
        break;
      case onnx::TypeProto::kSequenceType:
        collect_params(t.sequence_type().elem_type());
        break;
      case onnx::TypeProto::kOptionalType:
        collect_params(t.optional_type().elem_type());
        break;
      default:
        break;
    }
  }

  void collect_declared_params() {
    for (const auto& gi : v_.graphs_)
      if (gi.proto)
        for (const auto* list : {&gi.proto->input(), &gi.proto->output(), &gi.proto->value_info()})
          for (const auto& vi : *list) collect_params(vi.type());
  }

  void fill_shape(const onnx::TensorShapeProto& shape, ValueType& out) {
    if (shape.dim_size() > limits_.max_rank) return;  // leave the rank unknown
    out.has_shape = true;
    out.dims.reserve(static_cast<size_t>(shape.dim_size()));
    for (const auto& d : shape.dim()) {
      if (d.has_dim_value() && d.dim_value() >= 0)
        out.dims.push_back(Dim::of(d.dim_value()));
      else if (d.has_dim_param() && !d.dim_param().empty() && declared_params_.count(d.dim_param()))
        out.dims.push_back(Dim::named(d.dim_param()));
      else
        out.dims.push_back(Dim{});  // unknown, including symbols made up by inference ("unk__3")
    }
  }

  ValueType convert(const onnx::TypeProto& t) {
    ValueType v;
    const onnx::TypeProto* inner = &t;
    switch (t.value_case()) {
      case onnx::TypeProto::kTensorType:
        v.kind = ValueType::Kind::Tensor;
        break;
      case onnx::TypeProto::kSparseTensorType:
        v.kind = ValueType::Kind::SparseTensor;
        v.elem_type = t.sparse_tensor_type().elem_type();
        if (t.sparse_tensor_type().has_shape()) fill_shape(t.sparse_tensor_type().shape(), v);
        return v;
      case onnx::TypeProto::kSequenceType:
        v.kind = ValueType::Kind::Sequence;
        inner = &t.sequence_type().elem_type();
        break;
      case onnx::TypeProto::kOptionalType:
        v.kind = ValueType::Kind::Optional;
        inner = &t.optional_type().elem_type();
        break;
      case onnx::TypeProto::kMapType:
        v.kind = ValueType::Kind::Map;
        return v;
      case onnx::TypeProto::kOpaqueType:
        v.kind = ValueType::Kind::Opaque;
        return v;
      default:
        return v;
    }
    // Sequences and optionals describe their element tensor.
    if (inner->value_case() == onnx::TypeProto::kTensorType) {
      v.elem_type = inner->tensor_type().elem_type();
      if (inner->tensor_type().has_shape()) fill_shape(inner->tensor_type().shape(), v);
    }
    return v;
  }

  static ValueType tensor_type(const onnx::TensorProto& t) {
    ValueType v;
    v.kind = ValueType::Kind::Tensor;
    v.elem_type = t.data_type();
    v.has_shape = true;
    for (int64_t d : t.dims()) v.dims.push_back(Dim::of(d));
    return v;
  }

  // -- nodes ----------------------------------------------------------------

  int64_t opset_for(int g, const std::string& domain) const {
    if (const onnx::FunctionProto* f = extra_[static_cast<size_t>(g)].root_function) {
      for (const auto& o : f->opset_import())
        if (normalize_domain(o.domain()) == domain) return o.version();
    }
    auto it = model_opsets_.find(domain);
    return it == model_opsets_.end() ? 0 : it->second;
  }

  // The version of op `op_id` (domain and op_type) in force at `opset`.
  int resolve_version(uint32_t op_id, int64_t opset) const {
    if (opset <= 0) return 0;
    const std::string& domain = v_.op_types_[op_id].domain;
    const std::string& op = v_.op_types_[op_id].op_type;
    int version = 0;
    const int capped = static_cast<int>(std::min<int64_t>(opset, std::numeric_limits<int>::max()));
    if (domain == "ai.onnx") {
      try {
        version = OpVersions::embedded().resolve(op, capped);
      } catch (const std::exception&) {
        version = 0;  // tables unavailable: fall back to libonnx below
      }
    }
    if (version == 0) {
      const onnx::OpSchema* s =
          onnx::OpSchemaRegistry::Schema(op, capped, domain == "ai.onnx" ? std::string() : domain);
      if (s) version = s->SinceVersion();
    }
    return version;
  }

  // Ids by the raw (domain, op_type) spelling, which views the node; two
  // spellings of the default domain share one id through op_ids_.
  // `domain` is `raw_domain` normalised.
  uint32_t op_id(std::string_view raw_domain, std::string_view op_type, const std::string& domain) {
    auto key = std::make_pair(raw_domain, op_type);
    auto it = raw_op_ids_.find(key);
    if (it != raw_op_ids_.end()) return it->second;
    auto [named, fresh] =
        op_ids_.try_emplace({domain, std::string(op_type)}, static_cast<uint32_t>(v_.op_types_.size()));
    if (fresh) v_.op_types_.push_back({domain, std::string(op_type), 0});
    raw_op_ids_.emplace(key, named->second);
    return named->second;
  }

  // What build_nodes resolves per (function, raw domain, op_type). Nodes
  // mostly repeat a few ops, so the last few answers are kept and compared
  // before anything is hashed.
  struct RecentOp {
    bool used = false;
    const onnx::FunctionProto* root = nullptr;
    std::string_view domain, op_type;  // as written in the node
    uint32_t id = 0;
    bool onnx = false;
    int64_t opset = 0;
    int version = 0;
  };
  std::array<RecentOp, 8> recent_ops_;
  size_t recent_next_ = 0;

  const RecentOp& op_of(int g, const NodeFields& n) {
    const onnx::FunctionProto* root = extra_[static_cast<size_t>(g)].root_function;
    const std::string_view raw_domain = n.domain(), op_type = n.op_type();
    for (const RecentOp& r : recent_ops_)
      if (r.used && r.op_type == op_type && r.domain == raw_domain && r.root == root) return r;
    RecentOp& r = recent_ops_[recent_next_++ % recent_ops_.size()];
    const std::string domain = normalize_domain(raw_domain);
    r = RecentOp{true, root, raw_domain, op_type, op_id(raw_domain, op_type, domain), domain == "ai.onnx",
                 0,    0};
    auto [versions, fresh] = op_versions_.try_emplace({root, r.id});
    if (fresh) {
      const int64_t opset = opset_for(g, domain);
      versions->second = {opset, resolve_version(r.id, opset)};
    }
    std::tie(r.opset, r.version) = versions->second;
    return r;
  }

  void build_nodes() {
    for (const auto& o : model().opset_import())
      model_opsets_.emplace(normalize_domain(o.domain()), o.version());
    v_.nodes_.reserve(operand_base_.size());
    for (size_t g = 0; g < v_.graphs_.size(); ++g) {
      const Nodes ns = nodes_of(static_cast<int>(g));
      for (int i = 0; i < ns.size(); ++i) {
        NodeInfo n;
        n.index = v_.nodes_.size();
        n.graph = static_cast<int>(g);
        n.fields = ns.Get(i);
        n.first_operand = static_cast<uint32_t>(operand_base_[n.index]);
        n.input_count = static_cast<uint32_t>(n.fields.input_size());
        n.output_count = static_cast<uint32_t>(n.fields.output_size());
        n.attribute_count = static_cast<uint32_t>(n.fields.attribute_size());
        const RecentOp& op = op_of(static_cast<int>(g), n.fields);
        n.op_id = op.id;
        n.domain = v_.op_types_[op.id].domain;
        n.onnx = op.onnx;
        n.domain_opset = op.opset;
        n.since_version = op.version;
        ++v_.op_types_[n.op_id].count;
        v_.nodes_.push_back(std::move(n));
      }
    }
    // The op table is complete: its strings no longer move (nor when the view does).
    for (NodeInfo& n : v_.nodes_) n.shared_op_type = &v_.op_types_[n.op_id].op_type;
  }

  // -- types ----------------------------------------------------------------

  ModelView::ValueSlot& value(ValueId id) { return v_.values_[id]; }

  void set_type(ValueId id, ValueType type) { value(id).type = type_ids_.add(std::move(type)); }
  const ValueType* type_of(ValueId id) const {
    return v_.values_[id].has_type() ? &v_.types_[v_.values_[id].type] : nullptr;
  }

  ValueType convert(const view::FastType& t) {
    ValueType v;
    v.kind = ValueType::Kind::Tensor;
    v.elem_type = t.elem;
    if (!t.has_shape || t.dims.size() > static_cast<size_t>(limits_.max_rank)) return v;
    v.has_shape = true;
    v.dims.reserve(t.dims.size());
    for (const auto& d : t.dims) {
      if (d.has_value())
        v.dims.push_back(Dim::of(d.value));
      else if (!d.param.empty() && declared_params_.count(std::string(d.param)))
        v.dims.push_back(Dim::named(std::string(d.param)));
      else
        v.dims.push_back(Dim{});
    }
    return v;
  }

  // Declared and inferred types, initializers and Constant nodes; `fast`
  // holds the main graph's node outputs when zonnx's own pass inferred them
  // (they are merged with the declared types already).
  void build_types(const view::FastInference* fast) {
    constexpr uint32_t kNoOp = UINT32_MAX;
    uint32_t constant_op = kNoOp;
    for (size_t k = 0; k < v_.op_types_.size(); ++k)
      if (v_.op_types_[k].domain == "ai.onnx" && v_.op_types_[k].op_type == "Constant")
        constant_op = static_cast<uint32_t>(k);
    for (size_t g = 0; g < v_.graphs_.size(); ++g) {
      const GraphInfo& gi = v_.graphs_[g];
      const int graph = static_cast<int>(g);
      if (gi.proto) {
        const auto& p = *gi.proto;
        for (const auto* list : {&p.value_info(), &p.output(), &p.input()})
          for (const auto& vi : *list)
            if (vi.has_type()) set_type(interned(graph, vi.name()), convert(vi.type()));
        for (const auto& t : p.initializer()) {
          const ValueId id = interned(graph, t.name());
          value(id).constant = &t;
          if (const ValueType* known = type_of(id); !known || !known->has_shape) set_type(id, tensor_type(t));
        }
        for (const auto& st : p.sparse_initializer()) {
          const ValueId id = interned(graph, st.values().name());
          if (id == kNoValue || value(id).has_type()) continue;  // kNoValue: unnamed, nothing uses it
          ValueType v;
          v.kind = ValueType::Kind::SparseTensor;
          v.elem_type = st.values().data_type();
          v.has_shape = true;
          for (int64_t d : st.dims()) v.dims.push_back(Dim::of(d));
          set_type(id, std::move(v));
        }
      }
      if (g == 0 && fast) {
        const Nodes ns = nodes_of(0);
        // Each distinct type is converted once.
        std::vector<uint32_t> view_type(fast->types.size(), ModelView::kNoType);
        for (size_t i = 0; i < fast->node_count() && i < static_cast<size_t>(ns.size()); ++i) {
          const ValueId id = v_.output_value(v_.nodes_[i], 0);
          if (id == kNoValue) continue;
          uint32_t& known = view_type[fast->node_output_types[i]];
          if (known == ModelView::kNoType) {
            set_type(id, convert(fast->node_output(i)));
            known = value(id).type;
          } else {
            value(id).type = known;
          }
        }
      }
      // Constant nodes found by op id: the other nodes' protos are not read.
      if (constant_op == kNoOp) continue;
      const size_t first = node_base_[g];
      const size_t end = first + static_cast<size_t>(nodes_of(graph).size());
      for (size_t i = first; i < end; ++i) {
        const NodeInfo& n = v_.nodes_[i];
        if (n.op_id == constant_op && v_.output_value(n, 0) != kNoValue) add_constant(graph, n.fields);
      }
    }
  }

  void add_constant(int g, const NodeFields& n) {
    const onnx::TensorProto* tensor = nullptr;
    for (const auto& a : n.attribute()) {
      if (a.name() == "value" && a.has_t()) {
        tensor = &a.t();
      } else if (auto t = constant_attr_tensor(a)) {
        v_.owned_constants_.push_back(std::move(t));
        tensor = v_.owned_constants_.back().get();
      }
      if (tensor) break;
    }
    if (!tensor) return;
    const ValueId id = interned(g, n.output(0));
    value(id).constant = tensor;
    if (const ValueType* known = type_of(id); !known || !known->has_shape) set_type(id, tensor_type(*tensor));
  }

  // -- links ----------------------------------------------------------------

  // Producers, and consumers in one table. A node consumes its inputs where
  // they are defined; a value of an enclosing scope is also consumed by every
  // node owning the subgraphs in between.
  void build_links() {
    std::vector<std::pair<ValueId, size_t>> uses;  // (defining slot, consumer)
    uses.reserve(v_.operands_.size());
    for (const NodeInfo& n : v_.nodes_) {
      for (uint32_t k = 0; k < n.output_count; ++k) {
        const ValueId id = v_.operands_[n.first_operand + n.input_count + k];
        if (id != kNoValue) value(id).producer = n.index;
      }
      for (uint32_t k = 0; k < n.input_count; ++k) {
        ValueId def = v_.operands_[n.first_operand + k];
        while (def != kNoValue && slot_state_[def].defined_at == kNotDefined) def = value(def).outer;
        if (def == kNoValue) continue;
        uses.emplace_back(def, n.index);
        const int def_graph = slot_state_[def].graph;
        for (int cur = n.graph; cur != def_graph && cur >= 0;
             cur = v_.graphs_[static_cast<size_t>(cur)].parent) {
          const size_t owner = v_.graphs_[static_cast<size_t>(cur)].owner_node;
          if (owner != SIZE_MAX) uses.emplace_back(def, owner);
        }
      }
    }
    if (uses.size() >= UINT32_MAX) fail("more than " + std::to_string(UINT32_MAX - 1) + " value uses");
    // Counting sort by value, then each value's list sorted and deduplicated.
    std::vector<uint32_t> start(v_.values_.size() + 1, 0);
    for (const auto& u : uses) ++start[u.first + 1];
    for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    v_.consumer_list_.assign(uses.size(), 0);
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (const auto& u : uses) v_.consumer_list_[fill[u.first]++] = u.second;
    uint32_t out = 0;
    for (size_t id = 0; id < v_.values_.size(); ++id) {
      auto first = v_.consumer_list_.begin() + start[id];
      auto last = v_.consumer_list_.begin() + start[id + 1];
      if (last - first > 1 && !std::is_sorted(first, last)) std::sort(first, last);
      last = std::unique(first, last);
      const uint32_t begin = out;
      for (auto it = first; it != last; ++it) v_.consumer_list_[out++] = *it;
      v_.values_[id].consumers_begin = begin;
      v_.values_[id].consumers_end = out;
    }
    v_.consumer_list_.resize(out);
  }

  // -- facts ----------------------------------------------------------------

  static uint64_t payload_bytes(const onnx::TensorProto& t) {
    auto count = view::element_count(t);
    if (!count) return 0;
    const int bits = view::elem_type_bits(t.data_type());
    const long double bytes = std::ceil(static_cast<long double>(*count) * bits / 8.0L);
    if (bytes >= static_cast<long double>(std::numeric_limits<uint64_t>::max())) return UINT64_MAX;
    return static_cast<uint64_t>(bytes);
  }

  void build_facts() {
    const auto& m = model();
    ModelFacts& f = v_.facts_;
    f.path = v_.model_->path;
    f.file_size = v_.model_->file ? v_.model_->file->size() : 0;
    f.ir_version = m.ir_version();
    f.producer_name = m.producer_name();
    f.producer_version = m.producer_version();
    f.domain = m.domain();
    f.model_version = m.model_version();
    f.doc_string = m.doc_string();
    f.graph_name = m.graph().name();
    for (const auto& o : m.opset_import()) f.opsets.push_back({normalize_domain(o.domain()), o.version()});
    for (const auto& p : m.metadata_props()) f.metadata.emplace_back(p.key(), p.value());
    std::unordered_set<std::string> inits;
    for (const auto& t : m.graph().initializer()) inits.insert(t.name());
    auto io = [&](const onnx::ValueInfoProto& vi) {
      IoInfo info;
      info.name = vi.name();
      const ValueId id = interned(0, vi.name());
      if (id != kNoValue && v_.values_[id].has_type()) info.type = *type_of(id);
      return info;
    };
    for (const auto& vi : m.graph().input())
      if (!inits.count(vi.name())) f.inputs.push_back(io(vi));
    for (const auto& vi : m.graph().output()) f.outputs.push_back(io(vi));
    // Initializers of every graph (main and nested).
    for (const auto& gi : v_.graphs_) {
      if (!gi.proto) continue;
      for (const auto& t : gi.proto->initializer()) {
        ++f.initializer_count;
        const uint64_t bytes = payload_bytes(t);
        f.initializer_bytes =
            bytes > UINT64_MAX - f.initializer_bytes ? UINT64_MAX : f.initializer_bytes + bytes;
        if (t.data_location() == onnx::TensorProto::EXTERNAL) ++f.external_tensors;
      }
    }
    f.node_count = v_.nodes_.size();
    f.function_count = static_cast<uint64_t>(m.functions_size());
    for (const auto& gi : v_.graphs_)
      if (gi.proto) ++f.graph_count;
    // By domain and op, then by count (stable).
    f.op_histogram = v_.op_types_;
    std::sort(f.op_histogram.begin(), f.op_histogram.end(), [](const OpCount& a, const OpCount& b) {
      return std::tie(a.domain, a.op_type) < std::tie(b.domain, b.op_type);
    });
    std::stable_sort(f.op_histogram.begin(), f.op_histogram.end(),
                     [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
  }
};

ModelView ModelView::build(LoadedModel model, const ViewOptions& options) {
  ModelView view;
  view.model_ = std::make_unique<LoadedModel>(std::move(model));
  // Nested graphs are typed by libonnx in the protos it infers, which for
  // compact nodes are not the ones the records hold: such a model is read
  // from parsed nodes (If/Loop/Scan in the main graph; rare in large graphs).
  if (view.model_->compact_nodes && view.model_->compact_nodes->nested_graphs)
    view.model_->use_parsed_main_nodes();
  ModelViewBuilder(view, options).run();
  return view;
}

// ---------------------------------------------------------------------------
// Lookups.

ValueId ModelView::find_value(int graph, const std::string& name) const {
  for (int g = graph; g >= 0 && static_cast<size_t>(g) < graphs_.size();
       g = graphs_[static_cast<size_t>(g)].parent) {
    const auto& index = names_[static_cast<size_t>(g)];
    auto it = index.find(name);
    if (it != index.end()) return it->second;
  }
  return kNoValue;
}

const ValueType* ModelView::type_of(int graph, const std::string& name) const {
  return value_type(find_value(graph, name));
}

const onnx::TensorProto* ModelView::constant_of(int graph, const std::string& name) const {
  return value_constant(find_value(graph, name));
}

size_t ModelView::producer(int graph, const std::string& name) const {
  return value_producer(find_value(graph, name));
}

NodeIndexList ModelView::consumers(int graph, const std::string& name) const {
  return value_consumers(find_value(graph, name));
}

ValueId ModelView::input_value(const NodeInfo& node, int i) const {
  if (i < 0 || static_cast<uint32_t>(i) >= node.input_count) return kNoValue;
  return operands_[node.first_operand + static_cast<uint32_t>(i)];
}

ValueId ModelView::output_value(const NodeInfo& node, int i) const {
  if (i < 0 || static_cast<uint32_t>(i) >= node.output_count) return kNoValue;
  return operands_[node.first_operand + node.input_count + static_cast<uint32_t>(i)];
}

bool ModelView::is_graph_output(ValueId id) const { return id != kNoValue && values_[id].graph_output; }

ValueId ModelView::declaring_input(ValueId id) const {
  return resolve(id, [](const ValueSlot& s) { return s.graph_input; });
}

const ValueType* ModelView::value_type(ValueId id) const {
  id = resolve(id, [](const ValueSlot& s) { return s.has_type(); });
  return id == kNoValue ? nullptr : &types_[values_[id].type];
}

const onnx::TensorProto* ModelView::value_constant(ValueId id) const {
  id = resolve(id, [](const ValueSlot& s) { return s.constant != nullptr; });
  return id == kNoValue ? nullptr : values_[id].constant;
}

size_t ModelView::value_producer(ValueId id) const {
  id = resolve(id, [](const ValueSlot& s) { return s.producer != SIZE_MAX; });
  return id == kNoValue ? SIZE_MAX : values_[id].producer;
}

NodeIndexList ModelView::value_consumers(ValueId id) const {
  id = resolve(id, [](const ValueSlot& s) { return s.consumers_end > s.consumers_begin; });
  if (id == kNoValue) return {};
  const size_t* data = consumer_list_.data();
  return {data + values_[id].consumers_begin, data + values_[id].consumers_end};
}

namespace {

constexpr int64_t kMaxConstantElements = int64_t{1} << 20;

// The payload of a constant: inline, or left in the mapped file by the loader.
std::optional<view::TensorPayload> payload_of(const LoadedModel& model, const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  auto ref = elided_payload(t);
  if (!ref) return view::inline_payload(t);
  std::optional<std::string_view> bytes;
  try {
    bytes = tensor_raw_bytes(model, t);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!bytes) return std::nullopt;
  view::TensorPayload p;
  p.bytes = *bytes;
  switch (ref->field) {
    case 5:   // int32_data
    case 7:   // int64_data
    case 11:  // uint64_data
      p.encoding = view::TensorPayload::Encoding::PackedVarint;
      break;
    case 4:   // float_data (packed fixed32)
    case 9:   // raw_data
    case 10:  // double_data (packed fixed64)
      p.encoding = view::TensorPayload::Encoding::Raw;
      break;
    default:
      return std::nullopt;
  }
  return p;
}

}  // namespace

std::optional<std::vector<int64_t>> ModelView::constant_ints(int graph, const std::string& name) const {
  return value_ints(find_value(graph, name));
}

std::optional<std::vector<double>> ModelView::constant_floats(int graph, const std::string& name) const {
  return value_floats(find_value(graph, name));
}

std::optional<std::vector<int64_t>> ModelView::value_ints(ValueId id) const {
  const onnx::TensorProto* t = value_constant(id);
  if (!t) return std::nullopt;
  auto payload = payload_of(*model_, *t);
  if (!payload) return std::nullopt;
  return view::decode_ints(*t, *payload, kMaxConstantElements);
}

std::optional<std::vector<double>> ModelView::value_floats(ValueId id) const {
  const onnx::TensorProto* t = value_constant(id);
  if (!t) return std::nullopt;
  auto payload = payload_of(*model_, *t);
  if (!payload) return std::nullopt;
  return view::decode_floats(*t, *payload, kMaxConstantElements);
}

}  // namespace zonnx

namespace zonnx {
bool ModelView::folded_at_compile_time(const NodeInfo& node) const {
  if (folded_values_.empty() || node.graph != 0 || node.output_count != 1) return false;
  return folded_values_.count(std::string(node.output_name(0))) > 0;
}
}  // namespace zonnx
