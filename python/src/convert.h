#pragma once
// Conversions between Python objects and tapegrad's argument types, shared by every bind_*.cpp:
// numbers to tg::Scalar, int sequences to tg::Shape, and anything tensor-like (a Tensor, a number,
// a nested list, a buffer such as a NumPy array) to tg::Tensor. Also the GIL release used
// around every call into the library.
#include <Python.h>

#include <functional>
#include <optional>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <tapegrad/tapegrad.h>

namespace py = pybind11;

namespace tgpy {

// One Python object per tensor, as in PyTorch: a tensor handed to Python while an object of it
// is alive comes back as that object (x.add_(1) is x; a parameter found in a set, a dict or by
// id()). The objects are looked up by TensorImpl; an object leaves the table when it dies.
py::handle tensor_object(const tg::Tensor& t);  // borrowed; null when there is none
// The same for a tensor returned by value (its own handle, which no object holds).
py::handle returned_tensor_object(const tg::Tensor& t);
void remember_tensor_object(py::handle obj);    // obj: a tg.Tensor (or subclass) instance
// A new object of class `cls` (tg.Tensor or a subclass such as tg.nn.Parameter) standing for `t`,
// which has no object yet.
py::object new_tensor_object(py::handle cls, const tg::Tensor& t);

// The Python types of tg.dtype and tg.device (set once the classes are bound).
extern PyTypeObject* dtype_class;
extern PyTypeObject* device_class;
// One object per dtype and per device, made on first use and kept: x.dtype and x.device return
// them instead of a new object each time (0.3 us), and x.dtype is tg.float32, as in PyTorch.
py::handle dtype_object(tg::DType d);    // borrowed
py::handle device_object(tg::Device d);  // borrowed

// A number or a string: never a pybind11 instance. Casters fail on these at once; pybind11's
// generic search looks for a foreign module's attribute on the type and formats and drops an
// AttributeError, about 1 us for every overload tried with such an argument (x.view(16)).
inline bool is_builtin_scalar(PyObject* o) {
  return PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyBool_Check(o) || PyUnicode_CheckExact(o);
}

}  // namespace tgpy

namespace pybind11::detail {

template <>
struct type_caster<tg::DType> : public type_caster_base<tg::DType> {
  using base = type_caster_base<tg::DType>;
  bool load(handle src, bool convert) {
    return tgpy::dtype_class && PyObject_TypeCheck(src.ptr(), tgpy::dtype_class) && base::load(src, convert);
  }
  static handle cast(const tg::DType& d, return_value_policy policy, handle parent) {
    if (!tgpy::dtype_class) return base::cast(d, policy, parent);
    return tgpy::dtype_object(d).inc_ref();
  }
  static handle cast(const tg::DType* d, return_value_policy policy, handle parent) {
    return d ? cast(*d, policy, parent) : none().release();
  }
};

// Also takes a string ("cuda:1") where conversion is allowed, parsed here rather than through a
// call of tg.device.
template <>
struct type_caster<tg::Device> : public type_caster_base<tg::Device> {
  using base = type_caster_base<tg::Device>;
  bool load(handle src, bool convert) {
    if (tgpy::device_class && PyObject_TypeCheck(src.ptr(), tgpy::device_class)) return base::load(src, convert);
    if (!convert || !PyUnicode_Check(src.ptr())) return false;
    Py_ssize_t n = 0;
    const char* text = PyUnicode_AsUTF8AndSize(src.ptr(), &n);
    if (!text) throw error_already_set();
    parsed_ = tg::Device(std::string_view(text, static_cast<size_t>(n)));
    value = &parsed_;
    return true;
  }
  static handle cast(const tg::Device& d, return_value_policy policy, handle parent) {
    if (!tgpy::device_class) return base::cast(d, policy, parent);
    return tgpy::device_object(d).inc_ref();
  }
  static handle cast(const tg::Device* d, return_value_policy policy, handle parent) {
    return d ? cast(*d, policy, parent) : none().release();
  }

 private:
  tg::Device parsed_;
};

template <>
struct type_caster<tg::Tensor> : public type_caster_base<tg::Tensor> {
  using base = type_caster_base<tg::Tensor>;
  // Numbers become tensors only where conversion is allowed (bind_tensor.cpp), strings never.
  bool load(handle src, bool convert) {
    if (PyUnicode_CheckExact(src.ptr()) || (!convert && tgpy::is_builtin_scalar(src.ptr()))) return false;
    return base::load(src, convert);
  }
  static handle cast(const tg::Tensor& t, return_value_policy policy, handle parent) {
    if (handle known = tgpy::tensor_object(t)) return known.inc_ref();
    return remember(base::cast(t, policy, parent), policy);
  }
  static handle cast(tg::Tensor&& t, return_value_policy policy, handle parent) {
    if (handle known = tgpy::returned_tensor_object(t)) return known.inc_ref();
    return remember(base::cast(std::move(t), policy, parent), policy);
  }
  static handle cast(const tg::Tensor* t, return_value_policy policy, handle parent) {
    if (t == nullptr) return base::cast(t, policy, parent);
    if (handle known = tgpy::tensor_object(*t)) return known.inc_ref();
    return remember(base::cast(t, policy, parent), policy);
  }

 private:
  // Objects that alias a C++ tensor variable (reference policies) follow that variable, which
  // may come to hold another tensor: only objects that own their tensor stand for it.
  static handle remember(handle h, return_value_policy policy) {
    if (h && policy != return_value_policy::reference && policy != return_value_policy::reference_internal)
      tgpy::remember_tensor_object(h);
    return h;
  }
};

// Never move out of a tensor object (as pybind11 does when a cast holds its only reference): the
// object must keep standing for its tensor (tensor_object).
template <>
struct move_if_unreferenced<tg::Tensor, void> : std::false_type {};

}  // namespace pybind11::detail

namespace tgpy {

// Releases the GIL for its lifetime: wraps every call that runs kernels or backward, so that
// other Python threads (a DataLoader, a UI) keep running. Cheaper than gil_scoped_release, which
// consults pybind11's internals on each use.
class Unlocked {
 public:
  Unlocked() : state_(PyEval_SaveThread()) {}
  ~Unlocked() { PyEval_RestoreThread(state_); }
  Unlocked(const Unlocked&) = delete;
  Unlocked& operator=(const Unlocked&) = delete;

 private:
  PyThreadState* state_;
};

// Runs f() without the GIL.
template <class F>
decltype(auto) nogil(F&& f) {
  Unlocked unlocked;
  return f();
}

// The Python type object of tg.Tensor (set once the class is bound).
extern PyTypeObject* tensor_type;
// Makes tensor objects leave tensor_object's table when they die (once, on tg.Tensor).
void track_tensor_objects(PyTypeObject* type);
inline bool is_tensor(py::handle h) { return PyObject_TypeCheck(h.ptr(), tensor_type); }
// A 0-dim tensor of an integer dtype (not bool): an int wherever PyTorch takes its __index__.
bool is_integer_scalar_tensor(py::handle h);
// The tensor h holds; a TypeError naming `op` for anything else (tg.selu_(0.5) crashed: the
// cast failed inside nogil, its error raised without the GIL). Reads only the object's type, so
// that it may run without the GIL.
inline tg::Tensor& as_tensor(py::handle h, const char* op = nullptr) {
  if (!is_tensor(h))
    throw tg::TypeError(fmt::format("{}expected a Tensor, got {}", op ? fmt::format("{}: ", op) : std::string(),
                                    Py_TYPE(h.ptr())->tp_name));
  return py::cast<tg::Tensor&>(h);
}

// bool, int or float, including NumPy's scalar types; never a tensor.
bool is_number(py::handle h);
tg::Scalar to_scalar(py::handle h);

// A tensor from any tensor-like object: Tensors are returned as they are (converted when dtype or
// device is given); numbers, nested lists/tuples and buffer objects (NumPy arrays) are copied.
tg::Tensor to_tensor(py::handle obj, std::optional<tg::DType> dtype = std::nullopt,
                     std::optional<tg::Device> device = std::nullopt);
// (values, indices) as PyTorch's named result: r.values, r.indices, or unpacked like a tuple.
py::object values_indices(const std::tuple<tg::Tensor, tg::Tensor>& r);
// torch.linalg.slogdet's result: (sign, logabsdet).
py::object sign_logabsdet(const std::tuple<tg::Tensor, tg::Tensor>& r);
// torch.return_types.aminmax (min, max) and frexp (mantissa, exponent).
py::object min_max(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object mantissa_exponent(const std::tuple<tg::Tensor, tg::Tensor>& r);
// torch.linalg.eigh's or (hermitian false) torch.linalg.eig's result: (eigenvalues, eigenvectors),
// named as torch.return_types' linalg_eigh and linalg_eig.
py::object eigenvalues_eigenvectors(const std::tuple<tg::Tensor, tg::Tensor>& r, bool hermitian);
// torch.return_types' linalg_qr (Q, R), linalg_svd (U, S, Vh) and linalg_lstsq (solution,
// residuals, rank, singular_values).
py::object qr_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object svd_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r);
// torch.return_types.histogram (hist, bin_edges).
py::object histogram_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object histogramdd_result(const std::tuple<tg::Tensor, tg::tensor_list>& r);
// torch.return_types.geqrf (a, tau).
py::object geqrf_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object lu_factor_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object lu_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r);
py::object lstsq_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor, tg::Tensor>& r);
// torch.return_types' linalg_inv_ex (inverse, info), linalg_solve_ex (result, info),
// linalg_cholesky_ex (L, info) and linalg_lu_factor_ex (LU, pivots, info).
py::object inv_ex_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object solve_ex_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object cholesky_ex_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object lu_factor_ex_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r);
// torch.return_types' linalg_ldl_factor (LD, pivots) and linalg_ldl_factor_ex (LD, pivots, info).
py::object ldl_factor_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
py::object ldl_factor_ex_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r);
// torch.return_types.linalg_polar (U, H).
py::object polar_result(const std::tuple<tg::Tensor, tg::Tensor>& r);
// A dim argument: None (nullopt), an int or a sequence of ints.
std::optional<tg::Shape> dims_of(const py::object& dim);

// One tensor or a sequence of tensors (what torch.autograd.grad and friends accept), as a list.
tg::tensor_list tensors_arg(py::handle obj);
// The tensors as a Python tuple (undefined ones as None).
py::tuple tensor_tuple(const tg::tensor_list& ts);

// A tensor over a buffer object's memory (no copy); the object stays alive while the tensor does.
tg::Tensor tensor_from_buffer(py::handle obj);
// t as a NumPy array over the same memory.
py::object to_numpy(const tg::Tensor& t);

// The shape given as varargs (x.view(2, 3)) or as one sequence (x.view((2, 3))).
tg::Shape shape_from_args(const py::args& args, const char* op);

// Indexing with Python's syntax: ints, slices, None, Ellipsis, bools, tensors and lists.
std::vector<tg::TensorIndex> to_indices(py::handle index);

// A C++ std::function that keeps a Python callable; it takes the GIL to call and to release it,
// because the library may call or drop it from a thread that does not hold the GIL.
class PyCallable {
 public:
  explicit PyCallable(py::object fn) : fn_(new py::object(std::move(fn)), Release{}) {}
  template <class... Args>
  py::object operator()(Args&&... args) const {
    py::gil_scoped_acquire gil;
    return (*fn_)(std::forward<Args>(args)...);
  }
  const py::object& get() const { return *fn_; }

 private:
  struct Release {
    void operator()(py::object* o) const;
  };
  std::shared_ptr<py::object> fn_;
};

// A 1-d layer's size argument (caster below): an int, or torch's 1-tuple of one.
struct Size1 {
  int64_t value = 0;
  Size1() = default;
  Size1(int64_t v) : value(v) {}  // NOLINT(google-explicit-constructor): stands for the int
  operator int64_t() const { return value; }  // NOLINT(google-explicit-constructor)
};
// A 1-d convolution's padding argument (caster below).
struct ConvPadding1 : tg::nn::ConvPadding {
  using tg::nn::ConvPadding::BasicConvPadding;
  ConvPadding1() = default;
};
inline std::optional<int64_t> optional_int(const std::optional<Size1>& s) {
  return s ? std::optional<int64_t>(*s) : std::nullopt;
}

// f(x1, x2) -> Tensor of a Python callable (None: an empty function), callable without the GIL.
std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> tensor_pair_function(py::object fn);

}  // namespace tgpy

namespace pybind11::detail {

// Python numbers (and NumPy scalars) <-> tg::Scalar.
template <>
struct type_caster<tg::Scalar> {
  PYBIND11_TYPE_CASTER(tg::Scalar, const_name("complex | float | int | bool"));
  bool load(handle src, bool convert) {
    if (tgpy::is_number(src)) {
      value = tgpy::to_scalar(src);
      return true;
    }
    // A 0-dim tensor is a number too, as in PyTorch (tg.full((2,), t.max())); only on pybind11's
    // converting pass, so an overload that takes the tensor itself still wins.
    if (!convert || !tgpy::is_tensor(src)) return false;
    const tg::Tensor& t = tgpy::as_tensor(src);
    if (!t.defined() || t.dim() != 0) return false;
    value = t.item();
    return true;
  }
  static handle cast(const tg::Scalar& s, return_value_policy, handle) {
    if (s.is_bool()) return PyBool_FromLong(s.to_bool());
    if (s.is_integral()) return PyLong_FromLongLong(s.to_int());
    if (s.is_complex()) return PyComplex_FromDoubles(s.to_complex().real(), s.to_complex().imag());
    return PyFloat_FromDouble(s.to_double());
  }
};

// An int or a sequence of ints <-> tg::Shape (returned as a tuple).
template <>
struct type_caster<tg::Shape> {
  PYBIND11_TYPE_CASTER(tg::Shape, const_name("typing.Sequence[int] | int"));
  bool load(handle src, bool convert);
  static handle cast(const tg::Shape& s, return_value_policy, handle) {
    PyObject* t = PyTuple_New(s.size());
    for (int i = 0; i < s.size(); ++i) PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(s[i]));
    return t;
  }
};

// Reads an int, or a tuple or list of `n` ints, into `out`; false for anything else.
bool load_sizes(handle src, int64_t* out, int n);

// A 1-d layer's size: an int or a 1-tuple of one, as torch takes them (Conv1d(3, 4, (3,))).
template <>
struct type_caster<tgpy::Size1> {
  PYBIND11_TYPE_CASTER(tgpy::Size1, const_name("int | tuple[int]"));
  bool load(handle src, bool) {
    int64_t v = 0;
    if (!load_sizes(src, &v, 1)) return false;
    value = v;
    return true;
  }
  static handle cast(tgpy::Size1 s, return_value_policy, handle) { return PyLong_FromLongLong(s); }
};

// A size for each spatial dim or one for all: 3 or (3, 1) <-> tg::nn::Size2.
template <>
struct type_caster<tg::nn::Size2> {
  PYBIND11_TYPE_CASTER(tg::nn::Size2, const_name("int | tuple[int, int]"));
  bool load(handle src, bool) {
    int64_t v[2];
    if (!load_sizes(src, v, 2)) return false;
    value = tg::nn::Size2(v[0], v[1]);
    return true;
  }
  static handle cast(const tg::nn::Size2& s, return_value_policy, handle) {
    return py::make_tuple(s.h, s.w).release();
  }
};

// 3 or (1, 3, 3) <-> tg::nn::Size3.
template <>
struct type_caster<tg::nn::Size3> {
  PYBIND11_TYPE_CASTER(tg::nn::Size3, const_name("int | tuple[int, int, int]"));
  bool load(handle src, bool) {
    int64_t v[3];
    if (!load_sizes(src, v, 3)) return false;
    value = tg::nn::Size3(v[0], v[1], v[2]);
    return true;
  }
  static handle cast(const tg::nn::Size3& s, return_value_policy, handle) {
    return py::make_tuple(s.d, s.h, s.w).release();
  }
};

// An adaptive pool's output size: 7, or a tuple with None where the input's size is kept, (None, 7).
template <int N>
struct type_caster<tg::nn::AdaptiveSize<N>> {
  using Value = tg::nn::AdaptiveSize<N>;
  PYBIND11_TYPE_CASTER(Value, const_name("int | tuple[int | None, ...]"));
  bool load(handle src, bool) {
    int64_t all = 0;
    if (load_sizes(src, &all, 1) && !PySequence_Check(src.ptr())) {
      value = Value(all);
      return true;
    }
    if (!py::isinstance<py::tuple>(src) && !py::isinstance<py::list>(src)) return false;
    const auto seq = py::reinterpret_borrow<py::sequence>(src);
    if (seq.size() != N) return false;
    for (int i = 0; i < N; ++i) {
      const py::object item = seq[i];
      if (item.is_none()) {
        value.v[static_cast<size_t>(i)] = std::nullopt;
      } else if (PyLong_Check(item.ptr()) && !PyBool_Check(item.ptr())) {
        value.v[static_cast<size_t>(i)] = item.cast<int64_t>();
      } else {
        return false;
      }
    }
    return true;
  }
  static handle cast(const Value& s, return_value_policy, handle) {
    py::tuple t(N);
    for (int i = 0; i < N; ++i) t[i] = s[i] ? py::object(py::int_(*s[i])) : py::object(py::none());
    return t.release();
  }
};

// A fraction for every spatial dim or one for all: 0.5 or (0.5, 0.7) <-> tg::nn::Fractions<N>.
template <int N>
struct type_caster<tg::nn::Fractions<N>> {
  using Value = tg::nn::Fractions<N>;
  PYBIND11_TYPE_CASTER(Value, const_name("float | tuple[float, ...]"));
  bool load(handle src, bool) {
    if (tgpy::is_number(src)) {
      value = Value(py::cast<double>(src));
      return true;
    }
    if (!py::isinstance<py::tuple>(src) && !py::isinstance<py::list>(src)) return false;
    const auto seq = py::reinterpret_borrow<py::sequence>(src);
    if (seq.size() != N) return false;
    for (int i = 0; i < N; ++i) {
      if (!tgpy::is_number(seq[i])) return false;
      value.v[static_cast<size_t>(i)] = py::cast<double>(seq[i]);
    }
    return true;
  }
  static handle cast(const Value& r, return_value_policy, handle) {
    py::tuple t(N);
    for (int i = 0; i < N; ++i) t[i] = r[i];
    return t.release();
  }
};

// Convolution padding: a size (as Size2 or Size3) or "same" / "valid".
template <class S>
struct type_caster<tg::nn::BasicConvPadding<S>> {
  using Padding = tg::nn::BasicConvPadding<S>;
  PYBIND11_TYPE_CASTER(Padding, make_caster<S>::name + const_name(" | str"));
  bool load(handle src, bool convert) {
    if (PyUnicode_Check(src.ptr())) {
      value = Padding(py::cast<std::string>(src));
      return true;
    }
    make_caster<S> size;
    if (!size.load(src, convert)) return false;
    value = Padding(static_cast<S>(size));
    return true;
  }
  static handle cast(const Padding& p, return_value_policy policy, handle parent) {
    if (p.mode == tg::nn::ConvPaddingMode::Same) return py::str("same").release();
    if (p.mode == tg::nn::ConvPaddingMode::Valid) return py::str("valid").release();
    return make_caster<S>::cast(p.size, policy, parent);
  }
};

// A 1-d convolution's padding: "same", "valid", an int or a 1-tuple.
template <>
struct type_caster<tgpy::ConvPadding1> {
  PYBIND11_TYPE_CASTER(tgpy::ConvPadding1, const_name("int | tuple[int] | str"));
  bool load(handle src, bool convert) {
    if (PyUnicode_Check(src.ptr())) {
      value = tgpy::ConvPadding1(py::cast<std::string>(src));
      return true;
    }
    make_caster<tgpy::Size1> size;
    if (!size.load(src, convert)) return false;
    value = tgpy::ConvPadding1(tg::nn::Size2(static_cast<tgpy::Size1>(size)));
    return true;
  }
  static handle cast(const tgpy::ConvPadding1& p, return_value_policy policy, handle parent) {
    return make_caster<tg::nn::ConvPadding>::cast(p, policy, parent);
  }
};

// Loss reductions by PyTorch's names: "none", "mean", "sum", "batchmean".
template <>
struct type_caster<tg::nn::functional::Reduction> {
  PYBIND11_TYPE_CASTER(tg::nn::functional::Reduction, const_name("str"));
  bool load(handle src, bool convert);
  static handle cast(tg::nn::functional::Reduction r, return_value_policy, handle) {
    using R = tg::nn::functional::Reduction;
    return py::str(r == R::None ? "none" : r == R::Sum ? "sum" : r == R::BatchMean ? "batchmean" : "mean").release();
  }
};

}  // namespace pybind11::detail
