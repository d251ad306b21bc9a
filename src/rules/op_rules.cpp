// Per-op NNPA legality: which operands onnx-mlir checks for element type and
// rank, the op-specific rules of isSuitableForZDNN<Op>
// (src/Accelerators/NNPA/Conversion/ONNXToZHigh/ONNXLegalityCheck.cpp), and
// the rewrites of RewriteONNXForZHigh.cpp and the decompose passes that rescue
// ops onto the NNPA. Adding an op is one entry in specs() plus its check.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rules/op_context.h"

namespace zonnx::rules {
namespace {

using Values = std::vector<std::pair<std::string, std::string>>;

// Two dims are provably equal: same static value or the same named symbol.
bool same_dim(const Dim& a, const Dim& b) {
  if (a.is_static() || b.is_static()) return a.value == b.value;
  return !a.param.empty() && a.param == b.param;
}

// onnx-mlir's DimAnalysis::sameShape, approximated with what the model states.
bool same_shape(const ValueType* a, const ValueType* b) {
  if (!a || !b || !a->has_shape || !b->has_shape || a->dims.size() != b->dims.size()) return false;
  for (size_t i = 0; i < a->dims.size(); ++i)
    if (!same_dim(a->dims[i], b->dims[i])) return false;
  return true;
}

bool is_static(const ValueType* t) { return t && t->has_shape && t->is_static(); }

std::vector<int64_t> static_dims(const ValueType* t) {
  std::vector<int64_t> v;
  for (const auto& d : t->dims) v.push_back(d.value);
  return v;
}

// RewriteONNXForZHigh isUniBroadcatableFirstToSecond: A broadcasts to B one way.
bool uni_broadcastable(const ValueType* a, const ValueType* b) {
  if (!is_static(a) || !is_static(b)) return false;
  auto ad = static_dims(a), bd = static_dims(b);
  if (ad == bd || ad.size() > bd.size()) return false;
  std::vector<int64_t> padded(bd.size(), 1);
  std::copy(ad.begin(), ad.end(), padded.begin() + static_cast<long>(bd.size() - ad.size()));
  for (size_t i = 0; i < bd.size(); ++i)
    if (!((padded[i] == 1 && bd[i] != 1) || padded[i] == bd[i])) return false;
  return true;
}

// ---- Elementwise binary ops: Add, Sub, Mul, Div ----------------------------
void check_binary_elementwise(const OpContext& ctx, Findings& out) {
  const ValueType* a = ctx.input(0);
  const ValueType* b = ctx.input(1);
  if (same_shape(a, b)) return;
  // A constant operand that broadcasts to the other is expanded first
  // (ExpandAddConstantPattern & co.), so the shapes then match.
  if (ctx.input_is_constant(0) && uni_broadcastable(a, b)) {
    out.note("rescued: constant input A is expanded to B's shape before lowering (RewriteONNXForZHigh)");
    return;
  }
  if (ctx.input_is_constant(1) && uni_broadcastable(b, a)) {
    out.note("rescued: constant input B is expanded to A's shape before lowering (RewriteONNXForZHigh)");
    return;
  }
  out.fail(
      "nnpa.broadcast",
      fmt::format("The dynamic dimension analysis couldn't identify input `A` and `B` have the same shape. "
                  "(A {} vs B {})",
                  dims_text(a), dims_text(b)),
      {{"A", dims_text(a)}, {"B", dims_text(b)}});
}

// ---- Min, Max --------------------------------------------------------------
void check_min_max(const OpContext& ctx, Findings& out) {
  if (ctx.input_count() != 2) {
    out.fail("nnpa.operand-count", fmt::format("The number of operands is {}, not 2.", ctx.input_count()),
             {{"operands", std::to_string(ctx.input_count())}});
    return;
  }
  if (!same_shape(ctx.input(0), ctx.input(1)))
    out.fail(
        "nnpa.broadcast",
        fmt::format("The dynamic dimension analysis couldn't identify the first and second tensor of input "
                    "`data_0` have the same shape. ({} vs {})",
                    dims_text(ctx.input(0)), dims_text(ctx.input(1))),
        {{"data_0[0]", dims_text(ctx.input(0))}, {"data_0[1]", dims_text(ctx.input(1))}});
}

// ---- Sum: decomposed into a chain of Adds ----------------------------------
void check_sum(const OpContext& ctx, Findings& out) {
  if (ctx.input_count() < 2) {
    out.fail("nnpa.operand-count", "The input `data_0` needs to include multiple tensors.",
             {{"operands", std::to_string(ctx.input_count())}});
    return;
  }
  for (int i = 1; i < ctx.input_count(); ++i) {
    if (!same_shape(ctx.input(0), ctx.input(i))) {
      out.fail(
          "nnpa.broadcast",
          fmt::format("The dimension analysis could not identify the shape of the first tensor in `data_0` "
                      "is the same as that of {}-th tensor ({} vs {})",
                      i, dims_text(ctx.input(0)), dims_text(ctx.input(i))),
          {{"tensor", std::to_string(i)}});
      return;
    }
  }
  if (ctx.input_count() > 2) out.note("rescued: Sum is decomposed into a chain of Adds on NNPA");
}

// ---- Softmax (and LogSoftmax = Log(Softmax)) -------------------------------
void check_softmax(const OpContext& ctx, Findings& out) {
  // The rewrite pass checks the element type only; the rank is judged after the 3-D reshape.
  if (!check_operand_type(ctx, 0, out, false)) return;
  const ValueType* x = ctx.input(0);
  int rank = x->rank();
  // Before opset 13 Softmax coerces to 2-D with default axis 1; onnx-mlir
  // canonicalises a V11 Softmax only when its axis is the last dim.
  int64_t axis = ctx.attr_int("axis", ctx.node().since_version >= 13 ? -1 : 1);
  bool last = axis == -1 || axis == rank - 1;
  if (rank > 3 && last) {
    out.note("rescued: input reshaped to 3-D around the Softmax (Reshape on CPU)");
    return;
  }
  if (rank != 2 && rank != 3) {
    out.fail("softmax.rank", fmt::format("The rank of input tensor ({}) needs to be 2 or 3.", rank),
             {{"rank", std::to_string(rank)}});
    return;
  }
  if (!last)
    out.fail("softmax.axis", fmt::format("The `axis` ({}) needs to be `rank - 1`({}) or -1.", axis, rank - 1),
             {{"axis", std::to_string(axis)}, {"rank", std::to_string(rank)}});
  if (ctx.node().op_type() == "LogSoftmax" && !out.failed())
    out.note("rescued: LogSoftmax is decomposed to Log(Softmax) and fused into one NNPA softmax");
}

// ---- MatMul ----------------------------------------------------------------
void check_matmul(const OpContext& ctx, Findings& out) {
  const ValueType* a = ctx.input(0);
  const ValueType* b = ctx.input(1);
  if (!a || !b || !a->has_shape || !b->has_shape) return;
  int ra = a->rank(), rb = b->rank();
  // N-D operands (N > 3) are reshaped to 3-D first when the batch dims match or one side is 2-D.
  if ((ra > 3 && rb == 2) || (ra == 2 && rb > 3)) {
    out.note("rescued: N-D x 2-D MatMul reshaped to 3-D (Reshape on CPU)");
    ra = ra > 3 ? 3 : ra;
    rb = rb > 3 ? 3 : rb;
    if (ra == 2 && rb == 3 && ctx.march() == March::Z16) {
      out.fail("nnpa.level",
               "onnx-mlir NNPA level \"--march=arch15\" is not compatible with  NNPA level specified by "
               "\"--march=z16\". (2-D x N-D MatMul, bcast1, needs z17)",
               {{"needs", "z17"}});
    }
    return;
  }
  if (ra > 3 && ra == rb) {
    for (int i = 0; i < ra - 2; ++i) {
      if (!same_dim(a->dims[i], b->dims[i])) {
        out.fail(
            "matmul.batch-broadcast",
            fmt::format("The dim {} of A and dim {} of B are not the same. (A {} B {}: broadcasting batch "
                        "dims stay on CPU)",
                        i, i, dims_text(a), dims_text(b)),
            {{"A", dims_text(a)}, {"B", dims_text(b)}});
        return;
      }
    }
    out.note("rescued: N-D MatMul with equal batch dims reshaped to 3-D (Reshape on CPU)");
    return;
  }
  auto dim = [](const ValueType* t, int i) { return t->dims[static_cast<size_t>(i)]; };
  bool both_static = is_static(a) && is_static(b);
  auto mismatch = [&](const std::string& message) {
    out.fail("matmul.shape", message, {{"A", dims_text(a)}, {"B", dims_text(b)}});
  };
  if (ra == 2 && rb == 2) {
    if (both_static && dim(a, 1).value != dim(b, 0).value)
      mismatch(
          fmt::format("Unstacked case: the 2nd dim of A ({}) and the 1st dim of B ({}) are not the same.",
                      dim(a, 1).value, dim(b, 0).value));
  } else if (ra == 3 && rb == 3) {
    if (both_static && (dim(a, 0).value != dim(b, 0).value || dim(a, 2).value != dim(b, 1).value))
      mismatch(
          fmt::format("Stacked w/o bcast case: the 1st dim of A ({}) and the 1st dim of B ({}) are not the "
                      "same, or the 3rd dim of A ({}) and the 2nd dim of B ({}) are not the same.",
                      dim(a, 0).value, dim(b, 0).value, dim(a, 2).value, dim(b, 1).value));
  } else if (ra == 3 && rb == 2) {
    if (both_static && dim(a, 2).value != dim(b, 0).value)
      mismatch(
          fmt::format("Stacked w/ bcast23 case: the 3rd dim of A ({}) and the 1st dim of B ({}) are not the "
                      "same.",
                      dim(a, 2).value, dim(b, 0).value));
  } else if (ra == 2 && rb == 3) {
    if (ctx.march() == March::Z16) {
      out.fail("nnpa.level",
               "onnx-mlir NNPA level \"--march=arch15\" is not compatible with  NNPA level specified by "
               "\"--march=z16\". (2-D x 3-D MatMul, bcast1, needs z17)",
               {{"needs", "z17"}});
      return;
    }
    if (both_static && dim(a, 1).value != dim(b, 1).value)
      mismatch(
          fmt::format("Stacked w/ bcast1 case: the 2nd dim of A ({}) and the 2nd dim of B ({}) are not the "
                      "same.",
                      dim(a, 1).value, dim(b, 1).value));
  } else {
    out.fail("matmul.ranks", fmt::format("Dim size of A({}) and B({}) is not supported.", ra, rb),
             {{"rank A", std::to_string(ra)}, {"rank B", std::to_string(rb)}});
  }
}

// MatMul's own dimension-limit handling: large N or M are split
// (SplitLargeMatMulPattern); the shared K dimension cannot be.
void check_matmul_limits(const OpContext& ctx, Findings& out) {
  const ValueType* a = ctx.input(0);
  const ValueType* b = ctx.input(1);
  if (!a || !b || !a->has_shape || !b->has_shape) return;
  int ra = std::min(a->rank(), 3), rb = std::min(b->rank(), 3);
  if (ra < 2 || rb < 2) return;
  const Dim& k = a->dims.back();
  int64_t k_limit = max_dim_size(ctx.march(), ra - 1, ra);
  if (k.is_static() && k.value > k_limit) {
    out.fail(
        "nnpa.dim-limit",
        fmt::format("Exceed maximum dimension index size. (MatMul inner dimension K = {} > {} on {}; only N "
                    "and M can be split)",
                    k.value, k_limit, march_name(ctx.march())),
        {{"K", std::to_string(k.value)}, {"limit", std::to_string(k_limit)}});
    return;
  }
  const Dim& n = a->dims[a->dims.size() - 2];
  const Dim& m = b->dims.back();
  int64_t n_limit = max_dim_size(ctx.march(), ra - 2, ra), m_limit = max_dim_size(ctx.march(), rb - 1, rb);
  if ((n.is_static() && n.value > n_limit) || (m.is_static() && m.value > m_limit))
    out.note(fmt::format(
        "rescued: large MatMul split into chunks of at most {} rows/columns (SplitLargeMatMulPattern)",
        std::min(n_limit, m_limit)));
}

void check_matmul_all(const OpContext& ctx, Findings& out) {
  if (ctx.input_count() != 2) {
    out.fail("nnpa.operand-count", fmt::format("The number of operands is {}, not 2.", ctx.input_count()),
             {{"operands", std::to_string(ctx.input_count())}});
    return;
  }
  // Element types first (the rewrite pass skips the rank check: N-D operands are reshaped to 3-D).
  if (!check_operand_type(ctx, 0, out, false) || !check_operand_type(ctx, 1, out, false)) return;
  check_matmul_limits(ctx, out);
  if (!out.failed()) check_matmul(ctx, out);
}

// ---- Gemm --------------------------------------------------------------------
void check_gemm(const OpContext& ctx, Findings& out) {
  const ValueType* a = ctx.input(0);
  const ValueType* b = ctx.input(1);
  const ValueType* c = ctx.has_input(2) ? ctx.input(2) : nullptr;
  if (!a || !b || !a->has_shape || !b->has_shape) return;
  auto f32 = [](const ValueType* t) { return t && t->elem_type == onnx::TensorProto::FLOAT; };
  if (!f32(a) || !f32(b) || (ctx.has_input(2) && !f32(c))) {
    out.fail("gemm.f32", "Element type of `A` and `B` must be f32.", {{"A", elem_type_name(a->elem_type)}},
             "Cast A, B and C to float32; Gemm on NNPA takes float32 only.");
    return;
  }
  if (a->rank() != 2 || b->rank() != 2 || (c && c->has_shape && c->rank() != 1 && c->rank() != 2)) {
    std::string msg = fmt::format("The rank of A({}) and B ({}) must be 2. ", a->rank(), b->rank());
    if (c) msg += fmt::format("The rank of C({}) must be 1 or 2.", c->rank());
    out.fail("gemm.rank", msg);
    return;
  }
  double alpha = ctx.attr_float("alpha", 1.0), beta = ctx.attr_float("beta", 1.0);
  if (alpha != 1.0 || beta != 1.0) {
    out.fail("gemm.alpha-beta", fmt::format("`alpha` ({:.6f})  and `beta` ({:.6f}) must be 1.", alpha, beta),
             {{"alpha", fmt::format("{:g}", alpha)}, {"beta", fmt::format("{:g}", beta)}});
    return;
  }
  if (c && c->has_shape && c->rank() == 1) {
    const Dim& b_out = ctx.attr_int("transB", 0) ? b->dims[0] : b->dims[1];
    if (!c->dims[0].is_static()) {
      out.fail("gemm.bias", "When the rank of C is 1, The first dim of `C` need to be static dim.");
      return;
    }
    if (!b_out.is_static() || c->dims[0].value != b_out.value) {
      out.fail("gemm.bias",
               "When the rank of C is 1, The 2nd dim of B` must be the same as the first dim of `C`.",
               {{"C", dims_text(c)}, {"B", dims_text(b)}});
      return;
    }
  }
  if (c && c->has_shape && c->rank() == 2)
    out.note("bias C of rank 2 is added by a separate Add (Add rules apply)");
  bool trans = ctx.attr_int("transA", 0) || ctx.attr_int("transB", 0);
  if (trans && ctx.march() == March::Z16)
    out.note(
        "transA/transB: an onnx.Transpose is inserted on the CPU before the NNPA MatMul (z17 does it "
        "natively)");
}

// ---- ReduceMax / ReduceMin (opset >= 18 form, z17) ---------------------------
void check_reduce_max_min(const OpContext& ctx, Findings& out) {
  if (ctx.node().since_version < 18) {
    out.fail(
        "reduce.opset-form",
        fmt::format("{}-{} takes axes as an attribute; onnx-mlir lowers only the opset 18+ form (axes as an "
                    "input) to NNPA.",
                    ctx.node().op_type(), ctx.node().since_version),
        {{"version", std::to_string(ctx.node().since_version)}},
        "Convert the model to opset 18 or later (zonnx convert --opset nnpa).");
    return;
  }
  const ValueType* x = ctx.input(0);
  int rank = x && x->has_shape ? x->rank() : -1;
  if (!ctx.has_input(1)) {
    out.fail("reduce.axes", "Does not support reduction over all axes.");
    return;
  }
  int64_t keepdims = ctx.attr_int("keepdims", 1), noop = ctx.attr_int("noop_with_empty_axes", 0);
  if (noop == 1 || keepdims == 0) {
    out.fail(
        "reduce.keepdims",
        fmt::format("`noop_with_empty_axes` ({}) must be 0 and `keepdims` ({}) must be 1.", noop, keepdims),
        {{"keepdims", std::to_string(keepdims)}, {"noop_with_empty_axes", std::to_string(noop)}});
    return;
  }
  auto axes = ctx.input_ints(1);
  if (!axes) {
    out.fail("reduce.axes", "Reduction axis is unknown at compile time.");
    return;
  }
  if (axes->size() != 1) {
    out.fail("reduce.axes", "Does not support multiple reduction axes.",
             {{"axes", std::to_string(axes->size())}});
    return;
  }
  int64_t axis = (*axes)[0];
  if (rank >= 0 && (axis < -rank || axis > rank - 1)) {
    out.fail("reduce.axes", "Reduction axis is out of the accepted range which is [-r, r-1]",
             {{"axis", std::to_string(axis)}});
    return;
  }
  if (axis != -1 && axis != rank - 1)
    out.fail("reduce.axis-innermost", "Reduction axis must be the innermost dimension. ",
             {{"axis", std::to_string(axis)}, {"rank", std::to_string(rank)}});
}

// ---- ReduceMean (only the pre-opset-18 form, ReduceMeanV13) and GlobalAveragePool
void check_reduce_mean_v13(const OpContext& ctx, Findings& out, const std::vector<int64_t>& axes,
                           int64_t keepdims) {
  const ValueType* x = ctx.input(0);
  if (!x || !x->has_shape) return;
  int rank = x->rank();
  if (rank != 4 || keepdims == 0) {
    out.fail("reducemean.shape",
             fmt::format("The rank of `data` ({}) must be 4 and `keepdims`({}) must be 1.", rank, keepdims),
             {{"rank", std::to_string(rank)}, {"keepdims", std::to_string(keepdims)}});
    return;
  }
  if (axes.size() != 2 || axes[0] != 2 || axes[1] != 3) {
    out.fail("reducemean.axes",
             axes.size() != 2 ? fmt::format("The size of `axes`({}) must be 2.", axes.size())
                              : fmt::format("The `axes`[0] ({}) must be 2, and `axes`[1] ({}) must be 3.",
                                            axes[0], axes[1]),
             {{"axes", fmt::format("{}", fmt::join(axes, ","))}});
    return;
  }
  const Dim& h = x->dims[2];
  const Dim& w = x->dims[3];
  if (!h.is_static() || !w.is_static()) {
    out.fail("reducemean.hw", "Height or Width dimension must be static dimension.",
             {{"shape", dims_text(x)}}, "Bind the input shape with --input-shape so H and W are static.");
    return;
  }
  if (h.value > 1024 || w.value > 1024)
    out.fail("reducemean.hw",
             fmt::format("Height ({}) or Width ({}) dimension must be less than or equal to 1024.", h.value,
                         w.value),
             {{"H", std::to_string(h.value)}, {"W", std::to_string(w.value)}});
}

void check_reduce_mean(const OpContext& ctx, Findings& out) {
  if (ctx.node().since_version >= 18) {
    out.fail("reduce.opset-form",
             fmt::format("ReduceMean-{} takes axes as an input; onnx-mlir lowers only the pre-opset-18 form "
                         "(ReduceMeanV13, axes attribute) to NNPA.",
                         ctx.node().since_version),
             {{"version", std::to_string(ctx.node().since_version)}},
             "Convert the model to opset 17 or lower for this op, or accept it on CPU.");
    return;
  }
  auto axes = ctx.attr_ints("axes");
  if (!axes) {
    const ValueType* x = ctx.input(0);
    int rank = x && x->has_shape ? x->rank() : -1;
    out.fail("reducemean.shape",
             fmt::format("The rank of `data` ({}) must be 4 and `keepdims`({}) must be 1.", rank,
                         ctx.attr_int("keepdims", 1)),
             {{"axes", "all"}});
    return;
  }
  std::vector<int64_t> norm = *axes;
  check_reduce_mean_v13(ctx, out, norm, ctx.attr_int("keepdims", 1));
}

void check_global_average_pool(const OpContext& ctx, Findings& out) {
  const ValueType* x = ctx.input(0);
  if (!x || !x->has_shape) return;
  std::vector<int64_t> axes;
  for (int i = 2; i < x->rank(); ++i) axes.push_back(i);
  check_reduce_mean_v13(ctx, out, axes, 1);
  if (!out.failed())
    out.note("rescued: GlobalAveragePool is canonicalised to ReduceMean(axes=[2,3]) on NNPA");
}

// ---- LSTM / GRU ------------------------------------------------------------
void check_rnn_common(const OpContext& ctx, Findings& out, bool lstm) {
  std::string direction = ctx.attr_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    out.fail("rnn.direction", "The `direction` must be `forward`, `reverse`, or `bidirectional`.",
             {{"direction", direction}});
    return;
  }
  const ValueType* w = ctx.input(1);
  const ValueType* r = ctx.input(2);
  if (!w || !r || !w->has_shape || !r->has_shape || w->rank() < 2 || r->rank() < 3) return;
  const Dim& w0 = w->dims[0];
  if (!(w0.is_static() && (w0.value == 1 || w0.value == 2)) || !w->dims[1].is_static()) {
    out.fail("rnn.weights",
             fmt::format(
                 "The first dimension of weight tensor `W` for `num_directions` ({}) must be 1 or 2, and the "
                 "second dimension of it for `hidden_size` ({}) must be static.",
                 w0.is_static() ? std::to_string(w0.value) : "?",
                 w->dims[1].is_static() ? std::to_string(w->dims[1].value) : "?"),
             {{"W", dims_text(w)}});
    return;
  }
  bool r_ok = is_static(r) && (!lstm || r->dims[0].value == 1 || r->dims[0].value == 2);
  if (!r_ok) {
    out.fail("rnn.weights",
             lstm ? "The recurrence weight tensor `R` must have static dimension, and the first dimension of "
                    "it must "
                    "be 1 or 2."
                  : "The recurrence weight tensor `R` must have static dimension.",
             {{"R", dims_text(r)}});
    return;
  }
  int64_t hidden = r->dims[2].value;
  int64_t limit = lstm ? 8192 : 10880;  // MAXIMUM_NUM_HIDDEN_SIZE_LSTM / _GRU (NNPALimit.hpp)
  if (hidden > limit) {
    out.fail("rnn.hidden-size",
             fmt::format("The `hidden_size` ({}) must be less than or equal to {}.", hidden, limit),
             {{"hidden_size", std::to_string(hidden)}, {"limit", std::to_string(limit)}});
    return;
  }
  if (lstm && ctx.has_input(4)) {
    out.fail("rnn.sequence-lens", "zDNN does not support sequence_lens for LSTM.",
             {{"sequence_lens", "present"}},
             "Drop the sequence_lens input (pad sequences instead) to run the LSTM on NNPA.");
    return;
  }
  if (ctx.has_input(3)) {
    const ValueType* b = ctx.input(3);
    if (!is_static(b)) {
      out.fail("rnn.weights", "The bias tensor `B` must be static.", {{"B", dims_text(b)}});
      return;
    }
    if (b->dims[0].value != 1 && b->dims[0].value != 2) {
      out.fail("rnn.weights", fmt::format("The first dimension of the bias tensor `B` ({}) must be 1 or 2.",
                                          b->dims[0].value));
      return;
    }
  }
  bool has_alpha = ctx.attr("activation_alpha") != nullptr, has_beta = ctx.attr("activation_beta") != nullptr;
  if (lstm && (ctx.has_input(7) || has_alpha || has_beta)) {
    out.fail(
        "rnn.unsupported-attr",
        "The `activation_alpha`, `activation_beta`, and the weight tensor for peepoles are not supported.");
    return;
  }
  if (!lstm && (has_alpha || has_beta)) {
    out.fail("rnn.unsupported-attr", "The `activation_alpha` and `activation_beta` are not supported.");
    return;
  }
  if (auto acts = ctx.attr_strings("activations")) {
    // Compared position by position with the LSTM defaults, also for GRU.
    static const char* kDefaults[] = {"Sigmoid", "Tanh", "Tanh"};
    for (size_t i = 0; i < acts->size() && i < 3; ++i) {
      if ((*acts)[i] != kDefaults[i]) {
        out.fail("rnn.activations",
                 "The `activations` must be the default activations ([Sigmoid, Tanh, Tanh]).",
                 {{"activations", fmt::format("{}", fmt::join(*acts, ","))}});
        return;
      }
    }
  }
  if (ctx.attr("clip")) {
    out.fail("rnn.unsupported-attr", "The `clip` is not supported.", {{"clip", "set"}});
    return;
  }
  if (const auto* hs = ctx.attr("hidden_size"); hs && hs->i() != hidden) {
    out.fail("rnn.hidden-size",
             fmt::format("The `hidden_size` in attribute ({}) must be the same as the third dimension of the "
                         "recurrence weight tensor `W` ({}).",
                         hs->i(), hidden));
    return;
  }
  if (lstm) {
    int64_t forget = ctx.attr_int("input_forget", 0);
    if (forget != 0)
      out.fail("rnn.unsupported-attr",
               fmt::format("The `input_forget` ({}) must be default value(0).", forget));
    return;
  }
  int64_t lbr = ctx.attr_int("linear_before_reset", 0);
  if (lbr != 1) {
    out.fail("gru.linear-before-reset", fmt::format("The `linear_before_reset` ({}) must be 1.", lbr),
             {{"linear_before_reset", std::to_string(lbr)}});
    return;
  }
  if (ctx.has_input(4) && direction == "bidirectional")
    out.fail("rnn.sequence-lens",
             "The `sequence_lens` is not supported when `direction` is `bidirectional`.");
}

void check_lstm(const OpContext& ctx, Findings& out) { check_rnn_common(ctx, out, true); }
void check_gru(const OpContext& ctx, Findings& out) { check_rnn_common(ctx, out, false); }

// ---- Pools and Conv: padding type (getStrPaddingType) and parameter limits ----
struct Spatial {
  int64_t in_h, in_w, out_h, out_w;  // -1 when dynamic
  std::vector<int64_t> kernel, strides, pads, dilations;
  std::string auto_pad;
};

std::optional<Spatial> spatial_params(const OpContext& ctx, bool conv) {
  const ValueType* x = ctx.input(0);
  const ValueType* y = ctx.output(0);
  if (!x || !x->has_shape || x->rank() != 4) return std::nullopt;
  Spatial s;
  auto d = [](const Dim& dim) { return dim.is_static() ? dim.value : int64_t{-1}; };
  s.in_h = d(x->dims[2]);
  s.in_w = d(x->dims[3]);
  s.out_h = y && y->has_shape && y->rank() == 4 ? d(y->dims[2]) : -1;
  s.out_w = y && y->has_shape && y->rank() == 4 ? d(y->dims[3]) : -1;
  if (auto k = ctx.attr_ints("kernel_shape")) {
    s.kernel = *k;
  } else if (conv) {
    const ValueType* w = ctx.input(1);
    if (w && w->has_shape && w->rank() == 4 && w->dims[2].is_static() && w->dims[3].is_static())
      s.kernel = {w->dims[2].value, w->dims[3].value};
  }
  s.strides = ctx.attr_ints("strides").value_or(std::vector<int64_t>{1, 1});
  s.pads = ctx.attr_ints("pads").value_or(std::vector<int64_t>{0, 0, 0, 0});
  s.dilations = ctx.attr_ints("dilations").value_or(std::vector<int64_t>{1, 1});
  s.auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  // Attribute lists that do not fit a 2-D op make the model invalid; never index past them.
  if ((!s.kernel.empty() && s.kernel.size() != 2) || s.strides.size() != 2 || s.dilations.size() != 2 ||
      s.pads.size() != 4)
    return std::nullopt;
  return s;
}

int64_t ceil_div(int64_t a, int64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

// "SAME_PADDING", "VALID_PADDING" or "" (neither).
std::string padding_type(const Spatial& s) {
  if (s.auto_pad == "SAME_UPPER") return "SAME_PADDING";
  if (s.auto_pad == "SAME_LOWER") return "";
  if (s.auto_pad == "VALID") return "VALID_PADDING";
  if (s.pads.size() != 4) return "";
  if (std::all_of(s.pads.begin(), s.pads.end(), [](int64_t p) { return p == 0; })) return "VALID_PADDING";
  if (s.in_h < 0 || s.in_w < 0 || s.out_h < 0 || s.out_w < 0 || s.kernel.size() != 2 || s.strides.size() != 2)
    return "";
  if (s.out_h != ceil_div(s.in_h, s.strides[0]) || s.out_w != ceil_div(s.in_w, s.strides[1])) return "";
  int64_t ph = std::max<int64_t>((s.out_h - 1) * s.strides[0] + s.kernel[0] - s.in_h, 0);
  int64_t pw = std::max<int64_t>((s.out_w - 1) * s.strides[1] + s.kernel[1] - s.in_w, 0);
  if (s.pads[0] == ph / 2 && s.pads[1] == pw / 2 && s.pads[2] == ph - ph / 2 && s.pads[3] == pw - pw / 2)
    return "SAME_PADDING";
  return "";
}

// The pads SAME_UPPER / SAME_LOWER resolve to for static H and W (ONNX Conv
// shape inference): [h_begin, w_begin, h_end, w_end]; SAME_LOWER puts the odd
// extra pad at the beginning. Empty when kernel or strides are unknown.
std::vector<int64_t> same_pads(const Spatial& s) {
  if (s.kernel.size() != 2 || s.strides.size() != 2 || s.dilations.size() != 2) return {};
  std::vector<int64_t> begin(2), end(2);
  const int64_t in[2] = {s.in_h, s.in_w};
  for (size_t i = 0; i < 2; ++i) {
    int64_t stride = s.strides[i] > 0 ? s.strides[i] : 1;
    int64_t out = ceil_div(in[i], stride);
    int64_t total = std::max<int64_t>((out - 1) * stride + (s.kernel[i] - 1) * s.dilations[i] + 1 - in[i], 0);
    begin[i] = s.auto_pad == "SAME_LOWER" ? total - total / 2 : total / 2;
    end[i] = total - begin[i];
  }
  return {begin[0], begin[1], end[0], end[1]};
}

const char* kPaddingMessage =
    "Padding type must be `SAME_PADDING` or `VALID_PADDING`, but it is neither of them. When attribute "
    "`auto_pad` is "
    "`NOTSET`, padding is computed from input dimention etc, but when input has unknown dimensions, it can't "
    "be "
    "computed.";

// meetPoolParamRestrictions for one axis. Returns false after reporting.
bool pool_axis_ok(const OpContext& ctx, Findings& out, int64_t in, int64_t k, int64_t stride, int64_t o,
                  const std::string& padding) {
  (void)ctx;
  if (stride == 0) {
    if (in != k) {
      out.fail("pool.params",
               fmt::format("When the strides is zero, both input tensor's Height or Width dimension "
                           "({})  and the kernel_height or width ({}) must match.",
                           in, k));
      return false;
    }
    if (in > 1024) {
      out.fail("pool.params",
               fmt::format("When the strides is zero, the inputShape and kernelShape ({}) must be "
                           "less than or equal to 1024.",
                           in));
      return false;
    }
    if (o != 1) {
      out.fail(
          "pool.params",
          fmt::format("When the strides is zero, output tensor's height or width dimensions ({}) must be 1.",
                      o));
      return false;
    }
    if (padding != "VALID_PADDING") {
      out.fail("pool.params",
               fmt::format("When the strides is zero, padding type ({}) must be VALID_PADDING.", padding));
      return false;
    }
    return true;
  }
  if (k > 64) {
    out.fail("pool.params",
             fmt::format("When the strides ({}) are greater than zero, the kernel_width and "
                         "kernel_height ({}) must be less than or equal to 64.",
                         stride, k),
             {{"kernel", std::to_string(k)}});
    return false;
  }
  if (in > 1024) {
    out.fail("pool.params",
             fmt::format(
                 "When the strides is zero, the inputShape and kernelShape ({}) must be less than or equal "
                 "to 1024.",
                 in),
             {{"input", std::to_string(in)}});
    return false;
  }
  int64_t req = padding == "SAME_PADDING" ? ceil_div(in, stride) : ceil_div(in - k + 1, stride);
  if (o != req) {
    out.fail("pool.params",
             fmt::format("When the strides ({}) and the padding type is {}, output tensor's height or width "
                         "dimensions ({}) must be equal with {} (={}).",
                         stride, padding == "SAME_PADDING" ? "`SAME_PADDING`" : "VALID_PADDING", o,
                         padding == "SAME_PADDING" ? "ceil((float)inputShape / strides))"
                                                   : "ceil((float)(inputShape - kernelShape + 1) / strides))",
                         req));
    return false;
  }
  return true;
}

void check_pool_common(const OpContext& ctx, Findings& out) {
  const ValueType* x = ctx.input(0);
  const ValueType* y = ctx.output(0);
  int rin = x && x->has_shape ? x->rank() : -1, rout = y && y->has_shape ? y->rank() : -1;
  if (rin != 4 || rout != 4) {
    out.fail(
        "pool.rank",
        fmt::format(
            "4D tensors(N x C x H x W) are supported as input and output, but the input dim size ({}) is "
            "not 4, or output dim size ({}) is not 4.",
            rin, rout),
        {{"input rank", std::to_string(rin)}, {"output rank", std::to_string(rout)}});
    return;
  }
  if (ctx.attr_int("ceil_mode", 0) != 0) {
    out.fail("pool.ceil-mode", "ceil_mode not supported", {{"ceil_mode", "1"}});
    return;
  }
  auto params = spatial_params(ctx, false);
  if (!params) {
    out.fail("pool.params",
             "kernel_shape, strides, pads or dilations do not have the lengths of a 2-D pooling.");
    return;
  }
  const Spatial& s = *params;
  std::string padding = padding_type(s);
  if (padding.empty()) {
    out.fail("pool.padding", kPaddingMessage, {{"auto_pad", s.auto_pad}});
    return;
  }
  if (!same_dim(x->dims[0], y->dims[0]) || !same_dim(x->dims[1], y->dims[1])) {
    out.fail("pool.batch-channel",
             "Batch or channel dimension of the input and output tensors are not the same.",
             {{"X", dims_text(x)}, {"Y", dims_text(y)}});
    return;
  }
  if (s.kernel.size() != 2) {
    out.fail("pool.kernel", "The kernel_shape must be static value.");
    return;
  }
  if (s.in_h < 0 || s.in_w < 0 || s.out_h < 0 || s.out_w < 0) {
    out.fail(
        "pool.dynamic-hw",
        "Height and/or width have dynamic dimensions. They are not supported. Use "
        "--nnpa-disable-shape-restriction to assume dynamic shapes will satisfy NNPA constraints at runtime.",
        {{"X", dims_text(x)}}, "Bind the input shape with --input-shape so H and W are static.");
    return;
  }
  if (!pool_axis_ok(ctx, out, s.in_h, s.kernel[0], s.strides[0], s.out_h, padding)) return;
  pool_axis_ok(ctx, out, s.in_w, s.kernel[1], s.strides[1], s.out_w, padding);
}

void check_max_pool(const OpContext& ctx, Findings& out) {
  if (ctx.node().output_count > 1 && !ctx.node().output_name(1).empty()) {
    out.fail("maxpool.indices",
             "MaxPool with an Indices output has no NNPA lowering (only MaxPoolSingleOut).",
             {{"outputs", "2"}});
    return;
  }
  check_pool_common(ctx, out);
  if (out.failed()) return;
  auto dil = ctx.attr_ints("dilations").value_or(std::vector<int64_t>{1, 1});
  if (std::any_of(dil.begin(), dil.end(), [](int64_t v) { return v != 1; }))
    out.fail(
        "pool.dilations",
        fmt::format("The `dilations` ({}) is not supported. Only default `dilations` (1, 1) is supported.",
                    fmt::join(dil, ", ")));
}

void check_average_pool(const OpContext& ctx, Findings& out) {
  int64_t cip = ctx.attr_int("count_include_pad", 0);
  if (cip != 0) {
    out.fail("avgpool.count-include-pad",
             fmt::format("`count_include_pad` ({}) must be default one (0).", cip),
             {{"count_include_pad", std::to_string(cip)}});
    return;
  }
  check_pool_common(ctx, out);
}

// checkConv2DParamRestrictions for one axis (main; v0.5.0.1 differs).
bool conv_axis_ok(Findings& out, int64_t in, int64_t k, int64_t stride, int64_t o,
                  const std::string& padding) {
  if (stride == 0) {
    if (padding != "VALID_PADDING") {
      out.fail(
          "conv.params",
          fmt::format("When the strides (0) is zero, padding type ({}) must be VALID_PADDING.", padding));
      return false;
    }
    if (in < 0 || o < 0) {
      out.fail("conv.dynamic-hw",
               "Height and/or width have dynamic dimensions. They are not supported for the VALID padding "
               "mode. Use "
               "--nnpa-disable-shape-restriction to assume dynamic shapes will satisfy NNPA constraints at "
               "runtime.");
      return false;
    }
    if (in != k || in > 448 || o != 1) {
      out.fail("conv.params",
               fmt::format(
                   "When the strides (0) is zero, the input ({}) must equal the kernel ({}), be at most 448, "
                   "and the output ({}) must be 1.",
                   in, k, o));
      return false;
    }
    return true;
  }
  if (stride > 13) {
    out.fail("conv.params", fmt::format("When the strides ({}) must be less than or equal to 13.", stride),
             {{"stride", std::to_string(stride)}});
    return false;
  }
  if (k > 64) {
    out.fail("conv.params",
             fmt::format(
                 "When the strides ({}) is greater than zero and less than or equal to 13, kernel_width and "
                 "kernel_height ({}) must be less than or equal to 64.",
                 stride, k),
             {{"kernel", std::to_string(k)}});
    return false;
  }
  if (padding == "VALID_PADDING") {
    if (in < 0) {
      out.fail("conv.dynamic-hw",
               "Height and/or width have dynamic dimensions. They are not supported for the VALID padding "
               "mode. Use "
               "--nnpa-disable-shape-restriction to assume dynamic shapes will satisfy NNPA constraints at "
               "runtime.",
               {}, "Bind the input shape with --input-shape so H and W are static.");
      return false;
    }
    if (in < k) {
      out.fail("conv.params",
               fmt::format(
                   "When the strides ({}) is greater than zero and less than or equal to 13 and the padding "
                   "type is VALID_PADDING, input tensor's height or width dimensions ({}) must be less than "
                   "kernel height or width dimension ({}).",
                   stride, in, k));
      return false;
    }
  }
  return true;
}

// isSuitableForZDNN<ONNXConvOp> on given parameters.
void check_conv_params(const OpContext& ctx, const Spatial& s, Findings& out) {
  int64_t group = ctx.attr_int("group", 1);
  if (group != 1) {
    out.fail("conv.group", "`group` must be 1 (default).", {{"group", std::to_string(group)}},
             "Grouped and depthwise convolutions run on the CPU; a group=1 convolution would run on NNPA.");
    return;
  }
  if (s.dilations.size() != 2 || s.dilations[0] != 1 || s.dilations[1] != 1) {
    out.fail(
        "conv.dilations",
        fmt::format("The `dilations` ({}) is not supported. Only default `dilations` (1, 1) is supported.",
                    fmt::join(s.dilations, ", ")),
        {{"dilations", fmt::format("{}", fmt::join(s.dilations, ","))}});
    return;
  }
  std::string padding = padding_type(s);
  if (padding.empty()) {
    out.fail("conv.padding", kPaddingMessage,
             {{"auto_pad", s.auto_pad}, {"pads", fmt::format("{}", fmt::join(s.pads, ","))}});
    return;
  }
  if (s.kernel.size() != 2) {
    out.fail("conv.kernel", "The kernel_shape must be static value.");
    return;
  }
  if (s.strides.size() != 2) return;
  if (!conv_axis_ok(out, s.in_h, s.kernel[0], s.strides[0], s.out_h, padding)) return;
  conv_axis_ok(out, s.in_w, s.kernel[1], s.strides[1], s.out_w, padding);
}

void check_conv(const OpContext& ctx, Findings& out) {
  const ValueType* x = ctx.input(0);
  const ValueType* y = ctx.output(0);
  int rin = x && x->has_shape ? x->rank() : -1, rout = y && y->has_shape ? y->rank() : -1;
  if (rin != 4 || rout != 4) {
    out.fail(
        "conv.rank",
        fmt::format(
            "4D tensors(N x C x H x W) are supported as input and output, but the input dim size ({}) is "
            "not 4, or output dim size ({}) is not 4.",
            rin, rout),
        {{"input rank", std::to_string(rin)}, {"output rank", std::to_string(rout)}},
        "Conv1D and Conv3D run on the CPU; only 2-D convolutions (NCHW) go to NNPA.");
    return;
  }
  auto params = spatial_params(ctx, true);
  if (!params) {
    out.fail("conv.params",
             "kernel_shape, strides, pads or dilations do not have the lengths of a 2-D convolution.");
    return;
  }
  const Spatial& s = *params;
  Findings direct;
  check_conv_params(ctx, s, direct);
  if (!direct.failed()) return;
  // RewriteONNXForZHigh: Conv with literal pads, static H/W and auto_pad != VALID
  // becomes onnx.Pad (CPU) + VALID Conv. canInferencePadsForNNPAConv takes the
  // pads from the Conv shape helper, so SAME_UPPER/SAME_LOWER pads count as
  // the values they resolve to, not the (absent) attribute.
  std::vector<int64_t> pads = s.pads;
  if ((s.auto_pad == "SAME_UPPER" || s.auto_pad == "SAME_LOWER") && s.in_h >= 0 && s.in_w >= 0)
    pads = same_pads(s);
  bool literal_pads = pads.size() == 4;
  if (literal_pads && s.auto_pad != "VALID" && s.in_h >= 0 && s.in_w >= 0 && padding_type(s).empty()) {
    Spatial padded = s;
    padded.in_h = s.in_h + pads[0] + pads[2];
    padded.in_w = s.in_w + pads[1] + pads[3];
    padded.pads = {0, 0, 0, 0};
    padded.auto_pad = "NOTSET";
    Findings after_pad;
    check_conv_params(ctx, padded, after_pad);
    if (!after_pad.failed()) {
      out.note(fmt::format("rescued: pads [{}] moved to an onnx.Pad on the CPU, the VALID Conv runs on NNPA",
                           fmt::join(pads, ",")));
      return;
    }
  }
  // Conv -> MatMul (on by default): 1x1 convs, or Im2Col + MatMul.
  int64_t group = ctx.attr_int("group", 1);
  bool unit = s.kernel.size() == 2 && s.kernel[0] == 1 && s.kernel[1] == 1 && group == 1 &&
              std::all_of(s.strides.begin(), s.strides.end(), [](int64_t v) { return v == 1; }) &&
              std::all_of(s.dilations.begin(), s.dilations.end(), [](int64_t v) { return v == 1; }) &&
              std::all_of(s.pads.begin(), s.pads.end(), [](int64_t v) { return v == 0; });
  if (unit) {
    out.note("rescued: 1x1 Conv rewritten to MatMul on NNPA (--disable-conv-to-matmul turns this off)");
    return;
  }
  bool weight_static = ctx.input_is_constant(1) && is_static(ctx.input(1));
  bool batch_one = x->dims[0].is_static() && x->dims[0].value == 1;
  if (group == 1 && weight_static && (ctx.march() == March::Z17 || batch_one)) {
    out.note("rescued: Conv rewritten to Im2Col (CPU) + MatMul on NNPA");
    return;
  }
  for (auto& r : direct.reasons()) out.fail(r.rule, r.message, r.values, r.hint);
}

// ConvTranspose is decomposed into UpsampleAndPad + Conv; that Conv follows the Conv rules.
void check_conv_transpose(const OpContext& ctx, Findings& out) {
  const ValueType* x = ctx.input(0);
  const ValueType* w = ctx.input(1);
  if (!x || !x->has_shape || x->rank() != 4) {
    out.fail("conv.rank",
             "1D and 3D ConvTranspose are not supported because Conv1D and Conv3D are not supported in "
             "zDNN.",
             {{"rank", std::to_string(x && x->has_shape ? x->rank() : -1)}});
    return;
  }
  if (!x->dims[2].is_static() || !x->dims[3].is_static() || !is_static(w)) {
    out.fail("convtranspose.static",
             "ConvTranspose is decomposed for NNPA only when X and W have static spatial dimensions.",
             {{"X", dims_text(x)}, {"W", dims_text(w)}},
             "Bind the input shape with --input-shape so H and W are static.");
    return;
  }
  if (ctx.attr_int("group", 1) != 1) {
    out.fail("conv.group", "`group` must be 1 (default).",
             {{"group", std::to_string(ctx.attr_int("group", 1))}});
    return;
  }
  auto dil = ctx.attr_ints("dilations").value_or(std::vector<int64_t>{1, 1});
  if (std::any_of(dil.begin(), dil.end(), [](int64_t v) { return v != 1; })) {
    out.fail("conv.dilations",
             "non-default `dilations` not supported because dilated convolution not supported in "
             "zDNN.");
    return;
  }
  out.note("rescued: ConvTranspose decomposed to UpsampleAndPad + weight transform + Conv on NNPA");
}

// ---- BatchNormalization (inference mode) -------------------------------------
void check_batch_norm(const OpContext& ctx, Findings& out) {
  const ValueType* x = ctx.input(0);
  const ValueType* y = ctx.output(0);
  int rin = x && x->has_shape ? x->rank() : -1, rout = y && y->has_shape ? y->rank() : -1;
  if (rin != 4 || rout != 4) {
    out.fail("batchnorm.rank",
             fmt::format("The rank of input `X` ({}) and that of output `Y` ({})  must be 4.", rin, rout),
             {{"X rank", std::to_string(rin)}});
    return;
  }
  if (ctx.attr_int("training_mode", 0) != 0 ||
      (ctx.node().output_count > 1 && !ctx.node().output_name(1).empty())) {
    out.fail("batchnorm.training", "Only inference-mode BatchNormalization (one output) is lowered to NNPA.");
  }
}

// ---- Pow: rewritten to Muls when the exponent is a small integer constant -------
void check_pow(const OpContext& ctx, Findings& out) {
  auto exponent = ctx.input_floats(1);
  if (!exponent || exponent->size() != 1) {
    out.fail(
        "pow.exponent",
        "Pow has no NNPA lowering; it reaches NNPA only as a chain of Muls when the exponent is a constant "
        "scalar integer between 0 and 64.",
        {{"exponent", exponent ? fmt::format("{} values", exponent->size()) : "not constant"}},
        "Use a constant scalar integer exponent (0..64), or write x*x for squares.");
    return;
  }
  double e = (*exponent)[0];
  if (e != std::floor(e) || e < 0 || e > 64) {
    out.fail("pow.exponent",
             fmt::format(
                 "Pow has no NNPA lowering; the exponent {:g} is not an integer between 0 and 64, so it is "
                 "not rewritten to Muls.",
                 e),
             {{"exponent", fmt::format("{:g}", e)}});
    return;
  }
  out.note(fmt::format("rescued: Pow(x, {:g}) rewritten to a chain of Muls (PowToMulRewritePattern)", e));
}

// ---- MatMulInteger / QLinearMatMul (z17) --------------------------------------
bool is_scalar_like(const ValueType* t) {
  if (!t) return true;  // absent zero point = 0, a scalar
  if (!t->has_shape) return false;
  for (const auto& d : t->dims)
    if (!d.is_static() || d.value != 1) return false;
  return true;
}

void check_quant_matmul_ranks(const OpContext& ctx, int a_idx, int b_idx, Findings& out) {
  const ValueType* a = ctx.input(a_idx);
  const ValueType* b = ctx.input(b_idx);
  if (!a || !b || !a->has_shape || !b->has_shape) {
    out.fail("nnpa.shape-unknown", "A or B is unranked.");
    return;
  }
  int ra = a->rank(), rb = b->rank();
  if (!((ra == 2 && rb == 2) || (ra == 3 && rb == 3) || (ra == 3 && rb == 2)))
    out.fail("matmul.ranks", fmt::format("Dim size of A({}) and B({}) is not supported.", ra, rb));
}

void check_matmul_integer(const OpContext& ctx, Findings& out) {
  if (!is_scalar_like(ctx.has_input(2) ? ctx.input(2) : nullptr)) {
    out.fail("quant.per-tensor", "A's zeropoint is not scalar");
    return;
  }
  if (!is_scalar_like(ctx.has_input(3) ? ctx.input(3) : nullptr)) {
    out.fail("quant.per-tensor", "B's zeropoint is not scalar");
    return;
  }
  check_quant_matmul_ranks(ctx, 0, 1, out);
}

void check_qlinear_matmul(const OpContext& ctx, Findings& out) {
  auto type = [&](int i) { return ctx.input(i) ? ctx.input(i)->elem_type : 0; };
  auto is_i8 = [](int32_t t) { return t == onnx::TensorProto::INT8 || t == onnx::TensorProto::UINT8; };
  const ValueType* y = ctx.output(0);
  if (type(1) != onnx::TensorProto::FLOAT || type(4) != onnx::TensorProto::FLOAT ||
      type(6) != onnx::TensorProto::FLOAT) {
    out.fail("quant.types", "A or B or Y's scale is not f32");
    return;
  }
  if (!is_i8(type(0)) || !is_i8(type(3)) || !y || !is_i8(y->elem_type)) {
    out.fail("quant.types", "A, B and Y must be i8 or ui8.");
    return;
  }
  if (!is_scalar_like(ctx.input(1)) || !is_scalar_like(ctx.input(4)) || !is_scalar_like(ctx.input(2)) ||
      !is_scalar_like(ctx.input(5))) {
    out.fail("quant.per-tensor", "Not per-tensor quantization");
    return;
  }
  check_quant_matmul_ranks(ctx, 0, 3, out);
}

// ---- Elementwise unary ops with a z16 neighbour-dependent path ------------------
// Softplus (z16+) and LeakyRelu / Sqrt on z16 go to NNPA only between NNPA ops;
// the engine's neighbour pass decides. Nothing more to check here.

// Spec table, sorted by op name. typed_inputs lists the operands onnx-mlir
// passes to isValidElementTypeAndRank; empty means all of them, kNoTypedInputs
// none (the op's check does its own type checks).
const std::vector<OpSpec>& specs() {
  static const std::vector<OpSpec> kSpecs = {
      {"Add", {0, 1}, true, check_binary_elementwise},
      {"AveragePool", {0}, true, check_average_pool},
      {"BatchNormalization", {0}, true, check_batch_norm},
      {"Conv", {0, 1, 2}, true, check_conv},
      {"ConvTranspose", {0, 1, 2}, true, check_conv_transpose},
      {"Div", {0, 1}, true, check_binary_elementwise},
      {"Exp", {0}, true, nullptr},
      {"GRU", {1, 2, 3}, true, check_gru},
      {"Gelu", {0}, true, nullptr},
      {"Gemm", {0, 1, 2}, true, check_gemm},
      {"GlobalAveragePool", {0}, true, check_global_average_pool},
      {"LSTM", {1, 2, 3}, true, check_lstm},
      {"LeakyRelu", {0}, true, nullptr},
      {"Log", {0}, true, nullptr},
      {"LogSoftmax", {kNoTypedInputs}, false, check_softmax},
      {"MatMul", {kNoTypedInputs}, false, check_matmul_all},
      {"MatMulInteger", {kNoTypedInputs}, true, check_matmul_integer},
      {"Max", {}, true, check_min_max},
      {"MaxPool", {0}, true, check_max_pool},
      {"Min", {}, true, check_min_max},
      {"Mul", {0, 1}, true, check_binary_elementwise},
      {"Pow", {0}, true, check_pow},
      {"QLinearMatMul", {kNoTypedInputs}, true, check_qlinear_matmul},
      {"ReduceMax", {0}, true, check_reduce_max_min},
      {"ReduceMean", {0}, true, check_reduce_mean},
      {"ReduceMin", {0}, true, check_reduce_max_min},
      {"Relu", {0}, true, nullptr},
      {"Sigmoid", {0}, true, nullptr},
      {"Softmax", {kNoTypedInputs}, false, check_softmax},
      {"Softplus", {0}, true, nullptr},
      {"Sqrt", {0}, true, nullptr},
      {"Sub", {0, 1}, true, check_binary_elementwise},
      {"Sum", {}, true, check_sum},
      {"Tanh", {0}, true, nullptr},
  };
  return kSpecs;
}

}  // namespace

const OpSpec* find_op_spec(std::string_view op) {
  const auto& all = specs();
  auto it = std::lower_bound(all.begin(), all.end(), op,
                             [](const OpSpec& s, std::string_view o) { return s.op < o; });
  return it != all.end() && it->op == op ? &*it : nullptr;
}

}  // namespace zonnx::rules
