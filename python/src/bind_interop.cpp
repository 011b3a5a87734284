// Zero-copy exchange: tg.from_numpy / Tensor.numpy / __array__ with NumPy (buffer protocol),
// and __dlpack__ / __dlpack_device__ / tg.from_dlpack with PyTorch, CuPy, JAX and NumPy.
#include "bindings.h"

#include <cstdint>
#include <vector>

namespace tgpy {

namespace {

// The DLPack ABI (dlpack.h, v0.8: the unversioned DLManagedTensor every consumer accepts),
// declared here because no Debian package ships the header.
enum DLDeviceType : int32_t { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3, kDLCUDAManaged = 13 };
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
enum DLDataTypeCode : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLComplex = 5, kDLBool = 6 };
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

// What an exported capsule owns: the tensor (keeping its storage alive) and its geometry.
struct Exported {
  DLManagedTensor managed{};
  tg::Tensor tensor;
  std::vector<int64_t> shape, strides;
};

DLDataType dl_dtype(tg::DType t) {
  const auto bits = static_cast<uint8_t>(tg::itemsize(t) * 8);
  switch (t) {
    case tg::kBool: return {kDLBool, 8, 1};
    case tg::kUInt8: return {kDLUInt, bits, 1};
    case tg::kBFloat16: return {kDLBfloat, bits, 1};
    case tg::kComplex64:
    case tg::kComplex128:
      return {kDLComplex, bits, 1};
    default: return {tg::is_floating_point(t) ? kDLFloat : kDLInt, bits, 1};
  }
}

tg::DType from_dl_dtype(DLDataType d) {
  TG_CHECK_TYPE(d.lanes == 1, "from_dlpack: vector types (lanes={}) are not supported", d.lanes);
  switch (d.code) {
    case kDLBool: return tg::kBool;
    case kDLUInt:
      if (d.bits == 8) return tg::kUInt8;
      if (d.bits == 1) return tg::kBool;
      break;
    case kDLInt:
      if (d.bits == 8) return tg::kInt8;
      if (d.bits == 16) return tg::kInt16;
      if (d.bits == 32) return tg::kInt32;
      if (d.bits == 64) return tg::kInt64;
      break;
    case kDLFloat:
      if (d.bits == 16) return tg::kFloat16;
      if (d.bits == 32) return tg::kFloat32;
      if (d.bits == 64) return tg::kFloat64;
      break;
    case kDLBfloat:
      if (d.bits == 16) return tg::kBFloat16;
      break;
    case kDLComplex:
      if (d.bits == 64) return tg::kComplex64;
      if (d.bits == 128) return tg::kComplex128;
      break;
    default: break;
  }
  throw tg::TypeError(fmt::format("from_dlpack: unsupported DLPack dtype (code {}, {} bits)", d.code, d.bits));
}

py::capsule to_dlpack(const tg::Tensor& t, py::object stream) {
  if (t.is_cuda() && !stream.is_none() && py::cast<int64_t>(stream) != -1) {
    // The consumer reads on its stream; finishing our work first is always correct.
    nogil([&] { tg::cuda::synchronize(t.device().index()); });
  }
  auto* e = new Exported;
  e->tensor = t.detach();
  for (int i = 0; i < t.dim(); ++i) {
    e->shape.push_back(t.size(i));
    e->strides.push_back(t.stride(i));
  }
  DLTensor& dl = e->managed.dl_tensor;
  dl.data = t.data_ptr();
  dl.device = {t.is_cuda() ? kDLCUDA : kDLCPU, t.is_cuda() ? t.device().index() : 0};
  dl.ndim = t.dim();
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = e->shape.data();
  dl.strides = e->strides.data();
  dl.byte_offset = 0;
  e->managed.manager_ctx = e;
  e->managed.deleter = [](DLManagedTensor* self) { delete static_cast<Exported*>(self->manager_ctx); };
  // A capsule nobody consumed still owns the tensor; a consumer renames it "used_dltensor".
  return py::capsule(&e->managed, "dltensor", [](PyObject* capsule) {
    if (PyCapsule_IsValid(capsule, "dltensor")) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
      if (m && m->deleter) m->deleter(m);
    }
  });
}

tg::Tensor from_capsule(py::handle capsule) {
  PyObject* c = capsule.ptr();
  TG_CHECK_TYPE(PyCapsule_IsValid(c, "dltensor"),
                "from_dlpack: expected a DLPack capsule named 'dltensor' (one that has not been consumed)");
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
  const DLTensor& dl = m->dl_tensor;
  tg::Device device;
  switch (dl.device.device_type) {
    case kDLCPU:
    case kDLCUDAHost: device = tg::Device::cpu(); break;
    case kDLCUDA:
    case kDLCUDAManaged: device = tg::Device::cuda(dl.device.device_id); break;
    default:
      throw tg::TypeError(fmt::format("from_dlpack: DLPack device type {} is not supported (CPU and CUDA only)",
                                      dl.device.device_type));
  }
  const tg::DType dtype = from_dl_dtype(dl.dtype);
  tg::Shape sizes, strides;
  for (int i = 0; i < dl.ndim; ++i) sizes.push_back(dl.shape[i]);
  if (dl.strides) {
    for (int i = 0; i < dl.ndim; ++i) strides.push_back(dl.strides[i]);
  } else {
    strides.resize(dl.ndim);
    int64_t s = 1;
    for (int i = dl.ndim - 1; i >= 0; --i) {
      strides[i] = s;
      s *= sizes[i];
    }
  }
  void* data = static_cast<char*>(dl.data) + dl.byte_offset;
  PyCapsule_SetName(c, "used_dltensor");
  return tg::from_blob(
      data, sizes, strides, [m](void*) { if (m->deleter) m->deleter(m); },
      tg::TensorOptions(dtype).device(device));
}

}  // namespace

void bind_interop(py::module_& m, TensorClass& cls) {
  m.def("from_numpy", &tensor_from_buffer, py::arg("ndarray"),
        "A tensor sharing the array's memory: writes through either are seen by the other.");
  // For Tensor.untyped_storage(): where the storage under a tensor and its views begins, and its bytes.
  m.def(
      "_storage_info",
      [](const tg::Tensor& t) {
        const auto& storage = t.storage();
        return py::make_tuple(reinterpret_cast<uintptr_t>(storage->data()), storage->nbytes());
      },
      py::arg("tensor"));
  cls.def("numpy", [](const tg::Tensor& t, bool force) {
    if (force) return to_numpy(nogil([&] { return t.detach().cpu(); }));
    return to_numpy(t);
  }, py::arg("force") = false);
  cls.def("__array__", [](const tg::Tensor& t, py::object dtype, py::object copy) {
    py::object a = to_numpy(nogil([&] { return t.detach().cpu(); }));
    if (!dtype.is_none()) a = a.attr("astype")(dtype, py::arg("copy") = false);
    if (!copy.is_none() && py::cast<bool>(copy)) a = a.attr("copy")();
    return a;
  }, py::arg("dtype") = py::none(), py::arg("copy") = py::none());

  cls.def("__dlpack__", [](const tg::Tensor& t, py::object stream, py::object, py::object, py::object copy) {
    tg::Tensor src = !copy.is_none() && py::cast<bool>(copy) ? nogil([&] { return t.detach().clone(); }) : t;
    return to_dlpack(src, stream);
  }, py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
     py::arg("dl_device") = py::none(), py::arg("copy") = py::none());
  cls.def("__dlpack_device__", [](const tg::Tensor& t) {
    return py::make_tuple(t.is_cuda() ? static_cast<int>(kDLCUDA) : static_cast<int>(kDLCPU),
                          t.is_cuda() ? t.device().index() : 0);
  });
  m.def("to_dlpack", [](const tg::Tensor& t) { return to_dlpack(t, py::none()); }, py::arg("tensor"));
  m.def("from_dlpack", [](py::object ext) {
    if (PyCapsule_CheckExact(ext.ptr())) return from_capsule(ext);
    TG_CHECK_TYPE(py::hasattr(ext, "__dlpack__"), "from_dlpack: {} has no __dlpack__ method",
                  Py_TYPE(ext.ptr())->tp_name);
    py::object capsule;
    py::tuple dev = ext.attr("__dlpack_device__")();
    if (py::cast<int>(dev[0]) == kDLCUDA) {
      // Producers order their work before ours when given our stream (1: the legacy default).
      const tg::cuda::Stream s = tg::cuda::Stream::current(py::cast<int>(dev[1]));
      capsule = ext.attr("__dlpack__")(py::arg("stream") = s.is_default() ? 1 : reinterpret_cast<intptr_t>(s.handle()));
    } else {
      capsule = ext.attr("__dlpack__")();
    }
    return from_capsule(capsule);
  }, py::arg("ext_tensor"));
}

}  // namespace tgpy
