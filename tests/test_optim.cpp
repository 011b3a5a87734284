// Optimizers against scalar re-implementations of PyTorch's update rules in float64, LR
// schedulers against their closed forms, gradient clipping, optimizer state round trips.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

const std::vector<double> kStart = {0.5, -1.5, 2.0};
const std::vector<double> kShift = {0.3, -0.2, 0.7};

// Gradient of sum((p - shift)^2 * (i + 1)), elementwise.
double grad_at(double p, size_t i) { return 2 * (p - kShift[i]) * static_cast<double>(i + 1); }

// Runs `steps` optimizer steps on the quadratic; returns the final parameter values.
std::vector<double> run(optim::Optimizer& opt, const Tensor& p, int steps) {
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Tensor w = arange(1, 4, 1, kFloat64);
    ((p - tensor(kShift, kFloat64)).square() * w).sum().backward();
    opt.step();
  }
  return p.to_vector<double>();
}

// A scalar reference: update(i, p, g, t) -> new p, with its own state per element.
std::vector<double> reference(int steps, const std::function<double(size_t, double, double, int)>& update) {
  std::vector<double> p = kStart;
  for (int t = 1; t <= steps; ++t)
    for (size_t i = 0; i < p.size(); ++i) p[i] = update(i, p[i], grad_at(p[i], i), t);
  return p;
}

void expect_near(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-12) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}

Tensor param() { return tensor(kStart, kFloat64).requires_grad_(true); }

}  // namespace

TEST(Optim, SGDMatchesReference) {
  struct Case {
    optim::SGDOptions o;
  };
  for (optim::SGDOptions o : {optim::SGDOptions{.lr = 0.05},
                              optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01},
                              optim::SGDOptions{.lr = 0.02, .momentum = 0.8, .nesterov = true},
                              optim::SGDOptions{.lr = 0.01, .momentum = 0.5, .maximize = true}}) {
    Tensor p = param();
    optim::SGD opt({p}, o);
    std::vector<double> buf(3, 0.0);
    auto ref = reference(6, [&](size_t i, double x, double g, int t) {
      if (o.maximize) g = -g;
      g += o.weight_decay * x;
      if (o.momentum != 0) {
        buf[i] = t == 1 ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
      }
      return x - o.lr * g;
    });
    expect_near(run(opt, p, 6), ref);
  }
}

TEST(Optim, AdamAndAdamWMatchReference) {
  // AdamW, and Adam with decoupled_weight_decay (PyTorch's Adam option), decay the weights.
  for (int kind : {0, 1, 2})
    for (bool amsgrad : {false, true}) {
      const bool decoupled = kind > 0;
      optim::AdamOptions o{.lr = 0.1, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.05, .amsgrad = amsgrad};
      Tensor p = param();
      std::unique_ptr<optim::Optimizer> opt;
      if (kind == 1) {
        opt = std::make_unique<optim::AdamW>(tensor_list{p}, o);
      } else {
        optim::AdamOptions adam = o;
        adam.decoupled_weight_decay = kind == 2;
        opt = std::make_unique<optim::Adam>(tensor_list{p}, adam);
      }
      std::vector<double> m(3, 0), v(3, 0), vmax(3, 0);
      auto ref = reference(7, [&](size_t i, double x, double g, int t) {
        if (decoupled) {
          x *= 1 - o.lr * o.weight_decay;
        } else {
          g += o.weight_decay * x;
        }
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
        vmax[i] = std::max(vmax[i], v[i]);
        const double bc1 = 1 - std::pow(o.beta1, t), bc2 = 1 - std::pow(o.beta2, t);
        const double denom = std::sqrt(amsgrad ? vmax[i] : v[i]) / std::sqrt(bc2) + o.eps;
        return x - o.lr / bc1 * m[i] / denom;
      });
      expect_near(run(*opt, p, 7), ref);
    }
  optim::AdamW w({param()});
  EXPECT_EQ(w.options().weight_decay, 0.01);
  EXPECT_TRUE(w.options().decoupled_weight_decay);
  EXPECT_TRUE(optim::AdamW({param()}, optim::AdamOptions{}).options().decoupled_weight_decay);
}

// The multi-tensor step (one call for every contiguous parameter, split across threads at
// arbitrary element boundaries) against the composed per-tensor formula, which a
// non-contiguous parameter takes.
TEST(Optim, MultiTensorAdamMatchesThePerTensorFormula) {
  Generator gen(3);
  const std::vector<Shape> shapes{{1}, {300, 250}, {5}, {70001}, {3, 7}};
  using Group = optim::AdamW::ParamGroup;
  for (bool amsgrad : {false, true}) {
    tensor_list fused, composed;
    for (const Shape& s : shapes) {
      Tensor v = randn(s, gen, kFloat64);  // float64: the two formulas round float32 differently
      fused.push_back(v.clone().requires_grad_(true));
      // The same values in every other element of a buffer: not contiguous, so not fusable.
      Tensor t = zeros({2 * v.numel()}, kFloat64).slice(0, 0, 2 * v.numel(), 2);
      t.copy_(v.reshape({-1}));
      t = t.view(s.size() == 1 ? s : Shape{v.numel()});
      ASSERT_FALSE(t.is_contiguous() && t.numel() > 1);
      composed.push_back(t.detach().requires_grad_(true));
    }
    // Two groups with different learning rates: batches must not cross groups.
    const optim::AdamOptions o1{.lr = 0.05, .weight_decay = 0.1, .amsgrad = amsgrad};
    const optim::AdamOptions o2{.lr = 0.02, .weight_decay = 0.1, .amsgrad = amsgrad};
    optim::AdamW a(std::vector<Group>{{{fused[0], fused[1], fused[2]}, o1}, {{fused[3], fused[4]}, o2}}, o1);
    optim::AdamW b(std::vector<Group>{{{composed[0], composed[1], composed[2]}, o1}, {{composed[3], composed[4]}, o2}},
                   o1);
    for (int step = 0; step < 4; ++step) {
      for (size_t i = 0; i < shapes.size(); ++i) {
        const Tensor g = randn(shapes[i], gen, kFloat64);
        fused[i].set_grad(g);
        composed[i].set_grad(g.reshape(composed[i].sizes()).clone());
      }
      a.step();
      b.step();
    }
    for (size_t i = 0; i < shapes.size(); ++i)
      EXPECT_TRUE(tgtest::close(fused[i].reshape({-1}), composed[i].reshape({-1}), 1e-12, 1e-12)) << i;
  }
}

TEST(Optim, RMSpropAndAdagradMatchReference) {
  for (optim::RMSpropOptions o : {optim::RMSpropOptions{.lr = 0.01},
                                  optim::RMSpropOptions{.lr = 0.01, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.7, .centered = true}}) {
    Tensor p = param();
    optim::RMSprop opt({p}, o);
    std::vector<double> sq(3, 0), ga(3, 0), buf(3, 0);
    auto ref = reference(5, [&](size_t i, double x, double g, int) {
      g += o.weight_decay * x;
      sq[i] = o.alpha * sq[i] + (1 - o.alpha) * g * g;
      double avg;
      if (o.centered) {
        ga[i] = o.alpha * ga[i] + (1 - o.alpha) * g;
        avg = std::sqrt(sq[i] - ga[i] * ga[i]) + o.eps;
      } else {
        avg = std::sqrt(sq[i]) + o.eps;
      }
      if (o.momentum > 0) {
        buf[i] = o.momentum * buf[i] + g / avg;
        return x - o.lr * buf[i];
      }
      return x - o.lr * g / avg;
    });
    expect_near(run(opt, p, 5), ref);
  }
  optim::AdagradOptions o{.lr = 0.3, .lr_decay = 0.1, .weight_decay = 0.02, .initial_accumulator_value = 0.5};
  Tensor p = param();
  optim::Adagrad opt({p}, o);
  std::vector<double> sum(3, 0.5);
  auto ref = reference(5, [&](size_t i, double x, double g, int t) {
    g += o.weight_decay * x;
    sum[i] += g * g;
    return x - o.lr / (1 + (t - 1) * o.lr_decay) * g / (std::sqrt(sum[i]) + o.eps);
  });
  expect_near(run(opt, p, 5), ref);
}

TEST(Optim, AdamaxNAdamAndRAdamMatchReference) {
  {
    optim::AdamaxOptions o{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.1};
    Tensor p = param();
    optim::Adamax opt({p}, o);
    std::vector<double> m(3, 0), u(3, 0);
    auto ref = reference(6, [&](size_t i, double x, double g, int t) {
      g += o.weight_decay * x;
      m[i] += (g - m[i]) * (1 - o.beta1);
      u[i] = std::max(u[i] * o.beta2, std::abs(g) + o.eps);
      return x - o.lr / (1 - std::pow(o.beta1, t)) * m[i] / u[i];
    });
    expect_near(run(opt, p, 6), ref);
  }
  for (bool decoupled : {false, true}) {
    optim::NAdamOptions o{.lr = 0.05, .weight_decay = 0.05, .decoupled_weight_decay = decoupled};
    Tensor p = param();
    optim::NAdam opt({p}, o);
    std::vector<double> m(3, 0), v(3, 0);
    std::vector<float> mu_product(3, 1.0f);  // a float32 counter, as PyTorch's
    auto ref = reference(6, [&](size_t i, double x, double g, int t) {
      if (decoupled)
        x *= 1 - o.lr * o.weight_decay;
      else
        g += o.weight_decay * x;
      const double mu = o.beta1 * (1 - 0.5 * std::pow(0.96, t * o.momentum_decay));
      const double mu_next = o.beta1 * (1 - 0.5 * std::pow(0.96, (t + 1) * o.momentum_decay));
      mu_product[i] *= static_cast<float>(mu);  // in float32, as PyTorch's tensor *= number
      m[i] += (g - m[i]) * (1 - o.beta1);
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      const double denom = std::sqrt(v[i] / (1 - std::pow(o.beta2, t))) + o.eps;
      x -= o.lr * (1 - mu) / (1.0 - mu_product[i]) * g / denom;
      return x - o.lr * mu_next / (1 - mu_product[i] * mu_next) * m[i] / denom;
    });
    expect_near(run(opt, p, 6), ref);
    // The scalar state goes through a state_dict round trip too.
    optim::NAdam restored({p}, o);
    restored.load_state_dict(opt.state_dict());
    EXPECT_TRUE(close(restored.state_dict()["state.0.mu_product"], opt.state_dict()["state.0.mu_product"], 0, 0));
  }
  {
    // beta2 = 0.9: the rectified branch (rho_t > 5) starts at step 6.
    optim::RAdamOptions o{.lr = 0.05, .beta2 = 0.9, .weight_decay = 0.02};
    Tensor p = param();
    optim::RAdam opt({p}, o);
    std::vector<double> m(3, 0), v(3, 0);
    auto ref = reference(9, [&](size_t i, double x, double g, int t) {
      g += o.weight_decay * x;
      m[i] += (g - m[i]) * (1 - o.beta1);
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      const double bc1 = 1 - std::pow(o.beta1, t), bc2 = 1 - std::pow(o.beta2, t);
      const double rho_inf = 2 / (1 - o.beta2) - 1, rho_t = rho_inf - 2 * t * std::pow(o.beta2, t) / bc2;
      if (rho_t <= 5) return x - m[i] / bc1 * o.lr;
      const double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
      return x - m[i] / bc1 * o.lr * (std::sqrt(bc2) / (std::sqrt(v[i]) + o.eps)) * rect;
    });
    expect_near(run(opt, p, 9), ref);
  }
  Tensor a = param();
  EXPECT_THROW_WITH(optim::NAdam({a}, {.momentum_decay = -1}), ValueError, "NAdam: invalid momentum_decay value -1");
  EXPECT_THROW_WITH(optim::RAdam({a}, {.beta2 = 1.5}), ValueError, "RAdam: invalid beta parameter at index 1: 1.5");
  EXPECT_THROW_WITH(optim::Adamax({a}, {.lr = -0.1}), ValueError, "Adamax: invalid learning rate -0.1");
}

TEST(Optim, AdadeltaRpropAndASGDMatchReference) {
  {
    optim::AdadeltaOptions o{.lr = 0.5, .rho = 0.8, .weight_decay = 0.01};
    Tensor p = param();
    optim::Adadelta opt({p}, o);
    std::vector<double> sq(3, 0), acc(3, 0);
    auto ref = reference(6, [&](size_t i, double x, double g, int) {
      g += o.weight_decay * x;
      sq[i] = o.rho * sq[i] + (1 - o.rho) * g * g;
      const double delta = std::sqrt(acc[i] + o.eps) / std::sqrt(sq[i] + o.eps) * g;
      acc[i] = o.rho * acc[i] + (1 - o.rho) * delta * delta;
      return x - o.lr * delta;
    });
    expect_near(run(opt, p, 6), ref);
  }
  {
    optim::RpropOptions o{.lr = 0.1, .step_size_max = 0.3};
    Tensor p = param();
    optim::Rprop opt({p}, o);
    std::vector<double> prev(3, 0), size(3, o.lr);
    auto ref = reference(8, [&](size_t i, double x, double g, int) {
      const double same = g * prev[i];
      size[i] = std::clamp(size[i] * (same > 0   ? o.etaplus
                                      : same < 0 ? o.etaminus
                                                 : 1.0),
                           o.step_size_min, o.step_size_max);
      if (same < 0) g = 0;
      prev[i] = g;
      return x - (g > 0 ? 1 : g < 0 ? -1 : 0) * size[i];
    });
    expect_near(run(opt, p, 8), ref);
  }
  {
    optim::ASGDOptions o{.lr = 0.05, .lambd = 0.01, .t0 = 3, .weight_decay = 0.1};
    Tensor p = param();
    optim::ASGD opt({p}, o);
    std::vector<double> ax(3, 0);
    float eta = static_cast<float>(o.lr), mu = 1;  // float32 state, as PyTorch's
    std::vector<double> x = kStart;
    for (int t = 1; t <= 7; ++t) {
      for (size_t i = 0; i < 3; ++i) {
        const double g = grad_at(x[i], i) + o.weight_decay * x[i];
        x[i] *= 1 - o.lambd * eta;
        x[i] -= eta * g;
        ax[i] = mu != 1 ? ax[i] + (x[i] - ax[i]) * mu : x[i];
      }
      eta = static_cast<float>(o.lr / std::pow(1 + o.lambd * o.lr * t, o.alpha));
      mu = static_cast<float>(1 / std::max(1.0, t - o.t0));
    }
    expect_near(run(opt, p, 7), x);
    // ax, the averaged parameters, is the state PyTorch users read.
    const auto state = opt.state_dict();
    expect_near(state["state.0.ax"].to_vector<double>(), ax);
    optim::ASGD restored({p}, o);
    restored.load_state_dict(state);
    EXPECT_EQ(restored.state_dict()["state.0.eta"].item<double>(), static_cast<double>(eta));
  }
  Tensor a = param();
  EXPECT_THROW_WITH(optim::Rprop({a}, {.etaminus = 1.5}), ValueError, "Rprop: invalid eta values: 1.5, 1.2");
  EXPECT_THROW_WITH(optim::Adadelta({a}, {.rho = 2}), ValueError, "Adadelta: invalid rho value 2");
  EXPECT_THROW_WITH(optim::ASGD({a}, {.weight_decay = -1}), ValueError, "ASGD: invalid weight_decay value -1");
}

// Muon: the Newton-Schulz result is nearly orthogonal (singular values in about [0.5, 1.5]),
// and a step is momentum, orthogonalisation, decoupled decay and the shape-scaled rate.
TEST(Optim, MuonOrthogonalizesMomentum) {
  manual_seed(3);
  for (const Shape& shape : {Shape{4, 6}, Shape{7, 3}}) {
    const Tensor g = randn(shape);
    const Tensor o = optim::muon_orthogonalize(g, 3.4445, -4.7750, 2.0315, 5, 1e-7);
    EXPECT_EQ(o.dtype(), kBFloat16);
    EXPECT_EQ(o.sizes(), shape);
    const auto sv = linalg::svdvals(o.to(kFloat64)).to_vector<double>();
    for (double s : sv) {
      EXPECT_GT(s, 0.5);
      EXPECT_LT(s, 1.5);
    }
    for (const int64_t fn : {optim::kMuonOriginal, optim::kMuonMatchRmsAdamW, optim::kMuonSpectralUnclamped}) {
      Tensor p = randn(shape).requires_grad_(true);
      const Tensor start = p.detach().clone();
      optim::Muon opt({p}, {.lr = 0.02, .weight_decay = 0.1, .adjust_lr_fn = fn});
      p.set_grad(g);
      opt.step();
      // First step: the buffer is (1 - m) g and the Nesterov update g + m (buf - g).
      const double m = 0.95, rows = static_cast<double>(shape[0]), cols = static_cast<double>(shape[1]);
      const Tensor update = g.lerp(g * (1 - m), m);
      const double ratio = fn == optim::kMuonOriginal        ? std::sqrt(std::max(1.0, rows / cols))
                           : fn == optim::kMuonMatchRmsAdamW ? 0.2 * std::sqrt(std::max(rows, cols))
                                                             : std::sqrt(rows / cols);
      const Tensor want =
          start * (1 - 0.02 * 0.1) -
          optim::muon_orthogonalize(update, 3.4445, -4.7750, 2.0315, 5, 1e-7).to(kFloat32) * (0.02 * ratio);
      EXPECT_TRUE(tgtest::close(p.detach(), want, 1e-6, 1e-6)) << fn;
    }
  }
  Tensor v = zeros({3}).requires_grad_(true);
  EXPECT_THROW_WITH(optim::Muon({v}), ValueError, "Muon: only 2-D parameters are supported, got one of shape [3]");
  Tensor w = zeros({2, 2}).requires_grad_(true);
  EXPECT_THROW_WITH(optim::Muon({w}, {.ns_steps = 100}), ValueError, "ns_steps must be in [0, 100), got 100");
  EXPECT_THROW_WITH(optim::Muon({w}, {.adjust_lr_fn = 7}), ValueError, "unknown adjust_lr_fn 7");
  EXPECT_THROW_WITH(optim::Muon({w}, {.momentum = -1}), ValueError, "invalid momentum value -1");
}

// Adafactor on f(W) = sum(c * (W - S)^2) for a 2 x 3 matrix (factored second moment) and on a
// vector (a plain one), against a float64 loop over PyTorch's formulas.
TEST(Optim, AdafactorMatchesReference) {
  const std::vector<double> start = {0.5, -1.5, 2.0, 1.0, 0.25, -0.75}, shift = {0.3, -0.2, 0.7, 0.1, 0.9, -0.4};
  for (const bool matrix : {true, false}) {
    optim::AdafactorOptions o{.lr = 0.05, .weight_decay = 0.1};
    const Shape shape = matrix ? Shape{2, 3} : Shape{6};
    Tensor p = tensor(start, kFloat64).reshape(shape).detach().requires_grad_(true);
    optim::Adafactor opt({p}, o);
    const Tensor S = tensor(shift, kFloat64).reshape(shape), c = arange(1, 7, 1, kFloat64).reshape(shape);
    std::vector<double> x = start, row(2, 0), col(3, 0), var(6, 0);
    const double eps1 = 2.220446049250313e-16;
    for (int t = 1; t <= 6; ++t) {
      opt.zero_grad();
      ((p - S).square() * c).sum().backward();
      opt.step();
      std::vector<double> g(6);
      for (size_t i = 0; i < 6; ++i) g[i] = 2 * (i + 1.0) * (x[i] - shift[i]);
      const double w = std::pow(t, o.beta2_decay), rho = std::min(o.lr, 1 / std::sqrt(t));
      double pn = 0;
      for (double v : x) pn += v * v;
      const double alpha = std::max(o.eps2, std::sqrt(pn) / std::sqrt(6.0)) * rho;
      for (double& v : x) v *= 1 - o.lr * o.weight_decay;
      std::vector<double> est(6);
      if (matrix) {
        for (size_t r = 0; r < 2; ++r) {
          double m = 0;
          for (size_t k = 0; k < 3; ++k) m += g[r * 3 + k] * g[r * 3 + k] / 3;
          row[r] += w * (m - row[r]);
        }
        for (size_t k = 0; k < 3; ++k) {
          double m = 0;
          for (size_t r = 0; r < 2; ++r) m += g[r * 3 + k] * g[r * 3 + k] / 2;
          col[k] += w * (m - col[k]);
        }
        const double row_mean = std::max((row[0] + row[1]) / 2, eps1);
        for (size_t i = 0; i < 6; ++i) est[i] = row[i / 3] * col[i % 3] / row_mean;
      } else {
        for (size_t i = 0; i < 6; ++i) est[i] = var[i] += w * (g[i] * g[i] - var[i]);
      }
      std::vector<double> u(6);
      double un = 0;
      for (size_t i = 0; i < 6; ++i) {
        u[i] = g[i] / std::sqrt(std::max(est[i], eps1 * eps1));
        un += u[i] * u[i];
      }
      const double denom = std::max(1.0, std::sqrt(un) / (std::sqrt(6.0) * o.d));
      for (size_t i = 0; i < 6; ++i) x[i] -= alpha / denom * u[i];
    }
    expect_near(p.to_vector<double>(), x);
    const auto state = opt.state_dict();
    EXPECT_EQ(state.contains("state.0.row_var"), matrix);
    EXPECT_EQ(state.contains("state.0.variance"), !matrix);
    // The state round-trips: a fresh optimizer continues the same trajectory.
    Tensor q = p.detach().clone().requires_grad_(true);
    optim::Adafactor resumed({q}, o);
    resumed.load_state_dict(state);
    for (auto [opt_, t_] : {std::pair<optim::Optimizer*, Tensor>{&opt, p}, {&resumed, q}}) {
      opt_->zero_grad();
      ((t_ - S).square() * c).sum().backward();
      opt_->step();
    }
    expect_near(q.to_vector<double>(), p.to_vector<double>(), 0);
  }
  EXPECT_THROW_WITH(optim::Adafactor({param()}, {.beta2_decay = 0.5}), ValueError, "beta2_decay should be <= 0");
  EXPECT_THROW_WITH(optim::Adafactor({param()}, {.d = 0.5}), ValueError, "clipping threshold d should be >= 1");
  EXPECT_THROW_WITH(optim::Adafactor({param()}, {.eps1 = -1}), ValueError, "epsilon1 should be >= 0");
  EXPECT_THROW_WITH(optim::Adafactor({param()}, {.lr = -1}), ValueError, "learning rate should be >= 0");
}

TEST(Optim, LBFGSMinimizesWithAndWithoutLineSearch) {
  // The quadratic: L-BFGS's first iteration is a gradient step, then quasi-Newton steps find the
  // minimum (kShift) to rounding.
  for (bool wolfe : {false, true}) {
    Tensor p = param();
    optim::LBFGS opt({p}, {.max_iter = 30, .tolerance_change = 1e-15, .strong_wolfe = wolfe});
    int calls = 0;
    auto closure = [&] {
      ++calls;
      opt.zero_grad();
      Tensor loss = ((p - tensor(kShift, kFloat64)).square() * arange(1, 4, 1, kFloat64)).sum();
      loss.backward();
      return loss;
    };
    const double first = opt.step(closure).item<double>();
    EXPECT_GT(first, 1.0);
    expect_near(p.to_vector<double>(), kShift, 1e-6);
    EXPECT_LE(calls, 38);  // max_eval = 30 * 5 / 4 evaluations, plus the first
    EXPECT_EQ(opt.options().max_eval, 37);
  }
  // Rosenbrock's valley, from (-1.5, 2): strong Wolfe line search reaches (1, 1).
  Tensor xy = tensor({-1.5, 2.0}, kFloat64).requires_grad_(true);
  optim::LBFGS opt({xy}, {.max_iter = 100, .history_size = 10, .strong_wolfe = true});
  auto rosenbrock = [&] {
    opt.zero_grad();
    Tensor x = xy.select(0, 0), y = xy.select(0, 1);
    Tensor loss = (1.0 - x).square() + 100.0 * (y - x.square()).square();
    loss.backward();
    return loss;
  };
  for (int i = 0; i < 3; ++i) opt.step(rosenbrock);
  // Near the minimum the loss changes by less than tolerance_change (1e-9) at a distance of ~1e-5.
  expect_near(xy.to_vector<double>(), {1.0, 1.0}, 1e-4);
  // The state (history included) survives a state_dict round trip.
  const auto saved = opt.state_dict();
  EXPECT_TRUE(saved.contains("state.0.old_dirs.0"));
  EXPECT_TRUE(saved.contains("state.0.ro"));
  optim::LBFGS copy({xy}, {.max_iter = 100, .history_size = 10, .strong_wolfe = true});
  copy.load_state_dict(saved);
  const auto again = copy.state_dict();
  EXPECT_TRUE(close(again["state.0.old_stps.0"], saved["state.0.old_stps.0"], 0, 0));
  EXPECT_TRUE(close(again["state.0.ro"], saved["state.0.ro"], 0, 0));

  EXPECT_THROW_WITH(opt.step(), TypeError, "LBFGS: step needs a closure");
  Tensor a = param(), b = param();
  EXPECT_THROW_WITH(optim::LBFGS(std::vector<optim::LBFGS::ParamGroup>{{{a}, {}}, {{b}, {}}}), ValueError,
                    "LBFGS doesn't support per-parameter options (parameter groups), got 2 groups");
  EXPECT_THROW_WITH(optim::LBFGS({a}, {.history_size = 0}), ValueError, "LBFGS: history_size must be positive");
  optim::LBFGS bad({a});
  EXPECT_THROW_WITH(bad.step([&] { return a * 2.0; }), ValueError,
                    "LBFGS: the closure must return the loss as a one-element tensor, got shape [3]");
}

TEST(Optim, GroupsZeroGradAndErrors) {
  Tensor a = param(), b = tensor({1.0}, kFloat64).requires_grad_(true);
  optim::SGD opt(std::vector<optim::SGD::ParamGroup>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.01, .momentum = 0.9}}});
  EXPECT_EQ(opt.num_param_groups(), 2u);
  (a.sum() + b.sum() * 2).backward();
  opt.step();
  EXPECT_NEAR(a.to_vector<double>()[0], 0.5 - 0.1, 1e-12);
  EXPECT_NEAR(b.item<double>(), 1 - 0.02, 1e-12);
  opt.zero_grad(false);
  EXPECT_EQ(a.grad().abs().sum().item<double>(), 0.0);
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  // A parameter without a gradient is skipped.
  opt.step();
  EXPECT_NEAR(b.item<double>(), 1 - 0.02, 1e-12);
  // A group added later (a layer unfrozen mid-training) steps with its own options.
  Tensor c = tensor({2.0}, kFloat64).requires_grad_(true);
  opt.add_param_group({{c}, {.lr = 0.5}});
  EXPECT_EQ(opt.num_param_groups(), 3u);
  EXPECT_EQ(opt.lr(2), 0.5);
  (c * 3).sum().backward();
  opt.step();
  EXPECT_NEAR(c.item<double>(), 2 - 1.5, 1e-12);
  EXPECT_THROW_WITH(opt.add_param_group({{a}, {}}), ValueError,
                    "some parameters appear in more than one parameter group");
  EXPECT_THROW_WITH(opt.add_param_group({{tensor({1.0}, kFloat64).requires_grad_(true)}, {.lr = -2}}), ValueError,
                    "SGD: invalid learning rate -2");
  EXPECT_EQ(opt.num_param_groups(), 3u);
  EXPECT_THROW_WITH(optim::SGD({a}, {.lr = -1}), ValueError, "SGD: invalid learning rate -1");
  EXPECT_THROW_WITH(optim::SGD({a}, {.lr = 0.1, .nesterov = true}), ValueError, "Nesterov momentum requires");
  EXPECT_THROW_WITH(optim::Adam({a}, {.beta1 = 1.0}), ValueError, "invalid beta parameter at index 0");
  EXPECT_THROW_WITH(optim::Adam({a * 2}), Error, "can't optimize a non-leaf tensor");
  EXPECT_THROW_WITH(optim::Adam({a, a}), ValueError, "appears twice");
  EXPECT_THROW_WITH(optim::Adam({tensor({1, 2})}), TypeError, "only floating-point tensors");
  EXPECT_THROW_WITH(optim::Adam(tensor_list{}), ValueError, "empty parameter list");
}

TEST(Optim, StateDictRoundTrip) {
  Tensor p1 = param(), p2 = param();
  optim::Adam a({p1}, {.lr = 0.05, .amsgrad = true});
  run(a, p1, 3);
  auto sd = a.state_dict();
  EXPECT_TRUE(sd.contains("state.0.exp_avg"));
  EXPECT_EQ(sd["state.0.step"].item<double>(), 3.0);
  EXPECT_EQ(sd["param_groups.0.lr"].item<double>(), 0.05);
  // A fresh optimizer on a copy of the parameters continues identically.
  {
    NoGradGuard no_grad;
    p2.copy_(p1);
  }
  optim::Adam b({p2}, {.lr = 1.0});
  b.load_state_dict(sd);
  EXPECT_EQ(b.options().lr, 0.05);
  EXPECT_TRUE(b.options().amsgrad);
  expect_near(run(b, p2, 4), run(a, p1, 4), 0);
  auto bad = sd;
  bad["state.0.exp_avg"] = zeros({2}, kFloat64);
  EXPECT_THROW_WITH(b.load_state_dict(bad), Error, "'state.0.exp_avg' has shape [2] but the parameter has shape [3]");
  optim::Adam two(std::vector<optim::Adam::ParamGroup>{{{param()}, {}}, {{param()}, {}}});
  EXPECT_THROW_WITH(two.load_state_dict(sd), Error, "the state has 1 parameter groups, the optimizer 2");
}

TEST(Optim, OptionsByName) {
  Tensor p = param();
  optim::Adam adam({p}, {.lr = 0.01, .beta1 = 0.8, .amsgrad = true});
  const auto options = adam.options_of(0);
  const auto find = [&](const std::string& name) {
    return std::find_if(options.begin(), options.end(), [&](const auto& o) { return o.first == name; })->second;
  };
  EXPECT_EQ(find("lr"), 0.01);
  EXPECT_EQ(find("beta1"), 0.8);
  EXPECT_EQ(find("amsgrad"), 1.0);
  EXPECT_EQ(adam.option_type("amsgrad"), 'b');
  EXPECT_EQ(adam.option_type("eps"), 'f');
  EXPECT_EQ(adam.option_type("nope"), 0);
  adam.set_option(0, "weight_decay", 0.5);
  EXPECT_EQ(adam.options(0).weight_decay, 0.5);
  EXPECT_THROW_WITH(adam.set_option(0, "nope", 1), Error, "unknown option 'nope'");
  optim::LBFGS lbfgs({p});
  EXPECT_EQ(lbfgs.option_type("history_size"), 'i');
}

TEST(LRScheduler, ClosedForms) {
  Tensor p = param();
  const double base = 0.1;
  auto check = [&](auto make, std::function<double(int)> expected, int epochs = 25) {
    optim::SGD opt({p}, {.lr = base, .momentum = 0.9});
    auto sched = make(opt);
    for (int e = 0; e < epochs; ++e) {
      EXPECT_NEAR(opt.lr(0), expected(e), 1e-12) << "epoch " << e;
      EXPECT_NEAR(sched.get_last_lr()[0], opt.lr(0), 0);
      sched.step();
    }
  };
  check([](optim::Optimizer& o) { return optim::StepLR(o, 3, 0.5); }, [&](int e) { return base * std::pow(0.5, e / 3); });
  check([](optim::Optimizer& o) { return optim::MultiStepLR(o, {7, 2, 7}, 0.1); },
        [&](int e) { return base * (e >= 7 ? 1e-3 : e >= 2 ? 0.1 : 1.0); });
  check([](optim::Optimizer& o) { return optim::ExponentialLR(o, 0.9); }, [&](int e) { return base * std::pow(0.9, e); });
  check([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 10, 0.001); },
        [&](int e) { return 0.001 + (base - 0.001) * (1 + std::cos(std::numbers::pi * e / 10)) / 2; });
  check([](optim::Optimizer& o) { return optim::LinearLR(o, 0.25, 1.0, 4); },
        [&](int e) { return base * (0.25 + 0.75 * std::min(e, 4) / 4.0); });
}

TEST(LRScheduler, LambdaConstantPolynomialAndWarmRestarts) {
  Tensor p = param();
  optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  optim::LambdaLR lambda(opt, [](int64_t e) { return 1.0 / static_cast<double>(e + 1); });
  for (int e = 0; e < 5; ++e, lambda.step()) EXPECT_NEAR(opt.lr(0), 0.1 / (e + 1), 1e-15) << e;
  optim::SGD opt2({p}, {.lr = 0.1});
  optim::MultiplicativeLR mult(opt2, [](int64_t) { return 0.5; });
  for (int e = 0; e < 5; ++e, mult.step()) EXPECT_NEAR(opt2.lr(0), 0.1 * std::pow(0.5, e), 1e-15) << e;
  optim::SGD opt3({p}, {.lr = 0.1});
  optim::ConstantLR constant(opt3, 0.25, 3);
  for (int e = 0; e < 6; ++e, constant.step()) EXPECT_NEAR(opt3.lr(0), e < 3 ? 0.025 : 0.1, 1e-15) << e;
  optim::SGD opt4({p}, {.lr = 0.1});
  optim::PolynomialLR poly(opt4, 4, 2.0);
  for (int e = 0; e < 7; ++e, poly.step())
    EXPECT_NEAR(opt4.lr(0), 0.1 * std::pow(1 - std::min(e, 4) / 4.0, 2), 1e-15) << e;
  // T_0 = 2, T_mult = 2: restarts at epochs 2 and 6.
  optim::SGD opt5({p}, {.lr = 0.1});
  optim::CosineAnnealingWarmRestarts sgdr(opt5, 2, 2, 0.0);
  const double t_cur[] = {0, 1, 0, 1, 2, 3, 0}, t_i[] = {2, 2, 4, 4, 4, 4, 8};
  for (int e = 0; e < 7; ++e, sgdr.step())
    EXPECT_NEAR(opt5.lr(0), 0.05 * (1 + std::cos(std::numbers::pi * t_cur[e] / t_i[e])), 1e-15) << e;
  sgdr.step(4.5);  // 2.5 epochs into the cycle of 4 that starts at epoch 2
  EXPECT_NEAR(sgdr.T_cur(), 2.5, 1e-15);
  EXPECT_EQ(sgdr.last_epoch(), 4);
  EXPECT_THROW_WITH(optim::CosineAnnealingWarmRestarts(opt5, 0), ValueError, "T_0 must be a positive integer");
  EXPECT_THROW_WITH(sgdr.step(-1.0), ValueError, "expected a non-negative epoch, got -1");
  EXPECT_THROW_WITH(optim::ConstantLR(opt5, 1.5), ValueError, "factor must be in [0, 1], got 1.5");
  EXPECT_THROW_WITH(optim::PolynomialLR(opt5, 0), ValueError, "total_iters must be positive");
  EXPECT_THROW_WITH(optim::LambdaLR(opt5, std::vector<optim::LambdaLR::Lambda>(2, [](int64_t) { return 1.0; })),
                    ValueError, "LambdaLR: expected 1 lr_lambdas (one per group), got 2");
  EXPECT_THROW_WITH(optim::LambdaLR(opt5, optim::LambdaLR::Lambda{}), ValueError, "LambdaLR: an lr_lambda is empty");
}

TEST(LRScheduler, CyclicSequentialAndInitialLr) {
  Tensor p = param();
  optim::SGD opt({p}, {.lr = 1.0, .momentum = 0.5});
  // Triangular cycles of 2 up + 4 down between 0.1 and 0.7; momentum the other way, 0.9 to 0.8.
  optim::CyclicLR cyclic(opt, 0.1, 0.7, {.step_size_up = 2, .step_size_down = 4});
  const double up[] = {0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0.5};
  for (int s = 0; s < 8; ++s, cyclic.step()) {
    EXPECT_NEAR(opt.lr(0), 0.1 + 0.6 * up[s], 1e-15) << s;
    EXPECT_NEAR(opt.momentum(0), 0.9 - 0.1 * up[s], 1e-15) << s;
  }
  optim::SGD opt2({p}, {.lr = 1.0});
  optim::CyclicLR halving(opt2, 0.0, 1.0, {.step_size_up = 1, .mode = "triangular2", .cycle_momentum = false});
  for (double want : {0.0, 1.0, 0.0, 0.5, 0.0, 0.25}) {
    EXPECT_NEAR(opt2.lr(0), want, 1e-15);
    halving.step();
  }
  optim::Adagrad ada({p});
  EXPECT_THROW_WITH(optim::CyclicLR(ada, 0.1, 1.0), ValueError, "must support momentum or beta1");
  EXPECT_THROW_WITH(optim::CyclicLR(opt2, 0.1, 1.0, {.mode = "sine"}), ValueError, "mode must be 'triangular'");

  // Warm-up for 3 epochs, then exponential decay from the base rate.
  optim::SGD opt3({p}, {.lr = 0.1});
  auto warm = std::make_shared<optim::LinearLR>(opt3, 0.1, 1.0, 3);
  auto decay = std::make_shared<optim::ExponentialLR>(opt3, 0.5);
  EXPECT_NEAR(opt3.initial_lr(0), 0.1, 0);  // the second scheduler started from it, not 0.01
  optim::SequentialLR seq(opt3, {warm, decay}, {3});
  const double want[] = {0.01, 0.04, 0.07, 0.1, 0.05, 0.025};
  for (int e = 0; e < 6; ++e, seq.step()) {
    EXPECT_NEAR(opt3.lr(0), want[e], 1e-15) << e;
    EXPECT_EQ(seq.get_last_lr()[0], opt3.lr(0));
  }
  EXPECT_EQ(seq.last_epoch(), 6);
  optim::SGD other({p}, {.lr = 0.1});
  EXPECT_THROW_WITH(optim::SequentialLR(other, {warm, decay}, {3}), ValueError,
                    "scheduler 0 is not bound to the optimizer given");
  EXPECT_THROW_WITH(optim::SequentialLR(opt3, {warm, decay}, {}), ValueError,
                    "expects one more scheduler than milestones, got 2 schedulers and 0 milestones");
  EXPECT_THROW_WITH(opt3.initial_lr(1), IndexError, "initial_lr: group 1 is out of range for 1 groups");
}

TEST(LRScheduler, StateDictResumes) {
  Tensor p = param();
  // Train 5 epochs, checkpoint, and continue in a fresh optimizer and scheduler: the rates
  // match those of a run that never stopped.
  auto resumed = [&](auto make, int before, int after) {
    optim::SGD a({p}, {.lr = 0.1});
    auto sa = make(a);
    for (int e = 0; e < before; ++e) sa->step();
    const optim::SchedulerState state = sa->state_dict();
    optim::SGD b({p}, {.lr = 0.1});
    auto sb = make(b);
    b.set_lr(0, a.lr(0));  // what loading the optimizer's state does
    sb->load_state_dict(state);
    for (int e = 0; e < after; ++e) {
      sa->step();
      sb->step();
      EXPECT_NEAR(b.lr(0), a.lr(0), 1e-15) << e;
      EXPECT_EQ(sb->get_last_lr(), sa->get_last_lr());
    }
    return state;
  };
  auto st = resumed([](optim::Optimizer& o) { return std::make_shared<optim::StepLR>(o, 2, 0.5); }, 5, 4);
  EXPECT_EQ(st.at("last_epoch"), std::vector<double>{5});
  EXPECT_EQ(st.at("base_lrs"), std::vector<double>{0.1});
  auto wr =
      resumed([](optim::Optimizer& o) { return std::make_shared<optim::CosineAnnealingWarmRestarts>(o, 2, 2); }, 5, 6);
  EXPECT_EQ(wr.at("T_i"), std::vector<double>{4});
  resumed(
      [](optim::Optimizer& o) {
        auto warm = std::make_shared<optim::LinearLR>(o, 0.1, 1.0, 3);
        auto decay = std::make_shared<optim::ExponentialLR>(o, 0.5);
        return std::make_shared<optim::SequentialLR>(o, std::vector<std::shared_ptr<optim::LRScheduler>>{warm, decay},
                                                     std::vector<int64_t>{3});
      },
      2, 5);
  auto ch = resumed(
      [](optim::Optimizer& o) {
        return std::make_shared<optim::ChainedScheduler>(std::vector<std::shared_ptr<optim::LRScheduler>>{
            std::make_shared<optim::ConstantLR>(o, 0.5, 4), std::make_shared<optim::ExponentialLR>(o, 0.9)});
      },
      2, 4);
  EXPECT_EQ(ch.at("_schedulers.1.last_epoch"), std::vector<double>{2});

  optim::SGD opt({p}, {.lr = 1.0});
  optim::ReduceLROnPlateau plateau(opt, {.patience = 1});
  plateau.step(1.0);
  plateau.step(2.0);
  optim::SGD opt2({p}, {.lr = 1.0});
  optim::ReduceLROnPlateau plateau2(opt2, {.patience = 1});
  plateau2.load_state_dict(plateau.state_dict());
  EXPECT_EQ(plateau2.num_bad_epochs(), 1);
  plateau.step(2.0);
  plateau2.step(2.0);
  EXPECT_EQ(opt2.lr(0), opt.lr(0));
  EXPECT_NEAR(opt2.lr(0), 0.1, 1e-15);

  optim::StepLR step(opt, 2);
  optim::SchedulerState bad = step.state_dict();
  bad.erase("base_lrs");
  EXPECT_THROW_WITH(step.load_state_dict(bad), ValueError, "the scheduler state has no 'base_lrs'");
  bad = step.state_dict();
  bad["_last_lr"] = {0.1, 0.2};
  EXPECT_THROW_WITH(step.load_state_dict(bad), ValueError, "'_last_lr' holds 2 values, expected 1");
  bad = step.state_dict();
  bad["last_epoch"] = {1.5};
  EXPECT_THROW_WITH(step.load_state_dict(bad), ValueError, "'last_epoch' must be a whole number, got 1.5");
}

TEST(LRScheduler, OneCycleChainedPlateau) {
  Tensor p = param();
  optim::Adam opt({p}, {.lr = 1.0});
  optim::OneCycleLR sched(opt, 0.4, 10, {.pct_start = 0.3});
  // Warm-up over steps 0..2 from 0.4/25 to 0.4, then cosine down to 0.4/25/1e4 at step 9.
  const double init = 0.4 / 25, lo = init / 1e4;
  auto cos_anneal = [](double a, double b, double pct) { return b + (a - b) / 2 * (std::cos(std::numbers::pi * pct) + 1); };
  std::vector<double> lrs, betas;
  for (int s = 0; s < 10; ++s) {
    lrs.push_back(opt.lr(0));
    betas.push_back(opt.options().beta1);
    if (s < 9) sched.step();
  }
  EXPECT_NEAR(lrs[0], init, 1e-12);
  EXPECT_NEAR(lrs[1], cos_anneal(init, 0.4, 0.5), 1e-12);
  EXPECT_NEAR(lrs[2], 0.4, 1e-12);
  EXPECT_NEAR(lrs[5], cos_anneal(0.4, lo, 3.0 / 7), 1e-12);
  EXPECT_NEAR(lrs[9], lo, 1e-15);
  EXPECT_NEAR(betas[0], 0.95, 1e-12);
  EXPECT_NEAR(betas[2], 0.85, 1e-12);
  EXPECT_NEAR(betas[9], 0.95, 1e-12);
  sched.step();
  EXPECT_THROW_WITH(sched.step(), ValueError, "tried to step 11 times with total_steps=10");

  optim::SGD sgd({p}, {.lr = 1.0});
  auto s1 = std::make_shared<optim::StepLR>(sgd, 2, 0.5);
  auto s2 = std::make_shared<optim::ExponentialLR>(sgd, 0.9);
  optim::ChainedScheduler chain({s1, s2});
  for (int e = 0; e < 6; ++e) {
    EXPECT_NEAR(sgd.lr(0), std::pow(0.5, e / 2) * std::pow(0.9, e), 1e-12) << e;
    chain.step();
  }

  EXPECT_NEAR(chain.get_last_lr()[0], sgd.lr(0), 0);
  EXPECT_EQ(s1->last_epoch(), 6);
  EXPECT_TRUE(sgd.has_momentum());
  EXPECT_EQ(sgd.params(0).size(), 1u);
  EXPECT_THROW_WITH(sgd.params(1), IndexError, "no parameter group 1");
  optim::Adagrad ada({p});
  EXPECT_FALSE(ada.has_momentum());
  EXPECT_THROW_WITH(ada.momentum(0), Error, "no momentum");
  EXPECT_THROW_WITH(optim::OneCycleLR(ada, 0.1, 10), Error, "cycle_momentum needs an optimizer with momentum");

  // A peak rate per parameter group: each group follows its own 1cycle (and cyclic) schedule.
  Tensor q = zeros({1}).requires_grad_();
  optim::SGD two(
      std::vector<optim::SGD::ParamGroup>{{{p}, {.lr = 0.1, .momentum = 0.9}}, {{q}, {.lr = 0.1, .momentum = 0.9}}});
  optim::OneCycleLR cycle(two, std::vector<double>{1.0, 0.5}, 10);
  EXPECT_NEAR(two.lr(0), 1.0 / 25, 1e-15);
  EXPECT_NEAR(two.lr(1), 0.5 / 25, 1e-15);
  for (int i = 0; i < 2; ++i) cycle.step();  // the peak: pct_start 0.3 of 10 steps, from step 0
  EXPECT_NEAR(two.lr(0), 1.0, 1e-12);
  EXPECT_NEAR(two.lr(1), 0.5, 1e-12);
  optim::CyclicLR cyclic(two, std::vector<double>{0.01, 0.02}, std::vector<double>{0.1}, {.step_size_up = 2});
  cyclic.step();
  EXPECT_NEAR(two.lr(0), 0.055, 1e-12);
  EXPECT_NEAR(two.lr(1), 0.06, 1e-12);
  EXPECT_THROW_WITH(optim::OneCycleLR(two, std::vector<double>{1.0, 0.5, 0.2}, 10), ValueError,
                    "OneCycleLR: max_lr must have the same length as optimizer.param_groups: max_lr has 3 values, "
                    "param_groups has 2");
  EXPECT_THROW_WITH(optim::CyclicLR(two, std::vector<double>{0.1, 0.2, 0.3}, std::vector<double>{1.0}), ValueError,
                    "CyclicLR: base_lr must have the same length as optimizer.param_groups: base_lr has 3 values, "
                    "param_groups has 2");

  optim::SGD sgd2({p}, {.lr = 1.0});
  optim::ReduceLROnPlateau plateau(sgd2, {.factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = 0.2});
  for (double metric : {1.0, 0.9, 0.95, 0.95, 0.95}) plateau.step(metric);  // 3 bad epochs > patience 2
  EXPECT_NEAR(sgd2.lr(0), 0.5, 1e-12);
  for (double metric : {0.95, 0.95, 0.95, 0.95}) plateau.step(metric);  // cooldown, then 3 bad again
  EXPECT_NEAR(sgd2.lr(0), 0.25, 1e-12);
  for (int i = 0; i < 8; ++i) plateau.step(1.0);
  EXPECT_NEAR(sgd2.lr(0), 0.2, 1e-12);  // floored at min_lr
  EXPECT_NEAR(plateau.get_last_lr()[0], 0.2, 1e-12);
  EXPECT_GE(plateau.num_bad_epochs(), 0);
  optim::SGD sgd3(std::vector<optim::SGD::ParamGroup>{{{p}, {.lr = 1.0}}, {{q}, {.lr = 1.0}}});
  optim::ReduceLROnPlateau floors(sgd3, {.factor = 0.5, .patience = 0, .min_lrs = {0.3, 0.1}});
  for (int i = 0; i < 4; ++i) floors.step(1.0);
  EXPECT_NEAR(sgd3.lr(0), 0.3, 1e-12);
  EXPECT_NEAR(sgd3.lr(1), 0.125, 1e-12);
  EXPECT_THROW_WITH(optim::ReduceLROnPlateau(sgd3, {.min_lrs = {0.1, 0.2, 0.3}}), ValueError,
                    "ReduceLROnPlateau: min_lr must have the same length as optimizer.param_groups: min_lr has 3 "
                    "values, param_groups has 2");
  EXPECT_THROW_WITH(optim::StepLR(sgd, 0), ValueError, "step_size must be positive");
}

TEST(ClipGrad, NormAndValue) {
  Tensor a = tensor({3.0, 0.0}, kFloat64).requires_grad_(true), b = tensor({4.0}, kFloat64).requires_grad_(true);
  a.set_grad(tensor({3.0, 0.0}, kFloat64));
  b.set_grad(tensor({4.0}, kFloat64));
  Tensor norm = nn::utils::clip_grad_norm_({a, b}, 1.0);
  EXPECT_NEAR(norm.item<double>(), 5.0, 1e-12);
  EXPECT_NEAR(a.grad().to_vector<double>()[0], 3.0 / (5 + 1e-6), 1e-12);
  EXPECT_NEAR(b.grad().item<double>(), 4.0 / (5 + 1e-6), 1e-12);
  // Below the limit nothing changes.
  EXPECT_NEAR(nn::utils::clip_grad_norm_({a, b}, 10.0).item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(b.grad().item<double>(), 4.0 / (5 + 1e-6), 1e-12);
  b.set_grad(tensor({-7.0}, kFloat64));
  EXPECT_NEAR(nn::utils::clip_grad_norm_({a, b}, 1.0, INFINITY).item<double>(), 7.0, 1e-12);
  EXPECT_NEAR(b.grad().item<double>(), -7.0 / (7 + 1e-6), 1e-12);
  b.set_grad(tensor({NAN}, kFloat64));
  EXPECT_THROW_WITH(nn::utils::clip_grad_norm_({a, b}, 1.0, 2.0, true), Error, "non-finite");
  b.set_grad(tensor({-7.0}, kFloat64));
  nn::utils::clip_grad_value_({a, b}, 0.5);
  EXPECT_EQ(b.grad().item<double>(), -0.5);
}

TEST(ClipGrad, TotalNormThenClip) {
  Tensor a = tensor({3.0, 0.0}, kFloat64).requires_grad_(true), b = tensor({4.0}, kFloat64).requires_grad_(true);
  a.set_grad(tensor({3.0, 0.0}, kFloat64));
  b.set_grad(tensor({4.0}, kFloat64));
  Tensor total = nn::utils::get_total_norm({a.grad(), b.grad()});
  EXPECT_NEAR(total.item<double>(), 5.0, 1e-12);
  EXPECT_EQ(total.dtype(), kFloat64);
  EXPECT_NEAR(nn::utils::get_total_norm({a.grad(), b.grad()}, 1.0).item<double>(), 7.0, 1e-12);
  EXPECT_NEAR(nn::utils::get_total_norm({a.grad(), b.grad()}, INFINITY).item<double>(), 4.0, 1e-12);
  EXPECT_EQ(nn::utils::get_total_norm({}).item<double>(), 0.0);
  nn::utils::clip_grads_with_norm_({a, b}, 1.0, total);
  EXPECT_NEAR(b.grad().item<double>(), 4.0 / (5 + 1e-6), 1e-12);
  nn::utils::clip_grads_with_norm_({a, b}, 1.0, tensor(0.5));  // under the limit: unchanged
  EXPECT_NEAR(b.grad().item<double>(), 4.0 / (5 + 1e-6), 1e-12);
  EXPECT_THROW_WITH(nn::utils::get_total_norm({tensor({NAN})}, 2.0, true), Error,
                    "get_total_norm: the total norm of order 2 of the gradients is non-finite");
  EXPECT_THROW_WITH(nn::utils::clip_grads_with_norm_({a}, 1.0, tensor({1.0, 2.0})), ValueError,
                    "total_norm must be a one-element tensor, got shape [2]");
}

TEST(ConvertParameters, RoundTrip) {
  nn::Linear lin(3, 2);
  const tensor_list params = lin->parameters();
  Tensor v = nn::utils::parameters_to_vector(params);
  EXPECT_EQ(v.sizes(), Shape({8}));
  EXPECT_TRUE(tgtest::close(v.slice(0, 0, 6), lin->weight.reshape({-1})));
  EXPECT_TRUE(tgtest::close(v.slice(0, 6, 8), lin->bias));
  // Differentiable: the gradient flows back to each parameter.
  (v * arange(8, kFloat32)).sum().backward();
  EXPECT_EQ(lin->bias.grad().to_vector<float>(), (std::vector<float>{6.0f, 7.0f}));
  Tensor before = lin->weight;
  nn::utils::vector_to_parameters(arange(8, kFloat64), params);
  EXPECT_EQ(lin->weight.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(lin->bias.to_vector<float>(), (std::vector<float>{6.0f, 7.0f}));
  EXPECT_TRUE(lin->weight.is_same(before));
  EXPECT_TRUE(lin->weight.requires_grad() && lin->weight.is_leaf());
  // A strided vector works too.
  nn::utils::vector_to_parameters(arange(16, kFloat32).slice(0, 0, 16, 2), params);
  EXPECT_EQ(lin->bias.to_vector<float>(), (std::vector<float>{12.0f, 14.0f}));
  EXPECT_THROW_WITH(nn::utils::vector_to_parameters(zeros({7}), params), ValueError,
                    "vec has 7 elements but the parameters hold 8");
  EXPECT_THROW_WITH(nn::utils::vector_to_parameters(zeros({2, 4}), params), ValueError,
                    "vec must be 1-D, got shape [2, 4]");
  EXPECT_THROW_WITH(nn::utils::parameters_to_vector({}), ValueError, "got no parameters");
}

TEST(GradScaler, SkipsOverflowsAndAdaptsTheScale) {
  Tensor p = tensor({1.0, 2.0}, kFloat32).requires_grad_(true);
  optim::SGD opt({p}, {.lr = 0.1});
  amp::GradScaler scaler({.init_scale = 1024.0, .growth_interval = 2});
  auto iteration = [&](double factor) {
    opt.zero_grad();
    scaler.scale((p * factor).sum()).backward();
    const bool stepped = scaler.step(opt);
    scaler.update();
    return stepped;
  };
  // Finite gradients: unscaled (d/dp = 3), stepped; two clean steps double the scale.
  EXPECT_TRUE(iteration(3.0));
  EXPECT_NEAR(p.to_vector<double>()[0], 1.0 - 0.3, 1e-6);
  EXPECT_EQ(scaler.get_scale(), 1024.0);
  EXPECT_TRUE(iteration(3.0));
  EXPECT_EQ(scaler.get_scale(), 2048.0);
  // An overflow: no step, the scale halves.
  const auto before = p.to_vector<double>();
  EXPECT_FALSE(iteration(INFINITY));
  EXPECT_EQ(p.to_vector<double>(), before);
  EXPECT_EQ(scaler.get_scale(), 1024.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);
  // unscale_ by hand (e.g. before clipping), then step: not unscaled twice.
  opt.zero_grad();
  scaler.scale(p.sum()).backward();
  scaler.unscale_(opt);
  EXPECT_NEAR(p.grad().to_vector<double>()[0], 1.0, 1e-6);
  EXPECT_THROW_WITH(scaler.unscale_(opt), Error, "already called");
  EXPECT_TRUE(scaler.step(opt));
  scaler.update();
  // should_step: the check without the step, for callers that step themselves.
  opt.zero_grad();
  scaler.scale((p * INFINITY).sum()).backward();
  EXPECT_FALSE(scaler.should_step(opt));
  EXPECT_FALSE(scaler.should_step(opt));  // unscaled once, the answer kept until update()
  scaler.update();
  opt.zero_grad();
  scaler.scale(p.sum()).backward();
  EXPECT_TRUE(scaler.should_step(opt));
  EXPECT_NEAR(p.grad().to_vector<double>()[0], 1.0, 1e-6);
  scaler.update();
  auto sd = scaler.state_dict();
  amp::GradScaler other;
  other.load_state_dict(sd);
  EXPECT_EQ(other.get_scale(), scaler.get_scale());
  EXPECT_EQ(other.growth_tracker(), scaler.growth_tracker());
  // Disabled: a pass-through.
  amp::GradScaler off({.enabled = false});
  Tensor loss = p.sum();
  EXPECT_TRUE(off.scale(loss).is_same(loss));
  EXPECT_EQ(off.get_scale(), 1.0);
  EXPECT_TRUE(off.should_step(opt));
  EXPECT_THROW_WITH(amp::GradScaler({.backoff_factor = 2.0}), ValueError, "backoff_factor must be in (0, 1)");
}
