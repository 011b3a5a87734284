#include "convert.h"

#include <unordered_map>

#include <pybind11/numpy.h>

#include <string>
#include <vector>

namespace tgpy {

PyTypeObject* tensor_type = nullptr;
PyTypeObject* dtype_class = nullptr;
PyTypeObject* device_class = nullptr;

py::handle dtype_object(tg::DType d) {
  static PyObject* objects[tg::kNumDTypes] = {};
  PyObject*& o = objects[static_cast<int>(d)];
  if (!o) o = py::detail::type_caster_base<tg::DType>::cast(d, py::return_value_policy::copy, {}).ptr();
  return o;
}

py::handle device_object(tg::Device d) {
  static PyObject* cpu = nullptr;
  static PyObject* cuda[128] = {};
  PyObject*& o = d.is_cpu() ? cpu : cuda[d.index() & 127];
  if (!o) o = py::detail::type_caster_base<tg::Device>::cast(d, py::return_value_policy::copy, {}).ptr();
  return o;
}

namespace {

// Under the GIL (casts and deallocation hold it). An object's tensor never changes (convert.h
// keeps pybind11 from moving out of it), so an object leaves by the tensor it holds.
std::unordered_map<const tg::TensorImpl*, PyObject*>& tensor_objects() {
  // Never destroyed: tensor objects still die during interpreter teardown.
  static auto* objects = new std::unordered_map<const tg::TensorImpl*, PyObject*>();
  return *objects;
}

const tg::Tensor* held_tensor(PyObject* obj) {
  auto* inst = reinterpret_cast<py::detail::instance*>(obj);
  py::detail::value_and_holder vh = inst->get_value_and_holder();
  return vh.holder_constructed() ? vh.value_ptr<tg::Tensor>() : nullptr;
}

destructor pybind_tensor_dealloc = nullptr;

void tensor_dealloc(PyObject* obj) {
  if (const tg::Tensor* t = held_tensor(obj); t != nullptr && t->defined()) {
    auto& objects = tensor_objects();
    auto it = objects.find(t->impl());
    if (it != objects.end() && it->second == obj) objects.erase(it);
  }
  pybind_tensor_dealloc(obj);
}

}  // namespace

py::handle tensor_object(const tg::Tensor& t) {
  if (!t.defined()) return {};
  const auto& objects = tensor_objects();
  auto it = objects.find(t.impl());
  return it == objects.end() ? py::handle() : py::handle(it->second);
}

py::handle returned_tensor_object(const tg::Tensor& t) {
  // Every object holds a handle of its tensor, so a returned value whose handle is the only one
  // (an op's fresh result, the common case) has none, and the lookup is skipped.
  if (!t.defined() || t.impl()->refs_.load(std::memory_order_relaxed) == 1) return {};
  return tensor_object(t);
}

py::object new_tensor_object(py::handle cls, const tg::Tensor& t) {
  py::object plain = py::cast(t);
  if (cls.ptr() == reinterpret_cast<PyObject*>(tensor_type)) return plain;
  py::object typed = cls.attr("__new__")(cls);
  py::handle(reinterpret_cast<PyObject*>(tensor_type)).attr("__init__")(typed, plain);
  remember_tensor_object(typed);
  return typed;
}

void remember_tensor_object(py::handle obj) {
  const tg::Tensor* t = held_tensor(obj.ptr());
  if (t != nullptr && t->defined()) tensor_objects()[t->impl()] = obj.ptr();  // a newer object stands for it
}

void track_tensor_objects(PyTypeObject* type) {
  pybind_tensor_dealloc = type->tp_dealloc;
  type->tp_dealloc = tensor_dealloc;
}

namespace {

// Python objects may be dropped by the library on any thread, also while the interpreter shuts
// down; after that point they are leaked rather than touched.
bool python_alive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

// NumPy's scalar base class when NumPy has been imported (never imports it).
PyObject* numpy_generic() {
  static PyObject* generic = nullptr;
  if (generic) return generic;
  PyObject* numpy = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy");
  if (!numpy) return nullptr;
  generic = PyObject_GetAttrString(numpy, "generic");  // kept for the life of the process
  if (!generic) PyErr_Clear();
  return generic;
}

// 'b' (bool), 'i'/'u' (integer), 'f' (floating), 'c' (complex) or 0 for a NumPy scalar.
char numpy_scalar_kind(py::handle h) {
  PyObject* generic = numpy_generic();
  if (!generic || !PyObject_IsInstance(h.ptr(), generic)) return 0;
  const std::string kind = py::str(h.attr("dtype").attr("kind"));
  return kind.empty() ? 0 : kind[0];
}

// A NumPy scalar's dtype, when tapegrad has it (np.uint16 and the like: none).
std::optional<tg::DType> numpy_scalar_dtype(py::handle h, char kind) {
  const auto size = py::cast<int64_t>(h.attr("dtype").attr("itemsize"));
  switch (kind) {
    case 'b': return tg::kBool;
    case 'i':
      if (size == 1) return tg::kInt8;
      if (size == 2) return tg::kInt16;
      if (size == 4) return tg::kInt32;
      if (size == 8) return tg::kInt64;
      break;
    case 'u':
      if (size == 1) return tg::kUInt8;
      break;
    case 'f':
      if (size == 2) return tg::kFloat16;
      if (size == 4) return tg::kFloat32;
      if (size == 8) return tg::kFloat64;
      break;
    case 'c':
      if (size == 8) return tg::kComplex64;
      if (size == 16) return tg::kComplex128;
      break;
    default: break;
  }
  return std::nullopt;
}

}  // namespace

bool is_integer_scalar_tensor(py::handle h) {
  if (!is_tensor(h)) return false;
  const tg::Tensor& t = py::cast<const tg::Tensor&>(h);
  return t.defined() && t.dim() == 0 && tg::is_integral(t.dtype(), /*include_bool=*/false);
}

bool is_number(py::handle h) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o) || PyLong_Check(o) || PyFloat_Check(o) || PyComplex_Check(o)) return true;
  if (is_tensor(h)) return false;
  const char k = numpy_scalar_kind(h);
  return k == 'b' || k == 'i' || k == 'u' || k == 'f' || k == 'c';
}

tg::Scalar to_scalar(py::handle h) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) return tg::Scalar(o == Py_True);
  if (PyLong_Check(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw tg::ValueError("the integer " + std::string(py::str(h)) + " does not fit in int64");
    return tg::Scalar(static_cast<int64_t>(v));
  }
  if (PyFloat_Check(o)) return tg::Scalar(PyFloat_AS_DOUBLE(o));
  if (PyComplex_Check(o)) return tg::Scalar(std::complex<double>(PyComplex_RealAsDouble(o), PyComplex_ImagAsDouble(o)));
  switch (numpy_scalar_kind(h)) {
    case 'b': return tg::Scalar(static_cast<bool>(PyObject_IsTrue(o)));
    case 'i':
    case 'u': return tg::Scalar(static_cast<int64_t>(py::int_(py::reinterpret_borrow<py::object>(h))));
    case 'f': return tg::Scalar(static_cast<double>(py::float_(py::reinterpret_borrow<py::object>(h))));
    case 'c': {
      const Py_complex z = PyComplex_AsCComplex(o);
      return tg::Scalar(std::complex<double>(z.real, z.imag));
    }
    default: break;
  }
  throw tg::TypeError(fmt::format("expected a number (bool, int, float or complex), got {}", Py_TYPE(o)->tp_name));
}

namespace {

// An object with the buffer protocol that holds numbers: a NumPy array, an array.array.
bool is_array(py::handle obj) {
  PyObject* o = obj.ptr();
  return PyObject_CheckBuffer(o) && !PyBytes_Check(o) && !PyByteArray_Check(o) && !is_tensor(obj);
}

// A sequence whose items nest as a list's do: not a string or bytes, a tensor or a number.
bool is_nested_sequence(py::handle obj) {
  PyObject* o = obj.ptr();
  return PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o) && !PyByteArray_Check(o) && !is_tensor(obj) &&
         !is_number(obj);
}

// Walks a nested list, checking that it is rectangular, and collects the numbers.
// torch.tensor's dtype for a nested list: the promotion of its elements' types, where a Python
// bool, int, float or complex is bool, int64, the default dtype or the default complex dtype, and
// a NumPy scalar or a one-element tensor has its own ([np.float64(1), 2.0] is float64,
// [np.int8(1), np.uint8(2)] int16).
struct NestedList {
  std::vector<int64_t> shape;
  std::vector<tg::Scalar> values;
  int kind = 0;  // 0 bool, 1 int, 2 float, 3 complex: the widest seen
  std::optional<tg::DType> inferred;

  void infer(tg::DType element) {
    if (inferred != element) inferred = inferred ? tg::promote_types(*inferred, element) : element;
  }
  // A Python number or a NumPy scalar tapegrad lacks: the type of its kind.
  void infer_from_kind(const tg::Scalar& s) {
    infer(s.is_complex()           ? tg::default_complex_dtype()
          : s.is_floating_point() ? tg::default_dtype()
          : s.is_integral()       ? tg::kInt64
                                  : tg::kBool);
  }

  void visit(py::handle obj, size_t depth) {
    PyObject* o = obj.ptr();
    if (PyList_Check(o) || PyTuple_Check(o)) {
      visit_items(o, depth);
      return;
    }
    // Any other sequence as torch's: a deque, a range, a row that is a NumPy array.
    if (is_nested_sequence(obj) && !is_zero_dim_array(obj)) {
      const py::object items = py::reinterpret_steal<py::object>(PySequence_Fast(o, "tensor: not a sequence"));
      if (!items) throw py::error_already_set();
      visit_items(items.ptr(), depth);
      return;
    }
    if (depth != shape.size()) ragged(depth);
    tg::Scalar s;
    if (is_tensor(obj) || is_array(obj)) {  // a tensor, or a 0-dim array (a number of its dtype)
      const tg::Tensor t = is_tensor(obj) ? as_tensor(obj) : tensor_from_buffer(obj);
      if (t.numel() != 1)
        throw tg::ValueError(fmt::format("tensor: a nested list may hold only numbers and one-element tensors, "
                                         "found a tensor of shape {}", t.sizes()));
      s = t.item();
      infer(t.dtype());
    } else if (PyFloat_CheckExact(o)) {
      s = tg::Scalar(PyFloat_AS_DOUBLE(o));
      infer(tg::default_dtype());
    } else if (is_number(obj)) {
      s = to_scalar(obj);
      // np.float64 and np.complex128 subclass Python's float and complex: only exact types skip NumPy.
      const bool python_number = PyBool_Check(o) || PyLong_CheckExact(o) || PyComplex_CheckExact(o);
      const char np_kind = python_number ? 0 : numpy_scalar_kind(obj);
      if (auto np_dtype = np_kind ? numpy_scalar_dtype(obj, np_kind) : std::nullopt) {
        infer(*np_dtype);
      } else {
        infer_from_kind(s);
      }
    } else {
      throw tg::TypeError(fmt::format("tensor: cannot make a tensor element from {}", Py_TYPE(o)->tp_name));
    }
    kind = std::max(kind, s.is_complex() ? 3 : s.is_floating_point() ? 2 : s.is_integral() ? 1 : 0);
    values.push_back(s);
  }
  // A list or tuple (or PySequence_Fast's list of another sequence).
  void visit_items(PyObject* o, size_t depth) {
    const auto n = static_cast<int64_t>(PySequence_Fast_GET_SIZE(o));
    if (depth == shape.size()) {
      if (depth > 0 && !values.empty()) ragged(depth);
      shape.push_back(n);
    } else if (shape[depth] != n) {
      ragged(depth);
    }
    PyObject** items = PySequence_Fast_ITEMS(o);
    for (int64_t i = 0; i < n; ++i) visit(items[i], depth + 1);
  }
  static bool is_zero_dim_array(py::handle obj) {
    if (!is_array(obj) || PySequence_Size(obj.ptr()) >= 0) return false;
    PyErr_Clear();  // len() of a 0-dim NumPy array raises
    return true;
  }
  [[noreturn]] static void ragged(size_t depth) {
    throw tg::ValueError(fmt::format("tensor: the nested list is ragged (its lengths differ at depth {})", depth));
  }

  // Floats are collected in float64 and cast once to the dtype asked for (the default dtype when
  // none), so tg.tensor([0.1], dtype=tg.float64) holds the double 0.1, not a rounded float32.
  tg::Tensor build(std::optional<tg::DType> dtype) const {
    if (!dtype && inferred) dtype = inferred;
    tg::Tensor flat;
    if (kind == 3) {
      std::vector<std::complex<double>> v;
      v.reserve(values.size());
      for (const auto& s : values) v.push_back(s.to_complex());
      flat = tg::tensor(v).to(dtype.value_or(tg::default_complex_dtype()));
    } else if (kind == 2) {
      std::vector<double> v;
      v.reserve(values.size());
      for (const auto& s : values) v.push_back(s.to_double());
      flat = tg::tensor(v).to(dtype.value_or(tg::default_dtype()));
    } else if (kind == 1) {
      std::vector<int64_t> v;
      v.reserve(values.size());
      for (const auto& s : values) v.push_back(s.to_int());
      flat = tg::tensor(v);
    } else {
      std::vector<bool> v;
      v.reserve(values.size());
      for (const auto& s : values) v.push_back(s.to_bool());
      flat = values.empty() ? tg::empty({0}) : tg::tensor(v);
    }
    if (dtype && flat.dtype() != *dtype) flat = flat.to(*dtype);
    return flat.view(tg::Shape(shape));
  }
};

tg::DType dtype_of_format(const py::buffer_info& info) {
  std::string f = info.format;
  if (!f.empty() && (f[0] == '<' || f[0] == '=' || f[0] == '@' || f[0] == '|')) f.erase(0, 1);
  if (!f.empty() && (f[0] == '>' || f[0] == '!'))
    throw tg::TypeError("from_numpy: big-endian arrays are not supported; convert with .astype('<...')");
  if (f == "Zf") return tg::kComplex64;
  if (f == "Zd") return tg::kComplex128;
  if (f.size() == 1) {
    switch (f[0]) {
      case '?': return tg::kBool;
      case 'b': return tg::kInt8;
      case 'B': return tg::kUInt8;
      case 'h': return tg::kInt16;
      case 'e': return tg::kFloat16;
      case 'f': return tg::kFloat32;
      case 'd': return tg::kFloat64;
      case 'i':
      case 'l':
      case 'q':
        if (info.itemsize == 2) return tg::kInt16;
        if (info.itemsize == 4) return tg::kInt32;
        if (info.itemsize == 8) return tg::kInt64;
        break;
      default: break;
    }
  }
  throw tg::TypeError(
      fmt::format("from_numpy: arrays of format '{}' ({} bytes per item) are not supported; "
                  "supported: bool, int8, uint8, int16, int32, int64, float16, float32, float64, complex64, "
                  "complex128",
                  info.format, info.itemsize));
}

}  // namespace

tg::Tensor tensor_from_buffer(py::handle obj) {
  auto info = std::make_unique<py::buffer_info>(py::reinterpret_borrow<py::buffer>(obj).request());
  const tg::DType dtype = dtype_of_format(*info);
  tg::Shape sizes, strides;
  for (size_t i = 0; i < info->shape.size(); ++i) {
    if (info->strides[i] < 0 || info->strides[i] % info->itemsize != 0)
      throw tg::ValueError(fmt::format("from_numpy: stride {} of dim {} is negative or not a multiple of the item "
                                       "size {}; copy the array first (np.ascontiguousarray)",
                                       info->strides[i], i, info->itemsize));
    sizes.push_back(info->shape[i]);
    strides.push_back(info->strides[i] / info->itemsize);
  }
  void* data = info->ptr;
  // The buffer view keeps the exporter (and its memory) alive until the last tensor lets go.
  return tg::from_blob(
      data, sizes, strides,
      [view = info.release()](void*) {
        if (!python_alive()) return;
        py::gil_scoped_acquire gil;
        delete view;
      },
      dtype);
}

py::object to_numpy(const tg::Tensor& t) {
  TG_CHECK_TYPE(t.is_cpu(), "numpy: the tensor is on {}; call .cpu() first", t.device());
  TG_CHECK(!t.requires_grad(), "numpy: the tensor requires grad; use tensor.detach().numpy()");
  std::string format;
  switch (t.dtype()) {
    case tg::kBool: format = "?"; break;
    case tg::kUInt8: format = "B"; break;
    case tg::kInt8: format = "b"; break;
    case tg::kInt16: format = "i2"; break;
    case tg::kInt32: format = "i4"; break;
    case tg::kInt64: format = "i8"; break;
    case tg::kFloat16: format = "f2"; break;
    case tg::kFloat32: format = "f4"; break;
    case tg::kFloat64: format = "f8"; break;
    case tg::kComplex64:
      format = "c8";
      break;
    case tg::kComplex128:
      format = "c16";
      break;
    default: throw tg::TypeError(fmt::format("numpy: NumPy has no {} type; convert with .float() first", t.dtype()));
  }
  std::vector<py::ssize_t> shape, strides;
  const auto item = static_cast<py::ssize_t>(t.element_size());
  for (int i = 0; i < t.dim(); ++i) {
    shape.push_back(t.size(i));
    strides.push_back(t.stride(i) * item);
  }
  // The array's base owns a handle to the tensor, so the memory lives as long as either.
  py::capsule owner(new tg::Tensor(t), [](void* p) { delete static_cast<tg::Tensor*>(p); });
  return py::array(py::dtype(format), shape, strides, t.data_ptr(), owner);
}

namespace {

// A NumPy scalar as a 0-dim tensor of its own dtype (torch.tensor(np.float64(1.5)) is float64), or
// undefined for anything else, and for the scalar types tapegrad lacks (np.uint16), which then
// convert as numbers do.
tg::Tensor numpy_scalar_tensor(py::handle obj) {
  PyObject* o = obj.ptr();
  if (PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyBool_Check(o) || numpy_scalar_kind(obj) == 0 ||
      !PyObject_CheckBuffer(o))
    return {};
  try {
    return tensor_from_buffer(obj).clone();
  } catch (const tg::TypeError&) {
    return {};
  }
}

}  // namespace

tg::Tensor to_tensor(py::handle obj, std::optional<tg::DType> dtype, std::optional<tg::Device> device) {
  tg::Tensor t;
  if (is_tensor(obj)) {
    t = as_tensor(obj);
  } else if (tg::Tensor scalar = numpy_scalar_tensor(obj); scalar.defined()) {
    t = std::move(scalar);
  } else if (is_number(obj)) {
    const tg::Scalar s = to_scalar(obj);
    t = tg::scalar_tensor(s, tg::TensorOptions(dtype.value_or(s.dtype())));
  } else if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr()) || (is_nested_sequence(obj) && !is_array(obj))) {
    NestedList list;
    list.visit(obj, 0);
    t = list.build(dtype);
  } else if (PyObject_CheckBuffer(obj.ptr())) {
    t = tensor_from_buffer(obj).clone();
  } else {
    throw tg::TypeError(fmt::format("expected a tensor, a number, a (nested) list or sequence or an array, got {}",
                                    Py_TYPE(obj.ptr())->tp_name));
  }
  if (dtype && device) return t.to(*device, *dtype);
  if (dtype) return t.to(*dtype);
  if (device) return t.to(*device);
  return t;
}

namespace {
// A namedtuple type, as torch.return_types has; kept for the life of the process.
PyObject* tuple_type(const char* name, std::initializer_list<const char*> fields) {
  py::tuple names(fields.size());
  size_t i = 0;
  for (const char* f : fields) names[i++] = py::str(f);
  py::object t = py::module_::import("collections").attr("namedtuple")(name, names);
  t.attr("__module__") = "tapegrad.return_types";
  return t.release().ptr();
}
template <class... T>
py::object make_tuple_of(PyObject* type, const std::tuple<T...>& r) {
  return std::apply([&](const auto&... x) { return py::reinterpret_borrow<py::object>(type)(x...); }, r);
}
}  // namespace

std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> tensor_pair_function(py::object fn) {
  if (fn.is_none()) return {};
  return [call = PyCallable(std::move(fn))](const tg::Tensor& x1, const tg::Tensor& x2) {
    py::gil_scoped_acquire gil;  // the caller may have released it
    return py::cast<tg::Tensor>(call.get()(x1, x2));
  };
}

py::object values_indices(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("values_indices", {"values", "indices"});
  return make_tuple_of(type, r);
}

py::object sign_logabsdet(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("slogdet", {"sign", "logabsdet"});
  return make_tuple_of(type, r);
}

py::object min_max(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("aminmax", {"min", "max"});
  return make_tuple_of(type, r);
}

py::object mantissa_exponent(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("frexp", {"mantissa", "exponent"});
  return make_tuple_of(type, r);
}

py::object eigenvalues_eigenvectors(const std::tuple<tg::Tensor, tg::Tensor>& r, bool hermitian) {
  static PyObject* eigh = tuple_type("linalg_eigh", {"eigenvalues", "eigenvectors"});
  static PyObject* eig = tuple_type("linalg_eig", {"eigenvalues", "eigenvectors"});
  return make_tuple_of(hermitian ? eigh : eig, r);
}

py::object qr_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_qr", {"Q", "R"});
  return make_tuple_of(type, r);
}

py::object histogram_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("histogram", {"hist", "bin_edges"});
  return make_tuple_of(type, r);
}

py::object histogramdd_result(const std::tuple<tg::Tensor, tg::tensor_list>& r) {
  static PyObject* type = tuple_type("histogramdd", {"hist", "bin_edges"});
  return py::reinterpret_borrow<py::object>(type)(std::get<0>(r), py::tuple(py::cast(std::get<1>(r))));
}

py::object geqrf_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("geqrf", {"a", "tau"});
  return make_tuple_of(type, r);
}

py::object lu_factor_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_lu_factor", {"LU", "pivots"});
  return make_tuple_of(type, r);
}

py::object lu_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_lu", {"P", "L", "U"});
  return make_tuple_of(type, r);
}

py::object svd_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_svd", {"U", "S", "Vh"});
  return make_tuple_of(type, r);
}

py::object lstsq_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_lstsq", {"solution", "residuals", "rank", "singular_values"});
  return make_tuple_of(type, r);
}

py::object inv_ex_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_inv_ex", {"inverse", "info"});
  return make_tuple_of(type, r);
}

py::object solve_ex_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_solve_ex", {"result", "info"});
  return make_tuple_of(type, r);
}

py::object cholesky_ex_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_cholesky_ex", {"L", "info"});
  return make_tuple_of(type, r);
}

py::object lu_factor_ex_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_lu_factor_ex", {"LU", "pivots", "info"});
  return make_tuple_of(type, r);
}

py::object ldl_factor_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_ldl_factor", {"LD", "pivots"});
  return make_tuple_of(type, r);
}

py::object ldl_factor_ex_result(const std::tuple<tg::Tensor, tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_ldl_factor_ex", {"LD", "pivots", "info"});
  return make_tuple_of(type, r);
}

py::object polar_result(const std::tuple<tg::Tensor, tg::Tensor>& r) {
  static PyObject* type = tuple_type("linalg_polar", {"U", "H"});
  return make_tuple_of(type, r);
}

std::optional<tg::Shape> dims_of(const py::object& dim) {
  if (dim.is_none()) return std::nullopt;
  py::detail::make_caster<tg::Shape> dims;
  TG_CHECK_TYPE(dims.load(dim, true), "dim must be None, an int or a sequence of ints, got {}",
                Py_TYPE(dim.ptr())->tp_name);
  return py::detail::cast_op<tg::Shape>(std::move(dims));
}

py::tuple tensor_tuple(const tg::tensor_list& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = ts[i].defined() ? py::cast(ts[i]) : py::none();
  return out;
}

tg::tensor_list tensors_arg(py::handle obj) {
  if (obj.is_none()) return {};
  if (is_tensor(obj)) return {as_tensor(obj)};
  tg::tensor_list out;
  for (const py::handle h : py::reinterpret_borrow<py::iterable>(obj)) out.push_back(to_tensor(h));
  return out;
}

tg::Shape shape_from_args(const py::args& args, const char* op) {
  auto wrong = [&](py::handle a) {
    return tg::TypeError(
        fmt::format("{}: expected ints or one sequence of ints, got {}", op, Py_TYPE(a.ptr())->tp_name));
  };
  if (args.size() == 1 && !PyLong_Check(args[0].ptr()) && !is_integer_scalar_tensor(args[0])) {
    py::detail::make_caster<tg::Shape> shape;
    if (!shape.load(args[0], true)) throw wrong(args[0]);
    return py::detail::cast_op<tg::Shape>(std::move(shape));
  }
  tg::Shape s;
  for (const py::handle a : args) {
    if (!PyIndex_Check(a.ptr()) || PyBool_Check(a.ptr()) || (is_tensor(a) && !is_integer_scalar_tensor(a)))
      throw wrong(a);
    s.push_back(py::cast<int64_t>(a));
  }
  return s;
}

namespace {

std::optional<int64_t> slice_bound(PyObject* v) {
  if (v == Py_None) return std::nullopt;
  const Py_ssize_t i = PyNumber_AsSsize_t(v, nullptr);  // clamps huge values, as Python does
  if (i == -1 && PyErr_Occurred()) throw py::error_already_set();
  return static_cast<int64_t>(i);
}

tg::TensorIndex to_index(py::handle h) {
  PyObject* o = h.ptr();
  if (o == Py_None) return tg::indexing::None;
  if (o == Py_Ellipsis) return tg::indexing::Ellipsis;
  if (PyBool_Check(o)) return tg::TensorIndex(o == Py_True);
  if (is_tensor(h)) return tg::TensorIndex(as_tensor(h));
  if (PySlice_Check(o)) {
    auto* s = reinterpret_cast<PySliceObject*>(o);
    return tg::indexing::Slice(slice_bound(s->start), slice_bound(s->stop), slice_bound(s->step));
  }
  const char kind = PyLong_Check(o) ? 'i' : numpy_scalar_kind(h);
  if (kind == 'i' || kind == 'u')
    return tg::TensorIndex(py::cast<int64_t>(py::int_(py::reinterpret_borrow<py::object>(h))));
  return tg::TensorIndex(to_tensor(h));
}

}  // namespace

std::vector<tg::TensorIndex> to_indices(py::handle index) {
  std::vector<tg::TensorIndex> out;
  if (PyTuple_Check(index.ptr())) {
    for (const py::handle item : py::reinterpret_borrow<py::tuple>(index)) out.push_back(to_index(item));
  } else {
    out.push_back(to_index(index));
  }
  return out;
}

void PyCallable::Release::operator()(py::object* o) const {
  if (!python_alive()) return;  // leaked: the interpreter is gone
  py::gil_scoped_acquire gil;
  delete o;
}

}  // namespace tgpy

namespace pybind11::detail {

bool type_caster<tg::Shape>::load(handle src, bool convert) {
  PyObject* o = src.ptr();
  auto as_int = [convert](PyObject* v, int64_t& out) {
    // A 0-dim integer tensor counts as an int (its __index__, as PyTorch takes it), on pybind11's
    // converting pass only, so an overload that takes the tensor itself still wins.
    if (tgpy::is_tensor(v) && !(convert && tgpy::is_integer_scalar_tensor(v))) return false;
    if (PyBool_Check(v) || !PyIndex_Check(v)) return false;
    out = PyLong_AsLongLong(py::int_(py::reinterpret_borrow<py::object>(v)).ptr());
    return true;
  };
  int64_t one = 0;
  if (as_int(o, one)) {
    value = tg::Shape{one};
    return true;
  }
  if (!PyList_Check(o) && !PyTuple_Check(o)) return false;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  if (n > tg::kMaxDims) throw tg::ValueError(fmt::format("a shape has at most {} dims, got {}", tg::kMaxDims, n));
  tg::Shape s;
  PyObject** items = PySequence_Fast_ITEMS(o);
  for (Py_ssize_t i = 0; i < n; ++i) {
    int64_t v = 0;
    if (!as_int(items[i], v)) return false;
    s.push_back(v);
  }
  value = s;
  return true;
}

bool load_sizes(handle src, int64_t* out, int n) {
  PyObject* o = src.ptr();
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    std::fill(out, out + n, py::cast<int64_t>(src));
    return true;
  }
  if (!(PyTuple_Check(o) || PyList_Check(o)) || PySequence_Fast_GET_SIZE(o) != n) return false;
  PyObject** items = PySequence_Fast_ITEMS(o);
  for (int i = 0; i < n; ++i) {
    if (!PyLong_Check(items[i])) return false;
    out[i] = PyLong_AsLongLong(items[i]);
  }
  return true;
}

bool type_caster<tg::nn::functional::Reduction>::load(handle src, bool) {
  if (!PyUnicode_Check(src.ptr())) return false;
  using R = tg::nn::functional::Reduction;
  const std::string s = py::cast<std::string>(src);
  if (s == "none") value = R::None;
  else if (s == "mean") value = R::Mean;
  else if (s == "sum") value = R::Sum;
  else if (s == "batchmean") value = R::BatchMean;
  else throw tg::ValueError("reduction: expected 'none', 'mean', 'sum' or 'batchmean', got '" + s + "'");
  return true;
}

}  // namespace pybind11::detail
