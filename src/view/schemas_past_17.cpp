#include "view/schemas_past_17.h"

#include <onnx/defs/schema.h>

#include <atomic>
#include <iterator>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "view/ops_past_17.h"

namespace zonnx::view {

namespace {

// One ai.onnx op version of opsets 18..27 (onnx 1.22, from its operator
// changelog). `spec` is a compact signature:
//   "in NAME:TYPE, ...; out NAME:TYPE, ...; attr NAME:KIND, ...; PARAM TYPES..."
// NAME suffixes: `?` optional, `*` variadic (homogeneous), `*~` variadic
// heterogeneous, optionally followed by the minimum arity (default 1); `!`
// marks a required attribute. TYPE is a type parameter or a short element type
// (u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool c64 c128) meaning
// tensor(...); in a constraint list the prefixes seq: opt: optseq: wrap it,
// @all is every one of the 16 element types and @nobf16 all but bfloat16.
// Attribute KINDs: i f s ints floats strings t g st (sparse tensor).
// Element types newer than libonnx 1.12 (float8, int4, ...) are omitted: 1.12
// cannot represent them in a type constraint.
struct OpRow {
  const char* op;
  int version;
  Infer infer;
  const char* spec;
};

// clang-format off
constexpr OpRow kOps[] = {
    {"BitwiseAnd", 18, Infer::kBroadcast,
     "in A:T, B:T; out C:T; T u8 u16 u32 u64 i8 i16 i32 i64"},
    {"BitwiseNot", 18, Infer::kSame,
     "in X:T; out Y:T; T u8 u16 u32 u64 i8 i16 i32 i64"},
    {"BitwiseOr", 18, Infer::kBroadcast,
     "in A:T, B:T; out C:T; T u8 u16 u32 u64 i8 i16 i32 i64"},
    {"BitwiseXor", 18, Infer::kBroadcast,
     "in A:T, B:T; out C:T; T u8 u16 u32 u64 i8 i16 i32 i64"},
    {"CenterCropPad", 18, Infer::kCenterCropPad,
     "in input_data:T, shape:Tind; out output_data:T; attr axes:ints; T @all; Tind i32 i64"},
    {"Col2Im", 18, Infer::kCol2Im,
     "in input:T, image_shape:i64, block_shape:i64; out output:T; attr dilations:ints, pads:ints, strides:ints; T @all"},
    {"GroupNormalization", 18, Infer::kSame,
     "in X:T, scale:T, bias:T; out Y:T; attr epsilon:f, num_groups!:i; T f16 f32 f64 bf16"},
    {"LpPool", 18, Infer::kPool,
     "in X:T; out Y:T; attr auto_pad:s, ceil_mode:i, dilations:ints, kernel_shape!:ints, p:i, pads:ints, strides:ints; T f16 f32 f64"},
    {"Mish", 18, Infer::kSame,
     "in X:T; out Y:T; T f16 f32 f64"},
    {"OptionalGetElement", 18, Infer::kOptionalGetElement,
     "in input:O; out output:V; O optseq:@nobf16 opt:@nobf16 @nobf16 seq:@nobf16; V @nobf16 seq:@nobf16"},
    {"OptionalHasElement", 18, Infer::kOptionalHasElement,
     "in input?:O; out output:B; O optseq:@nobf16 opt:@nobf16 @nobf16 seq:@nobf16; B bool"},
    {"Pad", 18, Infer::kPad,
     "in data:T, pads:i64, constant_value?:T, axes?:Tind; out output:T; attr mode:s; T @all; Tind i32 i64"},
    {"ReduceL1", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"ReduceL2", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"ReduceLogSum", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"ReduceLogSumExp", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"ReduceMax", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16 u8 i8"},
    {"ReduceMean", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"ReduceMin", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16 u8 i8"},
    {"ReduceProd", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"ReduceSumSquare", 18, Infer::kReduce,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16"},
    {"Resize", 18, Infer::kResize,
     "in X:T1, roi?:T2, scales?:f32, sizes?:i64; out Y:T1; attr antialias:i, axes:ints, coordinate_transformation_mode:s, cubic_coeff_a:f, exclude_outside:i, extrapolation_value:f, keep_aspect_ratio_policy:s, mode:s, nearest_mode:s; T1 @all; T2 f16 f32 f64"},
    {"ScatterElements", 18, Infer::kPrev,
     "in data:T, indices:Tind, updates:T; out output:T; attr axis:i, reduction:s; T @all; Tind i32 i64"},
    {"ScatterND", 18, Infer::kPrev,
     "in data:T, indices:i64, updates:T; out output:T; attr reduction:s; T @all"},
    {"Split", 18, Infer::kSplit,
     "in input:T, split?:i64; out outputs*:T; attr axis:i, num_outputs:i; T @all"},
    {"AveragePool", 19, Infer::kPool,
     "in X:T; out Y:T; attr auto_pad:s, ceil_mode:i, count_include_pad:i, dilations:ints, kernel_shape!:ints, pads:ints, strides:ints; T f16 f32 f64"},
    {"Cast", 19, Infer::kCast,
     "in input:T1; out output:T2; attr saturate:i, to!:i; T1 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool str bf16; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool str bf16"},
    {"CastLike", 19, Infer::kLike,
     "in input:T1, target_type:T2; out output:T2; attr saturate:i; T1 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool str bf16; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool str bf16"},
    {"Constant", 19, Infer::kPrev,
     "out output:T; attr sparse_value:st, value:t, value_float:f, value_floats:floats, value_int:i, value_ints:ints, value_string:s, value_strings:strings; T @all"},
    {"DeformConv", 19, Infer::kDeformConv,
     "in X:T, W:T, offset:T, B?:T, mask?:T; out Y:T; attr dilations:ints, group:i, kernel_shape:ints, offset_group:i, pads:ints, strides:ints; T f16 f32 f64"},
    {"DequantizeLinear", 19, Infer::kDequantize,
     "in x:T1, x_scale:T2, x_zero_point?:T1; out y:T2; attr axis:i; T1 i8 u8 i32; T2 f32 f16 bf16"},
    {"Equal", 19, Infer::kPrev,
     "in A:T, B:T; out C:T1; T bool u8 u16 u32 u64 i8 i16 i32 i64 f16 f32 f64 bf16 str; T1 bool"},
    {"Identity", 19, Infer::kPrev,
     "in input:V; out output:V; V @all seq:@nobf16 optseq:@nobf16 opt:@nobf16"},
    {"If", 19, Infer::kPrev,
     "in cond:B; out outputs*~:V; attr else_branch!:g, then_branch!:g; V @all seq:@all opt:@all optseq:@all; B bool"},
    {"Loop", 19, Infer::kPrev,
     "in M?:I, cond?:B, v_initial*~0:V; out v_final_and_scan_outputs*~:V; attr body!:g; V @all seq:@all opt:@all optseq:@all; I i64; B bool"},
    {"Pad", 19, Infer::kPrev,
     "in data:T, pads:i64, constant_value?:T, axes?:Tind; out output:T; attr mode:s; T @all; Tind i32 i64"},
    {"QuantizeLinear", 19, Infer::kQuantize,
     "in x:T1, y_scale:T1, y_zero_point?:T2; out y:T2; attr axis:i, saturate:i; T1 f32 f16 bf16 i32; T2 i8 u8"},
    {"Reshape", 19, Infer::kPrev,
     "in data:T, shape:i64; out reshaped:T; attr allowzero:i; T @all"},
    {"Resize", 19, Infer::kPrev,
     "in X:T1, roi?:T2, scales?:f32, sizes?:i64; out Y:T1; attr antialias:i, axes:ints, coordinate_transformation_mode:s, cubic_coeff_a:f, exclude_outside:i, extrapolation_value:f, keep_aspect_ratio_policy:s, mode:s, nearest_mode:s; T1 @all; T2 f16 f32 f64"},
    {"Scan", 19, Infer::kPrev,
     "in initial_state_and_scan_inputs*~:V; out final_state_and_scan_outputs*~:V; attr body!:g, num_scan_inputs!:i, scan_input_axes:ints, scan_input_directions:ints, scan_output_axes:ints, scan_output_directions:ints; V @all"},
    {"Shape", 19, Infer::kPrev,
     "in data:T; out shape:T1; attr end:i, start:i; T @all; T1 i64"},
    {"Size", 19, Infer::kPrev,
     "in data:T; out size:T1; T @all; T1 i64"},
    {"AffineGrid", 20, Infer::kAffineGrid,
     "in theta:T1, size:T2; out grid:T1; attr align_corners:i; T1 bf16 f16 f32 f64; T2 i64"},
    {"ConstantOfShape", 20, Infer::kPrev,
     "in input:T1; out output:T2; attr value:t; T1 i64; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool bf16"},
    {"DFT", 20, Infer::kDft,
     "in input:T1, dft_length?:T2, axis?:i64; out output:T1; attr inverse:i, onesided:i; T1 bf16 f16 f32 f64; T2 i32 i64"},
    {"Gelu", 20, Infer::kSame,
     "in X:T; out Y:T; attr approximate:s; T f16 f32 f64 bf16"},
    {"GridSample", 20, Infer::kGridSample,
     "in X:T1, grid:T2; out Y:T1; attr align_corners:i, mode:s, padding_mode:s; T1 @nobf16; T2 f16 f32 f64"},
    {"ImageDecoder", 20, Infer::kImageDecoder,
     "in encoded_stream:T1; out image:T2; attr pixel_format:s; T1 u8; T2 u8"},
    {"IsInf", 20, Infer::kPrev,
     "in X:T1; out Y:T2; attr detect_negative:i, detect_positive:i; T1 bf16 f16 f32 f64; T2 bool"},
    {"IsNaN", 20, Infer::kPrev,
     "in X:T1; out Y:T2; T1 bf16 f16 f32 f64; T2 bool"},
    {"ReduceMax", 20, Infer::kPrev,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16 u8 i8 bool"},
    {"ReduceMin", 20, Infer::kPrev,
     "in data:T, axes?:i64; out reduced:T; attr keepdims:i, noop_with_empty_axes:i; T u32 u64 i32 i64 f16 f32 f64 bf16 u8 i8 bool"},
    {"RegexFullMatch", 20, Infer::kBoolSame,
     "in X:T1; out Y:T2; attr pattern:s; T1 str; T2 bool"},
    {"StringConcat", 20, Infer::kBroadcast,
     "in X:T, Y:T; out Z:T; T str"},
    {"StringSplit", 20, Infer::kStringSplit,
     "in X:T1; out Y:T2, Z:T3; attr delimiter:s, maxsplit:i; T1 str; T2 str; T3 i64"},
    {"Cast", 21, Infer::kCast,
     "in input:T1; out output:T2; attr saturate:i, to!:i; T1 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool str bf16; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool str bf16"},
    {"CastLike", 21, Infer::kLike,
     "in input:T1, target_type:T2; out output:T2; attr saturate:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"Constant", 21, Infer::kPrev,
     "out output:T; attr sparse_value:st, value:t, value_float:f, value_floats:floats, value_int:i, value_ints:ints, value_string:s, value_strings:strings; T @all"},
    {"ConstantOfShape", 21, Infer::kPrev,
     "in input:T1; out output:T2; attr value:t; T1 i64; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool bf16"},
    {"DequantizeLinear", 21, Infer::kDequantize,
     "in x:T1, x_scale:T2, x_zero_point?:T1; out y:T2; attr axis:i, block_size:i; T1 i8 u8 i16 u16 i32; T2 f32 f16 bf16"},
    {"Flatten", 21, Infer::kPrev,
     "in input:T; out output:T; attr axis:i; T @all"},
    {"GroupNormalization", 21, Infer::kSame,
     "in X:T, scale:T, bias:T; out Y:T; attr epsilon:f, num_groups!:i, stash_type:i; T bf16 f16 f32 f64"},
    {"Identity", 21, Infer::kPrev,
     "in input:V; out output:V; V @all seq:@nobf16 optseq:@nobf16 opt:@nobf16"},
    {"If", 21, Infer::kPrev,
     "in cond:B; out outputs*~:V; attr else_branch!:g, then_branch!:g; V @all seq:@all opt:@all optseq:@all; B bool"},
    {"Loop", 21, Infer::kPrev,
     "in M?:I, cond?:B, v_initial*~0:V; out v_final_and_scan_outputs*~:V; attr body!:g; V @all seq:@all opt:@all optseq:@all; I i64; B bool"},
    {"Pad", 21, Infer::kPrev,
     "in data:T, pads:i64, constant_value?:T, axes?:Tind; out output:T; attr mode:s; T @all; Tind i32 i64"},
    {"QLinearMatMul", 21, Infer::kPrev,
     "in a:T1, a_scale:TS, a_zero_point:T1, b:T2, b_scale:TS, b_zero_point:T2, y_scale:TS, y_zero_point:T3; out y:T3; TS f32 f16 bf16; T1 i8 u8; T2 i8 u8; T3 i8 u8"},
    {"QuantizeLinear", 21, Infer::kQuantize,
     "in x:T1, y_scale:T1, y_zero_point?:T2; out y:T2; attr axis:i, block_size:i, output_dtype:i, saturate:i; T1 f32 f16 bf16 i32; T2 i8 u8 i16 u16"},
    {"Reshape", 21, Infer::kPrev,
     "in data:T, shape:i64; out reshaped:T; attr allowzero:i; T @all"},
    {"Scan", 21, Infer::kPrev,
     "in initial_state_and_scan_inputs*~:V; out final_state_and_scan_outputs*~:V; attr body!:g, num_scan_inputs!:i, scan_input_axes:ints, scan_input_directions:ints, scan_output_axes:ints, scan_output_directions:ints; V @all"},
    {"Shape", 21, Infer::kPrev,
     "in data:T; out shape:T1; attr end:i, start:i; T @all; T1 i64"},
    {"Size", 21, Infer::kPrev,
     "in data:T; out size:T1; T @all; T1 i64"},
    {"Squeeze", 21, Infer::kPrev,
     "in data:T, axes?:i64; out squeezed:T; T @all"},
    {"Transpose", 21, Infer::kPrev,
     "in data:T; out transposed:T; attr perm:ints; T @all"},
    {"Unsqueeze", 21, Infer::kPrev,
     "in data:T, axes:i64; out expanded:T; T @all"},
    {"Acos", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Acosh", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Asin", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Asinh", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Atan", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Atanh", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"AveragePool", 22, Infer::kPrev,
     "in X:T; out Y:T; attr auto_pad:s, ceil_mode:i, count_include_pad:i, dilations:ints, kernel_shape!:ints, pads:ints, strides:ints; T bf16 f16 f32 f64"},
    {"Bernoulli", 22, Infer::kPrev,
     "in input:T1; out output:T2; attr dtype:i, seed:f; T1 bf16 f16 f32 f64; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool"},
    {"Conv", 22, Infer::kPrev,
     "in X:T, W:T, B?:T; out Y:T; attr auto_pad:s, dilations:ints, group:i, kernel_shape:ints, pads:ints, strides:ints; T bf16 f16 f32 f64"},
    {"ConvTranspose", 22, Infer::kPrev,
     "in X:T, W:T, B?:T; out Y:T; attr auto_pad:s, dilations:ints, group:i, kernel_shape:ints, output_padding:ints, output_shape:ints, pads:ints, strides:ints; T bf16 f16 f32 f64"},
    {"Cos", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Cosh", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"DeformConv", 22, Infer::kPrev,
     "in X:T, W:T, offset:T, B?:T, mask?:T; out Y:T; attr dilations:ints, group:i, kernel_shape:ints, offset_group:i, pads:ints, strides:ints; T bf16 f16 f32 f64"},
    {"Det", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"Dropout", 22, Infer::kPrev,
     "in data:T, ratio?:T1, training_mode?:T2; out output:T, mask?:T2; attr seed:i; T bf16 f16 f32 f64; T1 bf16 f16 f32 f64; T2 bool"},
    {"Elu", 22, Infer::kPrev,
     "in X:T; out Y:T; attr alpha:f; T bf16 f16 f32 f64"},
    {"EyeLike", 22, Infer::kPrev,
     "in input:T1; out output:T2; attr dtype:i, k:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool"},
    {"GRU", 22, Infer::kPrev,
     "in X:T, W:T, R:T, B?:T, sequence_lens?:T1, initial_h?:T; out Y?:T, Y_h?:T; attr activation_alpha:floats, activation_beta:floats, activations:strings, clip:f, direction:s, hidden_size:i, layout:i, linear_before_reset:i; T bf16 f16 f32 f64; T1 i32"},
    {"GlobalAveragePool", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"GlobalLpPool", 22, Infer::kPrev,
     "in X:T; out Y:T; attr p:i; T bf16 f16 f32 f64"},
    {"GlobalMaxPool", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"GridSample", 22, Infer::kPrev,
     "in X:T1, grid:T2; out Y:T1; attr align_corners:i, mode:s, padding_mode:s; T1 @all; T2 bf16 f16 f32 f64"},
    {"HardSigmoid", 22, Infer::kPrev,
     "in X:T; out Y:T; attr alpha:f, beta:f; T bf16 f16 f32 f64"},
    {"HardSwish", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"InstanceNormalization", 22, Infer::kPrev,
     "in input:T, scale:T, B:T; out output:T; attr epsilon:f; T bf16 f16 f32 f64"},
    {"LSTM", 22, Infer::kPrev,
     "in X:T, W:T, R:T, B?:T, sequence_lens?:T1, initial_h?:T, initial_c?:T, P?:T; out Y?:T, Y_h?:T, Y_c?:T; attr activation_alpha:floats, activation_beta:floats, activations:strings, clip:f, direction:s, hidden_size:i, input_forget:i, layout:i; T bf16 f16 f32 f64; T1 i32"},
    {"LpNormalization", 22, Infer::kPrev,
     "in input:T; out output:T; attr axis:i, p:i; T bf16 f16 f32 f64"},
    {"LpPool", 22, Infer::kPrev,
     "in X:T; out Y:T; attr auto_pad:s, ceil_mode:i, dilations:ints, kernel_shape!:ints, p:i, pads:ints, strides:ints; T bf16 f16 f32 f64"},
    {"MaxPool", 22, Infer::kMaxPool,
     "in X:T; out Y:T, Indices?:I; attr auto_pad:s, ceil_mode:i, dilations:ints, kernel_shape!:ints, pads:ints, storage_order:i, strides:ints; T bf16 f16 f32 f64 i8 u8; I i64"},
    {"MaxRoiPool", 22, Infer::kPrev,
     "in X:T, rois:T; out Y:T; attr pooled_shape!:ints, spatial_scale:f; T bf16 f16 f32 f64"},
    {"MaxUnpool", 22, Infer::kPrev,
     "in X:T1, I:T2, output_shape?:T2; out output:T1; attr kernel_shape!:ints, pads:ints, strides:ints; T1 bf16 f16 f32 f64; T2 i64"},
    {"Mish", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"Multinomial", 22, Infer::kPrev,
     "in input:T1; out output:T2; attr dtype:i, sample_size:i, seed:f; T1 bf16 f16 f32 f64; T2 i32 i64"},
    {"NegativeLogLikelihoodLoss", 22, Infer::kPrev,
     "in input:T, target:Tind, weight?:T; out loss:T; attr ignore_index:i, reduction:s; T bf16 f16 f32 f64; Tind i32 i64"},
    {"RNN", 22, Infer::kPrev,
     "in X:T, W:T, R:T, B?:T, sequence_lens?:T1, initial_h?:T; out Y?:T, Y_h?:T; attr activation_alpha:floats, activation_beta:floats, activations:strings, clip:f, direction:s, hidden_size:i, layout:i; T bf16 f16 f32 f64; T1 i32"},
    {"RandomNormal", 22, Infer::kPrev,
     "out output:T; attr dtype:i, mean:f, scale:f, seed:f, shape!:ints; T bf16 f16 f32 f64"},
    {"RandomNormalLike", 22, Infer::kPrev,
     "in input:T1; out output:T2; attr dtype:i, mean:f, scale:f, seed:f; T1 @all; T2 bf16 f16 f32 f64"},
    {"RandomUniform", 22, Infer::kPrev,
     "out output:T; attr dtype:i, high:f, low:f, seed:f, shape!:ints; T bf16 f16 f32 f64"},
    {"RandomUniformLike", 22, Infer::kPrev,
     "in input:T1; out output:T2; attr dtype:i, high:f, low:f, seed:f; T1 @all; T2 bf16 f16 f32 f64"},
    {"RoiAlign", 22, Infer::kPrev,
     "in X:T1, rois:T1, batch_indices:T2; out Y:T1; attr coordinate_transformation_mode:s, mode:s, output_height:i, output_width:i, sampling_ratio:i, spatial_scale:f; T1 bf16 f16 f32 f64; T2 i64"},
    {"Round", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"Selu", 22, Infer::kPrev,
     "in X:T; out Y:T; attr alpha:f, gamma:f; T bf16 f16 f32 f64"},
    {"Sin", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Sinh", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Softplus", 22, Infer::kPrev,
     "in X:T; out Y:T; T bf16 f16 f32 f64"},
    {"Softsign", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"Tan", 22, Infer::kPrev,
     "in input:T; out output:T; T bf16 f16 f32 f64"},
    {"ThresholdedRelu", 22, Infer::kPrev,
     "in X:T; out Y:T; attr alpha:f; T bf16 f16 f32 f64"},
    {"Attention", 23, Infer::kAttention,
     "in Q:T1, K:T1, V:T2, attn_mask?:U, past_key?:T1, past_value?:T2; out Y:T1, present_key?:T1, present_value?:T2, qk_matmul_output?:T1; attr is_causal:i, kv_num_heads:i, q_num_heads:i, qk_matmul_output_mode:i, scale:f, softcap:f, softmax_precision:i; T1 bf16 f16 f32 f64; T2 bf16 f16 f32 f64; U u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool"},
    {"Cast", 23, Infer::kCast,
     "in input:T1; out output:T2; attr saturate:i, to!:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"CastLike", 23, Infer::kLike,
     "in input:T1, target_type:T2; out output:T2; attr saturate:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"Constant", 23, Infer::kPrev,
     "out output:T; attr sparse_value:st, value:t, value_float:f, value_floats:floats, value_int:i, value_ints:ints, value_string:s, value_strings:strings; T @all"},
    {"ConstantOfShape", 23, Infer::kPrev,
     "in input:T1; out output:T2; attr value:t; T1 i64; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool bf16"},
    {"DequantizeLinear", 23, Infer::kDequantize,
     "in x:T1, x_scale:T2, x_zero_point?:T1; out y:T3; attr axis:i, block_size:i, output_dtype:i; T1 i8 u8 i16 u16 i32; T2 f32 f16 bf16; T3 f32 f16 bf16"},
    {"Flatten", 23, Infer::kPrev,
     "in input:T; out output:T; attr axis:i; T @all"},
    {"Identity", 23, Infer::kPrev,
     "in input:V; out output:V; V @all seq:@nobf16 optseq:@nobf16 opt:@nobf16"},
    {"If", 23, Infer::kPrev,
     "in cond:B; out outputs*~:V; attr else_branch!:g, then_branch!:g; V @all seq:@all opt:@all optseq:@all; B bool"},
    {"Loop", 23, Infer::kPrev,
     "in M?:I, cond?:B, v_initial*~0:V; out v_final_and_scan_outputs*~:V; attr body!:g; V @all seq:@all opt:@all optseq:@all; I i64; B bool"},
    {"Pad", 23, Infer::kPrev,
     "in data:T, pads:i64, constant_value?:T, axes?:Tind; out output:T; attr mode:s; T @all; Tind i32 i64"},
    {"QuantizeLinear", 23, Infer::kQuantize,
     "in x:T1, y_scale:T2, y_zero_point?:T3; out y:T3; attr axis:i, block_size:i, output_dtype:i, precision:i, saturate:i; T1 f32 f16 bf16 i32; T2 f32 f16 bf16 i32; T3 i8 u8 i16 u16"},
    {"RMSNormalization", 23, Infer::kLike,
     "in X:T, scale:V; out Y:V; attr axis:i, epsilon:f, stash_type:i; T f16 f32 f64 bf16; V f16 f32 f64 bf16"},
    {"Reshape", 23, Infer::kPrev,
     "in data:T, shape:i64; out reshaped:T; attr allowzero:i; T @all"},
    {"RotaryEmbedding", 23, Infer::kSame,
     "in X:T, cos_cache:T, sin_cache:T, position_ids?:M; out Y:T; attr interleaved:i, num_heads:i, rotary_embedding_dim:i; T f32 f16 bf16; M i64"},
    {"Scan", 23, Infer::kPrev,
     "in initial_state_and_scan_inputs*~:V; out final_state_and_scan_outputs*~:V; attr body!:g, num_scan_inputs!:i, scan_input_axes:ints, scan_input_directions:ints, scan_output_axes:ints, scan_output_directions:ints; V @all"},
    {"Shape", 23, Infer::kPrev,
     "in data:T; out shape:T1; attr end:i, start:i; T @all; T1 i64"},
    {"Size", 23, Infer::kPrev,
     "in data:T; out size:T1; T @all; T1 i64"},
    {"Squeeze", 23, Infer::kPrev,
     "in data:T, axes?:i64; out squeezed:T; T @all"},
    {"Transpose", 23, Infer::kPrev,
     "in data:T; out transposed:T; attr perm:ints; T @all"},
    {"Unsqueeze", 23, Infer::kPrev,
     "in data:T, axes:i64; out expanded:T; T @all"},
    {"Attention", 24, Infer::kAttention,
     "in Q:T1, K:T1, V:T2, attn_mask?:U, past_key?:T1, past_value?:T2, nonpad_kv_seqlen?:i64; out Y:T1, present_key?:T1, present_value?:T2, qk_matmul_output?:T1; attr is_causal:i, kv_num_heads:i, q_num_heads:i, qk_matmul_output_mode:i, scale:f, softcap:f, softmax_precision:i; T1 bf16 f16 f32 f64; T2 bf16 f16 f32 f64; U u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool"},
    {"Cast", 24, Infer::kCast,
     "in input:T1; out output:T2; attr round_mode:s, saturate:i, to!:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"CastLike", 24, Infer::kLike,
     "in input:T1, target_type:T2; out output:T2; attr round_mode:s, saturate:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"Constant", 24, Infer::kPrev,
     "out output:T; attr sparse_value:st, value:t, value_float:f, value_floats:floats, value_int:i, value_ints:ints, value_string:s, value_strings:strings; T @all"},
    {"ConstantOfShape", 24, Infer::kPrev,
     "in input:T1; out output:T2; attr value:t; T1 i64; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool bf16"},
    {"DequantizeLinear", 24, Infer::kDequantize,
     "in x:T1, x_scale:T2, x_zero_point?:T1; out y:T3; attr axis:i, block_size:i, output_dtype:i; T1 i8 u8 i16 u16 i32; T2 f32 f16 bf16; T3 f32 f16 bf16"},
    {"Flatten", 24, Infer::kPrev,
     "in input:T; out output:T; attr axis:i; T @all"},
    {"Identity", 24, Infer::kPrev,
     "in input:V; out output:V; V @all seq:@nobf16 optseq:@nobf16 opt:@nobf16"},
    {"If", 24, Infer::kPrev,
     "in cond:B; out outputs*~:V; attr else_branch!:g, then_branch!:g; V @all seq:@all opt:@all optseq:@all; B bool"},
    {"Loop", 24, Infer::kPrev,
     "in M?:I, cond?:B, v_initial*~0:V; out v_final_and_scan_outputs*~:V; attr body!:g; V @all seq:@all opt:@all optseq:@all; I i64; B bool"},
    {"Pad", 24, Infer::kPrev,
     "in data:T, pads:i64, constant_value?:T, axes?:Tind; out output:T; attr mode:s; T @all; Tind i32 i64"},
    {"QuantizeLinear", 24, Infer::kQuantize,
     "in x:T1, y_scale:T2, y_zero_point?:T3; out y:T3; attr axis:i, block_size:i, output_dtype:i, precision:i, saturate:i; T1 f32 f16 bf16 i32; T2 f32 f16 bf16 i32; T3 i8 u8 i16 u16"},
    {"Reshape", 24, Infer::kPrev,
     "in data:T, shape:i64; out reshaped:T; attr allowzero:i; T @all"},
    {"Scan", 24, Infer::kPrev,
     "in initial_state_and_scan_inputs*~:V; out final_state_and_scan_outputs*~:V; attr body!:g, num_scan_inputs!:i, scan_input_axes:ints, scan_input_directions:ints, scan_output_axes:ints, scan_output_directions:ints; V @all"},
    {"Shape", 24, Infer::kPrev,
     "in data:T; out shape:T1; attr end:i, start:i; T @all; T1 i64"},
    {"Size", 24, Infer::kPrev,
     "in data:T; out size:T1; T @all; T1 i64"},
    {"SplitToSequence", 24, Infer::kPrev,
     "in input:T, split?:I; out output_sequence:S; attr axis:i, keepdims:i; T @all; I i32 i64; S seq:@all"},
    {"Squeeze", 24, Infer::kPrev,
     "in data:T, axes?:i64; out squeezed:T; T @all"},
    {"Swish", 24, Infer::kSame,
     "in X:T; out Y:T; attr alpha:f; T f16 f32 bf16 f64"},
    {"TensorScatter", 24, Infer::kSame,
     "in past_cache:T, update:T, write_indices?:i64; out present_cache:T; attr axis:i, mode:s; T @all"},
    {"TopK", 24, Infer::kPrev,
     "in X:T, K:i64; out Values:T, Indices:I; attr axis:i, largest:i, sorted:i; T u8 u16 u32 u64 i8 i16 i32 i64 f16 f32 f64 bf16; I i64"},
    {"Transpose", 24, Infer::kPrev,
     "in data:T; out transposed:T; attr perm:ints; T @all"},
    {"Unsqueeze", 24, Infer::kPrev,
     "in data:T, axes:i64; out expanded:T; T @all"},
    {"Cast", 25, Infer::kCast,
     "in input:T1; out output:T2; attr round_mode:s, saturate:i, to!:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"CastLike", 25, Infer::kLike,
     "in input:T1, target_type:T2; out output:T2; attr round_mode:s, saturate:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 str bool"},
    {"Constant", 25, Infer::kPrev,
     "out output:T; attr sparse_value:st, value:t, value_float:f, value_floats:floats, value_int:i, value_ints:ints, value_string:s, value_strings:strings; T @all"},
    {"ConstantOfShape", 25, Infer::kPrev,
     "in input:T1; out output:T2; attr value:t; T1 i64; T2 f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool bf16"},
    {"DequantizeLinear", 25, Infer::kDequantize,
     "in x:T1, x_scale:T2, x_zero_point?:T1; out y:T3; attr axis:i, block_size:i, output_dtype:i; T1 i8 u8 i16 u16 i32; T2 f32 f16 bf16; T3 f32 f16 bf16"},
    {"Flatten", 25, Infer::kPrev,
     "in input:T; out output:T; attr axis:i; T @all"},
    {"Identity", 25, Infer::kPrev,
     "in input:V; out output:V; V @all seq:@nobf16 optseq:@nobf16 opt:@nobf16"},
    {"If", 25, Infer::kPrev,
     "in cond:B; out outputs*~:V; attr else_branch!:g, then_branch!:g; V @all seq:@all opt:@all optseq:@all; B bool"},
    {"Loop", 25, Infer::kPrev,
     "in M?:I, cond?:B, v_initial*~0:V; out v_final_and_scan_outputs*~:V; attr body!:g; V @all seq:@all opt:@all optseq:@all; I i64; B bool"},
    {"Pad", 25, Infer::kPrev,
     "in data:T, pads:i64, constant_value?:T, axes?:Tind; out output:T; attr mode:s; T @all; Tind i32 i64"},
    {"QuantizeLinear", 25, Infer::kQuantize,
     "in x:T1, y_scale:T2, y_zero_point?:T3; out y:T3; attr axis:i, block_size:i, output_dtype:i, precision:i, saturate:i; T1 f32 f16 bf16 i32; T2 f32 f16 bf16 i32; T3 i8 u8 i16 u16"},
    {"Reshape", 25, Infer::kPrev,
     "in data:T, shape:i64; out reshaped:T; attr allowzero:i; T @all"},
    {"Scan", 25, Infer::kPrev,
     "in initial_state_and_scan_inputs*~:V; out final_state_and_scan_outputs*~:V; attr body!:g, num_scan_inputs!:i, scan_input_axes:ints, scan_input_directions:ints, scan_output_axes:ints, scan_output_directions:ints; V @all"},
    {"Shape", 25, Infer::kPrev,
     "in data:T; out shape:T1; attr end:i, start:i; T @all; T1 i64"},
    {"Size", 25, Infer::kPrev,
     "in data:T; out size:T1; T @all; T1 i64"},
    {"Squeeze", 25, Infer::kPrev,
     "in data:T, axes?:i64; out squeezed:T; T @all"},
    {"Transpose", 25, Infer::kPrev,
     "in data:T; out transposed:T; attr perm:ints; T @all"},
    {"Unsqueeze", 25, Infer::kPrev,
     "in data:T, axes:i64; out expanded:T; T @all"},
    {"BitCast", 26, Infer::kCast,
     "in input:T1; out output:T2; attr to!:i; T1 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool c64 c128; T2 u8 u16 u32 u64 i8 i16 i32 i64 bf16 f16 f32 f64 bool c64 c128"},
    {"CumProd", 26, Infer::kSame,
     "in x:T, axis:T2; out y:T; attr exclusive:i, reverse:i; T u32 u64 i32 i64 f16 f32 f64 bf16; T2 i32 i64"},
    {"CausalConvWithState", 27, Infer::kCausalConv,
     "in input:T, weight:T, bias?:T, past_state?:T; out output:T, present_state:T; attr activation:s; T f32 f16 bf16"},
    {"LinearAttention", 27, Infer::kLinearAttention,
     "in query:T, key:T, value:T, past_state?:S, decay?:T, beta?:T; out output:T, present_state:S; attr chunk_size:i, kv_num_heads!:i, q_num_heads!:i, scale:f, update_rule:s; T f16 bf16 f32; S f16 bf16 f32"},
    {"Range", 27, Infer::kPrev,
     "in start:T, limit:T, delta:T; out output:T; attr stash_type:i; T f32 f64 i16 i32 i64 f16 bf16"},
};
// clang-format on

constexpr std::pair<std::string_view, std::string_view> kElemTypes[] = {
    {"u8", "uint8"},      {"u16", "uint16"},  {"u32", "uint32"},    {"u64", "uint64"},
    {"i8", "int8"},       {"i16", "int16"},   {"i32", "int32"},     {"i64", "int64"},
    {"bf16", "bfloat16"}, {"f16", "float16"}, {"f32", "float"},     {"f64", "double"},
    {"str", "string"},    {"bool", "bool"},   {"c64", "complex64"}, {"c128", "complex128"},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t p = s.find(sep);
    out.push_back(trim(s.substr(0, p)));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

const std::string_view* elem_type(std::string_view shortname) {
  for (const auto& [k, v] : kElemTypes)
    if (k == shortname) return &v;
  return nullptr;
}

// Appends the libonnx type strings a constraint token stands for.
void expand_type_token(std::string_view token, std::vector<std::string>& out) {
  std::string_view prefix_open, prefix_close;
  if (token.rfind("optseq:", 0) == 0) {
    prefix_open = "optional(seq(tensor(";
    prefix_close = ")))";
    token.remove_prefix(7);
  } else if (token.rfind("seq:", 0) == 0) {
    prefix_open = "seq(tensor(";
    prefix_close = "))";
    token.remove_prefix(4);
  } else if (token.rfind("opt:", 0) == 0) {
    prefix_open = "optional(tensor(";
    prefix_close = "))";
    token.remove_prefix(4);
  } else {
    prefix_open = "tensor(";
    prefix_close = ")";
  }
  auto add = [&](std::string_view elem) {
    out.push_back(std::string(prefix_open) + std::string(elem) + std::string(prefix_close));
  };
  if (token == "@all" || token == "@nobf16") {
    for (const auto& [k, v] : kElemTypes)
      if (token == "@all" || k != "bf16") add(v);
    return;
  }
  const auto* e = elem_type(token);
  if (!e) throw std::logic_error("unknown type token '" + std::string(token) + "'");
  add(*e);
}

onnx::AttributeProto::AttributeType attribute_kind(std::string_view k) {
  using A = onnx::AttributeProto;
  static const std::pair<std::string_view, A::AttributeType> kinds[] = {
      {"i", A::INT},     {"f", A::FLOAT},       {"s", A::STRING},
      {"ints", A::INTS}, {"floats", A::FLOATS}, {"strings", A::STRINGS},
      {"t", A::TENSOR},  {"g", A::GRAPH},       {"st", A::SPARSE_TENSOR},
  };
  for (const auto& [name, kind] : kinds)
    if (name == k) return kind;
  throw std::logic_error("unknown attribute kind '" + std::string(k) + "'");
}

void add_params(onnx::OpSchema& schema, bool input, std::string_view list) {
  int index = 0;
  for (std::string_view item : split(list, ',')) {
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) throw std::logic_error("parameter without type");
    std::string_view name = item.substr(0, colon), type = item.substr(colon + 1);
    auto option = onnx::OpSchema::Single;
    bool homogeneous = true;
    int min_arity = 1;
    size_t mark = name.find_first_of("?*");
    if (mark != std::string_view::npos) {
      std::string_view flags = name.substr(mark);
      name = name.substr(0, mark);
      if (flags == "?") {
        option = onnx::OpSchema::Optional;
      } else {
        option = onnx::OpSchema::Variadic;
        flags.remove_prefix(1);
        if (!flags.empty() && flags.front() == '~') {
          homogeneous = false;
          flags.remove_prefix(1);
        }
        if (!flags.empty()) min_arity = std::stoi(std::string(flags));
      }
    }
    std::string type_str(type);
    if (const auto* e = elem_type(type)) type_str = "tensor(" + std::string(*e) + ")";
    if (input)
      schema.Input(index++, std::string(name), "", type_str, option, homogeneous, min_arity);
    else
      schema.Output(index++, std::string(name), "", type_str, option, homogeneous, min_arity);
  }
}

onnx::OpSchema build_schema(const OpRow& row) {
  onnx::OpSchema schema;
  schema.SetName(row.op).SetDomain(onnx::ONNX_DOMAIN).SinceVersion(row.version);
  schema.SetLocation(__FILE__, __LINE__);
  schema.SetDoc("Registered by zonnx: libonnx 1.12 does not know this op version.");
  for (std::string_view section : split(row.spec, ';')) {
    if (section.rfind("in ", 0) == 0) {
      add_params(schema, true, section.substr(3));
    } else if (section.rfind("out ", 0) == 0) {
      add_params(schema, false, section.substr(4));
    } else if (section.rfind("attr ", 0) == 0) {
      for (std::string_view item : split(section.substr(5), ',')) {
        size_t colon = item.find(':');
        if (colon == std::string_view::npos) throw std::logic_error("attribute without kind");
        std::string_view name = item.substr(0, colon);
        bool required = !name.empty() && name.back() == '!';
        if (required) name.remove_suffix(1);
        schema.Attr(std::string(name), "", attribute_kind(item.substr(colon + 1)), required);
      }
    } else {
      std::vector<std::string_view> tokens = split(section, ' ');
      std::vector<std::string> types;
      for (size_t i = 1; i < tokens.size(); ++i)
        if (!tokens[i].empty()) expand_type_token(tokens[i], types);
      schema.TypeConstraint(std::string(tokens.at(0)), types, "");
    }
  }
  if (row.infer == Infer::kPrev) {
    // Only types or attributes without effect on shapes changed: infer as the
    // previous version does (libonnx's own, or one registered above).
    const onnx::OpSchema* prev = onnx::OpSchemaRegistry::Schema(row.op, row.version - 1, onnx::ONNX_DOMAIN);
    if (!prev) throw std::logic_error("no previous version");
    if (prev->has_type_and_shape_inference_function())
      schema.TypeAndShapeInferenceFunction(prev->GetTypeAndShapeInferenceFunction());
    if (prev->has_data_propagation_function())
      schema.PartialDataPropagationFunction(prev->GetDataPropagationFunction());
  } else if (auto fn = inference_function(row.infer)) {
    schema.TypeAndShapeInferenceFunction(std::move(fn));
  }
  return schema;
}

// Raises libonnx's registered version range of the ai.onnx domain to 27.
void raise_onnx_domain_range() {
  // libonnx 1.12 refuses to register an ai.onnx schema above the domain's max
  // version (17), and DomainToVersionRange offers no setter for an existing
  // domain: AddDomainToVersion asserts the domain is new. Map() returns a
  // const reference to the registry's own (non-const) member map, so writing
  // through a const_cast is well-defined and is the only way with 1.12's API.
  // This runs once, under std::call_once, before any schema lookup we make.
  auto& range = onnx::OpSchemaRegistry::DomainToVersionRange::Instance();
  auto& map = const_cast<std::unordered_map<std::string, std::pair<int, int>>&>(range.Map());
  auto it = map.find(onnx::ONNX_DOMAIN);
  if (it != map.end() && it->second.second < kMaxKnownOnnxOpset) it->second.second = kMaxKnownOnnxOpset;
}

std::once_flag g_once;
std::atomic<bool> g_ready{false};
// Why a row could not be built (parallel to kOps; empty when the table is sound).
std::vector<std::string> g_row_errors;

void register_all() {
  // Make libonnx register its built-in schemas first: ours must come after
  // the versions they derive from.
  (void)onnx::OpSchemaRegistry::Schema("Relu", onnx::ONNX_DOMAIN);
  raise_onnx_domain_range();
  g_row_errors.assign(std::size(kOps), std::string());
  for (size_t i = 0; i < std::size(kOps); ++i) {
    try {
      onnx::OpSchema schema = build_schema(kOps[i]);
      onnx::OpSchemaRegistry::OpSchemaRegisterOnce registration(schema);
    } catch (const std::exception& e) {
      g_row_errors[i] = e.what();
    }
  }
  g_ready = true;
}

}  // namespace

void ensure_onnx_schemas_past_17() { std::call_once(g_once, register_all); }

bool onnx_schemas_past_17_ready() { return g_ready; }

std::vector<RegisteredSchema> onnx_schemas_past_17() {
  ensure_onnx_schemas_past_17();
  std::vector<RegisteredSchema> out;
  for (size_t i = 0; i < std::size(kOps); ++i) {
    const OpRow& row = kOps[i];
    RegisteredSchema r;
    r.op = row.op;
    r.version = row.version;
    const onnx::OpSchema* s = onnx::OpSchemaRegistry::Schema(row.op, row.version, onnx::ONNX_DOMAIN);
    r.registered = s && s->SinceVersion() == row.version;
    r.has_inference = r.registered && s->has_type_and_shape_inference_function();
    r.error = g_row_errors[i];
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace zonnx::view
