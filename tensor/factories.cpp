// Factories: filled, ranged, random and list-built tensors, and tensors over foreign memory.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/dense_layout.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

void check_sizes(const char* name, const Shape& size) {
  int64_t n = 1;
  for (int64_t s : size) {
    TG_CHECK_VALUE(s >= 0, "{}: negative dimension {} in shape {}", name, s, size);
    TG_CHECK_VALUE(!__builtin_mul_overflow(n, s, &n), "{}: shape {} has too many elements", name, size);
  }
  TG_CHECK_VALUE(!__builtin_mul_overflow(n, 8, &n), "{}: shape {} has too many elements", name, size);
}

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

// A fresh tensor, laid out in options' memory format when it names one.
Tensor make(const char* name, const Shape& size, DType dtype, Device device, const TensorOptions& layout = {}) {
  check_sizes(name, size);
  kernels::backend(device, name);
  Tensor t = ops::empty(size, dtype, device);
  const MemoryFormat format = layout.memory_format_opt().value_or(MemoryFormat::Contiguous);
  if (format == MemoryFormat::Contiguous) return t;
  ops::check_layout(name, size, format);
  return ops::alias(t, size, ops::format_strides(size, format), 0);  // the same elements, densely
}

using FloatRandomKernel = void (*kernels::Backend::*)(DType, void*, int64_t, uint64_t, uint64_t);

// rand / randn: a fresh tensor filled by `kernel` from the generator's stream.
Tensor random_floats(const char* name, FloatRandomKernel kernel, const Shape& size, Generator& gen,
                     const TensorOptions& options) {
  TG_CHECK_TYPE(is_inexact(options.dtype()), "{}: dtype must be floating-point or complex, got {}", name,
                options.dtype());
  Tensor t = make(name, size, options.dtype(), options.device(), options);
  // A complex tensor draws its parts as reals; randn's parts have variance 1/2 (PyTorch's
  // complex normal, of variance 1), rand's are each uniform on [0, 1).
  const auto& be = kernels::backend(options.device(), name);
  const DType part = to_real_dtype(t.dtype());
  const int64_t n = t.numel() * (t.is_complex() ? 2 : 1);
  (be.*kernel)(part, t.data_ptr(), n, gen.initial_seed(), gen.reserve(static_cast<uint64_t>(n)));
  if (t.is_complex() && kernel == &kernels::Backend::normal) {
    Tensor flat(IntrusivePtr<TensorImpl>::make(new TensorImpl(t.storage(), part, {n}, {1}, 0)));
    const Tensor scale = ops::wrapped_scalar(std::sqrt(0.5), part, t.device());
    be.binary(kernels::BinaryOp::Mul, part, ops::make_loop(flat, {&flat, &scale}), flat.data_ptr(), flat.data_ptr(),
              scale.data_ptr(), 1);
  }
  return finish(t, options);
}

}  // namespace

Tensor empty(const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("empty", loc);
  return finish(make("empty", size, options.dtype(), options.device(), options), options);
}

Tensor empty_strided(const Shape& size, const Shape& stride, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("empty_strided", loc);
  TG_CHECK_VALUE(size.size() == stride.size(), "empty_strided: size {} and stride {} have different lengths", size,
                 stride);
  check_sizes("empty_strided", size);
  int64_t extent = 1;  // elements the storage holds: one past the furthest
  for (int d = 0; d < size.size(); ++d) {
    TG_CHECK_VALUE(stride[d] >= 0, "empty_strided: negative stride {} in {}", stride[d], stride);
    if (size[d] == 0) {
      extent = 0;
      break;
    }
    int64_t reach = 0;
    TG_CHECK_VALUE(
        !__builtin_mul_overflow(size[d] - 1, stride[d], &reach) && !__builtin_add_overflow(extent, reach, &extent),
        "empty_strided: size {} with stride {} spans too many elements", size, stride);
  }
  check_sizes("empty_strided", {extent});
  kernels::backend(options.device(), "empty_strided");
  auto storage = StorageImpl::allocate(static_cast<size_t>(extent) * itemsize(options.dtype()), options.device());
  Tensor t(IntrusivePtr<TensorImpl>::make(new TensorImpl(std::move(storage), options.dtype(), size, stride, 0)));
  return finish(t, options);
}

Tensor zeros(const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("zeros", loc);
  Tensor t = make("zeros", size, options.dtype(), options.device(), options);
  ops::fill_into(t, 0);
  return finish(t, options);
}

Tensor ones(const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("ones", loc);
  Tensor t = make("ones", size, options.dtype(), options.device(), options);
  ops::fill_into(t, 1);
  return finish(t, options);
}

Tensor full(const Shape& size, const Scalar& value, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("full", loc);
  Tensor t = make("full", size, options.dtype_or(value.dtype()), options.device(), options);
  ops::fill_into(t, value);
  return finish(t, options);
}

Tensor scalar_tensor(const Scalar& value, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("scalar_tensor", loc);
  return full({}, value, options);
}

Tensor arange(const Scalar& end, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("arange", loc);
  return arange(0, end, 1, options);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("arange", loc);
  const bool integral = !start.is_floating_point() && !end.is_floating_point() && !step.is_floating_point();
  const DType dtype = options.dtype_or(integral ? kInt64 : default_dtype());
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  TG_CHECK_VALUE(st != 0, "arange: step must be non-zero");
  TG_CHECK_VALUE(std::isfinite(s) && std::isfinite(e), "arange: bounds must be finite, got {} and {}", s, e);
  TG_CHECK_VALUE((st > 0 && e >= s) || (st < 0 && e <= s),
                 "arange: the range [{}, {}) and the step {} point in different directions", s, e, st);
  int64_t n;
  if (integral) {
    const int64_t a = start.to_int(), b = end.to_int(), c = step.to_int();
    n = c > 0 ? (b - a + c - 1) / c : (a - b - c - 1) / (-c);
  } else {
    n = static_cast<int64_t>(std::ceil((e - s) / st));
  }
  if (integral && !is_floating_point(dtype)) {
    Tensor ints = make("arange", {n}, kInt64, Device::cpu());
    int64_t* p = ints.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = start.to_int() + i * step.to_int();
    return finish(ops::cast(ints, dtype).to(options.device()), options);
  }
  Tensor cpu = make("arange", {n}, kFloat64, Device::cpu());
  double* p = cpu.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) p[i] = s + static_cast<double>(i) * st;
  return finish(ops::cast(cpu, dtype).to(options.device()), options);
}

namespace {
// `steps` evenly spaced doubles from start to end (in float64 on the CPU), each mapped by f.
template <class F>
Tensor spaced(const char* name, double start, double end, int64_t steps, F f) {
  TG_CHECK_VALUE(steps >= 0, "{}: number of steps must be non-negative, got {}", name, steps);
  Tensor cpu = make(name, {steps}, kFloat64, Device::cpu());
  double* p = cpu.data_ptr<double>();
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Computed from both ends so that the last value is exactly `end`; one step is `start`.
  if (steps == 1) p[0] = f(start);
  for (int64_t i = 0; i < steps && steps > 1; ++i)
    p[i] = f(i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i));
  return cpu;
}
}  // namespace

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("linspace", loc);
  const Tensor cpu = spaced("linspace", start, end, steps, [](double x) { return x; });
  return finish(ops::cast(cpu, options.dtype()).to(options.device()), options);
}

Tensor logspace(double start, double end, int64_t steps, double base, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("logspace", loc);
  const Tensor cpu = spaced("logspace", start, end, steps, [base](double x) { return std::pow(base, x); });
  return finish(ops::cast(cpu, options.dtype()).to(options.device()), options);
}

Tensor eye(int64_t n, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("eye", loc);
  return eye(n, n, options);
}

Tensor eye(int64_t n, int64_t m, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("eye", loc);
  TG_CHECK_VALUE(n >= 0 && m >= 0, "eye: sizes must be non-negative, got {} and {}", n, m);
  Tensor t = make("eye", {n, m}, options.dtype(), options.device());
  ops::fill_into(t, 0);
  if (n > 0 && m > 0) ops::fill_into(ops::alias(t, {std::min(n, m)}, {m + 1}, 0), 1);
  return finish(t, options);
}

Tensor rand(const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("rand", loc);
  return rand(size, default_generator(), options);
}
Tensor rand(const Shape& size, Generator& generator, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("rand", loc);
  return random_floats("rand", &kernels::Backend::uniform, size, generator, options);
}

Tensor randn(const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randn", loc);
  return randn(size, default_generator(), options);
}
Tensor randn(const Shape& size, Generator& generator, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randn", loc);
  return random_floats("randn", &kernels::Backend::normal, size, generator, options);
}

Tensor randint(int64_t low, int64_t high, const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randint", loc);
  return randint(low, high, size, default_generator(), options);
}
Tensor randint(int64_t high, const Shape& size, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randint", loc);
  return randint(0, high, size, default_generator(), options);
}
Tensor randint(int64_t low, int64_t high, const Shape& size, Generator& generator, const TensorOptions& options,
               SourceLoc loc) {
  detail::ApiScope scope("randint", loc);
  TG_CHECK_VALUE(low < high, "randint: expected low < high, got low={} high={}", low, high);
  Tensor t = make("randint", size, options.dtype_or(kInt64), options.device(), options);
  kernels::backend(options.device(), "randint")
      .randint(t.dtype(), t.data_ptr(), t.numel(), low, high, generator.initial_seed(),
               generator.reserve(static_cast<uint64_t>(t.numel())));
  return finish(t, options);
}

Tensor randperm(int64_t n, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randperm", loc);
  return randperm(n, default_generator(), options);
}
Tensor randperm(int64_t n, Generator& generator, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randperm", loc);
  TG_CHECK_VALUE(n >= 0, "randperm: n must be non-negative, got {}", n);
  kernels::backend(options.device(), "randperm");  // the device must exist before any work
  // A Fisher-Yates shuffle on the CPU, its draws from the CPU generator, so that a seed gives the
  // same permutation on every device. (Sorting random keys instead took 6x PyTorch's time.)
  const Tensor u = rand({n}, generator, TensorOptions(kFloat64));
  const auto* draw = static_cast<const double*>(u.data_ptr());
  Tensor perm = empty({n}, TensorOptions(kInt64));
  auto* p = static_cast<int64_t*>(perm.data_ptr());
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[std::min(i, static_cast<int64_t>(draw[i] * static_cast<double>(i + 1)))]);
  return perm.to(options.dtype_or(kInt64)).to(options.device());
}

namespace {
// options, t's dtype and device where they name none; preserve_format becomes t's suggested format.
TensorOptions like(const Tensor& t, const TensorOptions& options) {
  TensorOptions o = TensorOptions(options.dtype_or(t.dtype())).device(options.device_or(t.device()));
  if (auto format = options.memory_format_opt())
    o = o.memory_format(*format == MemoryFormat::Preserve ? t.suggest_memory_format() : *format);
  return o.requires_grad(options.requires_grad());
}

// make(sizes, options) laid out like t: under preserve_format a dense input's strides are kept
// exactly, whatever the order of its dims (as PyTorch's _like factories do); the values are
// made as a flat run and seen through those strides. Otherwise like() decides (contiguous,
// channels-last, or t's suggested format for a tensor with gaps or overlaps).
template <class Make>
Tensor made_like(const Tensor& t, const TensorOptions& options, Make make) {
  const auto format = options.memory_format_opt();
  if (!format || *format != MemoryFormat::Preserve || t.is_contiguous() || !ops::non_overlapping_and_dense(t))
    return make(t.sizes(), like(t, options));
  const TensorOptions flat =
      like(t, TensorOptions(options).memory_format(MemoryFormat::Contiguous)).requires_grad(false);
  Tensor out = ops::alias(make(Shape{t.numel()}, flat), t.sizes(), t.strides(), 0);
  if (options.requires_grad()) out.requires_grad_(true);
  return out;
}
}  // namespace

Tensor empty_like(const Tensor& t, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("empty_like", loc);
  ops::check_defined("empty_like", t, "input");
  return made_like(t, options, [](const Shape& s, const TensorOptions& o) { return empty(s, o); });
}
Tensor zeros_like(const Tensor& t, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("zeros_like", loc);
  ops::check_defined("zeros_like", t, "input");
  return made_like(t, options, [](const Shape& s, const TensorOptions& o) { return zeros(s, o); });
}
Tensor ones_like(const Tensor& t, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("ones_like", loc);
  ops::check_defined("ones_like", t, "input");
  return made_like(t, options, [](const Shape& s, const TensorOptions& o) { return ones(s, o); });
}
Tensor full_like(const Tensor& t, const Scalar& value, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("full_like", loc);
  ops::check_defined("full_like", t, "input");
  return made_like(t, options, [&](const Shape& s, const TensorOptions& o) { return full(s, value, o); });
}
Tensor rand_like(const Tensor& t, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("rand_like", loc);
  ops::check_defined("rand_like", t, "input");
  return made_like(t, options, [](const Shape& s, const TensorOptions& o) { return rand(s, o); });
}
Tensor randn_like(const Tensor& t, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randn_like", loc);
  ops::check_defined("randn_like", t, "input");
  return made_like(t, options, [](const Shape& s, const TensorOptions& o) { return randn(s, o); });
}
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("randint_like", loc);
  ops::check_defined("randint_like", t, "input");
  return made_like(t, options, [&](const Shape& s, const TensorOptions& o) { return randint(low, high, s, o); });
}

// ---- nested lists --------------------------------------------------------------------------

namespace {
void infer_shape(const TensorInit& node, int depth, Shape& shape, bool& any_float, bool& any_int) {
  if (node.is_scalar()) {
    TG_CHECK_VALUE(depth == shape.size(), "tensor: ragged nested list: a number appears at depth {} but lists go {} deep",
                   depth, shape.size());
    any_float |= node.scalar().is_floating_point();
    any_int |= node.scalar().is_integral();
    return;
  }
  const auto n = static_cast<int64_t>(node.children().size());
  if (depth == shape.size()) {
    shape.push_back(n);
  } else {
    TG_CHECK_VALUE(shape[depth] == n, "tensor: ragged nested list: expected {} elements at depth {}, got {}",
                   shape[depth], depth, n);
  }
  for (const TensorInit& c : node.children()) infer_shape(c, depth + 1, shape, any_float, any_int);
}

void flatten_values(const TensorInit& node, std::vector<double>& values) {
  if (node.is_scalar()) {
    values.push_back(node.scalar().to_double());
    return;
  }
  for (const TensorInit& c : node.children()) flatten_values(c, values);
}
void flatten_ints(const TensorInit& node, std::vector<int64_t>& values) {
  if (node.is_scalar()) {
    values.push_back(node.scalar().to_int());
    return;
  }
  for (const TensorInit& c : node.children()) flatten_ints(c, values);
}
}  // namespace

Tensor tensor(const TensorInit& data, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("tensor", loc);
  Shape shape;
  bool any_float = false, any_int = false;
  // A list's leaves must all sit at the same depth: find it from the first path down.
  for (const TensorInit* node = &data; !node->is_scalar();) {
    shape.push_back(static_cast<int64_t>(node->children().size()));
    if (node->children().empty()) break;
    node = &node->children()[0];
  }
  Shape checked;
  infer_shape(data, 0, checked, any_float, any_int);
  TG_CHECK_VALUE(checked == shape, "tensor: ragged nested list (shape {} vs {})", checked, shape);
  const DType inferred = any_float ? default_dtype() : any_int ? kInt64 : (shape.numel() == 0 ? default_dtype() : kBool);
  const DType dtype = options.dtype_or(inferred);
  Tensor t;
  if (any_float || !any_int) {
    std::vector<double> values;
    flatten_values(data, values);
    t = ops::empty(shape, kFloat64, Device::cpu());
    if (!values.empty()) std::memcpy(t.data_ptr(), values.data(), values.size() * sizeof(double));
  } else {
    std::vector<int64_t> values;
    flatten_ints(data, values);
    t = ops::empty(shape, kInt64, Device::cpu());
    if (!values.empty()) std::memcpy(t.data_ptr(), values.data(), values.size() * sizeof(int64_t));
  }
  return finish(ops::cast(t, dtype).to(options.device()), options);
}

namespace detail {
Tensor tensor_from_buffer(const void* data, DType dtype, int64_t n, const TensorOptions& options) {
  Tensor t = ops::empty({n}, dtype, Device::cpu());
  if (n > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(n) * itemsize(dtype));
  return finish(ops::cast(t, options.dtype_or(dtype)).to(options.device()), options);
}
}  // namespace detail

Tensor from_blob(void* data, const Shape& sizes, const TensorOptions& options) {
  return from_blob(data, sizes, contiguous_strides(sizes), nullptr, options);
}
Tensor from_blob(void* data, const Shape& sizes, std::function<void(void*)> deleter, const TensorOptions& options) {
  return from_blob(data, sizes, contiguous_strides(sizes), std::move(deleter), options);
}
Tensor from_blob(void* data, const Shape& sizes, const Shape& strides, std::function<void(void*)> deleter,
                 const TensorOptions& options) {
  TG_CHECK_VALUE(data != nullptr || sizes.numel() == 0, "from_blob: data is a null pointer");
  TG_CHECK(sizes.size() == strides.size(), "from_blob: {} sizes {} but {} strides {}", sizes.size(), sizes,
           strides.size(), strides);
  check_sizes("from_blob", sizes);
  int64_t extent = sizes.numel() == 0 ? 0 : 1;
  for (int i = 0; i < sizes.size(); ++i) {
    TG_CHECK_VALUE(strides[i] >= 0, "from_blob: negative stride in {}", strides);
    if (sizes[i] > 0 && extent > 0) extent += (sizes[i] - 1) * strides[i];
  }
  const DType dtype = options.dtype();
  kernels::backend(options.device(), "from_blob");
  auto storage = StorageImpl::wrap(data, static_cast<size_t>(extent) * itemsize(dtype), options.device(), std::move(deleter));
  auto* impl = new TensorImpl(std::move(storage), dtype, sizes, strides, 0);
  return finish(Tensor(IntrusivePtr<TensorImpl>::make(impl)), options);
}

}  // namespace tg
