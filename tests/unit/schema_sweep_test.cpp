// A structure-aware sweep over every op schema zonnx knows (libonnx's 1.12
// schemas, all versions and domains, and the ones zonnx registers past opset
// 17): each op is put in a one-node model with inputs of odd ranks, odd
// attribute values and odd constant inputs, and the model goes through the
// same inspect pipeline as the fuzz_inspect target. Every case must end in a
// report or a ModelError; libonnx's inference functions index dimensions and
// attributes unchecked, and this is where a missing guard shows up (under the
// ASan build it is a sanitizer report, in the plain build usually a crash).
//
// libFuzzer's byte mutations rarely reach "rank-1 input of an op that needs
// rank 4", which is what this sweep enumerates. ZONNX_SWEEP_TRACE=1 prints
// each case before it runs, to name the one that crashes.
#include <gtest/gtest.h>
#include <onnx/defs/data_type_utils.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../fuzz/fuzz_targets.h"
#include "test_support.h"
#include "view/fast_infer.h"
#include "view/schemas_past_17.h"

namespace zonnx {
namespace {

using onnx::AttributeProto;
using onnx::OpSchema;

// Ranks given to the inputs; rank 6 is past what most ops expect.
constexpr int kRanks[] = {0, 1, 2, 3, 4, 6};

const std::vector<int64_t> kIntValues = {-9, -1, 0, 1, 2, 9};
const std::vector<std::vector<int64_t>> kIntsValues = {{},     {0},    {-1},      {9},
                                                       {0, 0}, {1, 0}, {2, 1, 0}, {-7, 7, 1, 1, 1}};
// Values of int64 inputs made constant (shape, axes, starts, k, pads, ...).
const std::vector<std::vector<int64_t>> kConstantInputs = {{}, {0}, {-1}, {9}, {1, 1}, {-9, 2, 0}};

// The tensor element type used for a formal parameter: float when allowed,
// else the first allowed type (sorted, so the sweep is the same every run).
std::string pick_type(const OpSchema::FormalParameter& p) {
  std::vector<std::string> types;
  for (const auto* t : p.GetTypes()) types.push_back(*t);
  std::sort(types.begin(), types.end());
  for (const auto& t : types)
    if (t == "tensor(float)") return t;
  return types.empty() ? std::string("tensor(float)") : types.front();
}

bool allows(const OpSchema::FormalParameter& p, const std::string& type) {
  for (const auto* t : p.GetTypes())
    if (*t == type) return true;
  return false;
}

struct SweepCase {
  const OpSchema* schema;
  int rank = 0;
  // The inputs after the first: same rank as the first; rank 0 (an unchecked
  // dim(k) on them then reads through a null array and crashes even without
  // ASan, where rank 1 leaves spare capacity); or untyped (made by an op
  // nobody knows, so inference sees no type at all).
  enum class Others { SameRank, Rank0, Untyped } others = Others::SameRank;
  const AttributeProto* attribute = nullptr;       // one attribute set, or none
  const std::vector<int64_t>* constant = nullptr;  // int64 inputs after the first made constant
  bool without_optional = false;                   // trailing optional inputs left out
  bool force_libonnx = false;                      // a model-local function keeps zonnx's fast pass out

  std::string describe() const {
    std::string s = schema->domain() + "::" + schema->Name() + "-" + std::to_string(schema->since_version()) +
                    " rank " + std::to_string(rank) +
                    (others == Others::Rank0     ? " (others rank 0)"
                     : others == Others::Untyped ? " (others untyped)"
                                                 : "");
    if (attribute) s += " attr " + attribute->ShortDebugString();
    if (without_optional) s += " (no optional inputs)";
    if (force_libonnx) s += " (libonnx inference)";
    if (constant) {
      s += " constant [";
      for (int64_t v : *constant) s += std::to_string(v) + " ";
      s += "]";
    }
    return s;
  }
};

// Shapes the tensor inside `type` (a tensor, or the elements of a sequence
// or optional).
void set_shape(onnx::TypeProto& type, int rank) {
  if (type.has_sequence_type()) return set_shape(*type.mutable_sequence_type()->mutable_elem_type(), rank);
  if (type.has_optional_type()) return set_shape(*type.mutable_optional_type()->mutable_elem_type(), rank);
  if (!type.has_tensor_type()) return;
  auto* shape = type.mutable_tensor_type()->mutable_shape();
  for (int d = 0; d < rank; ++d) shape->add_dim()->set_dim_value(2 + d % 2);
}

std::string build_model(const SweepCase& c) {
  const OpSchema& s = *c.schema;
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* opset = model.add_opset_import();
  opset->set_domain(s.domain());
  opset->set_version(s.since_version());
  if (!s.domain().empty()) {
    auto* onnx_opset = model.add_opset_import();
    onnx_opset->set_domain("");
    onnx_opset->set_version(17);
  }
  auto* graph = model.mutable_graph();
  graph->set_name("sweep");
  onnx::NodeProto swept;
  auto* node = &swept;
  node->set_op_type(s.Name());
  node->set_domain(s.domain());
  for (size_t i = 0; i < s.inputs().size(); ++i) {
    const auto& p = s.inputs()[i];
    if (c.without_optional && p.GetOption() == OpSchema::Optional) break;
    const std::string name = "in" + std::to_string(i);
    node->add_input(name);
    const int rank = (c.others == SweepCase::Others::Rank0 && i > 0) ? 0 : c.rank;
    if (c.constant && i > 0 && allows(p, "tensor(int64)")) {
      auto* init = graph->add_initializer();
      init->set_name(name);
      init->set_data_type(onnx::TensorProto::INT64);
      init->add_dims(static_cast<int64_t>(c.constant->size()));
      for (int64_t v : *c.constant) init->add_int64_data(v);
      continue;
    }
    if (c.others == SweepCase::Others::Untyped && i > 0) {
      auto* opaque = graph->add_node();
      opaque->set_op_type("Opaque");
      opaque->set_domain("zonnx.sweep");
      opaque->add_output(name);
      continue;
    }
    auto* vi = graph->add_input();
    vi->set_name(name);
    *vi->mutable_type() =
        onnx::Utils::DataTypeUtils::ToTypeProto(onnx::Utils::DataTypeUtils::ToType(pick_type(p)));
    set_shape(*vi->mutable_type(), rank);
  }
  for (size_t i = 0; i < s.outputs().size(); ++i) {
    const std::string name = "out" + std::to_string(i);
    node->add_output(name);
    graph->add_output()->set_name(name);
  }
  if (c.attribute) *node->add_attribute() = *c.attribute;
  *graph->add_node() = std::move(swept);  // after the nodes making its untyped inputs
  if (c.others == SweepCase::Others::Untyped) {
    auto* custom = model.add_opset_import();
    custom->set_domain("zonnx.sweep");
    custom->set_version(1);
  }
  if (c.force_libonnx) {
    auto* f = model.add_functions();
    f->set_name("Unused");
    f->set_domain("zonnx.sweep");
  }
  return model.SerializeAsString();
}

std::vector<AttributeProto> attribute_variants(const OpSchema& s) {
  std::vector<AttributeProto> out;
  for (const auto& [name, attr] : s.attributes()) {
    AttributeProto a;
    a.set_name(name);
    a.set_type(attr.type);
    switch (attr.type) {
      case AttributeProto::INT:
        for (int64_t v : kIntValues) {
          a.set_i(v);
          out.push_back(a);
        }
        break;
      case AttributeProto::INTS:
        for (const auto& values : kIntsValues) {
          a.clear_ints();
          for (int64_t v : values) a.add_ints(v);
          out.push_back(a);
        }
        break;
      case AttributeProto::FLOAT:
        a.set_f(-1.0f);
        out.push_back(a);
        break;
      case AttributeProto::FLOATS:
        out.push_back(a);  // empty list
        a.add_floats(0.0f);
        out.push_back(a);
        break;
      case AttributeProto::STRING:
        a.set_s("");
        out.push_back(a);
        break;
      default:
        break;  // graphs, tensors, types: the byte fuzzers cover those
    }
  }
  return out;
}

// What one sweep runs: the code path, and which variants of each schema.
struct SweepPlan {
  std::function<bool(std::string_view)> run;  // true: a report / a converted model
  bool vary_attributes = true;
  bool both_shape_passes = true;
};

// Runs every case of one schema; returns {cases, successes}. `current` gets
// the description of the case being run (read by the parent after a crash).
std::pair<size_t, size_t> sweep_schema(const OpSchema& s, const SweepPlan& plan, char* current,
                                       size_t current_size, bool trace) {
  size_t cases = 0, successes = 0;
  auto run_one = [&](const SweepCase& c, const std::string& model) {
    const std::string what = c.describe();
    std::snprintf(current, current_size, "%s", what.c_str());
    if (trace) std::fprintf(stderr, "sweep: %s\n", what.c_str());
    ++cases;
    if (plan.run(model)) ++successes;
  };
  // Both shape passes: zonnx's own for the models it covers, and libonnx's,
  // which runs on the whole model as soon as one node is not covered. A model
  // zonnx's pass does not take already went through libonnx's, so its
  // libonnx-forced twin would only repeat it.
  auto run = [&](SweepCase c) {
    const std::string plain = build_model(c);
    run_one(c, plain);
    if (!plan.both_shape_passes) return;
    onnx::ModelProto parsed;
    if (!parsed.ParseFromString(plain) || !view::fast_infer(parsed, Limits{}).has_value()) return;
    c.force_libonnx = true;
    run_one(c, build_model(c));
  };
  bool has_optional = false;
  for (const auto& p : s.inputs()) has_optional |= p.GetOption() == OpSchema::Optional;
  const std::vector<AttributeProto> attributes =
      plan.vary_attributes ? attribute_variants(s) : std::vector<AttributeProto>{};
  for (int rank : kRanks) {
    for (auto others : {SweepCase::Others::SameRank, SweepCase::Others::Rank0, SweepCase::Others::Untyped}) {
      if (others != SweepCase::Others::SameRank && s.inputs().size() < 2) continue;
      for (bool without_optional : {false, true}) {
        if (without_optional && !has_optional) continue;
        SweepCase base{&s, rank};
        base.others = others;
        base.without_optional = without_optional;
        run(base);
        for (const auto& a : attributes) {
          SweepCase c = base;
          c.attribute = &a;
          run(c);
        }
        for (const auto& values : kConstantInputs) {
          SweepCase c = base;
          c.constant = &values;
          run(c);
        }
      }
    }
  }
  return {cases, successes};
}

struct SweepTotals {
  size_t schemas = 0, cases = 0, successes = 0;
};

// A schema's cases take well under a second (a few under ASan); this only ends a hang.
constexpr int kSchemaTimeoutSeconds = 120;

// Sweeps every schema with an inference function, each in a forked child so
// one crash names its case and the other schemas still run; the child
// reports its counts through shared memory.
SweepTotals sweep_all(const SweepPlan& plan) {
  view::ensure_onnx_schemas_past_17();
  const bool trace = std::getenv("ZONNX_SWEEP_TRACE") != nullptr;
  const std::vector<OpSchema> schemas = onnx::OpSchemaRegistry::get_all_schemas_with_history();
  EXPECT_GT(schemas.size(), 500u);

  struct Shared {
    size_t cases;
    size_t successes;
    char current[1024];
  };
  void* memory = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    ADD_FAILURE() << "mmap failed";
    return {};
  }
  auto* shared = static_cast<Shared*>(memory);

  // Every k-th schema when ZONNX_SWEEP_STRIDE=k (k > 1). Only tools/test-s390x
  // sets it: under qemu the whole sweep would take a quarter of an hour.
  const size_t stride = test::stride_from_env("ZONNX_SWEEP_STRIDE");
  SweepTotals totals;
  size_t position = 0;
  for (const OpSchema& s : schemas) {
    if (!s.has_type_and_shape_inference_function()) continue;
    if (position++ % stride != 0) continue;
    ++totals.schemas;
    *shared = Shared{};
    const std::string failure = test::run_in_child(
        [&] {
          auto [c, r] = sweep_schema(s, plan, shared->current, sizeof(shared->current), trace);
          shared->cases = c;
          shared->successes = r;
        },
        kSchemaTimeoutSeconds);
    if (!failure.empty()) {
      ADD_FAILURE() << shared->current << ": " << failure;
      continue;
    }
    totals.cases += shared->cases;
    totals.successes += shared->successes;
  }
  ::munmap(memory, sizeof(Shared));
  return totals;
}

TEST(SchemaSweep, EveryOpSurvivesOddRanksAttributesAndConstants) {
  SweepPlan plan;
  plan.run = [](std::string_view bytes) { return fuzz::run_inspect(bytes); };
  const SweepTotals t = sweep_all(plan);
  // The sweep is only worth something if most cases get through to a report.
  EXPECT_GT(t.successes, t.cases / 2) << t.successes << " reports out of " << t.cases << " cases";
  std::printf("inspect sweep: %zu schemas, %zu cases, %zu reports\n", t.schemas, t.cases, t.successes);
}

// The fuzz_convert path (opsets 22, 17 and 12, written and loaded back) on
// the same models, without the attribute variants: the adapters and the
// validation of their output meet odd ranks and constants.
TEST(SchemaSweep, EveryOpConvertsOrFailsCleanly) {
  SweepPlan plan;
  plan.run = [](std::string_view bytes) { return fuzz::run_convert(bytes); };
  plan.vary_attributes = false;
  plan.both_shape_passes = false;
  const SweepTotals t = sweep_all(plan);
  EXPECT_GT(t.successes, 0u);
  std::printf("convert sweep: %zu schemas, %zu cases, %zu converted\n", t.schemas, t.cases, t.successes);
}

}  // namespace
}  // namespace zonnx
