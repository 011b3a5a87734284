// tg.Tensor: construction, metadata, Python protocols (repr, len, iteration, numbers), autograd
// state, conversions and copies. Math lives in bind_math.cpp, indexing in bind_indexing.cpp.
#include "bindings.h"

#include <pybind11/complex.h>
#include <pybind11/functional.h>

namespace tgpy {

namespace {

// copy.deepcopy(tensor), PyTorch's rules: a leaf only; the copy keeps the dtype, device,
// requires_grad, class (a Parameter stays one), gradient and attributes set on the object.
py::object tensor_deepcopy(py::object self, py::dict memo) {
  const tg::Tensor& t = as_tensor(self);
  TG_CHECK(t.is_leaf(),
           "deepcopy: only tensors created by the user (graph leaves) can be deep-copied, not the result of {}; "
           "detach() it first",
           t.grad_fn() ? t.grad_fn()->name() : std::string("an op"));
  tg::Tensor data = nogil([&] {
    tg::NoGradGuard no_grad;
    return t.detach().clone();
  });
  data.requires_grad_(t.requires_grad());
  py::object copy = new_tensor_object(py::type::handle_of(self), data);
  memo[py::int_(reinterpret_cast<uintptr_t>(self.ptr()))] = copy;
  const py::object deepcopy = py::module_::import("copy").attr("deepcopy");
  if (t.grad().defined()) copy.attr("grad") = deepcopy(py::cast(t.grad()), memo);
  if (py::hasattr(self, "__dict__")) {
    py::dict attrs = copy.attr("__dict__");
    for (const auto& [key, value] : py::dict(self.attr("__dict__"))) attrs[key] = deepcopy(value, memo);
  }
  return copy;
}

// Nested Python lists of t's values (PyTorch's tolist), read straight from a contiguous copy.
py::object to_list(const tg::Tensor& t) {
  tg::Tensor c = nogil([&] {
    tg::NoGradGuard no_grad;
    const tg::Tensor host = t.cpu();
    const bool half = host.dtype() == tg::kFloat16 || host.dtype() == tg::kBFloat16;
    return half ? host.to(tg::kFloat32) : host.contiguous();  // 16-bit values are exact in float32
  });
  auto build = [&]<class T>(const T* p) -> py::object {
    auto number = [](T v) -> PyObject* {
      if constexpr (std::is_same_v<T, bool>)
        return PyBool_FromLong(v);
      else if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>)
        return PyComplex_FromDoubles(v.real(), v.imag());
      else if constexpr (std::is_integral_v<T>)
        return PyLong_FromLongLong(v);
      else
        return PyFloat_FromDouble(v);
    };
    auto nested = [&](auto& self, int d) -> PyObject* {
      if (d == c.dim()) return number(*p++);
      PyObject* out = PyList_New(c.size(d));
      if (!out) return nullptr;
      for (int64_t i = 0; i < c.size(d); ++i) {
        PyObject* item = self(self, d + 1);
        if (!item) {
          Py_DECREF(out);
          return nullptr;
        }
        PyList_SET_ITEM(out, i, item);
      }
      return out;
    };
    PyObject* out = nested(nested, 0);
    if (!out) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(out);
  };
  switch (c.dtype()) {
    case tg::kBool:
      return build(c.data_ptr<bool>());
    case tg::kUInt8:
      return build(c.data_ptr<uint8_t>());
    case tg::kInt8:
      return build(c.data_ptr<int8_t>());
    case tg::kInt16:
      return build(c.data_ptr<int16_t>());
    case tg::kInt32:
      return build(c.data_ptr<int32_t>());
    case tg::kInt64:
      return build(c.data_ptr<int64_t>());
    case tg::kFloat32:
      return build(c.data_ptr<float>());
    case tg::kFloat64:
      return build(c.data_ptr<double>());
    case tg::kComplex64:
      return build(c.data_ptr<std::complex<float>>());
    case tg::kComplex128:
      return build(c.data_ptr<std::complex<double>>());
    default:
      throw tg::TypeError(fmt::format("tolist: unsupported dtype {}", tg::name(c.dtype())));
  }
}

tg::Scalar single_value(const tg::Tensor& t, const char* what) {
  TG_CHECK(t.numel() == 1, "{}: only a one-element tensor converts to a Python number, got shape {}", what, t.sizes());
  return t.is_cpu() ? t.item() : nogil([&] { return t.item(); });  // only a GPU read waits
}

// Tensor.to(*args, **kwargs): to(dtype), to(device), to(device, dtype), to(other) and the
// keywords dtype=, device=, copy=, memory_format=.
tg::Tensor tensor_to(const tg::Tensor& t, const py::args& args, const py::kwargs& kwargs) {
  std::optional<tg::DType> dtype;
  std::optional<tg::Device> device;
  bool copy = false;
  tg::MemoryFormat format = tg::MemoryFormat::Preserve;
  for (const py::handle a : args) {
    if (py::isinstance<tg::DType>(a)) dtype = py::cast<tg::DType>(a);
    else if (py::isinstance<tg::Device>(a) || py::isinstance<py::str>(a)) device = py::cast<tg::Device>(a);
    else if (is_tensor(a)) {
      dtype = as_tensor(a).dtype();
      device = as_tensor(a).device();
    } else if (PyBool_Check(a.ptr())) {
      copy = a.ptr() == Py_True;  // to(dtype, non_blocking, copy) positional flags
    } else {
      throw tg::TypeError(fmt::format("to: unexpected argument of type {}", Py_TYPE(a.ptr())->tp_name));
    }
  }
  for (const auto& [key, value] : kwargs) {
    const std::string k = py::cast<std::string>(key);
    if (k == "dtype") dtype = py::cast<tg::DType>(value);
    else if (k == "device") device = py::cast<tg::Device>(value);
    else if (k == "copy") copy = py::cast<bool>(value);
    else if (k == "memory_format")
      format = value.is_none() ? format : py::cast<tg::MemoryFormat>(value);
    else if (k != "non_blocking") throw tg::TypeError(fmt::format("to: unexpected keyword argument '{}'", k));
  }
  return nogil([&] {
    tg::Tensor out = dtype && device ? t.to(*device, *dtype, copy)
                     : device        ? t.to(*device, copy)
                     : dtype         ? t.to(*dtype, copy)
                     : copy          ? t.clone(format)
                                     : t;
    return format == tg::MemoryFormat::Preserve ? out : out.contiguous(format);
  });
}

// x.cpu() / x.cuda() / x.float() with memory_format: it applies to a converted copy; the tensor
// itself, when no conversion was needed, is returned as it is, as torch's.
tg::Tensor moved_with_format(const tg::Tensor& t, tg::Tensor out, tg::MemoryFormat format) {
  if (out.is_same(t) || format == tg::MemoryFormat::Preserve) return out;
  return out.contiguous(format);
}

PyTypeObject* size_class = nullptr;  // tg.Size, set by the package: a subclass of _SizeBase

// A new object of `type` (a tuple subclass) holding `n` items made by item(i).
template <class F>
PyObject* new_tuple_of(PyTypeObject* type, Py_ssize_t n, F&& item) {
  PyObject* out = type->tp_alloc(type, n);
  if (!out) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* v = item(i);
    if (!v) {
      Py_DECREF(out);
      return nullptr;
    }
    PyTuple_SET_ITEM(out, i, v);
  }
  return out;
}

// tg.Size's base, in C, so that x.shape[i] indexes at a tuple's speed (a __getitem__ written in
// Python cost 0.3 us); a slice gives the same Size type, as torch.Size does.
PyObject* size_subscript(PyObject* self, PyObject* key) {
  PyObject* item = PyTuple_Type.tp_as_mapping->mp_subscript(self, key);
  if (!item || !PySlice_Check(key)) return item;
  PyObject* out = new_tuple_of(Py_TYPE(self), PyTuple_GET_SIZE(item), [&](Py_ssize_t i) {
    PyObject* v = PyTuple_GET_ITEM(item, i);
    Py_INCREF(v);
    return v;
  });
  Py_DECREF(item);
  return out;
}

py::object make_size_base() {
  static PyType_Slot slots[] = {{Py_mp_subscript, reinterpret_cast<void*>(&size_subscript)}, {0, nullptr}};
  static PyType_Spec spec = {"tapegrad._C._SizeBase", 0, 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
  PyObject* type = PyType_FromSpecWithBases(&spec, reinterpret_cast<PyObject*>(&PyTuple_Type));
  if (!type) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(type);
}

}  // namespace

PyObject* new_size(const tg::Shape& s) {
  PyTypeObject* type = size_class ? size_class : &PyTuple_Type;
  return new_tuple_of(type, s.size(), [&](Py_ssize_t i) { return PyLong_FromLongLong(s[static_cast<int>(i)]); });
}

TensorClass bind_tensor_class(py::module_& m) {
  TensorClass cls(m, "Tensor", py::dynamic_attr(), R"(A tensor: a view of storage on a device, with autograd state.

tg.Tensor(data) makes one from a nested list, a number or an array (copied); tg.tensor(data,
dtype=, device=, requires_grad=) is the usual spelling, tg.from_numpy(a) shares memory. Every
op is a method and a function of tg (x.exp() == tg.exp(x)); Python's operators, NumPy's
indexing and broadcasting apply. Ops record the tape when an input requires grad; backward()
fills .grad of the leaves.)");
  tensor_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  track_tensor_objects(tensor_type);
  // A tg.nn.Parameter (or another Python subclass) made in Python becomes its tensor's object.
  m.def("_keep_identity", [](py::handle obj) { remember_tensor_object(obj); });
  cls.def(py::init([](py::handle data) {
            tg::Tensor t = to_tensor(data);
            // A Python number where a tensor goes (tg.add(1, t), the implicit conversion below) promotes
            // as a number, as torch's wrapped numbers: tg.add(1, uint8 tensor) stays uint8.
            if (is_builtin_scalar(data.ptr()) || PyComplex_CheckExact(data.ptr())) t.impl()->wrapped_number_ = true;
            return t;
          }),
          py::arg("data"))
      .def(py::init([]() { return tg::empty({0}); }));
  // Lists, numbers and arrays convert wherever a tensor is expected.
  py::implicitly_convertible<py::list, tg::Tensor>();
  py::implicitly_convertible<py::tuple, tg::Tensor>();
  py::implicitly_convertible<py::float_, tg::Tensor>();
  py::implicitly_convertible<py::int_, tg::Tensor>();
  py::implicitly_convertible<std::complex<double>, tg::Tensor>();
  py::implicitly_convertible<py::buffer, tg::Tensor>();
  // NumPy defers to the tensor's reflected operators (array + tensor is a tensor).
  cls.attr("__array_priority__") = 1000;

  // ---- metadata ----
  m.attr("_SizeBase") = make_size_base();
  m.def("_set_size_class", [](py::object c) {
    if (!PyType_Check(c.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(c.ptr()), &PyTuple_Type))
      throw tg::TypeError("_set_size_class: expected a tuple subclass");
    size_class = reinterpret_cast<PyTypeObject*>(c.release().ptr());
  });
  // shape, ndim, dtype, device, is_cuda, is_cpu, dim(), numel(), size(), stride() and the autograd
  // attributes:
  bind_tensor_attributes(cls);
  cls.def("get_device", &tg::Tensor::get_device)
      // The form without a format first: pybind11 converting a defaulted enum cost every call 30 ns.
      .def("is_contiguous", [](const tg::Tensor& t) { return t.is_contiguous(); })
      .def(
          "is_contiguous", [](const tg::Tensor& t, tg::MemoryFormat format) { return t.is_contiguous(format); },
          py::arg("memory_format"))
      .def("is_floating_point", &tg::Tensor::is_floating_point)
      .def("storage_offset", &tg::Tensor::storage_offset)
      .def("element_size", &tg::Tensor::element_size)
      .def_property_readonly("itemsize", &tg::Tensor::element_size)
      .def_property_readonly("nbytes", &tg::Tensor::nbytes)
      .def("data_ptr", [](const tg::Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def_property_readonly("_version", &tg::Tensor::version)
      .def("is_view", &tg::Tensor::is_view)
      .def("is_inference", &tg::Tensor::is_inference)
      .def_property_readonly("_base", [](const tg::Tensor& t) { return t.is_view() ? py::cast(t.base()) : py::none(); })
      .def_property("name", &tg::Tensor::name, [](const tg::Tensor& t, std::string n) { t.set_name(std::move(n)); });

  // ---- Python protocols ----
  cls.def("__repr__", [](const tg::Tensor& t) { return nogil([&] { return t.str(); }); })
      .def("__len__",
           [](const tg::Tensor& t) {
             TG_CHECK_TYPE(t.dim() > 0, "len() of a 0-d tensor");
             return t.size(0);
           })
      .def("__iter__",
           [](const tg::Tensor& t) {
             TG_CHECK_TYPE(t.dim() > 0, "iteration over a 0-d tensor");
             return py::iter(py::cast(nogil([&] { return tg::unbind(t, 0); })));
           })
      .def("__bool__", [](const tg::Tensor& t) { return single_value(t, "bool").to_bool(); })
      .def("__float__", [](const tg::Tensor& t) { return single_value(t, "float").to_double(); })
      .def("__complex__",
           [](const tg::Tensor& t) {
             const std::complex<double> z = single_value(t, "complex").to_complex();
             return py::reinterpret_steal<py::object>(PyComplex_FromDoubles(z.real(), z.imag()));
           })
      .def("__int__", [](const tg::Tensor& t) { return single_value(t, "int").to_int(); })
      .def("__index__",
           [](const tg::Tensor& t) {
             TG_CHECK_TYPE(tg::is_integral(t.dtype(), true), "only integer tensors can be used as an index, got {}",
                           t.dtype());
             return single_value(t, "index").to_int();
           })
      .def("__hash__", [](const tg::Tensor& t) { return reinterpret_cast<uintptr_t>(t.impl()); })
      .def("__contains__",
           [](const tg::Tensor& t, py::handle value) {
             tg::Tensor hit = is_number(value) ? nogil([&, v = to_scalar(value)] { return tg::eq(t, v).any(); })
                                               : nogil([&, v = to_tensor(value)] { return tg::eq(t, v).any(); });
             return hit.item().to_bool();
           })
      .def("__format__",
           [](const tg::Tensor& t, const std::string& spec) -> py::object {
             // f"{loss:.4f}" works on one-element tensors, as in PyTorch.
             if (t.numel() == 1 && !spec.empty())
               return py::str(py::cast(single_value(t, "format")).attr("__format__")(spec));
             return py::str(nogil([&] { return t.str(); }));
           })
      .def("item", [](const tg::Tensor& t) { return single_value(t, "item"); })
      .def("tolist", &to_list)
      .def("__deepcopy__", &tensor_deepcopy, py::arg("memo"))
      .def(py::pickle([](const tg::Tensor& t) { return py::make_tuple(to_list(t), t.dtype(), t.requires_grad()); },
                      [](const py::tuple& s) {
                        tg::Tensor t = to_tensor(s[0], py::cast<tg::DType>(s[1]));
                        t.requires_grad_(py::cast<bool>(s[2]));
                        return t;
                      }));

  // ---- autograd state ----
  cls.def(
         "requires_grad_",
         [](py::object self, bool r) {
           as_tensor(self).requires_grad_(r);
           return self;
         },
         py::arg("requires_grad") = true)
      .def_property_readonly("output_nr", &tg::Tensor::output_nr)
      .def("retain_grad", &tg::Tensor::retain_grad)
      .def_property_readonly("retains_grad", &tg::Tensor::retains_grad)
      .def("detach", &tg::Tensor::detach)
      .def("detach_",
           [](py::object self) {
             as_tensor(self).detach_();
             return self;
           })
      .def(
          "backward",
          [](const tg::Tensor& t, std::optional<tg::Tensor> gradient, std::optional<bool> retain_graph,
             bool create_graph, py::object inputs) {
            const tg::tensor_list in = tensors_arg(inputs);
            nogil([&] { t.backward(gradient.value_or(tg::Tensor()), retain_graph, create_graph, in); });
          },
          py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
          py::arg("inputs") = py::none())
      .def(
          "register_hook",
          [](const tg::Tensor& t, py::object fn) {
            PyCallable hook(std::move(fn));
            return t.register_hook([hook](const tg::Tensor& grad) -> tg::Tensor {
              py::gil_scoped_acquire gil;
              py::object r = hook(grad);
              return r.is_none() ? tg::Tensor() : to_tensor(r);
            });
          },
          py::arg("hook"))
      .def(
          "register_post_accumulate_grad_hook",
          [](const tg::Tensor& t, py::object fn) {
            PyCallable hook(std::move(fn));
            return t.register_post_accumulate_grad_hook([hook](const tg::Tensor& leaf) {
              py::gil_scoped_acquire gil;
              hook(leaf);  // what it returns is ignored, as in torch
            });
          },
          py::arg("hook"), "hook(tensor) runs each time backward has accumulated a gradient into this leaf's .grad");
  // ---- conversions and copies ----
  cls.def("to", &tensor_to)
      .def(
          "cpu",
          [](const tg::Tensor& t, tg::MemoryFormat format) {
            return nogil([&] { return moved_with_format(t, t.cpu(), format); });
          },
          py::kw_only(), py::arg("memory_format") = tg::MemoryFormat::Preserve)
      // non_blocking is accepted and the copy made in order (a later read waits for it either way).
      .def(
          "cuda",
          [](const tg::Tensor& t, std::optional<py::object> device, bool /*non_blocking*/, tg::MemoryFormat format) {
            tg::Device d = tg::Device::cuda(0);
            if (device && PyLong_Check(device->ptr()))
              d = tg::Device::cuda(py::cast<int>(*device));
            else if (device && !device->is_none())
              d = py::cast<tg::Device>(*device);
            return nogil([&] { return moved_with_format(t, t.to(d), format); });
          },
          py::arg("device") = py::none(), py::arg("non_blocking") = false, py::kw_only(),
          py::arg("memory_format") = tg::MemoryFormat::Preserve)
      .def("pin_memory", [](const tg::Tensor& t) { return nogil([&] { return t.pin_memory(); }); })
      .def("is_pinned", &tg::Tensor::is_pinned)
      .def("contiguous",
           [](const tg::Tensor& t) { return t.is_contiguous() ? t : nogil([&] { return t.contiguous(); }); })
      .def(
          "contiguous",
          [](const tg::Tensor& t, tg::MemoryFormat format) { return nogil([&] { return t.contiguous(format); }); },
          py::arg("memory_format"))
      // preserve_format by default, as torch's: a permuted or channels_last tensor's copy keeps its layout.
      .def(
          "clone", [](const tg::Tensor& t, tg::MemoryFormat format) { return nogil([&] { return t.clone(format); }); },
          py::kw_only(), py::arg("memory_format") = tg::MemoryFormat::Preserve)
      .def(
          "copy_",
          // non_blocking is a hint, as torch's: the copy is ordered on the current stream either way.
          [](py::object self, py::handle src, bool) {
            tg::Tensor s = to_tensor(src);
            nogil([&] { as_tensor(self).copy_(s); });
            return self;
          },
          py::arg("src"), py::arg("non_blocking") = false)
      .def(
          "fill_",
          [](py::object self, py::handle value) {
            if (is_tensor(value)) {
              const tg::Tensor& v = as_tensor(value);
              nogil([&] { as_tensor(self).copy_(v.expand(as_tensor(self).sizes())); });
            } else {
              tg::Scalar v = to_scalar(value);
              nogil([&] { as_tensor(self).fill_(v); });
            }
            return self;
          },
          py::arg("value"))
      .def("zero_", [](py::object self) {
        nogil([&] { as_tensor(self).zero_(); });
        return self;
      });
  // new_zeros & co.: the tensor's dtype and device unless given.
  auto like = [](const tg::Tensor& t, std::optional<tg::DType> dtype, std::optional<tg::Device> device) {
    return tg::TensorOptions(dtype.value_or(t.dtype())).device(device.value_or(t.device()));
  };
  for (const char* name : {"new_zeros", "new_ones", "new_empty"}) {
    const char kind = name[4];
    const auto make = [kind, like](const tg::Tensor& t, const tg::Shape& s, std::optional<tg::DType> dtype,
                                   std::optional<tg::Device> device, bool requires_grad) {
      tg::Tensor r = nogil([&] {
        const tg::TensorOptions o = like(t, dtype, device);
        return kind == 'z' ? tg::zeros(s, o) : kind == 'o' ? tg::ones(s, o) : tg::empty(s, o);
      });
      r.requires_grad_(requires_grad);
      return r;
    };
    cls.def(
        name,
        [make, name](const tg::Tensor& t, py::args size, std::optional<tg::DType> dtype,
                     std::optional<tg::Device> device,
                     bool requires_grad) { return make(t, shape_from_args(size, name), dtype, device, requires_grad); },
        py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
    // The shape as torch's keyword, x.new_zeros(size=(2, 3)), after the varargs form.
    cls.def(name, make, py::kw_only(), py::arg("size"), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
            py::arg("requires_grad") = false);
  }
  cls.def("new_full", [like](const tg::Tensor& t, const tg::Shape& size, const tg::Scalar& value,
                            std::optional<tg::DType> dtype, std::optional<tg::Device> device) {
    return nogil([&] { return tg::full(size, value, like(t, dtype, device)); });
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  cls.def("new_tensor", [](const tg::Tensor& t, py::handle data, std::optional<tg::DType> dtype,
                           std::optional<tg::Device> device) {
    tg::Tensor r = to_tensor(data, dtype.value_or(t.dtype()), device.value_or(t.device()));
    return is_tensor(data) && r.is_same(as_tensor(data)) ? nogil([&] { return r.detach().clone(); }) : r;
  }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  const std::pair<const char*, tg::DType> casts[] = {
      {"float", tg::kFloat32}, {"double", tg::kFloat64}, {"half", tg::kFloat16}, {"bfloat16", tg::kBFloat16},
      {"int", tg::kInt32},     {"long", tg::kInt64},     {"bool", tg::kBool},    {"byte", tg::kUInt8},
      {"char", tg::kInt8},     {"short", tg::kInt16}};
  for (const auto& [name, dtype] : casts)
    cls.def(
        name,
        [dtype](const tg::Tensor& t, tg::MemoryFormat format) {
          return t.dtype() == dtype ? t : nogil([&] { return moved_with_format(t, t.to(dtype), format); });
        },
        py::kw_only(), py::arg("memory_format") = tg::MemoryFormat::Preserve);
  cls.def(
      "type_as", [](const tg::Tensor& t, const tg::Tensor& other) { return nogil([&] { return t.type_as(other); }); },
      py::arg("other"));
  // Tensor.type, with the legacy type names, is the package's (_legacy_tensor_types.py).
  return cls;
}

}  // namespace tgpy
