// tg.Tensor's most read attributes (x.shape, x.dtype, x.device, x.requires_grad, x.grad, ...) and
// its shape queries (x.dim(), x.numel(), x.size(d), x.stride(d)) as plain C functions under Python's own property
// and method descriptors. Through pybind11's dispatch (argument loading, overload records) a read
// cost 42-70 ns, behind PyTorch's C getters; a property over a C function costs about 18.
// Their docstrings start with pybind11's signature form, which pybind11-stubgen reads for the stubs.
#include "bindings.h"

namespace tgpy {

namespace {

// The tensor `self` holds or refers to (an object returned by reference holds no tensor of its
// own). These functions are Python objects a caller may apply to anything (tg.Tensor.dtype.fget(3)):
// a non-tensor, or one made by __new__ alone, gets the error every other method gives.
const tg::Tensor& tensor_of(PyObject* self) {
  if (PyObject_TypeCheck(self, tensor_type))
    if (const auto* t = reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder().value_ptr<tg::Tensor>())
      return *t;
  return as_tensor(self);
}

// f's result, or nullptr with its C++ error set as the Python one.
template <class F>
PyObject* guarded(F&& f) {
  try {
    return f();
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

template <PyObject* (*Get)(const tg::Tensor&)>
PyObject* call_getter(PyObject* /*unbound*/, PyObject* self) {
  return guarded([&] { return Get(tensor_of(self)); });
}

template <PyObject* (*Get)(const tg::Tensor&)>
PyObject* call_method(PyObject* self, PyObject* /*no args*/) {
  return call_getter<Get>(nullptr, self);
}

// property's fset(self, value); fdel(self) comes here with no value.
template <void (*Set)(const tg::Tensor&, PyObject*)>
PyObject* call_setter(PyObject* /*unbound*/, PyObject* const* args, Py_ssize_t n) {
  return guarded([&]() -> PyObject* {
    TG_CHECK_TYPE(n == 1 || n == 2, "a Tensor attribute's setter takes the tensor and a value, got {} arguments", n);
    Set(tensor_of(args[0]), n == 2 ? args[1] : nullptr);
    Py_RETURN_NONE;
  });
}

// A METH_FASTCALL function as the PyCFunction a PyMethodDef holds.
template <class F>
PyCFunction as_cfunction(F* f) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

PyObject* new_bool(bool b) { return PyBool_FromLong(b ? 1 : 0); }

PyObject* get_shape(const tg::Tensor& t) { return new_size(t.sizes()); }
PyObject* get_dtype(const tg::Tensor& t) { return dtype_object(t.dtype()).inc_ref().ptr(); }
PyObject* get_device(const tg::Tensor& t) { return device_object(t.device()).inc_ref().ptr(); }
PyObject* get_ndim(const tg::Tensor& t) { return PyLong_FromLong(t.dim()); }
PyObject* get_numel(const tg::Tensor& t) { return PyLong_FromLongLong(t.numel()); }
PyObject* get_is_cuda(const tg::Tensor& t) { return new_bool(t.is_cuda()); }
PyObject* get_is_cpu(const tg::Tensor& t) { return new_bool(t.is_cpu()); }
PyObject* get_is_leaf(const tg::Tensor& t) { return new_bool(t.is_leaf()); }
PyObject* get_requires_grad(const tg::Tensor& t) { return new_bool(t.requires_grad()); }
PyObject* get_grad(const tg::Tensor& t) {
  const tg::Tensor& g = t.grad();
  return g.defined() ? py::cast(g).release().ptr() : py::none().release().ptr();
}
PyObject* get_grad_fn(const tg::Tensor& t) { return py::cast(t.grad_fn()).release().ptr(); }
PyObject* get_data(const tg::Tensor& t) { return py::cast(t.detach()).release().ptr(); }

// PyTorch's rules and messages: a bool only; a Tensor or None (del x.grad clears it); a Tensor.
void set_requires_grad(const tg::Tensor& t, PyObject* value) {
  TG_CHECK(value != nullptr && PyBool_Check(value), "requires_grad must be a bool, got {}",
           value ? Py_TYPE(value)->tp_name : "a deletion");
  t.requires_grad_(value == Py_True);
}
void set_grad(const tg::Tensor& t, PyObject* value) {
  if (value == nullptr || value == Py_None) {
    t.set_grad(tg::Tensor());
    return;
  }
  TG_CHECK_TYPE(is_tensor(value), "assigned grad expected to be a Tensor or None but got grad of type {}",
                Py_TYPE(value)->tp_name);
  t.set_grad(as_tensor(value));
}
void set_data(const tg::Tensor& t, PyObject* value) {
  TG_CHECK_TYPE(value != nullptr && is_tensor(value), "Tensor.data has to be a tensor, but got {}",
                value ? Py_TYPE(value)->tp_name : "a deletion");
  t.set_data(as_tensor(value));
}

// x.size() / x.size(dim) / x.size(dim=d), and stride alike: pybind11 tried the two overloads in turn.
template <bool kStride>
PyObject* shape_query(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    const char* name = kStride ? "stride" : "size";
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    TG_CHECK_TYPE(
        nargs + nkw <= 1 && (nkw == 0 || PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "dim") == 0),
        "{}(): takes at most one argument, dim", name);
    const tg::Tensor& t = tensor_of(self);
    if (nargs + nkw == 0) return kStride ? py::cast(t.strides()).release().ptr() : new_size(t.sizes());
    const py::handle dim = args[0];
    TG_CHECK_TYPE(PyIndex_Check(dim.ptr()), "{}(): argument 'dim' must be an int, not {}", name,
                  Py_TYPE(dim.ptr())->tp_name);
    const py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(dim.ptr()));
    if (!index) throw py::error_already_set();
    const long long d = PyLong_AsLongLong(index.ptr());
    if (d == -1 && PyErr_Occurred()) throw py::error_already_set();
    return PyLong_FromLongLong(kStride ? t.stride(d) : t.size(d));
  });
}

// Installs a method descriptor on tg.Tensor (def kept for the interpreter's life).
void add_method(TensorClass& cls, PyMethodDef* def) {
  PyObject* descr = PyDescr_NewMethod(tensor_type, def);
  if (!descr) throw py::error_already_set();
  cls.attr(def->ml_name) = py::reinterpret_steal<py::object>(descr);
}

// A Python function over one of the above (PyMethodDef kept for the interpreter's life).
py::object c_function(const char* name, PyCFunction f, int flags, const char* doc) {
  auto* def = new PyMethodDef{name, f, flags, doc};
  PyObject* out = PyCFunction_NewEx(def, nullptr, nullptr);
  if (!out) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(out);
}

struct Attribute {
  const char* name;
  PyCFunction get;
  const char* type;  // the Python type it reads as, for the stubs
  PyCFunction set;   // nullptr: read-only
  const char* set_type;
  bool deletable;
};

}  // namespace

void bind_tensor_attributes(TensorClass& cls) {
  const Attribute attributes[] = {
      {"shape", call_getter<get_shape>, "tuple[int, ...]", nullptr, nullptr, false},
      {"dtype", call_getter<get_dtype>, "tapegrad._C.dtype", nullptr, nullptr, false},
      {"device", call_getter<get_device>, "tapegrad._C.device", nullptr, nullptr, false},
      {"ndim", call_getter<get_ndim>, "int", nullptr, nullptr, false},
      {"is_cuda", call_getter<get_is_cuda>, "bool", nullptr, nullptr, false},
      {"is_cpu", call_getter<get_is_cpu>, "bool", nullptr, nullptr, false},
      {"is_leaf", call_getter<get_is_leaf>, "bool", nullptr, nullptr, false},
      {"grad_fn", call_getter<get_grad_fn>, "tapegrad._C.autograd.Node | None", nullptr, nullptr, false},
      {"requires_grad", call_getter<get_requires_grad>, "bool", as_cfunction(call_setter<set_requires_grad>), "bool",
       false},
      {"grad", call_getter<get_grad>, "tapegrad._C.Tensor | None", as_cfunction(call_setter<set_grad>),
       "tapegrad._C.Tensor | None", true},
      {"data", call_getter<get_data>, "tapegrad._C.Tensor", as_cfunction(call_setter<set_data>), "tapegrad._C.Tensor",
       false},
  };
  const py::handle property(reinterpret_cast<PyObject*>(&PyProperty_Type));
  for (const Attribute& a : attributes) {
    // Strings owned for the interpreter's life, as the PyMethodDefs pointing at them.
    auto* get_doc = new std::string(fmt::format("(arg0: tapegrad._C.Tensor) -> {}\n", a.type));
    py::object fget = c_function(a.name, a.get, METH_O, get_doc->c_str());
    py::object fset = py::none(), fdel = py::none();
    if (a.set != nullptr) {
      auto* set_doc = new std::string(fmt::format("(arg0: tapegrad._C.Tensor, arg1: {}) -> None\n", a.set_type));
      fset = c_function(a.name, a.set, METH_FASTCALL, set_doc->c_str());
      if (a.deletable) fdel = fset;
    }
    cls.attr(a.name) = property(fget, fset, fdel, py::str(""));
  }

  // Argument-free methods as method descriptors: x.dim() calls the C function straight.
  const std::pair<const char*, PyCFunction> methods[] = {{"dim", call_method<get_ndim>},
                                                         {"ndimension", call_method<get_ndim>},
                                                         {"numel", call_method<get_numel>},
                                                         {"nelement", call_method<get_numel>}};
  for (const auto& [name, f] : methods) {
    auto* doc = new std::string(fmt::format("{}(self: tapegrad._C.Tensor) -> int\n", name));
    add_method(cls, new PyMethodDef{name, f, METH_NOARGS, doc->c_str()});
  }
  // The signatures pybind11 wrote for the two overloads, which the stubs keep.
  static PyMethodDef size_def{"size", as_cfunction(shape_query<false>), METH_FASTCALL | METH_KEYWORDS,
                              "size(*args, **kwargs)\nOverloaded function.\n\n1. size(self: tapegrad._C.Tensor) -> "
                              "tuple[int, ...]\n\n2. size(self: tapegrad._C.Tensor, dim: typing.SupportsInt | "
                              "typing.SupportsIndex) -> int\n"};
  static PyMethodDef stride_def{
      "stride", as_cfunction(shape_query<true>), METH_FASTCALL | METH_KEYWORDS,
      "stride(*args, **kwargs)\nOverloaded function.\n\n1. stride(self: tapegrad._C.Tensor) -> tuple[int, ...]\n\n2. "
      "stride(self: tapegrad._C.Tensor, dim: typing.SupportsInt | typing.SupportsIndex) -> int\n"};
  add_method(cls, &size_def);
  add_method(cls, &stride_def);
}

}  // namespace tgpy
