// 2-D and 3-D convolutions, forward and both backward passes: oneDNN primitives for float32 / bfloat16
// (made with layout "any", so oneDNN picks its blocked layouts; our NCHW data is reordered in
// and out), cached per geometry and thread; for float64 and what oneDNN declines, matrix
// products over unfolded inputs.
#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

// ---- unfolded inputs and matrix products -----------------------------------------------------------------------

// Input position of output `o` at tap `k` along spatial dim `d`, or -1 outside the input.
inline int64_t input_pos(const ConvGeometry& g, int d, int64_t o, int64_t k) {
  const int64_t i = o * g.stride[d] - g.pad_lo[d] + k * g.dilation[d];
  return i >= 0 && i < g.in[d] ? i : -1;
}

// Calls f(t, out_row, in_row) for every tap t = (a, i, j) of the kernel and output row (od, oh)
// of one [OD, OH, OW] output plane: in_row is the offset of the [D, H, W] input row under it, or
// -1 where the tap lies in the padding above, below, in front or behind.
template <class F>
void for_each_row(const ConvGeometry& g, F&& f) {
  for (int64_t a = 0, t = 0; a < g.k[0]; ++a)
    for (int64_t i = 0; i < g.k[1]; ++i)
      for (int64_t j = 0; j < g.k[2]; ++j, ++t)
        for (int64_t od = 0; od < g.out[0]; ++od) {
          const int64_t id = input_pos(g, 0, od, a);
          for (int64_t oh = 0; oh < g.out[1]; ++oh) {
            const int64_t ih = input_pos(g, 1, oh, i);
            f(t, (od * g.out[1] + oh) * g.out[2], id < 0 || ih < 0 ? -1 : (id * g.in[1] + ih) * g.in[2]);
          }
        }
}

// Along a row, output ow of tap column j reads input column ow * stride + base, inside the input
// for ow in [lo, hi).
struct RowSpan {
  int64_t base, lo, hi;
};
RowSpan row_span(const ConvGeometry& g, int64_t j) {
  const int64_t s = g.stride[2], base = j * g.dilation[2] - g.pad_lo[2];
  const int64_t lo = base >= 0 ? 0 : std::min(g.out[2], (-base + s - 1) / s);
  const int64_t last = g.in[2] - 1 - base;
  const int64_t hi = last < 0 ? lo : std::clamp(last / s + 1, lo, g.out[2]);
  return {base, lo, hi};
}

// Unfolds one sample's channels [c_lo, c_lo + count) of x into cols [count * taps, out_volume]:
// row c * taps + t holds, for every output position, the input under tap t (0 in the padding).
// Row by row: a copy of each row's inside run (a tap at a time through every output position,
// with the bounds checked per element, took 40% of a float64 convolution's time).
template <class T>
void im2col(const ConvGeometry& g, const T* x, int64_t count, T* cols) {
  const int64_t in_plane = g.in_volume(), out_plane = g.out_volume(), taps = g.k_volume(), ow_n = g.out[2];
  const int64_t s = g.stride[2];
  parallel_for(0, count, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      T* rows = cols + c * taps * out_plane;
      const T* xin = x + c * in_plane;
      for_each_row(g, [&](int64_t t, int64_t out_row, int64_t in_row) {
        T* dst = rows + t * out_plane + out_row;
        if (in_row < 0) return std::fill(dst, dst + ow_n, T(0));
        const RowSpan r = row_span(g, t % g.k[2]);
        std::fill(dst, dst + r.lo, T(0));
        const int64_t at = in_row + r.base;  // (negative where the row starts in the padding)
        if (s == 1) {
          std::copy(xin + at + r.lo, xin + at + r.hi, dst + r.lo);
        } else {
          for (int64_t ow = r.lo; ow < r.hi; ++ow) dst[ow] = xin[at + ow * s];
        }
        std::fill(dst + r.hi, dst + ow_n, T(0));
      });
    }
  });
}

// The adjoint of im2col: dx (count channels, zeroed here) gets every column entry added back
// at its input position.
template <class T>
void col2im(const ConvGeometry& g, const T* cols, int64_t count, T* dx) {
  using Acc = acc_t<T>;
  const int64_t in_plane = g.in_volume(), out_plane = g.out_volume(), taps = g.k_volume();
  const int64_t s = g.stride[2];
  parallel_for(0, count, 1, [&](int64_t lo, int64_t hi) {
    std::vector<Acc> acc(static_cast<size_t>(in_plane));
    for (int64_t c = lo; c < hi; ++c) {
      std::fill(acc.begin(), acc.end(), Acc(0));
      const T* rows = cols + c * taps * out_plane;
      for_each_row(g, [&](int64_t t, int64_t out_row, int64_t in_row) {
        if (in_row < 0) return;
        const RowSpan r = row_span(g, t % g.k[2]);
        const T* src = rows + t * out_plane + out_row;
        const int64_t at = in_row + r.base;
        for (int64_t ow = r.lo; ow < r.hi; ++ow) acc[static_cast<size_t>(at + ow * s)] += Acc(src[ow]);
      });
      for (int64_t e = 0; e < in_plane; ++e) dx[c * in_plane + e] = static_cast<T>(acc[static_cast<size_t>(e)]);
    }
  });
}

// A row-major [rows, cols] matrix at `data` (its transpose when `transposed`: then `data` holds
// [cols, rows]).
MatrixOperand matrix(const void* data, int64_t rows, int64_t cols, bool transposed = false) {
  MatrixOperand m{};
  m.data = data;
  m.nbatch = 0;
  m.sizes[0] = rows;
  m.sizes[1] = cols;
  m.strides[0] = transposed ? 1 : cols;
  m.strides[1] = transposed ? rows : 1;
  return m;
}

// The convolution as matrix products over unfolded inputs (PyTorch's slow path, and ours where
// oneDNN has no kernel, float64 above all): per sample and group, y = W cols(x),
// cols(dx) = W^T dy and dW += dy cols(x)^T, with the products on the matmul kernel (BLAS).
template <class T>
void conv_unfolded(ConvPass pass, DType dtype, const ConvGeometry& g, T* out, const T* a, const T* b) {
  using Acc = acc_t<T>;
  const int64_t cg = g.c_in / g.groups, kg = g.c_out / g.groups;
  const int64_t in_plane = g.in_volume(), out_plane = g.out_volume(), taps = g.k_volume();
  const int64_t rows = cg * taps;  // one group's unfolded rows
  std::vector<T> cols(static_cast<size_t>(rows * out_plane));
  std::vector<T> partial(pass == ConvPass::BackwardWeights ? static_cast<size_t>(kg * rows) : 0);
  std::vector<Acc> dw(pass == ConvPass::BackwardWeights ? static_cast<size_t>(g.c_out * rows) : 0);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const int64_t x_off = (n * g.c_in + grp * cg) * in_plane, y_off = (n * g.c_out + grp * kg) * out_plane;
      const int64_t w_off = grp * kg * rows;
      switch (pass) {
        case ConvPass::Forward:  // out = y from a = x, b = w
          im2col(g, a + x_off, cg, cols.data());
          matmul(dtype, matrix(b + w_off, kg, rows), matrix(cols.data(), rows, out_plane), out + y_off, nullptr);
          break;
        case ConvPass::BackwardData:  // out = dx from a = dy, b = w
          matmul(dtype, matrix(b + w_off, rows, kg, true), matrix(a + y_off, kg, out_plane), cols.data(), nullptr);
          col2im(g, cols.data(), cg, out + x_off);
          break;
        case ConvPass::BackwardWeights:  // out = dw from a = x, b = dy
          im2col(g, a + x_off, cg, cols.data());
          matmul(dtype, matrix(b + y_off, kg, out_plane), matrix(cols.data(), out_plane, rows, true), partial.data(),
                 nullptr);
          for (int64_t e = 0; e < kg * rows; ++e)
            dw[static_cast<size_t>(w_off + e)] += Acc(partial[static_cast<size_t>(e)]);
          break;
      }
    }
  if (pass == ConvPass::BackwardWeights)
    for (size_t e = 0; e < dw.size(); ++e) out[e] = static_cast<T>(dw[e]);
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
  // 2-D geometries stay 4-D for oneDNN: its 3-D kernels would not be picked for depth 1.
  const bool three = g.spatial == 3;
  const int first = three ? 0 : 1;
  auto spatial = [&](dims head, const int64_t* v, int64_t offset = 0) {
    for (int d = first; d < 3; ++d) head.push_back(v[d] + offset);
    return head;
  };
  const dims src = spatial({g.n, g.c_in}, g.in), dst = spatial({g.n, g.c_out}, g.out);
  const dims wei =
      g.groups > 1 ? spatial({g.groups, g.c_out / g.groups, g.c_in / g.groups}, g.k) : spatial({g.c_out, g.c_in}, g.k);
  const tag act_tag = three ? tag::ncdhw : tag::nchw;
  const tag wtag = three ? (g.groups > 1 ? tag::goidhw : tag::oidhw) : (g.groups > 1 ? tag::goihw : tag::oihw);
  // oneDNN counts dilation from 0 (no gap), PyTorch from 1.
  const dims strides = spatial({}, g.stride), dil = spatial({}, g.dilation, -1);
  const dims pl = spatial({}, g.pad_lo), pr = spatial({}, g.pad_hi);
  const dnnl::memory::desc src_any(src, dt, tag::any), dst_any(dst, dt, tag::any), wei_any(wei, dt, tag::any);
  const dnnl::memory::desc src_user(src, dt, act_tag), dst_user(dst, dt, act_tag), wei_user(wei, dt, wtag);
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

void conv(ConvPass pass, DType dtype, const ConvGeometry& g, void* out, const void* a, const void* b) {
  if (try_dnnl(pass, dtype, g, out, a, b)) return;
  dispatch_floating(dtype, [&]<class T>() {
    conv_unfolded<T>(pass, dtype, g, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
  });
}

}  // namespace tg::kernels::cpu
