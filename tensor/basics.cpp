// Small out-of-line pieces of the tensor layer's value types: errors, dtypes, devices, shapes,
// scalars, thread state and thread count.
#include <omp.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <atomic>
#include <charconv>
#include <limits>
#include <random>

#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/dtype.h"
#include "tapegrad/tensor/error.h"
#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/parallel.h"
#include "tapegrad/tensor/scalar.h"
#include "tapegrad/tensor/shape.h"
#include "tensor/thread_state.h"

namespace tg {

namespace detail {
// A message from an op that another public op called names the one the user called too.
template <class E>
void throw_as(std::string message) {
  const ThreadState& s = tls;
  if (s.api_depth > 0 && s.api_op != nullptr && !message.starts_with(s.api_op))
    message += fmt::format(" (called by {})", s.api_op);
  throw E(std::move(message));
}
template void throw_as<Error>(std::string);
template void throw_as<IndexError>(std::string);
template void throw_as<TypeError>(std::string);
template void throw_as<ValueError>(std::string);
template void throw_as<LinAlgError>(std::string);
template void throw_as<OutOfMemoryError>(std::string);

thread_local ThreadState tls;
}  // namespace detail

// ---- dtypes --------------------------------------------------------------------------------

namespace {
std::atomic<DType> g_default_dtype{kFloat32};
}
DType default_dtype() { return g_default_dtype.load(std::memory_order_relaxed); }
void set_default_dtype(DType t) {
  TG_CHECK_TYPE(t == kFloat32 || t == kFloat64, "set_default_dtype: only float32 and float64 are allowed, got {}", t);
  g_default_dtype = t;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (is_complex(a) || is_complex(b)) {
    const DType parts = promote_types(to_real_dtype(a), to_real_dtype(b));
    return parts == kFloat64 ? kComplex128 : kComplex64;
  }
  if ((a == kUInt8 && b == kInt8) || (a == kInt8 && b == kUInt8)) return kInt16;
  if ((a == kFloat16 && b == kBFloat16) || (a == kBFloat16 && b == kFloat16)) return kFloat32;
  return a > b ? a : b;
}

bool can_cast(DType from, DType to) {
  if (is_complex(from) && !is_complex(to)) return false;
  if (is_floating_point(from) && !is_inexact(to)) return false;
  if (from != kBool && to == kBool) return false;
  return true;
}

// ---- devices ---------------------------------------------------------------------------------

Device::Device(std::string_view spec) {
  auto bad = [&] { detail::fail<ValueError>("Device: expected \"cpu\", \"cuda\" or \"cuda:N\", got \"{}\"", spec); };
  if (spec == "cpu") {
    *this = Device::cpu();
  } else if (spec.starts_with("cuda")) {
    int index = 0;
    if (spec.size() > 4) {
      if (spec[4] != ':') bad();
      auto rest = spec.substr(5);
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
      if (ec != std::errc() || p != rest.data() + rest.size() || index < 0 || index > 127) bad();
    }
    *this = Device::cuda(index);
  } else {
    bad();
  }
}

std::string Device::str() const { return is_cpu() ? "cpu" : fmt::format("cuda:{}", index_); }

// ---- shapes ----------------------------------------------------------------------------------

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(begin(), end(), ", ")); }

Shape contiguous_strides(const Shape& sizes) {
  Shape s = Shape::filled(sizes.size(), 1);
  int64_t acc = 1;
  for (int d = sizes.size() - 1; d >= 0; --d) {
    s[d] = acc;
    // Saturated, not undefined: only a shape whose count passes int64 gets here (the ops refuse it
    // after taking its strides: view's of [2, 2**62, 4, 0]).
    if (d > 0 && __builtin_mul_overflow(acc, std::max<int64_t>(sizes[d], 1), &acc))
      acc = std::numeric_limits<int64_t>::max();
  }
  return s;
}

int wrap_dim(int64_t dim, int ndim, const char* op) {
  const int64_t n = std::max(ndim, 1);  // a 0-dim tensor accepts dim 0 and -1, as in PyTorch
  if (dim < -n || dim >= n) [[unlikely]]
    detail::fail<IndexError>("{}: dim {} is out of range for a tensor with {} dims (expected [{}, {}])", op, dim,
                             ndim, -n, n - 1);
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int n = std::max(a.size(), b.size());
  Shape out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    TG_CHECK(sa == sb || sa == 1 || sb == 1, "{}: shapes {} and {} are not broadcastable (dim {}: {} vs {})", op, a, b,
             i - n, sa, sb);
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

// ---- scalars ---------------------------------------------------------------------------------

DType Scalar::dtype() const {
  switch (kind_) {
    case Kind::Bool: return kBool;
    case Kind::Int: return kInt64;
    case Kind::Float: return default_dtype();
    case Kind::Complex:
      return default_complex_dtype();
  }
  return kInt64;
}

std::string Scalar::str() const {
  switch (kind_) {
    case Kind::Bool: return b_ ? "True" : "False";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: return fmt::format("{}", d_);
    case Kind::Complex:
      return fmt::format("({}{:+}j)", z_[0], z_[1]);
  }
  return {};
}

// ---- threads and the default generator -----------------------------------------------------

void set_num_threads(int n) {
  TG_CHECK_VALUE(n >= 1, "set_num_threads: expected a positive number of threads, got {}", n);
  omp_set_num_threads(n);
}
int get_num_threads() { return omp_get_max_threads(); }

bool set_flush_denormal(bool mode) {
#if defined(__x86_64__)
  constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;  // MXCSR bits
  const auto apply = [mode] {
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(mode ? csr | kFlushToZero | kDenormalsAreZero : csr & ~(kFlushToZero | kDenormalsAreZero));
  };
  apply();
  // The kernels' threads too (threads made later inherit the caller's setting).
#pragma omp parallel num_threads(omp_get_max_threads())
  apply();
  return true;
#else
  (void)mode;
  return false;
#endif
}

Generator& default_generator() {
  static Generator gen;
  return gen;
}
void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }
uint64_t seed() {
  std::random_device device;
  const uint64_t s = (static_cast<uint64_t>(device()) << 32) | device();
  manual_seed(s);
  return s;
}
uint64_t initial_seed() { return default_generator().initial_seed(); }

}  // namespace tg
