#pragma once
// A reference-counted pointer whose count lives in the object: one allocation per tensor, and
// copying a handle is one atomic increment. T provides `refs_` and a static `destroy(T*)`.
#include <atomic>
#include <cstdint>
#include <utility>

namespace tg {

template <class T>
class IntrusivePtr {
 public:
  IntrusivePtr() = default;
  // Takes a fresh object whose count is zero.
  static IntrusivePtr make(T* p) { return IntrusivePtr(p); }
  // Shares an object that is already owned elsewhere.
  static IntrusivePtr share(T* p) { return IntrusivePtr(p); }

  IntrusivePtr(const IntrusivePtr& o) : p_(o.p_) { retain(); }
  IntrusivePtr(IntrusivePtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  IntrusivePtr& operator=(const IntrusivePtr& o) {
    IntrusivePtr(o).swap(*this);
    return *this;
  }
  IntrusivePtr& operator=(IntrusivePtr&& o) noexcept {
    IntrusivePtr(std::move(o)).swap(*this);
    return *this;
  }
  ~IntrusivePtr() { release(); }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() { IntrusivePtr().swap(*this); }
  void swap(IntrusivePtr& o) noexcept { std::swap(p_, o.p_); }
  uint32_t use_count() const { return p_ ? p_->refs_.load(std::memory_order_relaxed) : 0; }
  bool operator==(const IntrusivePtr& o) const { return p_ == o.p_; }

 private:
  explicit IntrusivePtr(T* p) : p_(p) { retain(); }
  void retain() {
    if (p_) p_->refs_.fetch_add(1, std::memory_order_relaxed);
  }
  void release() {
    if (p_ && p_->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) T::destroy(p_);
  }
  T* p_ = nullptr;
};

}  // namespace tg
