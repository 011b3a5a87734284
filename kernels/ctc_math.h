#pragma once
// The CTC recursions over one sequence's extended targets, in log space, shared by the CPU and
// CUDA kernels. alpha_t(s) sums the paths that emit the first t + 1 steps and end in state s;
// beta_t(s) the paths from state s at step t to the end. Both include step t's emission, so a
// state's share of the likelihood at step t is alpha_t(s) + beta_t(s) - log_probs[t][ext[s]].
#include <cmath>
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels::ctc {

// A path may jump from s - 2 to s over the blank between two different labels.
TG_HOST_DEVICE inline bool can_skip(const int64_t* ext, int64_t s, int64_t blank) {
  return s >= 2 && ext[s] != blank && ext[s] != ext[s - 2];
}

// log(exp(a) + exp(b) + exp(c)); -inf when all are (an unreachable state), not NaN.
template <class A>
TG_HOST_DEVICE inline A log_add(A a, A b, A c) {
  A m = a > b ? a : b;
  m = m > c ? m : c;
  if (m == A(-INFINITY)) return m;
  return m + std::log(std::exp(a - m) + std::exp(b - m) + std::exp(c - m));
}

// alpha_t(s) from the previous step's row (states below `s` of it hold values).
template <class A, class T>
TG_HOST_DEVICE inline T alpha_step(const T* lp_row, const T* prev, const int64_t* ext, int64_t s, int64_t blank) {
  const A none = A(-INFINITY);
  const A v = log_add<A>(static_cast<A>(prev[s]), s >= 1 ? static_cast<A>(prev[s - 1]) : none,
                         can_skip(ext, s, blank) ? static_cast<A>(prev[s - 2]) : none);
  return static_cast<T>(v == none ? v : v + static_cast<A>(lp_row[ext[s]]));
}

// beta_t(s) from the next step's row of `states` states.
template <class A, class T>
TG_HOST_DEVICE inline T beta_step(const T* lp_row, const T* next, const int64_t* ext, int64_t s, int64_t states,
                                  int64_t blank) {
  const A none = A(-INFINITY);
  const A v = log_add<A>(static_cast<A>(next[s]), s + 1 < states ? static_cast<A>(next[s + 1]) : none,
                         s + 2 < states && can_skip(ext, s + 2, blank) ? static_cast<A>(next[s + 2]) : none);
  return static_cast<T>(v == none ? v : v + static_cast<A>(lp_row[ext[s]]));
}

// -log p from the last input step's alphas; an empty input matches only an empty target.
template <class A, class T>
TG_HOST_DEVICE inline T nll_of(const T* last_alpha, int64_t input_length, int64_t target_length) {
  if (input_length == 0) return target_length == 0 ? T(0) : T(INFINITY);
  const A none = A(-INFINITY);
  const int64_t s = 2 * target_length;
  return static_cast<T>(
      -log_add<A>(static_cast<A>(last_alpha[s]), target_length > 0 ? static_cast<A>(last_alpha[s - 1]) : none, none));
}

// The gradient's term of state s at one step: -exp(alpha + beta + nll - log_prob), the share of
// the likelihood that passes through it (0 for an unreachable state, whatever the log_prob).
template <class A, class T>
TG_HOST_DEVICE inline A share(T alpha, T beta, A nll, T lp) {
  const A ab = static_cast<A>(alpha) + static_cast<A>(beta);
  return ab == A(-INFINITY) ? A(0) : std::exp(ab + nll - static_cast<A>(lp));
}

// The share of a class at one step: the sum of share() over its states, from its first state `s`
// along next_same (in state order, so that the CPU and the GPU add alike).
template <class A, class T>
TG_HOST_DEVICE inline A class_share(const T* alpha, const T* beta, A nll, T lp, const int64_t* next_same, int64_t s) {
  A sum = 0;
  for (int64_t k = s; k >= 0; k = next_same[k]) sum += share<A>(alpha[k], beta[k], nll, lp);
  return sum;
}

// The per-step loops of both devices, over states s0, s0 + ds, ... below `states`: all of them on
// the CPU (0, 1), a thread's share on the GPU (threadIdx.x, blockDim.x).

// Alpha row t from row t - 1; prev null at the first step, where a path starts in the leading
// blank or the first label.
template <class T>
TG_HOST_DEVICE inline void alpha_row(const T* lp_row, const T* prev, T* cur, const int64_t* ext, int64_t states,
                                     int64_t blank, int64_t s0, int64_t ds) {
  for (int64_t s = s0; s < states; s += ds)
    cur[s] = prev != nullptr ? alpha_step<T>(lp_row, prev, ext, s, blank) : s < 2 ? lp_row[ext[s]] : T(-INFINITY);
}

// Beta row t from row t + 1; next null at the last step, where a path ends in the last label or
// the blank after it.
template <class T>
TG_HOST_DEVICE inline void beta_row(const T* lp_row, const T* next, T* cur, const int64_t* ext, int64_t states,
                                    int64_t blank, int64_t s0, int64_t ds) {
  for (int64_t s = s0; s < states; s += ds)
    cur[s] = next != nullptr   ? beta_step<T>(lp_row, next, ext, s, states, blank)
             : s + 2 >= states ? lp_row[ext[s]]
                               : T(-INFINITY);
}

// Step t's gradient row: each class, from its first state, gets -grad_nll times its share.
template <class T>
TG_HOST_DEVICE inline void gradient_row(const T* alpha, const T* beta, T nll, T grad_nll, const T* lp_row,
                                        const int64_t* ext, const int64_t* next_same, const int64_t* first,
                                        int64_t states, T* grad_row, int64_t s0, int64_t ds) {
  for (int64_t s = s0; s < states; s += ds)
    if (first[s] != 0) grad_row[ext[s]] = -grad_nll * class_share<T>(alpha, beta, nll, lp_row[ext[s]], next_same, s);
}

}  // namespace tg::kernels::ctc
