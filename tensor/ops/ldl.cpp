// torch.linalg's LDL family: ldl_factor(_ex), the Bunch-Kaufman factorization of symmetric or
// Hermitian matrices in LAPACK's compact form, and ldl_solve, over the backend's sytrf / hetrf and
// sytrs / hetrs kernels (cuSOLVER's sytrf and Xsytrs on the GPU). As in PyTorch the factorization
// has no derivative; the solve has one in B (a solve with A^H from the same factors).
#include <cstdlib>
#include <vector>

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::linalg {
namespace {

struct LDL {
  Tensor LD, pivots;
  std::vector<int32_t> info;  // per matrix: k > 0 where D[k - 1][k - 1] is exactly zero
};

LDL ldl_factor_impl(const char* op, const Tensor& A, bool hermitian) {
  ops::check_matrices(op, A, /*square=*/true);
  if (hermitian && A.is_complex() && !A.is_cpu()) {
    // cuSOLVER has no Hermitian LDL (hetrf): this one case factors on the CPU.
    LDL f = ldl_factor_impl(op, A.cpu(), hermitian);
    return {f.LD.to(A.device()), f.pivots.to(A.device()), std::move(f.info)};
  }
  const int64_t n = A.sizes()[A.dim() - 1];
  LDL f;
  {
    NoGradGuard no_grad;
    // The kernels read and write the lower triangle only: the zeros above it come from here.
    f.LD = ops::column_major(tg::tril(A));
  }
  f.info.assign(static_cast<size_t>(ops::matrix_count(A)), 0);
  Shape piv = ops::batch_shape(A);
  piv.push_back(n);
  f.pivots = ops::empty(piv, kInt32, A.device());
  if (!f.info.empty())
    kernels::backend(A.device(), op)
        .ldl_factor(A.dtype(), ops::matrix_count(A), n, f.LD.data_ptr(), f.pivots.data_ptr<int32_t>(), hermitian,
                    f.info.data());
  f.LD = f.LD.mT();
  if (autograd::needs_grad(A)) {
    auto node = autograd::make_node(
        "LinalgLdlFactorExBackward", {&A}, [op](const autograd::Node&, const tensor_list&) -> tensor_list {
          TG_FAIL("{}: the derivative of the LDL factorization is not implemented (nor is it in PyTorch)", op);
        });
    autograd::set_history(f.LD, node);
  }
  return f;
}

void check_singular(const char* op, const Tensor& A, const std::vector<int32_t>& codes) {
  for (size_t b = 0; b < codes.size(); ++b)
    TG_CHECK_LINALG(codes[b] <= 0, "{}: D[{}][{}] is zero{}: the input matrix is singular", op, codes[b] - 1,
                    codes[b] - 1, ops::where_in_batch(A, static_cast<int64_t>(b)));
}

// LD square, pivots [..., n] of its batch shape, int32 or int64, in LAPACK's form: each entry a
// 1-based row, and a negative one (a 2 x 2 block) repeated in the next entry. The kernels index
// rows by them, so a bad one is caught here.
void check_ldl(const char* op, const Tensor& LD, const Tensor& pivots) {
  ops::check_matrices(op, LD, /*square=*/true);
  ops::check_defined(op, pivots, "pivots");
  ops::check_same_device(op, LD, pivots);
  TG_CHECK_TYPE(pivots.dtype() == kInt32 || pivots.dtype() == kInt64,
                "{}: expected int32 or int64 pivots (ldl_factor returns int32), got {}", op, pivots.dtype());
  Shape expected = ops::batch_shape(LD);
  const int64_t n = LD.sizes()[LD.dim() - 1];
  expected.push_back(n);
  TG_CHECK(pivots.sizes() == expected, "{}: LD of shape {} needs pivots of shape {}, got {}", op, LD.sizes(), expected,
           pivots.sizes());
  if (pivots.numel() == 0) return;
  const std::vector<int64_t> p = pivots.contiguous().cpu().to(kInt64).to_vector<int64_t>();
  for (size_t base = 0; base < p.size(); base += static_cast<size_t>(n)) {
    for (int64_t k = 0; k < n; ++k) {
      const int64_t v = p[base + static_cast<size_t>(k)];
      TG_CHECK_VALUE(v != 0 && std::llabs(v) <= n,
                     "{}: pivots must lie in [1, {}] or [-{}, -1] (LAPACK's 1-based rows), got {}", op, n, n, v);
      if (v > 0) continue;
      TG_CHECK_VALUE(k + 1 < n && p[base + static_cast<size_t>(k) + 1] == v,
                     "{}: a negative pivot ({} at {}) marks a 2 x 2 block and must be repeated in the next entry", op,
                     v, k);
      ++k;
    }
  }
}

// X = A^-1 B from the factors, no gradient recorded.
Tensor ldl_solve_raw(const char* op, const Tensor& LD, const Tensor& pivots, const Tensor& B, bool hermitian) {
  NoGradGuard no_grad;
  const int64_t n = LD.sizes()[LD.dim() - 1], k = B.sizes()[B.dim() - 1];
  const Shape batch = broadcast_shapes(ops::batch_shape(LD), ops::batch_shape(B), op);
  if (hermitian && LD.is_complex() && !LD.is_cpu())  // no Hermitian solve in cuSOLVER (hetrs)
    return ldl_solve_raw(op, LD.cpu(), pivots.cpu(), B.cpu(), hermitian).to(LD.device());
  // ldl_factor's LD is the transpose of a contiguous buffer: the kernel reads that in place.
  const Tensor full = LD.expand(ops::with_matrix_dims(batch, n, n));
  const Tensor factors = full.mT().is_contiguous() ? full.mT() : ops::column_major(full);
  Shape pivot_shape = batch;
  pivot_shape.push_back(n);
  const Tensor piv = pivots.to(kInt64).expand(pivot_shape).contiguous();
  Tensor x = ops::column_major(B.expand(ops::with_matrix_dims(batch, n, k)));  // [..., k, n]: X^T once solved
  if (ops::matrix_count(factors) > 0 && k > 0)
    kernels::backend(LD.device(), op)
        .ldl_solve(LD.dtype(), ops::matrix_count(factors), n, k, factors.data_ptr(), piv.data_ptr<int64_t>(), hermitian,
                   x.data_ptr());
  return x.mT();
}

}  // namespace

std::tuple<Tensor, Tensor> ldl_factor(const Tensor& A, bool hermitian, SourceLoc loc) {
  const char* op = "linalg.ldl_factor";
  detail::ApiScope scope(op, loc);
  LDL f = ldl_factor_impl(op, A, hermitian);
  check_singular(op, A, f.info);
  return {f.LD, f.pivots};
}

std::tuple<Tensor, Tensor, Tensor> ldl_factor_ex(const Tensor& A, bool hermitian, bool check_errors, SourceLoc loc) {
  const char* op = "linalg.ldl_factor_ex";
  detail::ApiScope scope(op, loc);
  LDL f = ldl_factor_impl(op, A, hermitian);
  if (check_errors) check_singular(op, A, f.info);
  return {f.LD, f.pivots, ops::info_tensor(A, std::move(f.info), ops::batch_shape(A))};
}

Tensor ldl_solve(const Tensor& LD, const Tensor& pivots, const Tensor& B, bool hermitian, SourceLoc loc) {
  const char* op = "linalg.ldl_solve";
  detail::ApiScope scope(op, loc);
  check_ldl(op, LD, pivots);
  ops::check_defined(op, B, "B");
  ops::check_same_device(op, LD, B);
  TG_CHECK_TYPE(LD.dtype() == B.dtype(), "{}: LD ({}) and B ({}) must have the same dtype", op, LD.dtype(), B.dtype());
  const int64_t n = LD.sizes()[LD.dim() - 1];
  TG_CHECK(B.dim() >= 2 && B.sizes()[B.dim() - 2] == n,
           "{}: LD of shape {} needs B with {} rows ([..., {}, k]), got shape {}", op, LD.sizes(), n, n, B.sizes());
  Tensor X = ldl_solve_raw(op, LD, pivots, B, hermitian);
  if (!autograd::needs_grad(LD, B)) return X;
  const Shape b_shape = B.sizes();
  auto node = autograd::make_node(
      "LinalgLdlSolveBackward", {&LD, &B},
      [op, hermitian, b_shape](const autograd::Node& nd, const tensor_list& g) -> tensor_list {
        TG_CHECK(!nd.needs_input_grad(0),
                 "{}: the derivative with respect to LD is not implemented (nor is it in PyTorch)", op);
        // A symmetric: A^-H G = conj(A^-1 conj(G)); Hermitian (or real): A^-1 G.
        const Tensor& LDs = nd.saved(0);
        const Tensor& piv = nd.saved(1);
        const Tensor gB = hermitian || !g[0].is_complex() ? ldl_solve(LDs, piv, g[0], hermitian)
                                                          : tg::conj(ldl_solve(LDs, piv, tg::conj(g[0]), hermitian));
        return {Tensor(), ops::sum_to_shape(gB, b_shape)};
      });
  node->save(LD.detach());
  node->save(pivots);
  autograd::set_history(X, node);
  return X;
}

}  // namespace tg::linalg
