// Writes a converted model: the structure (small, with elided-payload
// markers) is serialized by protobuf, then walked once more in wire format;
// every marker inside a TensorProto is replaced by the payload field it
// stands for, copied from the input's map straight into the stream. Enclosing
// message lengths are recomputed, so the weights are never held in memory.
#include <fcntl.h>
#include <google/protobuf/descriptor.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ext/stdio_filebuf.h>
#include <ostream>
#include <stdexcept>
#include <unordered_map>

#include "loader/wire.h"
#include "zonnx/convert.h"
#include "zonnx/errors.h"

namespace zonnx {
namespace {

namespace gp = google::protobuf;
using wire::Field;
using wire::Reader;
using wire::WireType;

class Splicer {
 public:
  Splicer(const std::string& bytes, const LoadedModel& model, Durability durability)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())), model_(model), durability_(durability) {}

  uint64_t size(uint64_t begin, uint64_t end, const gp::Descriptor* d) {
    auto it = sizes_.find(begin);
    if (it != sizes_.end()) return it->second;
    uint64_t total = 0;
    Reader r(data_, begin, end);
    while (!r.done()) {
      const Field f = r.next();
      if (const PayloadRef* p = marker(f, d)) {
        total += payload_field_size(*p);
      } else if (const gp::Descriptor* child = message_field(f, d)) {
        const uint64_t n = size(f.value_begin, f.end, child);
        total += wire::tag_size(f.number) + wire::varint_size(n) + n;
      } else {
        total += f.end - f.begin;
      }
    }
    sizes_[begin] = total;
    return total;
  }

  void write(uint64_t begin, uint64_t end, const gp::Descriptor* d, std::ostream& out) {
    Reader r(data_, begin, end);
    std::string head;
    while (!r.done()) {
      const Field f = r.next();
      if (const PayloadRef* p = marker(f, d)) {
        const std::string_view bytes = payload(*p);
        if (p->field != onnx::TensorProto::kStringDataFieldNumber) {
          head.clear();
          wire::append_tag(head, static_cast<uint32_t>(p->field), WireType::LengthDelimited);
          wire::append_varint(head, p->length);
          out.write(head.data(), static_cast<std::streamsize>(head.size()));
        }
        copy_payload(p->offset, bytes, out);
      } else if (const gp::Descriptor* child = message_field(f, d)) {
        head.clear();
        wire::append_tag(head, f.number, WireType::LengthDelimited);
        wire::append_varint(head, size(f.value_begin, f.end, child));
        out.write(head.data(), static_cast<std::streamsize>(head.size()));
        write(f.value_begin, f.end, child, out);
      } else {
        out.write(reinterpret_cast<const char*>(data_ + f.begin),
                  static_cast<std::streamsize>(f.end - f.begin));
      }
    }
  }

 private:
  static const gp::Descriptor* message_field(const Field& f, const gp::Descriptor* d) {
    if (!f.is_length_delimited()) return nullptr;
    const gp::FieldDescriptor* fd = d->FindFieldByNumber(static_cast<int>(f.number));
    return fd && fd->type() == gp::FieldDescriptor::TYPE_MESSAGE ? fd->message_type() : nullptr;
  }

  // Long payloads go file to file in the kernel (copy_file_range, like cp),
  // when the output is a file descriptor: their pages are then never mapped
  // into this process, so peak memory stays the size of the graph.
  void copy_payload(uint64_t offset, std::string_view bytes, std::ostream& out) {
    constexpr uint64_t kKernelCopyFrom = uint64_t{1} << 20;
    auto* file_out = dynamic_cast<__gnu_cxx::stdio_filebuf<char>*>(out.rdbuf());
    const int in_fd = model_.file ? model_.file->fd() : -1;
    if (bytes.size() >= kKernelCopyFrom && file_out && in_fd >= 0 && out.flush()) {
      auto in_offset = static_cast<loff_t>(offset);
      const int out_fd = file_out->fd();
      off_t written_from = durability_ == Durability::Synced ? ::lseek(out_fd, 0, SEEK_CUR) : -1;
      uint64_t left = bytes.size();
      while (left > 0) {
        // In chunks; when an fsync follows, each is handed to writeback right
        // away, so the disk writes overlap the copy instead of all waiting for it.
        constexpr uint64_t kChunk = uint64_t{64} << 20;
        const ssize_t n = ::copy_file_range(in_fd, &in_offset, out_fd, nullptr, std::min(left, kChunk), 0);
        if (n > 0) {
          left -= static_cast<uint64_t>(n);
          if (written_from >= 0) {
            ::sync_file_range(out_fd, written_from, n,
                              SYNC_FILE_RANGE_WRITE);  // a hint: errors do not matter
            written_from += n;
          }
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        // Not supported between these files: nothing copied yet, so write through the map.
        if (n < 0 && left == bytes.size() &&
            (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
          break;
        throw std::runtime_error(n == 0 ? "the input file shrank while it was being copied"
                                        : std::string("copying a payload failed: ") + std::strerror(errno));
      }
      if (left == 0) return;
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  // The marker a field of a TensorProto stands for (null if it is not one).
  const PayloadRef* marker(const Field& f, const gp::Descriptor* d) {
    if (d != onnx::TensorProto::descriptor() || f.number != static_cast<uint32_t>(kElidedPayloadField) ||
        !f.is_length_delimited())
      return nullptr;
    auto it = markers_.find(f.begin);
    if (it != markers_.end()) return &it->second;
    uint64_t v[4] = {0, 0, 0, 0};
    Reader r(data_, f.value_begin, f.end);
    while (!r.done()) {
      const Field m = r.next();
      if (m.type == WireType::Varint && m.number >= 1 && m.number <= 3) v[m.number] = m.varint;
    }
    PayloadRef ref{static_cast<int>(v[1]), v[2], v[3]};
    payload(ref);  // checks the range
    return &markers_.emplace(f.begin, ref).first->second;
  }

  std::string_view payload(const PayloadRef& p) const {
    if (!model_.file || p.offset > model_.file->size() || p.length > model_.file->size() - p.offset)
      throw ModelError(model_.path, "elided payload (bytes " + std::to_string(p.offset) + "+" +
                                        std::to_string(p.length) + ") lies outside the input file");
    return model_.file->bytes(p.offset, p.length);
  }

  static uint64_t payload_field_size(const PayloadRef& p) {
    if (p.field == onnx::TensorProto::kStringDataFieldNumber) return p.length;  // whole run, tags included
    return wire::tag_size(static_cast<uint32_t>(p.field)) + wire::varint_size(p.length) + p.length;
  }

  const uint8_t* data_;
  const LoadedModel& model_;
  const Durability durability_;
  std::unordered_map<uint64_t, uint64_t> sizes_;
  std::unordered_map<uint64_t, PayloadRef> markers_;
};

}  // namespace

void write_converted_model(const LoadedModel& model, std::ostream& out, Durability durability) {
  std::string bytes;
  if (!model.proto().SerializeToString(&bytes))
    throw std::runtime_error("cannot serialize the converted model");
  Splicer splicer(bytes, model, durability);
  try {
    splicer.write(0, bytes.size(), onnx::ModelProto::descriptor(), out);
  } catch (const wire::WireError& e) {
    throw std::runtime_error(std::string("cannot re-encode the converted model: ") + e.what());
  }
  if (!out) throw std::runtime_error("write failed");
}

}  // namespace zonnx
