#pragma once
// Scans: the running sum, product, max, min or log-sum-exp along one dim.
#include <optional>
#include <tuple>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// Integer and bool inputs accumulate into int64 unless `dtype` says otherwise.
Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER);
const Tensor& cumsum_(const Tensor& self, int64_t dim, TG_CALLER);
const Tensor& cumprod_(const Tensor& self, int64_t dim, TG_CALLER);
Tensor cumprod(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER);
// (values, indices): the largest (smallest) element so far and its position, the last of equal
// ones; once a NaN is reached it is the running value.
std::tuple<Tensor, Tensor> cummax(const Tensor& self, int64_t dim, TG_CALLER);
std::tuple<Tensor, Tensor> cummin(const Tensor& self, int64_t dim, TG_CALLER);
// log(cumsum(exp(self))) without overflow; floating-point inputs.
Tensor logcumsumexp(const Tensor& self, int64_t dim, TG_CALLER);

}  // namespace tg
