// Byte-swapped weights: `inspect` flags tensors whose raw_data reads
// plausibly only with each element's bytes reversed, `convert
// --fix-byte-order` restores them. The swapped models are made here from real
// ones (models/, ../shared/models) by reversing raw_data element bytes, the way
// a tool on a big-endian host writes them.
#include "zonnx/byte_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "test_support.h"
#include "zonnx/convert.h"
#include "zonnx/loader.h"

namespace zonnx::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using onnx::TensorProto;

int element_bytes(int32_t type) {
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
      return 0;
  }
}

// Elements whose bytes change when reversed (the others carry no evidence).
uint64_t asymmetric_elements(const TensorProto& t) {
  const int size = element_bytes(t.data_type());
  const std::string& raw = t.raw_data();
  uint64_t n = 0;
  for (size_t i = 0; size > 0 && i + static_cast<size_t>(size) <= raw.size();
       i += static_cast<size_t>(size)) {
    std::string e = raw.substr(i, static_cast<size_t>(size));
    std::string r(e.rbegin(), e.rend());
    if (e != r) ++n;
  }
  return n;
}

onnx::ModelProto parse(const std::string& path) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(read_file(path))) << path;
  return m;
}

// The main graph's tensors the check covers, by name: initializers and
// Constant values (some exporters, e.g. paddle2onnx, keep weights in Constants).
std::map<std::string, TensorProto*> main_tensors(onnx::ModelProto& m) {
  std::map<std::string, TensorProto*> out;
  for (auto& t : *m.mutable_graph()->mutable_initializer()) out[t.name()] = &t;
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (auto& a : *n.mutable_attribute())
        if (a.name() == "value" && a.has_t()) out[n.output(0)] = a.mutable_t();
  return out;
}

// Reverses the element bytes of the main graph's raw_data tensors that `pick`
// selects; returns their names.
std::set<std::string> swap_tensors(onnx::ModelProto& m, const std::function<bool(const TensorProto&)>& pick) {
  std::set<std::string> names;
  for (auto& [name, t] : main_tensors(m)) {
    const int size = element_bytes(t->data_type());
    if (size == 0 || !t->has_raw_data() || !pick(*t)) continue;
    std::string raw = t->raw_data();
    EXPECT_TRUE(reverse_element_bytes(raw, size)) << name;
    t->set_raw_data(raw);
    names.insert(name);
  }
  return names;
}

std::string save(const onnx::ModelProto& m, const std::string& name) {
  const std::string path = temp_dir() + "/" + name;
  write_file(path, m.SerializeAsString());
  return path;
}

std::set<std::string> flagged_names(const ByteOrderReport& r) {
  std::set<std::string> names;
  for (const auto& t : r.swapped) names.insert(t.name);
  return names;
}

// The real models the swap tests start from: bundled ones always, shared ones when present.
std::vector<std::string> real_models() {
  std::vector<std::string> out;
  for (const char* f : {"squeezenet1_1_op13.onnx", "gru_op13.onnx", "silero_vad_16k_op15.onnx",
                        "transformer_encoder_op17.onnx"})
    out.push_back(bundled_model(f));
  const std::string shared = shared_dir();
  if (!shared.empty())
    for (const char* f : {"mobilenet_v3_small_op13.onnx", "vit_small_cfg_op17.onnx", "lstm_tagger_op17.onnx",
                          "ch_PP-OCRv4_det_infer.onnx", "seq2seq_transformer_op14.onnx"})
      if (fs::exists(shared + "/models/" + f)) out.push_back(shared + "/models/" + f);
  return out;
}

// ---- detection on real models ------------------------------------------------

// Every float/int initializer with enough evidence is flagged once its bytes
// are reversed, and nothing else is.
TEST(ByteOrder, SwappedInitializersOfRealModelsAreFlagged) {
  for (const std::string& path : real_models()) {
    SCOPED_TRACE(path);
    onnx::ModelProto m = parse(path);
    const std::set<std::string> swapped =
        swap_tensors(m, [](const TensorProto& t) { return asymmetric_elements(t) >= 16; });
    ASSERT_FALSE(swapped.empty());
    const std::string out = save(m, "swapped.onnx");
    const ByteOrderReport report = check_byte_order(load_model(out));
    EXPECT_EQ(flagged_names(report), swapped);
    for (const auto& t : report.swapped) {
      EXPECT_TRUE(t.kind == "initializer" || t.kind == "constant") << t.kind;
      EXPECT_EQ(t.graph, "main");
      EXPECT_EQ(t.evidence, ByteOrderEvidence::Tensor) << t.name;
      EXPECT_LE(t.stored_plausible, 0.5) << t.name;
      EXPECT_GE(t.swapped_plausible, 0.75) << t.name;
      EXPECT_GE(t.informative, 16u);
      EXPECT_LE(t.sampled, report.sample_limit);
      EXPECT_FALSE(t.stored_examples.empty());
      EXPECT_EQ(t.stored_examples.size(), t.swapped_examples.size());
    }
    EXPECT_NE(report.summary().find("big-endian host"), std::string::npos) << report.summary();
  }
}

// Swapping only some tensors: exactly those are flagged, and the summary says
// the model is mixed.
TEST(ByteOrder, PartlySwappedModelFlagsExactlyTheSwappedTensors) {
  onnx::ModelProto m = parse(bundled_model("squeezenet1_1_op13.onnx"));
  int i = 0;
  const std::set<std::string> swapped =
      swap_tensors(m, [&](const TensorProto& t) { return asymmetric_elements(t) >= 64 && (i++ % 3 == 0); });
  ASSERT_GE(swapped.size(), 5u);
  const ByteOrderReport report = check_byte_order(load_model(save(m, "partly.onnx")));
  EXPECT_EQ(flagged_names(report), swapped);
  EXPECT_GT(report.native, 0u);
  EXPECT_NE(report.summary().find("only part of the model"), std::string::npos) << report.summary();
}

// The sample is bounded: a large tensor is read at sample_limit elements.
TEST(ByteOrder, LargeTensorsAreSampledNotRead) {
  onnx::ModelProto m = parse(bundled_model("squeezenet1_1_op13.onnx"));
  swap_tensors(m, [](const TensorProto& t) { return asymmetric_elements(t) >= 16; });
  LoadedModel loaded = load_model(save(m, "swapped.onnx"));
  ASSERT_GT(loaded.elided_tensors, 0u);  // the big weights stayed in the map
  ByteOrderOptions options;
  options.sample_limit = 256;
  const ByteOrderReport report = check_byte_order(loaded, options);
  ASSERT_FALSE(report.swapped.empty());
  bool saw_large = false;
  for (const auto& t : report.swapped) {
    EXPECT_LE(t.sampled, 256u);
    if (t.elements > 256) {
      saw_large = true;
      EXPECT_EQ(t.sampled, 256u) << t.name;
    }
  }
  EXPECT_TRUE(saw_large);
}

// float16, bfloat16, float64, int32 and int64 made from real weights: the
// native copies read as native, the swapped copies are flagged, nothing else.
std::string encode_le(uint64_t bits, int size) {
  std::string out;
  for (int k = 0; k < size; ++k) out.push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
  return out;
}

uint16_t to_half(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  const int exp = static_cast<int>((u >> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;  // flush tiny values to zero: enough for a test
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7bff);
  return static_cast<uint16_t>(sign | (exp << 10) | ((u >> 13) & 0x3ff));
}

// A model of 64 MiB or more keeps its file descriptor, and the sampled runs of
// its weights are read with pread instead of through the map: the report is
// the one an in-memory copy of the same bytes gives.
TEST(ByteOrder, LargeFileIsSampledThroughItsDescriptorWithTheSameReport) {
  onnx::ModelProto m = parse(bundled_model("squeezenet1_1_op13.onnx"));
  const std::set<std::string> swapped =
      swap_tensors(m, [](const TensorProto& t) { return asymmetric_elements(t) >= 16; });
  ASSERT_FALSE(swapped.empty());
  // An unused 64 MiB weight makes the file big enough to keep its descriptor.
  TensorProto* padding = m.mutable_graph()->add_initializer();
  padding->set_name("padding");
  padding->set_data_type(TensorProto::FLOAT);
  padding->add_dims(16 << 20);
  std::string raw(size_t{64} << 20, '\0');
  for (size_t i = 0; i < raw.size(); i += 4) {
    const uint32_t value = 0x3f800000u + static_cast<uint32_t>(i % 977);  // floats near 1, little-endian
    for (size_t k = 0; k < 4; ++k) raw[i + k] = static_cast<char>((value >> (8 * k)) & 0xff);
  }
  padding->set_raw_data(raw);
  const std::string path = save(m, "large_swapped.onnx");

  const LoadedModel from_file = load_model(path);
  ASSERT_GE(from_file.file->fd(), 0);
  const LoadedModel in_memory = load_model_from_bytes(read_file(path), path);
  ASSERT_LT(in_memory.file->fd(), 0);
  const ByteOrderReport a = check_byte_order(from_file);
  const ByteOrderReport b = check_byte_order(in_memory);
  EXPECT_EQ(flagged_names(a), swapped);
  EXPECT_EQ(flagged_names(b), swapped);
  ASSERT_EQ(a.swapped.size(), b.swapped.size());
  for (size_t i = 0; i < a.swapped.size(); ++i) {
    EXPECT_EQ(a.swapped[i].sampled, b.swapped[i].sampled);
    EXPECT_EQ(a.swapped[i].informative, b.swapped[i].informative);
    EXPECT_EQ(a.swapped[i].stored_examples, b.swapped[i].stored_examples);
  }
  EXPECT_EQ(a.native, b.native);
  EXPECT_GE(a.native, 1u);  // the padding reads as native floats

  // read_into gives the map's bytes and checks its bounds.
  const MappedFile& file = *from_file.file;
  std::string copy(4096, '\0');
  file.read_into(file.size() - copy.size(), copy.size(), copy.data());
  EXPECT_EQ(copy, file.bytes(file.size() - copy.size(), copy.size()));
  EXPECT_THROW(file.read_into(file.size() - 1, 2, copy.data()), std::out_of_range);
}

TEST(ByteOrder, EveryCheckedTypeMadeFromRealWeights) {
  onnx::ModelProto source = parse(bundled_model("squeezenet1_1_op13.onnx"));
  std::vector<float> weights;
  for (const auto& [name, t] : main_tensors(source))
    if (name == "features.3.expand3x3.weight") {
      const std::string& raw = t->raw_data();
      for (size_t i = 0; i + 4 <= raw.size() && weights.size() < 2000; i += 4) {
        uint32_t u = 0;
        for (int k = 3; k >= 0; --k)
          u = (u << 8) | static_cast<unsigned char>(raw[i + static_cast<size_t>(k)]);
        float f;
        std::memcpy(&f, &u, sizeof f);
        weights.push_back(f);
      }
    }
  ASSERT_EQ(weights.size(), 2000u);

  ModelBuilder b(13);
  std::set<std::string> expected;
  auto add = [&](const std::string& name, int32_t type, int size,
                 const std::function<uint64_t(float)>& bits) {
    for (bool swap : {false, true}) {
      std::string raw;
      for (float w : weights) raw += encode_le(bits(w), size);
      if (swap) reverse_element_bytes(raw, size);
      auto* t = b.proto().mutable_graph()->add_initializer();
      t->set_name(name + (swap ? "_swapped" : ""));
      t->set_data_type(type);
      t->add_dims(static_cast<int64_t>(weights.size()));
      t->set_raw_data(raw);
      if (swap) expected.insert(t->name());
    }
  };
  add("f16", TensorProto::FLOAT16, 2, [](float w) { return to_half(w); });
  add("bf16", TensorProto::BFLOAT16, 2, [](float w) {
    uint32_t u;
    std::memcpy(&u, &w, sizeof u);
    return u >> 16;
  });
  add("f64", TensorProto::DOUBLE, 8, [](float w) {
    double d = w;
    uint64_t u;
    std::memcpy(&u, &d, sizeof u);
    return u;
  });
  // Quantized-looking integers and indices: small magnitudes of both signs.
  add("i32", TensorProto::INT32, 4,
      [](float w) { return static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(w * 5000))); });
  add("i64", TensorProto::INT64, 8,
      [](float w) { return static_cast<uint64_t>(static_cast<int64_t>(w * 5000)); });

  const ByteOrderReport report = check_byte_order(load_model_from_bytes(b.bytes(), "types.onnx"));
  EXPECT_EQ(flagged_names(report), expected);
  EXPECT_EQ(report.native, 5u);
  for (const auto& t : report.swapped) EXPECT_EQ(t.evidence, ByteOrderEvidence::Tensor) << t.name;
}

// ---- no false alarm -----------------------------------------------------------

std::vector<std::string> corpus() {
  std::vector<std::string> out = test::real_models();
  const std::string shared = shared_dir();
  std::vector<std::string> node_dirs = {"/usr/share/libonnx-testdata/data/node"};
  if (!shared.empty()) node_dirs.push_back(shared + "/onnx-node-tests");
  for (const auto& dir : node_dirs) {
    if (!fs::is_directory(dir)) continue;
    for (auto& e : fs::directory_iterator(dir))
      if (fs::exists(e.path() / "model.onnx")) out.push_back((e.path() / "model.onnx").string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ByteOrder, NoFalseAlarmOnAnyRealModelOrNodeTest) {
  uint64_t models = 0, checked = 0, native = 0;
  for (const std::string& path : corpus()) {
    std::optional<LoadedModel> loaded;
    try {
      loaded.emplace(load_model(path));
    } catch (const std::exception&) {
      continue;  // unreadable models are the loader tests' business
    }
    const ByteOrderReport report = check_byte_order(*loaded);
    EXPECT_FALSE(report.any_swapped())
        << path << ": " << report.summary() << " (first: " << report.swapped.front().name << ")";
    ++models;
    checked += report.checked;
    native += report.native;
  }
  // The check must actually have looked at weights, and recognised real ones as native.
  EXPECT_GE(models, 4u);
  EXPECT_GT(checked, 100u);
  EXPECT_GT(native, 50u);
}

// ---- what is not judged -------------------------------------------------------

TEST(ByteOrder, TypedFieldsZerosAndTinyTensorsAreNotFlagged) {
  ModelBuilder b(13);
  b.input("x", TensorProto::FLOAT, {4, 64});
  // Typed fields: protobuf writes them in its own byte order, even implausible values are not "swapped".
  b.initializer_floats("typed", {64}, 1e-30f);
  auto* zeros = b.proto().mutable_graph()->add_initializer();  // reads the same both ways
  zeros->set_name("zeros");
  zeros->set_data_type(TensorProto::FLOAT);
  zeros->add_dims(1024);
  zeros->set_raw_data(std::string(4096, '\0'));
  auto* small = b.proto().mutable_graph()->add_initializer();  // swapped, but only 4 elements
  small->set_name("small");
  small->set_data_type(TensorProto::INT64);
  small->add_dims(4);
  std::string raw;
  for (int64_t v : {1, 3, 224, 224})
    for (int k = 7; k >= 0; --k)
      raw.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * k)) & 0xff));
  small->set_raw_data(raw);
  b.node("Add", {"x", "typed"}, {"y"});
  b.output("y");
  const ByteOrderReport report = check_byte_order(load_model_from_bytes(b.bytes(), "m.onnx"));
  EXPECT_FALSE(report.any_swapped());
  EXPECT_EQ(report.checked, 2u);  // zeros and small; the typed tensor is not checked
  EXPECT_EQ(report.undecidable, 2u);
}

// ---- repair -------------------------------------------------------------------

std::map<std::string, std::string> tensor_bytes(onnx::ModelProto m) {
  std::map<std::string, std::string> out;
  for (const auto& [name, t] : main_tensors(m)) out[name] = t->raw_data();
  return out;
}

// A whole model written on a big-endian host (every raw_data tensor swapped,
// small ones included): the fix restores every tensor it has evidence for,
// and the small ones through the model-level evidence.
TEST(ByteOrder, FixByteOrderRestoresTheOriginalBytes) {
  for (const std::string& path : real_models()) {
    SCOPED_TRACE(path);
    const onnx::ModelProto original = parse(path);
    onnx::ModelProto m = original;
    const std::set<std::string> swapped = swap_tensors(m, [](const TensorProto&) { return true; });
    const std::string in = save(m, "be.onnx");
    const std::string out = fs::path(in).parent_path().string() + "/fixed.onnx";
    RunResult r = run_zonnx({"convert", in, "--fix-byte-order", "-o", out, "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const json report = json::parse(r.out);
    EXPECT_EQ(report.at("from_opset"), report.at("to_opset"));  // without --opset the opset is kept

    const onnx::ModelProto fixed = parse(out);
    const auto before = tensor_bytes(original), after = tensor_bytes(fixed), bad = tensor_bytes(m);
    uint64_t restored = 0;
    for (const std::string& name : swapped) {
      onnx::ModelProto copy = original;
      const TensorProto* t = main_tensors(copy).at(name);
      if (after.at(name) == before.at(name)) {
        ++restored;
        continue;
      }
      // Left as written: only tensors too small to carry evidence (or reading the same both ways).
      EXPECT_EQ(after.at(name), bad.at(name)) << name;
      EXPECT_LT(asymmetric_elements(*t), 16u) << name << " was not restored";
    }
    EXPECT_GT(restored, 0u);
    // Nothing else changed.
    for (const auto& [name, bytes] : before)
      if (!swapped.count(name)) {
        EXPECT_EQ(after.at(name), bytes) << name;
      }
    EXPECT_EQ(fixed.graph().node_size(), original.graph().node_size());

    // And inspect of the fixed model has nothing more to say.
    RunResult again = run_zonnx({"inspect", out, "--format", "json"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_TRUE(json::parse(again.out).at("byte_order").at("finding").is_null());
  }
}

TEST(ByteOrder, InspectReportsTheFindingInJsonAndText) {
  onnx::ModelProto m = parse(bundled_model("gru_op13.onnx"));
  const std::set<std::string> swapped =
      swap_tensors(m, [](const TensorProto& t) { return asymmetric_elements(t) >= 16; });
  const std::string in = save(m, "gru_be.onnx");
  RunResult r = run_zonnx({"inspect", in, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;  // a warning, not a gate
  const json bo = json::parse(r.out).at("byte_order");
  EXPECT_EQ(bo.at("finding").at("rule"), kByteSwappedRule);
  EXPECT_NE(bo.at("finding").at("hint").get<std::string>().find("--fix-byte-order"), std::string::npos);
  std::set<std::string> names;
  for (const auto& t : bo.at("swapped")) names.insert(t.at("name").get<std::string>());
  EXPECT_EQ(names, swapped);
  // The published schema documents exactly these fields.
  const json schema = json::parse(read_file(source_dir() + "/docs/zonnx.inspect-1.schema.json"));
  const json& item = schema.at("properties").at("byte_order").at("properties").at("swapped").at("items");
  for (const auto& t : bo.at("swapped")) {
    for (const auto& key : item.at("required")) EXPECT_TRUE(t.contains(key.get<std::string>())) << key;
    for (const auto& [key, value] : t.items()) EXPECT_TRUE(item.at("properties").contains(key)) << key;
  }

  RunResult text = run_zonnx({"inspect", in});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Byte order"), std::string::npos);
  EXPECT_NE(text.out.find(kByteSwappedRule), std::string::npos);
  EXPECT_NE(text.out.find(*swapped.begin()), std::string::npos);

  // The untouched model shows no section at all.
  RunResult clean = run_zonnx({"inspect", bundled_model("gru_op13.onnx")});
  EXPECT_EQ(clean.out.find("Byte order"), std::string::npos);
}

TEST(ByteOrder, FixCombinesWithAnOpsetChangeAndDryRun) {
  onnx::ModelProto m = parse(bundled_model("squeezenet1_1_op13.onnx"));
  swap_tensors(m, [](const TensorProto&) { return true; });
  const std::string in = save(m, "sq_be.onnx");
  const std::string out = fs::path(in).parent_path().string() + "/sq_11.onnx";
  RunResult dry = run_zonnx({"convert", in, "--fix-byte-order", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("byte order fixed"), std::string::npos) << dry.out;
  EXPECT_FALSE(fs::exists(out));

  RunResult r = run_zonnx({"convert", in, "--fix-byte-order", "--opset", "11", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const onnx::ModelProto fixed = parse(out);
  EXPECT_EQ(fixed.opset_import(0).version(), 11);
  EXPECT_EQ(tensor_bytes(fixed), tensor_bytes(parse(bundled_model("squeezenet1_1_op13.onnx"))));
}

TEST(ByteOrder, ConvertNeedsAnOpsetOrTheFix) {
  RunResult r = run_zonnx({"convert", bundled_model("gru_op13.onnx"), "--dry-run"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--opset"), std::string::npos) << r.err;
  // A correct model: the fix changes nothing and says so.
  RunResult ok = run_zonnx({"convert", bundled_model("gru_op13.onnx"), "--fix-byte-order", "--dry-run"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("no tensor looks byte-swapped"), std::string::npos) << ok.out;
}

}  // namespace
}  // namespace zonnx::test
