// tapegrad._C: the binding. The pure-Python package `tapegrad` re-exports it under PyTorch's names.
#include "bindings.h"

namespace {

// pybind11 (3.1; its issue 6153) hands a method an object made by cls.__new__(cls) without
// __init__ as raw storage, allocated on first use through the type's operator_new: t.shape or
// repr(t) on tg.Tensor.__new__(tg.Tensor) read garbage and crashed. With this allocator every
// such use raises instead. The lazy path's one other user, an old-style placement-new __init__ or
// __setstate__, is not used here; the new-style ones construct without it.
void* refuse_unconstructed(size_t) {
  throw tg::TypeError(
      "this tapegrad object was made by __new__ without __init__, so it holds no value yet; "
      "call the class (or its __init__) instead");
}

void refuse_unconstructed_objects() {
  py::detail::with_internals([](py::detail::internals& internals) {
    for (auto& [cpp_type, info] : internals.registered_types_cpp) {
      const py::str module = py::handle(reinterpret_cast<PyObject*>(info->type)).attr("__module__");
      if (info->operator_new == nullptr && py::cast<std::string>(module).starts_with("tapegrad"))
        info->operator_new = refuse_unconstructed;
    }
  });
}

// The classes whose C++ objects a Python object holds (pybind11's all_type_info): for a Python
// subclass of a layer, that layer's class. A class's __init__ can only build one of these.
py::tuple cpp_parts(py::handle obj) {
  const auto& infos = py::detail::all_type_info(Py_TYPE(obj.ptr()));
  py::tuple parts(infos.size());
  for (size_t i = 0; i < infos.size(); ++i)
    parts[i] = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(infos[i]->type));
  return parts;
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "tapegrad's C++ core; import tapegrad instead";
  tgpy::bind_types(m);
  tgpy::bind_autograd_node(m);
  tgpy::TensorClass tensor = tgpy::bind_tensor_class(m);
  tgpy::bind_tensor_indexing(m, tensor);
  tgpy::bind_math(m, tensor);
  tgpy::bind_composites(m, tensor);
  tgpy::bind_linalg(m, tensor);
  tgpy::bind_complex(m, tensor);
  tgpy::bind_fft(m, tensor);
  tgpy::bind_special(m, tensor);
  tgpy::bind_factories(m);
  tgpy::bind_interop(m, tensor);
  tgpy::bind_autograd(m);
  tgpy::bind_nn(m);
  tgpy::bind_optim(m);
  tgpy::bind_utils(m);
  tgpy::bind_data(m);
  tgpy::bind_amp(m);
  tgpy::bind_extension(m);
  tgpy::bind_out_argument(m);

  // Submodules become importable (`from tapegrad._C.nn import *`), which is how the package's
  // files re-export them and how type checkers follow the generated stubs. __all__ leaves the
  // submodules out of star imports, so that the package's own Python subpackages take their names.
  py::object modules = py::module_::import("sys").attr("modules");
  auto add = [&](auto& self, py::handle mod) -> void {
    py::list all;
    for (const auto& [key, value] : mod.attr("__dict__").cast<py::dict>()) {
      const std::string name = py::cast<std::string>(key);
      if (name.starts_with("_")) continue;
      if (!PyModule_Check(value.ptr())) {
        all.append(key);
        continue;
      }
      modules[value.attr("__name__")] = value;
      self(self, value);
    }
    mod.attr("__all__") = all;
  };
  add(add, m);
  refuse_unconstructed_objects();
  m.def("_cpp_parts", cpp_parts, "(the package's guard of base classes' __init__ uses it)");
}
