// nn::init: PyTorch's initialisers. Values are drawn in float64 on the CPU and copied in, so a
// seed gives the same numbers for every dtype and device. The uniform and normal ones (and
// xavier_ and kaiming_, made of them) fill complex tensors' two parts alike, as PyTorch's.
#include "tapegrad/nn/init.h"

#include <cmath>
#include <vector>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/random_draws.h"

namespace tg::nn::init {
namespace {

using ops::as_values;
using ops::draw_shape;
using ops::gen_or_default;

void check(const Tensor& t, const char* op) {
  TG_CHECK(t.defined(), "{}: the tensor is undefined", op);
  TG_CHECK_TYPE(t.is_floating_point(), "{}: expected a floating-point tensor, got {}", op, t.dtype());
}

// The initialisers made of uniform or normal draws take complex tensors too (PyTorch's complex
// layers): both parts drawn alike.
void check_drawn(const Tensor& t, const char* op) {
  TG_CHECK(t.defined(), "{}: the tensor is undefined", op);
  TG_CHECK_TYPE(t.is_floating_point() || t.is_complex(), "{}: expected a floating-point or complex tensor, got {}", op,
                t.dtype());
}

const Tensor& assign(const Tensor& t, const Tensor& values) {
  NoGradGuard no_grad;
  t.copy_(values);
  return t;
}

}  // namespace

double calculate_gain(std::string_view nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.starts_with("conv")) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4;
  throw ValueError(fmt::format("calculate_gain: unsupported nonlinearity '{}'", nonlinearity));
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  TG_CHECK_VALUE(t.dim() >= 2, "fan in and fan out need a tensor with at least 2 dims, got shape {}", t.sizes());
  int64_t receptive = 1;
  for (int d = 2; d < t.dim(); ++d) receptive *= t.sizes()[d];
  return {t.sizes()[1] * receptive, t.sizes()[0] * receptive};
}

const Tensor& uniform_(const Tensor& t, double a, double b, Generator* g) {
  check_drawn(t, "uniform_");
  return assign(t, as_values(t, rand(draw_shape(t), gen_or_default(g), kFloat64) * (b - a) + a));
}

const Tensor& normal_(const Tensor& t, double mean, double std, Generator* g) {
  check_drawn(t, "normal_");
  // A complex tensor's parts each get the mean and std / sqrt(2), so that |z - E z| has variance
  // std^2 (PyTorch's).
  const double part_std = t.is_complex() ? std / std::sqrt(2.0) : std;
  return assign(t, as_values(t, randn(draw_shape(t), gen_or_default(g), kFloat64) * part_std + mean));
}

const Tensor& constant_(const Tensor& t, double value) {
  TG_CHECK(t.defined(), "constant_: the tensor is undefined");
  NoGradGuard no_grad;
  return t.fill_(value);
}
const Tensor& zeros_(const Tensor& t) { return constant_(t, 0.0); }
const Tensor& ones_(const Tensor& t) { return constant_(t, 1.0); }

const Tensor& xavier_uniform_(const Tensor& t, double gain, Generator* g) {
  check_drawn(t, "xavier_uniform_");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(t, -a, a, g);
}

const Tensor& xavier_normal_(const Tensor& t, double gain, Generator* g) {
  check_drawn(t, "xavier_normal_");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), g);
}

namespace {
double kaiming_std(const Tensor& t, double a, FanMode mode, std::string_view nonlinearity) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const int64_t fan = mode == FanMode::FanIn ? fan_in : fan_out;
  TG_CHECK_VALUE(fan > 0, "kaiming init: tensor of shape {} has a zero fan", t.sizes());
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

const Tensor& kaiming_uniform_(const Tensor& t, double a, FanMode mode, std::string_view nonlinearity, Generator* g) {
  check_drawn(t, "kaiming_uniform_");
  if (t.numel() == 0) return t;  // nothing to draw (a layer with a zero-sized side), as in PyTorch
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  return uniform_(t, -bound, bound, g);
}

const Tensor& kaiming_normal_(const Tensor& t, double a, FanMode mode, std::string_view nonlinearity, Generator* g) {
  check_drawn(t, "kaiming_normal_");
  if (t.numel() == 0) return t;
  return normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity), g);
}

const Tensor& orthogonal_(const Tensor& t, double gain, Generator* g) {
  check(t, "orthogonal_");
  TG_CHECK_VALUE(t.dim() >= 2, "orthogonal_: expected a tensor with at least 2 dims, got shape {}", t.sizes());
  const int64_t rows = t.sizes()[0], cols = t.numel() / std::max<int64_t>(rows, 1);
  // Work on the tall orientation: n >= m columns to orthonormalise.
  const bool wide = rows < cols;
  const int64_t n = wide ? cols : rows, m = wide ? rows : cols;
  std::vector<double> a = randn({n, m}, gen_or_default(g), kFloat64).to_vector<double>();
  auto at = [&](int64_t i, int64_t j) -> double& { return a[static_cast<size_t>(i * m + j)]; };
  // Modified Gram-Schmidt: Q with R's diagonal positive, which is QR with sign(diag(R)) folded
  // in, as PyTorch does.
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i) dot += at(i, k) * at(i, j);
      for (int64_t i = 0; i < n; ++i) at(i, j) -= dot * at(i, k);
    }
    double norm = 0;
    for (int64_t i = 0; i < n; ++i) norm += at(i, j) * at(i, j);
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < n; ++i) at(i, j) /= norm;
  }
  Tensor q = tensor(a, kFloat64).view({n, m});
  if (wide) q = q.t();
  return assign(t, (q * gain).reshape(t.sizes()));
}

const Tensor& trunc_normal_(const Tensor& t, double mean, double std, double a, double b, Generator* g) {
  check(t, "trunc_normal_");
  TG_CHECK_VALUE(a < b, "trunc_normal_: expected a < b, got a={} b={}", a, b);
  Generator& gen = gen_or_default(g);
  std::vector<double> v = (randn(t.sizes(), gen, kFloat64) * std + mean).to_vector<double>();
  // Rejection: redraw what falls outside [a, b] (an exact sample of the conditioned law).
  for (int round = 0; round < 10000; ++round) {
    std::vector<size_t> bad;
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] < a || v[i] > b) bad.push_back(i);
    if (bad.empty()) break;
    std::vector<double> fresh =
        (randn({static_cast<int64_t>(bad.size())}, gen, kFloat64) * std + mean).to_vector<double>();
    for (size_t k = 0; k < bad.size(); ++k) v[bad[k]] = fresh[k];
    if (round == 9999) TG_FAIL_VALUE("trunc_normal_: [{}, {}] holds almost no mass of Normal({}, {})", a, b, mean, std);
  }
  return assign(t, tensor(v, kFloat64).view(t.sizes()));
}

const Tensor& eye_(const Tensor& t) {
  check(t, "eye_");
  TG_CHECK_VALUE(t.dim() == 2, "eye_: only tensors with 2 dimensions are supported, got shape {}", t.sizes());
  return assign(t, eye(t.sizes()[0], t.sizes()[1], t.options()));
}

const Tensor& dirac_(const Tensor& t, int64_t groups) {
  check(t, "dirac_");
  TG_CHECK_VALUE(t.dim() >= 3 && t.dim() <= 5,
                 "dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape {}", t.sizes());
  TG_CHECK_VALUE(groups > 0 && t.sizes()[0] % groups == 0, "dirac_: dim 0 ({}) must be divisible by groups ({})",
                 t.sizes()[0], groups);
  const int64_t per_group = t.sizes()[0] / groups, channels = std::min(per_group, t.sizes()[1]);
  Tensor values = zeros(t.sizes(), t.options());
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t d = 0; d < channels; ++d) {
      Tensor at = values.select(0, g * per_group + d).select(0, d);
      while (at.dim() > 0) at = at.select(0, at.sizes()[0] / 2);
      at.fill_(1.0);
    }
  }
  return assign(t, values);
}

const Tensor& sparse_(const Tensor& t, double sparsity, double std, Generator* g) {
  check(t, "sparse_");
  TG_CHECK_VALUE(t.dim() == 2, "sparse_: only tensors with 2 dimensions are supported, got shape {}", t.sizes());
  TG_CHECK_VALUE(sparsity >= 0 && sparsity <= 1, "sparse_: sparsity must lie in [0, 1], got {}", sparsity);
  const int64_t rows = t.sizes()[0], cols = t.sizes()[1];
  const auto zeros_per_column = static_cast<int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  Generator& gen = gen_or_default(g);
  Tensor values = randn(t.sizes(), gen, kFloat64) * std;
  // As PyTorch: a fresh permutation of the rows for each column; its first entries are zeroed.
  for (int64_t c = 0; c < cols && zeros_per_column > 0; ++c) {
    const Tensor rows_to_zero = randperm(rows, gen).narrow(0, 0, zeros_per_column);
    index_fill_(values.select(1, c), 0, rows_to_zero, 0.0);
  }
  return assign(t, values);
}

}  // namespace tg::nn::init
