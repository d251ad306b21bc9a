// Each distinct value once: values are stored in a deque (so references to
// them never move) and found again by content through an index of their
// positions. Large graphs give most values one of a handful of types; storing
// the type once and an index per value saves a heap block per value.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <deque>

namespace zonnx {

// `Hash` and `Equal` compare two T by content. The deque may be owned
// elsewhere (and moved away once no more values are added).
template <typename T, typename Hash, typename Equal>
class DistinctValues {
 public:
  explicit DistinctValues(std::deque<T>& values)
      : index_(0, ByPosition{&values}, SamePosition{&values}), values_(values) {}

  // The position of the stored value equal to `value`, storing it when new.
  uint32_t add(T value) {
    auto it = index_.find(value);
    if (it == index_.end()) {
      values_.push_back(std::move(value));
      it = index_.insert(static_cast<uint32_t>(values_.size() - 1)).first;
    }
    return *it;
  }

 private:
  // The index holds positions and is searched by value (heterogeneous lookup).
  struct ByPosition {
    using is_transparent = void;
    const std::deque<T>* values;
    size_t operator()(uint32_t position) const { return Hash()((*values)[position]); }
    size_t operator()(const T& value) const { return Hash()(value); }
  };
  struct SamePosition {
    using is_transparent = void;
    const std::deque<T>* values;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }  // stored values are distinct
    bool operator()(uint32_t a, const T& b) const { return Equal()((*values)[a], b); }
    bool operator()(const T& a, uint32_t b) const { return Equal()(a, (*values)[b]); }
  };
  absl::flat_hash_set<uint32_t, ByPosition, SamePosition> index_;
  std::deque<T>& values_;
};

}  // namespace zonnx
