// cdist and pdist on the distance kernels: one pass over the pairs of rows each way, where the
// composition of tensor ops (index_select both rows of every pair, subtract, norm) wrote and read
// pairs x cols elements several times (pdist of [500, 64]: 10 ms, PyTorch 0.9). cdist with p = 2
// and many rows keeps PyTorch's default, one matrix product. Under create_graph the backward is
// written in tensor ops.
#include <cmath>
#include <string>

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

namespace {

// sum over j of g_ij d(|x1_i - x2_j|_p) / d(x1_i) with d_ij the distances, in tensor ops (so that
// it has derivatives of its own). Both sides of a where are finite: its backward multiplies the
// unchosen one by zero.
Tensor distance_grad_ops(const Tensor& g, const Tensor& d, const Tensor& x1, const Tensor& x2, double p) {
  if (p == 0) return zeros_like(x1);
  const Tensor diff = x1.unsqueeze(-2) - x2.unsqueeze(-3);
  const Tensor G = g.unsqueeze(-1), D = d.unsqueeze(-1);
  Tensor slope;
  if (p == 1) {
    slope = sign(diff);
  } else if (std::isinf(p)) {
    slope = sign(diff) * eq(abs(diff), D).to(diff.dtype());
  } else {
    const Tensor zero = eq(D, 0);
    const Tensor safe_d = where(zero, 1.0, D);
    if (p == 2) {
      slope = where(zero, 0.0, diff / safe_d);
    } else {
      const Tensor flat = p < 1 ? logical_or(zero, eq(diff, 0)) : zero;
      slope = where(flat, 0.0, sign(diff) * pow(where(flat, 1.0, abs(diff) / safe_d), p - 1));
    }
  }
  return (G * slope).sum({-2});
}

// pdist's pair values v [n (n - 1) / 2] as the symmetric [n, n] matrix (zero diagonal).
Tensor symmetric_from_pairs(const Tensor& v, int64_t n) {
  const Tensor pairs = triu_indices(n, n, 1, TensorOptions(kInt64).device(v.device()));
  const Tensor upper = zeros({n, n}, TensorOptions(v.dtype()).device(v.device())).index_put({pairs[0], pairs[1]}, v);
  return upper + upper.mT();
}

const char* distance_name(bool pairs) { return pairs ? "pdist" : "cdist"; }

// The kernels' form: x1 [batch..., r1, m] and x2 [batch..., r2, m] with equal batch dims (x2
// undefined for pdist), float32 or float64.
Tensor distance_fused(const Tensor& x1, const Tensor& x2_in, double p) {
  const bool pairs = !x2_in.defined();
  const char* op = distance_name(pairs);
  const Tensor& x2 = pairs ? x1 : x2_in;
  const int64_t r1 = x1.sizes()[x1.dim() - 2], r2 = x2.sizes()[x2.dim() - 2], m = x1.sizes()[x1.dim() - 1];
  Shape out_shape;
  kernels::DistanceGeometry geom{.p = p, .pairs = pairs};
  if (pairs) {
    out_shape = {r1 * (r1 - 1) / 2};
    geom.rows1 = geom.rows2 = r1;
  } else {
    out_shape = x1.sizes();
    out_shape[out_shape.size() - 1] = r2;
    geom.rows1 = r1;
    geom.rows2 = r2;
    for (int d = 0; d < x1.dim() - 2; ++d) geom.batch *= x1.sizes()[d];
  }
  geom.cols = m;
  const Tensor a = ops::contiguous(x1), b = pairs ? a : ops::contiguous(x2);
  Tensor out = ops::empty(out_shape, x1.dtype(), x1.device());
  const auto& be = kernels::backend(x1.device(), op);
  if (out.numel() > 0) be.distance(x1.dtype(), geom, out.data_ptr(), a.data_ptr(), b.data_ptr());
  if (!autograd::needs_grad(x1, x2)) return out;
  const tensor_list inputs = pairs ? tensor_list{x1} : tensor_list{x1, x2};
  auto node = autograd::make_node(
      pairs ? "PdistBackward" : "CdistBackward", inputs,
      [geom, pairs](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor xs = nd.saved(0), ys = pairs ? xs : nd.saved(1), dist = nd.saved(pairs ? 1 : 2);
        tensor_list r(pairs ? 1 : 2);
        if (GradMode::is_enabled()) {
          if (pairs) {
            r[0] = distance_grad_ops(symmetric_from_pairs(gr[0], geom.rows1), symmetric_from_pairs(dist, geom.rows1),
                                     xs, xs, geom.p);
          } else {
            if (nd.needs_input_grad(0)) r[0] = distance_grad_ops(gr[0], dist, xs, ys, geom.p);
            if (nd.needs_input_grad(1)) r[1] = distance_grad_ops(gr[0].mT(), dist.mT(), ys, xs, geom.p);
          }
          return r;
        }
        const auto& kb = kernels::backend(xs.device(), distance_name(pairs));
        const Tensor g = ops::contiguous(gr[0]), d = ops::contiguous(dist);
        const Tensor xc = ops::contiguous(xs), yc = pairs ? xc : ops::contiguous(ys);
        if (nd.needs_input_grad(0)) {
          r[0] = ops::empty(xs.sizes(), xs.dtype(), xs.device());
          if (r[0].numel() > 0)
            kb.distance_backward(xs.dtype(), geom, r[0].data_ptr(), g.data_ptr(), xc.data_ptr(), yc.data_ptr(),
                                 d.data_ptr());
        }
        if (!pairs && nd.needs_input_grad(1)) {
          kernels::DistanceGeometry swapped = geom;
          std::swap(swapped.rows1, swapped.rows2);
          const Tensor gt = ops::contiguous(g.mT()), dt = ops::contiguous(d.mT());
          r[1] = ops::empty(ys.sizes(), ys.dtype(), ys.device());
          if (r[1].numel() > 0)
            kb.distance_backward(ys.dtype(), swapped, r[1].data_ptr(), gt.data_ptr(), yc.data_ptr(), xc.data_ptr(),
                                 dt.data_ptr());
        }
        return r;
      });
  node->save(x1);
  if (!pairs) node->save(x2);
  node->save(out, /*is_output=*/true);
  autograd::set_history(out, node);
  return out;
}

// 16-bit floats through float32 (the kernels' accumulators are of the input's type).
Tensor distance_widened(const Tensor& x1, const Tensor& x2, double p) {
  if (x1.dtype() == kFloat32 || x1.dtype() == kFloat64) return distance_fused(x1, x2, p);
  return distance_fused(x1.to(kFloat32), x2.defined() ? x2.to(kFloat32) : x2, p).to(x1.dtype());
}

}  // namespace

Tensor cdist(const Tensor& x1, const Tensor& x2, double p, SourceLoc loc) {
  detail::ApiScope scope("cdist", loc);
  ops::check_defined("cdist", x1, "x1");
  ops::check_defined("cdist", x2, "x2");
  ops::check_same_device("cdist", x1, x2);
  TG_CHECK(x1.dim() >= 2 && x2.dim() >= 2, "cdist: x1 {} and x2 {} must be at least 2-D", x1.sizes(), x2.sizes());
  TG_CHECK(x1.sizes()[x1.dim() - 1] == x2.sizes()[x2.dim() - 1],
           "cdist: x1 {} and x2 {} must have the same number of columns", x1.sizes(), x2.sizes());
  TG_CHECK_TYPE(is_floating_point(x1.dtype()) && x1.dtype() == x2.dtype(),
                "cdist: x1 and x2 must have the same floating-point dtype, got {} and {}", x1.dtype(), x2.dtype());
  TG_CHECK_VALUE(p >= 0, "cdist: p value must be non-negative, got {}", p);
  const int64_t rows1 = x1.sizes()[x1.dim() - 2], rows2 = x2.sizes()[x2.dim() - 2];
  if (p == 2 && (rows1 > 25 || rows2 > 25)) {
    // PyTorch's default for many rows: |a|^2 + |b|^2 - 2 a.b by one product, clamped before the
    // square root (which also keeps the gradient finite at zero distance).
    const Tensor n1 = x1.pow(2).sum({-1}, true), n2 = x2.pow(2).sum({-1}, true);
    return clamp_min(n1 - 2.0 * matmul(x1, x2.mT()) + n2.mT(), 1e-30).sqrt();
  }
  // Batch dims broadcast (expand is a view; its backward sums the broadcast dims).
  Shape b1 = x1.sizes(), b2 = x2.sizes();
  b1.resize(b1.size() - 2, 0);
  b2.resize(b2.size() - 2, 0);
  const std::string what = fmt::format("cdist (the batch dims of x1 {} and x2 {})", x1.sizes(), x2.sizes());
  Shape s1 = broadcast_shapes(b1, b2, what.c_str()), s2 = s1;
  const int64_t m = x1.sizes()[x1.dim() - 1];
  s1.push_back(rows1);
  s1.push_back(m);
  s2.push_back(rows2);
  s2.push_back(m);
  return distance_widened(x1.expand(s1), x2.expand(s2), p);
}

Tensor pdist(const Tensor& self, double p, SourceLoc loc) {
  detail::ApiScope scope("pdist", loc);
  ops::check_defined("pdist", self, "input");
  TG_CHECK(self.dim() == 2, "pdist: only supports 2-D tensors, got shape {}", self.sizes());
  TG_CHECK_TYPE(is_floating_point(self.dtype()), "pdist: only supports floating-point dtypes, got {}", self.dtype());
  TG_CHECK_VALUE(p >= 0, "pdist: only supports non-negative p values, got {}", p);
  return distance_widened(self, Tensor(), p);
}

}  // namespace tg
