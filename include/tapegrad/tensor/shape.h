#pragma once
// Shape: up to kMaxDims sizes (or strides, or dims) stored inline, so that sizes and strides never
// touch the heap.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tapegrad/tensor/error.h"

namespace tg {

inline constexpr int kMaxDims = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.size()); }  // NOLINT
  Shape(std::span<const int64_t> dims) { assign(dims.data(), dims.size()); }         // NOLINT
  Shape(const std::vector<int64_t>& dims) { assign(dims.data(), dims.size()); }      // NOLINT
  // n copies of `value`.
  static Shape filled(int n, int64_t value) {
    Shape s;
    s.resize(n, value);
    return s;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t& operator[](int i) { return d_[i]; }
  const int64_t* data() const { return d_; }
  int64_t* data() { return d_; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  int64_t back() const { return d_[n_ - 1]; }
  operator std::span<const int64_t>() const { return {d_, static_cast<size_t>(n_)}; }  // NOLINT
  std::vector<int64_t> vec() const { return {d_, d_ + n_}; }

  void push_back(int64_t v) {
    TG_CHECK(n_ < kMaxDims, "tensors have at most {} dims", kMaxDims);
    d_[n_++] = v;
  }
  void pop_back() { --n_; }
  void insert(int pos, int64_t v) {
    TG_CHECK(n_ < kMaxDims, "tensors have at most {} dims", kMaxDims);
    for (int i = n_; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
    ++n_;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
    --n_;
  }
  void resize(int n, int64_t value = 0) {
    TG_CHECK(n >= 0 && n <= kMaxDims, "tensors have at most {} dims, got {}", kMaxDims, n);
    for (int i = n_; i < n; ++i) d_[i] = value;
    n_ = static_cast<int8_t>(n);
  }
  // Product of all entries: the number of elements of a tensor of this shape.
  int64_t numel() const {
    int64_t p = 1;
    for (int i = 0; i < n_; ++i) p *= d_[i];
    return p;
  }
  bool operator==(const Shape& o) const { return n_ == o.n_ && std::equal(d_, d_ + n_, o.d_); }
  std::string str() const;

 private:
  void assign(const int64_t* p, size_t n) {
    TG_CHECK(n <= static_cast<size_t>(kMaxDims), "tensors have at most {} dims, got {}", kMaxDims, n);
    std::copy(p, p + n, d_);
    n_ = static_cast<int8_t>(n);
  }
  int64_t d_[kMaxDims];
  int8_t n_ = 0;
};

// Contiguous (row-major) strides for a shape.
Shape contiguous_strides(const Shape& sizes);
// Wraps a possibly negative dim into [0, ndim); names `op` in the error when out of range.
int wrap_dim(int64_t dim, int ndim, const char* op);
// The shape two shapes broadcast to (NumPy rules), or an error naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace tg

template <>
struct fmt::formatter<tg::Shape> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const tg::Shape& s, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(s.str(), ctx);
  }
};
