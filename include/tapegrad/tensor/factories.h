#pragma once
// Making tensors: filled, ranged, random, from nested lists, vectors or foreign memory.
#include <concepts>
#include <functional>
#include <initializer_list>
#include <vector>

#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/tensor.h"

namespace tg {

Tensor empty(const Shape& size, const TensorOptions& options = {}, TG_CALLER);
// An uninitialized tensor with the given strides (PyTorch's empty_strided): its storage reaches
// the furthest element; strides may overlap (0 repeats an element).
Tensor empty_strided(const Shape& size, const Shape& stride, const TensorOptions& options = {}, TG_CALLER);
Tensor zeros(const Shape& size, const TensorOptions& options = {}, TG_CALLER);
Tensor ones(const Shape& size, const TensorOptions& options = {}, TG_CALLER);
// Without a dtype in `options`, the fill value decides it: bool, int64 or the default float.
Tensor full(const Shape& size, const Scalar& value, const TensorOptions& options = {}, TG_CALLER);
// A 0-dim tensor holding `value`.
Tensor scalar_tensor(const Scalar& value, const TensorOptions& options = {}, TG_CALLER);

// [start, end) in steps; int64 when all bounds are integers, else the default float dtype.
Tensor arange(const Scalar& end, const TensorOptions& options = {}, TG_CALLER);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1, const TensorOptions& options = {},
              TG_CALLER);
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options = {}, TG_CALLER);
// base ** linspace(start, end, steps), computed in double.
Tensor logspace(double start, double end, int64_t steps, double base = 10.0, const TensorOptions& options = {},
                TG_CALLER);
Tensor eye(int64_t n, const TensorOptions& options = {}, TG_CALLER);
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {}, TG_CALLER);

// Uniform on [0, 1), standard normal, and integers on [low, high) (int64 unless told otherwise).
Tensor rand(const Shape& size, const TensorOptions& options = {}, TG_CALLER);
Tensor rand(const Shape& size, Generator& generator, const TensorOptions& options = {}, TG_CALLER);
Tensor randn(const Shape& size, const TensorOptions& options = {}, TG_CALLER);
Tensor randn(const Shape& size, Generator& generator, const TensorOptions& options = {}, TG_CALLER);
Tensor randint(int64_t low, int64_t high, const Shape& size, const TensorOptions& options = {}, TG_CALLER);
Tensor randint(int64_t high, const Shape& size, const TensorOptions& options = {}, TG_CALLER);
Tensor randint(int64_t low, int64_t high, const Shape& size, Generator& generator, const TensorOptions& options = {},
               TG_CALLER);
// A random permutation of 0..n-1.
Tensor randperm(int64_t n, const TensorOptions& options = {}, TG_CALLER);
Tensor randperm(int64_t n, Generator& generator, const TensorOptions& options = {}, TG_CALLER);
// Sampling from given probabilities. bernoulli: 1 with probability p (each element of `p`, in
// [0, 1]), else 0, in p's dtype. multinomial: num_samples category indices per row of the
// non-negative weights `input` (1-D [C] or 2-D [R, C], rows need not sum to 1), int64; without
// replacement no index repeats within a row.
Tensor bernoulli(const Tensor& p, TG_CALLER);
Tensor bernoulli(const Tensor& p, Generator& generator, TG_CALLER);
Tensor multinomial(const Tensor& input, int64_t num_samples, bool replacement = false, TG_CALLER);
Tensor multinomial(const Tensor& input, int64_t num_samples, bool replacement, Generator& generator, TG_CALLER);
// Normal draws with per-element means and standard deviations (torch.normal): the shape is
// mean's and std's broadcast, the dtype mean's (std's when mean is a number). std must be >= 0.
// Not differentiable (PyTorch's gradient for mean and std is zero).
Tensor normal(const Tensor& mean, const Tensor& std, Generator* generator = nullptr, TG_CALLER);
Tensor normal(const Tensor& mean, double std = 1.0, Generator* generator = nullptr, TG_CALLER);
Tensor normal(double mean, const Tensor& std, Generator* generator = nullptr, TG_CALLER);
Tensor normal(double mean, double std, const Shape& size, Generator* generator = nullptr,
              const TensorOptions& options = {}, TG_CALLER);
// Counts drawn from per-element parameters, as PyTorch samples them, in the parameters' dtype
// (floating) and on their device; neither is differentiable. poisson: rates finite and >= 0.
// binomial: count (whole numbers >= 0) and prob (in [0, 1]) broadcast together.
Tensor poisson(const Tensor& rates, Generator* generator = nullptr, TG_CALLER);
Tensor binomial(const Tensor& count, const Tensor& prob, Generator* generator = nullptr, TG_CALLER);
// The default generator's state as 16 uint8 values (seed, then offset, little-endian), as
// torch.get_rng_state; set_rng_state(get_rng_state()) replays the stream from there.
Tensor get_rng_state(TG_CALLER);
void set_rng_state(const Tensor& state, TG_CALLER);

// Same shape, dtype and device as `t` unless `options` says otherwise; never requires grad
// unless asked.
Tensor empty_like(const Tensor& t, const TensorOptions& options = {}, TG_CALLER);
Tensor zeros_like(const Tensor& t, const TensorOptions& options = {}, TG_CALLER);
Tensor ones_like(const Tensor& t, const TensorOptions& options = {}, TG_CALLER);
Tensor full_like(const Tensor& t, const Scalar& value, const TensorOptions& options = {}, TG_CALLER);
Tensor rand_like(const Tensor& t, const TensorOptions& options = {}, TG_CALLER);
Tensor randn_like(const Tensor& t, const TensorOptions& options = {}, TG_CALLER);
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, const TensorOptions& options = {}, TG_CALLER);

// A nested list of numbers: tg::tensor({{1, 2}, {3, 4}}). Floats give the default float dtype,
// integers int64, bools bool; ragged lists are an error.
class TensorInit {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  TensorInit(T v) : scalar_(v), is_scalar_(true) {}  // NOLINT
  TensorInit(std::initializer_list<TensorInit> list) : children_(list) {}  // NOLINT

  bool is_scalar() const { return is_scalar_; }
  const Scalar& scalar() const { return scalar_; }
  const std::vector<TensorInit>& children() const { return children_; }

 private:
  Scalar scalar_;
  std::vector<TensorInit> children_;
  bool is_scalar_ = false;
};
Tensor tensor(const TensorInit& data, const TensorOptions& options = {}, TG_CALLER);

namespace detail {
Tensor tensor_from_buffer(const void* data, DType dtype, int64_t n, const TensorOptions& options);
}
// The element type a C++ number is stored as: bool, uint8, int8, int32, int64, float32 or float64.
template <class T>
using storage_type_t = std::conditional_t<
    std::is_same_v<T, bool>, uint8_t,
    std::conditional_t<
        std::is_floating_point_v<T>, std::conditional_t<sizeof(T) == 4, float, double>,
        std::conditional_t<sizeof(T) == 1, std::conditional_t<std::is_signed_v<T>, int8_t, uint8_t>,
                           std::conditional_t<(sizeof(T) < 4 || (sizeof(T) == 4 && std::is_signed_v<T>)), int32_t,
                                              int64_t>>>>;

// A 1-D complex64 or complex128 tensor holding a copy of `values`.
template <class R>
requires std::is_same_v<R, float> || std::is_same_v<R, double> Tensor tensor(const std::vector<std::complex<R>>& values,
                                                                             const TensorOptions& options = {}) {
  return detail::tensor_from_buffer(values.data(), dtype_of<std::complex<R>>, static_cast<int64_t>(values.size()),
                                    options);
}

// A 1-D tensor holding a copy of `values`.
template <class T>
  requires std::is_arithmetic_v<T>
Tensor tensor(const std::vector<T>& values, const TensorOptions& options = {}) {
  using S = storage_type_t<T>;
  const DType dt = std::is_same_v<T, bool> ? kBool : dtype_of<S>;
  const auto n = static_cast<int64_t>(values.size());
  if constexpr (std::is_same_v<T, S>) {
    return detail::tensor_from_buffer(values.data(), dt, n, options);
  } else {
    std::vector<S> converted(values.begin(), values.end());
    return detail::tensor_from_buffer(converted.data(), dt, n, options);
  }
}

// A tensor over memory the caller owns (no copy). `deleter`, if given, runs when the last tensor
// using the memory is gone.
Tensor from_blob(void* data, const Shape& sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, const Shape& sizes, std::function<void(void*)> deleter,
                 const TensorOptions& options = {});
Tensor from_blob(void* data, const Shape& sizes, const Shape& strides, std::function<void(void*)> deleter,
                 const TensorOptions& options = {});

}  // namespace tg
