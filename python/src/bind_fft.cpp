// tg._C.fft: torch.fft's transforms, frequencies and shifts (tensor/ops/fft.h); torch.stft and
// torch.istft (tensor/ops/spectral.h).
#include <tapegrad/tensor/ops/spectral.h>

#include "bindings.h"

namespace tgpy {
namespace {

using OneDim = tg::Tensor (*)(const tg::Tensor&, std::optional<int64_t>, int64_t, std::string_view, tg::SourceLoc);
using AnyDims = tg::Tensor (*)(const tg::Tensor&, std::optional<tg::Shape>, std::optional<tg::Shape>, std::string_view,
                               tg::SourceLoc);
using TwoDims = tg::Tensor (*)(const tg::Tensor&, std::optional<tg::Shape>, const tg::Shape&, std::string_view,
                               tg::SourceLoc);

void def_one_dim(py::module_& m, const char* name, OneDim f) {
  m.def(
      name,
      [f](const tg::Tensor& x, std::optional<int64_t> n, int64_t dim, const std::optional<std::string>& norm) {
        return nogil([&] { return f(x, n, dim, norm.value_or("backward"), tg::SourceLoc{}); });
      },
      py::arg("input"), py::arg("n") = py::none(), py::arg("dim") = -1, py::arg("norm") = py::none());
}

void def_any_dims(py::module_& m, const char* name, AnyDims f) {
  m.def(
      name,
      [f](const tg::Tensor& x, std::optional<tg::Shape> s, std::optional<tg::Shape> dim,
          const std::optional<std::string>& norm) {
        return nogil([&] { return f(x, s, dim, norm.value_or("backward"), tg::SourceLoc{}); });
      },
      py::arg("input"), py::arg("s") = py::none(), py::arg("dim") = py::none(), py::arg("norm") = py::none());
}

void def_two_dims(py::module_& m, const char* name, TwoDims f) {
  m.def(
      name,
      [f](const tg::Tensor& x, std::optional<tg::Shape> s, const tg::Shape& dim,
          const std::optional<std::string>& norm) {
        return nogil([&] { return f(x, s, dim, norm.value_or("backward"), tg::SourceLoc{}); });
      },
      py::arg("input"), py::arg("s") = py::none(), py::arg("dim") = tg::Shape{-2, -1}, py::arg("norm") = py::none());
}

tg::TensorOptions options_of(const std::optional<tg::DType>& dtype, const std::optional<tg::Device>& device) {
  tg::TensorOptions o;
  if (dtype) o = o.dtype(*dtype);
  if (device) o = o.device(*device);
  return o;
}

}  // namespace

void bind_fft(py::module_& m, TensorClass& cls) {
  py::module_ f = m.def_submodule("fft", "torch.fft: discrete Fourier transforms");
  def_one_dim(f, "fft", &tg::fft::fft);
  def_one_dim(f, "ifft", &tg::fft::ifft);
  def_one_dim(f, "rfft", &tg::fft::rfft);
  def_one_dim(f, "irfft", &tg::fft::irfft);
  def_one_dim(f, "hfft", &tg::fft::hfft);
  def_one_dim(f, "ihfft", &tg::fft::ihfft);
  def_any_dims(f, "fftn", &tg::fft::fftn);
  def_any_dims(f, "ifftn", &tg::fft::ifftn);
  def_any_dims(f, "rfftn", &tg::fft::rfftn);
  def_any_dims(f, "irfftn", &tg::fft::irfftn);
  def_any_dims(f, "hfftn", &tg::fft::hfftn);
  def_any_dims(f, "ihfftn", &tg::fft::ihfftn);
  def_two_dims(f, "fft2", &tg::fft::fft2);
  def_two_dims(f, "ifft2", &tg::fft::ifft2);
  def_two_dims(f, "rfft2", &tg::fft::rfft2);
  def_two_dims(f, "irfft2", &tg::fft::irfft2);
  def_two_dims(f, "hfft2", &tg::fft::hfft2);
  def_two_dims(f, "ihfft2", &tg::fft::ihfft2);
  for (const auto& [name, fn] : {std::pair{"fftfreq", &tg::fft::fftfreq}, std::pair{"rfftfreq", &tg::fft::rfftfreq}})
    f.def(
        name,
        [fn](int64_t n, double d, std::optional<tg::DType> dtype, std::optional<tg::Device> device,
             bool requires_grad) {
          return fn(n, d, options_of(dtype, device).requires_grad(requires_grad), tg::SourceLoc{});
        },
        py::arg("n"), py::arg("d") = 1.0, py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false);
  f.def(
      "fftshift", [](const tg::Tensor& x, std::optional<tg::Shape> dim) { return tg::fft::fftshift(x, dim); },
      py::arg("input"), py::arg("dim") = py::none());
  f.def(
      "ifftshift", [](const tg::Tensor& x, std::optional<tg::Shape> dim) { return tg::fft::ifftshift(x, dim); },
      py::arg("input"), py::arg("dim") = py::none());

  def_op(
      m, cls, "stft",
      [](const tg::Tensor& x, int64_t n_fft, std::optional<int64_t> hop, std::optional<int64_t> win,
         const std::optional<tg::Tensor>& window, bool center, const std::string& pad_mode, bool normalized,
         std::optional<bool> onesided, std::optional<bool> return_complex) {
        return nogil([&] {
          return tg::stft(x, n_fft, hop, win, window.value_or(tg::Tensor()), center, pad_mode, normalized, onesided,
                          return_complex);
        });
      },
      py::arg("n_fft"), py::arg("hop_length") = py::none(), py::arg("win_length") = py::none(),
      py::arg("window") = py::none(), py::arg("center") = true, py::arg("pad_mode") = "reflect",
      py::arg("normalized") = false, py::arg("onesided") = py::none(), py::arg("return_complex") = py::none());
  def_op(
      m, cls, "istft",
      [](const tg::Tensor& x, int64_t n_fft, std::optional<int64_t> hop, std::optional<int64_t> win,
         const std::optional<tg::Tensor>& window, bool center, bool normalized, std::optional<bool> onesided,
         std::optional<int64_t> length, bool return_complex) {
        return nogil([&] {
          return tg::istft(x, n_fft, hop, win, window.value_or(tg::Tensor()), center, normalized, onesided, length,
                           return_complex);
        });
      },
      py::arg("n_fft"), py::arg("hop_length") = py::none(), py::arg("win_length") = py::none(),
      py::arg("window") = py::none(), py::arg("center") = true, py::arg("normalized") = false,
      py::arg("onesided") = py::none(), py::arg("length") = py::none(), py::arg("return_complex") = false);
}

}  // namespace tgpy
