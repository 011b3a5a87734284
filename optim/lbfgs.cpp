// L-BFGS: torch.optim.LBFGS's step, with its strong-Wolfe line search (Nocedal and Wright's
// algorithms 3.5 and 3.6 with cubic interpolation), in the same order of operations. The scalars
// PyTorch keeps as 0-D tensors (t, ys, H_diag, the losses) are doubles here.
#include "tapegrad/optim/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

namespace {

const std::vector<LBFGS::ParamGroup>& one_group(const std::vector<LBFGS::ParamGroup>& groups) {
  TG_CHECK_VALUE(groups.size() == 1, "LBFGS doesn't support per-parameter options (parameter groups), got {} groups",
                 groups.size());
  return groups;
}

double dot_value(const Tensor& a, const Tensor& b) { return dot(a, b).item<double>(); }
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }

// The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to the
// bounds (the interval itself by default); their midpoint when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const auto [low, high] = bounds ? *bounds : (x1 <= x2 ? std::pair{x1, x2} : std::pair{x2, x1});
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (low + high) / 2.0;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, low), high);
}

struct LineSearch {
  double loss;
  Tensor grad;
  double t;
  int64_t evaluations;
};

// A step t along d satisfying the strong Wolfe conditions (sufficient decrease c1, curvature
// c2): bracketing, then zooming in. evaluate(t) gives the loss and flat gradient at x + t d.
template <class Evaluate>
LineSearch strong_wolfe(Evaluate&& evaluate, double t, const Tensor& d, double f, const Tensor& g, double gtd,
                        double tolerance_change, int64_t max_ls) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  const double d_norm = max_abs(d);
  auto [f_new, g_new] = evaluate(t);
  int64_t evaluations = 1;
  double gtd_new = dot_value(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g.clone();
  bool done = false;
  int64_t ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Tensor> bracket_g;
  auto bracket_with_previous = [&] {
    bracket = {t_prev, t};
    bracket_f = {f_prev, f_new};
    bracket_g = {g_prev, g_new.clone()};
    bracket_gtd = {gtd_prev, gtd_new};
  };
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {
      bracket_with_previous();
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t};
      bracket_f = {f_new};
      bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket_with_previous();
      break;
    }
    // Extrapolate past t.
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10, previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::pair{min_step, max_step});
    t_prev = previous;
    f_prev = f_new;
    g_prev = g_new.clone();
    gtd_prev = gtd_new;
    std::tie(f_new, g_new) = evaluate(t);
    ++evaluations;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls || bracket.empty()) {
    bracket = {0, t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
  }

  // Zoom: shrink the bracket until a point meets the conditions.
  bool insufficient_progress = false;
  size_t low = bracket_f.front() <= bracket_f.back() ? 0 : 1, high = 1 - low;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    // Keep t away from the bracket's ends (insufficient progress twice in a row moves it).
    const double top = std::max(bracket[0], bracket[1]), bottom = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (top - bottom);
    if (std::min(top - t, t - bottom) < eps) {
      if (insufficient_progress || t >= top || t <= bottom) {
        t = std::abs(t - top) < std::abs(t - bottom) ? top - eps : bottom + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = evaluate(t);
    ++evaluations;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
      bracket[high] = t;
      bracket_f[high] = f_new;
      bracket_g[high] = g_new.clone();
      bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bracket_f[high] = bracket_f[low];
        bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t;
      bracket_f[low] = f_new;
      bracket_g[low] = g_new.clone();
      bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], bracket_g[low], bracket[low], evaluations};
}

}  // namespace

void LBFGSOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(max_iter > 0, "{}: max_iter must be positive, got {}", name, max_iter);
  TG_CHECK_VALUE(max_eval >= 0, "{}: max_eval must be positive (0: max_iter * 5 / 4), got {}", name, max_eval);
  TG_CHECK_VALUE(history_size > 0, "{}: history_size must be positive, got {}", name, history_size);
}

LBFGS::LBFGS(tensor_list params, const LBFGSOptions& options) : OptimizerImpl("LBFGS", std::move(params), options) {
  if (options_[0].max_eval == 0) defaults_.max_eval = options_[0].max_eval = options_[0].max_iter * 5 / 4;
}

LBFGS::LBFGS(const std::vector<ParamGroup>& groups, const LBFGSOptions& defaults)
    : OptimizerImpl("LBFGS", one_group(groups), defaults) {
  if (options_[0].max_eval == 0) defaults_.max_eval = options_[0].max_eval = options_[0].max_iter * 5 / 4;
}

void LBFGS::step() {
  TG_CHECK_TYPE(false, "LBFGS: step needs a closure that re-evaluates the loss: call step(closure)");
}

Tensor LBFGS::flat_grad() const {
  tensor_list views;
  for (const Tensor& p : params(0))
    views.push_back(p.grad().defined() ? p.grad().reshape({-1})
                                       : zeros({p.numel()}, TensorOptions(p.dtype()).device(p.device())));
  Tensor flat = cat(views, 0);
  return options_[0].maximize ? flat.neg_() : flat;
}

void LBFGS::add_to_params(double step, const Tensor& direction) const {
  int64_t offset = 0;
  for (const Tensor& p : params(0)) {
    p.add_(direction.narrow(0, offset, p.numel()).view(p.sizes()), step);
    offset += p.numel();
  }
}

std::pair<double, Tensor> LBFGS::evaluate_at(const std::function<Tensor()>& closure, const tensor_list& x, double t,
                                             const Tensor& d) {
  add_to_params(t, d);
  double loss;
  {
    EnableGradGuard grad;
    loss = closure().item<double>();
  }
  if (options_[0].maximize) loss = -loss;
  Tensor g = flat_grad();
  const tensor_list& ps = params(0);
  for (size_t i = 0; i < ps.size(); ++i) ps[i].copy_(x[i]);
  return {loss, g};
}

Tensor LBFGS::step(const std::function<Tensor()>& closure) {
  TG_CHECK_VALUE(num_param_groups() == 1, "LBFGS: expected exactly one parameter group, got {}", num_param_groups());
  NoGradGuard no_grad;
  auto evaluate = [&] {
    EnableGradGuard grad;
    Tensor loss = closure();
    TG_CHECK_VALUE(loss.defined() && loss.numel() == 1,
                   "LBFGS: the closure must return the loss as a one-element tensor, got {}",
                   loss.defined() ? fmt::format("shape {}", loss.sizes()) : std::string("an undefined tensor"));
    return loss;
  };
  const tensor_list& ps = params(0);
  if (ps.empty()) return evaluate();
  const LBFGSOptions& o = options_[0];
  LBFGSState& s = state(ps[0]);
  if (!s.func_evals.defined()) {
    s.func_evals = zeros({}, kInt64);
    s.n_iter = zeros({}, kInt64);
  }
  auto signed_loss = [&](const Tensor& l) { return o.maximize ? -l.item<double>() : l.item<double>(); };

  const Tensor orig_loss = evaluate();
  double loss = signed_loss(orig_loss);
  int64_t current_evals = 1;
  s.func_evals.add_(1);
  Tensor g = flat_grad();
  bool optimal = max_abs(g) <= o.tolerance_grad;
  if (optimal) return orig_loss;

  Tensor d = s.d, prev_flat_grad = s.prev_flat_grad;
  double t = s.t.defined() ? s.t.item<double>() : 0;
  double H_diag = s.H_diag.defined() ? s.H_diag.item<double>() : 1;
  double prev_loss = s.prev_loss.defined() ? s.prev_loss.item<double>() : 0;
  int64_t n_iter = 0;
  while (n_iter < o.max_iter) {
    ++n_iter;
    s.n_iter.add_(1);
    const bool first = s.n_iter.item<int64_t>() == 1;
    if (first) {
      d = g.neg();
      s.old_dirs.clear();
      s.old_stps.clear();
      s.ro.clear();
      H_diag = 1;
    } else {
      // Update the history with the last step s and gradient change y (when y's curvature along
      // s is positive), then d = -H g by the two-loop recursion.
      const Tensor y = g - prev_flat_grad, step = d * t;
      const double ys = dot_value(y, step);
      if (ys > 1e-10) {
        if (static_cast<int64_t>(s.old_dirs.size()) == o.history_size) {
          s.old_dirs.erase(s.old_dirs.begin());
          s.old_stps.erase(s.old_stps.begin());
          s.ro.erase(s.ro.begin());
        }
        s.old_dirs.push_back(y);
        s.old_stps.push_back(step);
        s.ro.push_back(1.0 / ys);
        H_diag = ys / dot_value(y, y);
      }
      const size_t num_old = s.old_dirs.size();
      std::vector<double> al(num_old);
      Tensor q = g.neg();
      for (size_t i = num_old; i-- > 0;) {
        al[i] = dot_value(s.old_stps[i], q) * s.ro[i];
        q.add_(s.old_dirs[i], -al[i]);
      }
      d = q * H_diag;
      for (size_t i = 0; i < num_old; ++i) {
        const double be_i = dot_value(s.old_dirs[i], d) * s.ro[i];
        d.add_(s.old_stps[i], al[i] - be_i);
      }
    }
    if (!prev_flat_grad.defined()) {
      prev_flat_grad = g.clone();
    } else {
      prev_flat_grad.copy_(g);
    }
    prev_loss = loss;
    t = first ? std::min(1.0, 1.0 / g.abs().sum().item<double>()) * o.lr : o.lr;
    const double gtd = dot_value(g, d);
    if (gtd > -o.tolerance_change) break;  // not a descent direction

    int64_t ls_evals = 0;
    if (o.strong_wolfe) {
      tensor_list x;
      for (const Tensor& p : ps) x.push_back(p.clone());
      LineSearch r = strong_wolfe([&](double step) { return evaluate_at(closure, x, step, d); }, t, d, loss, g, gtd,
                                  o.tolerance_change, o.max_eval - current_evals);
      loss = r.loss;
      g = r.grad;
      t = r.t;
      ls_evals = r.evaluations;
      add_to_params(t, d);
      optimal = max_abs(g) <= o.tolerance_grad;
    } else {
      add_to_params(t, d);
      if (n_iter != o.max_iter) {
        // Re-evaluate for the next iteration (the last one's loss is not needed).
        loss = signed_loss(evaluate());
        g = flat_grad();
        optimal = max_abs(g) <= o.tolerance_grad;
        ls_evals = 1;
      }
    }
    current_evals += ls_evals;
    s.func_evals.add_(ls_evals);
    if (n_iter == o.max_iter || current_evals >= o.max_eval || optimal) break;
    if (max_abs(d * t) <= o.tolerance_change) break;  // the step is too small
    if (std::abs(loss - prev_loss) < o.tolerance_change) break;
  }
  s.d = d;
  s.prev_flat_grad = prev_flat_grad;
  s.t = scalar_tensor(t, kFloat64);
  s.H_diag = scalar_tensor(H_diag, kFloat64);
  s.prev_loss = scalar_tensor(prev_loss, kFloat64);
  return orig_loss;
}

std::vector<std::pair<std::string, Tensor>> LBFGS::param_state(const Tensor& p) const {
  auto out = OptimizerImpl::param_state(p);
  const LBFGSState* s = find_state(p);
  if (!s) return out;
  for (size_t i = 0; i < s->old_dirs.size(); ++i) {
    out.emplace_back("old_dirs." + std::to_string(i), s->old_dirs[i]);
    out.emplace_back("old_stps." + std::to_string(i), s->old_stps[i]);
  }
  if (!s->ro.empty()) out.emplace_back("ro", tensor(s->ro, kFloat64));
  return out;
}

void LBFGS::set_param_state(const Tensor& p, const std::string& name, const Tensor& value) {
  LBFGSState& s = state(p);
  for (auto [prefix, history] : {std::pair{"old_dirs.", &s.old_dirs}, std::pair{"old_stps.", &s.old_stps}}) {
    const std::string_view key(prefix);
    if (name.rfind(key, 0) != 0) continue;
    const std::string digits = name.substr(key.size());
    TG_CHECK(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos,
             "LBFGS.load_state_dict: unknown state '{}'", name);
    const size_t index = std::stoul(digits);
    if (history->size() <= index) history->resize(index + 1);
    (*history)[index] = value.to(p.dtype()).clone();
    return;
  }
  if (name == "ro") {
    s.ro = value.to(kFloat64).to_vector<double>();
    return;
  }
  OptimizerImpl::set_param_state(p, name, value);
}

}  // namespace tg::optim
