// Helpers shared by the solver and factorization front ends.
#include "tensor/ops/matrix_helpers.h"

#include <limits>

#include "kernels/kernels.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::ops {

void check_matrices(const char* op, const Tensor& a, bool square) {
  check_defined(op, a, "input");
  if (!a.is_complex()) check_floating(op, a, "input");
  if (square)
    TG_CHECK(a.dim() >= 2 && a.sizes()[a.dim() - 1] == a.sizes()[a.dim() - 2],
             "{}: expected square matrices [..., n, n], got shape {}", op, a.sizes());
  else
    TG_CHECK(a.dim() >= 2, "{}: expected matrices [..., m, n] (at least 2 dims), got shape {}", op, a.sizes());
  TG_CHECK_TYPE(a.dtype() == kFloat32 || a.dtype() == kFloat64 || a.is_complex(),
                "{}: expected float32, float64, complex64 or complex128 matrices, got {}", op, a.dtype());
}

int64_t matrix_count(const Tensor& a) {
  const int64_t size = a.sizes()[a.dim() - 2] * a.sizes()[a.dim() - 1];
  return size == 0 ? 0 : a.numel() / size;
}

Tensor info_tensor(const Tensor& a, std::vector<int32_t> codes, const Shape& batch) {
  codes.resize(static_cast<size_t>(batch.numel()), 0);
  return tensor(codes, TensorOptions(kInt32)).reshape(batch).to(a.device());
}

std::string where_in_batch(const Tensor& a, int64_t b) {
  return a.dim() > 2 ? " (batch element " + std::to_string(b) + ")" : std::string();
}

void check_finite_matrices(const char* op, const Tensor& a, const char* consequence) {
  const Tensor finite = isfinite(a.detach());
  if (finite.all().item<bool>()) return;  // one pass and one sync in the usual case
  const Tensor each = finite.reshape({matrix_count(a), -1}).all(1);
  const int64_t b = argmin(each.to(kInt32)).item<int64_t>();
  TG_CHECK_LINALG(false, "{}: the input matrix contains non-finite values (NaN or inf){}: {}", op, where_in_batch(a, b),
                  consequence);
}

Tensor column_major(const Tensor& a) {
  const Tensor t = a.detach().mT();
  Tensor out = empty(t.sizes(), a.dtype(), a.device());
  copy_into(out, t);
  return out;
}

Shape batch_shape(const Tensor& a) { return Shape(std::vector<int64_t>(a.sizes().begin(), a.sizes().end() - 2)); }

Shape with_matrix_dims(Shape batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

double machine_eps(DType dtype) {
  return dtype == kFloat64 ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
}

LU lu_factor(const Tensor& a) {
  LU f{column_major(a), {}, std::vector<int32_t>(static_cast<size_t>(matrix_count(a)), 0)};
  const int64_t m = a.sizes()[a.dim() - 2], n = a.sizes()[a.dim() - 1];
  Shape piv = a.sizes();
  piv.pop_back();
  piv.pop_back();
  piv.push_back(std::min(m, n));
  f.pivots = empty(piv, kInt32, a.device());
  if (!f.info.empty())
    kernels::backend(a.device(), "lu_factor")
        .lu_factor(a.dtype(), matrix_count(a), m, n, f.factors.data_ptr(), f.pivots.data_ptr<int32_t>(), f.info.data());
  return f;
}

std::pair<Tensor, Tensor> lu_parts(const Tensor& LU) {
  const int64_t k = std::min(LU.sizes()[LU.dim() - 2], LU.sizes()[LU.dim() - 1]);
  return {tril(LU, -1).narrow(-1, 0, k), triu(LU).narrow(-2, 0, k)};
}

}  // namespace tg::ops
