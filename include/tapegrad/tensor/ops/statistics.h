#pragma once
// Statistics of data (torch names and conventions): covariance and correlation of variables in
// rows, histograms and counts, membership, runs of equal values, the trapezoid rule, and pairwise
// distances between sets of points.
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// self: variables in rows, observations in columns (a 1-D tensor is one variable). fweights
// (integer frequencies) and aweights (observation weights) are 1-D per observation; correction
// 1 is Bessel's. Returns [vars, vars] (0-D for one variable).
Tensor cov(const Tensor& self, int64_t correction = 1, const Tensor& fweights = {}, const Tensor& aweights = {},
           TG_CALLER);
// Pearson's correlation coefficients, clipped to [-1, 1].
Tensor corrcoef(const Tensor& self, TG_CALLER);
// Counts in `bins` equal bins over [min, max] (the data's own range when both are 0); values
// outside are ignored, max falls in the last bin. Floating point; not differentiable.
Tensor histc(const Tensor& self, int64_t bins = 100, double min = 0, double max = 0, TG_CALLER);
// Counts (or summed weights) of a floating tensor's elements in `bins` equal bins over range (the
// data's own range when not given; a zero-width range widens by 0.5 each way), or in the bins
// between the increasing edges of a 1-D tensor; the last bin includes its right edge, values
// outside are ignored. density divides by the total and the bin widths. Returns (hist, edges).
std::tuple<Tensor, Tensor> histogram(const Tensor& self, int64_t bins = 100,
                                     std::optional<std::pair<double, double>> range = std::nullopt,
                                     const Tensor& weight = {}, bool density = false, TG_CALLER);
std::tuple<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight = {},
                                     bool density = false, TG_CALLER);
// histogram in D dims: the points of a floating tensor [..., D] (its last dim holds each point's
// coordinates) counted (or their weights [...] summed) in a grid of bins: `bins` equal bins per dim
// (one count for all dims, or one per dim) over range (min and max of each dim in turn, 2D numbers;
// each dim's own extent when not given), or the bins between the increasing edges given for each
// dim. The last bin of each dim includes its right edge; points outside are ignored. density
// divides by the total and the bin volumes. Returns (hist of shape [bins...], each dim's edges).
std::tuple<Tensor, tensor_list> histogramdd(const Tensor& self, int64_t bins,
                                            const std::optional<std::vector<double>>& range = std::nullopt,
                                            const Tensor& weight = {}, bool density = false, TG_CALLER);
std::tuple<Tensor, tensor_list> histogramdd(const Tensor& self, const Shape& bins,
                                            const std::optional<std::vector<double>>& range = std::nullopt,
                                            const Tensor& weight = {}, bool density = false, TG_CALLER);
std::tuple<Tensor, tensor_list> histogramdd(const Tensor& self, const tensor_list& bins, const Tensor& weight = {},
                                            bool density = false, TG_CALLER);
// Occurrences (or summed weights) of each value 0..max of a 1-D non-negative integer tensor, at
// least minlength long.
Tensor bincount(const Tensor& self, const Tensor& weights = {}, int64_t minlength = 0, TG_CALLER);
// Whether each element occurs in test_elements (not, with invert); bool, elements' shape.
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false, bool invert = false,
            TG_CALLER);
// Collapses runs of equal consecutive elements (of the flattened tensor, or slices along dim);
// inverse and counts as unique's.
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse = false,
                                                      bool return_counts = false,
                                                      std::optional<int64_t> dim = std::nullopt, TG_CALLER);
// The integral of y along dim by the trapezoid rule, with sample points x (1-D, or y's shape) or
// a constant spacing dx; cumulative_trapezoid keeps every partial integral (one fewer along dim).
Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1, TG_CALLER);
Tensor trapezoid(const Tensor& y, double dx = 1, int64_t dim = -1, TG_CALLER);
Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1, TG_CALLER);
Tensor cumulative_trapezoid(const Tensor& y, double dx = 1, int64_t dim = -1, TG_CALLER);
// The derivative of sampled values along each of dims (every dim when empty), one tensor per dim
// (torch.gradient): central differences inside, one-sided ones of order edge_order (1 or 2) at
// the ends. The samples lie `spacing` apart (one spacing for every dim, or one per dim), or at the
// coordinates given by one 1-D tensor per dim.
tensor_list gradient(const Tensor& self, double spacing = 1.0, const Shape& dims = {}, int64_t edge_order = 1,
                     TG_CALLER);
tensor_list gradient(const Tensor& self, const std::vector<double>& spacing, const Shape& dims = {},
                     int64_t edge_order = 1, TG_CALLER);
tensor_list gradient(const Tensor& self, const tensor_list& coordinates, const Shape& dims = {}, int64_t edge_order = 1,
                     TG_CALLER);
// The p-norm distance between each row of x1 [..., P, M] and each row of x2 [..., R, M]:
// [..., P, R] (batch dims broadcast). p >= 0; p = inf is the largest difference.
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2.0, TG_CALLER);
// The distances between the rows of a [N, M] matrix, pairs i < j in order: [N (N - 1) / 2].
Tensor pdist(const Tensor& self, double p = 2.0, TG_CALLER);

}  // namespace tg
