#include "loader/wire.h"

namespace zonnx::wire {

WireError::WireError(const std::string& problem, uint64_t offset, const std::string& detail)
    : std::runtime_error(problem + " at byte " + std::to_string(offset) +
                         (detail.empty() ? std::string() : " (" + detail + ")")),
      offset_(offset) {}

bool decode_varint(const uint8_t* data, uint64_t* pos, uint64_t end, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < kMaxVarintBytes; ++i) {
    if (*pos >= end) return false;
    uint8_t byte = data[(*pos)++];
    // The tenth byte holds only bit 63; anything more overflows 64 bits.
    if (i == kMaxVarintBytes - 1 && byte > 1) return false;
    result |= uint64_t{byte & 0x7Fu} << (7 * i);
    if ((byte & 0x80u) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool valid_packed_varints(const uint8_t* data, uint64_t begin, uint64_t end) {
  uint64_t pos = begin;
  uint64_t ignored = 0;
  while (pos < end) {
    if (!decode_varint(data, &pos, end, &ignored)) return false;
  }
  return true;
}

uint64_t Reader::read_varint() {
  const uint64_t start = pos_;
  uint64_t value = 0;
  if (decode_varint(data_, &pos_, end_, &value)) return value;
  // Tell truncation apart from overflow for the error message.
  const uint64_t available = end_ - start;
  bool terminated = false;
  for (uint64_t i = 0; i < available && i < kMaxVarintBytes; ++i) {
    if ((data_[start + i] & 0x80u) == 0) {
      terminated = true;
      break;
    }
  }
  if (!terminated && available < static_cast<uint64_t>(kMaxVarintBytes)) {
    throw WireError("truncated varint", start);
  }
  throw WireError("varint overflow (more than 64 bits)", start);
}

Field Reader::next_in_full() {
  Field field;
  field.begin = pos_;
  const uint64_t tag = read_varint();
  if (tag > UINT32_MAX) throw WireError("invalid tag (wider than 32 bits)", field.begin);
  const uint32_t wire_type = static_cast<uint32_t>(tag & 7u);
  field.number = static_cast<uint32_t>(tag >> 3);
  if (field.number == 0) throw WireError("invalid field number 0", field.begin);
  switch (wire_type) {
    case 0:
      field.type = WireType::Varint;
      field.value_begin = pos_;
      field.varint = read_varint();
      break;
    case 1:
      field.type = WireType::Fixed64;
      field.value_begin = pos_;
      if (end_ - pos_ < 8) throw WireError("truncated fixed64 field", field.begin);
      pos_ += 8;
      break;
    case 2: {
      field.type = WireType::LengthDelimited;
      const uint64_t length = read_varint();
      field.value_begin = pos_;
      if (length > end_ - pos_) {
        throw WireError("truncated length-delimited field", field.begin,
                        "field " + std::to_string(field.number) + " declares " + std::to_string(length) +
                            " bytes, " + std::to_string(end_ - pos_) + " left");
      }
      pos_ += length;
      break;
    }
    case 5:
      field.type = WireType::Fixed32;
      field.value_begin = pos_;
      if (end_ - pos_ < 4) throw WireError("truncated fixed32 field", field.begin);
      pos_ += 4;
      break;
    case 3:
    case 4:
      throw WireError("unsupported wire type " + std::to_string(wire_type) + " (group)", field.begin,
                      "field " + std::to_string(field.number));
    default:
      throw WireError("invalid wire type " + std::to_string(wire_type), field.begin,
                      "field " + std::to_string(field.number));
  }
  field.end = pos_;
  return field;
}

int varint_size(uint64_t value) {
  int size = 1;
  while (value >= 0x80u) {
    value >>= 7;
    ++size;
  }
  return size;
}

int tag_size(uint32_t field_number) { return varint_size(uint64_t{field_number} << 3); }

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80u) {
    out.push_back(static_cast<char>((value & 0x7Fu) | 0x80u));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_tag(std::string& out, uint32_t field_number, WireType type) {
  append_varint(out, (uint64_t{field_number} << 3) | static_cast<uint64_t>(type));
}

}  // namespace zonnx::wire
