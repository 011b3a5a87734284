#pragma once
// Reductions over any set of dims (an empty list means all), with keepdim.
#include <optional>
#include <string_view>
#include <tuple>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// Integer and bool inputs sum to int64 unless `dtype` says otherwise.
Tensor sum(const Tensor& self, std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor sum(const Tensor& self, const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt,
           TG_CALLER);
Tensor mean(const Tensor& self, std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor mean(const Tensor& self, const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt,
            TG_CALLER);
Tensor prod(const Tensor& self, std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor prod(const Tensor& self, const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt,
            TG_CALLER);
// The largest element; along a dim, (values, indices).
Tensor max(const Tensor& self, TG_CALLER);
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim = false, TG_CALLER);
Tensor max(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor min(const Tensor& self, TG_CALLER);
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim = false, TG_CALLER);
Tensor min(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor amax(const Tensor& self, const Shape& dims = {}, bool keepdim = false, TG_CALLER);
Tensor amin(const Tensor& self, const Shape& dims = {}, bool keepdim = false, TG_CALLER);
Tensor argmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false, TG_CALLER);
Tensor argmin(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false, TG_CALLER);
// Divides by N - correction (1: Bessel's correction).
Tensor var(const Tensor& self, const Shape& dims = {}, double correction = 1, bool keepdim = false, TG_CALLER);
Tensor std(const Tensor& self, const Shape& dims = {}, double correction = 1, bool keepdim = false, TG_CALLER);
// p-norm; p may be any positive number, 0 (count of non-zeros) or +-infinity.
Tensor norm(const Tensor& self, const Scalar& p = 2, const Shape& dims = {}, bool keepdim = false, TG_CALLER);
Tensor logsumexp(const Tensor& self, const Shape& dims, bool keepdim = false, TG_CALLER);
// (var, mean) and (std, mean) over the same dims.
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, const Shape& dims = {}, double correction = 1,
                                    bool keepdim = false, TG_CALLER);
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, const Shape& dims = {}, double correction = 1,
                                    bool keepdim = false, TG_CALLER);
// Sum and mean that skip NaNs (a mean of only NaNs is NaN); a dtype converts the elements first.
Tensor nansum(const Tensor& self, const Shape& dims = {}, bool keepdim = false,
              std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor nanmean(const Tensor& self, const Shape& dims = {}, bool keepdim = false,
               std::optional<DType> dtype = std::nullopt, TG_CALLER);
// (amin, amax) over the same dims.
std::tuple<Tensor, Tensor> aminmax(const Tensor& self, const Shape& dims = {}, bool keepdim = false, TG_CALLER);
// The number of non-zero elements over dims (all of them by default), as int64.
Tensor count_nonzero(const Tensor& self, const Shape& dims = {}, TG_CALLER);
// Order statistics along a dim, as (values, indices), NaN ordered above every number: the k-th
// smallest (k from 1); the lower median, NaN (at the first NaN) for a slice holding one, or
// nanmedian's lower median of the rest; the mode, the smallest of the most frequent values at its
// last position. Without a dim, median / nanmedian of every element, whose gradient ties share.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim = -1, bool keepdim = false, TG_CALLER);
Tensor median(const Tensor& self, TG_CALLER);
std::tuple<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim = false, TG_CALLER);
Tensor nanmedian(const Tensor& self, TG_CALLER);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim = false, TG_CALLER);
std::tuple<Tensor, Tensor> mode(const Tensor& self, int64_t dim = -1, bool keepdim = false, TG_CALLER);
// The q-th quantiles (q in [0, 1], or a 1-D tensor of them whose dim comes first in the result)
// along dim, or of every element; interpolation between the two nearest ranks: "linear",
// "lower", "higher", "midpoint" or "nearest". A slice holding a NaN gives NaN; nanquantile skips
// NaNs. Floating-point inputs only.
Tensor quantile(const Tensor& self, double q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                std::string_view interpolation = "linear", TG_CALLER);
Tensor quantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                std::string_view interpolation = "linear", TG_CALLER);
Tensor nanquantile(const Tensor& self, double q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                   std::string_view interpolation = "linear", TG_CALLER);
Tensor nanquantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                   std::string_view interpolation = "linear", TG_CALLER);
Tensor all(const Tensor& self, TG_CALLER);
Tensor all(const Tensor& self, int64_t dim, bool keepdim = false, TG_CALLER);
Tensor any(const Tensor& self, TG_CALLER);
Tensor any(const Tensor& self, int64_t dim, bool keepdim = false, TG_CALLER);
// Over several dims; none reduces nothing (each element tested), as PyTorch's all/any with dim=().
Tensor all(const Tensor& self, const Shape& dims, bool keepdim = false, TG_CALLER);
Tensor any(const Tensor& self, const Shape& dims, bool keepdim = false, TG_CALLER);

}  // namespace tg
