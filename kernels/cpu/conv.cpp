// 2-D convolution, forward and both backward passes: oneDNN primitives for float32 / bfloat16
// (made with layout "any", so oneDNN picks its blocked layouts; our NCHW data is reordered in
// and out), cached per geometry and thread; plain loops for float64 and what oneDNN declines.
#include <cstring>
#include <unordered_map>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

// ---- the plain kernels -----------------------------------------------------------------------

// Input position of output `o` at tap `k` along one dim, or -1 outside the input.
inline int64_t input_pos(int64_t o, int64_t k, int64_t stride, int64_t dilation, int64_t pad, int64_t size) {
  const int64_t i = o * stride - pad + k * dilation;
  return i >= 0 && i < size ? i : -1;
}

template <class T>
void conv_forward_plain(const ConvGeometry& g, T* y, const T* x, const T* w) {
  using Acc = acc_t<T>;
  const int64_t cg = g.c_in / g.groups, kg = g.c_out / g.groups;
  const int64_t plane = g.out_h * g.out_w;
  parallel_for(0, g.n * g.c_out, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t nk = lo; nk < hi; ++nk) {
      const int64_t n = nk / g.c_out, k = nk % g.c_out, grp = k / kg;
      T* out = y + nk * plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          Acc acc = 0;
          for (int64_t c = 0; c < cg; ++c) {
            const T* xin = x + ((n * g.c_in + grp * cg + c) * g.in_h) * g.in_w;
            const T* wk = w + ((k * cg + c) * g.k_h) * g.k_w;
            for (int64_t i = 0; i < g.k_h; ++i) {
              const int64_t ih = input_pos(oh, i, g.stride[0], g.dilation[0], g.pad_lo[0], g.in_h);
              if (ih < 0) continue;
              for (int64_t j = 0; j < g.k_w; ++j) {
                const int64_t iw = input_pos(ow, j, g.stride[1], g.dilation[1], g.pad_lo[1], g.in_w);
                if (iw >= 0) acc += Acc(xin[ih * g.in_w + iw]) * Acc(wk[i * g.k_w + j]);
              }
            }
          }
          out[oh * g.out_w + ow] = static_cast<T>(acc);
        }
    }
  });
}

template <class T>
void conv_backward_data_plain(const ConvGeometry& g, T* dx, const T* dy, const T* w) {
  using Acc = acc_t<T>;
  const int64_t cg = g.c_in / g.groups, kg = g.c_out / g.groups;
  parallel_for(0, g.n * g.c_in, 1, [&](int64_t lo, int64_t hi) {
    std::vector<Acc> plane(static_cast<size_t>(g.in_h * g.in_w));
    for (int64_t nc = lo; nc < hi; ++nc) {
      const int64_t n = nc / g.c_in, c = nc % g.c_in, grp = c / cg, cl = c % cg;
      std::fill(plane.begin(), plane.end(), Acc(0));
      for (int64_t k = grp * kg; k < (grp + 1) * kg; ++k) {
        const T* g_out = dy + (n * g.c_out + k) * g.out_h * g.out_w;
        const T* wk = w + ((k * cg + cl) * g.k_h) * g.k_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh)
          for (int64_t i = 0; i < g.k_h; ++i) {
            const int64_t ih = input_pos(oh, i, g.stride[0], g.dilation[0], g.pad_lo[0], g.in_h);
            if (ih < 0) continue;
            for (int64_t ow = 0; ow < g.out_w; ++ow) {
              const Acc go = Acc(g_out[oh * g.out_w + ow]);
              for (int64_t j = 0; j < g.k_w; ++j) {
                const int64_t iw = input_pos(ow, j, g.stride[1], g.dilation[1], g.pad_lo[1], g.in_w);
                if (iw >= 0) plane[static_cast<size_t>(ih * g.in_w + iw)] += go * Acc(wk[i * g.k_w + j]);
              }
            }
          }
      }
      T* out = dx + nc * g.in_h * g.in_w;
      for (int64_t e = 0; e < g.in_h * g.in_w; ++e) out[e] = static_cast<T>(plane[static_cast<size_t>(e)]);
    }
  });
}

template <class T>
void conv_backward_weights_plain(const ConvGeometry& g, T* dw, const T* x, const T* dy) {
  using Acc = acc_t<T>;
  const int64_t cg = g.c_in / g.groups, kg = g.c_out / g.groups;
  parallel_for(0, g.c_out * cg, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t kc = lo; kc < hi; ++kc) {
      const int64_t k = kc / cg, cl = kc % cg, c = (k / kg) * cg + cl;
      for (int64_t i = 0; i < g.k_h; ++i)
        for (int64_t j = 0; j < g.k_w; ++j) {
          Acc acc = 0;
          for (int64_t n = 0; n < g.n; ++n) {
            const T* xin = x + (n * g.c_in + c) * g.in_h * g.in_w;
            const T* g_out = dy + (n * g.c_out + k) * g.out_h * g.out_w;
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
              const int64_t ih = input_pos(oh, i, g.stride[0], g.dilation[0], g.pad_lo[0], g.in_h);
              if (ih < 0) continue;
              for (int64_t ow = 0; ow < g.out_w; ++ow) {
                const int64_t iw = input_pos(ow, j, g.stride[1], g.dilation[1], g.pad_lo[1], g.in_w);
                if (iw >= 0) acc += Acc(xin[ih * g.in_w + iw]) * Acc(g_out[oh * g.out_w + ow]);
              }
            }
          }
          dw[(kc * g.k_h + i) * g.k_w + j] = static_cast<T>(acc);
        }
    }
  });
}

// ---- oneDNN ----------------------------------------------------------------------------------

struct Key {
  ConvPass pass;
  DType dtype;
  int threads;
  ConvGeometry g;
  bool operator==(const Key& o) const {
    return pass == o.pass && dtype == o.dtype && threads == o.threads && std::memcmp(&g, &o.g, sizeof(g)) == 0;
  }
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    const auto* v = reinterpret_cast<const int64_t*>(&k.g);
    size_t h = (static_cast<size_t>(k.pass) * 31 + static_cast<size_t>(k.dtype)) * 131 + static_cast<size_t>(k.threads);
    for (size_t i = 0; i < sizeof(ConvGeometry) / sizeof(int64_t); ++i) h = h * 1000003u ^ static_cast<size_t>(v[i]);
    return h;
  }
};

// One operand: the memory in our layout (handle set per call) and, when oneDNN chose another
// layout, a buffer in that layout and the reorder between them.
struct Operand {
  int arg = 0;
  dnnl::memory user, inner;
  dnnl::reorder reorder;
  bool needs_reorder = false;
};
struct Entry {
  dnnl::primitive prim;
  Operand ops[3];  // out, a, b
  bool usable = false;
};

void bind(Operand& op, int arg, const dnnl::memory::desc& user, const dnnl::memory::desc& inner, bool is_output) {
  auto& eng = dnnl_engine();
  op.arg = arg;
  op.user = dnnl::memory(user, eng, DNNL_MEMORY_NONE);
  op.needs_reorder = user != inner;
  if (!op.needs_reorder) return;
  op.inner = dnnl::memory(inner, eng);
  op.reorder = is_output ? dnnl::reorder(op.inner, op.user) : dnnl::reorder(op.user, op.inner);
}

Entry make_entry(ConvPass pass, DType dtype, const ConvGeometry& g) {
  using tag = dnnl::memory::format_tag;
  using dims = dnnl::memory::dims;
  const auto dt = dnnl_type(dtype);
  const dims src{g.n, g.c_in, g.in_h, g.in_w}, dst{g.n, g.c_out, g.out_h, g.out_w};
  const dims wei = g.groups > 1 ? dims{g.groups, g.c_out / g.groups, g.c_in / g.groups, g.k_h, g.k_w}
                                : dims{g.c_out, g.c_in, g.k_h, g.k_w};
  const tag wtag = g.groups > 1 ? tag::goihw : tag::oihw;
  const dims strides{g.stride[0], g.stride[1]}, dil{g.dilation[0] - 1, g.dilation[1] - 1};
  const dims pl{g.pad_lo[0], g.pad_lo[1]}, pr{g.pad_hi[0], g.pad_hi[1]};
  const dnnl::memory::desc src_any(src, dt, tag::any), dst_any(dst, dt, tag::any), wei_any(wei, dt, tag::any);
  const dnnl::memory::desc src_user(src, dt, tag::nchw), dst_user(dst, dt, tag::nchw), wei_user(wei, dt, wtag);
  auto& eng = dnnl_engine();
  Entry e;
  dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src_any,
                                     wei_any, dst_any, strides, dil, pl, pr);
  dnnl::convolution_forward::primitive_desc fpd(fd, eng);
  switch (pass) {
    case ConvPass::Forward:
      e.prim = dnnl::convolution_forward(fpd);
      bind(e.ops[0], DNNL_ARG_DST, dst_user, fpd.dst_desc(), true);
      bind(e.ops[1], DNNL_ARG_SRC, src_user, fpd.src_desc(), false);
      bind(e.ops[2], DNNL_ARG_WEIGHTS, wei_user, fpd.weights_desc(), false);
      break;
    case ConvPass::BackwardData: {
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, src_any, wei_any, dst_any, strides,
                                              dil, pl, pr);
      dnnl::convolution_backward_data::primitive_desc pd(d, eng, fpd);
      e.prim = dnnl::convolution_backward_data(pd);
      bind(e.ops[0], DNNL_ARG_DIFF_SRC, src_user, pd.diff_src_desc(), true);
      bind(e.ops[1], DNNL_ARG_DIFF_DST, dst_user, pd.diff_dst_desc(), false);
      bind(e.ops[2], DNNL_ARG_WEIGHTS, wei_user, pd.weights_desc(), false);
      break;
    }
    case ConvPass::BackwardWeights: {
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src_any, wei_any, dst_any,
                                                 strides, dil, pl, pr);
      dnnl::convolution_backward_weights::primitive_desc pd(d, eng, fpd);
      e.prim = dnnl::convolution_backward_weights(pd);
      bind(e.ops[0], DNNL_ARG_DIFF_WEIGHTS, wei_user, pd.diff_weights_desc(), true);
      bind(e.ops[1], DNNL_ARG_SRC, src_user, pd.src_desc(), false);
      bind(e.ops[2], DNNL_ARG_DIFF_DST, dst_user, pd.diff_dst_desc(), false);
      break;
    }
  }
  e.usable = true;
  return e;
}

Entry& lookup(ConvPass pass, DType dtype, const ConvGeometry& g) {
  thread_local std::unordered_map<Key, Entry, KeyHash> cache;
  Key key{pass, dtype, omp_get_max_threads(), g};
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 1024) cache.clear();
  Entry e;
  try {
    e = make_entry(pass, dtype, g);
  } catch (const dnnl::error&) {
    e.usable = false;
  }
  return cache.emplace(key, std::move(e)).first->second;
}

bool try_dnnl(ConvPass pass, DType dtype, const ConvGeometry& g, void* out, const void* a, const void* b) {
  if (dnnl_type(dtype) == dnnl::memory::data_type::undef) return false;
  Entry& e = lookup(pass, dtype, g);
  if (!e.usable) return false;
  dnnl::stream& stream = dnnl_stream();
  const void* data[3] = {out, a, b};
  std::unordered_map<int, dnnl::memory> args;
  for (int i = 0; i < 3; ++i) {
    Operand& op = e.ops[i];
    op.user.set_data_handle(const_cast<void*>(data[i]));
    if (op.needs_reorder && i > 0) op.reorder.execute(stream, op.user, op.inner);
    args.emplace(op.arg, op.needs_reorder ? op.inner : op.user);
  }
  e.prim.execute(stream, args);
  if (e.ops[0].needs_reorder) e.ops[0].reorder.execute(stream, e.ops[0].inner, e.ops[0].user);
  stream.wait();
  return true;
}

}  // namespace

void conv2d(ConvPass pass, DType dtype, const ConvGeometry& g, void* out, const void* a, const void* b) {
  if (try_dnnl(pass, dtype, g, out, a, b)) return;
  dispatch_floating(dtype, [&]<class T>() {
    switch (pass) {
      case ConvPass::Forward:
        conv_forward_plain<T>(g, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
        break;
      case ConvPass::BackwardData:
        conv_backward_data_plain<T>(g, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
        break;
      case ConvPass::BackwardWeights:
        conv_backward_weights_plain<T>(g, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
        break;
    }
  });
}

}  // namespace tg::kernels::cpu
