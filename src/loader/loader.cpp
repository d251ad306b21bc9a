#include "zonnx/loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "common/side_by_side.h"
#include "loader/skeleton.h"
#include "loader/wire.h"
#include "zonnx/errors.h"

namespace zonnx {
namespace {

namespace gp = google::protobuf;

// Structure size from which LoadOptions::beside_parse runs on a second thread:
// protobuf takes ~6 ms per MiB of graph-heavy structure here, so the ~10 ms of
// registry building hides behind the parse; a shorter parse hides nothing and
// would only pay for the thread.
constexpr uint64_t kBesideParseBytes = uint64_t{2} << 20;
// From this many nodes (and kBesideParseBytes of structure) the main graph's
// nodes are parsed in two parts on two threads.
constexpr size_t kSplitParseNodes = kSideBySideNodes;

// Protobuf counts nesting slightly differently from the walk; the walk has
// already enforced max_message_depth, so this only has to be a bit larger.
constexpr int kRecursionMargin = 8;

std::string too_big_cause(uint64_t size, uint64_t limit) {
  char gib[32];
  std::snprintf(gib, sizeof gib, "%.2f", static_cast<double>(size) / double(uint64_t{1} << 30));
  return "file is " + std::string(gib) + " GiB (" + std::to_string(size) + " bytes, limit " +
         std::to_string(limit) +
         "); protobuf files are limited to 2 GiB, so weights must be stored as external data "
         "(onnx.save_model(model, path, save_as_external_data=True))";
}

// Pieces in order, read in place: the unchanged runs straight from the
// mapped file, so the structure is never copied into one buffer.
class PieceStream final : public gp::io::ZeroCopyInputStream {
 public:
  PieceStream(const std::vector<detail::SkeletonPiece>& pieces, const std::string& generated,
              const uint8_t* file)
      : pieces_(pieces), generated_(generated), file_(file) {}

  bool Next(const void** data, int* size) override {
    if (backed_up_ == 0) {
      if (next_ == pieces_.size()) return false;
      const detail::SkeletonPiece& piece = pieces_[next_++];
      const uint8_t* base = piece.generated ? reinterpret_cast<const uint8_t*>(generated_.data()) : file_;
      current_ = base + piece.offset;
      current_size_ = static_cast<int>(piece.length);  // the whole skeleton fits in an int
      backed_up_ = current_size_;
    }
    *data = current_ + (current_size_ - backed_up_);
    *size = backed_up_;
    position_ += backed_up_;
    backed_up_ = 0;
    return true;
  }
  void BackUp(int count) override {
    backed_up_ = count;
    position_ -= count;
  }
  bool Skip(int count) override {
    const void* data;
    int size;
    while (count > 0) {
      if (!Next(&data, &size)) return false;
      if (size > count) {
        BackUp(size - count);
        return true;
      }
      count -= size;
    }
    return true;
  }
  int64_t ByteCount() const override { return position_; }

 private:
  const std::vector<detail::SkeletonPiece>& pieces_;
  const std::string& generated_;
  const uint8_t* file_;
  size_t next_ = 0;
  const uint8_t* current_ = nullptr;
  int current_size_ = 0;
  int backed_up_ = 0;  // bytes at the end of the current piece not yet consumed
  int64_t position_ = 0;
};

// Where each piece begins in the concatenation of `pieces`, and (last) its size.
std::vector<uint64_t> piece_starts(const std::vector<detail::SkeletonPiece>& pieces) {
  std::vector<uint64_t> starts;
  starts.reserve(pieces.size() + 1);
  uint64_t at = 0;
  for (const detail::SkeletonPiece& piece : pieces) {
    starts.push_back(at);
    at += piece.length;
  }
  starts.push_back(at);
  return starts;
}

// The pieces of bytes [begin, end) of the concatenation of `pieces`, found
// through `starts` (piece_starts).
void append_slice(const std::vector<detail::SkeletonPiece>& pieces, const std::vector<uint64_t>& starts,
                  uint64_t begin, uint64_t end, std::vector<detail::SkeletonPiece>& out) {
  if (begin >= end) return;
  size_t i = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin()) - 1;
  for (; begin < end; ++i) {
    const detail::SkeletonPiece& piece = pieces[i];
    const uint64_t skip = begin - starts[i];
    const uint64_t take = std::min(piece.length - skip, end - begin);
    out.push_back(detail::SkeletonPiece{piece.generated, piece.offset + skip, take});
    begin += take;
  }
}

// The skeleton cut in two for parsing on two threads: `rest` is the model
// without the main graph's later nodes (the graph field re-encoded shorter),
// `later_nodes` those node fields alone, which parse as a GraphProto holding
// just them. Appending them to the graph parsed from `rest` gives the model
// one parse of the whole skeleton gives: a repeated field's entries keep
// their order, and fields of other numbers are independent of them.
struct SplitSkeleton {
  std::vector<detail::SkeletonPiece> rest, later_nodes;
};

// `later_share`: the part of the node bytes given to the later nodes (0..0.5].
SplitSkeleton split_skeleton(detail::Skeleton& skeleton, double later_share) {
  const detail::MainGraphLayout& graph = skeleton.main_graph;
  const std::vector<uint64_t> starts = piece_starts(skeleton.pieces);
  // The later nodes start at the sampled node start nearest past the cut
  // (later_share of the nodes' bytes from the end; the last sample when there
  // is none); the runs clipped to start there are the later nodes.
  uint64_t node_bytes = 0;
  for (const auto& run : graph.node_runs) node_bytes += run.end - run.begin;
  const auto first_bytes = static_cast<uint64_t>(static_cast<double>(node_bytes) * (1.0 - later_share));
  uint64_t cut = graph.node_runs.back().end;
  uint64_t seen = 0;
  for (const auto& run : graph.node_runs) {
    if (seen + (run.end - run.begin) >= first_bytes) {
      cut = run.begin + (first_bytes - seen);
      break;
    }
    seen += run.end - run.begin;
  }
  auto sample = std::lower_bound(graph.node_samples.begin(), graph.node_samples.end(), cut);
  const uint64_t split_at = sample == graph.node_samples.end() ? graph.node_samples.back() : *sample;
  std::vector<detail::MainGraphLayout::Span> later;
  uint64_t later_bytes = 0;
  for (const auto& run : graph.node_runs) {
    if (run.end <= split_at) continue;
    later.push_back({std::max(run.begin, split_at), run.end});
    later_bytes += later.back().end - later.back().begin;
  }

  SplitSkeleton split;
  append_slice(skeleton.pieces, starts, 0, graph.field_begin, split.rest);
  const uint64_t header_at = skeleton.generated.size();
  wire::append_tag(skeleton.generated, detail::kModelGraphField, wire::WireType::LengthDelimited);
  wire::append_varint(skeleton.generated, graph.body_end - graph.body_begin - later_bytes);
  split.rest.push_back(detail::SkeletonPiece{true, header_at, skeleton.generated.size() - header_at});
  uint64_t kept_from = graph.body_begin;  // graph body bytes not yet placed in `rest`
  for (const auto& run : later) {
    append_slice(skeleton.pieces, starts, kept_from, run.begin, split.rest);
    append_slice(skeleton.pieces, starts, run.begin, run.end, split.later_nodes);
    kept_from = run.end;
  }
  append_slice(skeleton.pieces, starts, kept_from, skeleton.size, split.rest);
  return split;
}

bool parse_pieces(const std::vector<detail::SkeletonPiece>& pieces, const std::string& generated,
                  const uint8_t* file, int recursion_limit, gp::Message& into) {
  PieceStream stream(pieces, generated, file);
  gp::io::CodedInputStream input(&stream);
  input.SetRecursionLimit(recursion_limit);
  return into.ParseFromCodedStream(&input) && input.ConsumedEntireMessage();
}

// Moves the nodes of `from` after those of `to`'s graph; both on one arena,
// so only pointers move. Returns how many.
int move_nodes_into(onnx::GraphProto& from, onnx::ModelProto& to) {
  const int count = from.node_size();
  std::vector<onnx::NodeProto*> moved(static_cast<size_t>(count));
  from.mutable_node()->UnsafeArenaExtractSubrange(0, count, moved.data());
  auto& nodes = *to.mutable_graph()->mutable_node();
  nodes.Reserve(nodes.size() + count);
  for (onnx::NodeProto* node : moved) nodes.UnsafeArenaAddAllocated(node);
  return count;
}

}  // namespace

// The main graph's node fields as skeleton pieces (tags included), with the
// map and the re-encoded bytes they point into: what materialize_main_nodes parses.
struct CompactNodes::Source {
  std::vector<detail::SkeletonPiece> pieces;
  std::string generated;
  std::shared_ptr<MappedFile> file;
  int recursion_limit = 0;
};

namespace {

std::shared_ptr<gp::Arena> new_arena();

// Reads the concatenation of skeleton pieces by position; positions only grow
// from call to call, so finding the piece is amortised constant time.
class PieceCursor {
 public:
  PieceCursor(const std::vector<detail::SkeletonPiece>& pieces, const std::string& generated,
              const uint8_t* file)
      : pieces_(pieces), generated_(generated), file_(file), starts_(piece_starts(pieces)) {}
  uint64_t size() const { return starts_.back(); }

  // The bytes [begin, end) when one piece of the input file holds them all, else null.
  const uint8_t* in_file(uint64_t begin, uint64_t end) {
    seek(begin);
    const detail::SkeletonPiece& piece = pieces_[current_];
    if (piece.generated || end > starts_[current_ + 1]) return nullptr;
    return file_ + piece.offset + (begin - starts_[current_]);
  }
  // Decodes a varint at *pos (across pieces); false when truncated or too long.
  bool varint(uint64_t* pos, uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (*pos >= size()) return false;
      const uint8_t byte = at(*pos);
      ++*pos;
      *value |= static_cast<uint64_t>(byte & 0x7fu) << shift;
      if (byte < 0x80u) return shift < 63 || byte <= 1;
    }
    return false;
  }
  // The pieces covering [begin, end).
  std::vector<detail::SkeletonPiece> slice(uint64_t begin, uint64_t end) const {
    std::vector<detail::SkeletonPiece> out;
    append_slice(pieces_, starts_, begin, end, out);
    return out;
  }

 private:
  void seek(uint64_t pos) {
    while (current_ + 1 < pieces_.size() && starts_[current_ + 1] <= pos) ++current_;
  }
  uint8_t at(uint64_t pos) {
    seek(pos);
    const detail::SkeletonPiece& piece = pieces_[current_];
    const uint8_t* base = piece.generated ? reinterpret_cast<const uint8_t*>(generated_.data()) : file_;
    return base[piece.offset + (pos - starts_[current_])];
  }
  const std::vector<detail::SkeletonPiece>& pieces_;
  const std::string& generated_;
  const uint8_t* file_;
  std::vector<uint64_t> starts_;  // piece_starts(pieces_)
  size_t current_ = 0;
};

// NodeProto fields the compact decoder reads itself; any other field (an
// attribute, a newer field, a known field with another wire type) makes the
// node one protobuf parses.
constexpr uint32_t kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4, kNodeDocString = 6,
                   kNodeDomain = 7;

struct PlainNode {
  std::string_view name, op_type, domain;
  std::vector<std::string_view> inputs, outputs;
};

// Decodes a node body in the file; false when it is not a plain node (or not
// valid wire format: protobuf then decides).
bool decode_plain_node(const uint8_t* body, uint64_t length, PlainNode& node) {
  node.name = node.op_type = node.domain = std::string_view();
  node.inputs.clear();
  node.outputs.clear();
  wire::Reader reader(body, 0, length);
  try {
    while (!reader.done()) {
      const wire::Field f = reader.next();
      if (!f.is_length_delimited()) return false;
      const std::string_view text(reinterpret_cast<const char*>(body + f.value_begin),
                                  static_cast<size_t>(f.value_length()));
      switch (f.number) {  // a singular field given twice: the last one counts, as in protobuf
        case kNodeInput:
          node.inputs.push_back(text);
          break;
        case kNodeOutput:
          node.outputs.push_back(text);
          break;
        case kNodeName:
          node.name = text;
          break;
        case kNodeOpType:
          node.op_type = text;
          break;
        case kNodeDomain:
          node.domain = text;
          break;
        case kNodeDocString:
          break;  // no report reads a node's doc_string
        default:
          return false;
      }
    }
  } catch (const wire::WireError&) {
    return false;
  }
  return true;
}

// Decodes the node fields in `pieces` into compact records; nodes that are not
// plain are parsed by protobuf, on an arena the records keep. Null when
// protobuf rejects one.
std::shared_ptr<CompactNodes> decode_compact_nodes(const std::vector<detail::SkeletonPiece>& pieces,
                                                   const std::string& generated, const uint8_t* file,
                                                   int recursion_limit, uint64_t node_count) {
  auto out = std::make_shared<CompactNodes>();
  auto arena = new_arena();  // for the nodes protobuf parses; few in most models
  out->keep_alive = arena;
  out->nodes.reserve(static_cast<size_t>(node_count));
  out->operands.reserve(static_cast<size_t>(node_count) * 3);
  std::vector<uint32_t> first_operand;
  first_operand.reserve(static_cast<size_t>(node_count));
  PieceCursor cursor(pieces, generated, file);
  PlainNode plain;
  uint64_t pos = 0;
  while (pos < cursor.size()) {
    uint64_t tag = 0, length = 0;
    if (!cursor.varint(&pos, &tag) || !cursor.varint(&pos, &length) || length > cursor.size() - pos)
      return nullptr;  // the walk found these fields whole: not reached
    const uint64_t begin = pos, end = pos + length;
    pos = end;
    CompactNode node;
    first_operand.push_back(static_cast<uint32_t>(out->operands.size()));
    const uint8_t* body = cursor.in_file(begin, end);
    if (body && decode_plain_node(body, length, plain)) {
      node.name = plain.name;
      node.op_type = plain.op_type;
      node.domain = plain.domain;
      node.input_count = static_cast<uint32_t>(plain.inputs.size());
      node.output_count = static_cast<uint32_t>(plain.outputs.size());
      out->operands.insert(out->operands.end(), plain.inputs.begin(), plain.inputs.end());
      out->operands.insert(out->operands.end(), plain.outputs.begin(), plain.outputs.end());
    } else {
      auto* proto = gp::Arena::CreateMessage<onnx::NodeProto>(arena.get());
      if (!parse_pieces(cursor.slice(begin, end), generated, file, recursion_limit, *proto)) return nullptr;
      node.proto = proto;
      node.name = proto->name();
      node.op_type = proto->op_type();
      node.domain = proto->domain();
      node.input_count = static_cast<uint32_t>(proto->input_size());
      node.output_count = static_cast<uint32_t>(proto->output_size());
      for (const auto& name : proto->input()) out->operands.emplace_back(name);
      for (const auto& name : proto->output()) out->operands.emplace_back(name);
      for (const auto& a : proto->attribute()) out->nested_graphs |= a.has_g() || a.graphs_size() > 0;
    }
    out->nodes.push_back(node);
  }
  for (size_t i = 0; i < out->nodes.size(); ++i)
    out->nodes[i].operands = out->operands.data() + first_operand[i];
  return out;
}

// Parses the skeleton into `model`, running options.beside_parse (if any)
// beside the parse or after it. A large main graph is parsed in two parts, one
// on a second thread; the parts share the model's arena, which allocates
// safely from several threads, so joining them moves pointers only. Returns
// the number of parts, 0 when protobuf rejected one.
int parse_skeleton(detail::Skeleton& skeleton, const uint8_t* file, int recursion_limit,
                   const LoadOptions& options, onnx::ModelProto& model, uint64_t& second_part_nodes,
                   std::shared_ptr<CompactNodes>& compact,
                   std::vector<detail::SkeletonPiece>& compact_pieces) {
  const bool large = skeleton.size >= kBesideParseBytes;
  if (options.compact_main_nodes && skeleton.main_graph.node_count > 0) {
    // The model without its main graph's nodes goes to protobuf; the nodes
    // are decoded here (all of them: the split's later part from the first node on).
    SplitSkeleton parts = split_skeleton(skeleton, 1.0);
    bool rest_parsed = false;
    run_side_by_side(
        options.parallel && large,
        [&] {
          rest_parsed = parse_pieces(parts.rest, skeleton.generated, file, recursion_limit, model);
          compact = decode_compact_nodes(parts.later_nodes, skeleton.generated, file, recursion_limit,
                                         skeleton.main_graph.node_count);
        },
        [&] {
          if (options.beside_parse) options.beside_parse();
        });
    if (!rest_parsed || !compact) return 0;
    compact_pieces = std::move(parts.later_nodes);
    return 1;
  }
  const bool split = options.parallel && large && skeleton.main_graph.node_count >= kSplitParseNodes;
  if (!split) {
    bool parsed = false;
    auto parse = [&] {
      parsed = parse_pieces(skeleton.pieces, skeleton.generated, file, recursion_limit, model);
    };
    if (options.beside_parse)
      run_side_by_side(options.parallel && large, parse, options.beside_parse);
    else
      parse();
    return parsed ? 1 : 0;
  }
  // The second thread runs beside_parse first: it gets that much less to parse.
  const double node_count = static_cast<double>(skeleton.main_graph.node_count);
  const double later_share =
      std::clamp(0.5 - static_cast<double>(options.beside_parse_nodes) / (2.0 * node_count), 0.05, 0.5);
  const SplitSkeleton parts = split_skeleton(skeleton, later_share);
  auto* later = gp::Arena::CreateMessage<onnx::GraphProto>(model.GetArena());
  bool rest_parsed = false, later_parsed = false;
  run_side_by_side(
      true, [&] { rest_parsed = parse_pieces(parts.rest, skeleton.generated, file, recursion_limit, model); },
      [&] {
        if (options.beside_parse) options.beside_parse();
        later_parsed = parse_pieces(parts.later_nodes, skeleton.generated, file, recursion_limit, *later);
      });
  if (!rest_parsed || !later_parsed) return 0;
  second_part_nodes = static_cast<uint64_t>(move_nodes_into(*later, model));
  return 2;
}

LoadedModel parse_model(std::shared_ptr<MappedFile> file, const std::string& name,
                        const LoadOptions& options) {
  const Limits& limits = options.limits;
  if (file->size() > limits.max_file_bytes)
    throw ModelError(name, too_big_cause(file->size(), limits.max_file_bytes));
  if (file->size() == 0) throw ModelError(name, "not an ONNX model: the file is empty");

  detail::Skeleton skeleton = detail::build_skeleton(file->data(), file->size(), limits, name);
  if (skeleton.size > static_cast<uint64_t>(INT_MAX)) {
    throw ModelError(
        name, "model structure is " + std::to_string(skeleton.size) + " bytes, more than protobuf can parse");
  }

  LoadedModel model;
  model.path = name;
  model.elided_tensors = skeleton.elided_tensors;
  model.elided_bytes = skeleton.elided_bytes;
  model.parsed_bytes = skeleton.size;
  const int recursion_limit = limits.max_message_depth + kRecursionMargin;
  std::shared_ptr<CompactNodes> compact;
  std::vector<detail::SkeletonPiece> compact_pieces;
  model.parse_parts = parse_skeleton(skeleton, file->data(), recursion_limit, options, model.proto(),
                                     model.second_part_nodes, compact, compact_pieces);
  if (model.parse_parts == 0)
    throw ModelError(name, "not an ONNX model: protobuf rejected the model structure");
  if (compact) {
    auto source = std::make_shared<CompactNodes::Source>();
    source->pieces = std::move(compact_pieces);
    source->generated = std::move(skeleton.generated);
    source->file = file;
    source->recursion_limit = recursion_limit;
    compact->source = std::move(source);
    model.compact_nodes = std::move(compact);
  }
  // Any byte string of valid wire format parses as some ModelProto; a model
  // has at least one of these.
  if (!model.proto().has_ir_version() && !model.proto().has_graph() &&
      model.proto().opset_import_size() == 0 && model.proto().functions_size() == 0) {
    throw ModelError(name, "not an ONNX model: no ir_version, opset_import, graph or functions found");
  }
  model.file = std::move(file);
  return model;
}

bool is_payload_field(uint64_t number) {
  return number == 4 || number == 5 || number == 6 || number == 7 || number == 9 || number == 10 ||
         number == 11;
}

std::optional<PayloadRef> decode_marker(const std::string& body) {
  const auto* data = reinterpret_cast<const uint8_t*>(body.data());
  wire::Reader reader(data, 0, body.size());
  uint64_t values[4] = {0, 0, 0, 0};
  bool seen[4] = {false, false, false, false};
  try {
    while (!reader.done()) {
      const wire::Field f = reader.next();
      if (f.type != wire::WireType::Varint || f.number < 1 || f.number > 3) continue;
      values[f.number] = f.varint;
      seen[f.number] = true;
    }
  } catch (const wire::WireError&) {
    return std::nullopt;
  }
  if (!seen[1] || !seen[2] || !seen[3] || !is_payload_field(values[1])) return std::nullopt;
  return PayloadRef{static_cast<int>(values[1]), values[2], values[3]};
}

std::shared_ptr<gp::Arena> new_arena() {
  gp::ArenaOptions options;
  options.start_block_size = 4096;
  options.max_block_size = 1 << 20;
  return std::make_shared<gp::Arena>(options);
}

}  // namespace

LoadedModel::LoadedModel()
    : arena_(new_arena()), proto_(gp::Arena::CreateMessage<onnx::ModelProto>(arena_.get())) {}

LoadedModel::LoadedModel(LoadedModel&& other) noexcept
    : path(std::move(other.path)),
      file(std::move(other.file)),
      elided_tensors(other.elided_tensors),
      elided_bytes(other.elided_bytes),
      parsed_bytes(other.parsed_bytes),
      parse_parts(other.parse_parts),
      second_part_nodes(other.second_part_nodes),
      compact_nodes(other.compact_nodes),  // shared like the proto
      arena_(other.arena_),                // shared, not moved: other.proto() stays valid
      proto_(other.proto_) {}

LoadedModel::LoadedModel(const LoadedModel& other)
    : path(other.path),
      file(other.file),
      elided_tensors(other.elided_tensors),
      elided_bytes(other.elided_bytes),
      parsed_bytes(other.parsed_bytes),
      parse_parts(other.parse_parts),
      second_part_nodes(other.second_part_nodes),
      compact_nodes(other.compact_nodes),
      arena_(new_arena()),
      proto_(gp::Arena::CreateMessage<onnx::ModelProto>(arena_.get())) {
  proto_->CopyFrom(*other.proto_);
}

LoadedModel& LoadedModel::operator=(LoadedModel&& other) noexcept {
  path = std::move(other.path);
  file = std::move(other.file);
  elided_tensors = other.elided_tensors;
  elided_bytes = other.elided_bytes;
  parsed_bytes = other.parsed_bytes;
  parse_parts = other.parse_parts;
  second_part_nodes = other.second_part_nodes;
  compact_nodes = other.compact_nodes;
  arena_ = other.arena_;
  proto_ = other.proto_;
  return *this;
}

LoadedModel& LoadedModel::operator=(const LoadedModel& other) {
  if (this != &other) *this = LoadedModel(other);
  return *this;
}

void LoadedModel::materialize_main_nodes() {
  if (!compact_nodes || proto_->graph().node_size() > 0) return;
  const CompactNodes::Source& source = *compact_nodes->source;
  auto* later = gp::Arena::CreateMessage<onnx::GraphProto>(proto_->GetArena());
  if (!parse_pieces(source.pieces, source.generated, source.file->data(), source.recursion_limit, *later))
    throw ModelError(path, "not an ONNX model: protobuf rejected the model structure");
  move_nodes_into(*later, *proto_);
}

const google::protobuf::RepeatedPtrField<onnx::AttributeProto>& NodeFields::attribute() const {
  static const auto* const none = new google::protobuf::RepeatedPtrField<onnx::AttributeProto>();
  return proto_ ? proto_->attribute() : *none;
}

LoadedModel load_model(const std::string& path, const LoadOptions& options) {
  return parse_model(MappedFile::open(path), path, options);
}

LoadedModel load_model_from_bytes(std::string_view bytes, const std::string& name,
                                  const LoadOptions& options) {
  if (bytes.size() > options.limits.max_file_bytes) {
    throw ModelError(name, too_big_cause(bytes.size(), options.limits.max_file_bytes));
  }
  return parse_model(MappedFile::copy_of(bytes, name), name, options);
}

std::vector<PayloadRef> elided_payloads(const onnx::TensorProto& tensor) {
  std::vector<PayloadRef> refs;
  const gp::UnknownFieldSet& unknown = tensor.GetReflection()->GetUnknownFields(tensor);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const gp::UnknownField& field = unknown.field(i);
    if (field.number() != kElidedPayloadField || field.type() != gp::UnknownField::TYPE_LENGTH_DELIMITED)
      continue;
    if (auto ref = decode_marker(field.length_delimited())) refs.push_back(*ref);
  }
  return refs;
}

std::optional<PayloadRef> elided_payload(const onnx::TensorProto& tensor) {
  const std::vector<PayloadRef> refs = elided_payloads(tensor);
  if (refs.empty()) return std::nullopt;
  for (const PayloadRef& ref : refs) {
    if (ref.field == onnx::TensorProto::kRawDataFieldNumber) return ref;
  }
  return refs.front();
}

std::optional<std::vector<int64_t>> decode_packed_varints(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  std::vector<int64_t> values;
  values.reserve(bytes.size() / 2);
  uint64_t pos = 0;
  while (pos < bytes.size()) {
    uint64_t value = 0;
    if (!wire::decode_varint(data, &pos, bytes.size(), &value)) return std::nullopt;
    values.push_back(static_cast<int64_t>(value));
  }
  return values;
}

std::optional<std::vector<std::string_view>> decode_string_data(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  std::vector<std::string_view> strings;
  wire::Reader reader(data, 0, bytes.size());
  try {
    while (!reader.done()) {
      const wire::Field f = reader.next();
      if (f.number != onnx::TensorProto::kStringDataFieldNumber || !f.is_length_delimited())
        return std::nullopt;
      strings.emplace_back(bytes.data() + f.value_begin, static_cast<size_t>(f.value_length()));
    }
  } catch (const wire::WireError&) {
    return std::nullopt;
  }
  return strings;
}

std::optional<std::string_view> tensor_raw_bytes(const LoadedModel& model, const onnx::TensorProto& tensor) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  const std::vector<PayloadRef> refs = elided_payloads(tensor);
  std::optional<PayloadRef> chosen;
  for (const PayloadRef& ref : refs) {
    if (ref.field == onnx::TensorProto::kRawDataFieldNumber) chosen = ref;
  }
  if (!chosen && tensor.has_raw_data()) return std::string_view(tensor.raw_data());
  if (!chosen && !refs.empty()) chosen = refs.front();
  if (!chosen) return std::nullopt;

  const uint64_t file_size = model.file ? model.file->size() : 0;
  if (!model.file || chosen->offset > file_size || chosen->length > file_size - chosen->offset) {
    throw ModelError(model.path, "payload of tensor '" + tensor.name() + "' (bytes " +
                                     std::to_string(chosen->offset) + "+" + std::to_string(chosen->length) +
                                     ") lies outside the file (" + std::to_string(file_size) + " bytes)");
  }
  return model.file->bytes(chosen->offset, chosen->length);
}

}  // namespace zonnx
