#include "view/infer_runner.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>
#include <onnx/shape_inference/implementation.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "view/inference_guards.h"
#include "view/schemas_past_17.h"
#include "view/shape_folding.h"
#include "view/tensor_data.h"

namespace zonnx::view {

namespace {

// Op type given to Constant nodes whose tensor is not in the proto, in the
// working copy only: onnx skips unknown ops, and the output's type comes from
// a value_info we add.
constexpr const char* kPlaceholderOp = "ZonnxPayloadNotLoaded";

// ---------------------------------------------------------------------------
// Data propagation with a size cap.

class CappedPropagationContext final : public onnx::DataPropagationContext {
 public:
  CappedPropagationContext(onnx::DataPropagationContext& inner, int cap) : inner_(inner), cap_(cap) {}
  const onnx::AttributeProto* getAttribute(const std::string& name) const override {
    return inner_.getAttribute(name);
  }
  size_t getNumInputs() const override { return inner_.getNumInputs(); }
  const onnx::TypeProto* getInputType(size_t index) const override { return inner_.getInputType(index); }
  size_t getNumOutputs() const override { return inner_.getNumOutputs(); }
  const onnx::TypeProto* getOutputType(size_t index) const override { return inner_.getOutputType(index); }
  const onnx::TensorShapeProto* getInputData(size_t index) override {
    const onnx::TensorShapeProto* d = inner_.getInputData(index);
    return d && d->dim_size() <= cap_ ? d : nullptr;
  }
  void addOutputData(size_t index, onnx::TensorShapeProto&& tp) override {
    if (tp.dim_size() <= cap_) inner_.addOutputData(index, std::move(tp));
  }

 private:
  onnx::DataPropagationContext& inner_;
  int cap_;
};

// Hides a too-long static length of a shape input (Expand's `shape`,
// ConstantOfShape's `input`): libonnx 1.12 otherwise adds one output dim per
// element of the declared length ("rank inference"), so a declared int64[1e12]
// would make it build a trillion dims.
class MaskedShapeInputContext final : public onnx::InferenceContext {
 public:
  MaskedShapeInputContext(onnx::InferenceContext& inner, size_t index, int cap)
      : inner_(inner), index_(index) {
    const onnx::TypeProto* t = index < inner.getNumInputs() ? inner.getInputType(index) : nullptr;
    if (t && t->has_tensor_type() && t->tensor_type().has_shape() &&
        t->tensor_type().shape().dim_size() == 1 && t->tensor_type().shape().dim(0).dim_value() > cap) {
      masked_ = *t;
      masked_.mutable_tensor_type()->mutable_shape()->mutable_dim(0)->Clear();
      use_masked_ = true;
    }
  }
  const onnx::AttributeProto* getAttribute(const std::string& name) const override {
    return inner_.getAttribute(name);
  }
  size_t getNumInputs() const override { return inner_.getNumInputs(); }
  const onnx::TypeProto* getInputType(size_t index) const override {
    return use_masked_ && index == index_ ? &masked_ : inner_.getInputType(index);
  }
  const onnx::TensorProto* getInputData(size_t index) const override { return inner_.getInputData(index); }
  size_t getNumOutputs() const override { return inner_.getNumOutputs(); }
  onnx::TypeProto* getOutputType(size_t index) override { return inner_.getOutputType(index); }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string& name) override {
    return inner_.getGraphAttributeInferencer(name);
  }
  const onnx::SparseTensorProto* getInputSparseData(size_t index) const override {
    return inner_.getInputSparseData(index);
  }
  const onnx::TensorShapeProto* getSymbolicInput(size_t index) const override {
    return inner_.getSymbolicInput(index);
  }

 private:
  onnx::InferenceContext& inner_;
  size_t index_;
  onnx::TypeProto masked_;
  bool use_masked_ = false;
};

// What a node must look like before an inference function may see it: the
// arity, required attributes and attribute kinds of its schema (as the
// checker verifies). Several libonnx 1.12 inference functions dereference
// inputs or attributes without checking, so a malformed node must never
// reach them.
struct NodeShapeRules {
  int min_inputs = 0, max_inputs = 0, min_outputs = 0, max_outputs = 0;
  std::vector<std::pair<std::string, onnx::AttributeProto::AttributeType>> attributes;
  std::vector<std::string> required;

  explicit NodeShapeRules(const onnx::OpSchema& s)
      : min_inputs(s.min_input()),
        max_inputs(s.max_input()),
        min_outputs(s.min_output()),
        max_outputs(s.max_output()) {
    for (const auto& [name, attr] : s.attributes()) {
      attributes.emplace_back(name, attr.type);
      if (attr.required) required.push_back(name);
    }
  }

  void check(onnx::InferenceContext& ctx) const {
    const auto inputs = static_cast<int64_t>(ctx.getNumInputs());
    const auto outputs = static_cast<int64_t>(ctx.getNumOutputs());
    if (inputs < min_inputs || inputs > max_inputs || outputs < min_outputs || outputs > max_outputs)
      fail_type_inference("node has ", inputs, " inputs and ", outputs,
                          " outputs, outside its schema's range");
    for (const auto& name : required)
      if (!ctx.getAttribute(name)) fail_type_inference("required attribute ", name, " is missing");
    for (const auto& [name, type] : attributes) {
      const onnx::AttributeProto* a = ctx.getAttribute(name);
      if (!a) continue;
      if (a->type() != onnx::AttributeProto::UNDEFINED && a->type() != type)
        fail_type_inference("attribute ", name, " has the wrong kind");
      if ((type == onnx::AttributeProto::GRAPH && !a->has_g()) ||
          (type == onnx::AttributeProto::TENSOR && !a->has_t()))
        fail_type_inference("attribute ", name, " has no value");
    }
  }
};

// Hands out libonnx's schemas (ours included), with guards:
//  - inference functions only see nodes that match their schema (see
//    NodeShapeRules) and that pass the op's checks in inference_guards.h;
//  - data propagation functions wrapped so that no propagated value grows
//    beyond `cap` entries (Concat could otherwise double a shape vector node
//    after node), and skipped when an input has no type;
//  - Expand and ConstantOfShape see shape inputs longer than `cap` as of
//    unknown length;
//  - domain "ai.onnx" spelled out is looked up as the default domain (1.12
//    only registers "").
class GuardedRegistry final : public onnx::ISchemaRegistry {
 public:
  explicit GuardedRegistry(int cap) : cap_(cap) {}
  const onnx::OpSchema* GetSchema(const std::string& key, const int maxInclusiveVersion,
                                  const std::string& domain) const override {
    const bool onnx_domain = domain.empty() || domain == "ai.onnx";
    const onnx::OpSchema* s =
        onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, onnx_domain ? std::string() : domain);
    if (!s) return s;
    if (!s->has_data_propagation_function() && !s->has_type_and_shape_inference_function()) return s;
    // Schemas live for the whole process, so the wrapped copies are shared by all builds.
    static std::mutex mutex;
    static std::map<std::pair<const onnx::OpSchema*, int>, std::unique_ptr<onnx::OpSchema>> wrapped;
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = wrapped[{s, cap_}];
    if (!slot) {
      slot = std::make_unique<onnx::OpSchema>(*s);
      const int cap = cap_;
      if (s->has_data_propagation_function()) {
        auto original = s->GetDataPropagationFunction();
        slot->PartialDataPropagationFunction([original, cap](onnx::DataPropagationContext& ctx) {
          // libonnx 1.12's propagators dereference input types unchecked.
          for (size_t i = 0; i < ctx.getNumInputs(); ++i)
            if (!ctx.getInputType(i)) return;
          CappedPropagationContext capped(ctx, cap);
          original(capped);
        });
      }
      if (s->has_type_and_shape_inference_function()) {
        auto original = s->GetTypeAndShapeInferenceFunction();
        auto rules = std::make_shared<const NodeShapeRules>(*s);
        int shape_input = -1;
        if (onnx_domain && key == "Expand") shape_input = 1;
        if (onnx_domain && key == "ConstantOfShape") shape_input = 0;
        const InferenceGuard* guard = onnx_domain ? inference_guard_for(key) : nullptr;
        slot->TypeAndShapeInferenceFunction(
            [original, rules, shape_input, cap, guard](onnx::InferenceContext& ctx) {
              rules->check(ctx);
              if (guard) check_inference_guard(*guard, ctx);
              if (shape_input < 0) return original(ctx);
              MaskedShapeInputContext masked(ctx, static_cast<size_t>(shape_input), cap);
              original(masked);
            });
      }
    }
    return slot.get();
  }

 private:
  int cap_;
};

// ---------------------------------------------------------------------------
// Preparing the working copy.

void tensor_type_of(const onnx::TensorProto& t, onnx::TypeProto& type) {
  auto* tt = type.mutable_tensor_type();
  tt->set_elem_type(t.data_type());
  auto* shape = tt->mutable_shape();
  for (int64_t d : t.dims()) shape->add_dim()->set_dim_value(d);
}

void for_each_subgraph(onnx::NodeProto& n, const std::function<void(onnx::GraphProto&)>& fn) {
  for (auto& a : *n.mutable_attribute()) {
    if (a.has_g()) fn(*a.mutable_g());
    for (auto& g : *a.mutable_graphs()) fn(g);
  }
}

// Replaces tensors whose payload is not in the proto by typed placeholders.
void hide_outside_payloads(onnx::GraphProto& g) {
  std::unordered_set<std::string> inputs;
  for (const auto& vi : g.input()) inputs.insert(vi.name());
  auto* inits = g.mutable_initializer();
  for (int i = inits->size() - 1; i >= 0; --i) {
    const onnx::TensorProto& t = inits->Get(i);
    if (!payload_outside_proto(t)) continue;
    if (!inputs.count(t.name())) {
      auto* vi = g.add_value_info();
      vi->set_name(t.name());
      tensor_type_of(t, *vi->mutable_type());
    }
    inits->DeleteSubrange(i, 1);
  }
  for (auto& n : *g.mutable_node()) {
    if (n.op_type() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx") &&
        n.output_size() >= 1) {
      for (const auto& a : n.attribute()) {
        if (a.name() == "value" && a.has_t() && payload_outside_proto(a.t())) {
          auto* vi = g.add_value_info();
          vi->set_name(n.output(0));
          tensor_type_of(a.t(), *vi->mutable_type());
          n.set_op_type(kPlaceholderOp);
          n.clear_attribute();
          break;
        }
      }
    }
    for_each_subgraph(n, hide_outside_payloads);
  }
}

// libonnx 1.12 aborts the whole inference on a node whose domain has no opset
// import, and finds no schema for a node whose domain is spelled "ai.onnx"
// while the model imports "". In the working copy: spell the default domain
// "" everywhere and import every domain a node uses (unknown ops are skipped).
void normalize_domains(onnx::ModelProto& m) {
  auto fix_imports = [](google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports) {
    for (auto& o : imports)
      if (o.domain() == "ai.onnx") o.set_domain("");
  };
  std::unordered_set<std::string> used;
  std::function<void(google::protobuf::RepeatedPtrField<onnx::NodeProto>&, bool)> walk =
      [&](google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, bool collect) {
        for (auto& n : nodes) {
          if (n.domain() == "ai.onnx") n.set_domain("");
          if (collect) used.insert(n.domain());
          for (auto& a : *n.mutable_attribute()) {
            if (a.has_g()) walk(*a.mutable_g()->mutable_node(), collect);
            for (auto& g : *a.mutable_graphs()) walk(*g.mutable_node(), collect);
          }
        }
      };
  fix_imports(*m.mutable_opset_import());
  walk(*m.mutable_graph()->mutable_node(), true);
  for (const auto& o : m.opset_import()) used.erase(o.domain());
  for (const auto& d : used) {
    auto* o = m.add_opset_import();
    o->set_domain(d);
    o->set_version(1);
  }
  for (auto& f : *m.mutable_functions()) {
    fix_imports(*f.mutable_opset_import());
    used.clear();
    walk(*f.mutable_node(), true);
    for (const auto& o : f.opset_import()) used.erase(o.domain());
    for (const auto& d : used) {
      auto* o = f.add_opset_import();
      o->set_domain(d);
      o->set_version(1);
    }
  }
}

// Drops declared value types (for the retry after a contradiction).
void clear_declared(onnx::GraphProto& g) {
  g.clear_value_info();
  for (auto& o : *g.mutable_output()) o.clear_type();
  for (auto& n : *g.mutable_node()) for_each_subgraph(n, clear_declared);
}

// Model-local functions that call themselves (directly or not), or whose call
// chains are deeper than `max_depth`, would make libonnx recurse without end.
bool functions_are_safe(const onnx::ModelProto& m, int max_depth) {
  std::map<std::string, const onnx::FunctionProto*> by_id;
  for (const auto& f : m.functions()) by_id[f.domain() + ":" + f.name()] = &f;
  std::map<std::string, int> state;  // 1 visiting, 2 done
  std::function<bool(const std::string&, int)> visit = [&](const std::string& id, int depth) -> bool {
    if (depth > max_depth) return false;
    int& s = state[id];
    if (s == 1) return false;
    if (s == 2) return true;
    s = 1;
    std::function<bool(const google::protobuf::RepeatedPtrField<onnx::NodeProto>&)> nodes_ok =
        [&](const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes) -> bool {
      for (const auto& n : nodes) {
        auto it = by_id.find(n.domain() + ":" + n.op_type());
        if (it != by_id.end() && !visit(it->first, depth + 1)) return false;
        for (const auto& a : n.attribute()) {
          if (a.has_g() && !nodes_ok(a.g().node())) return false;
          for (const auto& g : a.graphs())
            if (!nodes_ok(g.node())) return false;
        }
      }
      return true;
    };
    bool ok = nodes_ok(by_id[id]->node());
    state[id] = 2;
    return ok;
  };
  for (const auto& [id, f] : by_id)
    if (!visit(id, 0)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Merging inferred types into the model.

void merge_type(onnx::TypeProto& dst, const onnx::TypeProto& src);

void merge_tensor(onnx::TypeProto_Tensor& dst, const onnx::TypeProto_Tensor& src) {
  if (dst.elem_type() == 0 && src.elem_type() != 0) dst.set_elem_type(src.elem_type());
  if (!src.has_shape()) return;
  if (!dst.has_shape()) {
    *dst.mutable_shape() = src.shape();
    return;
  }
  if (dst.shape().dim_size() != src.shape().dim_size()) return;
  for (int i = 0; i < src.shape().dim_size(); ++i) {
    // A static value beats a symbol (e.g. after binding an input's shape);
    // a declared static value is never replaced.
    auto* d = dst.mutable_shape()->mutable_dim(i);
    const auto& s = src.shape().dim(i);
    if (d->has_dim_value()) continue;
    if (s.has_dim_value() || !d->has_dim_param()) *d = s;
  }
}

void merge_type(onnx::TypeProto& dst, const onnx::TypeProto& src) {
  if (src.value_case() == onnx::TypeProto::VALUE_NOT_SET) return;
  if (dst.value_case() == onnx::TypeProto::VALUE_NOT_SET) {
    dst = src;
    return;
  }
  if (dst.value_case() != src.value_case()) return;
  switch (src.value_case()) {
    case onnx::TypeProto::kTensorType:
      merge_tensor(*dst.mutable_tensor_type(), src.tensor_type());
      break;
    case onnx::TypeProto::kSequenceType:
      merge_type(*dst.mutable_sequence_type()->mutable_elem_type(), src.sequence_type().elem_type());
      break;
    case onnx::TypeProto::kOptionalType:
      merge_type(*dst.mutable_optional_type()->mutable_elem_type(), src.optional_type().elem_type());
      break;
    default:
      break;
  }
}

void merge_value_infos(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& dst,
                       const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& src) {
  for (int i = 0; i < dst.size() && i < src.size(); ++i)
    if (dst.Get(i).name() == src.Get(i).name())
      merge_type(*dst.Mutable(i)->mutable_type(), src.Get(i).type());
}

void merge_graph(onnx::GraphProto& dst, const onnx::GraphProto& src) {
  merge_value_infos(*dst.mutable_input(), src.input());
  merge_value_infos(*dst.mutable_output(), src.output());
  std::unordered_set<std::string> skip;  // initializers keep their own type
  for (const auto& t : dst.initializer()) skip.insert(t.name());
  std::unordered_map<std::string, int> existing;
  for (int i = 0; i < dst.value_info_size(); ++i) existing.emplace(dst.value_info(i).name(), i);
  for (const auto& vi : src.value_info()) {
    if (skip.count(vi.name())) continue;
    auto it = existing.find(vi.name());
    if (it != existing.end()) {
      merge_type(*dst.mutable_value_info(it->second)->mutable_type(), vi.type());
    } else {
      existing.emplace(vi.name(), dst.value_info_size());
      *dst.add_value_info() = vi;
    }
  }
  if (dst.node_size() != src.node_size()) return;
  for (int i = 0; i < dst.node_size(); ++i) {
    auto& dn = *dst.mutable_node(i);
    const auto& sn = src.node(i);
    if (dn.attribute_size() != sn.attribute_size()) continue;  // a placeholder (no subgraphs)
    for (int a = 0; a < dn.attribute_size(); ++a) {
      auto& da = *dn.mutable_attribute(a);
      const auto& sa = sn.attribute(a);
      if (da.has_g() && sa.has_g()) merge_graph(*da.mutable_g(), sa.g());
      for (int k = 0; k < da.graphs_size() && k < sa.graphs_size(); ++k)
        merge_graph(*da.mutable_graphs(k), sa.graphs(k));
    }
  }
}

bool try_infer(onnx::ModelProto& work, const Limits& limits, std::string& error) {
  try {
    GuardedRegistry registry(limits.max_rank);
    onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0, /*data_prop=*/true);
    std::unordered_map<std::string, onnx::TensorShapeProto> generated;
    onnx::shape_inference::InferShapes(work, &registry, options, &generated);
    return true;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown error";
  }
  return false;
}

std::string first_line(std::string s) {
  size_t p = s.find('\n');
  if (p != std::string::npos) s.resize(p);
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s;
}

}  // namespace

void run_shape_inference(onnx::ModelProto& model, const Limits& limits, std::vector<std::string>& warnings,
                         std::unordered_set<std::string>* folded_values) {
  ensure_onnx_schemas_past_17();
  auto prepare = [&](bool without_declared) {
    auto work = std::make_unique<onnx::ModelProto>(model);
    if (without_declared) clear_declared(*work->mutable_graph());
    hide_outside_payloads(*work->mutable_graph());
    normalize_domains(*work);
    if (!functions_are_safe(*work, limits.max_graph_depth)) work->clear_functions();
    return work;
  };
  if (!functions_are_safe(model, limits.max_graph_depth))
    warnings.push_back(
        "shape inference: model-local functions call themselves or nest too deeply; not expanded");
  std::string error;
  auto work = prepare(false);
  if (!try_infer(*work, limits, error)) {
    warnings.push_back("shape inference stopped: " + first_line(error) +
                       "; retried ignoring the model's declared value_info");
    work = prepare(true);
    error.clear();
    if (!try_infer(*work, limits, error))
      warnings.push_back("shape inference stopped again: " + first_line(error) + "; shapes are partial");
  }
  // Fold integer shape arithmetic the compiler would fold, and infer again
  // while that makes new facts known (bounded: each round folds more nodes).
  for (int round = 0; round < 4 && error.empty(); ++round) {
    if (fold_shape_constants(*work->mutable_graph(), folded_values) == 0) break;
    if (!try_infer(*work, limits, error))
      warnings.push_back("shape inference after folding shape arithmetic stopped: " + first_line(error));
  }
  merge_graph(*model.mutable_graph(), work->graph());
}

}  // namespace zonnx::view
