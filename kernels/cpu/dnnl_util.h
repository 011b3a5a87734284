#pragma once
// What the oneDNN-backed kernels share: one CPU engine, a stream per thread, dtype mapping.
#include <oneapi/dnnl/dnnl.hpp>

#include "tapegrad/tensor/dtype.h"

namespace tg::kernels::cpu {

inline dnnl::engine& dnnl_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

inline dnnl::stream& dnnl_stream() {
  thread_local dnnl::stream stream(dnnl_engine());
  return stream;
}

// undef for dtypes oneDNN does not compute in.
inline dnnl::memory::data_type dnnl_type(DType t) {
  switch (t) {
    case DType::Float32: return dnnl::memory::data_type::f32;
    case DType::BFloat16: return dnnl::memory::data_type::bf16;
    case DType::Float16: return dnnl::memory::data_type::f16;
    default: return dnnl::memory::data_type::undef;
  }
}

}  // namespace tg::kernels::cpu
