// Backward formulas of matrix products, square solvers and factorizations, and softmax.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {

namespace {
// An operand stored transposed (a weight used as w.t(), say) gets its gradient computed
// transposed too, so that after the transpose's own backward it lands contiguous in the
// weight's layout and needs no copy.
bool stored_transposed(const Tensor& t) { return !t.is_contiguous() && t.mT().is_contiguous(); }
}  // namespace

std::shared_ptr<Node> matmul_node(const Tensor& a, const Tensor& b, const Tensor& bias) {
  const Shape as = a.sizes(), bs = b.sizes(), biass = bias.defined() ? bias.sizes() : Shape();
  const bool at = stored_transposed(a), bt = stored_transposed(b), has_bias = bias.defined();
  auto backward = [=](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(has_bias ? 3 : 2);
    const Tensor& grad = g[0];
    if (n.needs_input_grad(0)) {
      Tensor b_ = n.saved(1);
      r[0] = ops::sum_to_shape(at ? tg::matmul(b_, grad.mT()).mT() : tg::matmul(grad, b_.mT()), as);
    }
    if (n.needs_input_grad(1)) {
      Tensor a_ = n.saved(0);
      r[1] = ops::sum_to_shape(bt ? tg::matmul(grad.mT(), a_).mT() : tg::matmul(a_.mT(), grad), bs);
    }
    if (has_bias && n.needs_input_grad(2)) r[2] = ops::sum_to_shape(grad, biass);
    return r;
  };
  auto node = has_bias ? make_node("AddmmBackward", {&a, &b, &bias}, backward) : make_node("MmBackward", {&a, &b}, backward);
  node->save(a);
  node->save(b);
  return node;
}

std::shared_ptr<Node> softmax_node(const Tensor& self, const Tensor& result, int64_t dim, bool log) {
  auto node = make_node(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {&self},
                        [dim, log](const Node& n, const tensor_list& g) -> tensor_list {
                          Tensor y = n.saved(0);
                          const Tensor& grad = g[0];
                          if (y.dim() == 0) return {zeros_like(grad)};
                          if (log) return {grad - exp(y) * grad.sum({dim}, true)};
                          return {y * (grad - (grad * y).sum({dim}, true))};
                        });
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> solve_node(const Tensor& A, const Tensor& B, const Tensor& result) {
  auto node = make_node("LinalgSolveBackward", {&A, &B}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // X = A^-1 B: dB = A^-T dX, dA = -dB X^T.
    Tensor gB = linalg::solve(n.saved(0).mT(), g[0]);
    return {n.needs_input_grad(0) ? -tg::matmul(gB, n.saved(1).mT()) : Tensor(), gB};
  });
  node->save(A);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> det_node(const Tensor& A, const Tensor& result) {
  auto node = make_node("LinalgDetBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    return {(g[0] * n.saved(1)).unsqueeze(-1).unsqueeze(-1) * linalg::inv(n.saved(0)).mT()};
  });
  node->save(A);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> logabsdet_node(const Tensor& A) {
  auto node = make_node("LinalgSlogdetBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    return {g[0].unsqueeze(-1).unsqueeze(-1) * linalg::inv(n.saved(0)).mT()};
  });
  node->save(A);
  return node;
}

std::shared_ptr<Node> cholesky_node(const Tensor& A, const Tensor& L) {
  auto node = make_node("LinalgCholeskyBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // dA = L^-T phi(L^T dL) L^-1, symmetrized; phi keeps the lower triangle and halves the
    // diagonal (PyTorch's formula; the solves are general ones on triangular matrices).
    const Tensor L = n.saved(0);
    const int64_t size = L.sizes()[L.dim() - 1];
    const Tensor half_diagonal = 1.0 - eye(size, L.options().requires_grad(false)) * 0.5;
    const Tensor phi = tril(tg::matmul(L.mT(), g[0])) * half_diagonal;
    const Tensor left = linalg::solve(L.mT(), phi);                    // L^-T phi
    const Tensor gA = linalg::solve(L.mT(), left.mT()).mT();           // (L^-T phi) L^-1
    return {(gA + gA.mT()) * 0.5};
  });
  node->save(L, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> eigh_node(const Tensor& A) {
  auto node = make_node("LinalgEighBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // dA = V (diag(dw) + skew(V^T dV) / E) V^T with E[i][j] = w[j] - w[i] off the diagonal
    // (PyTorch's formula); the skew part makes the result symmetric.
    const Tensor w = n.saved(0), V = n.saved(1);
    const int64_t size = w.sizes()[w.dim() - 1];
    const Tensor identity = eye(size, w.options().requires_grad(false));
    Tensor inner = g[0].defined() ? g[0].unsqueeze(-1) * identity : zeros_like(V);
    if (g.size() > 1 && g[1].defined()) {
      const Tensor VtgV = tg::matmul(V.mT(), g[1]);
      inner = inner + (VtgV - VtgV.mT()) * 0.5 / (w.unsqueeze(-2) - w.unsqueeze(-1) + identity);
    }
    return {tg::matmul(V, tg::matmul(inner, V.mT()))};
  });
  return node;
}

}  // namespace tg::autograd::derivatives
