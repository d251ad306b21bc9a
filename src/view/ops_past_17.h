// zonnx's type-and-shape inference functions for ai.onnx op versions of
// opsets 18..27, which libonnx 1.12 does not know. Each function follows the
// op's specification and leaves an output unknown rather than guessing.
#pragma once

#include <onnx/defs/schema.h>

namespace zonnx::view {

// How an op version infers its outputs.
enum class Infer {
  kPrev,       // as the previous version of the op (only types or non-shape attributes changed)
  kNone,       // no inference: outputs stay unknown
  kSame,       // output 0: type and shape of input 0
  kLike,       // output 0: shape of input 0, element type of input 1 (CastLike, RMSNormalization)
  kBoolSame,   // output 0: bool, shape of input 0
  kBroadcast,  // output 0: type of input 0, multidirectional broadcast of all inputs
  kReduce,     // Reduce*-18: axes as an optional input
  kSplit,      // Split-18: split input or num_outputs
  kPad,        // Pad-18: pads and optional axes inputs
  kResize,     // Resize-18: axes and keep_aspect_ratio_policy
  kPool,       // LpPool-18, AveragePool-19: dilations, ceil_mode
  kMaxPool,    // MaxPool-22: as kPool (windows starting in the right padding dropped), plus Indices
  kCenterCropPad,
  kCol2Im,
  kOptionalGetElement,
  kOptionalHasElement,
  kDeformConv,
  kCast,  // output type from the `to` attribute (Cast, BitCast)
  kQuantize,
  kDequantize,
  kAffineGrid,
  kDft,
  kGridSample,
  kImageDecoder,
  kStringSplit,
  kAttention,
  kCausalConv,
  kLinearAttention,
};

// The inference function for `kind` (empty for kPrev and kNone).
onnx::InferenceFunction inference_function(Infer kind);

}  // namespace zonnx::view
