// The model view: what the rule engine and the report see of a loaded model.
// Graph structure (main graph, If/Loop/Scan bodies, model-local functions),
// value types with shapes after shape inference and user bindings, constants,
// and producer/consumer links.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "zonnx/loader.h"

namespace zonnx {

// One dimension: a static value (>= 0), a named dynamic dim ("batch"), or unknown.
struct Dim {
  int64_t value = -1;
  std::string param;
  bool is_static() const { return value >= 0; }
  static Dim of(int64_t v) { return Dim{v, {}}; }
  static Dim named(std::string p) { return Dim{-1, std::move(p)}; }
};

struct ValueType {
  enum class Kind { Unknown, Tensor, SparseTensor, Sequence, Map, Optional, Opaque };
  Kind kind = Kind::Unknown;
  int32_t elem_type = 0;   // onnx TensorProto::DataType code; may be newer than libonnx 1.12 knows
  bool has_shape = false;  // false: rank unknown
  std::vector<Dim> dims;

  int rank() const { return has_shape ? static_cast<int>(dims.size()) : -1; }
  bool is_static() const;  // has_shape and every dim static
};

// Name of an element type code ("float32", "float16", "bfloat16", "int64",
// "float8e4m3fn", ...; "type<N>" for codes nobody knows).
std::string elem_type_name(int32_t code);
// Bytes per element, 0 for strings/unknown, fractional types (int4) round up per element pair.
double elem_type_size(int32_t code);

struct GraphInfo {
  std::string path;                         // "main", "main/If_3.then_branch", "function:local:MyFn"
  const onnx::GraphProto* proto = nullptr;  // null for function bodies
  const onnx::FunctionProto* function = nullptr;
  int parent = -1;               // enclosing graph index (-1 for main and functions)
  int depth = 0;                 // 0 for main and function bodies
  size_t owner_node = SIZE_MAX;  // node (index in nodes()) whose attribute holds this graph
};

// A value (a name as seen from one graph) interned once when the view is
// built, so the rule engine looks operands up by index instead of by name.
using ValueId = uint32_t;
inline constexpr ValueId kNoValue = UINT32_MAX;

// Node indices (into ModelView::nodes()), sorted; points into the view.
class NodeIndexList {
 public:
  NodeIndexList() = default;
  NodeIndexList(const size_t* begin, const size_t* end) : begin_(begin), end_(end) {}
  const size_t* begin() const { return begin_; }
  const size_t* end() const { return end_; }
  size_t size() const { return static_cast<size_t>(end_ - begin_); }
  bool empty() const { return begin_ == end_; }
  size_t operator[](size_t i) const { return begin_[i]; }
  std::vector<size_t> to_vector() const { return {begin_, end_}; }

 private:
  const size_t* begin_ = nullptr;
  const size_t* end_ = nullptr;
};

struct NodeInfo {
  size_t index = 0;  // position in ModelView::nodes()
  int graph = 0;     // index into ModelView::graphs()
  // The node's names and attributes, from its NodeProto or, for the main graph
  // of a model loaded with compact nodes, its compact record.
  NodeFields fields;
  uint32_t first_operand = 0;  // inputs, then outputs, in ModelView's operand table
  uint32_t input_count = 0;
  uint32_t output_count = 0;
  uint32_t attribute_count = 0;  // lets passes skip attribute-free nodes without reading the proto
  std::string domain;            // normalised: "ai.onnx" for "" and "ai.onnx"
  int64_t domain_opset = 0;      // opset imported for the node's domain in its model/function (0: none)
  int since_version = 0;         // resolved operator version (0: unknown op)
  uint32_t op_id = 0;            // index into ModelView::op_types(): same domain and op_type, same id
  bool onnx = false;             // domain is ai.onnx
  // The view's copy of the op name (ModelView::op_types()), so that passes over
  // every node do not read each node's proto for it.
  const std::string* shared_op_type = nullptr;

  const std::string& op_type() const { return *shared_op_type; }
  std::string_view name() const { return fields.name(); }
  std::string_view domain_as_written() const { return fields.domain(); }  // "" for the default domain
  std::string_view input_name(int i) const { return fields.input(i); }
  std::string_view output_name(int i) const { return fields.output(i); }
  const google::protobuf::RepeatedPtrField<onnx::AttributeProto>& attributes() const {
    return fields.attribute();
  }
  bool is_onnx() const { return onnx; }
};

struct OpsetImport {
  std::string domain;  // "ai.onnx" for the default domain
  int64_t version = 0;
};

struct IoInfo {
  std::string name;
  ValueType type;
};

struct OpCount {
  std::string domain;
  std::string op_type;
  uint64_t count = 0;
};

struct ModelFacts {
  std::string path;
  uint64_t file_size = 0;
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc_string;
  std::string graph_name;
  std::vector<OpsetImport> opsets;                            // in file order
  std::vector<std::pair<std::string, std::string>> metadata;  // in file order
  std::vector<IoInfo> inputs;                                 // graph inputs that are not initializers
  std::vector<IoInfo> outputs;
  uint64_t initializer_count = 0;     // initializers of every graph (main and nested)
  uint64_t initializer_bytes = 0;     // declared payload bytes (inline, mapped and external)
  uint64_t external_tensors = 0;      // initializers stored as external data
  uint64_t node_count = 0;            // all nodes, nested graphs and functions included
  uint64_t graph_count = 0;           // main + nested
  uint64_t function_count = 0;        // model-local functions
  std::vector<OpCount> op_histogram;  // sorted by count desc, then domain, op
  int64_t onnx_opset() const;         // ai.onnx opset (0 if none)
};

// Binding of graph input shapes given on the command line.
struct InputShape {
  std::string name;           // input name; empty when given by index
  int index = -1;             // zDLC --shapeInformation index; -1 when given by name (or, with an
                              // empty name, zDLC's "-1:" for every input)
  std::vector<int64_t> dims;  // -1 keeps the dim dynamic
};

// Parses "NAME:1x3x224x224" (--input-shape). Throws UsageError.
InputShape parse_input_shape(const std::string& spec);
// Parses zDLC's "0:1x3x224x224,1:-1x100" (--shapeInformation). Throws UsageError.
std::vector<InputShape> parse_shape_information(const std::string& spec);

struct ViewOptions {
  std::vector<InputShape> input_shapes;
  bool infer_shapes = true;
  Limits limits;         // graph nesting depth, node/value counts and ranks accepted (ModelError beyond)
  bool parallel = true;  // a large graph's independent passes may use a second thread (same result)
};

class ModelView {
 public:
  // Builds the view; runs onnx shape inference (plus zonnx's schemas past
  // opset 17) on the loaded proto. Throws ModelError for structural problems
  // (cycles, undefined inputs, nesting too deep) and UsageError for bindings
  // that name no input.
  static ModelView build(LoadedModel model, const ViewOptions& options = {});

  const LoadedModel& model() const { return *model_; }
  const ModelFacts& facts() const { return facts_; }
  const std::vector<GraphInfo>& graphs() const { return graphs_; }
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  // Distinct (domain, op_type) pairs in order of first appearance, with their
  // node counts; NodeInfo::op_id indexes here, so rules can work per op once.
  const std::vector<OpCount>& op_types() const { return op_types_; }
  // A node's op_type from that small table: passes over many nodes compare
  // ops there instead of reaching into each node's proto.
  std::string_view op_name(const NodeInfo& node) const { return op_types_[node.op_id].op_type; }
  // Notes about the view itself (e.g. "shape inference failed for node X: ...").
  const std::vector<std::string>& warnings() const { return warnings_; }
  // True when the node (main graph) only computes integer shape arithmetic on
  // constants and static shapes, which the compiler folds away at compile time.
  bool folded_at_compile_time(const NodeInfo& node) const;

  // Type of a value as seen from `graph` (outer scopes included); null if unknown.
  const ValueType* type_of(int graph, const std::string& name) const;
  // Initializer or Constant-node tensor for a value as seen from `graph`; null if not constant.
  const onnx::TensorProto* constant_of(int graph, const std::string& name) const;
  // Small constant contents (little-endian raw_data decoded portably). nullopt
  // when not constant, not readable (external, too big) or not that kind of type.
  std::optional<std::vector<int64_t>> constant_ints(int graph, const std::string& name) const;
  std::optional<std::vector<double>> constant_floats(int graph, const std::string& name) const;
  // Node producing a value in `graph` or an outer scope; SIZE_MAX for graph
  // inputs, initializers and unknown names.
  size_t producer(int graph, const std::string& name) const;
  // Nodes (indices) consuming a value produced in `graph`, including uses in nested graphs.
  NodeIndexList consumers(int graph, const std::string& name) const;

  // The same facts by value id; each answers as the name lookup from the
  // value's graph would (a value of an outer scope is found through it).
  ValueId input_value(const NodeInfo& node, int i) const;   // kNoValue: absent, empty or undefined
  ValueId output_value(const NodeInfo& node, int i) const;  // kNoValue: absent or empty
  const ValueType* value_type(ValueId id) const;
  const onnx::TensorProto* value_constant(ValueId id) const;
  size_t value_producer(ValueId id) const;
  NodeIndexList value_consumers(ValueId id) const;
  std::optional<std::vector<int64_t>> value_ints(ValueId id) const;
  std::optional<std::vector<double>> value_floats(ValueId id) const;
  // Whether the value is an output of its own graph (or function body).
  bool is_graph_output(ValueId id) const;
  // The slot of the nearest graph (this one or an enclosing one) that declares
  // the value as an input (graph or function input); kNoValue if none does.
  ValueId declaring_input(ValueId id) const;

  // The type of input/output `i` of a node (null if absent or unknown).
  const ValueType* input_type(const NodeInfo& node, int i) const { return value_type(input_value(node, i)); }
  const ValueType* output_type(const NodeInfo& node, int i) const {
    return value_type(output_value(node, i));
  }
  size_t input_producer(const NodeInfo& node, int i) const { return value_producer(input_value(node, i)); }
  NodeIndexList output_consumers(const NodeInfo& node, int i) const {
    return value_consumers(output_value(node, i));
  }

 private:
  // What one graph knows of a name. A name mentioned in several nested graphs
  // has one slot per graph; `outer` links a slot to the next enclosing one,
  // and a fact missing here is looked up there, as a name lookup would.
  static constexpr uint32_t kNoType = UINT32_MAX;
  struct ValueSlot {
    ValueId outer = kNoValue;
    uint32_t type = kNoType;    // index into types_
    bool graph_input = false;   // an input of this slot's graph or function body
    bool graph_output = false;  // an output of this slot's graph or function body
    bool has_type() const { return type != kNoType; }
    const onnx::TensorProto* constant = nullptr;
    size_t producer = SIZE_MAX;
    uint32_t consumers_begin = 0;  // range in consumer_list_
    uint32_t consumers_end = 0;
  };
  // Keys point into the model's own strings (its proto's, or the mapped
  // file's for compact nodes), which the view never changes.
  using NameIndex = absl::flat_hash_map<std::string_view, ValueId>;
  friend class ModelViewBuilder;
  ValueId find_value(int graph, const std::string& name) const;  // nearest slot for the name
  template <typename Has>
  ValueId resolve(ValueId id, Has has) const {
    while (id != kNoValue && !has(values_[id])) id = values_[id].outer;
    return id;
  }
  std::unique_ptr<LoadedModel> model_;  // heap: nodes and graphs point into its proto
  ModelFacts facts_;
  std::vector<GraphInfo> graphs_;
  std::vector<NodeInfo> nodes_;
  std::vector<OpCount> op_types_;
  std::vector<NameIndex> names_;  // one per graph
  std::vector<ValueSlot> values_;
  // Each distinct type once: most values of a large graph share a handful of
  // types. A deque, so the pointers value_type() hands out never move.
  std::deque<ValueType> types_;
  std::vector<ValueId> operands_;  // NodeInfo::first_operand indexes here
  std::vector<size_t> consumer_list_;
  std::vector<std::string> warnings_;
  std::unordered_set<std::string> folded_values_;
  // Tensors made for Constant nodes given as value_float(s)/value_int(s)/value_string(s).
  std::vector<std::unique_ptr<onnx::TensorProto>> owned_constants_;
};

}  // namespace zonnx
