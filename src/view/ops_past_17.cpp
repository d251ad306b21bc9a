#include "view/ops_past_17.h"

#include <onnx/defs/shape_inference.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "view/tensor_data.h"

namespace zonnx::view {

namespace {

using onnx::InferenceContext;
using onnx::TensorProto;
using onnx::TensorShapeProto;
using onnx::TypeProto;
using Dimension = TensorShapeProto::Dimension;

// Shape-like inputs (axes, pads, sizes) are small; anything larger is not read.
constexpr int64_t kMaxConstElements = 4096;

// ---------------------------------------------------------------------------
// Small accessors over InferenceContext that never throw for absent inputs.

const TypeProto* input_type(InferenceContext& ctx, size_t i) {
  return i < ctx.getNumInputs() ? ctx.getInputType(i) : nullptr;
}

// An optional input is "given" when the node lists it with a type or data.
// (An empty name and an input of unknown type both look absent here; callers
// treat "not given but listed" conservatively.)
bool given(InferenceContext& ctx, size_t i) {
  return i < ctx.getNumInputs() && (ctx.getInputType(i) != nullptr || ctx.getInputData(i) != nullptr);
}

const TensorShapeProto* shape_of(InferenceContext& ctx, size_t i) {
  const TypeProto* t = input_type(ctx, i);
  if (!t || t->value_case() != TypeProto::kTensorType || !t->tensor_type().has_shape()) return nullptr;
  return &t->tensor_type().shape();
}

int32_t elem_of(InferenceContext& ctx, size_t i) {
  const TypeProto* t = input_type(ctx, i);
  if (!t || t->value_case() != TypeProto::kTensorType) return 0;
  return t->tensor_type().elem_type();
}

bool has_output(InferenceContext& ctx, size_t o) { return o < ctx.getNumOutputs(); }

void set_elem(InferenceContext& ctx, size_t o, int32_t elem) {
  if (!has_output(ctx, o)) return;
  auto* t = ctx.getOutputType(o)->mutable_tensor_type();
  if (elem != 0) t->set_elem_type(elem);
}

TensorShapeProto* out_shape(InferenceContext& ctx, size_t o) {
  return ctx.getOutputType(o)->mutable_tensor_type()->mutable_shape();
}

void set_shape(InferenceContext& ctx, size_t o, const TensorShapeProto& shape) {
  if (has_output(ctx, o)) *out_shape(ctx, o) = shape;
}

// A shape of `rank` unknown dims.
TensorShapeProto unknown_shape(int rank) {
  TensorShapeProto s;
  for (int i = 0; i < rank; ++i) s.add_dim();
  return s;
}

void clear_dim(TensorShapeProto& s, int i) { s.mutable_dim(i)->Clear(); }

int64_t attr_int(InferenceContext& ctx, const char* name, int64_t def) {
  const auto* a = ctx.getAttribute(name);
  return a && a->has_i() ? a->i() : def;
}

bool has_attr(InferenceContext& ctx, const char* name) { return ctx.getAttribute(name) != nullptr; }

std::string attr_string(InferenceContext& ctx, const char* name, const std::string& def) {
  const auto* a = ctx.getAttribute(name);
  return a && a->has_s() ? a->s() : def;
}

std::optional<std::vector<int64_t>> attr_ints(InferenceContext& ctx, const char* name) {
  const auto* a = ctx.getAttribute(name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

// Integer contents of an input: inline constant data, or values computed by
// onnx's data propagation when every one of them is known.
std::optional<std::vector<int64_t>> const_ints(InferenceContext& ctx, size_t i) {
  if (i >= ctx.getNumInputs()) return std::nullopt;
  if (const TensorProto* t = ctx.getInputData(i)) {
    if (payload_outside_proto(*t)) return std::nullopt;
    return decode_ints(*t, inline_payload(*t), kMaxConstElements);
  }
  if (const TensorShapeProto* s = ctx.getSymbolicInput(i)) {
    if (s->dim_size() > kMaxConstElements) return std::nullopt;
    std::vector<int64_t> v;
    for (const auto& d : s->dim()) {
      if (!d.has_dim_value()) return std::nullopt;
      v.push_back(d.dim_value());
    }
    return v;
  }
  return std::nullopt;
}

std::optional<std::vector<double>> const_floats(InferenceContext& ctx, size_t i) {
  if (i >= ctx.getNumInputs()) return std::nullopt;
  const TensorProto* t = ctx.getInputData(i);
  if (!t || payload_outside_proto(*t)) return std::nullopt;
  return decode_floats(*t, inline_payload(*t), kMaxConstElements);
}

// Normalises `axis` against `rank`; fails inference when it is out of range.
int normalize_axis(int64_t axis, int rank, const char* what) {
  if (axis < -rank || axis >= rank) fail_shape_inference(what, " ", axis, " is out of range for rank ", rank);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank, const char* what) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, what));
  return out;
}

std::vector<int> all_axes(int rank) {
  std::vector<int> v(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// ---------------------------------------------------------------------------
// Element-wise families.

void infer_same(InferenceContext& ctx) {
  const TypeProto* t = input_type(ctx, 0);
  if (t && has_output(ctx, 0)) *ctx.getOutputType(0) = *t;
}

void infer_like(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 1));
  if (const auto* s = shape_of(ctx, 0)) set_shape(ctx, 0, *s);
}

void infer_bool_same(InferenceContext& ctx) {
  set_elem(ctx, 0, TensorProto::BOOL);
  if (const auto* s = shape_of(ctx, 0)) set_shape(ctx, 0, *s);
}

void infer_broadcast(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  std::vector<const TensorShapeProto*> shapes;
  int rank = 0;
  for (size_t i = 0; i < ctx.getNumInputs(); ++i) {
    const auto* s = shape_of(ctx, i);
    if (!s) return;
    shapes.push_back(s);
    rank = std::max(rank, s->dim_size());
  }
  TensorShapeProto out;
  for (int k = 0; k < rank; ++k) {  // k-th dim of the result, aligned from the right
    int64_t value = 1;
    bool conflict = false;
    std::vector<const Dimension*> dynamic;
    for (const auto* s : shapes) {
      int j = s->dim_size() - rank + k;
      if (j < 0) continue;
      const Dimension& d = s->dim(j);
      if (d.has_dim_value()) {
        if (d.dim_value() == 1) continue;
        if (value != 1 && value != d.dim_value()) conflict = true;
        value = d.dim_value();
      } else {
        dynamic.push_back(&d);
      }
    }
    if (conflict) fail_shape_inference("Incompatible dimensions for broadcasting");
    Dimension* o = out.add_dim();
    if (value != 1) {
      o->set_dim_value(value);
    } else if (dynamic.empty()) {
      o->set_dim_value(1);
    } else {
      // Only one distinct named dim (the rest being 1) is certain.
      bool same = dynamic.front()->has_dim_param();
      for (const auto* d : dynamic)
        same = same && d->has_dim_param() && d->dim_param() == dynamic.front()->dim_param();
      if (same) *o = *dynamic.front();
    }
  }
  set_shape(ctx, 0, out);
}

// ---------------------------------------------------------------------------
// Reductions with axes as an input (Reduce*-18, ReduceMax/Min-20).

void infer_reduce(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in) return;
  const int rank = in->dim_size();
  const bool keepdims = attr_int(ctx, "keepdims", 1) != 0;
  const bool noop = attr_int(ctx, "noop_with_empty_axes", 0) != 0;
  std::vector<int> axes;
  if (ctx.getNumInputs() > 1 && given(ctx, 1)) {
    auto values = const_ints(ctx, 1);
    if (!values) {
      // Axes computed at run time: only the rank is known, and only with keepdims.
      if (keepdims) set_shape(ctx, 0, unknown_shape(rank));
      return;
    }
    axes = normalize_axes(*values, rank, "axis");
  }
  if (axes.empty()) {
    if (noop) {
      set_shape(ctx, 0, *in);
      return;
    }
    axes = all_axes(rank);
  }
  TensorShapeProto out;
  for (int i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) != axes.end()) {
      if (keepdims) out.add_dim()->set_dim_value(1);
    } else {
      *out.add_dim() = in->dim(i);
    }
  }
  set_shape(ctx, 0, out);
}

// ---------------------------------------------------------------------------
// Split-18.

void infer_split(InferenceContext& ctx) {
  const size_t n = ctx.getNumOutputs();
  for (size_t o = 0; o < n; ++o) set_elem(ctx, o, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in || n == 0) return;
  const int axis = normalize_axis(attr_int(ctx, "axis", 0), in->dim_size(), "axis");
  const Dimension& d = in->dim(axis);
  std::vector<std::optional<int64_t>> sizes(n);
  if (ctx.getNumInputs() > 1 && given(ctx, 1)) {
    if (auto split = const_ints(ctx, 1)) {
      if (split->size() != n)
        fail_shape_inference("split has ", split->size(), " entries for ", n, " outputs");
      int64_t sum = 0;
      for (size_t o = 0; o < n; ++o) {
        if ((*split)[o] < 0) fail_shape_inference("split sizes must be >= 0");
        sizes[o] = (*split)[o];
        sum += (*split)[o];
      }
      if (d.has_dim_value() && sum != d.dim_value())
        fail_shape_inference("split sizes sum to ", sum, ", dimension is ", d.dim_value());
    }
  } else if (has_attr(ctx, "num_outputs")) {
    const int64_t k = attr_int(ctx, "num_outputs", 0);
    if (k < 1 || static_cast<size_t>(k) != n)
      fail_shape_inference("num_outputs ", k, " does not match the node's ", n, " outputs");
    if (d.has_dim_value()) {
      const int64_t chunk = ceil_div(d.dim_value(), k);
      const int64_t last = d.dim_value() - chunk * (k - 1);
      if (last >= 0) {
        for (size_t o = 0; o + 1 < n; ++o) sizes[o] = chunk;
        sizes[n - 1] = last;
      }
    }
  } else if (d.has_dim_value() && d.dim_value() % static_cast<int64_t>(n) == 0) {
    for (auto& s : sizes) s = d.dim_value() / static_cast<int64_t>(n);
  }
  for (size_t o = 0; o < n; ++o) {
    TensorShapeProto s = *in;
    if (sizes[o])
      s.mutable_dim(axis)->set_dim_value(*sizes[o]);
    else
      clear_dim(s, axis);
    set_shape(ctx, o, s);
  }
}

// ---------------------------------------------------------------------------
// Pad-18+ (pads, constant_value, axes inputs).

void infer_pad(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in) return;
  const int rank = in->dim_size();
  TensorShapeProto out = *in;
  std::vector<int> axes = all_axes(rank);
  if (ctx.getNumInputs() > 3 && given(ctx, 3)) {
    auto values = const_ints(ctx, 3);
    if (!values) {
      set_shape(ctx, 0, unknown_shape(rank));
      return;
    }
    axes = normalize_axes(*values, rank, "axis");
  }
  auto pads = const_ints(ctx, 1);
  if (!pads) {
    for (int a : axes) clear_dim(out, a);
    set_shape(ctx, 0, out);
    return;
  }
  const size_t n = axes.size();
  if (pads->size() != 2 * n) fail_shape_inference("pads has ", pads->size(), " values for ", n, " axes");
  for (size_t i = 0; i < n; ++i) {
    const int a = axes[i];
    const int64_t begin = (*pads)[i], end = (*pads)[i + n];
    const Dimension& d = in->dim(a);
    if (d.has_dim_value()) {
      const int64_t v = d.dim_value() + begin + end;
      if (v < 0) fail_shape_inference("padding makes dimension ", a, " negative");
      out.mutable_dim(a)->set_dim_value(v);
    } else if (begin != 0 || end != 0) {
      clear_dim(out, a);
    }
  }
  set_shape(ctx, 0, out);
}

// ---------------------------------------------------------------------------
// Resize-18+ (axes, keep_aspect_ratio_policy).

void infer_resize(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in) return;
  const int rank = in->dim_size();
  std::vector<int> axes = all_axes(rank);
  if (auto a = attr_ints(ctx, "axes"); a && !a->empty()) axes = normalize_axes(*a, rank, "axis");
  TensorShapeProto out = *in;
  auto unknown_axes = [&] {
    for (int a : axes) clear_dim(out, a);
  };
  const bool sizes_given = ctx.getNumInputs() > 3 && given(ctx, 3);
  auto sizes = sizes_given ? const_ints(ctx, 3) : std::nullopt;
  auto scales = ctx.getNumInputs() > 2 ? const_floats(ctx, 2) : std::nullopt;
  if (scales && scales->empty()) scales.reset();  // opset 13 style: empty scales next to sizes
  if (sizes && !sizes->empty()) {
    if (sizes->size() != axes.size())
      fail_shape_inference("sizes has ", sizes->size(), " values for ", axes.size(), " axes");
    const std::string policy = attr_string(ctx, "keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (size_t i = 0; i < axes.size(); ++i) out.mutable_dim(axes[i])->set_dim_value((*sizes)[i]);
    } else if (policy == "not_larger" || policy == "not_smaller") {
      double scale = policy == "not_larger" ? 1e300 : 0.0;
      bool known = true;
      for (size_t i = 0; i < axes.size(); ++i) {
        const Dimension& d = in->dim(axes[i]);
        if (!d.has_dim_value() || d.dim_value() == 0) {
          known = false;
          break;
        }
        const double s = static_cast<double>((*sizes)[i]) / static_cast<double>(d.dim_value());
        scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
      }
      if (!known) {
        unknown_axes();
      } else {
        for (int a : axes) {
          const double v = std::floor(scale * static_cast<double>(in->dim(a).dim_value()) + 0.5);
          out.mutable_dim(a)->set_dim_value(static_cast<int64_t>(v));
        }
      }
    } else {
      fail_shape_inference("unknown keep_aspect_ratio_policy ", policy);
    }
  } else if (scales) {
    if (scales->size() != axes.size())
      fail_shape_inference("scales has ", scales->size(), " values for ", axes.size(), " axes");
    const bool crop =
        attr_string(ctx, "coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize";
    for (size_t i = 0; i < axes.size(); ++i) {
      const Dimension& d = in->dim(axes[i]);
      const auto scale = static_cast<float>((*scales)[i]);
      if (crop) {
        clear_dim(out, axes[i]);  // depends on roi
      } else if (d.has_dim_value()) {
        // float arithmetic, as onnx's own inference and runtimes compute it
        const float v = std::floor(static_cast<float>(d.dim_value()) * scale);
        out.mutable_dim(axes[i])->set_dim_value(static_cast<int64_t>(v));
      } else if (scale != 1.0f) {
        clear_dim(out, axes[i]);
      }
    }
  } else {
    unknown_axes();
  }
  set_shape(ctx, 0, out);
}

// ---------------------------------------------------------------------------
// Pooling with dilations and ceil_mode (LpPool-18, AveragePool-19, and -22).

void infer_pool(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in) return;
  const int rank = in->dim_size();
  if (rank < 2) fail_shape_inference("pooling input must have rank >= 2");
  const auto spatial = static_cast<size_t>(rank - 2);
  auto kernel = attr_ints(ctx, "kernel_shape");
  if (!kernel || kernel->size() != spatial)
    fail_shape_inference("kernel_shape must have ", spatial, " values");
  auto strides = attr_ints(ctx, "strides").value_or(std::vector<int64_t>(spatial, 1));
  auto dilations = attr_ints(ctx, "dilations").value_or(std::vector<int64_t>(spatial, 1));
  auto pads = attr_ints(ctx, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
  if (strides.empty()) strides.assign(spatial, 1);
  if (dilations.empty()) dilations.assign(spatial, 1);
  if (pads.empty()) pads.assign(2 * spatial, 0);
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial)
    fail_shape_inference("strides, dilations or pads do not match the kernel rank");
  const std::string auto_pad = attr_string(ctx, "auto_pad", "NOTSET");
  const bool ceil_mode = attr_int(ctx, "ceil_mode", 0) != 0;
  TensorShapeProto out;
  *out.add_dim() = in->dim(0);
  *out.add_dim() = in->dim(1);
  for (size_t i = 0; i < spatial; ++i) {
    const Dimension& d = in->dim(static_cast<int>(i + 2));
    Dimension* o = out.add_dim();
    if (!d.has_dim_value()) continue;
    const int64_t size = d.dim_value(), s = strides[i];
    if (s < 1 || dilations[i] < 1 || (*kernel)[i] < 1)
      fail_shape_inference("invalid kernel, stride or dilation");
    const int64_t ek = ((*kernel)[i] - 1) * dilations[i] + 1;
    int64_t v;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      v = ceil_div(size, s);
    } else {
      const int64_t total = auto_pad == "VALID" ? size : size + pads[i] + pads[i + spatial];
      const int64_t span = total - ek;
      if (span < 0) fail_shape_inference("kernel is larger than the padded input");
      v = (ceil_mode ? ceil_div(span, s) : span / s) + 1;
      // A window starting in the right padding is dropped.
      if (ceil_mode && auto_pad != "VALID" && (v - 1) * s >= size + pads[i]) --v;
    }
    o->set_dim_value(v);
  }
  set_shape(ctx, 0, out);
}

void infer_max_pool(InferenceContext& ctx) {
  infer_pool(ctx);
  if (!has_output(ctx, 1)) return;
  set_elem(ctx, 1, TensorProto::INT64);
  const TypeProto* y = ctx.getOutputType(0);
  if (y->tensor_type().has_shape()) set_shape(ctx, 1, y->tensor_type().shape());
}

// ---------------------------------------------------------------------------
// Other ops introduced in 18..27.

void infer_center_crop_pad(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in) return;
  const int rank = in->dim_size();
  std::vector<int> axes = all_axes(rank);
  if (auto a = attr_ints(ctx, "axes"); a && !a->empty()) axes = normalize_axes(*a, rank, "axis");
  TensorShapeProto out = *in;
  auto shape = const_ints(ctx, 1);
  if (shape && shape->size() != axes.size())
    fail_shape_inference("shape has ", shape->size(), " values for ", axes.size(), " axes");
  for (size_t i = 0; i < axes.size(); ++i) {
    if (shape)
      out.mutable_dim(axes[i])->set_dim_value((*shape)[i]);
    else
      clear_dim(out, axes[i]);
  }
  set_shape(ctx, 0, out);
}

void infer_col2im(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (in && in->dim_size() != 3) fail_shape_inference("Col2Im input must be 3-D");
  auto image = const_ints(ctx, 1);
  auto block = const_ints(ctx, 2);
  int spatial = -1;
  if (image) {
    spatial = static_cast<int>(image->size());
  } else if (const auto* s = shape_of(ctx, 1); s && s->dim_size() == 1 && s->dim(0).has_dim_value()) {
    spatial = static_cast<int>(s->dim(0).dim_value());
  }
  if (spatial < 0 || spatial > 64) return;
  TensorShapeProto out = unknown_shape(2 + spatial);
  if (in) {
    *out.mutable_dim(0) = in->dim(0);
    if (block && in->dim(1).has_dim_value()) {
      int64_t prod = 1;
      for (int64_t b : *block) prod *= b;
      if (prod > 0 && in->dim(1).dim_value() % prod == 0)
        out.mutable_dim(1)->set_dim_value(in->dim(1).dim_value() / prod);
    }
  }
  if (image)
    for (int i = 0; i < spatial; ++i) out.mutable_dim(2 + i)->set_dim_value((*image)[static_cast<size_t>(i)]);
  set_shape(ctx, 0, out);
}

void infer_optional_get_element(InferenceContext& ctx) {
  const TypeProto* t = input_type(ctx, 0);
  if (!t || !has_output(ctx, 0)) return;
  if (t->value_case() == TypeProto::kOptionalType) {
    if (t->optional_type().has_elem_type()) *ctx.getOutputType(0) = t->optional_type().elem_type();
  } else if (t->value_case() == TypeProto::kTensorType || t->value_case() == TypeProto::kSequenceType) {
    *ctx.getOutputType(0) = *t;
  }
}

void infer_optional_has_element(InferenceContext& ctx) {
  set_elem(ctx, 0, TensorProto::BOOL);
  if (has_output(ctx, 0)) out_shape(ctx, 0)->clear_dim();  // scalar
}

void infer_deform_conv(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* x = shape_of(ctx, 0);
  const auto* w = shape_of(ctx, 1);
  const auto* offset = shape_of(ctx, 2);
  if (!x) return;
  const int rank = x->dim_size();
  if (rank < 3) fail_shape_inference("DeformConv input must have rank >= 3");
  const auto spatial = static_cast<size_t>(rank - 2);
  TensorShapeProto out = unknown_shape(rank);
  *out.mutable_dim(0) = x->dim(0);
  if (w && w->dim_size() == rank) *out.mutable_dim(1) = w->dim(0);
  auto kernel = attr_ints(ctx, "kernel_shape");
  if ((!kernel || kernel->empty()) && w && w->dim_size() == rank) {
    kernel.emplace();
    for (size_t i = 0; i < spatial; ++i) {
      const auto& d = w->dim(static_cast<int>(i + 2));
      kernel->push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
  }
  auto strides = attr_ints(ctx, "strides").value_or(std::vector<int64_t>(spatial, 1));
  auto dilations = attr_ints(ctx, "dilations").value_or(std::vector<int64_t>(spatial, 1));
  auto pads = attr_ints(ctx, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
  const bool attrs_ok = kernel && kernel->size() == spatial && strides.size() == spatial &&
                        dilations.size() == spatial && pads.size() == 2 * spatial;
  for (size_t i = 0; i < spatial; ++i) {
    const int k = static_cast<int>(i + 2);
    const Dimension& d = x->dim(k);
    if (attrs_ok && d.has_dim_value() && (*kernel)[i] > 0 && strides[i] > 0 && dilations[i] > 0) {
      const int64_t ek = ((*kernel)[i] - 1) * dilations[i] + 1;
      const int64_t span = d.dim_value() + pads[i] + pads[i + spatial] - ek;
      if (span >= 0) {
        out.mutable_dim(k)->set_dim_value(span / strides[i] + 1);
        continue;
      }
    }
    if (offset && offset->dim_size() == rank) *out.mutable_dim(k) = offset->dim(k);
  }
  set_shape(ctx, 0, out);
}

void infer_cast(InferenceContext& ctx) {
  const auto* to = ctx.getAttribute("to");
  if (!to || !to->has_i() || to->i() <= 0 || to->i() > 0x7fffffff)
    fail_type_inference("attribute 'to' must name a data type");
  set_elem(ctx, 0, static_cast<int32_t>(to->i()));
  if (const auto* s = shape_of(ctx, 0)) set_shape(ctx, 0, *s);
}

void infer_quantize(InferenceContext& ctx) {
  int32_t elem = ctx.getNumInputs() > 2 ? elem_of(ctx, 2) : 0;
  if (elem == 0) elem = static_cast<int32_t>(attr_int(ctx, "output_dtype", 0));
  if (elem == 0) elem = TensorProto::UINT8;
  set_elem(ctx, 0, elem);
  if (const auto* s = shape_of(ctx, 0)) set_shape(ctx, 0, *s);
}

void infer_dequantize(InferenceContext& ctx) {
  auto elem = static_cast<int32_t>(attr_int(ctx, "output_dtype", 0));
  if (elem == 0) elem = elem_of(ctx, 1);
  set_elem(ctx, 0, elem);
  if (const auto* s = shape_of(ctx, 0)) set_shape(ctx, 0, *s);
}

void infer_affine_grid(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* theta = shape_of(ctx, 0);
  if (auto size = const_ints(ctx, 1)) {
    TensorShapeProto out;
    if (size->size() == 4) {  // (N, C, H, W) -> (N, H, W, 2)
      for (int64_t v : {(*size)[0], (*size)[2], (*size)[3], int64_t{2}}) out.add_dim()->set_dim_value(v);
    } else if (size->size() == 5) {  // (N, C, D, H, W) -> (N, D, H, W, 3)
      for (int64_t v : {(*size)[0], (*size)[2], (*size)[3], (*size)[4], int64_t{3}})
        out.add_dim()->set_dim_value(v);
    } else {
      fail_shape_inference("AffineGrid size must have 4 or 5 values");
    }
    set_shape(ctx, 0, out);
    return;
  }
  if (theta && theta->dim_size() == 3 && theta->dim(1).has_dim_value()) {
    const int64_t n = theta->dim(1).dim_value();
    if (n != 2 && n != 3) fail_shape_inference("AffineGrid theta must be (N, 2, 3) or (N, 3, 4)");
    TensorShapeProto out = unknown_shape(n == 2 ? 4 : 5);
    *out.mutable_dim(0) = theta->dim(0);
    out.mutable_dim(out.dim_size() - 1)->set_dim_value(n);
    set_shape(ctx, 0, out);
  }
}

void infer_dft(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* in = shape_of(ctx, 0);
  if (!in) return;
  const int rank = in->dim_size();
  if (rank < 2) fail_shape_inference("DFT input must have rank >= 2");
  const bool onesided = attr_int(ctx, "onesided", 0) != 0;
  const bool inverse = attr_int(ctx, "inverse", 0) != 0;
  TensorShapeProto out = *in;
  out.mutable_dim(rank - 1)->set_dim_value(onesided && inverse ? 1 : 2);
  int64_t axis = -2;
  if (ctx.getNumInputs() > 2 && given(ctx, 2)) {
    auto a = const_ints(ctx, 2);
    if (!a || a->size() != 1) {
      for (int i = 0; i < rank - 1; ++i) clear_dim(out, i);
      set_shape(ctx, 0, out);
      return;
    }
    axis = (*a)[0];
  }
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank - 2) fail_shape_inference("DFT axis is out of range");
  const int ax = static_cast<int>(axis);
  std::optional<int64_t> length;
  if (ctx.getNumInputs() > 1 && given(ctx, 1)) {
    if (auto l = const_ints(ctx, 1); l && l->size() == 1) length = (*l)[0];
  } else if (in->dim(ax).has_dim_value()) {
    const int64_t n = in->dim(ax).dim_value();
    length = onesided && inverse ? 2 * (n - 1) : n;
  }
  if (!length) {
    clear_dim(out, ax);
  } else {
    out.mutable_dim(ax)->set_dim_value(onesided && !inverse ? *length / 2 + 1 : *length);
  }
  set_shape(ctx, 0, out);
}

void infer_grid_sample(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* x = shape_of(ctx, 0);
  const auto* grid = shape_of(ctx, 1);
  if (!x && !grid) return;
  const int rank = x ? x->dim_size() : grid->dim_size();
  if (rank < 3) fail_shape_inference("GridSample input must have rank >= 3");
  TensorShapeProto out = unknown_shape(rank);
  if (x) {
    *out.mutable_dim(0) = x->dim(0);
    *out.mutable_dim(1) = x->dim(1);
  }
  if (grid && grid->dim_size() == rank) {
    if (!x) *out.mutable_dim(0) = grid->dim(0);
    for (int i = 2; i < rank; ++i) *out.mutable_dim(i) = grid->dim(i - 1);
  }
  set_shape(ctx, 0, out);
}

void infer_image_decoder(InferenceContext& ctx) {
  set_elem(ctx, 0, TensorProto::UINT8);
  set_shape(ctx, 0, unknown_shape(3));  // (H, W, C)
}

void infer_string_split(InferenceContext& ctx) {
  set_elem(ctx, 0, TensorProto::STRING);
  set_elem(ctx, 1, TensorProto::INT64);
  if (const auto* in = shape_of(ctx, 0)) {
    TensorShapeProto y = *in;
    y.add_dim();
    set_shape(ctx, 0, y);
    set_shape(ctx, 1, *in);
  }
}

// Attention-23/24: 4-D (batch, heads, seq, head_size) or 3-D (batch, seq, heads * head_size) inputs.
void infer_attention(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* q = shape_of(ctx, 0);
  const auto* k = shape_of(ctx, 1);
  const auto* v = shape_of(ctx, 2);
  const int64_t q_heads = attr_int(ctx, "q_num_heads", 0);
  const int64_t kv_heads = attr_int(ctx, "kv_num_heads", 0);
  auto div_dim = [](const Dimension& d, int64_t by) {
    Dimension r;
    if (d.has_dim_value() && by > 0 && d.dim_value() % by == 0) r.set_dim_value(d.dim_value() / by);
    return r;
  };
  for (const auto* s : {q, k, v})
    if (s && s->dim_size() != 3 && s->dim_size() != 4)
      fail_shape_inference("Attention inputs must be 3-D or 4-D");
  // Y
  if (q && v && q->dim_size() == v->dim_size()) {
    TensorShapeProto y;
    if (q->dim_size() == 4) {
      *y.add_dim() = q->dim(0);
      *y.add_dim() = q->dim(1);
      *y.add_dim() = q->dim(2);
      *y.add_dim() = v->dim(3);
    } else {
      *y.add_dim() = q->dim(0);
      *y.add_dim() = q->dim(1);
      Dimension head = div_dim(v->dim(2), kv_heads);
      Dimension* h = y.add_dim();
      if (head.has_dim_value() && q_heads > 0) h->set_dim_value(head.dim_value() * q_heads);
    }
    set_shape(ctx, 0, y);
  }
  // Sequence length of the incoming K/V and their 4-D view.
  auto as_4d = [&](const TensorShapeProto* s) -> std::optional<TensorShapeProto> {
    if (!s) return std::nullopt;
    if (s->dim_size() == 4) return *s;
    TensorShapeProto r;
    *r.add_dim() = s->dim(0);
    Dimension* heads = r.add_dim();
    if (kv_heads > 0) heads->set_dim_value(kv_heads);
    *r.add_dim() = s->dim(1);
    *r.add_dim() = div_dim(s->dim(2), kv_heads);
    return r;
  };
  const auto k4 = as_4d(k), v4 = as_4d(v);
  const bool has_past = ctx.getNumInputs() > 5 && given(ctx, 4) && given(ctx, 5);
  const auto* past_k = has_past ? shape_of(ctx, 4) : nullptr;
  const auto* past_v = has_past ? shape_of(ctx, 5) : nullptr;
  Dimension total;  // total sequence length (past + new)
  if (k4) {
    const Dimension& kv_seq = k4->dim(2);
    if (!has_past) {
      total = kv_seq;
    } else if (past_k && past_k->dim_size() == 4 && past_k->dim(2).has_dim_value() &&
               kv_seq.has_dim_value()) {
      total.set_dim_value(past_k->dim(2).dim_value() + kv_seq.dim_value());
    }
  }
  auto present = [&](size_t out, size_t past_index, const std::optional<TensorShapeProto>& cur,
                     const TensorShapeProto* past) {
    if (!has_output(ctx, out)) return;
    set_elem(ctx, out, has_past ? elem_of(ctx, past_index) : elem_of(ctx, out == 1 ? 1 : 2));
    const TensorShapeProto* base = past && past->dim_size() == 4 ? past : (cur ? &*cur : nullptr);
    if (!base) return;
    TensorShapeProto s = *base;
    *s.mutable_dim(2) = total;
    set_shape(ctx, out, s);
  };
  present(1, 4, k4, past_k);
  present(2, 5, v4, past_v);
  // qk_matmul_output: (batch, q_heads, q_seq, total_seq)
  if (has_output(ctx, 3) && q) {
    set_elem(ctx, 3, elem_of(ctx, 0));
    TensorShapeProto s;
    *s.add_dim() = q->dim(0);
    if (q->dim_size() == 4) {
      *s.add_dim() = q->dim(1);
      *s.add_dim() = q->dim(2);
    } else {
      Dimension* h = s.add_dim();
      if (q_heads > 0) h->set_dim_value(q_heads);
      *s.add_dim() = q->dim(1);
    }
    *s.add_dim() = total;
    set_shape(ctx, 3, s);
  }
}

void infer_causal_conv(InferenceContext& ctx) {
  infer_same(ctx);
  set_elem(ctx, 1, elem_of(ctx, 0));
  if (!has_output(ctx, 1)) return;
  if (const auto* past = ctx.getNumInputs() > 3 ? shape_of(ctx, 3) : nullptr) {
    set_shape(ctx, 1, *past);
    return;
  }
  const auto* in = shape_of(ctx, 0);
  const auto* w = shape_of(ctx, 1);
  if (!in || in->dim_size() != 3) return;
  TensorShapeProto s;
  *s.add_dim() = in->dim(0);
  *s.add_dim() = in->dim(1);
  Dimension* k = s.add_dim();
  if (w && w->dim_size() == 3 && w->dim(2).has_dim_value() && w->dim(2).dim_value() >= 1)
    k->set_dim_value(w->dim(2).dim_value() - 1);
  set_shape(ctx, 1, s);
}

void infer_linear_attention(InferenceContext& ctx) {
  set_elem(ctx, 0, elem_of(ctx, 0));
  const auto* q = shape_of(ctx, 0);
  const auto* k = shape_of(ctx, 1);
  const auto* v = shape_of(ctx, 2);
  const int64_t q_heads = attr_int(ctx, "q_num_heads", 0);
  const int64_t kv_heads = attr_int(ctx, "kv_num_heads", 0);
  auto head = [&](const TensorShapeProto* s) -> std::optional<int64_t> {
    if (!s || s->dim_size() != 3 || !s->dim(2).has_dim_value() || kv_heads <= 0) return std::nullopt;
    if (s->dim(2).dim_value() % kv_heads != 0) return std::nullopt;
    return s->dim(2).dim_value() / kv_heads;
  };
  if (q && q->dim_size() == 3) {
    TensorShapeProto out;
    *out.add_dim() = q->dim(0);
    *out.add_dim() = q->dim(1);
    Dimension* last = out.add_dim();
    if (auto dv = head(v); dv && q_heads > 0) last->set_dim_value(q_heads * *dv);
    set_shape(ctx, 0, out);
  }
  if (!has_output(ctx, 1)) return;
  if (ctx.getNumInputs() > 3 && input_type(ctx, 3)) {
    *ctx.getOutputType(1) = *input_type(ctx, 3);
    return;
  }
  if (q && q->dim_size() == 3) {
    TensorShapeProto s;
    *s.add_dim() = q->dim(0);
    Dimension* h = s.add_dim();
    if (kv_heads > 0) h->set_dim_value(kv_heads);
    Dimension* dk = s.add_dim();
    if (auto d = head(k)) dk->set_dim_value(*d);
    Dimension* dv = s.add_dim();
    if (auto d = head(v)) dv->set_dim_value(*d);
    set_shape(ctx, 1, s);
  }
}

}  // namespace

onnx::InferenceFunction inference_function(Infer kind) {
  switch (kind) {
    case Infer::kPrev:
    case Infer::kNone:
      return {};
    case Infer::kSame:
      return infer_same;
    case Infer::kLike:
      return infer_like;
    case Infer::kBoolSame:
      return infer_bool_same;
    case Infer::kBroadcast:
      return infer_broadcast;
    case Infer::kReduce:
      return infer_reduce;
    case Infer::kSplit:
      return infer_split;
    case Infer::kPad:
      return infer_pad;
    case Infer::kResize:
      return infer_resize;
    case Infer::kPool:
      return infer_pool;
    case Infer::kMaxPool:
      return infer_max_pool;
    case Infer::kCenterCropPad:
      return infer_center_crop_pad;
    case Infer::kCol2Im:
      return infer_col2im;
    case Infer::kOptionalGetElement:
      return infer_optional_get_element;
    case Infer::kOptionalHasElement:
      return infer_optional_has_element;
    case Infer::kDeformConv:
      return infer_deform_conv;
    case Infer::kCast:
      return infer_cast;
    case Infer::kQuantize:
      return infer_quantize;
    case Infer::kDequantize:
      return infer_dequantize;
    case Infer::kAffineGrid:
      return infer_affine_grid;
    case Infer::kDft:
      return infer_dft;
    case Infer::kGridSample:
      return infer_grid_sample;
    case Infer::kImageDecoder:
      return infer_image_decoder;
    case Infer::kStringSplit:
      return infer_string_split;
    case Infer::kAttention:
      return infer_attention;
    case Infer::kCausalConv:
      return infer_causal_conv;
    case Infer::kLinearAttention:
      return infer_linear_attention;
  }
  return {};
}

}  // namespace zonnx::view
