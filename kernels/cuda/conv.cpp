// 2-D and 3-D convolutions on the GPU through cuDNN's convolution API: forward, backward data and
// backward filter, with the algorithm chosen by cuDNN's heuristics once per geometry, dtype and
// math mode and cached. float32 may use TF32 tensor cores, as PyTorch's cudnn.allow_tf32
// (on by default there too); float16/bfloat16 use tensor cores with float accumulation.
// Asymmetric padding, which cuDNN lacks, runs over an explicitly padded copy.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"
#include "kernels/cuda/cudnn_handle.h"
#include "tapegrad/cuda.h"
#include "tapegrad/deterministic.h"

namespace tg::kernels::cuda {
namespace {

constexpr const char* kOp = "convolution";

struct Descriptors {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  Descriptors(DType dt, const ConvGeometry& g) {
    const cudnnDataType_t t = dnn_data_type(dt, kOp);
    TG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x), kOp);
    TG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y), kOp);
    TG_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w), kOp);
    TG_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv), kOp);
    // 2-D geometries keep cuDNN's 4-D descriptors; 3-D ones add the depth.
    const int first = g.spatial == 3 ? 0 : 1, nd = 3 - first;
    int xd[5], yd[5], xs[5], ys[5], wd[5], pad[3], stride[3], dil[3];
    xd[0] = yd[0] = static_cast<int>(g.n);
    xd[1] = static_cast<int>(g.c_in);
    yd[1] = static_cast<int>(g.c_out);
    wd[0] = static_cast<int>(g.c_out);
    wd[1] = static_cast<int>(g.c_in / g.groups);
    for (int d = 0; d < nd; ++d) {
      xd[2 + d] = static_cast<int>(g.in[first + d]);
      yd[2 + d] = static_cast<int>(g.out[first + d]);
      wd[2 + d] = static_cast<int>(g.k[first + d]);
      pad[d] = static_cast<int>(g.pad_lo[first + d]);
      stride[d] = static_cast<int>(g.stride[first + d]);
      dil[d] = static_cast<int>(g.dilation[first + d]);
    }
    xs[nd + 1] = ys[nd + 1] = 1;  // contiguous strides
    for (int d = nd; d >= 0; --d) {
      xs[d] = xs[d + 1] * xd[d + 1];
      ys[d] = ys[d + 1] * yd[d + 1];
    }
    TG_CUDNN_CHECK(cudnnSetTensorNdDescriptor(x, t, nd + 2, xd, xs), kOp);
    TG_CUDNN_CHECK(cudnnSetTensorNdDescriptor(y, t, nd + 2, yd, ys), kOp);
    TG_CUDNN_CHECK(cudnnSetFilterNdDescriptor(w, t, CUDNN_TENSOR_NCHW, nd + 2, wd), kOp);
    const cudnnDataType_t compute = dt == DType::Float64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
    TG_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(conv, nd, pad, stride, dil, CUDNN_CROSS_CORRELATION, compute), kOp);
    TG_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, static_cast<int>(g.groups)), kOp);
    cudnnMathType_t math = CUDNN_DEFAULT_MATH;  // float32: TF32 allowed on Ampere and later
    if (dt == DType::Float16 || dt == DType::BFloat16) math = CUDNN_TENSOR_OP_MATH;
    if (dt == DType::Float32 && !::tg::cuda::cudnn_allow_tf32()) math = CUDNN_FMA_MATH;
    TG_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, math), kOp);
  }
  ~Descriptors() {
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyTensorDescriptor(x);
  }
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;
};

// What picks an algorithm: the pass, dtype, math mode, device and every number of the geometry.
struct Key {
  ConvGeometry g;
  ConvPass pass;
  DType dtype;
  bool tf32;
  bool deterministic;
  int device;
  bool operator==(const Key& o) const { return std::memcmp(this, &o, sizeof(Key)) == 0; }
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    const auto* p = reinterpret_cast<const unsigned char*>(&k);
    size_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof(Key); ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
  }
};
struct Choice {
  int algo;
  size_t workspace;
};

std::mutex cache_mu;
std::unordered_map<Key, Choice, KeyHash>& cache() {
  static auto* c = new std::unordered_map<Key, Choice, KeyHash>();
  return *c;
}

// cuDNN's ranked candidates for the pass; the first that runs and whose workspace size is known
// (and, in deterministic mode, that cuDNN marks deterministic).
template <class Perf, class GetAlgos>
Choice best_of(bool deterministic, GetAlgos&& get_algos) {
  Perf perf[16];
  int count = 0;
  TG_CUDNN_CHECK(get_algos(16, &count, perf), kOp);
  for (int k = 0; k < count; ++k)
    if (perf[k].status == CUDNN_STATUS_SUCCESS && (!deterministic || perf[k].determinism == CUDNN_DETERMINISTIC))
      return {static_cast<int>(perf[k].algo), perf[k].memory};
  TG_FAIL("{}: cuDNN has no {}algorithm for this convolution", kOp, deterministic ? "deterministic " : "");
}

Choice choose(cudnnHandle_t h, const Descriptors& d, const Key& key) {
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache().find(key);
    if (it != cache().end()) return it->second;
  }
  Choice c{};
  switch (key.pass) {
    case ConvPass::Forward:
      c = best_of<cudnnConvolutionFwdAlgoPerf_t>(
          key.deterministic, [&](int n, int* got, cudnnConvolutionFwdAlgoPerf_t* p) {
            return cudnnGetConvolutionForwardAlgorithm_v7(h, d.x, d.w, d.conv, d.y, n, got, p);
          });
      break;
    case ConvPass::BackwardData:
      c = best_of<cudnnConvolutionBwdDataAlgoPerf_t>(
          key.deterministic, [&](int n, int* got, cudnnConvolutionBwdDataAlgoPerf_t* p) {
            return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w, d.y, d.conv, d.x, n, got, p);
          });
      break;
    case ConvPass::BackwardWeights:
      c = best_of<cudnnConvolutionBwdFilterAlgoPerf_t>(
          key.deterministic, [&](int n, int* got, cudnnConvolutionBwdFilterAlgoPerf_t* p) {
            return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x, d.y, d.conv, d.w, n, got, p);
          });
      break;
  }
  std::lock_guard<std::mutex> lock(cache_mu);
  cache().emplace(key, c);
  return c;
}

// Copies the [n, c, d, h, w] volumes of `src` into (or, `inward` false, out of) the interior of
// the larger [n, c, d + pad[0], h + pad[1], w + pad[2]] volumes of `padded`, at the low pads.
void copy_interior(DType dt, const ConvGeometry& g, const int64_t* pad, bool inward, void* padded, void* plain) {
  const int64_t D = g.in[0] + pad[0], H = g.in[1] + pad[1], W = g.in[2] + pad[2];
  Loop L;
  L.ndim = 4;
  L.noperands = 2;
  L.numel = g.n * g.c_in * g.in_volume();
  L.sizes[0] = g.in[2];
  L.sizes[1] = g.in[1];
  L.sizes[2] = g.in[0];
  L.sizes[3] = g.n * g.c_in;
  const int64_t padded_strides[4] = {1, W, H * W, D * H * W};
  const int64_t plain_strides[4] = {1, g.in[2], g.in[1] * g.in[2], g.in_volume()};
  const int o = inward ? 0 : 1;  // operand 0 is the destination
  for (int d = 0; d < 4; ++d) {
    L.strides[o][d] = padded_strides[d];
    L.strides[1 - o][d] = plain_strides[d];
  }
  const int64_t offset = (g.pad_lo[0] * H + g.pad_lo[1]) * W + g.pad_lo[2];
  char* interior = static_cast<char*>(padded) + offset * static_cast<int64_t>(itemsize(dt));
  if (inward) {
    copy(L, interior, dt, plain, dt);
  } else {
    copy(L, plain, dt, interior, dt);
  }
}

}  // namespace

void conv(ConvPass pass, DType dtype, const ConvGeometry& g, void* out, const void* a, const void* b) {
  if (!std::equal(g.pad_lo, g.pad_lo + 3, g.pad_hi)) {
    // cuDNN pads both sides alike ("same" with an even kernel does not): run the convolution
    // unpadded over an explicitly zero-padded copy of the input (or of its gradient).
    int64_t pad[3];
    ConvGeometry gp = g;
    for (int d = 0; d < 3; ++d) {
      pad[d] = g.pad_lo[d] + g.pad_hi[d];
      gp.in[d] += pad[d];
      gp.pad_lo[d] = gp.pad_hi[d] = 0;
    }
    const size_t bytes = static_cast<size_t>(g.n * g.c_in * gp.in_volume()) * itemsize(dtype);
    ::tg::cuda::detail::Scratch padded(std::max<size_t>(bytes, 1));
    cudaStream_t stream = ::tg::cuda::detail::current_stream();
    if (pass == ConvPass::BackwardData) {
      conv(pass, dtype, gp, padded.as<void>(), a, b);
      if (bytes > 0) copy_interior(dtype, g, pad, false, padded.as<void>(), out);
      return;
    }
    TG_CUDA_CHECK(cudaMemsetAsync(padded.as<void>(), 0, bytes, stream), kOp);
    if (bytes > 0) copy_interior(dtype, g, pad, true, padded.as<void>(), const_cast<void*>(a));
    conv(pass, dtype, gp, out, padded.as<void>(), b);
    return;
  }
  const int64_t out_numel = pass == ConvPass::Forward        ? g.n * g.c_out * g.out_volume()
                            : pass == ConvPass::BackwardData ? g.n * g.c_in * g.in_volume()
                                                             : g.c_out * (g.c_in / g.groups) * g.k_volume();
  if (out_numel == 0) return;
  if (g.n == 0) {  // nothing to sum over: the weight gradient is zero
    TG_CUDA_CHECK(cudaMemsetAsync(out, 0, static_cast<size_t>(out_numel) * itemsize(dtype),
                                  ::tg::cuda::detail::current_stream()),
                  kOp);
    return;
  }
  Key key{};  // zero-filled, padding included: the key is compared bytewise
  key.g = g;
  key.pass = pass;
  key.dtype = dtype;
  key.tf32 = dtype == DType::Float32 && ::tg::cuda::cudnn_allow_tf32();
  key.deterministic = ::tg::cuda::cudnn_deterministic() || ::tg::are_deterministic_algorithms_enabled();
  key.device = ::tg::cuda::detail::current_device();
  const Descriptors d(dtype, g);
  cudnnHandle_t h = dnn_handle(kOp);
  const Choice c = choose(h, d, key);
  std::optional<::tg::cuda::detail::Scratch> workspace;
  if (c.workspace > 0) workspace.emplace(c.workspace);
  void* ws = workspace ? workspace->as<void>() : nullptr;
  const float one_f = 1.0f, zero_f = 0.0f;
  const double one_d = 1.0, zero_d = 0.0;
  const bool dbl = dtype == DType::Float64;
  const void* alpha = dbl ? static_cast<const void*>(&one_d) : &one_f;
  const void* beta = dbl ? static_cast<const void*>(&zero_d) : &zero_f;
  switch (pass) {
    case ConvPass::Forward:  // out = y from a = x, b = w
      TG_CUDNN_CHECK(cudnnConvolutionForward(h, alpha, d.x, a, d.w, b, d.conv,
                                             static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), ws, c.workspace, beta,
                                             d.y, out),
                     kOp);
      break;
    case ConvPass::BackwardData:  // out = dx from a = dy, b = w
      TG_CUDNN_CHECK(cudnnConvolutionBackwardData(h, alpha, d.w, b, d.y, a, d.conv,
                                                  static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), ws, c.workspace,
                                                  beta, d.x, out),
                     "convolution_backward_input");
      break;
    case ConvPass::BackwardWeights:  // out = dw from a = x, b = dy
      TG_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, alpha, d.x, a, d.y, b, d.conv,
                                                    static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), ws,
                                                    c.workspace, beta, d.w, out),
                     "convolution_backward_weight");
      break;
  }
}

}  // namespace tg::kernels::cuda
