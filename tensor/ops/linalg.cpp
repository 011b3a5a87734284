// Matrix products: matmul (PyTorch's rank rules and batch broadcasting), mm, bmm, addmm, dot,
// outer, and the products built of them (matrix_power, matrix_exp, multi_dot, cross). One primitive, the
// batched product of operands with at least 2 dims.
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg {
namespace {

void check_operands(const char* name, const Tensor& a, const Tensor& b) {
  ops::check_defined(name, a, "self");
  ops::check_defined(name, b, "other");
  ops::check_same_device(name, a, b);
  TG_CHECK_TYPE(a.dtype() == b.dtype(), "{}: expected both operands to have the same dtype, got {} and {}", name,
                a.dtype(), b.dtype());
  TG_CHECK_TYPE(a.dtype() != kBool, "{}: not supported for bool tensors", name);
}

kernels::MatrixOperand operand(const Tensor& t, const Shape& batch) {
  kernels::MatrixOperand m{};
  m.data = t.data_ptr();
  m.nbatch = batch.size();
  const int lead = batch.size() + 2 - t.dim();
  for (int d = 0; d < batch.size() + 2; ++d) {
    const int s = d - lead;
    m.sizes[d] = s >= 0 ? t.sizes()[s] : 1;
    m.strides[d] = s >= 0 ? t.strides()[s] : 0;
  }
  return m;
}

// t itself, or a contiguous copy when a matrix dim steps by 0 (an expanded gradient, as sum's
// backward gives) or backwards: BLAS libraries take neither, and the plain loop that would run
// instead is 5x slower than a copy plus the library's product.
Tensor blas_ready(const Tensor& t) {
  for (int d = std::max(0, t.dim() - 2); d < t.dim(); ++d)
    if (t.sizes()[d] > 1 && t.strides()[d] <= 0) return ops::contiguous(t);
  return t;
}

Tensor batched_product(const char* name, const Tensor& a, const Tensor& b, const Tensor& bias = {});

// Complex operands on the CPU (oneDNN has no complex GEMM; cuBLAS's takes them on the GPU): one
// real product of a's parts side by side, [..., m, 2k], with b's parts arranged as rows
// (Re b, Im b) and (-Im b, Re b) interleaved, [..., 2k, 2n], whose result holds each output's real
// and imaginary parts side by side. Those rows are b's rows and i b's (made exactly, not as a
// product with i, which turns an infinite part's 0 into NaN), seen as reals: three passes over b,
// where stacking the four strided parts took a fifth of a 256 x 256 product. Built of views, stack
// and the real product, so that autograd needs nothing more.
Tensor complex_product(const char* name, const Tensor& a, const Tensor& b, const Tensor& bias) {
  const Tensor parts = view_as_real(a.contiguous()).flatten(-2);
  const Tensor rows = view_as_real(stack({b, complex(-imag(b), real(b))}, -2)).flatten(-2).flatten(-3, -2);
  const Tensor c = batched_product(name, parts, rows);
  const Tensor out = view_as_complex(c.unflatten(-1, {c.sizes()[c.dim() - 1] / 2, 2}));
  return bias.defined() ? out + bias : out;
}

// a: [..., m, k], b: [..., k, n], both with at least 2 dims; batch dims broadcast. A bias
// (contiguous, n values) is added to every row by the kernel itself.
Tensor batched_product(const char* name, const Tensor& a, const Tensor& b, const Tensor& bias) {
  if (a.is_complex() && a.is_cpu()) return complex_product(name, a, b, bias);
  const int64_t m = a.sizes()[a.dim() - 2], k = a.sizes()[a.dim() - 1];
  const int64_t k2 = b.sizes()[b.dim() - 2], n = b.sizes()[b.dim() - 1];
  TG_CHECK(k == k2, "{}: shapes {} and {} cannot be multiplied ({}x{} and {}x{})", name, a.sizes(), b.sizes(), m, k, k2, n);
  Shape ba(std::span<const int64_t>(a.sizes().data(), static_cast<size_t>(a.dim() - 2)));
  Shape bb(std::span<const int64_t>(b.sizes().data(), static_cast<size_t>(b.dim() - 2)));
  Shape batch = broadcast_shapes(ba, bb, name);
  TG_CHECK(batch.size() + 2 <= kMaxDims, "{}: too many batch dims", name);
  const auto& be = kernels::backend(a.device(), name);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = ops::empty(out_shape, a.dtype(), a.device());
  const Tensor ar = blas_ready(a), br = blas_ready(b);
  be.matmul(a.dtype(), operand(ar, batch), operand(br, batch), out.data_ptr(), bias.defined() ? bias.data_ptr() : nullptr);
  if (is_inexact(a.dtype()) && autograd::needs_grad(a, b, bias))
    autograd::set_history(out, autograd::derivatives::matmul_node(a, b, bias));
  return out;
}

}  // namespace

Tensor matmul(const Tensor& self_in, const Tensor& other_in, SourceLoc loc) {
  detail::ApiScope scope("matmul", loc);
  const Tensor self = ops::autocast_lower(self_in), other = ops::autocast_lower(other_in);
  check_operands("matmul", self, other);
  TG_CHECK(self.dim() >= 1 && other.dim() >= 1, "matmul: both operands need at least 1 dim, got shapes {} and {}",
           self.sizes(), other.sizes());
  if (self.dim() == 1 && other.dim() == 1) {
    TG_CHECK(self.sizes()[0] == other.sizes()[0], "matmul: 1-D operands of sizes {} and {} differ in length",
             self.sizes()[0], other.sizes()[0]);
    return batched_product("matmul", self.unsqueeze(0), other.unsqueeze(1)).reshape({});
  }
  if (self.dim() == 1) return batched_product("matmul", self.unsqueeze(0), other).squeeze(-2);
  if (other.dim() == 1) return batched_product("matmul", self, other.unsqueeze(1)).squeeze(-1);
  return batched_product("matmul", self, other);
}

Tensor mm(const Tensor& self_in, const Tensor& other_in, SourceLoc loc) {
  detail::ApiScope scope("mm", loc);
  const Tensor self = ops::autocast_lower(self_in), other = ops::autocast_lower(other_in);
  check_operands("mm", self, other);
  TG_CHECK(self.dim() == 2 && other.dim() == 2, "mm: expects 2-D operands, got shapes {} and {}", self.sizes(),
           other.sizes());
  return batched_product("mm", self, other);
}

Tensor bmm(const Tensor& self_in, const Tensor& other_in, SourceLoc loc) {
  detail::ApiScope scope("bmm", loc);
  const Tensor self = ops::autocast_lower(self_in), other = ops::autocast_lower(other_in);
  check_operands("bmm", self, other);
  TG_CHECK(self.dim() == 3 && other.dim() == 3, "bmm: expects 3-D operands, got shapes {} and {}", self.sizes(),
           other.sizes());
  TG_CHECK(self.sizes()[0] == other.sizes()[0], "bmm: batch sizes differ: shapes {} and {}", self.sizes(),
           other.sizes());
  return batched_product("bmm", self, other);
}

Tensor addmm(const Tensor& self_in, const Tensor& mat1_in, const Tensor& mat2_in, const Scalar& beta,
             const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("addmm", loc);
  const Tensor self = ops::autocast_lower(self_in), mat1 = ops::autocast_lower(mat1_in),
               mat2 = ops::autocast_lower(mat2_in);
  ops::check_defined("addmm", self, "self");
  check_operands("addmm", mat1, mat2);
  TG_CHECK(mat1.dim() == 2 && mat2.dim() == 2, "addmm: expects 2-D matrices, got shapes {} and {}", mat1.sizes(),
           mat2.sizes());
  const int64_t n = mat2.sizes()[1];
  // The bias of a linear layer: one row added to every row of the product, fused into the
  // product's kernel (oneDNN's bias, cuBLASLt's epilogue).
  if (alpha.to_double() == 1.0 && beta.to_double() == 1.0 && self.is_contiguous() && self.dtype() == mat1.dtype() &&
      self.device() == mat1.device() && self.numel() == n && n > 1 &&
      (self.dim() == 1 || (self.dim() == 2 && self.sizes()[0] == 1)) && mat1.dtype() != kBool)
    return batched_product("addmm", mat1, mat2, self);
  // float16 and bfloat16 on the CPU: the product (accumulated in float32 by the kernels anyway),
  // scaled and added in float32 and rounded once, as PyTorch's kernels do; rounding the product
  // first would differ by an ulp, which iterations such as Muon's Newton-Schulz amplify. Not on
  // the GPU, where it would trade tensor cores for a float32 GEMM: that wants the GEMM's own
  // beta * C (cuBLAS has it), so CUDA still rounds twice.
  const DType dtype = mat1.dtype();
  const bool low = (dtype == kFloat16 || dtype == kBFloat16) && mat1.is_cpu();
  const auto wide = [&](const Tensor& t) {
    return low && (t.dtype() == kFloat16 || t.dtype() == kBFloat16) ? t.to(kFloat32) : t;
  };
  Tensor prod = batched_product("addmm", wide(mat1), wide(mat2));
  TG_CHECK(broadcast_shapes(self.sizes(), prod.sizes(), "addmm") == prod.sizes(),
           "addmm: self of shape {} does not broadcast to the product's shape {}", self.sizes(), prod.sizes());
  if (alpha.to_double() != 1.0) prod = prod * alpha;
  if (beta.to_double() != 0.0)  // else self is ignored, NaNs included, as in PyTorch
    prod = beta.to_double() == 1.0 ? prod + wide(self) : prod + wide(self) * beta;
  return low ? prod.to(promote_types(dtype, self.dtype())) : prod;
}

Tensor dot(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("dot", loc);
  check_operands("dot", self, other);
  TG_CHECK(self.dim() == 1 && other.dim() == 1, "dot: expects 1-D tensors, got shapes {} and {}", self.sizes(),
           other.sizes());
  return matmul(self, other);
}

Tensor outer(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("outer", loc);
  ops::check_defined("outer", self, "self");
  ops::check_defined("outer", other, "other");
  TG_CHECK(self.dim() == 1 && other.dim() == 1, "outer: expects 1-D tensors, got shapes {} and {}", self.sizes(),
           other.sizes());
  return self.unsqueeze(1) * other.unsqueeze(0);
}

namespace linalg {

Tensor matrix_power(const Tensor& A, int64_t n, SourceLoc loc) {
  const char* op = "linalg.matrix_power";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, A, "input");
  TG_CHECK(A.dim() >= 2 && A.sizes()[A.dim() - 1] == A.sizes()[A.dim() - 2],
           "{}: expected square matrices [..., n, n], got shape {}", op, A.sizes());
  const int64_t size = A.sizes()[A.dim() - 1];
  // Identities, still on the tape (a zero gradient) when A is, as PyTorch's.
  if (n == 0) return A.clone().copy_(eye(size, TensorOptions(A.dtype()).device(A.device())).expand(A.sizes()));
  // Repeated squaring: the product of the squares A^(2^i) for the bits i of |n|.
  Tensor base = n < 0 ? inv(A) : A, result;
  for (uint64_t bits = static_cast<uint64_t>(n < 0 ? -n : n);; bits >>= 1) {
    if (bits & 1) result = result.defined() ? matmul(result, base) : base;
    if (bits <= 1) break;
    base = matmul(base, base);
  }
  return result;
}

Tensor matrix_exp(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.matrix_exp";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/true);
  if (A.numel() == 0) return A.clone();
  // Higham's scaling and squaring (2005): in float64 the lowest Pade degree m in {3, 5, 7, 9}
  // whose theta_m bounds the 1-norm, exact to double precision there; past theta_9, degree 13 on
  // A scaled by 2^-s to within theta_13, then squared s times. One choice serves the whole batch
  // (the largest norm's): a smaller matrix gets a degree higher than it needs, which costs nothing
  // in accuracy.
  double norm = 0;
  {
    NoGradGuard no_grad;
    norm = A.abs().sum({-2}).amax().to(kFloat64).item<double>();
  }
  // clang-format off
  static constexpr double b3[] = {120.0, 60.0, 12.0, 1.0};
  static constexpr double b5[] = {30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0};
  static constexpr double b7[] = {17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0};
  static constexpr double b9[] = {17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
                                  110880.0, 3960.0, 90.0, 1.0};
  static constexpr double b[] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
                                 129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
                                 40840800.0, 960960.0, 16380.0, 182.0, 1.0};  // Higham's b_0 ... b_13
  // clang-format on
  struct Degree {
    double theta;
    const double* coef;
    int m;
  };
  const Tensor I = eye(A.sizes()[A.dim() - 1], TensorOptions(A.dtype()).device(A.device()));
  // r_m(X) = (V - U)^-1 (V + U), U = X (b_m X^(m-1) + ... + b_3 X^2 + b_1 I),
  // V = b_(m-1) X^(m-1) + ... + b_2 X^2 + b_0 I, for m up to 9.
  const auto low_pade = [&I](const Tensor& X, const Degree& d) {
    const Tensor X2 = matmul(X, X);
    Tensor u = I * d.coef[1], v = I * d.coef[0], power = X2;
    for (int k = 2; k < d.m; k += 2) {
      if (k > 2) power = matmul(power, X2);
      u = u + power * d.coef[k + 1];
      v = v + power * d.coef[k];
    }
    const Tensor U = matmul(X, u);
    return solve(v - U, v + U);
  };
  const auto squared = [](Tensor E, int squarings) {
    for (int i = 0; i < squarings; ++i) E = matmul(E, E);
    return E;
  };
  const auto squarings_for = [norm](double theta) {
    return std::isfinite(norm) && norm > theta ? static_cast<int>(std::ceil(std::log2(norm / theta))) : 0;
  };
  if (A.dtype() != kFloat64) {
    // Single precision (and the 16-bit floats, which compute in it): Higham's degrees 3, 5 and 7
    // with the thetas for float's unit roundoff, and A scaled to within theta_7 past theta_5, as
    // MATLAB's expm does for single. The double-precision degrees cost a matmul or two more.
    static constexpr Degree kSingle[] = {
        {4.258730016922831e-1, b3, 3}, {1.880152677804762, b5, 5}, {3.925724783138660, b7, 7}};
    for (const Degree& d : {kSingle[0], kSingle[1]})
      if (norm <= d.theta) return low_pade(A, d);
    const int s = squarings_for(kSingle[2].theta);
    return squared(low_pade(s > 0 ? A * std::ldexp(1.0, -s) : A, kSingle[2]), s);
  }
  static constexpr Degree kLow[] = {{1.495585217958292e-2, b3, 3},
                                    {2.539398330063230e-1, b5, 5},
                                    {9.504178996162932e-1, b7, 7},
                                    {2.097847961257068, b9, 9}};
  for (const Degree& d : kLow)
    if (norm <= d.theta) return low_pade(A, d);
  const int squarings = squarings_for(5.371920351148152);  // theta_13
  const Tensor X = squarings > 0 ? A * std::ldexp(1.0, -squarings) : A;
  const Tensor X2 = matmul(X, X), X4 = matmul(X2, X2), X6 = matmul(X4, X2);
  const Tensor U =
      matmul(X, matmul(X6, b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 + b[3] * X2 + b[1] * I);
  const Tensor V = matmul(X6, b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * I;
  return squared(solve(V - U, V + U), squarings);
}

Tensor multi_dot(const tensor_list& tensors, SourceLoc loc) {
  const char* op = "linalg.multi_dot";
  detail::ApiScope scope(op, loc);
  const size_t count = tensors.size();
  TG_CHECK(count >= 2, "{}: expected at least 2 tensors, got {}", op, count);
  // The first and last may be vectors: a row and a column, dropped from the result.
  std::vector<Tensor> mats(count);
  for (size_t i = 0; i < count; ++i) {
    const Tensor& t = tensors[i];
    ops::check_defined(op, t, "tensor");
    const bool end = i == 0 || i + 1 == count;
    TG_CHECK(t.dim() == 2 || (end && t.dim() == 1), "{}: tensor {} must be 2-D{}, got shape {}", op, i,
             end ? " (or 1-D, at either end)" : "", t.sizes());
    TG_CHECK_TYPE(t.dtype() == tensors[0].dtype(), "{}: tensor {} is {} but tensor 0 is {}", op, i, t.dtype(),
                  tensors[0].dtype());
    ops::check_same_device(op, tensors[0], t);
    mats[i] = t.dim() == 2 ? t : i == 0 ? t.unsqueeze(0) : t.unsqueeze(1);
  }
  for (size_t i = 0; i + 1 < count; ++i)
    TG_CHECK(mats[i].sizes()[1] == mats[i + 1].sizes()[0],
             "{}: tensors {} and {} cannot be multiplied (shapes {} and {})", op, i, i + 1, tensors[i].sizes(),
             tensors[i + 1].sizes());
  // The classic matrix-chain order: cost[i][j] the fewest multiplications for mats i..j.
  std::vector<int64_t> dims(count + 1);
  for (size_t i = 0; i < count; ++i) dims[i] = mats[i].sizes()[0];
  dims[count] = mats[count - 1].sizes()[1];
  std::vector<std::vector<double>> cost(count, std::vector<double>(count, 0));
  std::vector<std::vector<size_t>> split(count, std::vector<size_t>(count, 0));
  for (size_t len = 1; len < count; ++len)
    for (size_t i = 0; i + len < count; ++i) {
      const size_t j = i + len;
      cost[i][j] = std::numeric_limits<double>::infinity();
      for (size_t k = i; k < j; ++k) {
        const double c = cost[i][k] + cost[k + 1][j] + static_cast<double>(dims[i]) *
                                                           static_cast<double>(dims[k + 1]) *
                                                           static_cast<double>(dims[j + 1]);
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  std::function<Tensor(size_t, size_t)> product = [&](size_t i, size_t j) -> Tensor {
    if (i == j) return mats[i];
    return mm(product(i, split[i][j]), product(split[i][j] + 1, j));
  };
  Tensor r = product(0, count - 1);
  if (tensors[count - 1].dim() == 1) r = r.squeeze(1);
  if (tensors[0].dim() == 1) r = r.squeeze(0);
  return r;
}

Tensor cross(const Tensor& a, const Tensor& b, int64_t dim, SourceLoc loc) {
  const char* op = "linalg.cross";
  detail::ApiScope scope(op, loc);
  check_operands(op, a, b);
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes(), op);
  const auto rank = static_cast<int64_t>(shape.size());
  TG_CHECK_INDEX(dim >= -rank && dim < rank, "{}: dim {} out of range for {} dims", op, dim, rank);
  const int64_t d = dim < 0 ? dim + rank : dim;
  TG_CHECK(shape[d] == 3, "{}: dim {} must have size 3, got shapes {} and {}", op, dim, a.sizes(), b.sizes());
  // c_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1), indices mod 3, over views of the components.
  const Tensor x = a.expand(shape), y = b.expand(shape);
  auto part = [d](const Tensor& t, int64_t i) { return t.narrow(d, i, 1); };
  auto component = [&](int64_t i) {
    const int64_t j = (i + 1) % 3, k = (i + 2) % 3;
    return part(x, j) * part(y, k) - part(x, k) * part(y, j);
  };
  return cat({component(0), component(1), component(2)}, d);
}

}  // namespace linalg

Tensor matrix_power(const Tensor& A, int64_t n, SourceLoc loc) {
  detail::ApiScope scope("matrix_power", loc);
  return linalg::matrix_power(A, n);
}

Tensor matrix_exp(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("matrix_exp", loc);
  return linalg::matrix_exp(A);
}

}  // namespace tg
