// Minimal protobuf wire-format reader and writer with 64-bit offsets, used for
// the outer walk of model files (which can be larger than protobuf's own
// CodedInputStream handles). Every length is checked against the bytes left,
// and every multi-byte value is assembled byte by byte so the code is
// endian-neutral (s390x is big-endian).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zonnx::wire {

enum class WireType : uint8_t {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
};

constexpr uint32_t kMaxFieldNumber = (uint32_t{1} << 29) - 1;
constexpr int kMaxVarintBytes = 10;

// Malformed wire format. what() reads "<problem> at byte <offset>".
class WireError : public std::runtime_error {
 public:
  WireError(const std::string& problem, uint64_t offset, const std::string& detail = "");
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

// One decoded field. Offsets index the buffer given to the Reader.
struct Field {
  uint32_t number = 0;
  WireType type = WireType::Varint;
  uint64_t begin = 0;        // first byte of the tag
  uint64_t value_begin = 0;  // first byte of the value; after the length prefix for LengthDelimited
  uint64_t end = 0;          // one past the last byte of the field
  uint64_t varint = 0;       // the value of a Varint field

  uint64_t value_length() const { return end - value_begin; }
  bool is_length_delimited() const { return type == WireType::LengthDelimited; }
};

// Reads the fields of one message body, bytes [begin, end) of `data`.
class Reader {
 public:
  Reader(const uint8_t* data, uint64_t begin, uint64_t end) : data_(data), pos_(begin), end_(end) {}

  bool done() const { return pos_ >= end_; }
  uint64_t position() const { return pos_; }

  // Decodes the next field and moves past it. Throws WireError.
  Field next() {
    // Most fields of a model's structure have a one-byte tag and a one-byte
    // length or value; those are decoded here without a call.
    if (end_ - pos_ >= 2) {
      const uint8_t tag = data_[pos_];
      const uint8_t second = data_[pos_ + 1];
      const uint8_t type = tag & 7u;
      if (tag < 0x80u && second < 0x80u && tag >= 8u && (type == 0 || type == 2)) {
        Field field;
        field.number = tag >> 3;
        field.begin = pos_;
        field.value_begin = pos_ + 1;
        if (type == 0) {
          field.type = WireType::Varint;
          field.varint = second;
          field.end = pos_ + 2;
        } else if (second <= end_ - pos_ - 2) {
          field.type = WireType::LengthDelimited;
          field.value_begin = pos_ + 2;
          field.end = pos_ + 2 + second;
        } else {
          return next_in_full();  // truncated: the full decoder reports it
        }
        pos_ = field.end;
        return field;
      }
    }
    return next_in_full();
  }
  // Decodes one varint at the current position. Throws WireError.
  uint64_t read_varint();

 private:
  Field next_in_full();
  const uint8_t* data_;
  uint64_t pos_;
  uint64_t end_;
};

// Decodes one varint from [*pos, end). Returns false (leaving *pos unspecified)
// when truncated or wider than 64 bits. Does not throw.
bool decode_varint(const uint8_t* data, uint64_t* pos, uint64_t end, uint64_t* value);

// True when [begin, end) is a sequence of whole varints (a valid packed varint payload).
bool valid_packed_varints(const uint8_t* data, uint64_t begin, uint64_t end);

int varint_size(uint64_t value);
int tag_size(uint32_t field_number);
void append_varint(std::string& out, uint64_t value);
void append_tag(std::string& out, uint32_t field_number, WireType type);

}  // namespace zonnx::wire
