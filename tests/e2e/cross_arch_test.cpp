// Byte order: ONNX payloads are little-endian on every host. These tests build payloads byte by byte
// in little-endian order and check what zonnx reads from them and writes back, so they fail on a
// big-endian host (s390x under qemu, tools/test-s390x) if any of it went through host order. Run
// natively they check the same results on a little-endian host.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.h"
#include "view/tensor_data.h"
#include "zonnx/atomic_file.h"
#include "zonnx/convert.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"

namespace zonnx {
namespace {

using test::ModelBuilder;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kFloat16 = onnx::TensorProto::FLOAT16;
constexpr int kInt32 = onnx::TensorProto::INT32;
constexpr int kInt64 = onnx::TensorProto::INT64;

bool host_is_big_endian() {
  const uint16_t probe = 0x0102;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 0x01;
}

// `value`'s low `size` bytes, least significant first: the ONNX raw_data layout.
std::string little_endian(uint64_t value, int size) {
  std::string out;
  for (int i = 0; i < size; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

void add_raw_initializer(ModelBuilder& b, const std::string& name, int elem,
                         const std::vector<uint64_t>& words, int size) {
  auto* t = b.proto().mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(elem);
  t->add_dims(static_cast<int64_t>(words.size()));
  std::string raw;
  for (uint64_t w : words) raw += little_endian(w, size);
  t->set_raw_data(raw);
}

uint64_t float_bits(float f) {
  uint32_t u = 0;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

std::string shape_of(const ModelView& v, const std::string& name) {
  const ValueType* t = v.type_of(0, name);
  if (!t || !t->has_shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < t->dims.size(); ++i) {
    if (i) s += ",";
    s += t->dims[i].is_static() ? std::to_string(t->dims[i].value) : "?";
  }
  return s + "]";
}

ModelView view_of(const ModelBuilder& b) {
  LoadedModel m;
  m.path = "test.onnx";
  m.proto().ParseFromString(b.bytes());
  return ModelView::build(std::move(m));
}

// tools/test-s390x sets ZONNX_EXPECT_BYTE_ORDER=big: the suite must really run big-endian there.
TEST(ByteOrder, SuiteRunsOnTheExpectedHost) {
  const char* expected = std::getenv("ZONNX_EXPECT_BYTE_ORDER");
  const std::string actual = host_is_big_endian() ? "big" : "little";
  if (!expected) GTEST_SKIP() << "host is " << actual << "-endian; ZONNX_EXPECT_BYTE_ORDER not set";
  EXPECT_EQ(actual, expected);
}

TEST(ByteOrder, LittleEndianRawDataDrivesShapeInference) {
  ModelBuilder b(13);
  b.input("x", kFloat, {3, 4}).input("img", kFloat, {1, 1, 4, 4});
  add_raw_initializer(b, "shape", kInt64, {2, static_cast<uint64_t>(int64_t{-1})}, 8);
  add_raw_initializer(b, "starts", kInt32, {1}, 4);
  add_raw_initializer(b, "ends", kInt32, {3}, 4);
  add_raw_initializer(b, "axes", kInt64, {1}, 8);
  add_raw_initializer(b, "scales", kFloat, {float_bits(1), float_bits(1), float_bits(2), float_bits(0.5f)},
                      4);
  b.node("Reshape", {"x", "shape"}, {"reshaped"});
  b.node("Slice", {"x", "starts", "ends", "axes"}, {"sliced"});
  b.node("Resize", {"img", "", "scales"}, {"resized"});
  b.output("reshaped").output("sliced").output("resized");
  const ModelView v = view_of(b);
  EXPECT_EQ(shape_of(v, "reshaped"), "[2,6]");
  EXPECT_EQ(shape_of(v, "sliced"), "[3,2]");
  EXPECT_EQ(shape_of(v, "resized"), "[1,1,8,2]");
}

TEST(ByteOrder, RawDataDecodesToItsLittleEndianValues) {
  onnx::TensorProto t;
  t.set_data_type(kFloat16);
  t.add_dims(3);
  // 1.0, -2.0 and 65504 (the largest half) as float16 bits.
  t.set_raw_data(little_endian(0x3c00, 2) + little_endian(0xc000, 2) + little_endian(0x7bff, 2));
  auto f = view::decode_floats(t, view::inline_payload(t), 16);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, (std::vector<double>{1.0, -2.0, 65504.0}));

  onnx::TensorProto i;
  i.set_data_type(kInt64);
  i.add_dims(2);
  i.set_raw_data(little_endian(0x0102030405060708u, 8) +
                 little_endian(static_cast<uint64_t>(int64_t{-3}), 8));
  auto n = view::decode_ints(i, view::inline_payload(i), 16);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, (std::vector<int64_t>{0x0102030405060708, -3}));
}

// Clip-6 keeps min/max as attributes, Clip-11 as tensors: converting up writes float16 tensors,
// converting down reads them back; both must keep the values on any host.
TEST(ByteOrder, ConvertWritesAndReadsFloat16ConstantsPortably) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(6);
  b.input("x", kFloat16, {2, 3}).output("y", kFloat16, {2, 3});
  auto& clip = b.node("Clip", {"x"}, {"y"});
  set_attr(clip, "min", 0.5f);
  set_attr(clip, "max", 6.0f);
  const std::string original = b.save(dir + "/clip6.onnx");

  ConvertOptions up;
  up.target_opset = 13;
  ConvertResult r = convert_model(original, up);
  ASSERT_TRUE(r.ok() && r.converted);
  const std::string converted = dir + "/clip13.onnx";
  write_file_atomically(converted, [&](std::ostream& out) { write_converted_model(*r.converted, out); });

  const LoadedModel m = load_model(converted);
  std::vector<double> values;
  for (const auto& n : m.proto().graph().node()) {
    if (n.op_type() != "Constant") continue;
    for (const auto& a : n.attribute()) {
      if (!a.has_t()) continue;
      auto f = view::decode_floats(a.t(), view::inline_payload(a.t()), 1);
      ASSERT_TRUE(f.has_value()) << n.output(0);
      values.push_back(f->at(0));
    }
  }
  for (const auto& t : m.proto().graph().initializer()) {
    auto f = view::decode_floats(t, view::inline_payload(t), 1);
    ASSERT_TRUE(f.has_value()) << t.name();
    values.push_back(f->at(0));
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<double>{0.5, 6.0}));

  ConvertOptions down;
  down.target_opset = 6;
  ConvertResult back = convert_model(converted, down);
  ASSERT_TRUE(back.ok() && back.converted);
  const auto& node = back.converted->proto().graph().node(back.converted->proto().graph().node_size() - 1);
  ASSERT_EQ(node.op_type(), "Clip");
  std::vector<float> attrs;
  for (const auto& a : node.attribute())
    if (a.name() == "min" || a.name() == "max") attrs.push_back(a.f());
  std::sort(attrs.begin(), attrs.end());
  EXPECT_EQ(attrs, (std::vector<float>{0.5f, 6.0f}));
}

// Clip-11 with min/max as little-endian raw_data initializers, converted down to Clip-6.
TEST(ByteOrder, ConvertDownReadsLittleEndianRawScalars) {
  const std::string dir = test::temp_dir();
  ModelBuilder b(11);
  b.input("x", kFloat, {4}).output("y", kFloat, {4});
  auto scalar = [&](const std::string& name, float v) {
    auto* t = b.proto().mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(kFloat);
    t->set_raw_data(little_endian(float_bits(v), 4));
  };
  scalar("lo", -1.25f);
  scalar("hi", 3.5f);
  b.node("Clip", {"x", "lo", "hi"}, {"y"});
  const std::string original = b.save(dir + "/clip11.onnx");
  ConvertOptions down;
  down.target_opset = 10;
  ConvertResult r = convert_model(original, down);
  ASSERT_TRUE(r.ok() && r.converted);
  const auto& graph = r.converted->proto().graph();
  ASSERT_EQ(graph.node_size(), 1);
  float lo = 0, hi = 0;
  for (const auto& a : graph.node(0).attribute()) {
    if (a.name() == "min") lo = a.f();
    if (a.name() == "max") hi = a.f();
  }
  EXPECT_EQ(lo, -1.25f);
  EXPECT_EQ(hi, 3.5f);
}

}  // namespace
}  // namespace zonnx
