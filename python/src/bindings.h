#pragma once
// The parts of tapegrad._C, one function per bind_*.cpp, called in this order by module.cpp.
#include <string_view>
#include <type_traits>

#include "convert.h"
#include "layer_attributes.h"

#include <tapegrad/extension.h>

namespace tgpy {

using TensorClass = py::class_<tg::Tensor>;
// What a layer object is rebuilt from when copy.deepcopy copies a Python subclass of it.
struct ModuleCopy {
  std::shared_ptr<tg::nn::Module> module;
};

// A C++ layer as a subclass of tg.nn.Module (or of the layer Parent). Besides what the binding
// adds, its __setstate__ takes a ModuleCopy: how copy.deepcopy builds an object of a Python
// subclass of the layer (made by the subclass's __new__) around a copy of the C++ layer. Each
// class needs its own: pybind11 can't construct a derived layer through its parent's.
template <class Impl, class Parent = tg::nn::Module>
class Layer : public py::class_<Impl, Parent, py::smart_holder> {
 public:
  using Base = py::class_<Impl, Parent, py::smart_holder>;
  template <class... Extra>
  Layer(py::handle scope, const char* name, const Extra&... extra) : Base(scope, name, extra...) {
    TG_LAYER_ATTRIBUTES()
    this->def(
        "__setstate__",
        [](py::detail::value_and_holder& v_h, const ModuleCopy& copy) {
          auto layer = std::dynamic_pointer_cast<Impl>(copy.module);
          TG_CHECK_TYPE(layer != nullptr, "__setstate__: {} is not a {}", copy.module ? copy.module->name() : "null",
                        py::cast<std::string>(
                            py::type::handle_of(py::handle(reinterpret_cast<PyObject*>(v_h.inst))).attr("__name__")));
          py::detail::initimpl::construct<Base>(v_h, std::move(layer), false);
        },
        py::detail::is_new_style_constructor());
  }
};

void bind_types(py::module_& m);                       // dtype, device, errors
void bind_autograd_node(py::module_& m);               // tg._C.autograd.Node (before the tensor class)
TensorClass bind_tensor_class(py::module_& m);         // tg.Tensor: metadata, autograd, conversions
void bind_tensor_attributes(TensorClass& cls);         // x.shape, x.dtype, x.grad, x.dim(), ... as C functions
// A shape as tg.Size, PyTorch's torch.Size: a tuple with numel() and a readable repr. A new
// reference, or nullptr with the Python error set.
PyObject* new_size(const tg::Shape& s);
void bind_tensor_indexing(py::module_& m, TensorClass& cls);          // __getitem__ / __setitem__ and index ops
void bind_math(py::module_& m, TensorClass& cls);      // elementwise, reductions, shape, products
void bind_composites(py::module_& m, TensorClass& cls);  // composed pointwise, arrangement and statistics ops
void bind_linalg(py::module_& m, TensorClass& cls);    // tg.linalg and the matching Tensor methods
void bind_complex(py::module_& m, TensorClass& cls);   // complex tensors' parts, conj, angle
void bind_fft(py::module_& m, TensorClass& cls);       // tg._C.fft: torch.fft; stft and istft
void bind_special(py::module_& m, TensorClass& cls);   // tg.special, igamma, mvlgamma, round(decimals=)
void bind_factories(py::module_& m);                   // tg.tensor, zeros, randn, ..., generators
void bind_interop(py::module_& m, TensorClass& cls);   // NumPy and DLPack
void bind_autograd(py::module_& m);                    // tg._C.autograd
void bind_nn(py::module_& m);                          // tg._C.nn: Module, layers, functional, init
void bind_nn_module(py::module_& nn);
void bind_nn_layers(py::module_& nn);
void bind_nn_functional(py::module_& nn);
void bind_nn_sequence(py::module_& nn);                // recurrent layers, attention, Transformer
void bind_optim(py::module_& m);                       // tg._C.optim
void bind_utils(py::module_& m);                       // save/load, cuda
void bind_data(py::module_& m);                        // tg.utils.data: datasets, samplers, DataLoader
void bind_amp(py::module_& m);                         // tg.amp: autocast regions, GradScaler
void bind_extension(py::module_& m);                   // tg._C.ext: C++/CUDA extension ops
void bind_out_argument(py::module_& m);                // tg._C._with_out: torch's out= keyword

// The Python object of a parameter or buffer that the module `owner` hands out: a
// tg.nn.Parameter for a parameter (PyTorch's type), the same object on every call (id(), `is`,
// sets and dicts of parameters work). `owner` keeps it, under `name`, while the module lives.
py::object registered_object(py::handle owner, const std::string& name, const tg::Tensor& t, bool parameter);
// The same for a submodule: its Python object (and the attributes set on it) lives as long as
// the owner's, though the owner is a C++ container that holds C++ modules.
py::object registered_module(py::handle owner, const std::string& name, const std::shared_ptr<tg::nn::Module>& child);
// (name, object) of each of owner's submodules, as registered_module hands them out.
py::list named_child_objects(py::handle owner);
// The C++ module of a Python module object, handed to C++ (a container, a parent): for a Python
// subclass of a C++ layer that defines forward, C++ callers then run that forward.
std::shared_ptr<tg::nn::Module> module_ptr(py::handle h);
// Drops what owner keeps under names it no longer has (after a container renumbered its modules).
void forget_stale_objects(py::handle owner);
py::list child_objects(py::handle owner);
// `del module.name` for a registered parameter, buffer or submodule (or any other attribute).
void module_delattr(py::object self, const std::string& name);

// unique's and unique_consecutive's result: the values alone, or a tuple with the inverse and
// counts that were asked for.
inline py::object unique_result(const tg::Tensor& values, const tg::Tensor& inverse, const tg::Tensor& counts,
                                bool return_inverse, bool return_counts) {
  if (!return_inverse && !return_counts) return py::cast(values);
  py::list out;
  out.append(py::cast(values));
  if (return_inverse) out.append(py::cast(inverse));
  if (return_counts) out.append(py::cast(counts));
  return py::tuple(out);
}

// NumPy's names for dim and keepdim, which torch takes as aliases, each on its own:
// x.sum(axis=0, keepdims=True), x.sum(axis=0, keepdim=True). `which` picks the renames: 1 dim to
// axis, 2 keepdim to keepdims.
inline int numpy_rename(const char* name) {
  const std::string_view n(name);
  return n == "dim" ? 1 : n == "keepdim" ? 2 : 0;
}
template <class E>
int numpy_renames(const E& e) {
  if constexpr (std::is_base_of_v<py::arg, E>) return numpy_rename(e.name);
  return 0;
}
template <class E>
E with_numpy_name(E e, int which) {
  if constexpr (std::is_base_of_v<py::arg, E>) {
    const int r = numpy_rename(e.name) & which;
    if (r != 0) e.name = r == 1 ? "axis" : "keepdims";
  }
  return e;
}

// scope.def(name, f, extra...), and where f takes dim or keepdim, overloads under NumPy's names:
// both renamed first (NumPy's code), then each alone. They come after the first, so a call with
// torch's names never tries them.
template <class Scope, class F, class... Extra>
void def_with_axis(Scope& scope, const char* name, const F& f, const Extra&... extra) {
  scope.def(name, f, extra...);
  const int renames = (numpy_renames(extra) | ... | 0);
  for (const int which : {3, 1, 2})
    if ((renames & which) == which) scope.def(name, f, with_numpy_name(extra, which)...);
}

// Binds f as the method `name` of tg.Tensor and as the function tg.name(input, ...).
template <class F, class... Extra>
void def_op(py::module_& m, TensorClass& cls, const char* name, const F& f, const Extra&... extra) {
  def_with_axis(cls, name, f, extra...);
  def_with_axis(m, name, f, py::arg("input"), extra...);
}

// Binds an in-place method that returns the Python object it was called on (x.add_(1) is x).
// Args are the types of the arguments after self.
template <class... Args, class F, class... Extra>
void def_inplace(TensorClass& cls, const char* name, F f, const Extra&... extra) {
  cls.def(
      name,
      [f](py::object self, Args... args) {
        f(as_tensor(self), args...);
        return self;
      },
      extra...);
}

}  // namespace tgpy
