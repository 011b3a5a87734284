// Tensor's op methods: each forwards to the free function of the same name.
#include "tapegrad/tensor/indexing.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

#define TG_UNARY_OP(name, ...)                                                            \
  Tensor Tensor::name(SourceLoc loc) const { return tg::name(*this, loc); }               \
  const Tensor& Tensor::name##_(SourceLoc loc) const { return tg::name##_(*this, loc); }
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP

#define TG_BINARY_OP(name, ...)                                                                                   \
  Tensor Tensor::name(const Tensor& other, SourceLoc loc) const { return tg::name(*this, other, loc); }           \
  Tensor Tensor::name(const Scalar& other, SourceLoc loc) const { return tg::name(*this, other, loc); }           \
  const Tensor& Tensor::name##_(const Tensor& other, SourceLoc loc) const { return tg::name##_(*this, other, loc); } \
  const Tensor& Tensor::name##_(const Scalar& other, SourceLoc loc) const { return tg::name##_(*this, other, loc); }
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP

#define TG_COMPARE_OP(name, ...)                                                                                     \
  Tensor Tensor::name(const Tensor& other, SourceLoc loc) const { return tg::name(*this, other, loc); }              \
  Tensor Tensor::name(const Scalar& other, SourceLoc loc) const { return tg::name(*this, other, loc); }              \
  const Tensor& Tensor::name##_(const Tensor& other, SourceLoc loc) const { return tg::name##_(*this, other, loc); } \
  const Tensor& Tensor::name##_(const Scalar& other, SourceLoc loc) const { return tg::name##_(*this, other, loc); }
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP

Tensor Tensor::add(const Tensor& other, const Scalar& alpha, SourceLoc loc) const { return tg::add(*this, other, alpha, loc); }
Tensor Tensor::sub(const Tensor& other, const Scalar& alpha, SourceLoc loc) const { return tg::sub(*this, other, alpha, loc); }
const Tensor& Tensor::add_(const Tensor& other, const Scalar& alpha, SourceLoc loc) const {
  return tg::add_(*this, other, alpha, loc);
}
const Tensor& Tensor::sub_(const Tensor& other, const Scalar& alpha, SourceLoc loc) const {
  return tg::sub_(*this, other, alpha, loc);
}
Tensor Tensor::div(const Tensor& other, std::string_view mode, SourceLoc loc) const { return tg::div(*this, other, mode, loc); }
Tensor Tensor::div(const Scalar& other, std::string_view mode, SourceLoc loc) const { return tg::div(*this, other, mode, loc); }
Tensor Tensor::logical_not(SourceLoc loc) const { return tg::logical_not(*this, loc); }
const Tensor& Tensor::logical_not_(SourceLoc loc) const { return tg::logical_not_(*this, loc); }
#define TG_BITWISE_OP(name, ...)                                                                                     \
  Tensor Tensor::name(const Tensor& other, SourceLoc loc) const { return tg::name(*this, other, loc); }              \
  Tensor Tensor::name(const Scalar& other, SourceLoc loc) const { return tg::name(*this, other, loc); }              \
  const Tensor& Tensor::name##_(const Tensor& other, SourceLoc loc) const { return tg::name##_(*this, other, loc); } \
  const Tensor& Tensor::name##_(const Scalar& other, SourceLoc loc) const { return tg::name##_(*this, other, loc); }
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
Tensor Tensor::bitwise_not(SourceLoc loc) const { return tg::bitwise_not(*this, loc); }
const Tensor& Tensor::bitwise_not_(SourceLoc loc) const { return tg::bitwise_not_(*this, loc); }
Tensor Tensor::clamp(const std::optional<Scalar>& min, const std::optional<Scalar>& max, SourceLoc loc) const {
  return tg::clamp(*this, min, max, loc);
}
Tensor Tensor::clamp(const std::optional<Tensor>& min, const std::optional<Tensor>& max, SourceLoc loc) const {
  return tg::clamp(*this, min, max, loc);
}
const Tensor& Tensor::clamp_(const std::optional<Scalar>& min, const std::optional<Scalar>& max, SourceLoc loc) const {
  return tg::clamp_(*this, min, max, loc);
}
const Tensor& Tensor::clamp_(const std::optional<Tensor>& min, const std::optional<Tensor>& max, SourceLoc loc) const {
  return tg::clamp_(*this, min, max, loc);
}
Tensor Tensor::clamp_min(const Scalar& min, SourceLoc loc) const { return tg::clamp_min(*this, min, loc); }
Tensor Tensor::clamp_max(const Scalar& max, SourceLoc loc) const { return tg::clamp_max(*this, max, loc); }
Tensor Tensor::clamp_min(const Tensor& min, SourceLoc loc) const { return tg::clamp_min(*this, min, loc); }
Tensor Tensor::clamp_max(const Tensor& max, SourceLoc loc) const { return tg::clamp_max(*this, max, loc); }
Tensor Tensor::lerp(const Tensor& end, const Scalar& weight, SourceLoc loc) const { return tg::lerp(*this, end, weight, loc); }
Tensor Tensor::addcmul(const Tensor& t1, const Tensor& t2, const Scalar& value, SourceLoc loc) const {
  return tg::addcmul(*this, t1, t2, value, loc);
}
const Tensor& Tensor::addcmul_(const Tensor& t1, const Tensor& t2, const Scalar& value, SourceLoc loc) const {
  return tg::addcmul_(*this, t1, t2, value, loc);
}
Tensor Tensor::addcdiv(const Tensor& t1, const Tensor& t2, const Scalar& value, SourceLoc loc) const {
  return tg::addcdiv(*this, t1, t2, value, loc);
}
const Tensor& Tensor::addcdiv_(const Tensor& t1, const Tensor& t2, const Scalar& value, SourceLoc loc) const {
  return tg::addcdiv_(*this, t1, t2, value, loc);
}
const Tensor& Tensor::nan_to_num_(double nan, std::optional<double> posinf, std::optional<double> neginf,
                                  SourceLoc loc) const {
  return tg::nan_to_num_(*this, nan, posinf, neginf, loc);
}
Tensor Tensor::nan_to_num(double nan, std::optional<double> posinf, std::optional<double> neginf,
                          SourceLoc loc) const {
  return tg::nan_to_num(*this, nan, posinf, neginf, loc);
}
Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan, SourceLoc loc) const {
  return tg::isclose(*this, other, rtol, atol, equal_nan, loc);
}
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight, SourceLoc loc) const { return tg::lerp(*this, end, weight, loc); }
const Tensor& Tensor::lerp_(const Tensor& end, const Scalar& weight, SourceLoc loc) const {
  return tg::lerp_(*this, end, weight, loc);
}
const Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight, SourceLoc loc) const {
  return tg::lerp_(*this, end, weight, loc);
}
Tensor Tensor::square(SourceLoc loc) const { return tg::square(*this, loc); }
const Tensor& Tensor::square_(SourceLoc loc) const { return tg::square_(*this, loc); }

// Views.
Tensor Tensor::view(const Shape& shape, SourceLoc loc) const { return tg::view(*this, shape, loc); }
Tensor Tensor::view(DType dtype, SourceLoc loc) const { return tg::view(*this, dtype, loc); }
Tensor Tensor::view_as(const Tensor& other, SourceLoc loc) const { return tg::view(*this, other.sizes(), loc); }
Tensor Tensor::reshape(const Shape& shape, SourceLoc loc) const { return tg::reshape(*this, shape, loc); }
Tensor Tensor::reshape_as(const Tensor& other, SourceLoc loc) const { return tg::reshape(*this, other.sizes(), loc); }
Tensor Tensor::flatten(int64_t s, int64_t e, SourceLoc loc) const { return tg::flatten(*this, s, e, loc); }
Tensor Tensor::unflatten(int64_t dim, const Shape& sizes, SourceLoc loc) const { return tg::unflatten(*this, dim, sizes, loc); }
Tensor Tensor::transpose(int64_t d0, int64_t d1, SourceLoc loc) const { return tg::transpose(*this, d0, d1, loc); }
Tensor Tensor::t(SourceLoc loc) const { return tg::t(*this, loc); }
Tensor Tensor::mT(SourceLoc loc) const {
  TG_CHECK(defined() && dim() >= 2, "mT: expects a tensor with at least 2 dims, got shape {}", defined() ? sizes() : Shape{});
  return tg::transpose(*this, -2, -1, loc);
}
Tensor Tensor::permute(const Shape& dims, SourceLoc loc) const { return tg::permute(*this, dims, loc); }
Tensor Tensor::squeeze(SourceLoc loc) const { return tg::squeeze(*this, loc); }
Tensor Tensor::squeeze(int64_t dim, SourceLoc loc) const { return tg::squeeze(*this, dim, loc); }
Tensor Tensor::squeeze(const Shape& dims, SourceLoc loc) const { return tg::squeeze(*this, dims, loc); }
Tensor Tensor::unsqueeze(int64_t dim, SourceLoc loc) const { return tg::unsqueeze(*this, dim, loc); }
Tensor Tensor::mH(SourceLoc loc) const {
  TG_CHECK(defined() && dim() >= 2, "mH: expects a tensor with at least 2 dims, got shape {}",
           defined() ? sizes() : Shape{});
  return tg::conj(tg::transpose(*this, -2, -1, loc), loc);
}
Tensor Tensor::adjoint(SourceLoc loc) const {
  TG_CHECK(defined() && dim() >= 2, "adjoint: expects a tensor with at least 2 dims, got shape {}",
           defined() ? sizes() : Shape{});
  return tg::conj(tg::transpose(*this, -2, -1, loc), loc);
}
Tensor Tensor::real(SourceLoc loc) const { return tg::real(*this, loc); }
Tensor Tensor::imag(SourceLoc loc) const { return tg::imag(*this, loc); }
Tensor Tensor::conj(SourceLoc loc) const { return tg::conj(*this, loc); }
Tensor Tensor::conj_physical(SourceLoc loc) const { return tg::conj_physical(*this, loc); }
Tensor Tensor::resolve_conj(SourceLoc loc) const { return tg::resolve_conj(*this, loc); }
Tensor Tensor::angle(SourceLoc loc) const { return tg::angle(*this, loc); }
Tensor Tensor::H(SourceLoc loc) const {
  TG_CHECK(defined() && (dim() == 0 || dim() == 2), "H: is only supported on matrices (2-D tensors), got shape {}",
           defined() ? sizes() : Shape{});
  return tg::conj(dim() == 0 ? tg::transpose(*this, 0, 0, loc) : tg::transpose(*this, 0, 1, loc), loc);
}
const Tensor& Tensor::t_(SourceLoc loc) const { return tg::t_(*this, loc); }
const Tensor& Tensor::transpose_(int64_t d0, int64_t d1, SourceLoc loc) const {
  return tg::transpose_(*this, d0, d1, loc);
}
const Tensor& Tensor::squeeze_(SourceLoc loc) const { return tg::squeeze_(*this, loc); }
const Tensor& Tensor::squeeze_(int64_t dim, SourceLoc loc) const { return tg::squeeze_(*this, dim, loc); }
const Tensor& Tensor::squeeze_(const Shape& dims, SourceLoc loc) const { return tg::squeeze_(*this, dims, loc); }
const Tensor& Tensor::unsqueeze_(int64_t dim, SourceLoc loc) const { return tg::unsqueeze_(*this, dim, loc); }
const Tensor& Tensor::as_strided_(const Shape& sizes, const Shape& strides, std::optional<int64_t> offset,
                                  SourceLoc loc) const {
  return tg::as_strided_(*this, sizes, strides, offset, loc);
}
const Tensor& Tensor::resize_(const Shape& sizes, SourceLoc loc) const { return tg::resize_(*this, sizes, loc); }
const Tensor& Tensor::resize_as_(const Tensor& other, SourceLoc loc) const { return tg::resize_as_(*this, other, loc); }
const Tensor& Tensor::set_(const Tensor& source, SourceLoc loc) const { return tg::set_(*this, source, loc); }
const Tensor& Tensor::set_(SourceLoc loc) const { return tg::set_(*this, loc); }
Tensor Tensor::narrow_copy(int64_t dim, int64_t start, int64_t length, SourceLoc loc) const {
  return tg::narrow(*this, dim, start, length, loc).clone(loc);
}
Tensor Tensor::expand(const Shape& sizes, SourceLoc loc) const { return tg::expand(*this, sizes, loc); }
Tensor Tensor::expand_as(const Tensor& other, SourceLoc loc) const { return tg::expand(*this, other.sizes(), loc); }
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length, SourceLoc loc) const {
  return tg::narrow(*this, dim, start, length, loc);
}
Tensor Tensor::select(int64_t dim, int64_t index, SourceLoc loc) const { return tg::select(*this, dim, index, loc); }
Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step,
                     SourceLoc loc) const {
  return tg::slice(*this, dim, start, end, step, loc);
}
Tensor Tensor::as_strided(const Shape& sizes, const Shape& strides, std::optional<int64_t> offset, SourceLoc loc) const {
  return tg::as_strided(*this, sizes, strides, offset, loc);
}
Tensor Tensor::diagonal(int64_t offset, int64_t d1, int64_t d2, SourceLoc loc) const {
  return tg::diagonal(*this, offset, d1, d2, loc);
}
Tensor Tensor::unfold(int64_t dim, int64_t size, int64_t step, SourceLoc loc) const {
  return tg::unfold(*this, dim, size, step, loc);
}
Tensor Tensor::contiguous(SourceLoc loc) const { return tg::contiguous(*this, loc); }
Tensor Tensor::clone(SourceLoc loc) const { return tg::clone(*this, loc); }

// Indexing.
Tensor Tensor::index(std::initializer_list<TensorIndex> indices, SourceLoc loc) const {
  return tg::index(*this, std::vector<TensorIndex>(indices), loc);
}
Tensor Tensor::index(const std::vector<TensorIndex>& indices, SourceLoc loc) const { return tg::index(*this, indices, loc); }
const Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& values, bool accumulate,
                                 SourceLoc loc) const {
  return tg::index_put_(*this, std::vector<TensorIndex>(indices), values, accumulate, loc);
}
const Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& values, bool accumulate,
                                 SourceLoc loc) const {
  return tg::index_put_(*this, indices, values, accumulate, loc);
}
const Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Scalar& value, SourceLoc loc) const {
  return tg::index_put_(*this, std::vector<TensorIndex>(indices), full({}, value, options()), false, loc);
}
const Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Scalar& value, SourceLoc loc) const {
  return tg::index_put_(*this, indices, full({}, value, options()), false, loc);
}
Tensor Tensor::index_put(const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate,
                         SourceLoc loc) const {
  return tg::index_put(*this, indices, values, accumulate, loc);
}
Tensor Tensor::index_select(int64_t dim, const Tensor& index, SourceLoc loc) const {
  return tg::index_select(*this, dim, index, loc);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index, SourceLoc loc) const { return tg::gather(*this, dim, index, loc); }
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) const {
  return tg::scatter(*this, dim, index, src, loc);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value, SourceLoc loc) const {
  return tg::scatter(*this, dim, index, value, loc);
}
const Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) const {
  return tg::scatter_(*this, dim, index, src, loc);
}
const Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value, SourceLoc loc) const {
  return tg::scatter_(*this, dim, index, value, loc);
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) const {
  return tg::scatter_add(*this, dim, index, src, loc);
}
const Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) const {
  return tg::scatter_add_(*this, dim, index, src, loc);
}
Tensor Tensor::scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce,
                              bool include_self, SourceLoc loc) const {
  return tg::scatter_reduce(*this, dim, index, src, reduce, include_self, loc);
}
const Tensor& Tensor::scatter_reduce_(int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce,
                                      bool include_self, SourceLoc loc) const {
  return tg::scatter_reduce_(*this, dim, index, src, reduce, include_self, loc);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value, SourceLoc loc) const {
  return tg::masked_fill(*this, mask, value, loc);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value, SourceLoc loc) const {
  return tg::masked_fill(*this, mask, value, loc);
}
const Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value, SourceLoc loc) const {
  return tg::masked_fill_(*this, mask, value, loc);
}
const Tensor& Tensor::masked_fill_(const Tensor& mask, const Tensor& value, SourceLoc loc) const {
  return tg::masked_fill_(*this, mask, value, loc);
}
Tensor Tensor::where(const Tensor& condition, const Tensor& other, SourceLoc loc) const {
  return tg::where(condition, *this, other, loc);
}
Tensor Tensor::where(const Tensor& condition, const Scalar& other, SourceLoc loc) const {
  return tg::where(condition, *this, other, loc);
}
Tensor Tensor::nonzero(SourceLoc loc) const { return tg::nonzero(*this, loc); }
std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending, bool stable, SourceLoc loc) const {
  return tg::sort(*this, dim, descending, stable, loc);
}
Tensor Tensor::argsort(int64_t dim, bool descending, bool stable, SourceLoc loc) const {
  return tg::argsort(*this, dim, descending, stable, loc);
}
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted, SourceLoc loc) const {
  return tg::topk(*this, k, dim, largest, sorted, loc);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim, SourceLoc loc) const { return tg::argmax(*this, dim, keepdim, loc); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim, SourceLoc loc) const { return tg::argmin(*this, dim, keepdim, loc); }

// Reductions.
Tensor Tensor::sum(std::optional<DType> dtype, SourceLoc loc) const { return tg::sum(*this, dtype, loc); }
Tensor Tensor::sum(const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) const {
  return tg::sum(*this, dims, keepdim, dtype, loc);
}
Tensor Tensor::mean(std::optional<DType> dtype, SourceLoc loc) const { return tg::mean(*this, dtype, loc); }
Tensor Tensor::mean(const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) const {
  return tg::mean(*this, dims, keepdim, dtype, loc);
}
Tensor Tensor::prod(std::optional<DType> dtype, SourceLoc loc) const { return tg::prod(*this, dtype, loc); }
Tensor Tensor::prod(const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) const {
  return tg::prod(*this, dims, keepdim, dtype, loc);
}
Tensor Tensor::max(SourceLoc loc) const { return tg::max(*this, loc); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim, SourceLoc loc) const { return tg::max(*this, dim, keepdim, loc); }
Tensor Tensor::max(const Tensor& other, SourceLoc loc) const { return tg::max(*this, other, loc); }
Tensor Tensor::min(SourceLoc loc) const { return tg::min(*this, loc); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim, SourceLoc loc) const { return tg::min(*this, dim, keepdim, loc); }
Tensor Tensor::min(const Tensor& other, SourceLoc loc) const { return tg::min(*this, other, loc); }
Tensor Tensor::amax(const Shape& dims, bool keepdim, SourceLoc loc) const { return tg::amax(*this, dims, keepdim, loc); }
Tensor Tensor::amin(const Shape& dims, bool keepdim, SourceLoc loc) const { return tg::amin(*this, dims, keepdim, loc); }
Tensor Tensor::var(const Shape& dims, double correction, bool keepdim, SourceLoc loc) const {
  return tg::var(*this, dims, correction, keepdim, loc);
}
Tensor Tensor::std(const Shape& dims, double correction, bool keepdim, SourceLoc loc) const {
  return tg::std(*this, dims, correction, keepdim, loc);
}
Tensor Tensor::norm(const Scalar& p, const Shape& dims, bool keepdim, SourceLoc loc) const {
  return tg::norm(*this, p, dims, keepdim, loc);
}
std::tuple<Tensor, Tensor> Tensor::kthvalue(int64_t k, int64_t dim, bool keepdim, SourceLoc loc) const {
  return tg::kthvalue(*this, k, dim, keepdim, loc);
}
Tensor Tensor::polygamma(int64_t n, SourceLoc loc) const { return tg::polygamma(n, *this, loc); }
const Tensor& Tensor::polygamma_(int64_t n, SourceLoc loc) const { return tg::polygamma_(*this, n, loc); }
Tensor Tensor::median(SourceLoc loc) const { return tg::median(*this, loc); }
std::tuple<Tensor, Tensor> Tensor::median(int64_t dim, bool keepdim, SourceLoc loc) const {
  return tg::median(*this, dim, keepdim, loc);
}
Tensor Tensor::nanmedian(SourceLoc loc) const { return tg::nanmedian(*this, loc); }
std::tuple<Tensor, Tensor> Tensor::nanmedian(int64_t dim, bool keepdim, SourceLoc loc) const {
  return tg::nanmedian(*this, dim, keepdim, loc);
}
std::tuple<Tensor, Tensor> Tensor::mode(int64_t dim, bool keepdim, SourceLoc loc) const {
  return tg::mode(*this, dim, keepdim, loc);
}
Tensor Tensor::quantile(double q, std::optional<int64_t> dim, bool keepdim, std::string_view interpolation,
                        SourceLoc loc) const {
  return tg::quantile(*this, q, dim, keepdim, interpolation, loc);
}
Tensor Tensor::quantile(const Tensor& q, std::optional<int64_t> dim, bool keepdim, std::string_view interpolation,
                        SourceLoc loc) const {
  return tg::quantile(*this, q, dim, keepdim, interpolation, loc);
}
Tensor Tensor::nanquantile(double q, std::optional<int64_t> dim, bool keepdim, std::string_view interpolation,
                           SourceLoc loc) const {
  return tg::nanquantile(*this, q, dim, keepdim, interpolation, loc);
}
Tensor Tensor::nanquantile(const Tensor& q, std::optional<int64_t> dim, bool keepdim, std::string_view interpolation,
                           SourceLoc loc) const {
  return tg::nanquantile(*this, q, dim, keepdim, interpolation, loc);
}
Tensor Tensor::sum_to_size(const Shape& size, SourceLoc loc) const {
  detail::ApiScope scope("sum_to_size", loc);
  TG_CHECK(defined(), "sum_to_size: the tensor is undefined");
  const int lead = dim() - static_cast<int>(size.size());
  bool expandable = lead >= 0;
  for (int i = 0; expandable && i < size.size(); ++i) expandable = size[i] == 1 || size[i] == sizes()[i + lead];
  TG_CHECK(expandable, "sum_to_size: size {} is not expandable to the tensor's shape {}", size, sizes());
  return ops::sum_to_shape(*this, size);
}
Tensor Tensor::logsumexp(const Shape& dims, bool keepdim, SourceLoc loc) const {
  return tg::logsumexp(*this, dims, keepdim, loc);
}
Tensor Tensor::cumsum(int64_t dim, std::optional<DType> dtype, SourceLoc loc) const { return tg::cumsum(*this, dim, dtype, loc); }
Tensor Tensor::cumprod(int64_t dim, std::optional<DType> dtype, SourceLoc loc) const {
  return tg::cumprod(*this, dim, dtype, loc);
}
std::tuple<Tensor, Tensor> Tensor::cummax(int64_t dim, SourceLoc loc) const { return tg::cummax(*this, dim, loc); }
std::tuple<Tensor, Tensor> Tensor::cummin(int64_t dim, SourceLoc loc) const { return tg::cummin(*this, dim, loc); }
Tensor Tensor::logcumsumexp(int64_t dim, SourceLoc loc) const { return tg::logcumsumexp(*this, dim, loc); }
Tensor Tensor::all(SourceLoc loc) const { return tg::all(*this, loc); }
Tensor Tensor::all(int64_t dim, bool keepdim, SourceLoc loc) const { return tg::all(*this, dim, keepdim, loc); }
Tensor Tensor::any(SourceLoc loc) const { return tg::any(*this, loc); }
Tensor Tensor::any(int64_t dim, bool keepdim, SourceLoc loc) const { return tg::any(*this, dim, keepdim, loc); }
Tensor Tensor::all(const Shape& dims, bool keepdim, SourceLoc loc) const { return tg::all(*this, dims, keepdim, loc); }
Tensor Tensor::any(const Shape& dims, bool keepdim, SourceLoc loc) const { return tg::any(*this, dims, keepdim, loc); }

// Shape ops.
Tensor Tensor::repeat(const Shape& repeats, SourceLoc loc) const { return tg::repeat(*this, repeats, loc); }
Tensor Tensor::tile(const Shape& dims, SourceLoc loc) const { return tg::tile(*this, dims, loc); }
Tensor Tensor::repeat_interleave(int64_t repeats, std::optional<int64_t> dim, SourceLoc loc) const {
  return tg::repeat_interleave(*this, repeats, dim, loc);
}
Tensor Tensor::repeat_interleave(const Tensor& repeats, std::optional<int64_t> dim, SourceLoc loc) const {
  return tg::repeat_interleave(*this, repeats, dim, loc);
}
Tensor Tensor::diff(int64_t n, int64_t dim, const Tensor& prepend, const Tensor& append, SourceLoc loc) const {
  return tg::diff(*this, n, dim, prepend, append, loc);
}
Tensor Tensor::diag(int64_t diagonal, SourceLoc loc) const { return tg::diag(*this, diagonal, loc); }
Tensor Tensor::trace(SourceLoc loc) const { return tg::trace(*this, loc); }
Tensor Tensor::flip(const Shape& dims, SourceLoc loc) const { return tg::flip(*this, dims, loc); }
Tensor Tensor::roll(const Shape& shifts, const Shape& dims, SourceLoc loc) const { return tg::roll(*this, shifts, dims, loc); }
Tensor Tensor::tril(int64_t diagonal, SourceLoc loc) const { return tg::tril(*this, diagonal, loc); }
Tensor Tensor::triu(int64_t diagonal, SourceLoc loc) const { return tg::triu(*this, diagonal, loc); }
tensor_list Tensor::split(int64_t split_size, int64_t dim, SourceLoc loc) const { return tg::split(*this, split_size, dim, loc); }
tensor_list Tensor::split(const std::vector<int64_t>& sizes, int64_t dim, SourceLoc loc) const {
  return tg::split_with_sizes(*this, sizes, dim, loc);
}
tensor_list Tensor::split_with_sizes(const std::vector<int64_t>& sizes, int64_t dim, SourceLoc loc) const {
  return tg::split_with_sizes(*this, sizes, dim, loc);
}
tensor_list Tensor::chunk(int64_t chunks, int64_t dim, SourceLoc loc) const { return tg::chunk(*this, chunks, dim, loc); }

// Linear algebra and softmax.
Tensor Tensor::matmul(const Tensor& other, SourceLoc loc) const { return tg::matmul(*this, other, loc); }
Tensor Tensor::mm(const Tensor& other, SourceLoc loc) const { return tg::mm(*this, other, loc); }
Tensor Tensor::bmm(const Tensor& other, SourceLoc loc) const { return tg::bmm(*this, other, loc); }
Tensor Tensor::dot(const Tensor& other, SourceLoc loc) const { return tg::dot(*this, other, loc); }
Tensor Tensor::outer(const Tensor& other, SourceLoc loc) const { return tg::outer(*this, other, loc); }
Tensor Tensor::softmax(int64_t dim, std::optional<DType> dtype, SourceLoc loc) const { return tg::softmax(*this, dim, dtype, loc); }
Tensor Tensor::log_softmax(int64_t dim, std::optional<DType> dtype, SourceLoc loc) const {
  return tg::log_softmax(*this, dim, dtype, loc);
}

// ---- operators ----------------------------------------------------------------------------------

namespace {
// Calls the tensor or the number form of an op, passing the operator's call site along.
template <class FT, class FS>
Tensor with_operand(const Operand& b, FT&& tensor_form, FS&& scalar_form) {
  return b.is_tensor() ? tensor_form(b.tensor(), b.loc()) : scalar_form(b.scalar(), b.loc());
}
}  // namespace

#define TG_OPERATOR(op, fn)                                                                                     \
  Tensor operator op(const Tensor& a, const Operand& b) {                                                       \
    return with_operand(                                                                                        \
        b, [&](const Tensor& t, const SourceLoc& l) { return tg::fn(a, t, l); },                                \
        [&](const Scalar& s, const SourceLoc& l) { return tg::fn(a, s, l); });                                  \
  }
TG_OPERATOR(+, add)
TG_OPERATOR(-, sub)
TG_OPERATOR(*, mul)
TG_OPERATOR(/, div)
TG_OPERATOR(==, eq)
TG_OPERATOR(!=, ne)
TG_OPERATOR(<, lt)
TG_OPERATOR(<=, le)
TG_OPERATOR(>, gt)
TG_OPERATOR(>=, ge)
TG_OPERATOR(&, bitwise_and)
TG_OPERATOR(|, bitwise_or)
TG_OPERATOR(^, bitwise_xor)
#undef TG_OPERATOR

Tensor operator+(const ScalarOperand& a, const Tensor& b) { return tg::add(b, a.scalar(), a.loc()); }
Tensor operator*(const ScalarOperand& a, const Tensor& b) { return tg::mul(b, a.scalar(), a.loc()); }
Tensor operator-(const ScalarOperand& a, const Tensor& b) { return tg::sub(a.scalar(), b, a.loc()); }
Tensor operator/(const ScalarOperand& a, const Tensor& b) { return tg::div(a.scalar(), b, a.loc()); }
// Mirrored comparisons: 2 < x is x > 2.
Tensor operator==(const ScalarOperand& a, const Tensor& b) { return tg::eq(b, a.scalar(), a.loc()); }
Tensor operator!=(const ScalarOperand& a, const Tensor& b) { return tg::ne(b, a.scalar(), a.loc()); }
Tensor operator<(const ScalarOperand& a, const Tensor& b) { return tg::gt(b, a.scalar(), a.loc()); }
Tensor operator<=(const ScalarOperand& a, const Tensor& b) { return tg::ge(b, a.scalar(), a.loc()); }
Tensor operator>(const ScalarOperand& a, const Tensor& b) { return tg::lt(b, a.scalar(), a.loc()); }
Tensor operator>=(const ScalarOperand& a, const Tensor& b) { return tg::le(b, a.scalar(), a.loc()); }

Tensor operator-(const Operand& a) {
  TG_CHECK(a.is_tensor(), "unary -: expected a tensor");
  return tg::neg(a.tensor(), a.loc());
}
Tensor operator~(const Operand& a) {
  TG_CHECK(a.is_tensor(), "~: expected a tensor");
  return tg::bitwise_not(a.tensor(), a.loc());
}

#define TG_COMPOUND(op, fn)                                                                                   \
  const Tensor& Tensor::operator op(const Operand& other) const {                                             \
    if (other.is_tensor()) return tg::fn(*this, other.tensor(), other.loc());                                 \
    return tg::fn(*this, other.scalar(), other.loc());                                                        \
  }
TG_COMPOUND(+=, add_)
TG_COMPOUND(-=, sub_)
TG_COMPOUND(*=, mul_)
TG_COMPOUND(/=, div_)
TG_COMPOUND(&=, bitwise_and_)
TG_COMPOUND(|=, bitwise_or_)
TG_COMPOUND(^=, bitwise_xor_)
#undef TG_COMPOUND

const Tensor& Tensor::tril_(int64_t diagonal, SourceLoc loc) const { return tg::tril_(*this, diagonal, loc); }
const Tensor& Tensor::triu_(int64_t diagonal, SourceLoc loc) const { return tg::triu_(*this, diagonal, loc); }
const Tensor& Tensor::fill_diagonal_(const Scalar& value, bool wrap, SourceLoc loc) const {
  return tg::fill_diagonal_(*this, value, wrap, loc);
}
Tensor Tensor::ravel(SourceLoc loc) const { return tg::ravel(*this, loc); }
Tensor Tensor::take(const Tensor& index, SourceLoc loc) const { return tg::take(*this, index, loc); }
Tensor Tensor::put(const Tensor& index, const Tensor& source, bool accumulate, SourceLoc loc) const {
  return tg::put(*this, index, source, accumulate, loc);
}
const Tensor& Tensor::put_(const Tensor& index, const Tensor& source, bool accumulate, SourceLoc loc) const {
  return tg::put_(*this, index, source, accumulate, loc);
}
Tensor Tensor::masked_scatter(const Tensor& mask, const Tensor& source, SourceLoc loc) const {
  return tg::masked_scatter(*this, mask, source, loc);
}
const Tensor& Tensor::masked_scatter_(const Tensor& mask, const Tensor& source, SourceLoc loc) const {
  return tg::masked_scatter_(*this, mask, source, loc);
}
Tensor Tensor::index_reduce(int64_t dim, const Tensor& index, const Tensor& source, std::string_view reduce,
                            bool include_self, SourceLoc loc) const {
  return tg::index_reduce(*this, dim, index, source, reduce, include_self, loc);
}
const Tensor& Tensor::index_reduce_(int64_t dim, const Tensor& index, const Tensor& source, std::string_view reduce,
                                    bool include_self, SourceLoc loc) const {
  return tg::index_reduce_(*this, dim, index, source, reduce, include_self, loc);
}
Tensor Tensor::renorm(const Scalar& p, int64_t dim, const Scalar& maxnorm, SourceLoc loc) const {
  return tg::renorm(*this, p, dim, maxnorm, loc);
}
const Tensor& Tensor::renorm_(const Scalar& p, int64_t dim, const Scalar& maxnorm, SourceLoc loc) const {
  return tg::renorm_(*this, p, dim, maxnorm, loc);
}
const Tensor& Tensor::clamp_min_(const Scalar& min, SourceLoc loc) const { return tg::clamp_min_(*this, min, loc); }
const Tensor& Tensor::clamp_max_(const Scalar& max, SourceLoc loc) const { return tg::clamp_max_(*this, max, loc); }
const Tensor& Tensor::clamp_min_(const Tensor& min, SourceLoc loc) const { return tg::clamp_min_(*this, min, loc); }
const Tensor& Tensor::clamp_max_(const Tensor& max, SourceLoc loc) const { return tg::clamp_max_(*this, max, loc); }
const Tensor& Tensor::cumsum_(int64_t dim, SourceLoc loc) const { return tg::cumsum_(*this, dim, loc); }
const Tensor& Tensor::cumprod_(int64_t dim, SourceLoc loc) const { return tg::cumprod_(*this, dim, loc); }

}  // namespace tg
