// The CPU's discrete Fourier transform of contiguous complex rows: a mixed-radix Stockham
// autosort (radices 4, 2, 3 and the other primes up to 31, in natural order without a bit
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
#include <vector>

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

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

// Radices of n: 4s, then 2, 3 and the other small primes; empty when n has a prime factor
// above kLargestRadix.
std::vector<int> factor(int64_t n) {
  std::vector<int> r;
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

}  // namespace

void fft(DType dtype, int64_t batch, int64_t n, bool inverse, const void* in, void* out) {
  if (batch == 0 || n == 0) return;
  dispatch_complex(dtype, [&]<class T>() {
    using R = typename T::value_type;
    const auto plan = plan_for<R>(n);
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    // Rows in blocks of `width` (a vector register's floats twice over, fewer for long rows so
    // that a block stays near the cache), split into planes; the inverse is the forward
    // transform between two conjugations, folded into the copies.
    const int64_t per_block = std::max<int64_t>(1, (int64_t{1} << 17) / n);
    const int64_t width = std::min<int64_t>({batch, static_cast<int64_t>(64 / sizeof(R)), per_block});
    const R sign = inverse ? R(-1) : R(1);
    const int64_t blocks = (batch + width - 1) / width;
    parallel_for(0, blocks, std::max<int64_t>(1, kGrain / (n * width)), [&](int64_t b, int64_t e) {
      // Per thread and kept: fresh buffers cost a zero fill and, for long rows, page faults.
      thread_local std::vector<R> buffers;
      const auto planes = static_cast<size_t>(2 * n * width);
      if (buffers.size() < 2 * planes + static_cast<size_t>(work_size(*plan, width)))
        buffers.resize(2 * planes + static_cast<size_t>(work_size(*plan, width)));
      R* in_planes = buffers.data();
      R* out_planes = in_planes + planes;
      R* work = out_planes + planes;
      for (int64_t block = b; block < e; ++block) {
        const int64_t r0 = block * width, w = std::min(width, batch - r0);
        const Planes<R> xp{in_planes, in_planes + n * w}, yp{out_planes, out_planes + n * w};
        // Read as floats: std::complex's accessors kept these copies scalar.
        // In tiles of kTile elements, so that the lines written stay in L1 while every row
        // fills its column of them.
        constexpr int64_t kTile = 64;
        for (int64_t k0 = 0; k0 < n; k0 += kTile)
          for (int64_t q = 0; q < w; ++q) {
            const R* __restrict src = reinterpret_cast<const R*>(x + (r0 + q) * n);
            R* __restrict re = xp.re + q;
            R* __restrict im = xp.im + q;
            for (int64_t k = k0, k1 = std::min(n, k0 + kTile); k < k1; ++k) {
              re[k * w] = src[2 * k];
              im[k * w] = sign * src[2 * k + 1];
            }
          }
        forward(*plan, xp, yp, work, w);
        for (int64_t k0 = 0; k0 < n; k0 += kTile)
          for (int64_t q = 0; q < w; ++q) {
            R* __restrict dst = reinterpret_cast<R*>(y + (r0 + q) * n);
            const R* __restrict re = yp.re + q;
            const R* __restrict im = yp.im + q;
            for (int64_t k = k0, k1 = std::min(n, k0 + kTile); k < k1; ++k) {
              dst[2 * k] = re[k * w];
              dst[2 * k + 1] = sign * im[k * w];
            }
          }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
