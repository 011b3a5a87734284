// tapegrad._C: the binding. The pure-Python package `tapegrad` re-exports it under PyTorch's names.
#include "bindings.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "tapegrad's C++ core; import tapegrad instead";
  tgpy::bind_types(m);
  tgpy::TensorClass tensor = tgpy::bind_tensor_class(m);
  tgpy::bind_tensor_indexing(m, tensor);
  tgpy::bind_math(m, tensor);
  tgpy::bind_factories(m);
  tgpy::bind_interop(m, tensor);
  tgpy::bind_autograd(m);
  tgpy::bind_nn(m);
  tgpy::bind_optim(m);
  tgpy::bind_utils(m);
  tgpy::bind_extension(m);
}
