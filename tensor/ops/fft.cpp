// torch.fft's transforms. Three primitives, the scaled complex, real-to-complex and
// complex-to-real transforms along one dim (the kernel's rows, recorded for autograd); the
// Hermitian and n-dimensional transforms are built of them with views and conj, so their
// gradients come from those.
#include <cmath>
#include <numeric>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

namespace ops {
namespace {

// x with dim d moved last and made contiguous: `batch` rows for the kernels. perm: the dims in
// the rows' order.
Tensor rows_along(const Tensor& x, int d, Shape& perm) {
  const int nd = x.dim();
  for (int i = 0; i < nd; ++i)
    if (i != d) perm.push_back(i);
  perm.push_back(d);
  Shape sizes, strides;
  for (int i = 0; i < nd; ++i) {
    sizes.push_back(x.sizes()[perm[i]]);
    strides.push_back(x.strides()[perm[i]]);
  }
  return ops::contiguous(ops::alias(x, sizes, strides, x.storage_offset()));
}

// The kernel's output rows (contiguous, in perm's dim order), scaled, seen in the input's order.
Tensor scaled_in_order(const Tensor& out, const Shape& perm, double scale) {
  if (scale != 1.0) {
    const auto& be = kernels::backend(out.device(), "fft");
    const Tensor s = ops::wrapped_scalar(scale, out.dtype(), out.device());
    be.binary(kernels::BinaryOp::Mul, out.dtype(), ops::make_loop(out, {&out, &s}), out.data_ptr(), out.data_ptr(),
              s.data_ptr(), 1);
  }
  const int nd = out.dim();
  Shape sizes = Shape::filled(nd, 0), strides = Shape::filled(nd, 0);
  for (int i = 0; i < nd; ++i) {
    sizes[perm[i]] = out.sizes()[i];
    strides[perm[i]] = out.strides()[i];
  }
  return ops::alias(out, sizes, strides, 0);
}

// The transform along d of kind `kind` of a signal of length n, x its rows' contents.
Tensor transform(kernels::FftKind kind, const Tensor& x, int d, int64_t n, bool inverse, double scale) {
  Shape perm;
  const Tensor rows = rows_along(x, d, perm);
  const DType complex_dtype = to_complex_dtype(x.dtype());
  Shape out_sizes = rows.sizes();
  out_sizes[x.dim() - 1] = kind == kernels::FftKind::R2C ? n / 2 + 1 : n;
  Tensor out =
      ops::empty(out_sizes, kind == kernels::FftKind::C2R ? to_real_dtype(complex_dtype) : complex_dtype, x.device());
  const int64_t in_len = rows.sizes()[x.dim() - 1];
  kernels::backend(x.device(), "fft")
      .fft(complex_dtype, kind, in_len == 0 ? 0 : rows.numel() / in_len, n, inverse, rows.data_ptr(), out.data_ptr());
  return scaled_in_order(out, perm, scale);
}

}  // namespace

Tensor fft_c2c(const Tensor& x, int d, bool inverse, double scale) {
  Tensor result = transform(kernels::FftKind::C2C, x, d, x.sizes()[d], inverse, scale);
  if (autograd::needs_grad(x)) autograd::set_history(result, autograd::derivatives::fft_node(x, d, inverse, scale));
  return result;
}

Tensor fft_r2c(const Tensor& x, int d, double scale) {
  const int64_t n = x.sizes()[d];
  Tensor result = transform(kernels::FftKind::R2C, x, d, n, false, scale);
  if (autograd::needs_grad(x)) autograd::set_history(result, autograd::derivatives::fft_r2c_node(x, d, scale));
  return result;
}

Tensor fft_c2r(const Tensor& x, int d, int64_t n, double scale) {
  Tensor result = transform(kernels::FftKind::C2R, x, d, n, true, scale);
  if (autograd::needs_grad(x)) autograd::set_history(result, autograd::derivatives::fft_c2r_node(x, d, n, scale));
  return result;
}

}  // namespace ops

namespace fft {
namespace {

enum class Norm { Backward, Ortho, Forward };

Norm parse_norm(const char* op, std::string_view norm) {
  if (norm == "backward") return Norm::Backward;
  if (norm == "ortho") return Norm::Ortho;
  if (norm == "forward") return Norm::Forward;
  detail::fail<ValueError>("{}: invalid normalization mode \"{}\"; expected \"backward\", \"forward\" or \"ortho\"", op,
                           norm);
}

// hfft and ihfft are irfft and rfft of the conjugate with the scaling of the opposite direction.
std::string_view swapped(std::string_view norm) {
  return norm == "backward" ? "forward" : norm == "forward" ? "backward" : norm;
}

double scale_of(Norm norm, int64_t n, bool inverse) {
  if (norm == Norm::Ortho) return 1.0 / std::sqrt(static_cast<double>(n));
  return (norm == Norm::Forward) != inverse ? 1.0 / static_cast<double>(n) : 1.0;
}

void check_input(const char* op, const Tensor& x) {
  ops::check_defined(op, x, "input");
  TG_CHECK(x.dim() > 0, "{}: expected a tensor with at least one dimension, got a 0-dim tensor", op);
  TG_CHECK_TYPE(x.dtype() != kBool, "{}: not supported for bool tensors", op);
}

Tensor as_complex(const Tensor& x) { return x.is_complex() ? x : x.to(to_complex_dtype(x.dtype())); }

// x trimmed or zero-padded to length n along d.
Tensor resized(const char* op, const Tensor& x, int d, int64_t n) {
  TG_CHECK_VALUE(n >= 1, "{}: invalid number of data points ({}) specified", op, n);
  const int64_t size = x.sizes()[d];
  if (n == size) return x;
  if (n < size) return x.narrow(d, 0, n);
  Shape pad_shape = x.sizes();
  pad_shape[d] = n - size;
  return cat({x, zeros(pad_shape, x.options())}, d);
}

Tensor c2c(const char* op, const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm,
           bool inverse) {
  check_input(op, input);
  const Norm nm = parse_norm(op, norm);
  const int d = wrap_dim(dim, input.dim(), op);
  const Tensor x = resized(op, as_complex(input), d, n.value_or(input.sizes()[d]));
  return ops::fft_c2c(x, d, inverse, scale_of(nm, x.sizes()[d], inverse));
}

Tensor r2c(const char* op, const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm) {
  check_input(op, input);
  TG_CHECK_TYPE(!input.is_complex(), "{}: expects a real input tensor, but got {}", op, input.dtype());
  const Norm nm = parse_norm(op, norm);
  const int d = wrap_dim(dim, input.dim(), op);
  const DType real_dtype = to_real_dtype(to_complex_dtype(input.dtype()));  // float32 or float64
  const Tensor x = resized(op, input.to(real_dtype), d, n.value_or(input.sizes()[d]));
  return ops::fft_r2c(x, d, scale_of(nm, x.sizes()[d], false));
}

// The real signal of length n whose non-negative frequencies are input's first n / 2 + 1 along
// d, as if the spectrum were completed by Hermitian symmetry (the imaginary parts of the zero and
// Nyquist terms are ignored, as in PyTorch).
Tensor c2r(const char* op, const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm) {
  check_input(op, input);
  const Norm nm = parse_norm(op, norm);
  const int d = wrap_dim(dim, input.dim(), op);
  const int64_t out_n = n.value_or(2 * (input.sizes()[d] - 1));
  TG_CHECK_VALUE(out_n >= 1, "{}: invalid number of data points ({}) specified", op, out_n);
  const int64_t half = out_n / 2 + 1;
  return ops::fft_c2r(resized(op, as_complex(input), d, half), d, out_n, scale_of(nm, out_n, true));
}

// The dims and lengths of an n-dimensional transform: `dim`, else the last len(s) dims, else all.
struct Dims {
  std::vector<int> dims;
  std::vector<std::optional<int64_t>> sizes;
};
Dims dims_of(const char* op, const Tensor& x, const std::optional<Shape>& s, const std::optional<Shape>& dim) {
  check_input(op, x);
  Dims r;
  if (dim) {
    for (int64_t d : *dim) r.dims.push_back(wrap_dim(d, x.dim(), op));
    TG_CHECK(!s || s->size() == dim->size(), "{}: s and dim must have the same length, got {} and {}", op, *s, *dim);
  } else {
    const int k = s ? s->size() : x.dim();
    TG_CHECK(k <= x.dim(), "{}: s has {} entries but the input has only {} dims", op, k, x.dim());
    for (int i = x.dim() - k; i < x.dim(); ++i) r.dims.push_back(i);
  }
  TG_CHECK(!r.dims.empty(), "{}: expected at least one dim to transform", op);
  for (size_t i = 0; i < r.dims.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      TG_CHECK(r.dims[i] != r.dims[j], "{}: dims must be unique, got {}", op, dim ? *dim : Shape{});
    r.sizes.push_back(s && (*s)[static_cast<int>(i)] != -1 ? std::optional<int64_t>((*s)[static_cast<int>(i)])
                                                           : std::nullopt);
  }
  return r;
}

Tensor c2c_n(const char* op, const Tensor& input, const std::optional<Shape>& s, const std::optional<Shape>& dim,
             std::string_view norm, bool inverse) {
  const Dims ds = dims_of(op, input, s, dim);
  Tensor x = as_complex(input);
  for (size_t i = 0; i < ds.dims.size(); ++i) x = c2c(op, x, ds.sizes[i], ds.dims[i], norm, inverse);
  return x;
}

Tensor r2c_n(const char* op, const Tensor& input, const std::optional<Shape>& s, const std::optional<Shape>& dim,
             std::string_view norm) {
  const Dims ds = dims_of(op, input, s, dim);
  Tensor x = r2c(op, input, ds.sizes.back(), ds.dims.back(), norm);
  for (size_t i = 0; i + 1 < ds.dims.size(); ++i) x = c2c(op, x, ds.sizes[i], ds.dims[i], norm, false);
  return x;
}

Tensor c2r_n(const char* op, const Tensor& input, const std::optional<Shape>& s, const std::optional<Shape>& dim,
             std::string_view norm) {
  const Dims ds = dims_of(op, input, s, dim);
  Tensor x = as_complex(input);
  for (size_t i = 0; i + 1 < ds.dims.size(); ++i) x = c2c(op, x, ds.sizes[i], ds.dims[i], norm, true);
  return c2r(op, x, ds.sizes.back(), ds.dims.back(), norm);
}

}  // namespace

Tensor fft(const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.fft", loc);
  return c2c("fft.fft", input, n, dim, norm, false);
}
Tensor ifft(const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.ifft", loc);
  return c2c("fft.ifft", input, n, dim, norm, true);
}
Tensor rfft(const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.rfft", loc);
  return r2c("fft.rfft", input, n, dim, norm);
}
Tensor irfft(const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.irfft", loc);
  return c2r("fft.irfft", input, n, dim, norm);
}
Tensor hfft(const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.hfft", loc);
  check_input("fft.hfft", input);
  parse_norm("fft.hfft", norm);
  return c2r("fft.hfft", conj(input), n, dim, swapped(norm));
}
Tensor ihfft(const Tensor& input, std::optional<int64_t> n, int64_t dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.ihfft", loc);
  parse_norm("fft.ihfft", norm);
  return conj(r2c("fft.ihfft", input, n, dim, swapped(norm)));
}

Tensor fftn(const Tensor& input, std::optional<Shape> s, std::optional<Shape> dim, std::string_view norm,
            SourceLoc loc) {
  detail::ApiScope scope("fft.fftn", loc);
  return c2c_n("fft.fftn", input, s, dim, norm, false);
}
Tensor ifftn(const Tensor& input, std::optional<Shape> s, std::optional<Shape> dim, std::string_view norm,
             SourceLoc loc) {
  detail::ApiScope scope("fft.ifftn", loc);
  return c2c_n("fft.ifftn", input, s, dim, norm, true);
}
Tensor rfftn(const Tensor& input, std::optional<Shape> s, std::optional<Shape> dim, std::string_view norm,
             SourceLoc loc) {
  detail::ApiScope scope("fft.rfftn", loc);
  return r2c_n("fft.rfftn", input, s, dim, norm);
}
Tensor irfftn(const Tensor& input, std::optional<Shape> s, std::optional<Shape> dim, std::string_view norm,
              SourceLoc loc) {
  detail::ApiScope scope("fft.irfftn", loc);
  return c2r_n("fft.irfftn", input, s, dim, norm);
}
Tensor hfftn(const Tensor& input, std::optional<Shape> s, std::optional<Shape> dim, std::string_view norm,
             SourceLoc loc) {
  detail::ApiScope scope("fft.hfftn", loc);
  check_input("fft.hfftn", input);
  parse_norm("fft.hfftn", norm);
  return c2r_n("fft.hfftn", conj(input), s, dim, swapped(norm));
}
Tensor ihfftn(const Tensor& input, std::optional<Shape> s, std::optional<Shape> dim, std::string_view norm,
              SourceLoc loc) {
  detail::ApiScope scope("fft.ihfftn", loc);
  parse_norm("fft.ihfftn", norm);
  return conj(r2c_n("fft.ihfftn", input, s, dim, swapped(norm)));
}

Tensor fft2(const Tensor& input, std::optional<Shape> s, const Shape& dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.fft2", loc);
  return c2c_n("fft.fft2", input, s, dim, norm, false);
}
Tensor ifft2(const Tensor& input, std::optional<Shape> s, const Shape& dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.ifft2", loc);
  return c2c_n("fft.ifft2", input, s, dim, norm, true);
}
Tensor rfft2(const Tensor& input, std::optional<Shape> s, const Shape& dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.rfft2", loc);
  return r2c_n("fft.rfft2", input, s, dim, norm);
}
Tensor irfft2(const Tensor& input, std::optional<Shape> s, const Shape& dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.irfft2", loc);
  return c2r_n("fft.irfft2", input, s, dim, norm);
}
Tensor hfft2(const Tensor& input, std::optional<Shape> s, const Shape& dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.hfft2", loc);
  return hfftn(input, s, dim, norm);
}
Tensor ihfft2(const Tensor& input, std::optional<Shape> s, const Shape& dim, std::string_view norm, SourceLoc loc) {
  detail::ApiScope scope("fft.ihfft2", loc);
  return ihfftn(input, s, dim, norm);
}

Tensor fftfreq(int64_t n, double d, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("fft.fftfreq", loc);
  TG_CHECK_VALUE(n >= 0, "fft.fftfreq: n must be non-negative, got {}", n);
  // [0, 1, ..., ceil(n / 2) - 1, -floor(n / 2), ..., -1] / (d n)
  const Tensor k = arange(n, TensorOptions(kInt64).device(options.device()));
  const Tensor wrapped = where(ge(k, (n + 1) / 2), k - n, k);
  return (wrapped.to(options.dtype()) / (d * static_cast<double>(n))).requires_grad_(options.requires_grad());
}

Tensor rfftfreq(int64_t n, double d, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("fft.rfftfreq", loc);
  TG_CHECK_VALUE(n >= 0, "fft.rfftfreq: n must be non-negative, got {}", n);
  const Tensor k = arange(n / 2 + 1, TensorOptions(kInt64).device(options.device()));
  return (k.to(options.dtype()) / (d * static_cast<double>(n))).requires_grad_(options.requires_grad());
}

namespace {
Tensor shift(const char* op, const Tensor& input, const std::optional<Shape>& dim, bool inverse) {
  ops::check_defined(op, input, "input");
  Shape dims, shifts;
  if (dim) {
    for (int64_t d : *dim) dims.push_back(wrap_dim(d, input.dim(), op));
  } else {
    for (int d = 0; d < input.dim(); ++d) dims.push_back(d);
  }
  for (int64_t d : dims) {
    const int64_t n = input.sizes()[static_cast<int>(d)];
    shifts.push_back(inverse ? -(n / 2) : n / 2);
  }
  return dims.size() == 0 ? input : roll(input, shifts, dims);
}
}  // namespace

Tensor fftshift(const Tensor& input, std::optional<Shape> dim, SourceLoc loc) {
  detail::ApiScope scope("fft.fftshift", loc);
  return shift("fft.fftshift", input, dim, false);
}
Tensor ifftshift(const Tensor& input, std::optional<Shape> dim, SourceLoc loc) {
  detail::ApiScope scope("fft.ifftshift", loc);
  return shift("fft.ifftshift", input, dim, true);
}

}  // namespace fft
}  // namespace tg
