// Backward of the fused activations: the backward kernel (one pass), or under create_graph the
// same derivative written in tensor ops, so that higher derivatives stay exact.
#include "autograd/derivatives/derivatives.h"
#include "kernels/activation_math.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::autograd::derivatives {
namespace {
using kernels::ActivationOp;

Tensor differentiable_grad(ActivationOp op, const kernels::ActivationParams& p, const Tensor& grad, const Tensor& x) {
  switch (op) {
    case ActivationOp::Gelu: {
      Tensor cdf = (erf(x * kernels::kSqrtHalf) + 1) * 0.5;
      Tensor pdf = exp(x * x * -0.5) * kernels::kInvSqrt2Pi;
      return grad * (cdf + x * pdf);
    }
    case ActivationOp::GeluTanh: {
      Tensor x2 = x * x;
      Tensor t = tanh((x + x2 * x * kernels::kGeluTanhCubic) * kernels::kSqrt2OverPi);
      Tensor dinner = (x2 * (3 * kernels::kGeluTanhCubic) + 1) * kernels::kSqrt2OverPi;
      return grad * 0.5 * (t + 1 + x * (1 - t * t) * dinner);
    }
    case ActivationOp::Silu: {
      Tensor s = sigmoid(x);
      return grad * s * (x * (1 - s) + 1);
    }
    case ActivationOp::Elu:  // exp of min(x, 0): the branch where() drops stays finite
      return where(gt(x, 0), grad * p.scale,
                   grad * exp(clamp_max(x * p.input_scale, 0)) * (p.scale * p.alpha * p.input_scale));
    case ActivationOp::LeakyRelu:
      return where(gt(x, 0), grad, grad * p.alpha);
    case ActivationOp::Softplus: {
      Tensor z = x * p.beta;
      return where(gt(z, p.threshold), grad, grad * sigmoid(z));
    }
    case ActivationOp::Hardtanh:
      return where(logical_or(le(x, p.min_val), ge(x, p.max_val)), 0.0, grad);
    case ActivationOp::Hardsigmoid:
      return where(logical_and(gt(x, -3.0), lt(x, 3.0)), grad / 6, 0.0);
    case ActivationOp::Hardswish:
      return where(le(x, -3.0), 0.0, where(lt(x, 3.0), grad * (x / 3 + 0.5), grad));
    case ActivationOp::Mish: {
      Tensor t = tanh(softplus(x));
      return grad * (t + x * sigmoid(x) * (1 - t * t));
    }
    case ActivationOp::NanToNum:
      return where(isfinite(x), grad, 0.0);
    case ActivationOp::Hardshrink:
    case ActivationOp::Softshrink:
      return where(logical_and(ge(x, -p.alpha), le(x, p.alpha)), 0.0, grad);
    case ActivationOp::Threshold:
      return where(le(x, p.threshold), 0.0, grad);
    case ActivationOp::Huber:  // -beta below the band, beta above it, scale x inside
      return grad * where(lt(x, -p.alpha), -p.beta, where(gt(x, p.alpha), p.beta, x * p.scale));
  }
  TG_FAIL("activation backward: unknown op {}", static_cast<int>(op));
}

const char* node_name(ActivationOp op) {
  switch (op) {
    case ActivationOp::Gelu:
    case ActivationOp::GeluTanh: return "GeluBackward";
    case ActivationOp::Silu: return "SiluBackward";
    case ActivationOp::Elu: return "EluBackward";
    case ActivationOp::LeakyRelu: return "LeakyReluBackward";
    case ActivationOp::Softplus: return "SoftplusBackward";
    case ActivationOp::Hardtanh: return "HardtanhBackward";
    case ActivationOp::Hardsigmoid: return "HardsigmoidBackward";
    case ActivationOp::Hardswish: return "HardswishBackward";
    case ActivationOp::Mish: return "MishBackward";
    case ActivationOp::NanToNum:
      return "NanToNumBackward";
    case ActivationOp::Hardshrink:
      return "HardshrinkBackward";
    case ActivationOp::Softshrink:
      return "SoftshrinkBackward";
    case ActivationOp::Threshold:
      return "ThresholdBackward";
    case ActivationOp::Huber:
      return "HuberBackward";
  }
  return "ActivationBackward";
}
}  // namespace

Tensor activation_grad(ActivationOp op, const kernels::ActivationParams& p, const Tensor& grad, const Tensor& x) {
  if (GradMode::is_enabled()) return differentiable_grad(op, p, grad, x);
  Tensor dy = ops::cast(grad, x.dtype());
  Tensor dx = ops::empty_like_inputs(x.sizes(), x.dtype(), x.device(), {&dy, &x});
  kernels::backend(x.device(), node_name(op))
      .activation_backward(op, x.dtype(), p, ops::make_loop(dx, {&dy, &x}), dx.data_ptr(), dy.data_ptr(), x.data_ptr());
  return dx;
}

std::shared_ptr<Node> activation_node(ActivationOp op, const kernels::ActivationParams& p, const Tensor& self) {
  auto node = make_node(node_name(op), {&self}, [op, p](const Node& n, const tensor_list& g) -> tensor_list {
    return {activation_grad(op, p, g[0], n.saved(0))};
  });
  node->save(self);
  node->set_elementwise();
  return node;
}

}  // namespace tg::autograd::derivatives
