// onnx-mlir support tables and ONNX operator versions, read from the JSON files
// in data/ that are embedded into the library.
#include "zonnx/tables.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "tables/embedded.h"

namespace zonnx {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSupportFormat = "zonnx.support-tables/1";
constexpr std::string_view kVersionsFormat = "zonnx.op-versions/1";

[[noreturn]] void fail(std::string_view file, const std::string& what) {
  throw std::runtime_error(std::string(file) + ": " + what);
}

Json parse_document(std::string_view text, std::string_view file, std::string_view format) {
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    fail(file, std::string("invalid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail(file, "the document is not a JSON object");
  auto it = doc.find("format");
  if (it == doc.end() || !it->is_string() || it->get<std::string>() != format) {
    fail(file, "expected \"format\": \"" + std::string(format) + "\"");
  }
  return doc;
}

const Json& member(const Json& obj, const char* key, std::string_view file, const std::string& where) {
  if (!obj.is_object()) fail(file, where + " is not an object");
  auto it = obj.find(key);
  if (it == obj.end()) fail(file, where + ": missing \"" + key + "\"");
  return *it;
}

std::string get_string(const Json& obj, const char* key, std::string_view file, const std::string& where) {
  const Json& v = member(obj, key, file, where);
  if (!v.is_string()) fail(file, where + ": \"" + key + "\" is not a string");
  return v.get<std::string>();
}

int get_int(const Json& obj, const char* key, std::string_view file, const std::string& where) {
  const Json& v = member(obj, key, file, where);
  if (!v.is_number_integer()) fail(file, where + ": \"" + key + "\" is not an integer");
  auto n = v.get<long long>();
  if (n < 0 || n > 10000) fail(file, where + ": \"" + key + "\" is out of range");
  return static_cast<int>(n);
}

bool get_bool(const Json& obj, const char* key, std::string_view file, const std::string& where) {
  const Json& v = member(obj, key, file, where);
  if (!v.is_boolean()) fail(file, where + ": \"" + key + "\" is not a boolean");
  return v.get<bool>();
}

template <typename Entry>
void sort_unique(std::vector<Entry>& rows, std::string_view file, const char* table) {
  std::sort(rows.begin(), rows.end(), [](const Entry& a, const Entry& b) { return a.op < b.op; });
  auto dup = std::adjacent_find(rows.begin(), rows.end(),
                                [](const Entry& a, const Entry& b) { return a.op == b.op; });
  if (dup != rows.end()) fail(file, std::string(table) + ": op " + dup->op + " is listed twice");
}

template <typename Entry>
const Entry* find_sorted(const std::vector<Entry>& rows, std::string_view op) {
  auto it = std::lower_bound(rows.begin(), rows.end(), op,
                             [](const Entry& e, std::string_view name) { return e.op < name; });
  return it != rows.end() && it->op == op ? &*it : nullptr;
}

void check_range(int min_opset, int max_opset, std::string_view file, const std::string& where) {
  if (min_opset < 1) fail(file, where + ": min_opset must be >= 1");
  if (max_opset != 0 && max_opset < min_opset) fail(file, where + ": max_opset < min_opset");
}

// Key/value lists sorted by name, looked up with binary search.
template <typename V>
const V* find_pair(const std::vector<std::pair<std::string, V>>& list, std::string_view name) {
  auto it =
      std::lower_bound(list.begin(), list.end(), name,
                       [](const std::pair<std::string, V>& p, std::string_view n) { return p.first < n; });
  return it != list.end() && it->first == name ? &it->second : nullptr;
}

std::vector<std::pair<std::string, std::vector<int>>> read_version_lists(const Json& obj,
                                                                         std::string_view file,
                                                                         const std::string& where,
                                                                         int max_opset) {
  if (!obj.is_object()) fail(file, where + " is not an object");
  std::vector<std::pair<std::string, std::vector<int>>> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string ctx = where + "." + it.key();
    if (it.key().empty()) fail(file, where + ": empty op name");
    if (!it->is_array() || it->empty()) fail(file, ctx + " is not a non-empty array");
    std::vector<int> versions;
    for (const Json& v : *it) {
      if (!v.is_number_integer()) fail(file, ctx + ": versions must be integers");
      auto n = v.get<long long>();
      if (n < 1 || n > max_opset) fail(file, ctx + ": version out of range 1.." + std::to_string(max_opset));
      if (!versions.empty() && n <= versions.back())
        fail(file, ctx + ": versions must be strictly ascending");
      versions.push_back(static_cast<int>(n));
    }
    out.emplace_back(it.key(), std::move(versions));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, int>> read_removed(
    const Json& obj, std::string_view file, const std::string& where,
    const std::vector<std::pair<std::string, std::vector<int>>>& ops, int max_opset) {
  if (!obj.is_object()) fail(file, where + " is not an object");
  std::vector<std::pair<std::string, int>> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string ctx = where + "." + it.key();
    if (!it->is_number_integer()) fail(file, ctx + " is not an integer");
    auto n = it->get<long long>();
    if (n < 1 || n > max_opset) fail(file, ctx + ": opset out of range");
    const std::vector<int>* versions = find_pair(ops, it.key());
    if (versions && versions->back() >= n) fail(file, ctx + ": the op has versions after its removal");
    out.emplace_back(it.key(), static_cast<int>(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The newest since_version <= opset; 0 when the op is newer than `opset`.
int newest_at(const std::vector<int>& versions, int opset) {
  auto it = std::upper_bound(versions.begin(), versions.end(), opset);
  return it == versions.begin() ? 0 : *std::prev(it);
}

const std::vector<int>& empty_versions() {
  static const std::vector<int> empty;
  return empty;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

std::string_view march_name(March m) {
  switch (m) {
    case March::Z16:
      return "z16";
    case March::Z17:
      return "z17";
  }
  return "z16";
}

std::optional<March> parse_march(std::string_view s) {
  // The spellings onnx-mlir's --march accepts for NNPA levels (getNNPAFromFlags),
  // matched without regard to case.
  if (iequals(s, "z16") || iequals(s, "arch14")) return March::Z16;
  if (iequals(s, "z17") || iequals(s, "arch15")) return March::Z17;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// SupportTables

const SupportTables& SupportTables::embedded() {
  static const SupportTables tables = [] {
    std::string_view data = embedded_data("support_tables.json");
    if (data.empty()) throw std::runtime_error("support_tables.json is not embedded");
    return parse(data);
  }();
  return tables;
}

SupportTables SupportTables::parse(std::string_view text) {
  constexpr std::string_view file = "support_tables.json";
  const Json doc = parse_document(text, file, kSupportFormat);
  SupportTables t;

  const Json& p = member(doc, "profile", file, "document");
  t.profile_.name = get_string(p, "name", file, "profile");
  t.profile_.onnx_mlir_commit = get_string(p, "onnx_mlir_commit", file, "profile");
  t.profile_.onnx_mlir_version = get_string(p, "onnx_mlir_version", file, "profile");
  t.profile_.table_max_opset = get_int(p, "table_max_opset", file, "profile");
  t.profile_.nnpa_recommended_opset = get_int(p, "nnpa_recommended_opset", file, "profile");
  if (t.profile_.table_max_opset < 1) fail(file, "profile: table_max_opset must be >= 1");

  const Json& nnpa = member(doc, "nnpa", file, "document");
  if (!nnpa.is_array()) fail(file, "\"nnpa\" is not an array");
  for (const Json& row : nnpa) {
    NnpaEntry e;
    e.op = get_string(row, "op", file, "nnpa row");
    const std::string where = "nnpa." + e.op;
    e.min_opset = get_int(row, "min_opset", file, where);
    e.max_opset = get_int(row, "max_opset", file, where);
    check_range(e.min_opset, e.max_opset, file, where);
    const std::string level = get_string(row, "min_level", file, where);
    if (level == "z16") {
      e.min_level = March::Z16;
    } else if (level == "z17") {
      e.min_level = March::Z17;
    } else {
      fail(file, where + ": min_level must be \"z16\" or \"z17\"");
    }
    e.limitations = get_string(row, "limitations", file, where);
    e.notes = get_string(row, "notes", file, where);
    if (row.contains("level_cell")) e.level_cell = get_string(row, "level_cell", file, where);
    t.nnpa_.push_back(std::move(e));
  }
  sort_unique(t.nnpa_, file, "nnpa");

  const Json& cpu = member(doc, "cpu", file, "document");
  if (!cpu.is_array()) fail(file, "\"cpu\" is not an array");
  for (const Json& row : cpu) {
    CpuEntry e;
    e.op = get_string(row, "op", file, "cpu row");
    const std::string where = "cpu." + e.op;
    e.supported = get_bool(row, "supported", file, where);
    e.min_opset = get_int(row, "min_opset", file, where);
    e.max_opset = get_int(row, "max_opset", file, where);
    if (e.supported) {
      check_range(e.min_opset, e.max_opset, file, where);
    } else if (e.min_opset != 0 || e.max_opset != 0) {
      fail(file, where + ": an unsupported op has no opset range");
    }
    e.limitations = get_string(row, "limitations", file, where);
    e.notes = get_string(row, "notes", file, where);
    t.cpu_.push_back(std::move(e));
  }
  sort_unique(t.cpu_, file, "cpu");
  return t;
}

const NnpaEntry* SupportTables::find_nnpa(std::string_view op) const { return find_sorted(nnpa_, op); }

const CpuEntry* SupportTables::find_cpu(std::string_view op) const { return find_sorted(cpu_, op); }

// ---------------------------------------------------------------------------
// OpVersions

const OpVersions& OpVersions::embedded() {
  static const OpVersions versions = [] {
    std::string_view data = embedded_data("op_versions.json");
    if (data.empty()) throw std::runtime_error("op_versions.json is not embedded");
    return parse(data);
  }();
  return versions;
}

OpVersions OpVersions::parse(std::string_view text) {
  constexpr std::string_view file = "op_versions.json";
  const Json doc = parse_document(text, file, kVersionsFormat);
  OpVersions v;
  v.max_opset_ = get_int(doc, "max_opset", file, "document");
  if (v.max_opset_ < 1) fail(file, "max_opset must be >= 1");
  v.ops_ = read_version_lists(member(doc, "ops", file, "document"), file, "ops", v.max_opset_);
  if (doc.contains("removed"))
    v.removed_ = read_removed(doc["removed"], file, "removed", v.ops_, v.max_opset_);
  if (doc.contains("deprecated_versions")) {
    v.deprecated_versions_ =
        read_version_lists(doc["deprecated_versions"], file, "deprecated_versions", v.max_opset_);
  }
  if (doc.contains("ml_ops")) {
    v.ml_max_opset_ = get_int(doc, "ml_max_opset", file, "document");
    v.ml_ops_ = read_version_lists(doc["ml_ops"], file, "ml_ops", v.ml_max_opset_);
    if (doc.contains("ml_removed")) {
      v.ml_removed_ = read_removed(doc["ml_removed"], file, "ml_removed", v.ml_ops_, v.ml_max_opset_);
    }
  }
  return v;
}

const std::vector<int>& OpVersions::versions(std::string_view op) const {
  const std::vector<int>* v = find_pair(ops_, op);
  return v ? *v : empty_versions();
}

int OpVersions::resolve(std::string_view op, int opset) const {
  if (removed_at(op, opset)) return 0;
  return newest_at(versions(op), opset);
}

bool OpVersions::removed_at(std::string_view op, int opset) const {
  const int* since = find_pair(removed_, op);
  return since && opset >= *since;
}

std::vector<std::string> OpVersions::ops() const {
  std::vector<std::string> names;
  names.reserve(ops_.size());
  for (const auto& [name, versions] : ops_) names.push_back(name);
  return names;
}

bool OpVersions::version_deprecated(std::string_view op, int version) const {
  const std::vector<int>* v = find_pair(deprecated_versions_, op);
  return v && std::binary_search(v->begin(), v->end(), version);
}

const std::vector<int>& OpVersions::ml_versions(std::string_view op) const {
  const std::vector<int>* v = find_pair(ml_ops_, op);
  return v ? *v : empty_versions();
}

int OpVersions::ml_resolve(std::string_view op, int ml_opset) const {
  if (ml_removed_at(op, ml_opset)) return 0;
  return newest_at(ml_versions(op), ml_opset);
}

bool OpVersions::ml_removed_at(std::string_view op, int ml_opset) const {
  const int* since = find_pair(ml_removed_, op);
  return since && ml_opset >= *since;
}

std::vector<std::string> OpVersions::ml_ops() const {
  std::vector<std::string> names;
  names.reserve(ml_ops_.size());
  for (const auto& [name, versions] : ml_ops_) names.push_back(name);
  return names;
}

// ---------------------------------------------------------------------------

bool version_in_table_range(const OpVersions& versions, std::string_view op, int version, int min_opset,
                            int max_opset, int table_max_opset) {
  // Versions of an op that was later removed (Upsample-7/9) stay in the list,
  // so the range is computed from the list alone, without removed_at().
  const std::vector<int>& history = versions.versions(op);
  if (history.empty() || !std::binary_search(history.begin(), history.end(), version)) return false;
  int lowest = newest_at(history, min_opset);
  if (lowest == 0) lowest = history.front();  // the op appeared after min_opset
  const int highest = newest_at(history, max_opset > 0 ? max_opset : table_max_opset);
  return highest != 0 && lowest <= version && version <= highest;
}

}  // namespace zonnx
