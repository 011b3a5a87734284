// torch.stft and torch.istft, composed of unfold, the torch.fft transforms and index_add (the
// overlap-add), so that their gradients are those ops' own.
#include "tapegrad/tensor/ops/spectral.h"

#include <algorithm>
#include <string>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

struct Framing {
  int64_t hop, win;
};

Framing framing(const char* name, int64_t n_fft, std::optional<int64_t> hop_length, std::optional<int64_t> win_length) {
  TG_CHECK_VALUE(n_fft > 0, "{}: expected n_fft > 0, got {}", name, n_fft);
  const Framing f{hop_length.value_or(std::max<int64_t>(n_fft / 4, 1)), win_length.value_or(n_fft)};
  TG_CHECK_VALUE(f.win > 0 && f.win <= n_fft, "{}: expected 0 < win_length <= n_fft, got win_length={} and n_fft={}",
                 name, f.win, n_fft);
  TG_CHECK_VALUE(f.hop > 0, "{}: expected hop_length > 0, got {}", name, f.hop);
  return f;
}

// The window as long as a frame: ones by default, a shorter one centred between zeros.
Tensor frame_window(const char* name, const Tensor& window, int64_t win, int64_t n_fft, const Tensor& like) {
  Tensor w;
  if (window.defined()) {
    TG_CHECK(window.dim() == 1 && window.numel() == win,
             "{}: expected a 1-D window of win_length={} values, got a window of shape {}", name, win, window.sizes());
    TG_CHECK(window.device() == like.device(), "{}: the window is on {} but the input is on {}", name, window.device(),
             like.device());
    w = window;
  } else {
    w = ones(
        {win},
        TensorOptions(is_complex(like.dtype()) ? to_real_dtype(like.dtype()) : like.dtype()).device(like.device()));
  }
  if (win == n_fft) return w;
  const int64_t left = (n_fft - win) / 2;
  return pad(w, {left, n_fft - win - left});
}

// x padded by p at both ends of its last dim, as torch.nn.functional.pad's modes do.
Tensor pad_ends(const Tensor& x, int64_t p, std::string_view mode) {
  const int64_t n = x.sizes()[x.dim() - 1];
  if (mode == "constant") return pad(x, {p, p});
  Shape ends = x.sizes();
  ends[ends.size() - 1] = p;
  if (mode == "reflect") {
    TG_CHECK_VALUE(p < n, "stft: reflect padding by {} (n_fft / 2) needs a signal longer than that, got {} samples", p,
                   n);
    return cat({x.narrow(-1, 1, p).flip({-1}), x, x.narrow(-1, n - 1 - p, p).flip({-1})}, -1);
  }
  if (mode == "replicate") {
    TG_CHECK_VALUE(n > 0, "stft: replicate padding needs a non-empty signal");
    return cat({x.narrow(-1, 0, 1).expand(ends), x, x.narrow(-1, n - 1, 1).expand(ends)}, -1);
  }
  if (mode == "circular") {
    TG_CHECK_VALUE(p <= n, "stft: circular padding by {} (n_fft / 2) needs at least that many samples, got {}", p, n);
    return cat({x.narrow(-1, n - p, p), x, x.narrow(-1, 0, p)}, -1);
  }
  TG_FAIL_VALUE("stft: pad_mode must be \"reflect\", \"constant\", \"replicate\" or \"circular\", got \"{}\"",
                std::string(mode));
}

}  // namespace

Tensor stft(const Tensor& input, int64_t n_fft, std::optional<int64_t> hop_length, std::optional<int64_t> win_length,
            const Tensor& window, bool center, std::string_view pad_mode, bool normalized, std::optional<bool> onesided,
            std::optional<bool> return_complex, SourceLoc loc) {
  detail::ApiScope scope("stft", loc);
  ops::check_defined("stft", input, "input");
  TG_CHECK(input.dim() == 1 || input.dim() == 2, "stft: expected a 1-D or 2-D (batch, length) input, got shape {}",
           input.sizes());
  TG_CHECK_TYPE(is_inexact(input.dtype()), "stft: expected a floating-point or complex input, got {}", input.dtype());
  const Framing f = framing("stft", n_fft, hop_length, win_length);
  const Tensor w = frame_window("stft", window, f.win, n_fft, input);
  const bool complex_in = input.is_complex() || w.is_complex();
  const bool one_side = onesided.value_or(!complex_in);
  TG_CHECK_VALUE(!(one_side && complex_in), "stft: a onesided transform needs a real input and window, got {} and {}",
                 input.dtype(), w.dtype());
  Tensor x = input.dim() == 1 ? input.unsqueeze(0) : input;
  if (center) x = pad_ends(x, n_fft / 2, pad_mode);
  const int64_t length = x.sizes()[1];
  TG_CHECK_VALUE(n_fft <= length, "stft: expected n_fft <= the {}signal's length, got n_fft={} and {} samples",
                 center ? "padded " : "", n_fft, length);
  const Tensor frames = x.unfold(1, n_fft, f.hop) * w;  // [B, frames, n_fft]
  const std::string_view norm = normalized ? "ortho" : "backward";
  Tensor out =
      (one_side ? fft::rfft(frames, std::nullopt, -1, norm) : fft::fft(frames, std::nullopt, -1, norm)).transpose(1, 2);
  if (input.dim() == 1) out = out.squeeze(0);
  return return_complex.value_or(true) ? out : view_as_real(out);
}

Tensor istft(const Tensor& input, int64_t n_fft, std::optional<int64_t> hop_length, std::optional<int64_t> win_length,
             const Tensor& window, bool center, bool normalized, std::optional<bool> onesided,
             std::optional<int64_t> length, bool return_complex, SourceLoc loc) {
  detail::ApiScope scope("istft", loc);
  ops::check_defined("istft", input, "input");
  TG_CHECK_TYPE(input.is_complex(), "istft: expected a complex input (stft's return_complex=True), got {}",
                input.dtype());
  TG_CHECK(input.dim() == 2 || input.dim() == 3,
           "istft: expected a 2-D (freqs, frames) or 3-D (batch, freqs, frames) input, got shape {}", input.sizes());
  const Framing f = framing("istft", n_fft, hop_length, win_length);
  TG_CHECK_VALUE(f.hop <= f.win, "istft: expected 0 < hop_length <= win_length, got hop_length={} and win_length={}",
                 f.hop, f.win);
  const Tensor spec = input.dim() == 2 ? input.unsqueeze(0) : input;
  const int64_t freqs = spec.sizes()[1], frames = spec.sizes()[2];
  const bool one_side = onesided.value_or(freqs != n_fft);
  TG_CHECK_VALUE(freqs == (one_side ? n_fft / 2 + 1 : n_fft),
                 "istft: expected {} frequencies for n_fft={} ({}), got {}", one_side ? n_fft / 2 + 1 : n_fft, n_fft,
                 one_side ? "onesided" : "two-sided", freqs);
  TG_CHECK_VALUE(!(one_side && return_complex), "istft: a complex result needs onesided=False");
  TG_CHECK_VALUE(frames > 0, "istft: expected at least one frame, got shape {}", input.sizes());
  const Tensor w = frame_window("istft", window, f.win, n_fft, input);
  TG_CHECK_VALUE(return_complex || !w.is_complex(), "istft: a complex window needs return_complex=True");

  const std::string_view norm = normalized ? "ortho" : "backward";
  const Tensor t = spec.transpose(1, 2);  // [B, frames, freqs]
  Tensor y = one_side ? fft::irfft(t, n_fft, -1, norm) : fft::ifft(t, n_fft, -1, norm);
  if (!return_complex && y.is_complex()) y = real(y);
  y = y * w;
  // Overlap-add: frame i's sample k lands at i * hop + k.
  const TensorOptions places = TensorOptions(kInt64).device(input.device());
  const Tensor at = (arange(frames, places) * f.hop).unsqueeze(1) + arange(n_fft, places);
  const Tensor flat = at.reshape({-1});
  const int64_t total = n_fft + f.hop * (frames - 1), batch = spec.sizes()[0];
  Tensor signal = index_add(zeros({batch, total}, y.options()), 1, flat, y.reshape({batch, -1}));
  Tensor envelope = index_add(zeros({total}, w.options()), 0, flat, square(w).expand({frames, n_fft}).reshape({-1}));

  const int64_t start = center ? n_fft / 2 : 0;
  const int64_t end = length ? start + *length : (center ? total - n_fft / 2 : total);
  TG_CHECK_VALUE(!length || *length >= 0, "istft: expected length >= 0, got {}", length.value_or(0));
  const int64_t stop = std::min(end, total);
  signal = signal.narrow(1, start, std::max<int64_t>(stop - start, 0));
  envelope = envelope.narrow(0, start, std::max<int64_t>(stop - start, 0));
  if (envelope.numel() > 0) {
    const double smallest = abs(envelope.detach()).min().item<double>();
    TG_CHECK_VALUE(smallest > 1e-11,
                   "istft: the window's overlapped squares vanish inside the signal (smallest {}): the window and "
                   "hop_length={} fail the NOLA condition",
                   smallest, f.hop);
  }
  signal = signal / envelope;
  if (end > total) signal = pad(signal, {0, end - total});
  return input.dim() == 2 ? signal.squeeze(0) : signal;
}

}  // namespace tg
