#include "view/inference_guards.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zonnx::view {
namespace {

constexpr int kNoMaxRank = std::numeric_limits<int>::max();

// Rank of input `i` when its shape is known, else -1.
int rank_of(const onnx::InferenceContext& ctx, int i) {
  if (i < 0 || static_cast<size_t>(i) >= ctx.getNumInputs() || !ctx.getInputType(static_cast<size_t>(i)))
    return -1;
  const auto& t = *ctx.getInputType(static_cast<size_t>(i));
  if (!t.has_tensor_type() || !t.tensor_type().has_shape()) return -1;
  return t.tensor_type().shape().dim_size();
}

int64_t int_attribute(const onnx::InferenceContext& ctx, const char* name, int64_t fallback) {
  const onnx::AttributeProto* a = ctx.getAttribute(name);
  return a ? a->i() : fallback;
}

// An input whose dimensions the inference function reads at fixed positions.
struct RankNeed {
  int input;
  int min_rank;
  int max_rank;
};

// An int attribute the inference function uses as a dimension index of
// `input`: it must lie in [-rank, rank).
struct AxisNeed {
  const char* attribute;
  int input;
  int64_t default_value;
};

}  // namespace

struct InferenceGuard {
  std::vector<RankNeed> ranks;
  std::vector<AxisNeed> axes;
  void (*extra)(onnx::InferenceContext&) = nullptr;
  // Set for the ops using convPoolShapeInference: their weight input, -1 for pools.
  std::optional<int> conv_pool_weight = std::nullopt;
};

namespace {

// convPoolShapeInference (Conv, pools and their kin) indexes shapes and
// attribute lists without checking their lengths (fuzzing: a rank-2 Conv
// input segfaults) and divides by strides, dilations and group (SIGFPE on
// strides = 0). The spatial input needs rank >= 3, a weight of the same rank,
// and attribute lists that fit the spatial rank.
void check_conv_pool(onnx::InferenceContext& ctx, int weight_input) {
  const int x_rank = rank_of(ctx, 0);
  if (x_rank >= 0 && x_rank < 3) fail_shape_inference("input rank ", x_rank, " is below 3");
  if (weight_input >= 0) {
    const int w_rank = rank_of(ctx, weight_input);
    if (x_rank >= 0 && w_rank >= 0 && w_rank != x_rank)
      fail_shape_inference("weight rank ", w_rank, " differs from input rank ", x_rank);
  }
  if (x_rank < 0) return;
  const int spatial = x_rank - 2;
  for (const char* name : {"kernel_shape", "strides", "dilations", "output_padding", "output_shape"}) {
    const onnx::AttributeProto* a = ctx.getAttribute(name);
    if (a && a->ints_size() != spatial) fail_shape_inference("attribute ", name, " has the wrong length");
  }
  const onnx::AttributeProto* pads = ctx.getAttribute("pads");
  if (pads && pads->ints_size() != 2 * spatial) fail_shape_inference("attribute pads has the wrong length");
  for (const char* name : {"kernel_shape", "strides", "dilations"}) {
    const onnx::AttributeProto* a = ctx.getAttribute(name);
    if (!a) continue;
    for (int64_t v : a->ints())
      if (v <= 0) fail_shape_inference("attribute ", name, " must be positive");
  }
  if (const onnx::AttributeProto* g = ctx.getAttribute("group"); g && g->i() <= 0)
    fail_shape_inference("attribute group must be positive");
  if (pads)
    for (int64_t v : pads->ints())
      if (v < 0) fail_shape_inference("attribute pads must not be negative");
}

// GatherND adds batch_dims to the last indices dimension and uses the sum as
// a start position in data's dims (a negative batch_dims reads before them).
void check_gather_nd(onnx::InferenceContext& ctx) {
  const int64_t batch_dims = int_attribute(ctx, "batch_dims", 0);
  const int data_rank = rank_of(ctx, 0), indices_rank = rank_of(ctx, 1);
  if (batch_dims < 0) fail_shape_inference("batch_dims ", batch_dims, " is negative");
  if (data_rank >= 0 && indices_rank >= 0 && batch_dims >= std::min(data_rank, indices_rank))
    fail_shape_inference("batch_dims ", batch_dims, " is not below both input ranks");
}

// MaxRoiPool reads pooled_shape[0] and [1] once its length matches X's
// spatial rank, so X must be rank 4 (N, C, H, W) and the rois rank 2.
void check_max_roi_pool(onnx::InferenceContext& ctx) {
  const onnx::AttributeProto* pooled = ctx.getAttribute("pooled_shape");
  if (pooled && pooled->ints_size() != 2) fail_shape_inference("attribute pooled_shape must hold 2 values");
}

// Without the output_shape input, MaxUnpool copies dim 1 of the indices I
// once X has a shape, dereferencing I's type unchecked (fuzzing: an untyped or
// rank-1 I segfaults).
void check_max_unpool(onnx::InferenceContext& ctx) {
  if (ctx.getNumInputs() != 2 || rank_of(ctx, 0) < 0) return;
  const int indices_rank = rank_of(ctx, 1);
  if (indices_rank < 2) fail_shape_inference("indices I need a known shape of rank >= 2");
}

InferenceGuard conv_pool(int weight_input, void (*extra)(onnx::InferenceContext&) = nullptr) {
  InferenceGuard guard;
  guard.extra = extra;
  guard.conv_pool_weight = weight_input;
  return guard;
}

const std::map<std::string, InferenceGuard, std::less<>>& guards() {
  // Each entry comes from reading the op's inference function in onnx 1.12
  // (onnx/defs/*/defs.cc and old.cc) for unchecked dim(...) and [] reads.
  static const std::map<std::string, InferenceGuard, std::less<>> table = {
      {"Conv", conv_pool(1)},
      {"ConvInteger", conv_pool(1)},
      {"ConvTranspose", conv_pool(1)},
      {"DeformConv", conv_pool(1)},
      {"QLinearConv", conv_pool(3)},
      {"AveragePool", conv_pool(-1)},
      {"MaxPool", conv_pool(-1)},
      {"LpPool", conv_pool(-1)},
      {"MaxUnpool", conv_pool(-1, check_max_unpool)},
      // STFT-17 reads dims 0 and 1 of the signal (spec: rank 3).
      {"STFT", {{{0, 2, kNoMaxRank}}, {}}},
      // RNN, GRU and LSTM before opset 14 read dims 0 and 1 of X unchecked.
      {"RNN", {{{0, 3, 3}}, {}}},
      {"GRU", {{{0, 3, 3}}, {}}},
      {"LSTM", {{{0, 3, 3}}, {}}},
      // Gemm before opset 7 reads dims 0 and 1 of A and B unchecked.
      {"Gemm", {{{0, 2, 2}, {1, 2, 2}}, {}}},
      // LayerNormalization marks dims from `axis` on in Mean and InvStdDev.
      {"LayerNormalization", {{{0, 1, kNoMaxRank}}, {{"axis", 0, -1}}}},
      {"GatherND", {{}, {}, check_gather_nd}},
      {"MaxRoiPool", {{{0, 4, 4}, {1, 2, 2}}, {}, check_max_roi_pool}},
  };
  return table;
}

}  // namespace

const InferenceGuard* inference_guard_for(std::string_view onnx_op) {
  const auto& table = guards();
  auto it = table.find(onnx_op);
  return it == table.end() ? nullptr : &it->second;
}

void check_inference_guard(const InferenceGuard& guard, onnx::InferenceContext& ctx) {
  for (const RankNeed& need : guard.ranks) {
    const int rank = rank_of(ctx, need.input);
    if (rank < 0) continue;
    if (rank < need.min_rank || rank > need.max_rank)
      fail_shape_inference("input ", need.input, " has rank ", rank, ", outside [", need.min_rank, ", ",
                           need.max_rank == kNoMaxRank ? std::string("any") : std::to_string(need.max_rank),
                           "]");
  }
  for (const AxisNeed& need : guard.axes) {
    const int rank = rank_of(ctx, need.input);
    if (rank < 0) continue;
    const int64_t axis = int_attribute(ctx, need.attribute, need.default_value);
    if (axis < -rank || axis >= rank)
      fail_shape_inference("attribute ", need.attribute, " = ", axis, " is outside the rank ", rank,
                           " of input ", need.input);
  }
  if (guard.conv_pool_weight) check_conv_pool(ctx, *guard.conv_pool_weight);
  if (guard.extra) guard.extra(ctx);
}

}  // namespace zonnx::view
