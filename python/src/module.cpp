// tapegrad._C: the binding. The pure-Python package `tapegrad` re-exports it under PyTorch's names.
#include "bindings.h"

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
}
