// torch's out= keyword for the functions of tg's namespaces: tg._C._with_out(fn, handler, factory)
// wraps fn in a callable that passes calls without out= straight to fn (one vectorcall, ~20 ns:
// the per-op cost from Python is ~500 ns, and a Python wrapper would add a third). With out=, the
// result goes into out here when that is a plain copy, else through tapegrad/_out.py's handler.
#include "bindings.h"

// (After Python.h, which bindings.h brings: structmember.h needs its types.)
#include <structmember.h>

#include <cstddef>
#include <vector>

namespace tgpy {

namespace {

struct OutForm {
  PyObject_HEAD vectorcallfunc vectorcall;
  PyObject* fn;
  PyObject* handler;
  bool factory;
};

// Factories: handler(fn, args, kwargs, out), which calls fn in out's dtype and device.
PyObject* call_factory(OutForm* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject* out) {
  PyObject* pos = PyTuple_New(nargs);
  PyObject* kwargs = PyDict_New();
  if (pos == nullptr || kwargs == nullptr) {
    Py_XDECREF(pos);
    Py_XDECREF(kwargs);
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    Py_INCREF(args[i]);
    PyTuple_SET_ITEM(pos, i, args[i]);
  }
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, i);
    if (PyUnicode_CompareWithASCIIString(key, "out") != 0 && PyDict_SetItem(kwargs, key, args[nargs + i]) < 0) {
      Py_DECREF(pos);
      Py_DECREF(kwargs);
      return nullptr;
    }
  }
  PyObject* result = PyObject_CallFunctionObjArgs(self->handler, self->fn, pos, kwargs, out, nullptr);
  Py_DECREF(pos);
  Py_DECREF(kwargs);
  return result;
}

// The result into out directly when it needs nothing else (same shape, dtype and device, no
// autograd in the way): ~0.25 us over the call, where the Python path costs ~5. false: the
// Python path must decide (and raise where it must).
bool copy_plainly(PyObject* result, PyObject* out) {
  if (!is_tensor(result) || !is_tensor(out)) return false;
  try {
    const tg::Tensor& r = as_tensor(result);
    const tg::Tensor& o = as_tensor(out);
    if (r.sizes() != o.sizes() || r.dtype() != o.dtype() || r.device() != o.device()) return false;
    if (tg::GradMode::is_enabled() && (r.requires_grad() || o.requires_grad())) return false;
    tg::NoGradGuard no_grad;
    o.copy_(r);
  } catch (const std::exception&) {
    return false;  // (the Python path's copy_ raises it as Python's exception)
  }
  return true;
}

// Others: fn without out=, then the result into out, by copy_plainly or handler(fn, result, out).
PyObject* call_with_out(OutForm* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, Py_ssize_t at) {
  PyObject* out = args[nargs + at];
  if (self->factory) return call_factory(self, args, nargs, kwnames, out);
  const Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
  std::vector<PyObject*> rest(args, args + nargs + nkw);
  rest.erase(rest.begin() + nargs + at);
  PyObject* names = PyTuple_New(nkw - 1);
  if (names == nullptr) return nullptr;
  for (Py_ssize_t i = 0, j = 0; i < nkw; ++i) {
    if (i == at) continue;
    PyObject* key = PyTuple_GET_ITEM(kwnames, i);
    Py_INCREF(key);
    PyTuple_SET_ITEM(names, j++, key);
  }
  PyObject* result = PyObject_Vectorcall(self->fn, rest.data(), nargs, nkw > 1 ? names : nullptr);
  Py_DECREF(names);
  if (result == nullptr) return nullptr;
  if (copy_plainly(result, out)) {
    Py_DECREF(result);
    Py_INCREF(out);
    return out;
  }
  PyObject* written = PyObject_CallFunctionObjArgs(self->handler, self->fn, result, out, nullptr);
  Py_DECREF(result);
  return written;
}

PyObject* out_form_vectorcall(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* self = reinterpret_cast<OutForm*>(callable);
  if (kwnames != nullptr) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
      if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), "out") == 0)
        return call_with_out(self, args, PyVectorcall_NARGS(nargsf), kwnames, i);
    }
  }
  return PyObject_Vectorcall(self->fn, args, nargsf, kwnames);
}

// Attributes are the function's (__name__, __doc__, __module__, ...), so that help() and error
// messages read as before; __wrapped__ is the function itself.
PyObject* out_form_getattro(PyObject* obj, PyObject* name) {
  auto* self = reinterpret_cast<OutForm*>(obj);
  if (PyUnicode_CompareWithASCIIString(name, "__wrapped__") == 0) {
    Py_INCREF(self->fn);
    return self->fn;
  }
  return PyObject_GetAttr(self->fn, name);
}

PyObject* out_form_repr(PyObject* obj) { return PyObject_Repr(reinterpret_cast<OutForm*>(obj)->fn); }

void out_form_dealloc(PyObject* obj) {
  auto* self = reinterpret_cast<OutForm*>(obj);
  PyTypeObject* type = Py_TYPE(obj);
  Py_XDECREF(self->fn);
  Py_XDECREF(self->handler);
  type->tp_free(obj);
  Py_DECREF(type);
}

PyMemberDef out_form_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(OutForm, vectorcall), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot out_form_slots[] = {
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_getattro, reinterpret_cast<void*>(out_form_getattro)},
    {Py_tp_repr, reinterpret_cast<void*>(out_form_repr)},
    {Py_tp_dealloc, reinterpret_cast<void*>(out_form_dealloc)},
    {Py_tp_members, out_form_members},
    {0, nullptr},
};

PyType_Spec out_form_spec = {"tapegrad._C._OutForm", sizeof(OutForm), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL, out_form_slots};

}  // namespace

void bind_out_argument(py::module_& m) {
  PyObject* type = PyType_FromSpec(&out_form_spec);
  if (type == nullptr) throw py::error_already_set();
  auto out_form_type = py::reinterpret_steal<py::object>(type);
  m.def(
      "_with_out",
      [out_form_type](py::object fn, py::object handler, bool factory) {
        auto* type = reinterpret_cast<PyTypeObject*>(out_form_type.ptr());
        PyObject* obj = type->tp_alloc(type, 0);
        if (obj == nullptr) throw py::error_already_set();
        auto* self = reinterpret_cast<OutForm*>(obj);
        self->vectorcall = out_form_vectorcall;
        self->fn = fn.release().ptr();
        self->handler = handler.release().ptr();
        self->factory = factory;
        return py::reinterpret_steal<py::object>(obj);
      },
      py::arg("fn"), py::arg("handler"), py::arg("factory"));
}

}  // namespace tgpy
