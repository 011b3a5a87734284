#pragma once
// Double-double arithmetic (a value as an unevaluated sum hi + lo, ~32 digits), for the few
// series that cancel more digits than a double holds (special_math.h's Airy function). Needs
// IEEE rounding without reassociation or contraction of the sums, as the library is built.
#include <cmath>

#include "kernels/scalar_math.h"

namespace tg::kernels::special_math {

struct DoubleDouble {
  double hi, lo;
};

TG_HOST_DEVICE inline DoubleDouble dd_quick_sum(double a, double b) {  // |a| >= |b|
  const double s = a + b;
  return {s, b - (s - a)};
}

TG_HOST_DEVICE inline DoubleDouble dd_add(DoubleDouble a, DoubleDouble b) {
  const double s = a.hi + b.hi, v = s - a.hi;
  const double e = (a.hi - (s - v)) + (b.hi - v);
  return dd_quick_sum(s, e + a.lo + b.lo);
}

TG_HOST_DEVICE inline DoubleDouble dd_mul(DoubleDouble a, double b) {
  const double p = a.hi * b;
  return dd_quick_sum(p, std::fma(a.hi, b, -p) + a.lo * b);
}

TG_HOST_DEVICE inline DoubleDouble dd_mul(DoubleDouble a, DoubleDouble b) {
  const double p = a.hi * b.hi;
  return dd_quick_sum(p, std::fma(a.hi, b.hi, -p) + (a.hi * b.lo + a.lo * b.hi));
}

TG_HOST_DEVICE inline DoubleDouble dd_div(DoubleDouble a, double b) {
  const double q = a.hi / b, p = q * b, p_err = std::fma(q, b, -p);
  return dd_quick_sum(q, ((a.hi - p) - p_err + a.lo) / b);
}

}  // namespace tg::kernels::special_math
