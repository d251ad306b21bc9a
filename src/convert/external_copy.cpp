// `convert --external-data copy`: the converted model gets its own weight
// file next to it. Every external-data tensor's range is checked (location
// inside the input's folder, range inside a regular file), then copied in
// chunks into OUT's data file; the tensors' location/offset/length are
// rewritten to point there. Both files are written through temp files: the
// data file is published only after the model's bytes are complete, and is
// removed again if publishing the model fails.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "convert/convert_internal.h"
#include "zonnx/atomic_file.h"
#include "zonnx/convert.h"
#include "zonnx/errors.h"
#include "zonnx/external_data.h"

namespace zonnx {
namespace {

namespace fs = std::filesystem;
using onnx::TensorProto;

// Offsets in the new file are multiples of this (lets runtimes map tensors aligned).
constexpr uint64_t kAlignment = 64;
constexpr size_t kChunk = 1 << 20;

void visit_graph(onnx::GraphProto& g, const std::function<void(TensorProto&)>& f);
void visit_nodes(google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes,
                 const std::function<void(TensorProto&)>& f) {
  for (auto& n : nodes)
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) f(*a.mutable_t());
      for (auto& t : *a.mutable_tensors()) f(t);
      if (a.has_g()) visit_graph(*a.mutable_g(), f);
      for (auto& g : *a.mutable_graphs()) visit_graph(g, f);
    }
}
void visit_graph(onnx::GraphProto& g, const std::function<void(TensorProto&)>& f) {
  for (auto& t : *g.mutable_initializer()) f(t);
  for (auto& sp : *g.mutable_sparse_initializer()) {
    f(*sp.mutable_values());
    f(*sp.mutable_indices());
  }
  visit_nodes(*g.mutable_node(), f);
}

struct Source {
  std::string path;  // canonical path of the input's weight file
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator<(const Source& o) const {
    return std::tie(path, offset, length) < std::tie(o.path, o.offset, o.length);
  }
};

std::optional<uint64_t> parse_u64(const std::string& tensor, const std::string& key, const std::string& value,
                                  const std::string& model) {
  uint64_t v = 0;
  size_t used = 0;
  try {
    if (!value.empty() && value[0] != '-') v = std::stoull(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size())
    throw ModelError(model, "external data of tensor '" + tensor + "': " + key + " '" + value +
                                "' is not a non-negative integer");
  return v;
}

void copy_range(const Source& s, std::ostream& out, const std::string& model) {
  std::ifstream in(s.path, std::ios::binary);
  if (!in) throw ModelError(model, "cannot open external data file " + s.path + ": " + std::strerror(errno));
  in.seekg(static_cast<std::streamoff>(s.offset));
  std::vector<char> buf(kChunk);
  uint64_t left = s.length;
  while (left > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kChunk));
    in.read(buf.data(), static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in.gcount()) != n)
      throw ModelError(model, "external data file " + s.path + " became shorter while it was copied");
    out.write(buf.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
}

}  // namespace

std::vector<std::string> external_data_files(const LoadedModel& model) {
  std::string in_dir = fs::path(model.path).parent_path().string();
  if (in_dir.empty()) in_dir = ".";
  std::set<std::string> files;
  for_each_tensor(model.proto(), [&](const TensorProto& t) {
    if (t.data_location() != TensorProto::EXTERNAL) return;
    for (const auto& kv : t.external_data())
      if (kv.key() == "location") files.insert(resolve_external_location(in_dir, kv.value()));
  });
  return {files.begin(), files.end()};
}

std::string external_data_file_name(const std::string& output) {
  return fs::path(output).filename().string() + ".data";
}

ExternalCopyStats write_with_copied_external_data(LoadedModel& model, const std::string& output,
                                                  Durability durability) {
  std::string in_dir = fs::path(model.path).parent_path().string();
  if (in_dir.empty()) in_dir = ".";
  const std::string data_name = external_data_file_name(output);
  const std::string data_path = (fs::path(output).parent_path() / data_name).string();

  // Plan: check every range, give each distinct one an offset in the new file.
  std::map<Source, uint64_t> placed;
  std::vector<Source> order;
  ExternalCopyStats stats;
  stats.file = data_name;
  uint64_t next = 0;  // offset of the next distinct range in the new file
  auto plan = [&](TensorProto& t) {
    if (t.data_location() != TensorProto::EXTERNAL) return;
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;
    for (const auto& kv : t.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = *parse_u64(t.name(), "offset", kv.value(), model.path);
      if (kv.key() == "length") length = parse_u64(t.name(), "length", kv.value(), model.path);
    }
    Source s;
    s.path = resolve_external_location(in_dir, location);
    // Replacing a weight file the input still uses would break the input (in place, IN goes too).
    std::error_code ec;
    if (fs::equivalent(s.path, data_path, ec) && !fs::equivalent(model.path, output, ec))
      throw UsageError("convert: OUT's weight file " + data_path + " is the input's weight file '" +
                       location + "'; choose another OUT name");
    s.offset = offset;
    s.length = check_external_range(s.path, offset, length);
    auto [it, added] = placed.emplace(s, next);
    if (added) {
      order.push_back(s);
      stats.bytes += s.length;
      next += (s.length + kAlignment - 1) / kAlignment * kAlignment;
    }
    ++stats.tensors;
    // Keep other keys (checksum stays valid: the bytes are the same).
    google::protobuf::RepeatedPtrField<onnx::StringStringEntryProto> kept;
    for (const auto& kv : t.external_data())
      if (kv.key() != "location" && kv.key() != "offset" && kv.key() != "length") *kept.Add() = kv;
    t.clear_external_data();
    auto add = [&](const std::string& k, const std::string& v) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", data_name);
    add("offset", std::to_string(it->second));
    add("length", std::to_string(s.length));
    for (const auto& kv : kept) *t.add_external_data() = kv;
  };
  visit_graph(*model.proto().mutable_graph(), plan);
  for (auto& f : *model.proto().mutable_functions()) visit_nodes(*f.mutable_node(), plan);

  const bool data_existed = fs::exists(data_path);
  bool data_published = false;
  try {
    write_file_atomically(
        output,
        [&](std::ostream& out) {
          write_converted_model(model, out, durability);
          out.flush();
          if (!out) throw std::runtime_error(output + ": write failed");
          // The model's bytes are complete: now the weights, published before the model's rename.
          write_file_atomically(
              data_path,
              [&](std::ostream& data) {
                uint64_t at = 0;
                static const char zeros[kAlignment] = {};
                for (const Source& s : order) {
                  const uint64_t start = placed.at(s);
                  data.write(zeros, static_cast<std::streamsize>(start - at));
                  copy_range(s, data, model.path);
                  at = start + s.length;
                }
              },
              durability);
          data_published = true;
        },
        durability);
  } catch (...) {
    // The model was not published: do not leave a weight file without its model.
    if (data_published && !data_existed) fs::remove(data_path);
    throw;
  }
  return stats;
}

}  // namespace zonnx
