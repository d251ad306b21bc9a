#include "zonnx/loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>

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

// The skeleton's pieces in order, read in place: the unchanged runs straight
// from the mapped file, so the structure is never copied into one buffer.
class PieceStream final : public gp::io::ZeroCopyInputStream {
 public:
  PieceStream(const detail::Skeleton& skeleton, const uint8_t* file) : skeleton_(skeleton), file_(file) {}

  bool Next(const void** data, int* size) override {
    if (backed_up_ == 0) {
      if (next_ == skeleton_.pieces.size()) return false;
      const detail::SkeletonPiece& piece = skeleton_.pieces[next_++];
      const uint8_t* base =
          piece.generated ? reinterpret_cast<const uint8_t*>(skeleton_.generated.data()) : file_;
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
  const detail::Skeleton& skeleton_;
  const uint8_t* file_;
  size_t next_ = 0;
  const uint8_t* current_ = nullptr;
  int current_size_ = 0;
  int backed_up_ = 0;  // bytes at the end of the current piece not yet consumed
  int64_t position_ = 0;
};

LoadedModel parse_model(std::shared_ptr<MappedFile> file, const std::string& name,
                        const LoadOptions& options) {
  const Limits& limits = options.limits;
  if (file->size() > limits.max_file_bytes)
    throw ModelError(name, too_big_cause(file->size(), limits.max_file_bytes));
  if (file->size() == 0) throw ModelError(name, "not an ONNX model: the file is empty");

  const detail::Skeleton skeleton = detail::build_skeleton(file->data(), file->size(), limits, name);
  if (skeleton.size > static_cast<uint64_t>(INT_MAX)) {
    throw ModelError(
        name, "model structure is " + std::to_string(skeleton.size) + " bytes, more than protobuf can parse");
  }

  LoadedModel model;
  model.path = name;
  model.elided_tensors = skeleton.elided_tensors;
  model.elided_bytes = skeleton.elided_bytes;
  model.parsed_bytes = skeleton.size;
  PieceStream pieces(skeleton, file->data());
  gp::io::CodedInputStream input(&pieces);
  input.SetRecursionLimit(limits.max_message_depth + kRecursionMargin);
  bool parsed = false;
  auto parse = [&] { parsed = model.proto().ParseFromCodedStream(&input) && input.ConsumedEntireMessage(); };
  if (options.beside_parse) {
    run_side_by_side(skeleton.size >= kBesideParseBytes, parse, options.beside_parse);
  } else {
    parse();
  }
  if (!parsed) throw ModelError(name, "not an ONNX model: protobuf rejected the model structure");
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
      arena_(other.arena_),  // shared, not moved: other.proto() stays valid
      proto_(other.proto_) {}

LoadedModel::LoadedModel(const LoadedModel& other)
    : path(other.path),
      file(other.file),
      elided_tensors(other.elided_tensors),
      elided_bytes(other.elided_bytes),
      parsed_bytes(other.parsed_bytes),
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
  arena_ = other.arena_;
  proto_ = other.proto_;
  return *this;
}

LoadedModel& LoadedModel::operator=(const LoadedModel& other) {
  if (this != &other) *this = LoadedModel(other);
  return *this;
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
