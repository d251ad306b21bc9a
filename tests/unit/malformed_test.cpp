// Hostile and broken inputs: every case either loads or throws a ModelError
// that names the file and the cause. Nothing may crash, hang or recurse
// without bound.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "test_support.h"
#include "zonnx/errors.h"
#include "zonnx/external_data.h"
#include "zonnx/loader.h"
#include "zonnx/truncation_guard.h"

namespace zonnx {
namespace {

using test::bundled_model;
using test::temp_dir;
using test::write_file;

std::string varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}
std::string tag(uint32_t field, int wire_type) {
  return varint((uint64_t{field} << 3) | static_cast<uint64_t>(wire_type));
}
std::string bytes_field(uint32_t field, const std::string& bytes) {
  return tag(field, 2) + varint(bytes.size()) + bytes;
}
std::string varint_field(uint32_t field, uint64_t value) { return tag(field, 0) + varint(value); }

// ir_version 8 and opset 13: enough for bytes to count as an ONNX model.
std::string model_prefix() { return varint_field(1, 8) + bytes_field(8, varint_field(2, 13)); }

// Builds protobuf bytes back to front, so wrapping everything written so far
// in one more message costs only that message's tag and length: a 10,000
// level nesting stays linear to build and needs no recursion.
class BackwardsWriter {
 public:
  // Appends bytes that will read forwards in the result.
  void raw(const std::string& bytes) { reversed_.append(bytes.rbegin(), bytes.rend()); }
  // Makes everything written so far the content of length-delimited `field`.
  void wrap(uint32_t field) {
    const uint64_t length = reversed_.size();
    raw(tag(field, 2) + varint(length));
  }
  std::string bytes() const { return std::string(reversed_.rbegin(), reversed_.rend()); }

 private:
  std::string reversed_;
};

// A model whose main graph holds an If whose then_branch holds an If ...
std::string nested_ifs(int levels) {
  BackwardsWriter w;
  for (int i = 0; i < levels; ++i) {
    // Graph body so far -> AttributeProto.g, plus name and type GRAPH.
    w.wrap(6);
    w.raw(bytes_field(1, "then_branch") + varint_field(20, 5));
    // -> NodeProto.attribute, plus input and op_type.
    w.wrap(5);
    w.raw(bytes_field(1, "cond") + bytes_field(4, "If"));
    // -> GraphProto.node
    w.wrap(1);
  }
  w.wrap(7);  // ModelProto.graph
  w.raw(model_prefix());
  return w.bytes();
}

// A graph input whose type is a sequence of sequences of ... of tensors.
std::string nested_sequence_types(int levels) {
  BackwardsWriter w;
  w.raw(bytes_field(1, varint_field(1, 1)));  // TypeProto.tensor_type{elem_type FLOAT}
  for (int i = 0; i < levels; ++i) {
    w.wrap(1);  // Sequence.elem_type
    w.wrap(4);  // TypeProto.sequence_type
  }
  w.wrap(2);  // ValueInfoProto.type
  w.raw(bytes_field(1, "x"));
  w.wrap(11);  // GraphProto.input
  w.wrap(7);
  w.raw(model_prefix());
  return w.bytes();
}

// Loads and returns "" on success, the cause on ModelError; checks the error
// names the input. Any other exception fails the test.
std::string load_cause(const std::string& bytes, const std::string& name, const LoadOptions& options = {}) {
  try {
    const LoadedModel model = load_model_from_bytes(bytes, name, options);
    // Reading every payload must be safe too.
    for (const auto& t : model.proto().graph().initializer()) {
      try {
        (void)tensor_raw_bytes(model, t);
      } catch (const ModelError& e) {
        EXPECT_EQ(e.file(), name);
      }
    }
    return "";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file(), name);
    EXPECT_FALSE(e.cause().empty());
    EXPECT_EQ(std::string(e.what()), name + ": " + e.cause());
    return e.cause();
  }
}

std::string load_path_cause(const std::string& path) {
  try {
    load_model(path);
    return "";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file(), path);
    return e.cause();
  }
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// --- real model, damaged -------------------------------------------------------

TEST(Malformed, TruncatedSqueezenetAtManyOffsets) {
  const std::string full = test::read_file(bundled_model("squeezenet1_1_op13.onnx"));
  ASSERT_GT(full.size(), 1000000u);
  int failures = 0;
  int truncated_messages = 0;
  for (size_t cut = 0; cut < full.size(); cut += 997) {
    const std::string cause = load_cause(full.substr(0, cut), "squeezenet-cut-" + std::to_string(cut));
    if (!cause.empty()) ++failures;
    if (cause.find("malformed protobuf: truncated") != std::string::npos) ++truncated_messages;
  }
  EXPECT_GT(failures, 2900);
  EXPECT_GT(truncated_messages, 2800);
  EXPECT_CONTAINS(load_cause(full.substr(0, 1), "one-byte"), "not an ONNX model");
}

TEST(Malformed, RandomBitFlipsInStructure) {
  const std::string path = bundled_model("gru_op13.onnx");
  const std::string original = test::read_file(path);
  // Flip structure bytes, not weights: weights are opaque to the loader.
  const LoadedModel clean = load_model(path);
  std::vector<std::pair<uint64_t, uint64_t>> payloads;
  for (const auto& t : clean.proto().graph().initializer()) {
    if (auto ref = elided_payload(t)) payloads.emplace_back(ref->offset, ref->offset + ref->length);
  }
  auto in_payload = [&](uint64_t pos) {
    for (auto [begin, end] : payloads)
      if (pos >= begin && pos < end) return true;
    return false;
  };

  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<size_t> position(0, original.size() - 1);
  std::uniform_int_distribution<int> bit(0, 7);
  std::uniform_int_distribution<int> flips(1, 8);
  int loaded = 0;
  int rejected = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string damaged = original;
    for (int f = flips(rng); f > 0; --f) {
      size_t pos;
      do pos = position(rng);
      while (in_payload(pos));
      damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << bit(rng)));
    }
    (load_cause(damaged, "flipped-" + std::to_string(round)).empty() ? loaded : rejected)++;
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(rejected, 0);
}

// --- hand-made wire format -----------------------------------------------------

TEST(Malformed, GroupWireTypesRejected) {
  EXPECT_CONTAINS(load_cause(model_prefix() + tag(7, 3), "group"), "unsupported wire type 3");
  EXPECT_CONTAINS(load_cause(model_prefix() + tag(7, 4), "end-group"), "unsupported wire type 4");
  EXPECT_CONTAINS(load_cause(model_prefix() + tag(7, 6), "wire6"), "invalid wire type 6");
  // Nested: a group inside a node.
  const std::string node = bytes_field(4, "Relu") + tag(9, 3);
  const std::string cause = load_cause(model_prefix() + bytes_field(7, bytes_field(1, node)), "nested-group");
  EXPECT_CONTAINS(cause, "malformed protobuf: unsupported wire type 3");
}

TEST(Malformed, WrongWireTypeForKnownFieldIsKeptAsUnknown) {
  // graph (field 7) sent as a varint: protobuf keeps it as an unknown field.
  const std::string bytes = model_prefix() + varint_field(7, 1);
  const LoadedModel model = load_model_from_bytes(bytes, "graph-as-varint");
  EXPECT_FALSE(model.proto().has_graph());
  EXPECT_EQ(model.proto().unknown_fields().field_count(), 1);
}

TEST(Malformed, HugeLengthPrefix) {
  const std::string bytes = varint_field(1, 8) + tag(7, 2) + varint(0xFFFFFFFFFFFFull) + "abc";
  EXPECT_CONTAINS(load_cause(bytes, "huge-length"),
                  "malformed protobuf: truncated length-delimited field at byte 2");
  // Inside a tensor, past the end of the graph that holds it.
  const std::string tensor = tag(9, 2) + varint(1ull << 62);
  const std::string nested = model_prefix() + bytes_field(7, tag(5, 2) + varint(tensor.size()) + tensor);
  EXPECT_CONTAINS(load_cause(nested, "huge-nested"), "truncated length-delimited field");
}

TEST(Malformed, VarintOverflowAndTruncation) {
  EXPECT_CONTAINS(load_cause(tag(1, 0) + std::string(11, '\xFF'), "overflow"), "varint overflow");
  EXPECT_CONTAINS(load_cause(varint_field(1, 8) + tag(2, 0) + std::string(11, '\xFF'), "overflow-later"),
                  "malformed protobuf: varint overflow (more than 64 bits) at byte 3");
  // Ten bytes whose last carries more than bit 63.
  EXPECT_CONTAINS(load_cause(model_prefix() + tag(5, 0) + std::string(9, '\xFF') + '\x02', "overflow-10"),
                  "varint overflow");
  EXPECT_CONTAINS(load_cause(varint_field(1, 8) + tag(5, 0) + "\xFF\xFF", "truncated-varint"),
                  "malformed protobuf: truncated varint at byte 3");
  EXPECT_CONTAINS(load_cause(model_prefix() + "\xFF\xFF\xFF\xFF\xFF\x7F", "wide-tag"), "invalid tag");
  EXPECT_CONTAINS(load_cause(std::string("\x00\x00", 2), "field-zero"),
                  "not an ONNX model: invalid field number 0");
  EXPECT_CONTAINS(load_cause(model_prefix() + tag(9, 1) + "\x01\x02", "fixed64"), "truncated fixed64 field");
  EXPECT_CONTAINS(load_cause(model_prefix() + tag(9, 5) + "\x01", "fixed32"), "truncated fixed32 field");
}

TEST(Malformed, MalformedPackedFields) {
  // TensorProto.dims (packed int64) ending in half a varint.
  const std::string dims = bytes_field(1, "\x02\x80");
  const std::string bytes = model_prefix() + bytes_field(7, bytes_field(5, dims));
  EXPECT_CONTAINS(load_cause(bytes, "packed-dims"), "malformed packed varints");
  // AttributeProto.floats (packed float) of 5 bytes.
  const std::string attr = bytes_field(7, std::string("\x00\x00\x80\x3F\x00", 5));
  const std::string node = bytes_field(4, "Foo") + bytes_field(5, attr);
  EXPECT_CONTAINS(load_cause(model_prefix() + bytes_field(7, bytes_field(1, node)), "packed-floats"),
                  "packed fixed32 field length not a multiple of 4");
}

TEST(Malformed, NotAnOnnxModel) {
  EXPECT_CONTAINS(load_cause("", "empty-bytes"), "not an ONNX model: the file is empty");
  // Valid wire format, but nothing an ONNX model has.
  EXPECT_CONTAINS(load_cause(varint_field(3, 1), "no-model"), "not an ONNX model: no ir_version");
  const std::string text = "hello, this is plain text rather than a model\n";
  EXPECT_FALSE(load_cause(text, "text").empty());
  const std::string json = "{\"ir_version\": 8, \"graph\": {}}";
  EXPECT_FALSE(load_cause(json, "json").empty());
}

TEST(Malformed, ElidedReferenceOutsideFile) {
  std::string tensor = bytes_field(8, "w") + bytes_field(9, std::string(5000, 'q'));
  LoadedModel model =
      load_model_from_bytes(model_prefix() + bytes_field(7, bytes_field(5, tensor)), "outside");
  onnx::TensorProto copy = model.proto().graph().initializer(0);
  ASSERT_TRUE(elided_payload(copy));
  // Point the marker past the end, as a tensor from another model would.
  copy.mutable_unknown_fields()->Clear();
  const std::string marker =
      varint_field(1, 9) + varint_field(2, model.file->size() - 10) + varint_field(3, 11);
  copy.mutable_unknown_fields()->AddLengthDelimited(kElidedPayloadField, marker);
  try {
    (void)tensor_raw_bytes(model, copy);
    FAIL() << "reference outside the file accepted";
  } catch (const ModelError& e) {
    EXPECT_EQ(e.file(), "outside");
    EXPECT_CONTAINS(e.cause(), "lies outside the file");
  }
}

// --- nesting -------------------------------------------------------------------

TEST(Malformed, TenThousandNestedIfsRejectedWithoutRecursion) {
  const std::string bytes = nested_ifs(10000);
  EXPECT_CONTAINS(load_cause(bytes, "deep-if"), "nesting deeper than 64 levels");
}

TEST(Malformed, TenThousandNestedSequenceTypesRejected) {
  EXPECT_CONTAINS(load_cause(nested_sequence_types(10000), "deep-type"), "nesting deeper than 64 levels");
}

TEST(Malformed, NestingUpToTheLimitLoads) {
  // Model(1) > Graph(2) > [Node > Attribute > Graph] x 20: innermost graph at depth 62.
  const std::string ok = nested_ifs(20);
  EXPECT_EQ(load_cause(ok, "if-20"), "");
  const LoadedModel model = load_model_from_bytes(ok, "if-20");
  const onnx::GraphProto* g = &model.proto().graph();
  int depth = 0;
  while (g->node_size() == 1) {
    g = &g->node(0).attribute(0).g();
    ++depth;
  }
  EXPECT_EQ(depth, 20);
  // One more level puts a graph at depth 65.
  EXPECT_CONTAINS(load_cause(nested_ifs(21), "if-21"), "nesting deeper than 64 levels");
  // The limit is configurable.
  LoadOptions shallow;
  shallow.limits.max_message_depth = 8;
  EXPECT_CONTAINS(load_cause(nested_ifs(3), "if-3", shallow), "nesting deeper than 8 levels");
}

// --- not regular files ---------------------------------------------------------

TEST(Malformed, DirectoryIsNotAModel) {
  EXPECT_CONTAINS(load_path_cause(temp_dir()), "not a regular file (a directory)");
}

TEST(Malformed, FifoIsRejectedWithoutBlocking) {
  const std::string fifo = temp_dir() + "/model.onnx";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_CONTAINS(load_path_cause(fifo), "not a regular file (a FIFO)");
}

TEST(Malformed, DevicesAreRejected) {
  EXPECT_CONTAINS(load_path_cause("/dev/zero"), "not a regular file (a character device)");
  EXPECT_CONTAINS(load_path_cause("/dev/null"), "not a regular file (a character device)");
}

TEST(Malformed, EmptyAndMissingFiles) {
  const std::string dir = temp_dir();
  write_file(dir + "/empty.onnx", "");
  EXPECT_CONTAINS(load_path_cause(dir + "/empty.onnx"), "not an ONNX model: the file is empty");
  EXPECT_CONTAINS(load_path_cause(dir + "/missing.onnx"), "cannot open: No such file or directory");
  const std::string message = [&] {
    try {
      load_model(dir + "/missing.onnx");
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_EQ(message, dir + "/missing.onnx: cannot open: No such file or directory");
}

TEST(Malformed, DanglingSymlink) {
  const std::string dir = temp_dir();
  std::filesystem::create_symlink(dir + "/nowhere.onnx", dir + "/link.onnx");
  EXPECT_CONTAINS(load_path_cause(dir + "/link.onnx"), "No such file or directory");
}

// --- external data locations ---------------------------------------------------

std::string external_cause(const std::string& dir, const std::string& location) {
  try {
    resolve_external_location(dir, location);
    return "";
  } catch (const ModelError& e) {
    EXPECT_FALSE(e.file().empty());
    return e.cause();
  }
}

TEST(Malformed, ExternalLocationInsideModelDirResolves) {
  const std::string dir = temp_dir();
  std::filesystem::create_directories(dir + "/weights");
  write_file(dir + "/weights/w.bin", std::string(64, 'w'));
  std::filesystem::create_symlink("weights/w.bin", dir + "/alias.bin");  // stays inside
  const std::string real = std::filesystem::canonical(dir + "/weights/w.bin").string();
  EXPECT_EQ(resolve_external_location(dir, "weights/w.bin"), real);
  EXPECT_EQ(resolve_external_location(dir, "./weights//w.bin"), real);
  EXPECT_EQ(resolve_external_location(dir, "alias.bin"), real);
  write_file(dir + "/..data", "dots");  // "..data" is a name, not a parent reference
  EXPECT_EQ(resolve_external_location(dir, "..data"), std::filesystem::canonical(dir + "/..data").string());
}

TEST(Malformed, ExternalLocationTraversalRejected) {
  const std::string dir = temp_dir();
  const std::string outside = temp_dir();
  write_file(outside + "/secret.bin", "secret");
  write_file(dir + "/x", "inside");
  EXPECT_CONTAINS(external_cause(dir, "../x"), "must not contain '..'");
  EXPECT_CONTAINS(external_cause(dir, "a/../../x"), "must not contain '..'");
  EXPECT_CONTAINS(external_cause(dir, "a/.."), "must not contain '..'");
  EXPECT_CONTAINS(external_cause(dir, "/etc/passwd"), "must be a path relative to the model directory");
  EXPECT_CONTAINS(external_cause(dir, ""), "external data location is empty");
  EXPECT_CONTAINS(external_cause(dir, std::string("x\0y", 3)), "NUL byte");

  std::filesystem::create_symlink(outside + "/secret.bin", dir + "/escape.bin");
  EXPECT_CONTAINS(external_cause(dir, "escape.bin"), "outside the model directory");
  std::filesystem::create_symlink("/etc/passwd", dir + "/passwd");
  EXPECT_CONTAINS(external_cause(dir, "passwd"), "outside the model directory");
  std::filesystem::create_directory_symlink(outside, dir + "/linkdir");
  EXPECT_CONTAINS(external_cause(dir, "linkdir/secret.bin"), "outside the model directory");

  ASSERT_EQ(::mkfifo((dir + "/fifo.bin").c_str(), 0600), 0);
  EXPECT_CONTAINS(external_cause(dir, "fifo.bin"), "external data is not a regular file");
  std::filesystem::create_directory(dir + "/subdir");
  EXPECT_CONTAINS(external_cause(dir, "subdir"), "external data is not a regular file");
  EXPECT_CONTAINS(external_cause(dir, "."), "external data is not a regular file");
  EXPECT_CONTAINS(external_cause(dir, "missing.bin"), "No such file or directory");
}

TEST(Malformed, ExternalRangeChecks) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/w.bin";
  write_file(path, std::string(100, 'w'));
  EXPECT_EQ(check_external_range(path, 0, 100), 100u);
  EXPECT_EQ(check_external_range(path, 40, std::nullopt), 60u);
  EXPECT_EQ(check_external_range(path, 100, 0), 0u);
  auto range_cause = [&](uint64_t offset, std::optional<uint64_t> length) {
    try {
      check_external_range(path, offset, length);
      return std::string();
    } catch (const ModelError& e) {
      EXPECT_EQ(e.file(), path);
      return e.cause();
    }
  };
  EXPECT_CONTAINS(range_cause(0, 101), "exceeds the file size (100 bytes)");
  EXPECT_CONTAINS(range_cause(50, UINT64_MAX), "exceeds the file size");
  EXPECT_CONTAINS(range_cause(UINT64_MAX, 2), "past the end of the file");
  EXPECT_CONTAINS(range_cause(101, std::nullopt), "past the end of the file");
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  try {
    check_external_range(dir + "/fifo", 0, 1);
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_CONTAINS(e.cause(), "not a regular file");
  }
}

}  // namespace
}  // namespace zonnx

namespace zonnx {
namespace {

// Another process truncating the model while zonnx has it mapped: reading a
// lost page raises SIGBUS. With the CLI's guard installed that read ends as a
// bad-model error (exit 3, file named) and temporary outputs are removed.
TEST(Malformed, FileTruncatedWhileMappedEndsAsModelError) {
  if (const char* emulator = std::getenv("ZONNX_EMULATOR"); emulator && *emulator) {
    GTEST_SKIP() << "under " << emulator
                 << ": qemu-user does not deliver a SIGBUS from a truncated mapping to the program's handler";
  }
  const std::string dir = temp_dir();
  const std::string model_path = dir + "/shrinking.onnx";
  std::filesystem::copy_file(bundled_model("squeezenet1_1_op13.onnx"), model_path,
                             std::filesystem::copy_options::overwrite_existing);
  const std::string temp_output = dir + "/.out.onnx.zonnx-test";
  write_file(temp_output, "half-written");

  EXPECT_EXIT(
      {
        install_truncation_guard();
        track_temp_output(temp_output.c_str());
        LoadedModel model = load_model(model_path);
        ASSERT_GT(model.elided_tensors, 0u);  // big weights stay in the map
        ASSERT_EQ(::truncate(model_path.c_str(), 0), 0);
        uint64_t sum = 0;
        for (const auto& tensor : model.proto().graph().initializer()) {
          if (auto raw = tensor_raw_bytes(model, tensor)) {
            for (char c : *raw) sum += static_cast<unsigned char>(c);
          }
        }
        std::fprintf(stderr, "read %llu without a fault\n", static_cast<unsigned long long>(sum));
        std::exit(0);
      },
      ::testing::ExitedWithCode(3), "shrinking.onnx: the file shrank while it was being read");
  EXPECT_FALSE(std::filesystem::exists(temp_output)) << "the guard removes temporary outputs";
}

}  // namespace
}  // namespace zonnx
