// torch's out= keyword for the functions of tg's namespaces: tg._C._with_out(fn, handler) wraps
// fn in a callable that passes calls without out= straight to fn (one vectorcall, ~20 ns: the
// per-op cost from Python is ~550 ns, and a Python wrapper would add a third), and hands calls
// with out= to handler(fn, args, kwargs, out), which lives in tapegrad/_out.py.
#include "bindings.h"

// (After Python.h, which bindings.h brings: structmember.h needs its types.)
#include <structmember.h>

#include <cstddef>

namespace tgpy {

namespace {

struct OutForm {
  PyObject_HEAD vectorcallfunc vectorcall;
  PyObject* fn;
  PyObject* handler;
};

PyObject* call_with_out(OutForm* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
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
  PyObject* out = Py_None;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, i);
    if (PyUnicode_CompareWithASCIIString(key, "out") == 0) {
      out = args[nargs + i];
    } else if (PyDict_SetItem(kwargs, key, args[nargs + i]) < 0) {
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

PyObject* out_form_vectorcall(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* self = reinterpret_cast<OutForm*>(callable);
  if (kwnames != nullptr) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
      if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), "out") == 0)
        return call_with_out(self, args, PyVectorcall_NARGS(nargsf), kwnames);
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
      [out_form_type](py::object fn, py::object handler) {
        auto* type = reinterpret_cast<PyTypeObject*>(out_form_type.ptr());
        PyObject* obj = type->tp_alloc(type, 0);
        if (obj == nullptr) throw py::error_already_set();
        auto* self = reinterpret_cast<OutForm*>(obj);
        self->vectorcall = out_form_vectorcall;
        self->fn = fn.release().ptr();
        self->handler = handler.release().ptr();
        return py::reinterpret_steal<py::object>(obj);
      },
      py::arg("fn"), py::arg("handler"));
}

}  // namespace tgpy
