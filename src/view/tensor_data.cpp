#include "view/tensor_data.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "zonnx/loader.h"
#include "zonnx/model_view.h"

namespace zonnx {

namespace {

struct TypeRow {
  const char* name;
  int bits;  // 0: variable (string) or unknown
};

// Indexed by TensorProto::DataType code (onnx 1.22 knows 0..26).
constexpr TypeRow kTypes[] = {
    {"undefined", 0},       // 0
    {"float32", 32},        // 1 FLOAT
    {"uint8", 8},           // 2
    {"int8", 8},            // 3
    {"uint16", 16},         // 4
    {"int16", 16},          // 5
    {"int32", 32},          // 6
    {"int64", 64},          // 7
    {"string", 0},          // 8
    {"bool", 8},            // 9
    {"float16", 16},        // 10
    {"float64", 64},        // 11 DOUBLE
    {"uint32", 32},         // 12
    {"uint64", 64},         // 13
    {"complex64", 64},      // 14
    {"complex128", 128},    // 15
    {"bfloat16", 16},       // 16
    {"float8e4m3fn", 8},    // 17
    {"float8e4m3fnuz", 8},  // 18
    {"float8e5m2", 8},      // 19
    {"float8e5m2fnuz", 8},  // 20
    {"uint4", 4},           // 21
    {"int4", 4},            // 22
    {"float4e2m1", 4},      // 23
    {"float8e8m0", 8},      // 24
    {"uint2", 2},           // 25
    {"int2", 2},            // 26
};
constexpr int32_t kTypeCount = static_cast<int32_t>(sizeof(kTypes) / sizeof(kTypes[0]));

}  // namespace

std::string elem_type_name(int32_t code) {
  if (code >= 0 && code < kTypeCount) return kTypes[code].name;
  return "type<" + std::to_string(code) + ">";
}

double elem_type_size(int32_t code) {
  if (code < 0 || code >= kTypeCount) return 0.0;
  return kTypes[code].bits / 8.0;
}

namespace view {

int elem_type_bits(int32_t code) { return code >= 0 && code < kTypeCount ? kTypes[code].bits : 0; }

std::optional<int64_t> element_count(const onnx::TensorProto& tensor) {
  int64_t n = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0) return std::nullopt;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return std::nullopt;
    n *= d;
  }
  return n;
}

TensorPayload inline_payload(const onnx::TensorProto& tensor) {
  TensorPayload p;
  if (tensor.has_raw_data()) {
    p.encoding = TensorPayload::Encoding::Raw;
    p.bytes = tensor.raw_data();
  }
  return p;
}

bool payload_outside_proto(const onnx::TensorProto& tensor) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) return true;
  return elided_payload(tensor).has_value();
}

namespace {

using Encoding = TensorPayload::Encoding;

// Reads protobuf packed varints; false on truncation or more than `max` values.
bool read_varints(std::string_view bytes, size_t max, std::vector<uint64_t>& out) {
  size_t i = 0;
  while (i < bytes.size()) {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      if (i >= bytes.size() || shift > 63) return false;
      auto b = static_cast<unsigned char>(bytes[i++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    if (out.size() >= max) return false;
    out.push_back(v);
  }
  return true;
}

int64_t sign_extend(uint64_t v, int bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (bits - 1);
  v &= (uint64_t{1} << bits) - 1;
  return static_cast<int64_t>(v ^ sign) - static_cast<int64_t>(sign);
}

bool is_signed_int(int32_t t) {
  return t == onnx::TensorProto::INT8 || t == onnx::TensorProto::INT16 || t == onnx::TensorProto::INT32 ||
         t == onnx::TensorProto::INT64 || t == 22 /*INT4*/ || t == 26 /*INT2*/;
}

bool is_int_type(int32_t t) {
  switch (t) {
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::BOOL:
    case 21:  // UINT4
    case 22:  // INT4
    case 25:  // UINT2
    case 26:  // INT2
      return true;
    default:
      return false;
  }
}

// Element values as raw unsigned words (bit patterns of `bits` width), from any encoding.
std::optional<std::vector<uint64_t>> words(const onnx::TensorProto& t, const TensorPayload& payload, int bits,
                                           int64_t count) {
  std::vector<uint64_t> out;
  const auto n = static_cast<size_t>(count);
  switch (payload.encoding) {
    case Encoding::Raw: {
      const auto* p = reinterpret_cast<const unsigned char*>(payload.bytes.data());
      if (bits < 8) {
        size_t per_byte = static_cast<size_t>(8 / bits);
        if (payload.bytes.size() != (n + per_byte - 1) / per_byte) return std::nullopt;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          unsigned shift = static_cast<unsigned>((i % per_byte) * static_cast<size_t>(bits));
          out.push_back((p[i / per_byte] >> shift) & ((1u << bits) - 1));
        }
      } else {
        size_t size = static_cast<size_t>(bits / 8);
        if (payload.bytes.size() != n * size) return std::nullopt;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) out.push_back(load_le(p + i * size, static_cast<int>(size)));
      }
      return out;
    }
    case Encoding::PackedVarint: {
      // int4/int2 in int32_data are packed several per varint; not worth supporting.
      if (bits < 8) return std::nullopt;
      if (!read_varints(payload.bytes, n, out) || out.size() != n) return std::nullopt;
      return out;
    }
    case Encoding::Typed:
      break;
  }
  // Typed fields of an inline proto.
  switch (t.data_type()) {
    case onnx::TensorProto::INT64:
      if (static_cast<size_t>(t.int64_data_size()) != n) return std::nullopt;
      for (int64_t v : t.int64_data()) out.push_back(static_cast<uint64_t>(v));
      return out;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      if (static_cast<size_t>(t.uint64_data_size()) != n) return std::nullopt;
      out.assign(t.uint64_data().begin(), t.uint64_data().end());
      return out;
    case onnx::TensorProto::FLOAT:
      if (static_cast<size_t>(t.float_data_size()) != n) return std::nullopt;
      for (float f : t.float_data()) {
        uint32_t u;
        std::memcpy(&u, &f, sizeof u);
        out.push_back(u);
      }
      return out;
    case onnx::TensorProto::DOUBLE:
      if (static_cast<size_t>(t.double_data_size()) != n) return std::nullopt;
      for (double d : t.double_data()) {
        uint64_t u;
        std::memcpy(&u, &d, sizeof u);
        out.push_back(u);
      }
      return out;
    default:
      break;
  }
  // Everything else narrower than 32 bits lives in int32_data.
  if (bits < 8) {
    size_t per_word = static_cast<size_t>(8 / bits);  // packed per byte, one byte per int32 entry
    if (static_cast<size_t>(t.int32_data_size()) != (n + per_word - 1) / per_word) return std::nullopt;
    for (size_t i = 0; i < n; ++i) {
      auto byte = static_cast<uint32_t>(t.int32_data(static_cast<int>(i / per_word)));
      unsigned shift = static_cast<unsigned>((i % per_word) * static_cast<size_t>(bits));
      out.push_back((byte >> shift) & ((1u << bits) - 1));
    }
    return out;
  }
  if (static_cast<size_t>(t.int32_data_size()) != n) return std::nullopt;
  for (int32_t v : t.int32_data()) out.push_back(static_cast<uint32_t>(v));
  return out;
}

double half_to_double(uint16_t h) {
  int sign = (h >> 15) & 1;
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double v;
  if (exp == 0)
    v = std::ldexp(mant, -24);
  else if (exp == 31)
    v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else
    v = std::ldexp(mant + 1024, exp - 25);
  return sign ? -v : v;
}

double float_bits_to_double(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

std::optional<std::vector<int64_t>> decode_ints(const onnx::TensorProto& tensor, const TensorPayload& payload,
                                                int64_t max_elements) {
  const int32_t type = tensor.data_type();
  if (!is_int_type(type)) return std::nullopt;
  auto count = element_count(tensor);
  if (!count || *count > max_elements) return std::nullopt;
  int bits = elem_type_bits(type);
  // Typed int32_data stores small types one per entry, possibly sign-extended to 32 bits.
  bool typed32 = payload.encoding == Encoding::Typed && bits < 32 && bits >= 8;
  auto w = words(tensor, payload, bits, *count);
  if (!w) return std::nullopt;
  std::vector<int64_t> out;
  out.reserve(w->size());
  for (uint64_t v : *w) {
    if (type == onnx::TensorProto::BOOL) {
      out.push_back(v != 0 ? 1 : 0);
    } else if (is_signed_int(type)) {
      out.push_back(sign_extend(typed32 ? (v & 0xffffffffu) : v, typed32 ? 32 : bits));
    } else {
      if (bits < 64) v &= (uint64_t{1} << bits) - 1;
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      out.push_back(static_cast<int64_t>(v));
    }
  }
  return out;
}

std::optional<std::vector<double>> decode_floats(const onnx::TensorProto& tensor,
                                                 const TensorPayload& payload, int64_t max_elements) {
  const int32_t type = tensor.data_type();
  if (type != onnx::TensorProto::FLOAT && type != onnx::TensorProto::DOUBLE &&
      type != onnx::TensorProto::FLOAT16 && type != onnx::TensorProto::BFLOAT16)
    return std::nullopt;
  auto count = element_count(tensor);
  if (!count || *count > max_elements) return std::nullopt;
  auto w = words(tensor, payload, elem_type_bits(type), *count);
  if (!w) return std::nullopt;
  std::vector<double> out;
  out.reserve(w->size());
  for (uint64_t v : *w) out.push_back(float_bits_value(v, type));
  return out;
}

uint64_t load_le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

double float_bits_value(uint64_t bits, int32_t type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
      return float_bits_to_double(static_cast<uint32_t>(bits));
    case onnx::TensorProto::DOUBLE: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case onnx::TensorProto::FLOAT16:
      return half_to_double(static_cast<uint16_t>(bits));
    default:  // BFLOAT16: the upper half of a float32
      return float_bits_to_double(static_cast<uint32_t>(bits & 0xffff) << 16);
  }
}

}  // namespace view
}  // namespace zonnx
