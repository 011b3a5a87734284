// The CPU's discrete Fourier transform of contiguous complex rows: a mixed-radix Stockham
// autosort (radices 8, 4, 2, 3, 5 and the other primes up to 31, in natural order without a bit
// reversal) for lengths made of those factors, and Bluestein's chirp-z convolution (three of
// those transforms, of a smooth length >= 2n - 1) for lengths with a larger prime factor.
// Rows are transformed in blocks, interleaved and split into real and imaginary planes, so that
// every butterfly's inner loop runs over contiguous floats of several rows at once (vectors).
//
// Written here rather than taken from a library: FFTW (Debian's libfftw3) is GPL, which this MIT
// project cannot link, and pocketfft (PyTorch's and NumPy's) is packaged in neither Debian 12 nor
// PyPI as a C++ library.
#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <type_traits>
#include <vector>

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/transpose.h"

namespace tg::kernels::cpu {
namespace {

constexpr int kLargestRadix = 31;

// What a transform of length n needs, computed once per length and precision and shared by
// every thread: its radices and the twiddles exp(-2 pi i k / n) as real and imaginary parts
// (the forward direction; the inverse conjugates its input and output). A Bluestein length
// holds the chirp exp(-i pi k^2 / n) and the transform, scaled by 1/m, of the conjugate chirp
// at the smooth length m.
template <class R>
struct Plan {
  int64_t n = 0;
  std::vector<int> radices;
  std::vector<R> tw_re, tw_im;
  int64_t m = 0;
  std::vector<R> chirp_re, chirp_im, kernel_re, kernel_im;
  std::shared_ptr<const Plan> inner;
};

// Radices of n: 4s (an 8 in place of a 4 and a 2, one pass fewer), then 2, 3 and the other
// small primes; empty when n has a prime factor above kLargestRadix. More 8s did not pay: with
// 16 vector registers their butterflies spill, and at 1024 and 4096 8844 ran as fast as 44444.
std::vector<int> factor(int64_t n) {
  std::vector<int> r;
  int twos = 0;
  for (int64_t t = n; t % 2 == 0; t /= 2) ++twos;
  if (twos % 2 == 1 && twos >= 3) r.push_back(8), n /= 8;
  while (n % 4 == 0) r.push_back(4), n /= 4;
  for (int p = 2; p <= kLargestRadix && n > 1; ++p)
    while (n % p == 0) r.push_back(p), n /= p;
  if (n != 1) r.clear();
  return r;
}

// The smallest length >= n with only the factors 2, 3 and 5.
int64_t smooth_length(int64_t n) {
  int64_t best = 1;
  while (best < n) best *= 2;
  for (int64_t p5 = 1; p5 < best; p5 *= 5)
    for (int64_t p35 = p5; p35 < best; p35 *= 3) {
      int64_t v = p35;
      while (v < n) v *= 2;
      best = std::min(best, v);
    }
  return best;
}

// Split complex arrays of `s0` interleaved sequences: element k of sequence q at k * s0 + q.
template <class R>
struct Planes {
  R* re;
  R* im;
};

template <class R>
std::shared_ptr<const Plan<R>> plan_for(int64_t n);
template <class R>
void forward(const Plan<R>& plan, Planes<R> x, Planes<R> out, R* work, int64_t s0);

// Reals forward() needs in `work` for s0 sequences.
template <class R>
int64_t work_size(const Plan<R>& plan, int64_t s0) {
  if (plan.m == 0) return 2 * plan.n * s0;
  return 4 * plan.m * s0 + work_size(*plan.inner, s0);
}

std::pair<double, double> unit(double angle) { return {std::cos(angle), std::sin(angle)}; }

template <class R>
std::shared_ptr<const Plan<R>> make_plan(int64_t n) {
  auto p = std::make_shared<Plan<R>>();
  p->n = n;
  p->radices = factor(n);
  if (!p->radices.empty() || n == 1) {
    p->tw_re.resize(static_cast<size_t>(n));
    p->tw_im.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      const auto [c, s] = unit(-2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n));
      p->tw_re[static_cast<size_t>(k)] = static_cast<R>(c);
      p->tw_im[static_cast<size_t>(k)] = static_cast<R>(s);
    }
    return p;
  }
  // Bluestein: X_k = c_k sum_j (x_j c_j) conj(c_{k-j}), a circular convolution of length m.
  const int64_t m = smooth_length(2 * n - 1);
  p->m = m;
  p->inner = plan_for<R>(m);
  p->chirp_re.resize(static_cast<size_t>(n));
  p->chirp_im.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    // k^2 mod 2n keeps the angle small, and exact in double for any n below 2^31.
    const auto [c, s] = unit(-std::numbers::pi * static_cast<double>((k * k) % (2 * n)) / static_cast<double>(n));
    p->chirp_re[static_cast<size_t>(k)] = static_cast<R>(c);
    p->chirp_im[static_cast<size_t>(k)] = static_cast<R>(s);
  }
  std::vector<R> b(static_cast<size_t>(2 * m), R(0)), fb(static_cast<size_t>(2 * m));
  for (int64_t k = 0; k < n; ++k) {
    const R re = p->chirp_re[static_cast<size_t>(k)], im = -p->chirp_im[static_cast<size_t>(k)];
    b[static_cast<size_t>(k)] = re;
    b[static_cast<size_t>(m + k)] = im;
    if (k > 0) b[static_cast<size_t>(m - k)] = re, b[static_cast<size_t>(2 * m - k)] = im;
  }
  std::vector<R> work(static_cast<size_t>(work_size(*p->inner, 1)));
  forward(*p->inner, Planes<R>{b.data(), b.data() + m}, Planes<R>{fb.data(), fb.data() + m}, work.data(), 1);
  const R scale = R(1) / static_cast<R>(m);  // the inverse transform's 1/m, folded in
  p->kernel_re.assign(fb.begin(), fb.begin() + m);
  p->kernel_im.assign(fb.begin() + m, fb.end());
  for (int64_t k = 0; k < m; ++k)
    p->kernel_re[static_cast<size_t>(k)] *= scale, p->kernel_im[static_cast<size_t>(k)] *= scale;
  return p;
}

template <class R>
std::shared_ptr<const Plan<R>> plan_for(int64_t n) {
  static std::mutex mutex;
  static std::map<int64_t, std::shared_ptr<const Plan<R>>> plans;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = plans.find(n); it != plans.end()) return it->second;
  }
  // Made unlocked (a Bluestein plan asks for its inner length's); a thread that raced here
  // keeps the plan stored first.
  auto plan = make_plan<R>(n);
  std::lock_guard<std::mutex> lock(mutex);
  return plans.emplace(n, std::move(plan)).first->second;
}

// One Stockham stage of radix p: x holds s interleaved sequences of length n_cur = p * m; each
// group of p elements m apart gets a p-point DFT, and output u of group j is scaled by the
// twiddle W_{n_cur}^{j u}. The next stage sees p * s sequences of length m. The inner loops run
// over q, contiguous in x and y.
template <class R>
void stage(int p, int64_t n_cur, int64_t s, const Plan<R>& plan, Planes<R> x, Planes<R> y) {
  const int64_t m = n_cur / p, step = plan.n / n_cur, n = plan.n;
  const R* __restrict twr = plan.tw_re.data();
  const R* __restrict twi = plan.tw_im.data();
  const R* __restrict xr = x.re;
  const R* __restrict xi = x.im;
  R* __restrict yr = y.re;
  R* __restrict yi = y.im;
  if (p == 8) {
    // The 4-point transforms E of the even inputs and O of the odd ones, then y_u = E_u + W_8^u
    // O_u and y_u+4 = E_u - W_8^u O_u, with W_8 = (1 - i) / sqrt(2).
    const R h = static_cast<R>(std::numbers::sqrt2 / 2);
    for (int64_t j = 0; j < m; ++j) {
      R wr[8], wi[8];
      for (int u = 1; u < 8; ++u) wr[u] = twr[u * j * step], wi[u] = twi[u * j * step];
      int64_t i[8];
      for (int r = 0; r < 8; ++r) i[r] = s * (j + r * m);
      const int64_t o = s * 8 * j;
#pragma GCC ivdep
      for (int64_t q = 0; q < s; ++q) {
        R e0r = xr[i[0] + q] + xr[i[4] + q], e0i = xi[i[0] + q] + xi[i[4] + q];
        R e1r = xr[i[0] + q] - xr[i[4] + q], e1i = xi[i[0] + q] - xi[i[4] + q];
        R e2r = xr[i[2] + q] + xr[i[6] + q], e2i = xi[i[2] + q] + xi[i[6] + q];
        R e3r = xi[i[2] + q] - xi[i[6] + q], e3i = xr[i[6] + q] - xr[i[2] + q];
        const R E0r = e0r + e2r, E0i = e0i + e2i, E2r = e0r - e2r, E2i = e0i - e2i;
        const R E1r = e1r + e3r, E1i = e1i + e3i, E3r = e1r - e3r, E3i = e1i - e3i;
        e0r = xr[i[1] + q] + xr[i[5] + q], e0i = xi[i[1] + q] + xi[i[5] + q];
        e1r = xr[i[1] + q] - xr[i[5] + q], e1i = xi[i[1] + q] - xi[i[5] + q];
        e2r = xr[i[3] + q] + xr[i[7] + q], e2i = xi[i[3] + q] + xi[i[7] + q];
        e3r = xi[i[3] + q] - xi[i[7] + q], e3i = xr[i[7] + q] - xr[i[3] + q];
        const R O0r = e0r + e2r, O0i = e0i + e2i;
        const R O2r = e0i - e2i, O2i = e2r - e0r;  // times W_8^2 = -i
        const R a1r = e1r + e3r, a1i = e1i + e3i, a3r = e1r - e3r, a3i = e1i - e3i;
        const R O1r = (a1r + a1i) * h, O1i = (a1i - a1r) * h;   // times (1 - i) / sqrt(2)
        const R O3r = (a3i - a3r) * h, O3i = -(a3r + a3i) * h;  // times (-1 - i) / sqrt(2)
        yr[o + q] = E0r + O0r;
        yi[o + q] = E0i + O0i;
        const R y[8][2] = {{0, 0},
                           {E1r + O1r, E1i + O1i},
                           {E2r + O2r, E2i + O2i},
                           {E3r + O3r, E3i + O3i},
                           {E0r - O0r, E0i - O0i},
                           {E1r - O1r, E1i - O1i},
                           {E2r - O2r, E2i - O2i},
                           {E3r - O3r, E3i - O3i}};
        for (int u = 1; u < 8; ++u) {
          yr[o + u * s + q] = y[u][0] * wr[u] - y[u][1] * wi[u];
          yi[o + u * s + q] = y[u][0] * wi[u] + y[u][1] * wr[u];
        }
      }
    }
    return;
  }
  if (p == 4) {
    for (int64_t j = 0; j < m; ++j) {
      const R w1r = twr[j * step], w1i = twi[j * step], w2r = twr[2 * j * step], w2i = twi[2 * j * step];
      const R w3r = twr[3 * j * step], w3i = twi[3 * j * step];
      const int64_t i0 = s * j, i1 = s * (j + m), i2 = s * (j + 2 * m), i3 = s * (j + 3 * m), o = s * 4 * j;
#pragma GCC ivdep
      for (int64_t q = 0; q < s; ++q) {
        const R t0r = xr[i0 + q] + xr[i2 + q], t0i = xi[i0 + q] + xi[i2 + q];
        const R t1r = xr[i0 + q] - xr[i2 + q], t1i = xi[i0 + q] - xi[i2 + q];
        const R t2r = xr[i1 + q] + xr[i3 + q], t2i = xi[i1 + q] + xi[i3 + q];
        const R t3r = xi[i1 + q] - xi[i3 + q], t3i = xr[i3 + q] - xr[i1 + q];  // -i (a1 - a3)
        yr[o + q] = t0r + t2r;
        yi[o + q] = t0i + t2i;
        const R b1r = t1r + t3r, b1i = t1i + t3i, b2r = t0r - t2r, b2i = t0i - t2i, b3r = t1r - t3r, b3i = t1i - t3i;
        yr[o + s + q] = b1r * w1r - b1i * w1i;
        yi[o + s + q] = b1r * w1i + b1i * w1r;
        yr[o + 2 * s + q] = b2r * w2r - b2i * w2i;
        yi[o + 2 * s + q] = b2r * w2i + b2i * w2r;
        yr[o + 3 * s + q] = b3r * w3r - b3i * w3i;
        yi[o + 3 * s + q] = b3r * w3i + b3i * w3r;
      }
    }
    return;
  }
  if (p == 2) {
    for (int64_t j = 0; j < m; ++j) {
      const R wr = twr[j * step], wi = twi[j * step];
      const int64_t i0 = s * j, i1 = s * (j + m), o = s * 2 * j;
#pragma GCC ivdep
      for (int64_t q = 0; q < s; ++q) {
        const R dr = xr[i0 + q] - xr[i1 + q], di = xi[i0 + q] - xi[i1 + q];
        yr[o + q] = xr[i0 + q] + xr[i1 + q];
        yi[o + q] = xi[i0 + q] + xi[i1 + q];
        yr[o + s + q] = dr * wr - di * wi;
        yi[o + s + q] = dr * wi + di * wr;
      }
    }
    return;
  }
  if (p == 3) {
    const R c = static_cast<R>(std::numbers::sqrt3 / 2);
    for (int64_t j = 0; j < m; ++j) {
      const R w1r = twr[j * step], w1i = twi[j * step], w2r = twr[2 * j * step], w2i = twi[2 * j * step];
      const int64_t i0 = s * j, i1 = s * (j + m), i2 = s * (j + 2 * m), o = s * 3 * j;
#pragma GCC ivdep
      for (int64_t q = 0; q < s; ++q) {
        const R sr = xr[i1 + q] + xr[i2 + q], si = xi[i1 + q] + xi[i2 + q];
        const R mr = xr[i0 + q] - sr * R(0.5), mi = xi[i0 + q] - si * R(0.5);
        const R dr = (xi[i1 + q] - xi[i2 + q]) * c, di = (xr[i2 + q] - xr[i1 + q]) * c;  // -i sqrt(3)/2 (a1 - a2)
        yr[o + q] = xr[i0 + q] + sr;
        yi[o + q] = xi[i0 + q] + si;
        const R b1r = mr + dr, b1i = mi + di, b2r = mr - dr, b2i = mi - di;
        yr[o + s + q] = b1r * w1r - b1i * w1i;
        yi[o + s + q] = b1r * w1i + b1i * w1r;
        yr[o + 2 * s + q] = b2r * w2r - b2i * w2i;
        yi[o + 2 * s + q] = b2r * w2i + b2i * w2r;
      }
    }
    return;
  }
  if (p == 5) {
    // y_1,4 = b1 -/+ i (s1 t3 + s2 t4) and y_2,3 = b2 -/+ i (s2 t3 - s1 t4), where t1, t3 = a1 +/- a4,
    // t2, t4 = a2 +/- a3, b1 = a0 + c1 t1 + c2 t2, b2 = a0 + c2 t1 + c1 t2 (c, s: the cosines and
    // sines of 2 pi / 5 and 4 pi / 5).
    const R c1 = static_cast<R>(std::cos(2 * std::numbers::pi / 5)),
            c2 = static_cast<R>(std::cos(4 * std::numbers::pi / 5));
    const R s1 = static_cast<R>(std::sin(2 * std::numbers::pi / 5)),
            s2 = static_cast<R>(std::sin(4 * std::numbers::pi / 5));
    for (int64_t j = 0; j < m; ++j) {
      R wr[5], wi[5];
      for (int u = 1; u < 5; ++u) wr[u] = twr[u * j * step], wi[u] = twi[u * j * step];
      const int64_t i0 = s * j, i1 = s * (j + m), i2 = s * (j + 2 * m), i3 = s * (j + 3 * m), i4 = s * (j + 4 * m);
      const int64_t o = s * 5 * j;
#pragma GCC ivdep
      for (int64_t q = 0; q < s; ++q) {
        const R t1r = xr[i1 + q] + xr[i4 + q], t1i = xi[i1 + q] + xi[i4 + q];
        const R t3r = xr[i1 + q] - xr[i4 + q], t3i = xi[i1 + q] - xi[i4 + q];
        const R t2r = xr[i2 + q] + xr[i3 + q], t2i = xi[i2 + q] + xi[i3 + q];
        const R t4r = xr[i2 + q] - xr[i3 + q], t4i = xi[i2 + q] - xi[i3 + q];
        const R a0r = xr[i0 + q], a0i = xi[i0 + q];
        yr[o + q] = a0r + t1r + t2r;
        yi[o + q] = a0i + t1i + t2i;
        const R b1r = a0r + c1 * t1r + c2 * t2r, b1i = a0i + c1 * t1i + c2 * t2i;
        const R b2r = a0r + c2 * t1r + c1 * t2r, b2i = a0i + c2 * t1i + c1 * t2i;
        const R vr = s1 * t3r + s2 * t4r, vi = s1 * t3i + s2 * t4i;
        const R ur = s2 * t3r - s1 * t4r, ui = s2 * t3i - s1 * t4i;
        // -i v = (vi, -vr)
        const R y1r = b1r + vi, y1i = b1i - vr, y4r = b1r - vi, y4i = b1i + vr;
        const R y2r = b2r + ui, y2i = b2i - ur, y3r = b2r - ui, y3i = b2i + ur;
        yr[o + s + q] = y1r * wr[1] - y1i * wi[1];
        yi[o + s + q] = y1r * wi[1] + y1i * wr[1];
        yr[o + 2 * s + q] = y2r * wr[2] - y2i * wi[2];
        yi[o + 2 * s + q] = y2r * wi[2] + y2i * wr[2];
        yr[o + 3 * s + q] = y3r * wr[3] - y3i * wi[3];
        yi[o + 3 * s + q] = y3r * wi[3] + y3i * wr[3];
        yr[o + 4 * s + q] = y4r * wr[4] - y4i * wi[4];
        yi[o + 4 * s + q] = y4r * wi[4] + y4i * wr[4];
      }
    }
    return;
  }
  // Any other prime: the p-point DFT by its matrix, W_p^{ru} = twiddle (r u mod p) n / p (the
  // index stepped rather than taken modulo p), then the stage's twiddle.
  R wpr[kLargestRadix], wpi[kLargestRadix];
  for (int k = 0; k < p; ++k) wpr[k] = twr[k * (n / p)], wpi[k] = twi[k * (n / p)];
  for (int64_t j = 0; j < m; ++j)
    for (int u = 0; u < p; ++u) {
      // Accumulated in the output, one input at a time (each pass a vector loop over q).
      R* __restrict br = yr + s * (p * j + u);
      R* __restrict bi = yi + s * (p * j + u);
      std::copy(xr + s * j, xr + s * (j + 1), br);
      std::copy(xi + s * j, xi + s * (j + 1), bi);
      for (int r = 1, k = u; r < p; ++r, k = k + u >= p ? k + u - p : k + u) {
        const R* __restrict ar = xr + s * (j + r * m);
        const R* __restrict ai = xi + s * (j + r * m);
        const R cr = wpr[k], ci = wpi[k];
        for (int64_t q = 0; q < s; ++q) {
          br[q] += ar[q] * cr - ai[q] * ci;
          bi[q] += ar[q] * ci + ai[q] * cr;
        }
      }
      if (u == 0 || j == 0) continue;
      const R wr = twr[j * u * step], wi = twi[j * u * step];
      for (int64_t q = 0; q < s; ++q) {
        const R re = br[q] * wr - bi[q] * wi;
        bi[q] = br[q] * wi + bi[q] * wr;
        br[q] = re;
      }
    }
}

// The forward transform of s0 interleaved sequences from x into out (x is not modified; out and
// x do not overlap); work holds work_size(plan, s0) reals.
template <class R>
void forward(const Plan<R>& plan, Planes<R> x, Planes<R> out, R* work, int64_t s0) {
  const int64_t n = plan.n, total = n * s0;
  if (plan.m == 0) {
    if (plan.radices.empty()) {  // n == 1
      std::copy(x.re, x.re + total, out.re);
      std::copy(x.im, x.im + total, out.im);
      return;
    }
    // Ping-pong between out and work, starting so that the last stage writes out.
    const size_t stages = plan.radices.size();
    const Planes<R> scratch{work, work + total};
    const Planes<R> bufs[2] = {stages % 2 == 1 ? out : scratch, stages % 2 == 1 ? scratch : out};
    Planes<R> src = x;
    int64_t n_cur = n, s = s0;
    for (size_t i = 0; i < stages; ++i) {
      const Planes<R> dst = bufs[i % 2];
      stage(plan.radices[i], n_cur, s, plan, src, dst);
      src = dst;
      n_cur /= plan.radices[i];
      s *= plan.radices[i];
    }
    return;
  }
  const int64_t m = plan.m, mt = m * s0;
  const Planes<R> a{work, work + mt}, fa{work + 2 * mt, work + 3 * mt};
  R* inner_work = work + 4 * mt;
  const R *cr = plan.chirp_re.data(), *ci = plan.chirp_im.data();
  const R *kr = plan.kernel_re.data(), *ki = plan.kernel_im.data();
  for (int64_t k = 0; k < n; ++k)
    for (int64_t q = 0; q < s0; ++q) {
      const int64_t i = k * s0 + q;
      a.re[i] = x.re[i] * cr[k] - x.im[i] * ci[k];
      a.im[i] = x.re[i] * ci[k] + x.im[i] * cr[k];
    }
  std::fill(a.re + total, a.re + mt, R(0));
  std::fill(a.im + total, a.im + mt, R(0));
  forward(*plan.inner, a, fa, inner_work, s0);
  // times the chirp's transform, conjugated: the inverse transform as conj(forward(conj(.)))
  for (int64_t k = 0; k < m; ++k)
    for (int64_t q = 0; q < s0; ++q) {
      const int64_t i = k * s0 + q;
      const R re = fa.re[i] * kr[k] - fa.im[i] * ki[k], im = fa.re[i] * ki[k] + fa.im[i] * kr[k];
      fa.re[i] = re;
      fa.im[i] = -im;
    }
  forward(*plan.inner, fa, a, inner_work, s0);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t q = 0; q < s0; ++q) {
      const int64_t i = k * s0 + q;
      const R re = a.re[i], im = -a.im[i];
      out.re[i] = re * cr[k] - im * ci[k];
      out.im[i] = re * ci[k] + im * cr[k];
    }
}

// exp(-2 pi i k / n) for k = 0 .. n / 2, as (re, im) pairs: the twiddles that split a real
// transform into a complex one of half the length. Made once per length and precision.
template <class R>
std::shared_ptr<const std::vector<R>> half_twiddles(int64_t n) {
  static std::mutex mutex;
  static std::map<int64_t, std::shared_ptr<const std::vector<R>>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[n];
  if (!slot) {
    auto tw = std::make_shared<std::vector<R>>(static_cast<size_t>(2 * (n / 2 + 1)));
    for (int64_t k = 0; k <= n / 2; ++k) {
      const auto [c, si] = unit(-2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n));
      (*tw)[static_cast<size_t>(2 * k)] = static_cast<R>(c);
      (*tw)[static_cast<size_t>(2 * k + 1)] = static_cast<R>(si);
    }
    slot = std::move(tw);
  }
  return slot;
}

// Per thread and kept, one for every kind of transform: fresh buffers cost a zero fill and, for
// long rows, page faults.
template <class R>
std::vector<R>& block_buffers() {
  thread_local std::vector<R> buffers;
  return buffers;
}

// Transforms `batch` sequences of plan.n complex numbers in blocks of rows (a vector register's
// floats twice over, fewer for long rows so that a block stays near the cache), split into
// planes: load(r0, w, xp, spare) fills the planes of rows r0 .. r0 + w (element k of row q at
// k * w + q), store(r0, w, yp, spare) takes their transforms. `spare` holds 2 * (plan.n + 1) * w
// reals that nothing else uses at that moment (the output planes while loading, the input ones
// while storing): room for a real transform's h + 1 frequencies as planes.
template <class R, class Load, class Store>
void transform_blocks(const Plan<R>& plan, int64_t batch, Load load, Store store) {
  const int64_t n = plan.n;
  const int64_t per_block = std::max<int64_t>(1, (int64_t{1} << 17) / n);
  const int64_t width = std::min<int64_t>({batch, static_cast<int64_t>(64 / sizeof(R)), per_block});
  const int64_t blocks = (batch + width - 1) / width;
  parallel_for(0, blocks, std::max<int64_t>(1, kGrain / (n * width)), [&](int64_t b, int64_t e) {
    std::vector<R>& buffers = block_buffers<R>();
    const auto planes = static_cast<size_t>(2 * (n + 1) * width);
    if (buffers.size() < 2 * planes + static_cast<size_t>(work_size(plan, width)))
      buffers.resize(2 * planes + static_cast<size_t>(work_size(plan, width)));
    R* in_planes = buffers.data();
    R* out_planes = in_planes + planes;
    R* work = out_planes + planes;
    for (int64_t block = b; block < e; ++block) {
      const int64_t r0 = block * width, w = std::min(width, batch - r0);
      const Planes<R> xp{in_planes, in_planes + n * w}, yp{out_planes, out_planes + n * w};
      load(r0, w, xp, out_planes);
      forward(plan, xp, yp, work, w);
      store(r0, w, yp, in_planes);
    }
  });
}

// Runs f(q, k) for the rows q < w and positions k < n, in tiles of kTile positions so that the
// lines the planes' columns touch stay in L1 while every row passes through them.
template <class F>
inline void tiled(int64_t w, int64_t n, F f) {
  constexpr int64_t kTile = 64;
  for (int64_t k0 = 0; k0 < n; k0 += kTile)
    for (int64_t q = 0; q < w; ++q)
      for (int64_t k = k0, k1 = std::min(n, k0 + kTile); k < k1; ++k) f(q, k);
}

// Rows of n complex numbers (2n interleaved reals, row q at x + q * stride) into the planes of w
// rows (element k of row q at k * w + q), the imaginary parts times `sign`; planes_to_rows is the
// way back. With AVX2 the blocks of 8 rows by 4 positions (doubles: 4 by 2) go through a register
// transpose: the element-by-element copies took a third of a transform's time.
// Runs f(q, k) on what the register blocks of rows_to_planes / planes_to_rows left: positions
// from `positions` on in the first `rows` rows, and all of the other rows.
template <class F>
void outside_blocks(int64_t w, int64_t n, int64_t rows, int64_t positions, F f) {
  for (int64_t q = 0; q < rows; ++q)
    for (int64_t k = positions; k < n; ++k) f(q, k);
  tiled(w - rows, n, [&](int64_t q, int64_t k) { f(rows + q, k); });
}

template <class R>
void rows_to_planes(const R* x, int64_t stride, int64_t w, int64_t n, R sign, Planes<R> p) {
  int64_t rows = 0, positions = 0;  // what the blocks cover
#ifdef __AVX2__
  constexpr int64_t kRows = 32 / sizeof(R), kPositions = kRows / 2;
  rows = w / kRows * kRows;
  positions = n / kPositions * kPositions;
  // Rows outside: with the positions outside (a plane line's blocks one after the other) the
  // moves took 1.3-1.6x the time.
  for (int64_t q0 = 0; q0 < rows; q0 += kRows)
    for (int64_t k = 0; k < positions; k += kPositions) {
      if constexpr (std::is_same_v<R, float>) {
        __m256 r[8];
        for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(x + (q0 + i) * stride + 2 * k);
        transpose8(r);  // r[2j]: the real parts of position k + j, r[2j + 1] the imaginary ones
        const __m256 s = _mm256_set1_ps(sign);
        for (int j = 0; j < 4; ++j) {
          _mm256_storeu_ps(p.re + (k + j) * w + q0, r[2 * j]);
          _mm256_storeu_ps(p.im + (k + j) * w + q0, _mm256_mul_ps(r[2 * j + 1], s));
        }
      } else {
        __m256d r[4];
        for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(x + (q0 + i) * stride + 2 * k);
        transpose4(r);
        const __m256d s = _mm256_set1_pd(sign);
        for (int j = 0; j < 2; ++j) {
          _mm256_storeu_pd(p.re + (k + j) * w + q0, r[2 * j]);
          _mm256_storeu_pd(p.im + (k + j) * w + q0, _mm256_mul_pd(r[2 * j + 1], s));
        }
      }
    }
#endif
  outside_blocks(w, n, rows, positions, [&](int64_t q, int64_t k) {
    const R* __restrict src = x + q * stride;
    p.re[k * w + q] = src[2 * k];
    p.im[k * w + q] = sign * src[2 * k + 1];
  });
}

template <class R>
void planes_to_rows(Planes<R> p, int64_t w, int64_t n, R sign, R* y, int64_t stride) {
  int64_t rows = 0, positions = 0;
#ifdef __AVX2__
  constexpr int64_t kRows = 32 / sizeof(R), kPositions = kRows / 2;
  rows = w / kRows * kRows;
  positions = n / kPositions * kPositions;
  // Rows outside: with the positions outside (a plane line's blocks one after the other) the
  // moves took 1.3-1.6x the time.
  for (int64_t q0 = 0; q0 < rows; q0 += kRows)
    for (int64_t k = 0; k < positions; k += kPositions) {
      if constexpr (std::is_same_v<R, float>) {
        __m256 r[8];
        const __m256 s = _mm256_set1_ps(sign);
        for (int j = 0; j < 4; ++j) {
          r[2 * j] = _mm256_loadu_ps(p.re + (k + j) * w + q0);
          r[2 * j + 1] = _mm256_mul_ps(_mm256_loadu_ps(p.im + (k + j) * w + q0), s);
        }
        transpose8(r);  // r[i]: row q0 + i's positions k .. k + 3, interleaved
        for (int i = 0; i < 8; ++i) _mm256_storeu_ps(y + (q0 + i) * stride + 2 * k, r[i]);
      } else {
        __m256d r[4];
        const __m256d s = _mm256_set1_pd(sign);
        for (int j = 0; j < 2; ++j) {
          r[2 * j] = _mm256_loadu_pd(p.re + (k + j) * w + q0);
          r[2 * j + 1] = _mm256_mul_pd(_mm256_loadu_pd(p.im + (k + j) * w + q0), s);
        }
        transpose4(r);
        for (int i = 0; i < 4; ++i) _mm256_storeu_pd(y + (q0 + i) * stride + 2 * k, r[i]);
      }
    }
#endif
  outside_blocks(w, n, rows, positions, [&](int64_t q, int64_t k) {
    R* __restrict dst = y + q * stride;
    dst[2 * k] = p.re[k * w + q];
    dst[2 * k + 1] = sign * p.im[k * w + q];
  });
}

// Rows of n complex numbers (as 2n reals) to their transforms; the inverse is the forward
// transform between two conjugations, folded into the copies.
template <class R>
void complex_rows(int64_t batch, int64_t n, bool inverse, const R* x, R* y) {
  const auto plan = plan_for<R>(n);
  const R sign = inverse ? R(-1) : R(1);
  transform_blocks<R>(
      *plan, batch,
      // Read as floats: std::complex's accessors kept these copies scalar.
      [&](int64_t r0, int64_t w, Planes<R> xp, R*) { rows_to_planes(x + 2 * r0 * n, 2 * n, w, n, sign, xp); },
      [&](int64_t r0, int64_t w, Planes<R> yp, R*) { planes_to_rows(yp, w, n, sign, y + 2 * r0 * n, 2 * n); });
}

// Real rows of even length n = 2h as complex transforms of length h, half the work of one of
// length n. Forward: each row read as h complex numbers z_j = x_2j + i x_2j+1, whose transform Z
// gives the even and odd samples' transforms E_k = (Z_k + conj Z_h-k) / 2 and O_k = (Z_k -
// conj Z_h-k) / 2i, and X_k = E_k + W^k O_k for k = 0 .. h. Inverse: h + 1 frequencies per row
// give Z_k = (X_k + conj X_h-k) + i W^-k (X_k - conj X_h-k), whose inverse transform of length h
// holds the even samples in its real parts and the odd ones in its imaginary parts.
template <class R>
void real_rows_even(int64_t batch, int64_t n, bool inverse, const R* x, R* y) {
  const int64_t h = n / 2;
  const auto plan = plan_for<R>(h);
  const auto twiddles = half_twiddles<R>(n);
  const R* tw = twiddles->data();
  // The h + 1 frequencies of a block's rows as planes in `spare`, moved to or from the rows by
  // the register transposes; the combining loops run over the rows, contiguous in the planes
  // (vectors): done per row and frequency, they took half of an rfft's time.
  if (!inverse)
    return transform_blocks<R>(
        *plan, batch,
        [&](int64_t r0, int64_t w, Planes<R> xp, R*) { rows_to_planes(x + r0 * n, n, w, h, R(1), xp); },
        [&](int64_t r0, int64_t w, Planes<R> yp, R* spare) {
          const Planes<R> f{spare, spare + (h + 1) * w};
          for (int64_t k = 0; k <= h; ++k) {
            const R* __restrict ar = yp.re + (k == h ? 0 : k) * w;
            const R* __restrict ai = yp.im + (k == h ? 0 : k) * w;
            const R* __restrict cr = yp.re + (k == 0 ? 0 : h - k) * w;
            const R* __restrict ci = yp.im + (k == 0 ? 0 : h - k) * w;
            R* __restrict fr = f.re + k * w;
            R* __restrict fi = f.im + k * w;
            const R wr = tw[2 * k], wi = tw[2 * k + 1];
            for (int64_t q = 0; q < w; ++q) {
              const R er = (ar[q] + cr[q]) * R(0.5), ei = (ai[q] - ci[q]) * R(0.5);
              const R orr = (ai[q] + ci[q]) * R(0.5), oi = (cr[q] - ar[q]) * R(0.5);
              fr[q] = er + wr * orr - wi * oi;
              fi[q] = ei + wr * oi + wi * orr;
            }
          }
          planes_to_rows(f, w, h + 1, R(1), y + 2 * r0 * (h + 1), 2 * (h + 1));
        });
  transform_blocks<R>(
      *plan, batch,
      [&](int64_t r0, int64_t w, Planes<R> xp, R* spare) {
        const Planes<R> f{spare, spare + (h + 1) * w};
        rows_to_planes(x + 2 * r0 * (h + 1), 2 * (h + 1), w, h + 1, R(1), f);
        // X_0 and X_h enter as real numbers.
        std::fill(f.im, f.im + w, R(0));
        std::fill(f.im + h * w, f.im + (h + 1) * w, R(0));
        for (int64_t k = 0; k < h; ++k) {
          const R* __restrict ar = f.re + k * w;
          const R* __restrict ai = f.im + k * w;
          const R* __restrict cr = f.re + (h - k) * w;
          const R* __restrict ci = f.im + (h - k) * w;
          R* __restrict zr = xp.re + k * w;
          R* __restrict zi = xp.im + k * w;
          const R wr = tw[2 * k], wi = tw[2 * k + 1];
          for (int64_t q = 0; q < w; ++q) {
            const R sr = ar[q] + cr[q], si = ai[q] - ci[q], dr = ar[q] - cr[q], di = ai[q] + ci[q];
            const R tr = wr * dr + wi * di, ti = wr * di - wi * dr;  // W^-k d
            zr[q] = sr - ti;
            zi[q] = -(si + tr);  // conjugated: the inverse as a forward transform
          }
        }
      },
      [&](int64_t r0, int64_t w, Planes<R> yp, R*) { planes_to_rows(yp, w, h, R(-1), y + r0 * n, n); });
}

// Odd lengths: the full complex transform, its first half kept (forward), or of the spectrum
// completed by symmetry, its real parts kept (inverse).
template <class R>
void real_rows_odd(int64_t batch, int64_t n, bool inverse, const R* x, R* y) {
  const int64_t h = n / 2 + 1;
  const auto plan = plan_for<R>(n);
  transform_blocks<R>(
      *plan, batch,
      [&](int64_t r0, int64_t w, Planes<R> xp, R*) {
        tiled(w, n, [&](int64_t q, int64_t k) {
          if (!inverse) {
            xp.re[k * w + q] = x[(r0 + q) * n + k];
            xp.im[k * w + q] = R(0);
            return;
          }
          const R* __restrict src = x + 2 * (r0 + q) * h;
          const int64_t j = k < h ? k : n - k;  // X_n-k = conj X_k
          xp.re[k * w + q] = src[2 * j];
          xp.im[k * w + q] = j == 0 ? R(0) : k < h ? -src[2 * j + 1] : src[2 * j + 1];
        });
      },
      [&](int64_t r0, int64_t w, Planes<R> yp, R*) {
        tiled(w, inverse ? n : h, [&](int64_t q, int64_t k) {
          if (inverse) {
            y[(r0 + q) * n + k] = yp.re[k * w + q];
            return;
          }
          R* __restrict dst = y + 2 * (r0 + q) * h;
          dst[2 * k] = yp.re[k * w + q];
          dst[2 * k + 1] = yp.im[k * w + q];
        });
      });
}

}  // namespace

void fft(DType dtype, FftKind kind, int64_t batch, int64_t n, bool inverse, const void* in, void* out) {
  if (batch == 0 || n == 0) return;
  dispatch_complex(dtype, [&]<class T>() {
    using R = typename T::value_type;
    const auto* x = static_cast<const R*>(in);
    auto* y = static_cast<R*>(out);
    if (kind == FftKind::C2C) return complex_rows(batch, n, inverse, x, y);
    const bool backward = kind == FftKind::C2R;
    if (n % 2 == 1) return real_rows_odd(batch, n, backward, x, y);
    real_rows_even(batch, n, backward, x, y);
  });
}

}  // namespace tg::kernels::cpu
