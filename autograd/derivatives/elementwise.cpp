// Backward formulas of the elementwise ops. The table-driven ones take their formula from the
// backward columns of unary_ops.def, binary_ops.def and special_ops.def.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {
namespace {

constexpr int kSaveSelf = 1, kSaveOther = 2, kSaveResult = 4;

// Helpers named in the tables' backward columns.
Tensor scaled(const Tensor& grad, const Scalar& alpha) {
  if (alpha.is_complex()) return grad * Scalar(std::conj(alpha.to_complex()));
  return alpha.to_double() == 1.0 ? grad : grad * alpha;
}

// sgn(z) = z / |z|: 0 for real tensors; for complex, (g - sgn^2 conj(g)) / (2 |z|), 0 at z = 0 (PyTorch's).
Tensor sgn_backward(const Tensor& grad, const Tensor& self, const Tensor& result) {
  if (!self.is_complex()) return zeros_like(grad);
  const Tensor a = abs(self);
  return where(eq(a, 0), 0.0, (grad - result * result * conj(grad)) / (2 * a));
}

// An input the op has no derivative for (as in PyTorch): an error once a gradient reaches it.
[[noreturn]] Tensor not_differentiable(const Tensor& /*grad*/, const char* op, const char* input) {
  TG_FAIL("{}: the derivative with respect to '{}' is not implemented", op, input);
}

Tensor pow_grad_self(const Tensor& grad, const Tensor& self, const Tensor& exponent) {
  // d/dx x^e = e x^(e-1), taken as 0 where e == 0 (so that 0^-1 does not make a NaN). e - 1 by a
  // tensor of ones: a number exponent (a wrapped scalar) minus the number 1 would be computed in
  // the default dtype, rounding e.g. 1/3 to float.
  const Tensor g = grad * conj(exponent * pow(self, exponent - ones_like(exponent)));
  // A number exponent (x ** 3) held on the host that is not 0 has nothing to mask: a pass fewer.
  if (!exponent.is_complex() && exponent.dim() == 0 && exponent.device().is_cpu() && exponent.item<double>() != 0)
    return g;
  return where(eq(exponent, 0), 0.0, g);
}

Tensor pow_grad_other(const Tensor& grad, const Tensor& self, const Tensor& exponent, const Tensor& result) {
  // d/de x^e = x^e log x, taken as 0 at x == 0 for e >= 0 (the limit), as PyTorch does (for a
  // complex exponent, with real part >= 0).
  const Tensor e = exponent.is_complex() ? real(exponent) : exponent;
  return where(logical_and(eq(self, 0), ge(e, 0)), 0.0, grad * conj(result * log(self)));
}

// d/dx of the orthogonal polynomials (special_ops.def), from identities between the families
// that hold for every integer degree n (a truncated one, as in the forward; 0 below degree 0).
// U', P' and L' divide by x^2 - 1 or x: at those points they take the limits, and within a
// distance d of them they lose the digits of eps / d to cancellation.
Tensor degree_of(const Tensor& n) { return trunc(n); }  // also makes a wrapped number an ordinary tensor

Tensor chebyshev_t_derivative(const Tensor& x, const Tensor& degree) {
  const Tensor n = degree_of(degree);
  return n * special::chebyshev_polynomial_u(x, n - 1);  // T_n' = n U_{n-1}
}

Tensor chebyshev_u_derivative(const Tensor& x, const Tensor& degree) {
  // (x^2 - 1) U_n' = (n + 1) T_{n+1} - x U_n; U_n'(+-1) = (+-1)^(n+1) n (n + 1) (n + 2) / 3.
  const Tensor n = degree_of(degree), edge = eq(abs(x), 1.0);
  const Tensor inside = where(edge, 0.0, x), at_edge = where(edge, x, 1.0);
  const Tensor interior =
      ((n + 1) * special::chebyshev_polynomial_t(inside, n + 1) - inside * special::chebyshev_polynomial_u(inside, n)) /
      (inside * inside - 1);
  const Tensor limit = pow(at_edge, n + 1) * n * (n + 1) * (n + 2) / 3;
  return where(lt(n, 0), 0.0, where(edge, limit, interior));
}

// V_n = U_n - U_{n-1} and W_n = U_n + U_{n-1}.
Tensor chebyshev_v_derivative(const Tensor& x, const Tensor& degree) {
  const Tensor n = degree_of(degree);
  return chebyshev_u_derivative(x, n) - chebyshev_u_derivative(x, n - 1);
}
Tensor chebyshev_w_derivative(const Tensor& x, const Tensor& degree) {
  const Tensor n = degree_of(degree);
  return chebyshev_u_derivative(x, n) + chebyshev_u_derivative(x, n - 1);
}

// p_n(2x - 1)' = 2 p_n'(2x - 1)
Tensor shifted(Tensor (*derivative)(const Tensor&, const Tensor&), const Tensor& x, const Tensor& degree) {
  return 2 * derivative(2 * x - 1, degree);
}

Tensor hermite_h_derivative(const Tensor& x, const Tensor& degree) {
  const Tensor n = degree_of(degree);
  return 2 * n * special::hermite_polynomial_h(x, n - 1);  // H_n' = 2n H_{n-1}
}
Tensor hermite_he_derivative(const Tensor& x, const Tensor& degree) {
  const Tensor n = degree_of(degree);
  return n * special::hermite_polynomial_he(x, n - 1);  // He_n' = n He_{n-1}
}

Tensor laguerre_l_derivative(const Tensor& x, const Tensor& degree) {
  // x L_n' = n (L_n - L_{n-1}); L_n'(0) = -n.
  const Tensor n = degree_of(degree), edge = eq(x, 0.0), inside = where(edge, 1.0, x);
  const Tensor interior =
      n * (special::laguerre_polynomial_l(inside, n) - special::laguerre_polynomial_l(inside, n - 1)) / inside;
  return where(lt(n, 0), 0.0, where(edge, -n, interior));
}

Tensor legendre_p_derivative(const Tensor& x, const Tensor& degree) {
  // (x^2 - 1) P_n' = n (x P_n - P_{n-1}); P_n'(+-1) = (+-1)^(n+1) n (n + 1) / 2.
  const Tensor n = degree_of(degree), edge = eq(abs(x), 1.0);
  const Tensor inside = where(edge, 0.0, x), at_edge = where(edge, x, 1.0);
  const Tensor interior =
      n * (inside * special::legendre_polynomial_p(inside, n) - special::legendre_polynomial_p(inside, n - 1)) /
      (inside * inside - 1);
  return where(lt(n, 0), 0.0, where(edge, pow(at_edge, n + 1) * n * (n + 1) / 2, interior));
}

// Where a min/max picked `a` over `b`: 1, on ties 0.5 (the gradient is split), else 0.
Tensor minmax_mask(const Tensor& a, const Tensor& b, bool is_min) {
  const DType dt = a.is_floating_point() ? a.dtype() : b.dtype();
  Tensor picked = (is_min ? lt(a, b) : gt(a, b)).to(dt);
  return where(eq(a, b), 0.5, picked);
}

// Where fmin/fmax's result is `a` (PyTorch's rule: ties and a NaN `b` go to `a`, all of the
// gradient, not half as minimum/maximum give).
Tensor fminmax_picks_self(const Tensor& a, const Tensor& b, bool is_min) {
  return logical_or(is_min ? le(a, b) : ge(a, b), isnan(b));
}

}  // namespace

std::shared_ptr<Node> unary_node(kernels::UnaryOp op, const Tensor& self, const Tensor& self_value, const Tensor& result) {
  switch (op) {
#define TG_UNARY_OP(name, Name, kind, domain, f, saves, backward)                                            \
  case kernels::UnaryOp::Name: {                                                                             \
    auto node = make_node(#Name "Backward", {&self}, [](const Node& n, const tensor_list& g) -> tensor_list { \
      const Tensor& grad = g[0];                                                                             \
      size_t i = 0;                                                                                          \
      [[maybe_unused]] Tensor self = ((saves) & kSaveSelf) ? n.saved(i++) : Tensor();                        \
      [[maybe_unused]] Tensor result = ((saves) & kSaveResult) ? n.saved(i++) : Tensor();                    \
      return {backward};                                                                                     \
    });                                                                                                      \
    if ((saves) & kSaveSelf) node->save(self_value);                                                         \
    if ((saves) & kSaveResult) node->save(result, /*is_output=*/true);                                       \
    node->set_elementwise();                                                                                 \
    return node;                                                                                             \
  }
#include "tapegrad/tensor/unary_ops.def"
// tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
  }
  TG_FAIL("unary backward: unknown op {}", static_cast<int>(op));
}

std::shared_ptr<Node> binary_node(kernels::BinaryOp op, const Tensor& self, const Tensor& self_value, const Tensor& other,
                             const Tensor& result, const Scalar& alpha) {
  const Shape self_shape = self.sizes(), other_shape = other.sizes();
  switch (op) {
#define TG_BINARY_OP(name, Name, kind, da, db, f, saves, grad_self, grad_other)                                   \
  case kernels::BinaryOp::Name: {                                                                                 \
    auto node = make_node(#Name "Backward", {&self, &other},                                                      \
                          [self_shape, other_shape, alpha](const Node& n, const tensor_list& g) -> tensor_list {  \
                            const Tensor& grad = g[0];                                                            \
                            size_t i = 0;                                                                         \
                            [[maybe_unused]] Tensor self = ((saves) & kSaveSelf) ? n.saved(i++) : Tensor();       \
                            [[maybe_unused]] Tensor other = ((saves) & kSaveOther) ? n.saved(i++) : Tensor();     \
                            [[maybe_unused]] Tensor result = ((saves) & kSaveResult) ? n.saved(i++) : Tensor();   \
                            tensor_list r(2);                                                                     \
                            if (n.needs_input_grad(0)) r[0] = ops::sum_to_shape(grad_self, self_shape);           \
                            if (n.needs_input_grad(1)) r[1] = ops::sum_to_shape(grad_other, other_shape);         \
                            return r;                                                                             \
                          });                                                                                     \
    if ((saves) & kSaveSelf) node->save(self_value);                                                              \
    if ((saves) & kSaveOther) node->save(other);                                                                  \
    if ((saves) & kSaveResult) node->save(result, /*is_output=*/true);                                            \
    node->set_elementwise();                                                                                      \
    return node;                                                                                                  \
  }
#include "tapegrad/tensor/binary_ops.def"
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
  }
  TG_FAIL("binary backward: unknown op {}", static_cast<int>(op));
}

std::shared_ptr<Node> clamp_node(const Tensor& self, const Tensor& self_value, const std::optional<Scalar>& lo,
                            const std::optional<Scalar>& hi) {
  auto node = make_node("ClampBackward", {&self}, [lo, hi](const Node& n, const tensor_list& g) -> tensor_list {
    Tensor x = n.saved(0);
    Tensor keep;
    if (lo) keep = ge(x, *lo);
    if (hi) keep = keep.defined() ? logical_and(keep, le(x, *hi)) : le(x, *hi);
    return {where(keep, g[0], 0.0)};
  });
  node->save(self_value);
  node->set_elementwise();
  return node;
}

std::shared_ptr<Node> ternary_node(kernels::TernaryOp op, const Tensor& self, const Tensor& b, const Tensor& c,
                                   const Scalar& value) {
  using kernels::TernaryOp;
  const Shape s0 = self.sizes(), s1 = b.sizes(), s2 = c.sizes();
  const char* name = op == TernaryOp::AddCMul   ? "AddcmulBackward"
                     : op == TernaryOp::AddCDiv ? "AddcdivBackward"
                     : op == TernaryOp::Lerp    ? "LerpBackward"
                                                : "PreluBackward";
  auto node = make_node(name, {&self, &b, &c}, [op, s0, s1, s2, value](const Node& n, const tensor_list& g) {
    const Tensor& grad = g[0];
    const Tensor x = n.saved(0), y = n.saved(1), z = n.saved(2);
    tensor_list r(3);
    switch (op) {
      case TernaryOp::AddCMul:  // self + value * y * z
        if (n.needs_input_grad(0)) r[0] = grad;
        if (n.needs_input_grad(1)) r[1] = scaled(grad * conj(z), value);
        if (n.needs_input_grad(2)) r[2] = scaled(grad * conj(y), value);
        break;
      case TernaryOp::AddCDiv: {  // self + value * y / z
        if (n.needs_input_grad(0)) r[0] = grad;
        if (!n.needs_input_grad(1) && !n.needs_input_grad(2)) break;  // z is saved only for these
        Tensor gz = scaled(grad, value) / conj(z);
        if (n.needs_input_grad(1)) r[1] = gz;
        if (n.needs_input_grad(2)) r[2] = -gz * conj(y) / conj(z);
        break;
      }
      case TernaryOp::Lerp: {  // x + z * (y - x)
        // grad - grad * z, not grad * (1 - z): a scalar weight is a wrapped number, and 1 - z
        // would take the default dtype.
        Tensor gz = n.needs_input_grad(0) || n.needs_input_grad(1) ? grad * conj(z) : Tensor();
        if (n.needs_input_grad(0)) r[0] = grad - gz;
        if (n.needs_input_grad(1)) r[1] = gz;
        if (n.needs_input_grad(2)) r[2] = grad * conj(y - x);
        break;
      }
      case TernaryOp::Prelu:  // y > 0 ? x : x * z; nothing flows to y, the sign's source
        if (n.needs_input_grad(0)) r[0] = ops::ternary(TernaryOp::Prelu, "prelu", grad, y, z, 0, grad.dtype());
        if (n.needs_input_grad(2)) r[2] = where(gt(y, 0), 0.0, grad * x);
        break;
    }
    if (r[0].defined()) r[0] = ops::sum_to_shape(r[0], s0);
    if (r[1].defined()) r[1] = ops::sum_to_shape(r[1], s1);
    if (r[2].defined()) r[2] = ops::sum_to_shape(r[2], s2);
    return r;
  });
  // Only what the gradients read, so that changing the other operands in place stays allowed:
  // c's gradient reads b (and, for lerp and prelu, self); b's reads c, as do addcdiv's c's and
  // lerp's self's; prelu's self's reads b and c.
  const bool g0 = node->needs_input_grad(0), g1 = node->needs_input_grad(1), g2 = node->needs_input_grad(2);
  const bool lerp = op == TernaryOp::Lerp, prelu = op == TernaryOp::Prelu;
  node->save((lerp || prelu) && g2 ? self : Tensor());
  node->save(g2 || (prelu && g0) ? b : Tensor());
  const bool reads_c = prelu ? g0 : g1 || (op == TernaryOp::AddCDiv && g2) || (lerp && g0);
  node->save(reads_c ? c : Tensor());
  node->set_elementwise();
  return node;
}

std::shared_ptr<Node> where_node(const Tensor& condition, const Tensor& self, const Tensor& other) {
  const Shape ss = self.sizes(), os = other.sizes();
  auto node = make_node("WhereBackward", {&self, &other}, [ss, os](const Node& n, const tensor_list& g) -> tensor_list {
    Tensor cond = n.saved(0);
    tensor_list r(2);
    if (n.needs_input_grad(0)) r[0] = ops::sum_to_shape(tg::where(cond, g[0], 0.0), ss);
    if (n.needs_input_grad(1)) r[1] = ops::sum_to_shape(tg::where(cond, 0.0, g[0]), os);
    return r;
  });
  node->save(condition);
  node->set_elementwise();
  return node;
}

std::shared_ptr<Node> cast_node(const Tensor& self) {
  const DType dt = self.dtype();
  return make_node("ToCopyBackward", {&self},
                   [dt](const Node&, const tensor_list& g) -> tensor_list { return {g[0].to(dt)}; });
}

std::shared_ptr<Node> to_device_node(const Tensor& self) {
  const Device d = self.device();
  return make_node("ToDeviceBackward", {&self},
                   [d](const Node&, const tensor_list& g) -> tensor_list { return {g[0].to(d)}; });
}

std::shared_ptr<Node> copy_node(const Tensor& dst, const Tensor& src) {
  const Shape ss = src.sizes();
  const DType sd = src.dtype();
  const Device sdev = src.device();  // copy_ may cross devices
  return make_node("CopyBackward", {&dst, &src}, [ss, sd, sdev](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(2);
    // The overwritten values get a zero gradient (PyTorch's), not none.
    if (n.needs_input_grad(0)) r[0] = zeros_like(g[0]);
    if (n.needs_input_grad(1)) r[1] = ops::sum_to_shape(g[0], ss).to(sdev, sd);
    return r;
  });
}

std::shared_ptr<Node> fill_node(const Tensor& self, const Tensor& value) {
  return make_node("FillBackward", {&self, &value}, [](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(2);
    if (n.needs_input_grad(1)) r[1] = g[0].sum();
    return r;
  });
}

}  // namespace tg::autograd::derivatives
