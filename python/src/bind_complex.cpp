// Complex tensors: their parts (real, imag, view_as_real, view_as_complex), tensors built of
// parts (complex, polar), conj and angle (tensor/ops/complex.h).
#include "bindings.h"

namespace tgpy {

void bind_complex(py::module_& m, TensorClass& cls) {
  m.def(
      "view_as_real", [](const tg::Tensor& t) { return tg::view_as_real(t); }, py::arg("input"));
  m.def(
      "view_as_complex", [](const tg::Tensor& t) { return tg::view_as_complex(t); }, py::arg("input"));
  m.def(
      "real", [](const tg::Tensor& t) { return tg::real(t); }, py::arg("input"));
  m.def(
      "imag", [](const tg::Tensor& t) { return tg::imag(t); }, py::arg("input"));
  m.def(
      "complex", [](const tg::Tensor& re, const tg::Tensor& im) { return nogil([&] { return tg::complex(re, im); }); },
      py::arg("real"), py::arg("imag"));
  m.def(
      "polar", [](const tg::Tensor& a, const tg::Tensor& t) { return nogil([&] { return tg::polar(a, t); }); },
      py::arg("abs"), py::arg("angle"));
  def_op(m, cls, "conj", [](const tg::Tensor& t) { return nogil([&] { return tg::conj(t); }); });
  def_op(m, cls, "conj_physical", [](const tg::Tensor& t) { return nogil([&] { return tg::conj_physical(t); }); });
  def_op(m, cls, "resolve_conj", [](const tg::Tensor& t) { return tg::resolve_conj(t); });
  def_op(m, cls, "is_conj", [](const tg::Tensor& t) { return tg::is_conj(t); });
  def_op(m, cls, "angle", [](const tg::Tensor& t) { return nogil([&] { return tg::angle(t); }); });
  def_op(m, cls, "isreal", [](const tg::Tensor& t) { return nogil([&] { return tg::isreal(t); }); });
  def_op(m, cls, "is_complex", [](const tg::Tensor& t) { return t.is_complex(); });
  def_inplace<>(cls, "conj_physical_", [](const tg::Tensor& t) { nogil([&] { tg::conj_physical_(t); }); });
  // The parts as properties, writable as PyTorch's: z.real = x copies x into the real parts.
  cls.def_property(
      "real", [](const tg::Tensor& t) { return tg::real(t); },
      [](const tg::Tensor& t, const py::object& v) { tg::real(t).copy_(to_tensor(v, std::nullopt, t.device())); });
  cls.def_property(
      "imag", [](const tg::Tensor& t) { return tg::imag(t); },
      [](const tg::Tensor& t, const py::object& v) { tg::imag(t).copy_(to_tensor(v, std::nullopt, t.device())); });
  cls.def("cfloat", [](const tg::Tensor& t) { return t.to(tg::kComplex64); });
  cls.def("cdouble", [](const tg::Tensor& t) { return t.to(tg::kComplex128); });
}

}  // namespace tgpy
