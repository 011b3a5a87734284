// The in-place forms of ops that have no in-place kernel: the comparisons, logical_not, the
// composed pointwise and special functions, and the add*-with-a-product family. Each computes out
// of place and copies into self (ops::inplace_via_copy), which casts to self's dtype (refusing a
// float result for an integer self), refuses a result that would broadcast self up, bumps the
// version and records the copy.
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/inplace.h"

namespace tg {

#define TG_COMPARE_OP(name, ...)                                                                        \
  const Tensor& name##_(const Tensor& self, const Tensor& other, SourceLoc loc) {                       \
    detail::ApiScope scope(#name "_", loc);                                                             \
    return ops::inplace_via_copy(self, #name "_", [&](const Tensor& s) { return tg::name(s, other); }); \
  }                                                                                                     \
  const Tensor& name##_(const Tensor& self, const Scalar& other, SourceLoc loc) {                       \
    detail::ApiScope scope(#name "_", loc);                                                             \
    return ops::inplace_via_copy(self, #name "_", [&](const Tensor& s) { return tg::name(s, other); }); \
  }
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP

// One in-place form: name_(self, args...) is self.copy_(name(self, args...)).
#define TG_INPLACE_FORM(name, params, args)                                                        \
  const Tensor& name##_ params {                                                                   \
    detail::ApiScope scope(#name "_", loc);                                                        \
    return ops::inplace_via_copy(self, #name "_", [&](const Tensor& s) { return tg::name args; }); \
  }
TG_INPLACE_FORM(logical_not, (const Tensor& self, SourceLoc loc), (s))
TG_INPLACE_FORM(xlogy, (const Tensor& self, const Tensor& other, SourceLoc loc), (s, other))
TG_INPLACE_FORM(xlogy, (const Tensor& self, const Scalar& other, SourceLoc loc), (s, other))
TG_INPLACE_FORM(logit, (const Tensor& self, std::optional<double> eps, SourceLoc loc), (s, eps))
TG_INPLACE_FORM(heaviside, (const Tensor& self, const Tensor& values, SourceLoc loc), (s, values))
TG_INPLACE_FORM(sinc, (const Tensor& self, SourceLoc loc), (s))
TG_INPLACE_FORM(deg2rad, (const Tensor& self, SourceLoc loc), (s))
TG_INPLACE_FORM(rad2deg, (const Tensor& self, SourceLoc loc), (s))
TG_INPLACE_FORM(ldexp, (const Tensor& self, const Tensor& other, SourceLoc loc), (s, other))
TG_INPLACE_FORM(sgn, (const Tensor& self, SourceLoc loc), (s))
TG_INPLACE_FORM(square, (const Tensor& self, SourceLoc loc), (s))
TG_INPLACE_FORM(polygamma, (const Tensor& self, int64_t n, SourceLoc loc), (n, s))
TG_INPLACE_FORM(igamma, (const Tensor& self, const Tensor& other, SourceLoc loc), (s, other))
TG_INPLACE_FORM(igammac, (const Tensor& self, const Tensor& other, SourceLoc loc), (s, other))
TG_INPLACE_FORM(mvlgamma, (const Tensor& self, int64_t p, SourceLoc loc), (s, p))
#define TG_PRODUCT_FORM(name, a, b)                                                                                   \
  TG_INPLACE_FORM(                                                                                                    \
      name,                                                                                                           \
      (const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha, SourceLoc loc), \
      (s, a, b, beta, alpha))
TG_PRODUCT_FORM(addmm, mat1, mat2)
TG_PRODUCT_FORM(addmv, mat, vec)
TG_PRODUCT_FORM(addr, vec1, vec2)
TG_PRODUCT_FORM(baddbmm, batch1, batch2)
TG_PRODUCT_FORM(addbmm, batch1, batch2)
#undef TG_PRODUCT_FORM
#undef TG_INPLACE_FORM

// float_power computes in float64, and PyTorch's in-place form will not round that back down.
template <class Exponent>
const Tensor& float_power_impl(const Tensor& self, const Exponent& exponent) {
  ops::check_defined("float_power_", self, "input");
  TG_CHECK_TYPE(self.dtype() == kFloat64,
                "float_power_: the result is float64, and self is {} (in-place float_power needs a float64 self)",
                self.dtype());
  return ops::inplace_via_copy(self, "float_power_", [&](const Tensor& s) { return float_power(s, exponent); });
}
const Tensor& float_power_(const Tensor& self, const Tensor& exponent, SourceLoc loc) {
  detail::ApiScope scope("float_power_", loc);
  return float_power_impl(self, exponent);
}
const Tensor& float_power_(const Tensor& self, const Scalar& exponent, SourceLoc loc) {
  detail::ApiScope scope("float_power_", loc);
  return float_power_impl(self, exponent);
}

}  // namespace tg
