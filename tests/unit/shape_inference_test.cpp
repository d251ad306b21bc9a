// Shape inference for ai.onnx op versions of opsets 18..27 (zonnx's own
// schemas on top of libonnx 1.12), one test per op family, and a sweep over
// ONNX 1.22's backend node tests in ../shared/onnx-node-tests (when present):
// inference must not throw and must not contradict any declared output.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"
#include "view/schemas_past_17.h"
#include "zonnx/errors.h"
#include "zonnx/loader.h"
#include "zonnx/model_view.h"

namespace zonnx {
namespace {

using test::ModelBuilder;
using test::set_attr;

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kInt64 = onnx::TensorProto::INT64;
constexpr int kBool = onnx::TensorProto::BOOL;

ModelView view_of(const ModelBuilder& b) {
  LoadedModel m;
  m.path = "test.onnx";
  m.proto().ParseFromString(b.bytes());
  return ModelView::build(std::move(m));
}

// "[2,1,4]", "[?,3]" or "?" (unknown rank), "none" (no type at all).
std::string shape(const ModelView& v, const std::string& name) {
  const ValueType* t = v.type_of(0, name);
  if (!t) return "none";
  if (!t->has_shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < t->dims.size(); ++i) {
    if (i) s += ",";
    const Dim& d = t->dims[i];
    s += d.is_static() ? std::to_string(d.value) : (d.param.empty() ? "?" : d.param);
  }
  return s + "]";
}

int elem(const ModelView& v, const std::string& name) {
  const ValueType* t = v.type_of(0, name);
  return t ? t->elem_type : -1;
}

// --- registration ----------------------------------------------------------

TEST(ShapeInference, EveryOpVersionOf18To27IsRegistered) {
  auto rows = view::onnx_schemas_past_17();
  EXPECT_GT(rows.size(), 180u);
  for (const auto& r : rows) {
    EXPECT_TRUE(r.registered) << r.op << "-" << r.version << " " << r.error;
    EXPECT_TRUE(r.error.empty()) << r.op << "-" << r.version << " " << r.error;
    EXPECT_TRUE(r.has_inference) << r.op << "-" << r.version;
  }
  // libonnx resolves opset-18+ models to them.
  const auto* reduce = onnx::OpSchemaRegistry::Schema("ReduceMean", 18, "");
  ASSERT_NE(reduce, nullptr);
  EXPECT_EQ(reduce->SinceVersion(), 18);
  EXPECT_EQ(reduce->max_input(), 2);
  const auto* cast = onnx::OpSchemaRegistry::Schema("Cast", 27, "");
  ASSERT_NE(cast, nullptr);
  EXPECT_EQ(cast->SinceVersion(), 25);
  const auto* relu = onnx::OpSchemaRegistry::Schema("Relu", 27, "");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->SinceVersion(), 14);  // unchanged since 14
}

TEST(ShapeInference, CheckerAcceptsOpset18Model) {
  view::ensure_onnx_schemas_past_17();
  ModelBuilder b(18);
  b.input("x", kFloat, {2, 3, 4}).initializer_ints("axes", {1}).output("y", kFloat, {2, 1, 4});
  b.node("ReduceMean", {"x", "axes"}, {"y"});
  onnx::ModelProto m = b.proto();
  EXPECT_NO_THROW(onnx::checker::check_model(m));
}

// --- reductions ------------------------------------------------------------

TEST(ShapeInference, ReduceMean18ConstantAxes) {
  ModelBuilder b(18);
  b.input("x", kFloat, {2, 3, 4}).initializer_ints("axes", {1}).initializer_ints("neg", {-1, 0});
  b.node("ReduceMean", {"x", "axes"}, {"keep"});
  set_attr(b.node("ReduceMean", {"x", "neg"}, {"drop"}), "keepdims", int64_t{0});
  b.node("ReduceMean", {"x"}, {"all"});
  set_attr(b.node("ReduceMean", {"x"}, {"noop"}), "noop_with_empty_axes", int64_t{1});
  b.output("keep").output("drop").output("all").output("noop");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "keep"), "[2,1,4]");  // the -13 schema would reduce every axis
  EXPECT_EQ(shape(v, "drop"), "[3]");
  EXPECT_EQ(shape(v, "all"), "[1,1,1]");
  EXPECT_EQ(shape(v, "noop"), "[2,3,4]");
  EXPECT_EQ(elem(v, "keep"), kFloat);
  EXPECT_EQ(v.nodes()[0].since_version, 18);
}

TEST(ShapeInference, ReduceWithRuntimeAxes) {
  ModelBuilder b(18);
  b.input("x", kFloat, {2, 3, 4}).input("axes", kInt64, {1});
  b.node("ReduceSumSquare", {"x", "axes"}, {"keep"});
  set_attr(b.node("ReduceL2", {"x", "axes"}, {"drop"}), "keepdims", int64_t{0});
  b.output("keep").output("drop");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "keep"), "[?,?,?]");  // rank only
  EXPECT_EQ(shape(v, "drop"), "?");        // not even the rank
  EXPECT_EQ(elem(v, "drop"), kFloat);
}

TEST(ShapeInference, ReduceMax20Bool) {
  ModelBuilder b(20);
  b.input("x", kBool, {5, 6}).initializer_ints("axes", {0});
  b.node("ReduceMax", {"x", "axes"}, {"y"});
  b.node("ReduceMin", {"x"}, {"z"});
  b.output("y").output("z");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "y"), "[1,6]");
  EXPECT_EQ(elem(v, "y"), kBool);
  EXPECT_EQ(shape(v, "z"), "[1,1]");
  EXPECT_EQ(v.nodes()[0].since_version, 20);
}

// --- Split, Pad, Resize, pooling -------------------------------------------

TEST(ShapeInference, Split18) {
  ModelBuilder b(18);
  b.input("x", kFloat, {7, 4}).initializer_ints("sizes", {1, 3});
  set_attr(b.node("Split", {"x"}, {"a", "b", "c"}), "num_outputs", int64_t{3});
  auto& s = b.node("Split", {"x", "sizes"}, {"d", "e"});
  set_attr(s, "axis", int64_t{-1});
  b.output("a").output("b").output("c").output("d").output("e");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "a"), "[3,4]");
  EXPECT_EQ(shape(v, "b"), "[3,4]");
  EXPECT_EQ(shape(v, "c"), "[1,4]");  // the last chunk is smaller
  EXPECT_EQ(shape(v, "d"), "[7,1]");
  EXPECT_EQ(shape(v, "e"), "[7,3]");
}

TEST(ShapeInference, Pad18WithAxes) {
  ModelBuilder b(18);
  b.input("x", kFloat, {1, 3, 5, 5})
      .initializer_ints("pads", {1, 2, 1, 2})
      .initializer_ints("axes", {-2, -1});
  b.initializer_ints("all", {0, 0, 1, 1, 0, 0, 1, -1});
  b.node("Pad", {"x", "pads", "", "axes"}, {"y"});
  b.node("Pad", {"x", "all"}, {"z"});
  b.output("y").output("z");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "y"), "[1,3,7,9]");
  EXPECT_EQ(shape(v, "z"), "[1,3,7,5]");
}

TEST(ShapeInference, Resize18AxesAndAspectRatio) {
  ModelBuilder b(19);
  b.input("x", kFloat, {1, 3, 20, 40});
  b.initializer_ints("sizes", {10, 10});
  auto* scales = b.proto().mutable_graph()->add_initializer();
  scales->set_name("scales");
  scales->set_data_type(kFloat);
  scales->add_dims(4);
  for (float f : {1.0f, 1.0f, 1.5f, 0.5f}) scales->add_float_data(f);
  auto& r1 = b.node("Resize", {"x", "", "", "sizes"}, {"stretch"});
  set_attr(r1, "axes", std::vector<int64_t>{2, 3});
  auto& r2 = b.node("Resize", {"x", "", "", "sizes"}, {"not_larger"});
  set_attr(r2, "axes", std::vector<int64_t>{2, 3});
  set_attr(r2, "keep_aspect_ratio_policy", std::string("not_larger"));
  b.node("Resize", {"x", "", "scales"}, {"scaled"});
  b.output("stretch").output("not_larger").output("scaled");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "stretch"), "[1,3,10,10]");
  EXPECT_EQ(shape(v, "not_larger"), "[1,3,5,10]");
  EXPECT_EQ(shape(v, "scaled"), "[1,3,30,20]");
}

TEST(ShapeInference, PoolingWithDilations) {
  ModelBuilder b(19);
  b.input("x", kFloat, {1, 2, 10, 10});
  auto& avg = b.node("AveragePool", {"x"}, {"avg"});
  set_attr(avg, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(avg, "dilations", std::vector<int64_t>{2, 2});
  auto& ceil = b.node("AveragePool", {"x"}, {"ceil"});
  set_attr(ceil, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(ceil, "strides", std::vector<int64_t>{2, 2});
  set_attr(ceil, "ceil_mode", int64_t{1});
  auto& lp = b.node("LpPool", {"x"}, {"lp"});
  set_attr(lp, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(lp, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.output("avg").output("ceil").output("lp");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "avg"), "[1,2,6,6]");
  EXPECT_EQ(shape(v, "ceil"), "[1,2,5,5]");
  EXPECT_EQ(shape(v, "lp"), "[1,2,11,11]");
}

// --- element-wise and activations ------------------------------------------

TEST(ShapeInference, ActivationsKeepShape) {
  ModelBuilder b(24);
  b.input("x", kFloat, {2, -1, 8});
  set_attr(b.node("Gelu", {"x"}, {"gelu"}), "approximate", std::string("tanh"));
  b.node("Mish", {"x"}, {"mish"});
  b.node("Swish", {"x"}, {"swish"});
  b.output("gelu").output("mish").output("swish");
  ModelView v = view_of(b);
  for (const char* out : {"gelu", "mish", "swish"}) {
    EXPECT_EQ(shape(v, out), "[2,d1,8]") << out;
    EXPECT_EQ(elem(v, out), kFloat) << out;
  }
  EXPECT_EQ(v.nodes()[0].since_version, 20);
}

TEST(ShapeInference, BitwiseBroadcasts) {
  ModelBuilder b(18);
  b.input("a", onnx::TensorProto::INT32, {4, 1, 3}).input("b", onnx::TensorProto::INT32, {5, 1});
  b.node("BitwiseAnd", {"a", "b"}, {"and"});
  b.node("BitwiseNot", {"a"}, {"not"});
  b.output("and").output("not");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "and"), "[4,5,3]");
  EXPECT_EQ(shape(v, "not"), "[4,1,3]");
  EXPECT_EQ(elem(v, "and"), onnx::TensorProto::INT32);
}

TEST(ShapeInference, NormalizationsKeepShape) {
  ModelBuilder b(23);
  b.input("x", kFloat, {2, 6, 5}).input("s", onnx::TensorProto::FLOAT16, {5}).input("g", kFloat, {6});
  set_attr(b.node("GroupNormalization", {"x", "g", "g"}, {"gn"}), "num_groups", int64_t{3});
  b.node("RMSNormalization", {"x", "s"}, {"rms"});
  b.output("gn").output("rms");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "gn"), "[2,6,5]");
  EXPECT_EQ(v.nodes()[0].since_version, 21);
  EXPECT_EQ(shape(v, "rms"), "[2,6,5]");
  EXPECT_EQ(elem(v, "rms"), onnx::TensorProto::FLOAT16);  // Y has the scale's type
}

// --- casts and quantization ------------------------------------------------

TEST(ShapeInference, Cast21AndNewTypes) {
  ModelBuilder b(21, 10);
  b.input("x", kFloat, {3, 4}).input("like", onnx::TensorProto::FLOAT16, {1});
  set_attr(b.node("Cast", {"x"}, {"i4"}), "to", int64_t{22});
  set_attr(b.node("Cast", {"x"}, {"f16"}), "to", int64_t{onnx::TensorProto::FLOAT16});
  b.node("CastLike", {"x", "like"}, {"cl"});
  b.output("i4").output("f16").output("cl");
  ModelView v = view_of(b);
  EXPECT_EQ(elem(v, "i4"), 22);
  EXPECT_EQ(shape(v, "i4"), "[3,4]");
  EXPECT_EQ(elem(v, "f16"), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(elem(v, "cl"), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(shape(v, "cl"), "[3,4]");
  EXPECT_EQ(v.nodes()[0].since_version, 21);
}

TEST(ShapeInference, QuantizeDequantize) {
  ModelBuilder b(23, 11);
  b.input("x", kFloat, {2, 8}).input("scale", kFloat, {}).input("zp", onnx::TensorProto::INT8, {});
  b.input("q", onnx::TensorProto::UINT8, {2, 8}).input("s16", onnx::TensorProto::FLOAT16, {});
  b.node("QuantizeLinear", {"x", "scale", "zp"}, {"q_zp"});
  set_attr(b.node("QuantizeLinear", {"x", "scale"}, {"q_dtype"}), "output_dtype", int64_t{22});
  b.node("QuantizeLinear", {"x", "scale"}, {"q_default"});
  b.node("DequantizeLinear", {"q", "s16"}, {"dq"});
  set_attr(b.node("DequantizeLinear", {"q", "scale"}, {"dq_dtype"}), "output_dtype", int64_t{16});
  b.output("q_zp").output("q_dtype").output("q_default").output("dq").output("dq_dtype");
  ModelView v = view_of(b);
  EXPECT_EQ(elem(v, "q_zp"), onnx::TensorProto::INT8);
  EXPECT_EQ(elem(v, "q_dtype"), 22);
  EXPECT_EQ(elem(v, "q_default"), onnx::TensorProto::UINT8);
  EXPECT_EQ(elem(v, "dq"), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(elem(v, "dq_dtype"), onnx::TensorProto::BFLOAT16);
  for (const char* out : {"q_zp", "q_dtype", "q_default", "dq", "dq_dtype"})
    EXPECT_EQ(shape(v, out), "[2,8]");
}

// --- other new ops ---------------------------------------------------------

TEST(ShapeInference, CenterCropPadCol2ImAffineGrid) {
  ModelBuilder b(20);
  b.input("img", kFloat, {3, 20, 10}).initializer_ints("crop", {8, 12});
  set_attr(b.node("CenterCropPad", {"img", "crop"}, {"ccp"}), "axes", std::vector<int64_t>{1, 2});
  b.input("cols", kFloat, {1, 12, 6}).initializer_ints("image", {3, 4}).initializer_ints("block", {2, 2});
  b.node("Col2Im", {"cols", "image", "block"}, {"col2im"});
  b.input("theta", kFloat, {2, 2, 3}).initializer_ints("size", {2, 3, 16, 32});
  b.node("AffineGrid", {"theta", "size"}, {"grid"});
  b.output("ccp").output("col2im").output("grid");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "ccp"), "[3,8,12]");
  EXPECT_EQ(shape(v, "col2im"), "[1,3,3,4]");
  EXPECT_EQ(shape(v, "grid"), "[2,16,32,2]");
}

TEST(ShapeInference, Dft20AndGridSample20) {
  ModelBuilder b(20);
  b.input("sig", kFloat, {2, 16, 1}).initializer_ints("axis", {1});
  set_attr(b.node("DFT", {"sig", "", "axis"}, {"rfft"}), "onesided", int64_t{1});
  b.node("DFT", {"sig"}, {"dft"});
  b.input("x", kFloat, {1, 3, 8, 8, 8}).input("g", kFloat, {1, 4, 5, 6, 3});
  b.node("GridSample", {"x", "g"}, {"gs"});
  b.output("rfft").output("dft").output("gs");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "rfft"), "[2,9,2]");
  EXPECT_EQ(shape(v, "dft"), "[2,16,2]");
  EXPECT_EQ(shape(v, "gs"), "[1,3,4,5,6]");
}

TEST(ShapeInference, Attention23And24) {
  ModelBuilder b(24);
  b.input("q4", kFloat, {2, 8, 10, 16})
      .input("k4", kFloat, {2, 2, 12, 16})
      .input("v4", kFloat, {2, 2, 12, 32});
  b.input("pk", kFloat, {2, 2, 5, 16}).input("pv", kFloat, {2, 2, 5, 32});
  b.node("Attention", {"q4", "k4", "v4", "", "pk", "pv"}, {"y4", "present_k", "present_v", "qk"});
  b.input("q3", kFloat, {2, 10, 128}).input("k3", kFloat, {2, 12, 32}).input("v3", kFloat, {2, 12, 64});
  auto& a3 = b.node("Attention", {"q3", "k3", "v3"}, {"y3"});
  set_attr(a3, "q_num_heads", int64_t{8});
  set_attr(a3, "kv_num_heads", int64_t{2});
  b.input("q5", kFloat, {2, 10});  // neither 3-D nor 4-D: left unknown
  b.node("Attention", {"q5", "q5", "q5"}, {"y5"});
  b.output("y4").output("present_k").output("present_v").output("qk").output("y3").output("y5");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "y4"), "[2,8,10,32]");
  EXPECT_EQ(shape(v, "present_k"), "[2,2,17,16]");
  EXPECT_EQ(shape(v, "present_v"), "[2,2,17,32]");
  EXPECT_EQ(shape(v, "qk"), "[2,8,10,17]");
  EXPECT_EQ(shape(v, "y3"), "[2,10,256]");
  const std::string y5 = shape(v, "y5");
  EXPECT_TRUE(y5 == "?" || y5 == "none") << y5;
  EXPECT_EQ(v.nodes()[0].since_version, 24);
}

TEST(ShapeInference, DeformConvAndNewerOps) {
  ModelBuilder b(27, 13);
  b.input("x", kFloat, {1, 4, 10, 10}).input("w", kFloat, {8, 4, 3, 3}).input("off", kFloat, {1, 18, 8, 8});
  b.node("DeformConv", {"x", "w", "off"}, {"deform"});
  set_attr(b.node("BitCast", {"x"}, {"bits"}), "to", int64_t{onnx::TensorProto::INT32});
  b.input("axis", kInt64, {});
  b.node("CumProd", {"x", "axis"}, {"cumprod"});
  b.input("cache", kFloat, {2, 4, 64, 8}).input("upd", kFloat, {2, 4, 1, 8});
  b.node("TensorScatter", {"cache", "upd"}, {"scattered"});
  b.input("seq", kFloat, {2, 16, 100}).input("cw", kFloat, {16, 1, 4});
  b.node("CausalConvWithState", {"seq", "cw"}, {"conv", "state"});
  b.input("lq", kFloat, {2, 5, 64}).input("lk", kFloat, {2, 5, 32}).input("lv", kFloat, {2, 5, 48});
  auto& la = b.node("LinearAttention", {"lq", "lk", "lv"}, {"lin", "lin_state"});
  set_attr(la, "q_num_heads", int64_t{4});
  set_attr(la, "kv_num_heads", int64_t{2});
  b.input("bytes", onnx::TensorProto::UINT8, {-1});
  b.node("ImageDecoder", {"bytes"}, {"image"});
  b.input("re", kFloat, {2, 4, 6, 8}).input("cos", kFloat, {10, 4}).input("pos", kInt64, {2, 6});
  b.node("RotaryEmbedding", {"re", "cos", "cos", "pos"}, {"rotated"});
  for (const char* o :
       {"deform", "bits", "cumprod", "scattered", "conv", "state", "lin", "lin_state", "image", "rotated"})
    b.output(o);
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "deform"), "[1,8,8,8]");
  EXPECT_EQ(shape(v, "bits"), "[1,4,10,10]");
  EXPECT_EQ(elem(v, "bits"), onnx::TensorProto::INT32);
  EXPECT_EQ(shape(v, "cumprod"), "[1,4,10,10]");
  EXPECT_EQ(shape(v, "scattered"), "[2,4,64,8]");
  EXPECT_EQ(shape(v, "conv"), "[2,16,100]");
  EXPECT_EQ(shape(v, "state"), "[2,16,3]");
  EXPECT_EQ(shape(v, "lin"), "[2,5,96]");
  EXPECT_EQ(shape(v, "lin_state"), "[2,2,16,24]");
  EXPECT_EQ(shape(v, "image"), "[?,?,?]");
  EXPECT_EQ(elem(v, "image"), onnx::TensorProto::UINT8);
  EXPECT_EQ(shape(v, "rotated"), "[2,4,6,8]");
}

TEST(ShapeInference, OptionalAndStringOps) {
  ModelBuilder b(20);
  b.input("x", kFloat, {3}).input("s", onnx::TensorProto::STRING, {4});
  b.node("OptionalGetElement", {"x"}, {"got"});
  b.node("OptionalHasElement", {"x"}, {"has"});
  b.node("StringSplit", {"s"}, {"parts", "counts"});
  set_attr(b.node("RegexFullMatch", {"s"}, {"match"}), "pattern", std::string("a.*"));
  b.output("got").output("has").output("parts").output("counts").output("match");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "got"), "[3]");
  EXPECT_EQ(shape(v, "has"), "[]");
  EXPECT_EQ(elem(v, "has"), kBool);
  EXPECT_EQ(shape(v, "parts"), "[4,?]");
  EXPECT_EQ(shape(v, "counts"), "[4]");
  EXPECT_EQ(elem(v, "counts"), kInt64);
  EXPECT_EQ(elem(v, "match"), kBool);
}

TEST(ShapeInference, VersionsDerivedFromEarlierOnes) {
  // Ops whose later versions only added types keep libonnx's inference,
  // data propagation included (Shape -> Concat -> Reshape at opset 25).
  ModelBuilder b(25, 13);
  b.input("x", kFloat, {2, 3, 4}).initializer_ints("k", {2}).initializer_ints("minus1", {-1});
  b.node("Shape", {"x"}, {"s"});
  set_attr(b.node("Gather", {"s", "minus1"}, {"last"}), "axis", int64_t{0});
  set_attr(b.node("Concat", {"minus1", "last"}, {"new_shape"}), "axis", int64_t{0});
  b.node("Reshape", {"x", "new_shape"}, {"r"});
  b.node("TopK", {"x", "k"}, {"values", "indices"});
  b.node("Transpose", {"x"}, {"t"});
  b.output("r").output("values").output("indices").output("t");
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "r"), "[6,4]");
  EXPECT_EQ(shape(v, "values"), "[2,3,2]");
  EXPECT_EQ(elem(v, "indices"), kInt64);
  EXPECT_EQ(shape(v, "t"), "[4,3,2]");
  for (const auto& n : v.nodes()) {
    if (n.op_type() == "Reshape") {
      EXPECT_EQ(n.since_version, 25);
    }
  }
}

TEST(ShapeInference, ExpandWithHugeDeclaredShapeInput) {
  // libonnx 1.12 would add one dim per element of a shape input of static
  // length; a declared length of 10^12 must not be materialised.
  ModelBuilder b(13);
  b.input("x", kFloat, {1}).input("shape", kInt64, {1'000'000'000'000}).output("y").output("z");
  b.node("Expand", {"x", "shape"}, {"y"});
  b.node("ConstantOfShape", {"shape"}, {"z"});
  ModelView v = view_of(b);
  EXPECT_EQ(shape(v, "y"), "?");
  EXPECT_EQ(shape(v, "z"), "?");
}

TEST(ShapeInference, MalformedNodesOfEveryOpDoNotCrash) {
  // One node per ai.onnx schema version (libonnx's and zonnx's), with no
  // inputs, with float inputs but no attributes, with required attributes of
  // the right kind but dummy values, and with inputs of unknown type:
  // inference may give up, but must neither crash nor throw out of the view.
  view::ensure_onnx_schemas_past_17();
  size_t built = 0;
  for (const auto& schema : onnx::OpSchemaRegistry::get_all_schemas_with_history()) {
    if (!schema.domain().empty() || schema.Deprecated()) continue;
    const int opset = std::max(schema.SinceVersion(), 7);
    for (int variant = 0; variant < 4; ++variant) {
      SCOPED_TRACE(schema.Name() + "-" + std::to_string(schema.SinceVersion()) + " variant " +
                   std::to_string(variant));
      ModelBuilder b(opset);
      std::vector<std::string> inputs;
      if (variant > 0) {
        const int n = std::max(1, std::min(schema.min_input(), 8));
        for (int i = 0; i < n; ++i) {
          inputs.push_back("in" + std::to_string(i));
          if (variant == 3) {
            // produced by an op nobody knows: no type at all
            b.node("Mystery", {}, {inputs.back()}).set_domain("com.example");
          } else {
            b.input(inputs.back(), kFloat, {2, 3});
          }
        }
      }
      std::vector<std::string> outputs;
      const int outs = std::max(1, std::min(schema.min_output(), 8));
      for (int i = 0; i < outs; ++i) {
        outputs.push_back("out" + std::to_string(i));
        b.output(outputs.back());
      }
      auto& node = b.node(schema.Name(), inputs, outputs);
      if (variant >= 2) {
        for (const auto& [name, attr] : schema.attributes()) {
          if (!attr.required) continue;
          auto* a = node.add_attribute();
          a->set_name(name);
          a->set_type(attr.type);
          switch (attr.type) {
            case onnx::AttributeProto::INT:
              a->set_i(1);
              break;
            case onnx::AttributeProto::INTS:
              a->add_ints(1);
              break;
            case onnx::AttributeProto::FLOAT:
              a->set_f(1.0f);
              break;
            case onnx::AttributeProto::TENSOR:
              a->mutable_t()->set_data_type(kFloat);
              a->mutable_t()->add_float_data(1.0f);
              break;
            case onnx::AttributeProto::GRAPH:
              a->mutable_g()->set_name("empty");
              break;
            default:
              break;
          }
        }
      }
      EXPECT_NO_THROW(view_of(b));
      ++built;
    }
  }
  EXPECT_GT(built, 1000u);
}

// --- ONNX backend node tests -----------------------------------------------

bool contradicts(const ValueType& inferred, const onnx::TypeProto& declared, std::string& why) {
  if (!declared.has_tensor_type() || inferred.kind != ValueType::Kind::Tensor) return false;
  const auto& t = declared.tensor_type();
  if (t.elem_type() != 0 && inferred.elem_type != 0 && t.elem_type() != inferred.elem_type) {
    why = "type " + elem_type_name(inferred.elem_type) + " vs declared " + elem_type_name(t.elem_type());
    return true;
  }
  if (!t.has_shape() || !inferred.has_shape) return false;
  if (t.shape().dim_size() != static_cast<int>(inferred.dims.size())) {
    why = "rank " + std::to_string(inferred.dims.size()) + " vs declared " +
          std::to_string(t.shape().dim_size());
    return true;
  }
  for (int i = 0; i < t.shape().dim_size(); ++i) {
    const auto& d = t.shape().dim(i);
    const Dim& got = inferred.dims[static_cast<size_t>(i)];
    if (d.has_dim_value() && got.is_static() && d.dim_value() != got.value) {
      why = "dim " + std::to_string(i) + ": " + std::to_string(got.value) + " vs declared " +
            std::to_string(d.dim_value());
      return true;
    }
  }
  return false;
}

TEST(ShapeInference, OnnxNodeTestsAgreeWithDeclaredOutputs) {
  // Reads ../shared/onnx-node-tests (see tests/CMakeLists.txt); skipped without it.
  const std::string shared = test::shared_dir();
  const std::string dir = shared + "/onnx-node-tests";
  if (shared.empty() || !std::filesystem::is_directory(dir))
    GTEST_SKIP() << "../shared/onnx-node-tests not present";
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (std::filesystem::exists(entry.path() / "model.onnx"))
      paths.push_back((entry.path() / "model.onnx").string());
  std::sort(paths.begin(), paths.end());
  ASSERT_GT(paths.size(), 1000u);
  size_t mismatches = 0, checked = 0, inferred_outputs = 0;
  std::vector<std::string> report;
  for (const auto& path : paths) {
    LoadedModel m = load_model(path);
    // Keep the declared outputs, and let inference work without them.
    std::vector<onnx::ValueInfoProto> declared(m.proto().graph().output().begin(),
                                               m.proto().graph().output().end());
    for (auto& o : *m.proto().mutable_graph()->mutable_output()) o.clear_type();
    std::unique_ptr<ModelView> v;
    try {
      v = std::make_unique<ModelView>(ModelView::build(std::move(m)));
    } catch (const std::exception& e) {
      ADD_FAILURE() << path << ": " << e.what();
      continue;
    }
    for (const auto& w : v->warnings()) report.push_back(path + ": warning: " + w);
    for (const auto& d : declared) {
      ++checked;
      const ValueType* t = v->type_of(0, d.name());
      if (!t) continue;
      if (t->has_shape) ++inferred_outputs;
      std::string why;
      if (contradicts(*t, d.type(), why)) {
        ++mismatches;
        report.push_back(path + ": output " + d.name() + ": " + why);
      }
    }
  }
  for (const auto& r : report) std::cerr << r << "\n";
  EXPECT_EQ(mismatches, 0u);
  std::cerr << paths.size() << " models, " << checked << " outputs, " << inferred_outputs << " with a shape, "
            << mismatches << " contradictions\n";
}

}  // namespace
}  // namespace zonnx
