// cov and corrcoef, histc, histogram and bincount, isin, unique_consecutive, the trapezoid rule:
// composed of reductions, matmul, sort and scatter (torch's formulas), so
// they run on every device; the differentiable ones get their gradients from those ops. The
// histograms count in a kernel of their own.
#include <cmath>

#include "kernels/kernels.h"

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

namespace {

// A per-observation weight vector, checked.
void check_weights(const char* what, const Tensor& w, int64_t observations, bool integral) {
  TG_CHECK(w.dim() <= 1, "cov: expected {} to have one or fewer dimensions, got shape {}", what, w.sizes());
  TG_CHECK(w.numel() == observations, "cov: expected {} to have the same numel as there are observations ({}), got {}",
           what, observations, w.numel());
  TG_CHECK_TYPE(integral ? !is_floating_point(w.dtype()) && w.dtype() != kBool : is_floating_point(w.dtype()),
                "cov: {} must be {}, got {}", what, integral ? "an integer tensor" : "floating point", w.dtype());
  TG_CHECK_VALUE(w.numel() == 0 || w.min().item<double>() >= 0, "cov: {} cannot be negative", what);
}

// How many of x's values (or the sum of their weights) fall in each bin between the edges (x's
// dtype, increasing), as float64: bin b holds edges[b] <= x < edges[b + 1], the last also
// x == edges[-1]; values outside and NaN count nowhere.
Tensor bin_counts(const char* op, const Tensor& x, const Tensor& weight, const Tensor& edges,
                  kernels::Binning binning) {
  const Tensor values = x.contiguous(), e = edges.contiguous();
  const Tensor w = weight.defined() ? weight.contiguous() : Tensor();
  const int64_t bins = e.numel() - 1;
  Tensor hist = zeros({bins}, TensorOptions(kFloat64).device(x.device()));
  kernels::backend(x.device(), op)
      .histogram(x.dtype(), values.numel(), values.data_ptr(), w.defined() ? w.data_ptr() : nullptr, e.data_ptr(), bins,
                 binning, hist.data_ptr<double>());
  return hist;
}

}  // namespace

Tensor cov(const Tensor& self, int64_t correction, const Tensor& fweights, const Tensor& aweights, SourceLoc loc) {
  detail::ApiScope scope("cov", loc);
  ops::check_defined("cov", self, "input");
  TG_CHECK(self.dim() <= 2, "cov: expected input to have two or fewer dimensions, got shape {}", self.sizes());
  const Tensor x = self.dim() < 2 ? ops::as_floating(self).reshape({1, -1}) : ops::as_floating(self);
  const int64_t observations = x.sizes()[1];
  // Weights and the normalisation are real, also for complex observations.
  const DType real_dtype = x.is_complex() ? to_real_dtype(x.dtype()) : x.dtype();
  Tensor w;
  if (fweights.defined()) {
    check_weights("fweights", fweights, observations, true);
    w = fweights.to(real_dtype);
  }
  if (aweights.defined()) {
    check_weights("aweights", aweights, observations, false);
    w = w.defined() ? w * aweights.to(real_dtype) : aweights.to(real_dtype);
  }
  // With weights, the weighted mean and torch's normalisation w_sum - correction * sum(w * a) / w_sum.
  const Tensor w_sum =
      w.defined() ? w.sum()
                  : scalar_tensor(static_cast<double>(observations), TensorOptions(real_dtype).device(x.device()));
  const Tensor avg = w.defined() ? (x * w).sum({1}) / w_sum : x.mean({1});
  Tensor norm_factor = w_sum;
  if (correction != 0) {
    if (w.defined() && aweights.defined()) {
      norm_factor = w_sum - static_cast<double>(correction) * (w * aweights.to(real_dtype)).sum() / w_sum;
    } else {
      norm_factor = w_sum - static_cast<double>(correction);
    }
  }
  norm_factor = clamp_min(norm_factor, 0.0);
  const Tensor xm = x - avg.unsqueeze(1);
  // Complex: x (x w)^H, whose diagonal is real (PyTorch's).
  const Tensor c = matmul(xm, conj(w.defined() ? xm * w : xm).t()) / norm_factor;
  return c.squeeze();
}

Tensor corrcoef(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("corrcoef", loc);
  ops::check_defined("corrcoef", self, "input");
  const Tensor c = cov(self);
  if (c.dim() == 0) return c / c;
  if (c.is_complex()) {  // each part clipped to [-1, 1], as NumPy's and PyTorch's
    const Tensor stddev = sqrt(real(c.diagonal()));
    const Tensor r = c / stddev.view({-1, 1}) / stddev.view({1, -1});
    return complex(clamp(real(r), -1.0, 1.0), clamp(imag(r), -1.0, 1.0));
  }
  const Tensor stddev = sqrt(c.diagonal());
  return clamp(c / stddev.view({-1, 1}) / stddev.view({1, -1}), -1.0, 1.0);
}

Tensor histc(const Tensor& self, int64_t bins, double min, double max, SourceLoc loc) {
  detail::ApiScope scope("histc", loc);
  ops::check_defined("histc", self, "input");
  TG_CHECK_TYPE(is_floating_point(self.dtype()), "histc: expected a floating-point input, got {}", self.dtype());
  TG_CHECK_VALUE(bins > 0, "histc: bins must be > 0, got {}", bins);
  TG_CHECK_VALUE(!(min > max), "histc: max must be larger than min, got min {} and max {}", min, max);
  NoGradGuard no_grad;
  const Tensor x = self.detach().reshape({-1});
  // min == max (0 and 0 by default) takes the data's range, as PyTorch's implementation does.
  if (min == max && x.numel() > 0) {
    min = x.min().item<double>();
    max = x.max().item<double>();
  }
  if (min == max) {
    min -= 1;
    max += 1;
  }
  TG_CHECK_VALUE(std::isfinite(min) && std::isfinite(max), "histc: range of [{}, {}] is not finite", min, max);
  // PyTorch's histc bins by position alone, in the input's arithmetic (Binning::Linear): a value
  // on an edge may land in the bin below it, unlike torch.histogram's. Composed of table ops it
  // took 15 passes (3.4x PyTorch's time).
  return bin_counts("histc", x, Tensor(), linspace(min, max, bins + 1, x.options()), kernels::Binning::Linear)
      .to(self.dtype());
}

namespace {

// histogram's counts over increasing edges (see bin_counts).
std::tuple<Tensor, Tensor> histogram_over(const Tensor& self, const Tensor& edges, const Tensor& weight, bool density,
                                          kernels::Binning binning) {
  Tensor hist =
      bin_counts("histogram", self.reshape({-1}), weight.defined() ? weight.reshape({-1}) : Tensor(), edges, binning)
          .to(self.dtype());
  if (density) hist = hist / (hist.sum() * diff(edges));
  return {hist, edges};
}

void check_histogram(const Tensor& self, const Tensor& weight) {
  ops::check_defined("histogram", self, "input");
  TG_CHECK_TYPE(is_floating_point(self.dtype()), "histogram: expected a floating-point input, got {}", self.dtype());
  if (!weight.defined()) return;
  TG_CHECK(weight.sizes() == self.sizes(), "histogram: weight of shape {} must have the input's shape {}",
           weight.sizes(), self.sizes());
  TG_CHECK_TYPE(weight.dtype() == self.dtype(), "histogram: weight ({}) must have the input's dtype ({})",
                weight.dtype(), self.dtype());
  ops::check_same_device("histogram", self, weight);
}

// The outer edges of equal bins over [lo, hi], checked; a zero-width range widens by 0.5 each way.
std::pair<double, double> outer_edges(const char* op, double lo, double hi) {
  TG_CHECK_VALUE(!(lo > hi), "{}: min should not exceed max, but got min {} max {}", op, lo, hi);
  TG_CHECK_VALUE(std::isfinite(lo) && std::isfinite(hi), "{}: the range [{}, {}] is not finite", op, lo, hi);
  return lo == hi ? std::pair(lo - 0.5, hi + 0.5) : std::pair(lo, hi);
}

// The number of coordinates D of histogramdd's points [..., D], checked (D also sizes the result).
int histogramdd_dims(const Tensor& self) {
  ops::check_defined("histogramdd", self, "input");
  TG_CHECK(self.dim() >= 1 && self.sizes().back() >= 1 && self.sizes().back() <= kMaxDims,
           "histogramdd: expected an input whose last dim holds 1 to {} coordinates, got shape {}", kMaxDims,
           self.sizes());
  return static_cast<int>(self.sizes().back());
}

// histogramdd's input as coordinates [D, points] (each dim's values contiguous, for the
// reductions and searches along them), checked with its weight.
Tensor histogramdd_coordinates(const Tensor& self, const Tensor& weight) {
  histogramdd_dims(self);
  TG_CHECK_TYPE(is_floating_point(self.dtype()), "histogramdd: expected a floating-point input, got {}", self.dtype());
  if (weight.defined()) {
    Shape points = self.sizes();
    points.pop_back();
    TG_CHECK(weight.sizes() == points,
             "histogramdd: weight of shape {} must have the input's shape without its last "
             "dim, {}",
             weight.sizes(), points);
    TG_CHECK_TYPE(weight.dtype() == self.dtype(), "histogramdd: weight ({}) must have the input's dtype ({})",
                  weight.dtype(), self.dtype());
    ops::check_same_device("histogramdd", self, weight);
  }
  return self.detach().reshape({-1, self.sizes().back()}).t().contiguous();
}

// The points (coordinates [D, n]) counted in the grid of bins between each dim's edges: each
// coordinate's bin found by search (as histogram's), the bin numbers combined row-major, then
// counted by bincount.
std::tuple<Tensor, tensor_list> histogramdd_over(const Tensor& coords, const tensor_list& edges, const Tensor& weight,
                                                 bool density) {
  Shape bins;
  Tensor cell, inside;
  for (size_t d = 0; d < edges.size(); ++d) {
    const Tensor x = coords.select(0, static_cast<int64_t>(d)), e = edges[d];
    const int64_t n = e.numel() - 1;
    bins.push_back(n);
    // edges[b] <= x < edges[b + 1], the last edge in the last bin: the count of interior edges
    // <= x, for x inside [edges[0], edges[n]] (NaN is not: its clamp is not equal to it).
    const Tensor bin =
        n > 1 ? searchsorted(e.narrow(0, 1, n - 1), x, false, /*right=*/true) : zeros_like(x, TensorOptions(kInt64));
    const Tensor in = eq(clamp(x, e.select(0, 0).item(), e.select(0, n).item()), x);
    cell = d == 0 ? bin : cell.mul_(n).add_(bin);
    inside = d == 0 ? in : inside.logical_and_(in);
  }
  int64_t cells = 1;
  for (int64_t n : bins) cells *= n;
  // Points outside go to one more cell, dropped after counting (cheaper than selecting the others).
  const Tensor w = weight.defined() ? weight.reshape({-1}).to(kFloat64) : Tensor();
  Tensor hist = bincount(where(inside, cell, cells), w, cells + 1).narrow(0, 0, cells).to(coords.dtype()).reshape(bins);
  if (density) {
    Tensor volume = ones({}, coords.options());
    for (const Tensor& e : edges) volume = volume.unsqueeze(-1) * diff(e);
    hist = hist / (hist.sum() * volume);
  }
  return {hist, edges};
}

}  // namespace

std::tuple<Tensor, Tensor> histogram(const Tensor& self, int64_t bins, std::optional<std::pair<double, double>> range,
                                     const Tensor& weight, bool density, SourceLoc loc) {
  detail::ApiScope scope("histogram", loc);
  check_histogram(self, weight);
  TG_CHECK_VALUE(bins > 0, "histogram: bins must be > 0, got {}", bins);
  NoGradGuard no_grad;
  double lo = 0, hi = 1;
  if (range) {
    std::tie(lo, hi) = *range;
  } else if (self.numel() > 0) {
    lo = self.min().item<double>();
    hi = self.max().item<double>();
  }
  std::tie(lo, hi) = outer_edges("histogram", lo, hi);
  return histogram_over(self, linspace(lo, hi, bins + 1, self.options()), weight, density, kernels::Binning::Uniform);
}

std::tuple<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight, bool density,
                                     SourceLoc loc) {
  detail::ApiScope scope("histogram", loc);
  check_histogram(self, weight);
  ops::check_defined("histogram", bins, "bins");
  ops::check_same_device("histogram", self, bins);
  TG_CHECK(bins.dim() == 1 && bins.numel() >= 2,
           "histogram: bins must be a 1-D tensor of at least 2 edges, got shape {}", bins.sizes());
  TG_CHECK_TYPE(bins.dtype() == self.dtype(), "histogram: bins ({}) must have the input's dtype ({})", bins.dtype(),
                self.dtype());
  NoGradGuard no_grad;
  TG_CHECK_VALUE(ge(diff(bins), 0).all().item<bool>(), "histogram: the bin edges must be non-decreasing");
  return histogram_over(self, bins.detach().clone(), weight, density, kernels::Binning::Search);
}

std::tuple<Tensor, tensor_list> histogramdd(const Tensor& self, int64_t bins,
                                            const std::optional<std::vector<double>>& range, const Tensor& weight,
                                            bool density, SourceLoc loc) {
  detail::ApiScope scope("histogramdd", loc);
  return histogramdd(self, Shape::filled(histogramdd_dims(self), bins), range, weight, density);
}

std::tuple<Tensor, tensor_list> histogramdd(const Tensor& self, const Shape& bins,
                                            const std::optional<std::vector<double>>& range, const Tensor& weight,
                                            bool density, SourceLoc loc) {
  detail::ApiScope scope("histogramdd", loc);
  NoGradGuard no_grad;
  const Tensor coords = histogramdd_coordinates(self, weight);
  const int64_t dims = coords.sizes()[0];
  TG_CHECK(bins.size() == dims, "histogramdd: expected {} bin counts (one per coordinate), got {}", dims, bins);
  TG_CHECK(!range || static_cast<int64_t>(range->size()) == 2 * dims,
           "histogramdd: expected a range of {} numbers (min and max of each coordinate), got {}", 2 * dims,
           range ? range->size() : 0);
  // Each dim's extent in one pass over the points.
  Tensor lows, highs;
  if (!range && coords.numel() > 0) std::tie(lows, highs) = aminmax(coords, {1});
  tensor_list edges;
  for (int64_t d = 0; d < dims; ++d) {
    TG_CHECK_VALUE(bins[static_cast<int>(d)] > 0, "histogramdd: bins must be > 0, got {}", bins);
    double lo = 0, hi = 1;
    if (range) {
      lo = (*range)[2 * d];
      hi = (*range)[2 * d + 1];
    } else if (lows.defined()) {
      lo = lows.select(0, d).item<double>();
      hi = highs.select(0, d).item<double>();
    }
    std::tie(lo, hi) = outer_edges("histogramdd", lo, hi);
    edges.push_back(linspace(lo, hi, bins[static_cast<int>(d)] + 1, coords.options()));
  }
  return histogramdd_over(coords, edges, weight, density);
}

std::tuple<Tensor, tensor_list> histogramdd(const Tensor& self, const tensor_list& bins, const Tensor& weight,
                                            bool density, SourceLoc loc) {
  detail::ApiScope scope("histogramdd", loc);
  NoGradGuard no_grad;
  const Tensor coords = histogramdd_coordinates(self, weight);
  TG_CHECK(static_cast<int64_t>(bins.size()) == coords.sizes()[0],
           "histogramdd: expected {} tensors of bin edges (one per coordinate), got {}", coords.sizes()[0],
           bins.size());
  tensor_list edges;
  for (const Tensor& e : bins) {
    ops::check_defined("histogramdd", e, "bins");
    ops::check_same_device("histogramdd", self, e);
    TG_CHECK(e.dim() == 1 && e.numel() >= 2, "histogramdd: bins must be 1-D tensors of at least 2 edges, got shape {}",
             e.sizes());
    TG_CHECK_TYPE(e.dtype() == self.dtype(), "histogramdd: bins ({}) must have the input's dtype ({})", e.dtype(),
                  self.dtype());
    TG_CHECK_VALUE(ge(diff(e), 0).all().item<bool>(), "histogramdd: the bin edges must be non-decreasing");
    edges.push_back(e.detach().clone());
  }
  return histogramdd_over(coords, edges, weight, density);
}

Tensor bincount(const Tensor& self, const Tensor& weights, int64_t minlength, SourceLoc loc) {
  detail::ApiScope scope("bincount", loc);
  ops::check_defined("bincount", self, "input");
  TG_CHECK(self.dim() == 1, "bincount: input should be 1-D, got shape {}", self.sizes());
  TG_CHECK_TYPE(!is_floating_point(self.dtype()) && self.dtype() != kBool,
                "bincount: input must be an integer tensor, got {}", self.dtype());
  TG_CHECK_VALUE(minlength >= 0, "bincount: minlength should be >= 0, got {}", minlength);
  // Both ends in one pass.
  int64_t smallest = 0, largest = -1;
  if (self.numel() > 0) {
    const auto [lo, hi] = aminmax(self);
    smallest = lo.item<int64_t>();
    largest = hi.item<int64_t>();
  }
  TG_CHECK_VALUE(smallest >= 0, "bincount: input should contain only non-negative values, found {}", smallest);
  if (weights.defined())
    TG_CHECK(weights.sizes() == self.sizes(), "bincount: weights {} should have the same shape as input {}",
             weights.sizes(), self.sizes());
  NoGradGuard no_grad;
  const int64_t n = std::max(minlength, largest + 1);
  const Tensor index = self.to(kInt64);
  if (!weights.defined()) {  // ones as one element expanded: nothing to fill
    const TensorOptions longs = TensorOptions(kInt64).device(self.device());
    return zeros({n}, longs).scatter_add_(0, index, ones({1}, longs).expand(index.sizes()));
  }
  // PyTorch's result types: float32 weights count in float32, all others in float64.
  const DType dtype = weights.dtype() == kFloat32 ? kFloat32 : kFloat64;
  return zeros({n}, TensorOptions(dtype).device(self.device())).scatter_add(0, index, weights.detach().to(dtype));
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique, bool invert, SourceLoc loc) {
  detail::ApiScope scope("isin", loc);
  ops::check_defined("isin", elements, "elements");
  ops::check_defined("isin", test_elements, "test_elements");
  ops::check_same_device("isin", elements, test_elements);
  (void)assume_unique;  // only a speed hint in PyTorch; a sorted search serves both cases
  NoGradGuard no_grad;
  const DType common = promote_types(elements.dtype(), test_elements.dtype());
  const Tensor e = elements.detach().to(common);
  // NaN matches nothing, and would break the sorted search: dropped from the test set.
  Tensor test = test_elements.detach().to(common).reshape({-1});
  if (is_floating_point(common)) test = masked_select(test, logical_not(isnan(test)));
  if (test.numel() == 0) return full(elements.sizes(), invert, TensorOptions(kBool).device(elements.device()));
  const Tensor sorted = std::get<0>(sort(test));
  const Tensor pos = clamp_max(searchsorted(sorted, e.contiguous()), sorted.numel() - 1);
  const Tensor found = eq(sorted.index_select(0, pos.reshape({-1})).view(e.sizes()), e);
  return invert ? logical_not(found) : found;
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse, bool return_counts,
                                                      std::optional<int64_t> dim, SourceLoc loc) {
  detail::ApiScope scope("unique_consecutive", loc);
  ops::check_defined("unique_consecutive", self, "input");
  NoGradGuard no_grad;
  const Tensor x = self.detach();
  const int d = dim ? wrap_dim(*dim, std::max<int64_t>(x.dim(), 1), "unique_consecutive") : 0;
  // Rows to compare: the flattened elements, or the slices along dim (flattened).
  const int64_t n = !dim ? x.numel() : x.dim() == 0 ? 1 : x.sizes()[d];
  const Tensor rows = n == 0 ? Tensor()
                      : dim  ? movedim(x.dim() == 0 ? x.reshape({1}) : x, d, 0).reshape({n, x.numel() / n})
                             : x.reshape({-1, 1});
  const TensorOptions index_options = TensorOptions(kInt64).device(x.device());
  if (n == 0) {
    Tensor inverse = return_inverse ? empty(dim ? Shape{0} : x.sizes(), index_options) : Tensor();
    return {x.clone(), inverse, return_counts ? empty({0}, index_options) : Tensor()};
  }
  // A run starts at row 0 and wherever a row differs from the one before (NaN differs from NaN).
  Tensor starts = ones({1}, TensorOptions(kBool).device(x.device()));
  if (n > 1) starts = cat({starts, ne(rows.narrow(0, 1, n - 1), rows.narrow(0, 0, n - 1)).any(1)});
  const Tensor first = nonzero(starts).reshape({-1});
  Tensor values = dim ? x.index_select(d, first) : x.reshape({-1}).index_select(0, first);
  Tensor inverse, counts;
  if (return_inverse) {
    inverse = starts.to(kInt64).cumsum(0) - 1;
    if (!dim) inverse = inverse.view(x.sizes());
  }
  if (return_counts) counts = diff(first, 1, 0, {}, full({1}, n, index_options));
  return {values, inverse, counts};
}

namespace {

// Sample spacings along dim for trapezoid: diff of x, a 1-D x laid along dim.
Tensor spacings(const char* op, const Tensor& y, const Tensor& x, int d) {
  ops::check_defined(op, x, "x");
  ops::check_same_device(op, y, x);
  if (x.dim() == 1) {
    TG_CHECK(x.numel() == y.sizes()[d], "{}: there must be one `x` value for each sample point, got {} for {}", op,
             x.numel(), y.sizes()[d]);
    Shape shape = Shape::filled(y.dim(), 1);
    shape[d] = x.numel() - 1;
    return diff(x).view(shape);
  }
  TG_CHECK(x.dim() == y.dim(), "{}: x {} must be 1-D or have y's number of dims {}", op, x.sizes(), y.sizes());
  TG_CHECK(x.sizes()[d] == y.sizes()[d], "{}: x {} and y {} must have the same size along dim {}", op, x.sizes(),
           y.sizes(), d);
  return diff(x, 1, d);
}

// y checked and made floating point, and dim wrapped.
std::pair<Tensor, int> samples(const char* op, const Tensor& y, int64_t dim) {
  ops::check_defined(op, y, "y");
  TG_CHECK(y.dim() > 0, "{}: y must have at least one dim", op);
  return {ops::as_floating(y), wrap_dim(dim, y.dim(), op)};
}

// The trapezoids' areas (y[i] + y[i+1]) / 2 * dx_i along dim.
Tensor trapezoids(const Tensor& y, const Tensor& dx, int d) {
  const int64_t n = y.sizes()[d];
  return (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) * dx / 2.0;
}

}  // namespace

Tensor trapezoid(const Tensor& y_in, const Tensor& x, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("trapezoid", loc);
  auto [y, d] = samples("trapezoid", y_in, dim);
  const Tensor dx = spacings("trapezoid", y, x, d);
  if (y.sizes()[d] == 0) return zeros_like(y.sum({d}));
  return trapezoids(y, dx, d).sum({d});
}

Tensor trapezoid(const Tensor& y_in, double dx, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("trapezoid", loc);
  auto [y, d] = samples("trapezoid", y_in, dim);
  if (y.sizes()[d] == 0) return zeros_like(y.sum({d}));
  return (y.sum({d}) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * dx;
}

Tensor cumulative_trapezoid(const Tensor& y_in, const Tensor& x, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cumulative_trapezoid", loc);
  auto [y, d] = samples("cumulative_trapezoid", y_in, dim);
  const Tensor dx = spacings("cumulative_trapezoid", y, x, d);
  if (y.sizes()[d] == 0) return y.clone();
  return trapezoids(y, dx, d).cumsum(d);
}

Tensor cumulative_trapezoid(const Tensor& y_in, double dx, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cumulative_trapezoid", loc);
  auto [y, d] = samples("cumulative_trapezoid", y_in, dim);
  if (y.sizes()[d] == 0) return y.clone();
  return trapezoids(y, scalar_tensor(dx, y.options()), d).cumsum(d);
}

}  // namespace tg
