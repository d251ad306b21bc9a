// Structure-first loader: memory-maps the model, walks the protobuf wire format
// and parses only the graph structure with protobuf. Large tensor payloads are
// left in the map and referenced by offset (see PayloadRef), so loading time and
// memory grow with the graph, not with the weights. Weight files of external
// data are never opened here.
#pragma once

#include <google/protobuf/arena.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonnx/limits.h"

namespace zonnx {

// Read-only memory map of a whole file (empty files are allowed and map to nothing).
class MappedFile {
 public:
  static std::shared_ptr<MappedFile> open(const std::string& path);  // throws ModelError
  // An in-memory copy of `bytes` behaving like a mapped file named `name`
  // (load_model_from_bytes: elided payloads must outlive the caller's buffer).
  static std::shared_ptr<MappedFile> copy_of(std::string_view bytes, const std::string& name);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  std::string_view bytes(uint64_t offset, uint64_t length) const;  // bounds-checked, throws std::out_of_range
  const std::string& path() const { return path_; }
  // Read-only descriptor of the mapped file (-1 for in-memory copies): lets
  // convert copy long payloads kernel-side (copy_file_range) without touching the map.
  int fd() const { return fd_; }
  // Copies bytes [offset, offset + length) into `out` (bounds-checked, throws
  // std::out_of_range). Files with a descriptor are read with pread, so that a
  // few KiB sampled from each weight do not map page-cache folios into the
  // process: since Linux 6.10 the first touch of a mapped file maps its whole
  // large folio (up to 2 MiB), which made 64 sampled runs cost 128 MiB of RSS.
  // Throws ModelError when the file has shrunk since it was mapped.
  void read_into(uint64_t offset, uint64_t length, void* out) const;

 private:
  MappedFile() = default;
  std::string path_;
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  bool mapped_ = false;  // data_ comes from mmap (else from owned_)
  std::string owned_;
};

// Where an elided tensor payload lives in the mapped model file. The bytes
// keep their wire encoding, which for each field is:
//   9 raw_data, 4 float_data, 10 double_data: fixed-width little-endian values
//     (packed float/double use the same layout as raw_data);
//   5 int32_data, 7 int64_data, 11 uint64_data: packed varints (see
//     decode_packed_varints);
//   6 string_data: the whole run of string_data fields, tags and lengths
//     included; `offset` is the first tag (see decode_string_data).
struct PayloadRef {
  int field = 0;        // TensorProto field number the bytes belong to (9 raw_data, 4 float_data, ...)
  uint64_t offset = 0;  // byte offset in the file: after tag and length (string_data: the first tag)
  uint64_t length = 0;  // payload length in bytes
};

// The private field number used to mark an elided payload inside a parsed
// TensorProto (kept by protobuf as an unknown field, so it travels with the
// tensor when the proto is copied or moved).
constexpr int kElidedPayloadField = 536870001;

// If `tensor`'s data was left in the mapped file, where it is (raw_data first
// when a tensor has more than one elided field).
std::optional<PayloadRef> elided_payload(const onnx::TensorProto& tensor);
// Every elided field of `tensor`, in the order of the markers.
std::vector<PayloadRef> elided_payloads(const onnx::TensorProto& tensor);

// Decodes a packed varint payload (int32_data, int64_data, uint64_data) into
// two's-complement values; nullopt when truncated or a varint overflows.
std::optional<std::vector<int64_t>> decode_packed_varints(std::string_view bytes);
// Decodes an elided string_data range (a run of field-6 entries) into the
// strings; nullopt when malformed. The views point into `bytes`.
std::optional<std::vector<std::string_view>> decode_string_data(std::string_view bytes);

// A main-graph node decoded by the loader straight from the mapped file
// (LoadOptions::compact_main_nodes), instead of a NodeProto: ~70 bytes and no
// allocation per node where protobuf needs ~470 and a dozen (docs/performance.md).
struct CompactNode {
  std::string_view name, op_type, domain;
  const std::string_view* operands = nullptr;  // input_count inputs, then output_count outputs
  uint32_t input_count = 0;
  uint32_t output_count = 0;
  // The node as protobuf parsed it, when it has attributes or any field
  // besides its names, op and domain; the views above then point into it.
  const onnx::NodeProto* proto = nullptr;
};

struct CompactNodes {
  std::vector<CompactNode> nodes;  // the main graph's nodes, in order
  std::vector<std::string_view> operands;
  bool nested_graphs = false;              // some node holds a graph attribute (If/Loop/Scan bodies)
  std::shared_ptr<const void> keep_alive;  // the arena of the nodes protobuf parsed
  struct Source;                           // the node fields' bytes and the map, for materialize_main_nodes
  std::shared_ptr<const Source> source;    // (plain nodes' views point into the map it holds)
};

// A node's names, op, domain and attributes, read from its NodeProto or its
// compact record alike (the same answers either way).
class NodeFields {
 public:
  NodeFields() = default;
  explicit NodeFields(const onnx::NodeProto& proto) : proto_(&proto) {}
  explicit NodeFields(const CompactNode& node) : compact_(&node), proto_(node.proto) {}

  class Names;  // input() and output(): the names iterated as string views
  std::string_view name() const { return compact_ ? compact_->name : std::string_view(proto_->name()); }
  std::string_view op_type() const {
    return compact_ ? compact_->op_type : std::string_view(proto_->op_type());
  }
  std::string_view domain() const { return compact_ ? compact_->domain : std::string_view(proto_->domain()); }
  int input_size() const { return compact_ ? static_cast<int>(compact_->input_count) : proto_->input_size(); }
  int output_size() const {
    return compact_ ? static_cast<int>(compact_->output_count) : proto_->output_size();
  }
  std::string_view input(int i) const {
    return compact_ ? compact_->operands[i] : std::string_view(proto_->input(i));
  }
  std::string_view output(int i) const {
    return compact_ ? compact_->operands[compact_->input_count + static_cast<uint32_t>(i)]
                    : std::string_view(proto_->output(i));
  }
  Names input() const;
  Names output() const;
  int attribute_size() const { return proto_ ? proto_->attribute_size() : 0; }
  const google::protobuf::RepeatedPtrField<onnx::AttributeProto>& attribute() const;
  // The parsed node; null for a compact node without attributes.
  const onnx::NodeProto* proto() const { return proto_; }
  bool empty() const { return !compact_ && !proto_; }

 private:
  const CompactNode* compact_ = nullptr;
  const onnx::NodeProto* proto_ = nullptr;
};

// Iterates what `owner.at(i)` gives for i = 0, 1, ... (ranges read by position).
template <typename Owner, typename Value>
class PositionIterator {
 public:
  PositionIterator(const Owner* owner, int i) : owner_(owner), i_(i) {}
  Value operator*() const { return owner_->at(i_); }
  PositionIterator& operator++() {
    ++i_;
    return *this;
  }
  bool operator!=(const PositionIterator& other) const { return i_ != other.i_; }

 private:
  const Owner* owner_;
  int i_;
};

// Holds a copy of the fields, so iterating `nodes.Get(i).input()` is safe.
class NodeFields::Names {
 public:
  using iterator = PositionIterator<Names, std::string_view>;
  Names(const NodeFields& node, bool inputs) : node_(node), inputs_(inputs) {}
  std::string_view at(int i) const { return inputs_ ? node_.input(i) : node_.output(i); }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, inputs_ ? node_.input_size() : node_.output_size()}; }

 private:
  NodeFields node_;
  bool inputs_;
};

inline NodeFields::Names NodeFields::input() const { return Names(*this, true); }
inline NodeFields::Names NodeFields::output() const { return Names(*this, false); }

struct LoadOptions {
  Limits limits;
  // Decode the main graph's nodes into compact records (LoadedModel::compact_nodes)
  // instead of NodeProtos, when the file has one main graph. For readers of
  // the model view; libonnx and convert need materialize_main_nodes() first.
  bool compact_main_nodes = false;
  // Work the caller needs next and that does not touch the model (e.g.
  // building libonnx's schema registry): run on a second thread while
  // protobuf parses a large structure, else after loading. May be empty.
  std::function<void()> beside_parse;
  // About how long beside_parse takes, as the number of nodes protobuf parses
  // in that time: a graph parsed in two parts leaves that many fewer nodes to
  // the second thread, so that both threads finish together. 0: even halves.
  uint64_t beside_parse_nodes = 0;
  // A large structure may be parsed on two threads (the same model either
  // way); beside_parse then also runs beside it. Off: one thread only.
  bool parallel = true;
};

// The structure lives on a protobuf arena: a 200,000-node graph is ~1.4 million
// small objects, which an arena allocates in large blocks and frees at once
// (docs/performance.md). Moving a LoadedModel shares the arena, so a model
// moved from still refers to a live (the same) proto; a copy is deep.
struct LoadedModel {
  LoadedModel();  // an empty model
  LoadedModel(LoadedModel&& other) noexcept;
  LoadedModel(const LoadedModel& other);
  LoadedModel& operator=(LoadedModel&& other) noexcept;
  LoadedModel& operator=(const LoadedModel& other);

  // Structure; big payloads marked with kElidedPayloadField.
  onnx::ModelProto& proto() { return *proto_; }
  const onnx::ModelProto& proto() const { return *proto_; }

  std::string path;                  // as given by the user
  std::shared_ptr<MappedFile> file;  // keeps elided payloads readable
  uint64_t elided_tensors = 0;       // how many payloads stayed in the map
  uint64_t elided_bytes = 0;         // their total size
  uint64_t parsed_bytes = 0;         // bytes handed to protobuf
  int parse_parts = 1;               // 2 when the main graph's nodes were parsed in two parts
  uint64_t second_part_nodes = 0;    // of those, the nodes the second thread parsed
  // Set when the loader decoded the main graph's nodes itself
  // (LoadOptions::compact_main_nodes): they are these records, and
  // proto().graph().node() stays empty until materialize_main_nodes().
  std::shared_ptr<const CompactNodes> compact_nodes;
  // Parses the compact nodes into proto().graph().node() (once), for code that
  // reads the proto (libonnx's inference). The compact records stay valid.
  // Throws ModelError when protobuf rejects them.
  void materialize_main_nodes();
  // materialize_main_nodes(), then forgets the compact records.
  void use_parsed_main_nodes() {
    materialize_main_nodes();
    compact_nodes.reset();
  }

 private:
  std::shared_ptr<google::protobuf::Arena> arena_;
  onnx::ModelProto* proto_;  // on arena_
};

// Loads `path`. Throws ModelError (file + cause) for anything unreadable:
// missing file, not a regular file, too big, malformed wire format, limits hit.
// A tensor payload field longer than limits.inline_payload_bytes is absent
// from the parsed tensor and marked instead (see elided_payload); a field
// split over several wire entries (unpacked or chunked) stays inline.
// Unknown fields of newer ONNX versions are kept.
LoadedModel load_model(const std::string& path, const LoadOptions& options = {});

// Same, from bytes already in memory (tests, fuzzing). `name` is used in errors.
LoadedModel load_model_from_bytes(std::string_view bytes, const std::string& name,
                                  const LoadOptions& options = {});

// The bytes of a tensor's payload: from the proto when inline, from the map
// when elided. Returns nullopt for external data (never read here) or when the
// tensor has no raw_data-style payload. Throws ModelError when a reference
// points outside the file.
// Inline raw_data and any elided field are returned; inline typed fields
// (float_data, int64_data, ...) are not (read them from the proto). For an
// elided typed field the bytes use the encoding described at PayloadRef:
// check elided_payload(tensor)->field before interpreting them.
std::optional<std::string_view> tensor_raw_bytes(const LoadedModel& model, const onnx::TensorProto& tensor);

}  // namespace zonnx
