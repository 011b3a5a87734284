// tg.dtype, tg.device and the mapping of tapegrad's errors onto Python's exception types.
#include <cmath>

#include "bindings.h"

namespace tgpy {

namespace {

// The code a dtype pickled as before pickles went by name: the enum's order before int16 came in
// (int16 after them all), so that what earlier versions wrote still loads as the dtype it was.
int pickle_code(tg::DType t) {
  if (t == tg::kInt16) return tg::kNumDTypes - 1;
  const int v = static_cast<int>(t);
  return v > static_cast<int>(tg::kInt16) ? v - 1 : v;
}

// torch.dtype.abbr: "f32", "i64", "b8", "c64", "bf16", ...
std::string dtype_abbreviation(tg::DType t) {
  if (t == tg::kBool) return "b8";
  if (t == tg::kBFloat16) return "bf16";
  const char kind = tg::is_complex(t) ? 'c' : tg::is_floating_point(t) ? 'f' : t == tg::kUInt8 ? 'u' : 'i';
  return fmt::format("{}{}", kind, tg::itemsize(t) * 8);
}

}  // namespace

void bind_types(py::module_& m) {
  py::class_<tg::DType> dtype(m, "dtype");
  dtype_class = reinterpret_cast<PyTypeObject*>(dtype.ptr());
  dtype.def_property_readonly("is_floating_point", [](tg::DType t) { return tg::is_floating_point(t); })
      .def_property_readonly("is_complex", [](tg::DType t) { return tg::is_complex(t); })
      .def_property_readonly("itemsize", [](tg::DType t) { return tg::itemsize(t); })
      .def_property_readonly("is_signed", [](tg::DType t) { return t != tg::kBool && t != tg::kUInt8; })
      .def_property_readonly("abbr", [](tg::DType t) { return dtype_abbreviation(t); })
      .def("to_real", [](tg::DType t) { return tg::to_real_dtype(t); })
      .def("to_complex",
           [](tg::DType t) {
             // float16 / bfloat16 would give complex32 / bcomplex32, which tapegrad does not have.
             TG_CHECK_TYPE(t == tg::kFloat32 || t == tg::kFloat64 || tg::is_complex(t),
                           "dtype.to_complex: no complex dtype with {} parts (tapegrad's complex dtypes are "
                           "complex64 and complex128)",
                           tg::name(t));
             return tg::to_complex_dtype(t);
           })
      .def("__repr__", [](tg::DType t) { return fmt::format("tapegrad.{}", tg::name(t)); })
      .def("__str__", [](tg::DType t) { return fmt::format("tapegrad.{}", tg::name(t)); })
      .def("__eq__",
           [](tg::DType a, py::handle b) { return py::isinstance<tg::DType>(b) && a == py::cast<tg::DType>(b); })
      .def("__hash__", [](tg::DType t) { return static_cast<int>(t); })
      // Pickled by name, as PyTorch's: unpickling (and copy / deepcopy) gives the module's own
      // object back, so `is` holds. __setstate__ still reads what earlier versions pickled.
      .def("__reduce__", [](tg::DType t) { return std::string(tg::name(t)); })
      .def(py::pickle([](tg::DType t) { return pickle_code(t); },
                      [](int v) {
                        for (int i = 0; i < tg::kNumDTypes; ++i)
                          if (pickle_code(static_cast<tg::DType>(i)) == v) return static_cast<tg::DType>(i);
                        throw tg::ValueError(fmt::format("dtype: cannot unpickle {}: no dtype has that code", v));
                      }));
  const std::pair<const char*, tg::DType> dtypes[] = {{"bool", tg::kBool},
                                                      {"uint8", tg::kUInt8},
                                                      {"int8", tg::kInt8},
                                                      {"int16", tg::kInt16},
                                                      {"short", tg::kInt16},
                                                      {"int32", tg::kInt32},
                                                      {"int", tg::kInt32},
                                                      {"int64", tg::kInt64},
                                                      {"long", tg::kInt64},
                                                      {"float16", tg::kFloat16},
                                                      {"half", tg::kFloat16},
                                                      {"bfloat16", tg::kBFloat16},
                                                      {"float32", tg::kFloat32},
                                                      {"float", tg::kFloat32},
                                                      {"float64", tg::kFloat64},
                                                      {"double", tg::kFloat64},
                                                      {"complex64", tg::kComplex64},
                                                      {"cfloat", tg::kComplex64},
                                                      {"complex128", tg::kComplex128},
                                                      {"cdouble", tg::kComplex128}};
  for (const auto& [name, t] : dtypes) m.attr(name) = t;
  m.def("get_default_dtype", &tg::default_dtype);
  m.def("set_default_dtype", &tg::set_default_dtype, py::arg("d"));
  m.def("promote_types", &tg::promote_types, py::arg("type1"), py::arg("type2"));
  m.def("can_cast", &tg::can_cast, py::arg("from_"), py::arg("to"));

  // torch.set_printoptions: unset arguments keep their value, except sci_mode (None: automatic),
  // as in PyTorch; a threshold of float('inf') never summarises.
  m.def(
      "set_printoptions",
      [](const py::object& precision, const py::object& threshold, const py::object& edgeitems,
         const py::object& linewidth, const std::optional<std::string>& profile, std::optional<bool> sci_mode) {
        tg::PrintOptions o = tg::get_printoptions();
        if (profile) {
          if (*profile == "default") {
            o = tg::PrintOptions{};
          } else if (*profile == "short") {
            o = tg::PrintOptions{.precision = 2, .threshold = 1000, .edgeitems = 2, .linewidth = 80};
          } else if (*profile == "full") {
            o = tg::PrintOptions{.precision = 4, .threshold = INT64_MAX, .edgeitems = 3, .linewidth = 80};
          } else {
            throw tg::ValueError(
                fmt::format("set_printoptions: profile must be 'default', 'short' or 'full', got '{}'", *profile));
          }
        }
        auto count = [](const py::object& v, const char* name, int64_t& into) {
          if (v.is_none()) return;
          if (PyFloat_Check(v.ptr()) && std::isinf(py::cast<double>(v)) && py::cast<double>(v) > 0) {
            into = INT64_MAX;
            return;
          }
          TG_CHECK_TYPE(PyIndex_Check(v.ptr()) && !PyBool_Check(v.ptr()), "set_printoptions: {} must be an int, got {}",
                        name, Py_TYPE(v.ptr())->tp_name);
          py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));  // __index__, as int()
          if (!index) throw py::error_already_set();
          into = py::cast<int64_t>(index);
        };
        count(precision, "precision", o.precision);
        count(threshold, "threshold", o.threshold);
        count(edgeitems, "edgeitems", o.edgeitems);
        count(linewidth, "linewidth", o.linewidth);
        o.sci_mode = sci_mode;
        tg::set_printoptions(o);
      },
      py::arg("precision") = py::none(), py::arg("threshold") = py::none(), py::arg("edgeitems") = py::none(),
      py::arg("linewidth") = py::none(), py::arg("profile") = py::none(), py::arg("sci_mode") = py::none(),
      "How tensors print: digits after the point, the element count past which they are summarised, items kept "
      "at each end, line width, scientific notation (None: automatic).");
  m.def("get_printoptions", [] {
    const tg::PrintOptions o = tg::get_printoptions();
    py::dict d;
    d["precision"] = o.precision;
    d["threshold"] = o.threshold == INT64_MAX ? py::object(py::float_(INFINITY)) : py::object(py::int_(o.threshold));
    d["edgeitems"] = o.edgeitems;
    d["linewidth"] = o.linewidth;
    d["sci_mode"] = o.sci_mode ? py::object(py::bool_(*o.sci_mode)) : py::object(py::none());
    return d;
  });

  // torch.memory_format: the constants tg.contiguous_format, preserve_format, channels_last and
  // channels_last_3d, printed as torch prints them.
  py::enum_<tg::MemoryFormat> memory_format(m, "memory_format", "How a tensor's elements lie in memory");
  for (const auto f : {tg::MemoryFormat::Contiguous, tg::MemoryFormat::Preserve, tg::MemoryFormat::ChannelsLast,
                       tg::MemoryFormat::ChannelsLast3d}) {
    memory_format.value(std::string(tg::name(f)).c_str(), f);
    m.attr(std::string(tg::name(f)).c_str()) = py::cast(f);
  }
  const py::cpp_function format_repr([](tg::MemoryFormat f) { return fmt::format("tapegrad.{}", tg::name(f)); },
                                     py::is_method(memory_format));
  memory_format.attr("__repr__") = format_repr;
  memory_format.attr("__str__") = format_repr;

  py::class_<tg::Device> device(m, "device");
  device_class = reinterpret_cast<PyTypeObject*>(device.ptr());
  device.def(py::init([](const std::string& spec) { return tg::Device(spec); }), py::arg("type"))
      .def(py::init([](const std::string& type, int index) {
             TG_CHECK_VALUE(index >= 0, "device: index must be >= 0, got {}", index);
             return tg::Device(fmt::format("{}:{}", type, index));
           }),
           py::arg("type"), py::arg("index"))
      // torch.device(a device) is that device, torch.device(0) the accelerator's device 0.
      .def(py::init([](const tg::Device& d) { return d; }), py::arg("device"))
      .def(py::init([](int index) {
             TG_CHECK_VALUE(index >= 0, "device: index must be >= 0, got {}", index);
             return tg::Device(fmt::format("cuda:{}", index));
           }),
           py::arg("index"))
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
      .def(py::pickle([](const tg::Device& d) { return d.str(); }, [](const std::string& s) { return tg::Device(s); }));

  // tg::Error is a std::runtime_error (RuntimeError); the narrower kinds map onto their Python
  // namesakes. Anomaly reports get their own RuntimeError subclass carrying op and location, and
  // failed factorizations torch.linalg.LinAlgError's, failed allocations torch.OutOfMemoryError's.
  static py::exception<tg::autograd::AnomalyError> anomaly_error(m, "AnomalyError", PyExc_RuntimeError);
  static py::exception<tg::LinAlgError> linalg_error(m, "_LinAlgError", PyExc_RuntimeError);
  static py::exception<tg::OutOfMemoryError> memory_error(m, "OutOfMemoryError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tg::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const tg::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const tg::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const tg::LinAlgError& e) {
      PyErr_SetString(linalg_error.ptr(), e.what());
    } catch (const tg::OutOfMemoryError& e) {
      PyErr_SetString(memory_error.ptr(), e.what());
    } catch (const py::cast_error& e) {
      // An argument taken as an object that a binding then failed to convert (x.sum(a bool tensor),
      // set_printoptions(a 2-element tensor)): a TypeError, as Python's own argument errors are,
      // without pybind11's "Unable to cast ... to C++ type '?'" build hint.
      std::string msg = e.what();
      if (const size_t at = msg.find(" (#define PYBIND11_DETAILED_ERROR_MESSAGES"); at != std::string::npos)
        msg.erase(at);
      if (const size_t at = msg.find(" to C++ type '?'"); at != std::string::npos)
        msg.replace(at, std::string::npos, ": the argument is not of a type this call takes");
      PyErr_SetString(PyExc_TypeError, msg.c_str());
    } catch (const tg::autograd::AnomalyError& e) {
      py::object err = py::handle(anomaly_error)(e.what());
      err.attr("op") = e.op();
      err.attr("location") = e.location();
      PyErr_SetObject(anomaly_error.ptr(), err.ptr());
    }
  });
}

}  // namespace tgpy
