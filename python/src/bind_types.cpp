// tg.dtype, tg.device and the mapping of tapegrad's errors onto Python's exception types.
#include "bindings.h"

namespace tgpy {

void bind_types(py::module_& m) {
  py::class_<tg::DType>(m, "dtype")
      .def_property_readonly("is_floating_point", [](tg::DType t) { return tg::is_floating_point(t); })
      .def_property_readonly("itemsize", [](tg::DType t) { return tg::itemsize(t); })
      .def("__repr__", [](tg::DType t) { return fmt::format("tapegrad.{}", tg::name(t)); })
      .def("__str__", [](tg::DType t) { return fmt::format("tapegrad.{}", tg::name(t)); })
      .def("__eq__", [](tg::DType a, py::handle b) {
        return py::isinstance<tg::DType>(b) && a == py::cast<tg::DType>(b);
      })
      .def("__hash__", [](tg::DType t) { return static_cast<int>(t); })
      .def(py::pickle([](tg::DType t) { return static_cast<int>(t); },
                      [](int v) { return static_cast<tg::DType>(v); }));
  const std::pair<const char*, tg::DType> dtypes[] = {
      {"bool", tg::kBool},       {"uint8", tg::kUInt8},       {"int8", tg::kInt8},       {"int32", tg::kInt32},
      {"int", tg::kInt32},       {"int64", tg::kInt64},       {"long", tg::kInt64},      {"float16", tg::kFloat16},
      {"half", tg::kFloat16},    {"bfloat16", tg::kBFloat16}, {"float32", tg::kFloat32}, {"float", tg::kFloat32},
      {"float64", tg::kFloat64}, {"double", tg::kFloat64}};
  for (const auto& [name, t] : dtypes) m.attr(name) = t;
  m.def("get_default_dtype", &tg::default_dtype);
  m.def("set_default_dtype", &tg::set_default_dtype, py::arg("d"));
  m.def("promote_types", &tg::promote_types, py::arg("type1"), py::arg("type2"));
  m.def("can_cast", &tg::can_cast, py::arg("from_"), py::arg("to"));

  py::class_<tg::Device>(m, "device")
      .def(py::init([](const std::string& spec) { return tg::Device(spec); }), py::arg("type"))
      .def(py::init([](const std::string& type, int index) {
             TG_CHECK_VALUE(index >= 0, "device: index must be >= 0, got {}", index);
             return tg::Device(fmt::format("{}:{}", type, index));
           }),
           py::arg("type"), py::arg("index"))
      .def_property_readonly("type", [](const tg::Device& d) { return d.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](const tg::Device& d) { return d.index(); })
      .def("__str__", &tg::Device::str)
      .def("__repr__",
           [](const tg::Device& d) {
             return d.is_cpu() ? std::string("device(type='cpu')")
                               : fmt::format("device(type='cuda', index={})", d.index());
           })
      .def("__eq__",
           [](const tg::Device& a, py::handle b) {
             if (py::isinstance<py::str>(b)) return a == tg::Device(py::cast<std::string>(b));
             return py::isinstance<tg::Device>(b) && a == py::cast<tg::Device>(b);
           })
      .def("__hash__", [](const tg::Device& d) { return static_cast<int>(d.type()) * 256 + d.index(); })
      .def(py::pickle([](const tg::Device& d) { return d.str(); },
                      [](const std::string& s) { return tg::Device(s); }));
  py::implicitly_convertible<py::str, tg::Device>();

  // tg::Error is a std::runtime_error (RuntimeError); the narrower kinds map onto their Python
  // namesakes. Anomaly reports get their own RuntimeError subclass carrying op and location.
  static py::exception<tg::autograd::AnomalyError> anomaly_error(m, "AnomalyError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tg::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const tg::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const tg::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const tg::autograd::AnomalyError& e) {
      py::object err = py::handle(anomaly_error)(e.what());
      err.attr("op") = e.op();
      err.attr("location") = e.location();
      PyErr_SetObject(anomaly_error.ptr(), err.ptr());
    }
  });
}

}  // namespace tgpy
