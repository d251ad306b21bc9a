#include "report/report_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace zonnx::report {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 sequence at s[pos]. Returns the code point and sets `len`
// to the bytes consumed; invalid, overlong, surrogate or out-of-range sequences
// give kReplacement with len = 1 (so decoding resynchronises on the next byte).
char32_t decode(std::string_view s, size_t pos, size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  len = 1;
  if (b0 < 0x80) return b0;
  size_t need = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    need = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    need = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    need = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return kReplacement;
  }
  if (pos + need >= s.size()) return kReplacement;
  for (size_t i = 1; i <= need; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return kReplacement;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kReplacement;
  len = need + 1;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Terminal columns of one code point (a small wcwidth: enough for names and
// messages, not a full Unicode table).
int columns(char32_t cp) {
  if (cp == 0) return 0;
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
      (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
      (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF)
    return 0;
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
      (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

std::string dims_string(const ValueType& type) {
  if (!type.has_shape) return "[*]";
  std::string s = "[";
  for (size_t i = 0; i < type.dims.size(); ++i) {
    if (i) s += ',';
    const Dim& d = type.dims[i];
    if (d.is_static())
      s += std::to_string(d.value);
    else if (!d.param.empty())
      s += d.param;
    else
      s += '?';
  }
  return s + "]";
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    size_t len = 0;
    const char32_t cp = decode(s, pos, len);
    if (cp == kReplacement && len == 1)
      append_utf8(out, kReplacement);
    else
      out.append(s.substr(pos, len));
    pos += len;
  }
  return out;
}

std::string terminal_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    size_t len = 0;
    const char32_t cp = decode(s, pos, len);
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029)
      out += ' ';
    else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
      out += '?';
    else
      append_utf8(out, cp);
    pos += len;
  }
  return out;
}

int display_width(std::string_view s) {
  int w = 0;
  for (size_t pos = 0; pos < s.size();) {
    size_t len = 0;
    w += columns(decode(s, pos, len));
    pos += len;
  }
  return w;
}

std::string truncate(std::string_view s, int width) {
  if (width <= 0) return {};
  if (display_width(s) <= width) return std::string(s);
  // Keep as many whole characters as fit in width - 1, then the ellipsis.
  std::string out;
  int w = 0;
  for (size_t pos = 0; pos < s.size();) {
    size_t len = 0;
    const int c = columns(decode(s, pos, len));
    if (w + c > width - 1) break;
    out.append(s.substr(pos, len));
    w += c;
    pos += len;
  }
  return out + "\u2026";
}

std::string truncate_middle(std::string_view s, int width) {
  if (width <= 0) return {};
  if (display_width(s) <= width) return std::string(s);
  if (width < 12) return truncate(s, width);
  // Split the room (minus the ellipsis) between head and tail, more to the tail.
  const int tail_w = (width - 1) - (width - 1) * 2 / 5;
  const int head_w = (width - 1) - tail_w;
  std::vector<std::pair<size_t, int>> chars;  // (byte offset, columns)
  for (size_t pos = 0; pos < s.size();) {
    size_t len = 0;
    chars.emplace_back(pos, columns(decode(s, pos, len)));
    pos += len;
  }
  size_t head_end = 0;
  int w = 0;
  for (size_t i = 0; i < chars.size() && w + chars[i].second <= head_w; ++i) {
    w += chars[i].second;
    head_end = i + 1 < chars.size() ? chars[i + 1].first : s.size();
  }
  size_t tail_begin = s.size();
  w = 0;
  for (size_t i = chars.size(); i-- > 0 && w + chars[i].second <= tail_w;) {
    w += chars[i].second;
    tail_begin = chars[i].first;
  }
  return std::string(s.substr(0, head_end)) + "\u2026" + std::string(s.substr(tail_begin));
}

std::string pad_right(std::string_view s, int width) {
  std::string out(s);
  const int w = display_width(s);
  if (w < width) out.append(static_cast<size_t>(width - w), ' ');
  return out;
}

std::string pad_left(std::string_view s, int width) {
  const int w = display_width(s);
  std::string out;
  if (w < width) out.append(static_cast<size_t>(width - w), ' ');
  out.append(s);
  return out;
}

std::vector<std::string> wrap(std::string_view text, int width) {
  width = std::max(width, 1);
  std::vector<std::string> lines;
  std::string line;
  int line_w = 0;
  auto flush = [&] {
    lines.push_back(line);
    line.clear();
    line_w = 0;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    pos = end;
    int word_w = display_width(word);
    if (line_w > 0 && line_w + 1 + word_w <= width) {
      line += ' ';
      line.append(word);
      line_w += 1 + word_w;
      continue;
    }
    if (line_w > 0) flush();
    // Split words wider than a line at character boundaries.
    while (word_w > width) {
      std::string part;
      int part_w = 0;
      size_t i = 0;
      while (i < word.size()) {
        size_t len = 0;
        const int c = columns(decode(word, i, len));
        if (part_w + c > width && part_w > 0) break;
        part.append(word.substr(i, len));
        part_w += c;
        i += len;
      }
      lines.push_back(part);
      word = word.substr(i);
      word_w = display_width(word);
    }
    line.assign(word);
    line_w = word_w;
  }
  if (line_w > 0 || lines.empty()) flush();
  return lines;
}

std::optional<std::string> type_name(const ValueType& type) {
  const std::string elem = type.elem_type != 0 ? elem_type_name(type.elem_type) : std::string();
  auto wrapped = [&](const char* kind) {
    return elem.empty() ? std::string(kind) : fmt::format("{}({})", kind, elem);
  };
  switch (type.kind) {
    case ValueType::Kind::Tensor:
      if (elem.empty()) return std::nullopt;
      return elem;
    case ValueType::Kind::SparseTensor:
      return wrapped("sparse_tensor");
    case ValueType::Kind::Sequence:
      return wrapped("sequence");
    case ValueType::Kind::Map:
      return std::string("map");
    case ValueType::Kind::Optional:
      return wrapped("optional");
    case ValueType::Kind::Opaque:
      return std::string("opaque");
    case ValueType::Kind::Unknown:
      break;
  }
  return std::nullopt;
}

std::string type_and_shape(const ValueType* type) {
  if (!type) return "?";
  const std::optional<std::string> name = type_name(*type);
  const bool tensor_like =
      type->kind == ValueType::Kind::Tensor || type->kind == ValueType::Kind::SparseTensor;
  std::string s = name ? *name : "?";
  if (tensor_like) s += dims_string(*type);
  return s;
}

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(units)) {
    v /= 1024.0;
    ++u;
  }
  // One decimal, two for small GiB+ values where the decimal matters.
  if (u >= 2 && v < 10.0) return fmt::format("{:.2f} {}", v, units[u]);
  if (v >= 1023.95 && u + 1 < std::size(units)) return fmt::format("1.0 {}", units[u + 1]);
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string human_count(uint64_t n) {
  if (n < 1000) return std::to_string(n);
  static const char* const units[] = {"K", "M", "G", "T", "P", "E"};
  double v = static_cast<double>(n) / 1000.0;
  size_t u = 0;
  while (v >= 999.95 && u + 1 < std::size(units)) {
    v /= 1000.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string percent(double share) {
  if (!std::isfinite(share)) return "-";
  double p = std::clamp(share, 0.0, 1.0) * 100.0;
  double shown = std::round(p * 10.0) / 10.0;
  if (shown >= 100.0 && share < 1.0) shown = 99.9;
  if (shown <= 0.0 && share > 0.0) shown = 0.1;
  return fmt::format("{:.1f}%", shown);
}

nlohmann::ordered_json gates_json(const std::vector<GateResult>& gates) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const GateResult& g : gates)
    list.push_back({{"gate", valid_utf8(g.gate)}, {"failed", g.failed}, {"detail", valid_utf8(g.detail)}});
  return list;
}

bool crosses_devices(const Analysis& analysis, size_t a, size_t b) {
  const auto& v = analysis.verdicts;
  if (a >= v.size() || b >= v.size() || !v[a].counted || !v[b].counted) return false;
  return (v[a].placement == Placement::Nnpa) != (v[b].placement == Placement::Nnpa);
}

std::vector<DataEdge> data_edges(const ModelView& view, const Analysis& analysis) {
  std::vector<DataEdge> edges;
  const auto& nodes = view.nodes();
  for (const NodeInfo& node : nodes) {
    const size_t first = edges.size();
    for (uint32_t i = 0; i < node.input_count; ++i) {
      const size_t p = view.input_producer(node, static_cast<int>(i));
      if (p >= nodes.size() || p == node.index) continue;
      bool seen = false;
      for (size_t k = first; k < edges.size() && !seen; ++k) seen = edges[k].from == p;
      if (!seen) edges.push_back({p, node.index, crosses_devices(analysis, p, node.index)});
    }
  }
  return edges;
}

void append_indented(std::string& out, std::string_view text, int indent) {
  out.reserve(out.size() + text.size() + text.size() / 8);
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', start)) {
    out.append(text, start, nl + 1 - start);
    out.append(static_cast<size_t>(indent), ' ');
    start = nl + 1;
  }
  out.append(text, start, std::string_view::npos);
}

}  // namespace zonnx::report
