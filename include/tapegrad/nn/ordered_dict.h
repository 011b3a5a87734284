#pragma once
// An insertion-ordered map from names to values, the shape of named_parameters(), state_dict()
// and ModuleDict: iteration in registration order, lookup by name.
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/tensor/error.h"

namespace tg::nn {

template <class V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;

  OrderedDict() = default;
  OrderedDict(std::initializer_list<Item> items) {
    for (const auto& it : items) insert(it.first, it.second);
  }

  // Adds a new key; a tg::Error when it is already there.
  V& insert(std::string key, V value) {
    TG_CHECK(!contains(key), "OrderedDict: key '{}' already exists", key);
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().second;
  }
  // Adds or replaces.
  V& insert_or_assign(const std::string& key, V value) {
    if (V* v = find(key)) return *v = std::move(value);
    return insert(key, std::move(value));
  }
  V* find(const std::string& key) {
    for (auto& it : items_)
      if (it.first == key) return &it.second;
    return nullptr;
  }
  const V* find(const std::string& key) const { return const_cast<OrderedDict*>(this)->find(key); }
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  V& operator[](const std::string& key) {
    V* v = find(key);
    if (!v) throw IndexError(fmt::format("OrderedDict: no key '{}'", key));
    return *v;
  }
  const V& operator[](const std::string& key) const { return const_cast<OrderedDict&>(*this)[key]; }
  bool erase(const std::string& key) {
    for (auto it = items_.begin(); it != items_.end(); ++it)
      if (it->first == key) {
        items_.erase(it);
        return true;
      }
    return false;
  }

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  const std::vector<Item>& items() const { return items_; }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& it : items_) k.push_back(it.first);
    return k;
  }
  std::vector<V> values() const {
    std::vector<V> v;
    for (const auto& it : items_) v.push_back(it.second);
    return v;
  }

 private:
  std::vector<Item> items_;
};

}  // namespace tg::nn
