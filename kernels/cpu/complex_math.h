#pragma once
// Complex products and quotients for the CPU kernels (complex.cpp's maps, linalg.cpp's small
// LU and triangular solves).
#include <cmath>
#include <complex>

namespace tg::kernels::cpu {

// Products and quotients by their formulas: std::complex's operators call libgcc's __mulsc3 /
// __divsc3 (Annex G's infinity rules), several times slower; PyTorch's c10::complex does the same.
template <class R>
inline std::complex<R> cmul(std::complex<R> a, std::complex<R> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
// Smith's algorithm: scales by the larger part of the divisor, so that |b|^2 cannot overflow.
template <class R>
inline std::complex<R> cdiv(std::complex<R> a, std::complex<R> b) {
  const R c = b.real(), d = b.imag();
  if (std::abs(c) >= std::abs(d)) {
    if (c == R(0) && d == R(0)) return {a.real() / std::abs(c), a.imag() / std::abs(d)};  // inf or NaN parts
    const R r = d / c, den = c + d * r;
    return {(a.real() + a.imag() * r) / den, (a.imag() - a.real() * r) / den};
  }
  const R r = c / d, den = c * r + d;
  return {(a.real() * r + a.imag()) / den, (a.imag() * r - a.real()) / den};
}

}  // namespace tg::kernels::cpu
