#include "loader/skeleton.h"

#include <google/protobuf/descriptor.h>
#include <onnx/onnx_pb.h>

#include <array>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loader/wire.h"
#include "zonnx/errors.h"
#include "zonnx/loader.h"

namespace zonnx::detail {
namespace {

namespace gp = google::protobuf;
using wire::Field;
using wire::Reader;
using wire::WireError;
using wire::WireType;

// How the walk treats a field of a known message. Everything is copied
// verbatim except messages (walked for depth and payloads) and packed
// scalars (checked so protobuf does not reject them without an offset).
enum class FieldKind : uint8_t { Other, Message, PackedVarint, PackedFixed32, PackedFixed64 };

struct Schema {
  std::vector<FieldKind> kinds;  // by field number; larger numbers are unknown fields
  std::vector<int> children;     // schema index of each message field
  bool is_tensor = false;

  FieldKind kind(uint32_t number) const { return number < kinds.size() ? kinds[number] : FieldKind::Other; }
};

FieldKind kind_of(const gp::FieldDescriptor* field) {
  using T = gp::FieldDescriptor;
  if (field->type() == T::TYPE_MESSAGE) return FieldKind::Message;
  if (!field->is_repeated()) return FieldKind::Other;
  switch (field->type()) {
    case T::TYPE_INT32:
    case T::TYPE_INT64:
    case T::TYPE_UINT32:
    case T::TYPE_UINT64:
    case T::TYPE_SINT32:
    case T::TYPE_SINT64:
    case T::TYPE_BOOL:
    case T::TYPE_ENUM:
      return FieldKind::PackedVarint;
    case T::TYPE_FIXED32:
    case T::TYPE_SFIXED32:
    case T::TYPE_FLOAT:
      return FieldKind::PackedFixed32;
    case T::TYPE_FIXED64:
    case T::TYPE_SFIXED64:
    case T::TYPE_DOUBLE:
      return FieldKind::PackedFixed64;
    default:
      return FieldKind::Other;
  }
}

// Field layout of every message reachable from ModelProto, taken from the
// compiled-in descriptors (so the ML variant and any field libonnx knows are
// covered without a hand-written table).
class SchemaSet {
 public:
  SchemaSet() {
    std::unordered_map<const gp::Descriptor*, int> index;
    std::vector<const gp::Descriptor*> pending;
    auto index_of = [&](const gp::Descriptor* d) {
      auto [it, added] = index.emplace(d, static_cast<int>(pending.size()));
      if (added) pending.push_back(d);
      return it->second;
    };
    index_of(onnx::ModelProto::descriptor());
    for (size_t i = 0; i < pending.size(); ++i) {
      const gp::Descriptor* d = pending[i];
      Schema schema;
      schema.is_tensor = d == onnx::TensorProto::descriptor();
      int max_number = 0;
      for (int f = 0; f < d->field_count(); ++f) max_number = std::max(max_number, d->field(f)->number());
      schema.kinds.assign(static_cast<size_t>(max_number) + 1, FieldKind::Other);
      schema.children.assign(static_cast<size_t>(max_number) + 1, -1);
      for (int f = 0; f < d->field_count(); ++f) {
        const gp::FieldDescriptor* field = d->field(f);
        const auto number = static_cast<size_t>(field->number());
        schema.kinds[number] = kind_of(field);
        if (field->type() == gp::FieldDescriptor::TYPE_MESSAGE) {
          schema.children[number] = index_of(field->message_type());
        }
      }
      schemas_.push_back(std::move(schema));
    }
  }
  const Schema& at(int index) const { return schemas_[static_cast<size_t>(index)]; }
  static constexpr int kModel = 0;

 private:
  std::vector<Schema> schemas_;
};

const SchemaSet& onnx_schemas() {
  static const SchemaSet schemas;
  return schemas;
}

// TensorProto fields that can hold a large payload: float_data, int32_data,
// string_data, int64_data, raw_data, double_data, uint64_data.
constexpr uint32_t kStringDataField = 6;
constexpr uint32_t kMaxPayloadField = 11;
bool is_payload_field(uint32_t number) {
  return number == 4 || number == 5 || number == 6 || number == 7 || number == 9 || number == 10 ||
         number == 11;
}

// What one tensor holds in each payload field.
struct PayloadField {
  uint32_t occurrences = 0;
  bool length_delimited = true;  // every occurrence is a (packed) length-delimited field
  bool contiguous = true;        // occurrences follow each other with no other field in between
  uint64_t first_begin = 0;      // tag of the first occurrence
  uint64_t first_value_begin = 0;
  uint64_t last_end = 0;
  uint64_t value_bytes = 0;  // payload bytes over all occurrences
};
using PayloadScan = std::array<PayloadField, kMaxPayloadField + 1>;

// Where an elided field's bytes are. string_data is elided as one range
// covering all its (contiguous) wire-format entries, tags included.
PayloadRef payload_ref(const PayloadScan& scan, uint32_t number) {
  const PayloadField& p = scan[number];
  if (number == kStringDataField)
    return PayloadRef{static_cast<int>(number), p.first_begin, p.last_end - p.first_begin};
  return PayloadRef{static_cast<int>(number), p.first_value_begin, p.value_bytes};
}

uint64_t marker_body_size(const PayloadRef& ref) {
  return 3 + static_cast<uint64_t>(wire::varint_size(static_cast<uint64_t>(ref.field)) +
                                   wire::varint_size(ref.offset) + wire::varint_size(ref.length));
}

uint64_t marker_size(const PayloadRef& ref) {
  const uint64_t body = marker_body_size(ref);
  return static_cast<uint64_t>(wire::tag_size(kElidedPayloadField) + wire::varint_size(body)) + body;
}

void append_marker(std::string& out, const PayloadRef& ref) {
  wire::append_tag(out, kElidedPayloadField, WireType::LengthDelimited);
  wire::append_varint(out, marker_body_size(ref));
  wire::append_tag(out, 1, WireType::Varint);
  wire::append_varint(out, static_cast<uint64_t>(ref.field));
  wire::append_tag(out, 2, WireType::Varint);
  wire::append_varint(out, ref.offset);
  wire::append_tag(out, 3, WireType::Varint);
  wire::append_varint(out, ref.length);
}

// A message whose re-encoding differs from the file (it contains an elided
// payload somewhere). Recorded in pre-order; unchanged messages are taken
// from the input as they are and get no entry.
struct ChangedMessage {
  uint64_t begin = 0;       // file offset of the message body
  uint64_t new_size = 0;    // size of the re-encoded body
  uint16_t elide_mask = 0;  // tensors: bit n set = payload field n replaced by a marker
};

class SkeletonBuilder {
 public:
  SkeletonBuilder(const uint8_t* data, uint64_t size, const Limits& limits, const std::string& name)
      : data_(data), size_(size), limits_(limits), name_(name), schemas_(onnx_schemas()) {}

  Skeleton build() {
    Skeleton skeleton;
    try {
      const Sized root = plan(SchemaSet::kModel, 0, size_, 1);
      skeleton.elided_tensors = elided_tensors_;
      skeleton.elided_bytes = elided_bytes_;
      skeleton.size = root.size;
      if (graph_fields_ == 1) skeleton.main_graph = std::move(main_graph_);
      if (!root.changed) {
        skeleton.pieces.push_back(SkeletonPiece{false, 0, size_});
        return skeleton;
      }
      pieces_ = &skeleton.pieces;
      out_ = &skeleton.generated;
      write(SchemaSet::kModel, 0, size_);
    } catch (const WireError& e) {
      // A first field that does not decode means this is not protobuf at all.
      throw ModelError(
          name_,
          std::string(read_top_level_field_ ? "malformed protobuf: " : "not an ONNX model: ") + e.what());
    }
    return skeleton;
  }

 private:
  struct Sized {
    uint64_t size;
    bool changed;
  };

  PayloadScan scan_payloads(uint64_t begin, uint64_t end) const {
    PayloadScan scan{};
    Reader reader(data_, begin, end);
    while (!reader.done()) {
      const Field f = reader.next();
      if (f.number > kMaxPayloadField || !is_payload_field(f.number)) continue;
      PayloadField& p = scan[f.number];
      if (p.occurrences == 0) {
        p.first_begin = f.begin;
        p.first_value_begin = f.value_begin;
      } else if (f.begin != p.last_end) {
        p.contiguous = false;
      }
      ++p.occurrences;
      p.length_delimited = p.length_delimited && f.is_length_delimited();
      p.value_bytes += f.value_length();
      p.last_end = f.end;
    }
    return scan;
  }

  // Payload fields of one tensor that stay in the file. A field split over
  // several occurrences (unpacked or multi-chunk) is kept inline, as the
  // marker can only describe one range; so are string entries interleaved
  // with other fields.
  uint16_t choose_elisions(const PayloadScan& scan) const {
    uint16_t mask = 0;
    for (uint32_t number = 0; number <= kMaxPayloadField; ++number) {
      const PayloadField& p = scan[number];
      if (p.occurrences == 0 || !p.length_delimited || p.value_bytes <= limits_.inline_payload_bytes)
        continue;
      const bool one_range = number == kStringDataField ? p.contiguous : p.occurrences == 1;
      if (one_range) mask = static_cast<uint16_t>(mask | (1u << number));
    }
    return mask;
  }

  static bool elided(uint16_t mask, uint32_t number) {
    return number <= kMaxPayloadField && ((mask >> number) & 1u) != 0;
  }

  // Pass 1: checks the wire format and depth, decides elisions and computes
  // the re-encoded size of every changed message. Recursion is bounded by
  // limits_.max_message_depth.
  Sized plan(int schema_index, uint64_t begin, uint64_t end, int depth) {
    if (depth > limits_.max_message_depth) {
      throw ModelError(name_, "nesting deeper than " + std::to_string(limits_.max_message_depth) +
                                  " levels at byte " + std::to_string(begin) +
                                  " (message nesting limit max_message_depth)");
    }
    const Schema& schema = schemas_.at(schema_index);
    const size_t slot = changed_.size();
    changed_.push_back(ChangedMessage{begin, 0, 0});

    // Tensors only, on the heap: a scan in every message's frame (zeroed) cost
    // a quarter of the walk over a graph of small nodes.
    std::unique_ptr<PayloadScan> scan;
    uint16_t mask = 0;
    if (schema.is_tensor) {
      scan = std::make_unique<PayloadScan>(scan_payloads(begin, end));
      mask = choose_elisions(*scan);
      if (mask != 0) ++elided_tensors_;
    }
    bool changed = mask != 0;
    bool string_marker_counted = false;
    uint64_t size = 0;

    Reader reader(data_, begin, end);
    while (!reader.done()) {
      const Field f = reader.next();
      if (depth == 1) read_top_level_field_ = true;
      if (schema.is_tensor) {
        if (f.number == static_cast<uint32_t>(kElidedPayloadField)) {
          changed = true;  // a marker already in the file is not ours: dropped
          continue;
        }
        if (elided(mask, f.number)) {
          if (f.number != kStringDataField || !string_marker_counted) {
            const PayloadRef ref = payload_ref(*scan, f.number);
            size += marker_size(ref);
            elided_bytes_ += ref.length;
            string_marker_counted = string_marker_counted || f.number == kStringDataField;
          }
          continue;
        }
      }
      switch (schema.kind(f.number)) {
        case FieldKind::Message:
          if (f.is_length_delimited()) {
            const uint64_t field_begin = size;  // in the re-encoded message
            const bool main_graph = depth == 1 && f.number == kModelGraphField;
            if (main_graph) {
              in_main_graph_ = true;
              main_graph_ = MainGraphLayout{};
            }
            const Sized child = plan(schema.children[f.number], f.value_begin, f.end, depth + 1);
            if (main_graph) in_main_graph_ = false;
            const uint64_t header =
                child.changed
                    ? static_cast<uint64_t>(wire::tag_size(f.number) + wire::varint_size(child.size))
                    : f.value_begin - f.begin;
            changed = changed || child.changed;
            size += header + child.size;
            if (main_graph) note_main_graph(field_begin, field_begin + header, size);
            if (depth == 2 && in_main_graph_ && f.number == kGraphNodeField) note_node(field_begin, size);
            continue;
          }
          break;
        case FieldKind::PackedVarint:
          if (f.is_length_delimited() && !wire::valid_packed_varints(data_, f.value_begin, f.end)) {
            throw WireError("malformed packed varints", f.begin, "field " + std::to_string(f.number));
          }
          break;
        case FieldKind::PackedFixed32:
          if (f.is_length_delimited() && f.value_length() % 4 != 0) {
            throw WireError("packed fixed32 field length not a multiple of 4", f.begin,
                            "field " + std::to_string(f.number));
          }
          break;
        case FieldKind::PackedFixed64:
          if (f.is_length_delimited() && f.value_length() % 8 != 0) {
            throw WireError("packed fixed64 field length not a multiple of 8", f.begin,
                            "field " + std::to_string(f.number));
          }
          break;
        case FieldKind::Other:
          break;
      }
      size += f.end - f.begin;
    }

    if (!changed) {
      // Nothing inside changed either, so nothing was recorded after our slot.
      changed_.pop_back();
      return Sized{end - begin, false};
    }
    changed_[slot].new_size = size;
    changed_[slot].elide_mask = mask;
    return Sized{size, true};
  }

  // Pass 2: lays out a changed message as pieces: runs of unchanged fields are taken from the
  // input as they are, and only tags, lengths and markers are written.
  void write(int schema_index, uint64_t begin, uint64_t end) {
    const ChangedMessage self = changed_[cursor_++];
    const Schema& schema = schemas_.at(schema_index);
    PayloadScan scan{};
    if (self.elide_mask != 0) scan = scan_payloads(begin, end);
    bool string_marker_written = false;

    uint64_t take_from = begin;  // start of the input bytes not yet taken as a piece
    auto take_until = [&](uint64_t offset) { add_piece(false, take_from, offset - take_from); };
    Reader reader(data_, begin, end);
    while (!reader.done()) {
      const Field f = reader.next();
      if (schema.is_tensor) {
        const bool foreign_marker = f.number == static_cast<uint32_t>(kElidedPayloadField);
        if (foreign_marker || elided(self.elide_mask, f.number)) {
          take_until(f.begin);
          take_from = f.end;
          if (!foreign_marker && (f.number != kStringDataField || !string_marker_written)) {
            generate([&](std::string& out) { append_marker(out, payload_ref(scan, f.number)); });
            string_marker_written = string_marker_written || f.number == kStringDataField;
          }
          continue;
        }
      }
      if (schema.kind(f.number) == FieldKind::Message && f.is_length_delimited() &&
          cursor_ < changed_.size() && changed_[cursor_].begin == f.value_begin) {
        take_until(f.begin);
        take_from = f.end;
        generate([&](std::string& out) {
          wire::append_tag(out, f.number, WireType::LengthDelimited);
          wire::append_varint(out, changed_[cursor_].new_size);
        });
        write(schema.children[f.number], f.value_begin, f.end);
      }
    }
    take_until(end);
  }

  // The model's graph field has been planned: its node spans, recorded
  // relative to the graph's body, become offsets into the skeleton (the
  // model's body starts it). A second graph field merges into the first when
  // parsed, so no layout is given then.
  void note_main_graph(uint64_t field_begin, uint64_t body_begin, uint64_t body_end) {
    ++graph_fields_;
    MainGraphLayout& graph = main_graph_;
    graph.field_begin = field_begin;
    graph.body_begin = body_begin;
    graph.body_end = body_end;
    for (MainGraphLayout::Span& run : graph.node_runs) {
      run.begin += body_begin;
      run.end += body_begin;
    }
    for (uint64_t& start : graph.node_samples) start += body_begin;
  }

  // A node field of the model's graph at [begin, end) of the graph's re-encoded body.
  void note_node(uint64_t begin, uint64_t end) {
    MainGraphLayout& graph = main_graph_;
    if (graph.node_count % MainGraphLayout::kNodeSampleStride == 0) graph.node_samples.push_back(begin);
    ++graph.node_count;
    if (!graph.node_runs.empty() && graph.node_runs.back().end == begin)
      graph.node_runs.back().end = end;
    else
      graph.node_runs.push_back(MainGraphLayout::Span{begin, end});
  }

  // Appends a piece, extending the last one when it continues it.
  void add_piece(bool generated, uint64_t offset, uint64_t length) {
    if (length == 0) return;
    if (!pieces_->empty()) {
      SkeletonPiece& last = pieces_->back();
      if (last.generated == generated && last.offset + last.length == offset) {
        last.length += length;
        return;
      }
    }
    pieces_->push_back(SkeletonPiece{generated, offset, length});
  }

  // Bytes the walk writes itself (tags, lengths, markers) become a generated piece.
  template <typename Write>
  void generate(Write&& write_bytes) {
    const uint64_t start = out_->size();
    write_bytes(*out_);
    add_piece(true, start, out_->size() - start);
  }

  const uint8_t* data_;
  uint64_t size_;
  const Limits& limits_;
  const std::string& name_;
  const SchemaSet& schemas_;

  std::vector<ChangedMessage> changed_;
  size_t cursor_ = 0;
  std::vector<SkeletonPiece>* pieces_ = nullptr;
  std::string* out_ = nullptr;  // generated bytes
  bool read_top_level_field_ = false;
  bool in_main_graph_ = false;  // planning the model's graph field
  int graph_fields_ = 0;
  MainGraphLayout main_graph_;  // the last graph field's; used when there is one
  uint64_t elided_tensors_ = 0;
  uint64_t elided_bytes_ = 0;
};

}  // namespace

Skeleton build_skeleton(const uint8_t* data, uint64_t size, const Limits& limits, const std::string& name) {
  return SkeletonBuilder(data, size, limits, name).build();
}

}  // namespace zonnx::detail
