#pragma once
// What the oneDNN-backed kernels share: one CPU engine, a stream per thread, dtype mapping.
#include <initializer_list>
#include <utility>

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

// Runs prim on this thread's stream through the C API: the C++ execute builds an unordered_map
// of its arguments on every call (about 0.15 us, 7% of a 4 x 4 product's call from Python).
inline void dnnl_execute(const dnnl::primitive& prim, std::initializer_list<std::pair<int, const dnnl::memory*>> args) {
  dnnl_exec_arg_t list[8];
  int n = 0;
  for (const auto& [arg, memory] : args) list[n++] = {arg, memory->get()};
  dnnl::error::wrap_c_api(dnnl_primitive_execute(prim.get(), dnnl_stream().get(), n, list),
                          "could not execute a primitive");
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
