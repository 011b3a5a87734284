// tg.nn.functional (torch.nn.functional's names and keywords), tg.nn.init and tg.nn.utils.
#include "bindings.h"

namespace tgpy {

namespace {

namespace F = tg::nn::functional;
using tg::Tensor;
using OptTensor = std::optional<Tensor>;
using tg::nn::Size2;
using tg::nn::Size3;

Tensor or_undefined(const OptTensor& t) { return t.value_or(Tensor()); }

// The generator keyword of init functions: None means the default generator.
tg::Generator* generator_of(const py::object& g) { return g.is_none() ? nullptr : &py::cast<tg::Generator&>(g); }

// A norm's order as torch's clip_grad_norm_ takes it: a number or a string ("inf").
double norm_type_arg(const py::object& v) {
  if (!PyUnicode_Check(v.ptr())) return py::cast<double>(v);
  PyObject* f = PyFloat_FromString(v.ptr());
  if (f == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::float_>(f);
}

// The reverse of one_or_many: None for empty, one value, or a tuple.
template <class T>
py::object one_or_tuple(const std::vector<T>& v) {
  if (v.empty()) return py::none();
  if (v.size() == 1) return py::cast(v[0]);
  return py::tuple(py::cast(v));
}

// A number or a sequence of numbers (interpolate's size and scale_factor); None is empty.
template <class T>
std::vector<T> one_or_many(const py::object& v) {
  if (v.is_none()) return {};
  if (py::isinstance<py::sequence>(v)) return py::cast<std::vector<T>>(v);
  return {py::cast<T>(v)};
}

F::InterpolateOptions interpolate_options(const py::object& size, const py::object& scale_factor, std::string mode,
                                          std::optional<bool> align_corners,
                                          std::optional<bool> recompute_scale_factor) {
  return {one_or_many<int64_t>(size), one_or_many<double>(scale_factor), std::move(mode), align_corners,
          recompute_scale_factor};
}

}  // namespace

void bind_nn_functional(py::module_& nn) {
  py::module_ f = nn.def_submodule("functional", "torch.nn.functional's ops");
  f.def("linear", [](const Tensor& x, const Tensor& w, OptTensor b) {
    return nogil([&] { return F::linear(x, w, or_undefined(b)); });
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  f.def("bilinear", [](const Tensor& x1, const Tensor& x2, const Tensor& w, OptTensor b) {
    return nogil([&] { return F::bilinear(x1, x2, w, or_undefined(b)); });
  }, py::arg("input1"), py::arg("input2"), py::arg("weight"), py::arg("bias") = py::none());
  f.def(
      "conv1d",
      [](const Tensor& x, const Tensor& w, OptTensor b, Size1 stride, ConvPadding1 padding, Size1 dilation,
         int64_t groups) {
        return nogil([&] { return F::conv1d(x, w, {or_undefined(b), stride, padding, dilation, groups}); });
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
      py::arg("dilation") = 1, py::arg("groups") = 1);
  f.def("conv2d", [](const Tensor& x, const Tensor& w, OptTensor b, tg::nn::Size2 stride, tg::nn::ConvPadding padding,
                     tg::nn::Size2 dilation, int64_t groups) {
    return nogil([&] { return F::conv2d(x, w, {or_undefined(b), stride, padding, dilation, groups}); });
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("groups") = 1);
  f.def("conv3d", [](const Tensor& x, const Tensor& w, OptTensor b, tg::nn::Size3 stride, tg::nn::ConvPadding3 padding,
                     tg::nn::Size3 dilation, int64_t groups) {
    return nogil([&] { return F::conv3d(x, w, {or_undefined(b), stride, padding, dilation, groups}); });
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("groups") = 1);
  f.def("conv_transpose3d", [](const Tensor& x, const Tensor& w, OptTensor b, tg::nn::Size3 stride,
                               tg::nn::Size3 padding, tg::nn::Size3 output_padding, int64_t groups,
                               tg::nn::Size3 dilation) {
    return nogil([&] {
      return F::conv_transpose3d(x, w, {or_undefined(b), stride, padding, output_padding, groups, dilation});
    });
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1);
  f.def("conv_transpose2d", [](const Tensor& x, const Tensor& w, OptTensor b, tg::nn::Size2 stride, tg::nn::Size2 padding,
                               tg::nn::Size2 output_padding, int64_t groups, tg::nn::Size2 dilation) {
    return nogil([&] {
      return F::conv_transpose2d(x, w, {or_undefined(b), stride, padding, output_padding, groups, dilation});
    });
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1);
  f.def(
      "conv_transpose1d",
      [](const Tensor& x, const Tensor& w, OptTensor b, Size1 stride, Size1 padding, Size1 output_padding,
         int64_t groups, Size1 dilation) {
        return nogil([&] {
          return F::conv_transpose1d(x, w, {or_undefined(b), stride, padding, output_padding, groups, dilation});
        });
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
      py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1);
  f.def("max_pool2d", [](const Tensor& x, tg::nn::Size2 k, std::optional<tg::nn::Size2> stride, tg::nn::Size2 padding,
                         tg::nn::Size2 dilation, bool ceil_mode, bool return_indices) -> py::object {
    F::MaxPool2dOptions o{k, stride, padding, dilation, ceil_mode};
    if (return_indices) return py::cast(nogil([&] { return F::max_pool2d_with_indices(x, o); }));
    return py::cast(nogil([&] { return F::max_pool2d(x, o); }));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false, py::arg("return_indices") = false);
  f.def("avg_pool2d", [](const Tensor& x, tg::nn::Size2 k, std::optional<tg::nn::Size2> stride, tg::nn::Size2 padding,
                         bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
    return nogil([&] { return F::avg_pool2d(x, {k, stride, padding, ceil_mode, count_include_pad, divisor_override}); });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());
  f.def(
      "adaptive_avg_pool2d",
      [](const Tensor& x, tg::nn::AdaptiveSize2 size) {
        return nogil([&] { return F::adaptive_avg_pool2d(x, size); });
      },
      py::arg("input"), py::arg("output_size"));
  f.def("max_pool3d", [](const Tensor& x, tg::nn::Size3 k, std::optional<tg::nn::Size3> stride, tg::nn::Size3 padding,
                         tg::nn::Size3 dilation, bool ceil_mode, bool return_indices) -> py::object {
    F::MaxPool3dOptions o{k, stride, padding, dilation, ceil_mode};
    if (return_indices) return py::cast(nogil([&] { return F::max_pool3d_with_indices(x, o); }));
    return py::cast(nogil([&] { return F::max_pool3d(x, o); }));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false, py::arg("return_indices") = false);
  f.def("avg_pool3d", [](const Tensor& x, tg::nn::Size3 k, std::optional<tg::nn::Size3> stride, tg::nn::Size3 padding,
                         bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
    return nogil(
        [&] { return F::avg_pool3d(x, {k, stride, padding, ceil_mode, count_include_pad, divisor_override}); });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());
  f.def(
      "adaptive_avg_pool3d",
      [](const Tensor& x, tg::nn::AdaptiveSize3 size) {
        return nogil([&] { return F::adaptive_avg_pool3d(x, size); });
      },
      py::arg("input"), py::arg("output_size"));
  f.def(
      "adaptive_max_pool3d",
      [](const Tensor& x, tg::nn::AdaptiveSize3 size, bool return_indices) -> py::object {
        if (return_indices) return py::cast(nogil([&] { return F::adaptive_max_pool3d_with_indices(x, size); }));
        return py::cast(nogil([&] { return F::adaptive_max_pool3d(x, size); }));
      },
      py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
  f.def(
      "max_pool1d",
      [](const Tensor& x, Size1 k, std::optional<Size1> stride, Size1 padding, Size1 dilation, bool ceil_mode,
         bool return_indices) -> py::object {
        F::MaxPool1dOptions o{k, optional_int(stride), padding, dilation, ceil_mode};
        if (return_indices) return py::cast(nogil([&] { return F::max_pool1d_with_indices(x, o); }));
        return py::cast(nogil([&] { return F::max_pool1d(x, o); }));
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
      py::arg("dilation") = 1, py::arg("ceil_mode") = false, py::arg("return_indices") = false);
  f.def(
      "avg_pool1d",
      [](const Tensor& x, Size1 k, std::optional<Size1> stride, Size1 padding, bool ceil_mode, bool count_include_pad) {
        return nogil([&] {
          return F::avg_pool1d(x, {k, optional_int(stride), padding, ceil_mode, count_include_pad});
        });
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
      py::arg("ceil_mode") = false, py::arg("count_include_pad") = true);
  f.def(
      "adaptive_avg_pool1d",
      [](const Tensor& x, Size1 size) { return nogil([&] { return F::adaptive_avg_pool1d(x, size); }); },
      py::arg("input"), py::arg("output_size"));
  f.def(
      "adaptive_max_pool2d",
      [](const Tensor& x, tg::nn::AdaptiveSize2 size, bool return_indices) -> py::object {
        if (return_indices) return py::cast(nogil([&] { return F::adaptive_max_pool2d_with_indices(x, size); }));
        return py::cast(nogil([&] { return F::adaptive_max_pool2d(x, size); }));
      },
      py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
  f.def(
      "adaptive_max_pool1d",
      [](const Tensor& x, Size1 size, bool return_indices) -> py::object {
        if (return_indices) return py::cast(nogil([&] { return F::adaptive_max_pool1d_with_indices(x, size); }));
        return py::cast(nogil([&] { return F::adaptive_max_pool1d(x, size); }));
      },
      py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
  f.def("instance_norm", [](const Tensor& x, OptTensor mean, OptTensor var, OptTensor w, OptTensor b,
                            bool use_input_stats, double momentum, double eps) {
    F::InstanceNormOptions o{or_undefined(mean), or_undefined(var), or_undefined(w), or_undefined(b), use_input_stats,
                             momentum, eps};
    return nogil([&] { return F::instance_norm(x, o); });
  }, py::arg("input"), py::arg("running_mean") = py::none(), py::arg("running_var") = py::none(),
     py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("use_input_stats") = true,
     py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  f.def("unfold", [](const Tensor& x, tg::nn::Size2 k, tg::nn::Size2 dilation, tg::nn::Size2 padding,
                     tg::nn::Size2 stride) {
    return nogil([&] { return F::unfold(x, {k, dilation, padding, stride}); });
  }, py::arg("input"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0, py::arg("stride") = 1);
  f.def("fold", [](const Tensor& x, tg::nn::Size2 size, tg::nn::Size2 k, tg::nn::Size2 dilation,
                   tg::nn::Size2 padding, tg::nn::Size2 stride) {
    return nogil([&] { return F::fold(x, size, {k, dilation, padding, stride}); });
  }, py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1,
     py::arg("padding") = 0, py::arg("stride") = 1);
  f.def(
      "lp_pool1d",
      [](const Tensor& x, double p, Size1 k, std::optional<Size1> stride, bool ceil_mode) {
        return nogil([&] { return F::lp_pool1d(x, p, k, optional_int(stride), ceil_mode); });
      },
      py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("ceil_mode") = false);
  f.def("lp_pool2d", [](const Tensor& x, double p, Size2 k, std::optional<Size2> stride, bool ceil_mode) {
    return nogil([&] { return F::lp_pool2d(x, p, k, stride, ceil_mode); });
  }, py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("ceil_mode") = false);
  f.def("lp_pool3d", [](const Tensor& x, double p, Size3 k, std::optional<Size3> stride, bool ceil_mode) {
    return nogil([&] { return F::lp_pool3d(x, p, k, stride, ceil_mode); });
  }, py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("ceil_mode") = false);
  f.def(
      "fractional_max_pool2d",
      [](const Tensor& x, Size2 k, std::optional<Size2> output_size, std::optional<tg::nn::Fractions<2>> output_ratio,
         bool return_indices, OptTensor samples) -> py::object {
        F::FractionalMaxPool2dOptions o{k, output_size, output_ratio, or_undefined(samples)};
        if (return_indices) return py::cast(nogil([&] { return F::fractional_max_pool2d_with_indices(x, o); }));
        return py::cast(nogil([&] { return F::fractional_max_pool2d(x, o); }));
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("output_size") = py::none(),
      py::arg("output_ratio") = py::none(), py::arg("return_indices") = false, py::arg("_random_samples") = py::none());
  f.def(
      "fractional_max_pool3d",
      [](const Tensor& x, Size3 k, std::optional<Size3> output_size, std::optional<tg::nn::Fractions<3>> output_ratio,
         bool return_indices, OptTensor samples) -> py::object {
        F::FractionalMaxPool3dOptions o{k, output_size, output_ratio, or_undefined(samples)};
        if (return_indices) return py::cast(nogil([&] { return F::fractional_max_pool3d_with_indices(x, o); }));
        return py::cast(nogil([&] { return F::fractional_max_pool3d(x, o); }));
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("output_size") = py::none(),
      py::arg("output_ratio") = py::none(), py::arg("return_indices") = false, py::arg("_random_samples") = py::none());
  // output_size may carry the batch and channel dims too (PyTorch takes the trailing ones).
  auto trailing = [](const py::object& size, size_t n) -> std::optional<std::vector<int64_t>> {
    if (size.is_none()) return std::nullopt;
    std::vector<int64_t> v = py::isinstance<py::sequence>(size) ? py::cast<std::vector<int64_t>>(size)
                                                                : std::vector<int64_t>(n, py::cast<int64_t>(size));
    TG_CHECK_VALUE(v.size() >= n, "max_unpool: output_size needs {} spatial sizes, got {}", n, v.size());
    return std::vector<int64_t>(v.end() - static_cast<std::ptrdiff_t>(n), v.end());
  };
  f.def(
      "max_unpool1d",
      [trailing](const Tensor& x, const Tensor& idx, Size1 k, std::optional<Size1> stride, Size1 padding,
                 py::object output_size) {
        auto o = trailing(output_size, 1);
        std::optional<int64_t> out = o ? std::optional<int64_t>((*o)[0]) : std::nullopt;
        return nogil([&] { return F::max_unpool1d(x, idx, k, optional_int(stride), padding, out); });
      },
      py::arg("input"), py::arg("indices"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("output_size") = py::none());
  f.def("max_unpool2d", [trailing](const Tensor& x, const Tensor& idx, Size2 k, std::optional<Size2> stride,
                                   Size2 padding, py::object output_size) {
    auto o = trailing(output_size, 2);
    std::optional<Size2> out = o ? std::optional<Size2>(Size2((*o)[0], (*o)[1])) : std::nullopt;
    return nogil([&] { return F::max_unpool2d(x, idx, k, stride, padding, out); });
  }, py::arg("input"), py::arg("indices"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("output_size") = py::none());
  f.def("max_unpool3d", [trailing](const Tensor& x, const Tensor& idx, Size3 k, std::optional<Size3> stride,
                                   Size3 padding, py::object output_size) {
    auto o = trailing(output_size, 3);
    std::optional<Size3> out = o ? std::optional<Size3>(Size3((*o)[0], (*o)[1], (*o)[2])) : std::nullopt;
    return nogil([&] { return F::max_unpool3d(x, idx, k, stride, padding, out); });
  }, py::arg("input"), py::arg("indices"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("output_size") = py::none());
  f.def("local_response_norm", [](const Tensor& x, int64_t size, double alpha, double beta, double k) {
    return nogil([&] { return F::local_response_norm(x, size, alpha, beta, k); });
  }, py::arg("input"), py::arg("size"), py::arg("alpha") = 1e-4, py::arg("beta") = 0.75, py::arg("k") = 1.0);
  f.def("channel_shuffle", [](const Tensor& x, int64_t groups) {
    return nogil([&] { return F::channel_shuffle(x, groups); });
  }, py::arg("input"), py::arg("groups"));
  f.def("native_channel_shuffle", [](const Tensor& x, int64_t groups) {
    return nogil([&] { return F::channel_shuffle(x, groups); });
  }, py::arg("input"), py::arg("groups"));
  for (auto [name, fn] : {std::pair{"alpha_dropout", &F::alpha_dropout},
                          std::pair{"feature_alpha_dropout", &F::feature_alpha_dropout}})
    f.def(name, [fn](const Tensor& x, double p, bool training, bool) {
      return nogil([&] { return fn(x, p, training, nullptr, tg::SourceLoc::current()); });
    }, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = false, py::arg("inplace") = false);
  f.def("rrelu", [](const Tensor& x, double lower, double upper, bool training, bool) {
    return nogil([&] { return F::rrelu(x, lower, upper, training); });
  }, py::arg("input"), py::arg("lower") = 1.0 / 8, py::arg("upper") = 1.0 / 3, py::arg("training") = false,
     py::arg("inplace") = false);
  f.def("gumbel_softmax", [](const Tensor& logits, double tau, bool hard, double, int64_t dim) {
    return nogil([&] { return F::gumbel_softmax(logits, tau, hard, dim); });
  }, py::arg("logits"), py::arg("tau") = 1.0, py::arg("hard") = false, py::arg("eps") = 1e-10, py::arg("dim") = -1);
  f.def("pixel_shuffle", [](const Tensor& x, int64_t r) { return nogil([&] { return F::pixel_shuffle(x, r); }); },
        py::arg("input"), py::arg("upscale_factor"));
  f.def("pixel_unshuffle", [](const Tensor& x, int64_t r) { return nogil([&] { return F::pixel_unshuffle(x, r); }); },
        py::arg("input"), py::arg("downscale_factor"));
  f.def("batch_norm", [](const Tensor& x, OptTensor mean, OptTensor var, OptTensor w, OptTensor b, bool training,
                         double momentum, double eps) {
    return nogil([&] {
      return F::batch_norm(x, or_undefined(mean), or_undefined(var),
                           {or_undefined(w), or_undefined(b), training, momentum, eps});
    });
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  f.def("layer_norm", [](const Tensor& x, const tg::Shape& shape, OptTensor w, OptTensor b, double eps) {
    return nogil([&] { return F::layer_norm(x, shape, or_undefined(w), or_undefined(b), eps); });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
  f.def("group_norm", [](const Tensor& x, int64_t groups, OptTensor w, OptTensor b, double eps) {
    return nogil([&] { return F::group_norm(x, groups, or_undefined(w), or_undefined(b), eps); });
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
  for (auto [name, fn] : {std::pair{"dropout1d", &F::dropout1d}, std::pair{"dropout2d", &F::dropout2d},
                            std::pair{"dropout3d", &F::dropout3d}})
    f.def(name, [fn](const Tensor& x, double p, bool training, bool) {
      return nogil([&] { return fn(x, p, training, nullptr, tg::SourceLoc::current()); });
    }, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true, py::arg("inplace") = false);
  f.def("dropout", [](const Tensor& x, double p, bool training, bool) {
    return nogil([&] { return F::dropout(x, p, training); });
  }, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true, py::arg("inplace") = false);
  f.def("embedding", [](const Tensor& x, const Tensor& w, std::optional<int64_t> padding_idx) {
    return nogil([&] { return F::embedding(x, w, padding_idx); });
  }, py::arg("input"), py::arg("weight"), py::arg("padding_idx") = py::none());
  f.def("embedding_bag", [](const Tensor& x, const Tensor& w, OptTensor offsets, std::string mode, OptTensor psw,
                            bool include_last_offset, std::optional<int64_t> padding_idx) {
    return nogil([&] {
      return F::embedding_bag(x, w, {or_undefined(offsets), mode, or_undefined(psw), include_last_offset, padding_idx});
    });
  }, py::arg("input"), py::arg("weight"), py::arg("offsets") = py::none(), py::kw_only(), py::arg("mode") = "mean",
     py::arg("per_sample_weights") = py::none(), py::arg("include_last_offset") = false,
     py::arg("padding_idx") = py::none());
  f.def("affine_grid", [](const Tensor& theta, const tg::Shape& size, bool align_corners) {
    return nogil([&] { return F::affine_grid(theta, size, align_corners); });
  }, py::arg("theta"), py::arg("size"), py::arg("align_corners") = false);
  f.def("grid_sample", [](const Tensor& x, const Tensor& grid, std::string mode, std::string padding_mode,
                          std::optional<bool> align_corners) {
    return nogil([&] { return F::grid_sample(x, grid, {mode, padding_mode, align_corners.value_or(false)}); });
  }, py::arg("input"), py::arg("grid"), py::arg("mode") = "bilinear", py::arg("padding_mode") = "zeros",
     py::arg("align_corners") = py::none());
  f.def(
      "one_hot", [](const Tensor& x, int64_t n) { return nogil([&] { return F::one_hot(x, n); }); }, py::arg("tensor"),
      py::arg("num_classes") = -1);  // torch names it tensor
  f.def(
      "scaled_dot_product_attention",
      [](const Tensor& q, const Tensor& k, const Tensor& v, OptTensor mask, double dropout_p, bool is_causal,
         std::optional<double> scale, bool enable_gqa) {
        F::AttentionOptions options{or_undefined(mask), dropout_p, is_causal, scale};
        options.enable_gqa = enable_gqa;
        return nogil([&] { return F::scaled_dot_product_attention(q, k, v, options); });
      },
      py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(), py::arg("dropout_p") = 0.0,
      py::arg("is_causal") = false, py::kw_only(), py::arg("scale") = py::none(), py::arg("enable_gqa") = false);
  f.def(
      "multi_head_attention_forward",
      [](const Tensor& q, const Tensor& k, const Tensor& v, int64_t embed_dim_to_check, int64_t num_heads,
         OptTensor in_proj_weight, OptTensor in_proj_bias, OptTensor bias_k, OptTensor bias_v, bool add_zero_attn,
         double dropout_p, const Tensor& out_proj_weight, OptTensor out_proj_bias, bool training,
         OptTensor key_padding_mask, bool need_weights, OptTensor attn_mask, bool use_separate_proj_weight,
         OptTensor q_proj_weight, OptTensor k_proj_weight, OptTensor v_proj_weight, OptTensor static_k,
         OptTensor static_v, bool average_attn_weights, bool is_causal) {
        F::MultiHeadAttentionForwardOptions o{embed_dim_to_check,
                                              num_heads,
                                              or_undefined(in_proj_weight),
                                              or_undefined(in_proj_bias),
                                              or_undefined(bias_k),
                                              or_undefined(bias_v),
                                              add_zero_attn,
                                              dropout_p,
                                              out_proj_weight,
                                              or_undefined(out_proj_bias),
                                              training,
                                              or_undefined(key_padding_mask),
                                              need_weights,
                                              or_undefined(attn_mask),
                                              use_separate_proj_weight,
                                              or_undefined(q_proj_weight),
                                              or_undefined(k_proj_weight),
                                              or_undefined(v_proj_weight),
                                              or_undefined(static_k),
                                              or_undefined(static_v),
                                              average_attn_weights,
                                              is_causal};
        auto [out, weights] = nogil([&] { return F::multi_head_attention_forward(q, k, v, o); });
        return py::make_tuple(out, weights.defined() ? py::cast(weights) : py::none());
      },
      py::arg("query"), py::arg("key"), py::arg("value"), py::arg("embed_dim_to_check"), py::arg("num_heads"),
      py::arg("in_proj_weight"), py::arg("in_proj_bias"), py::arg("bias_k"), py::arg("bias_v"),
      py::arg("add_zero_attn"), py::arg("dropout_p"), py::arg("out_proj_weight"), py::arg("out_proj_bias"),
      py::arg("training") = true, py::arg("key_padding_mask") = py::none(), py::arg("need_weights") = true,
      py::arg("attn_mask") = py::none(), py::arg("use_separate_proj_weight") = false,
      py::arg("q_proj_weight") = py::none(), py::arg("k_proj_weight") = py::none(),
      py::arg("v_proj_weight") = py::none(), py::arg("static_k") = py::none(), py::arg("static_v") = py::none(),
      py::arg("average_attn_weights") = true, py::arg("is_causal") = false);

  // ---- losses ----
  f.def("cross_entropy", [](const Tensor& x, const Tensor& target, OptTensor weight, int64_t ignore_index,
                            F::Reduction reduction, double label_smoothing) {
    return nogil([&] { return F::cross_entropy(x, target, {or_undefined(weight), ignore_index, reduction, label_smoothing}); });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("ignore_index") = -100,
     py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0);
  // The Python wrapper (nn/_linear_cross_entropy.py) maps PyTorch's options object to chunk_size.
  f.def(
      "_linear_cross_entropy",
      [](const Tensor& x, const Tensor& w, const Tensor& target, OptTensor linear_bias, OptTensor weight,
         int64_t ignore_index, F::Reduction reduction, double label_smoothing, int64_t chunk_size) {
        F::LinearCrossEntropyOptions o{
            or_undefined(linear_bias), {or_undefined(weight), ignore_index, reduction, label_smoothing}, chunk_size};
        return nogil([&] { return F::linear_cross_entropy(x, w, target, o); });
      },
      py::arg("input"), py::arg("linear_weight"), py::arg("target"), py::arg("linear_bias"), py::arg("weight"),
      py::arg("ignore_index"), py::arg("reduction"), py::arg("label_smoothing"), py::arg("chunk_size"));
  f.def("nll_loss", [](const Tensor& x, const Tensor& target, OptTensor weight, int64_t ignore_index, F::Reduction reduction) {
    return nogil([&] { return F::nll_loss(x, target, {or_undefined(weight), ignore_index, reduction}); });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("ignore_index") = -100,
     py::arg("reduction") = "mean");
  f.def("mse_loss", [](const Tensor& x, const Tensor& t, F::Reduction r) { return nogil([&] { return F::mse_loss(x, t, r); }); },
        py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  f.def("l1_loss", [](const Tensor& x, const Tensor& t, F::Reduction r) { return nogil([&] { return F::l1_loss(x, t, r); }); },
        py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  f.def("smooth_l1_loss", [](const Tensor& x, const Tensor& t, F::Reduction r, double beta) {
    return nogil([&] { return F::smooth_l1_loss(x, t, r, beta); });
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  f.def("normalize", [](const Tensor& x, double p, int64_t dim, double eps) {
    return nogil([&] { return F::normalize(x, p, dim, eps); });
  }, py::arg("input"), py::arg("p") = 2.0, py::arg("dim") = 1, py::arg("eps") = 1e-12);
  f.def("cosine_similarity", [](const Tensor& a, const Tensor& b, int64_t dim, double eps) {
    return nogil([&] { return F::cosine_similarity(a, b, dim, eps); });
  }, py::arg("x1"), py::arg("x2"), py::arg("dim") = 1, py::arg("eps") = 1e-8);
  f.def("pairwise_distance", [](const Tensor& a, const Tensor& b, double p, double eps, bool keepdim) {
    return nogil([&] { return F::pairwise_distance(a, b, p, eps, keepdim); });
  }, py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("keepdim") = false);
  f.def("rms_norm", [](const Tensor& x, const tg::Shape& shape, OptTensor weight, std::optional<double> eps) {
    return nogil([&] { return F::rms_norm(x, shape, or_undefined(weight), eps); });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("eps") = py::none());
  f.def("huber_loss", [](const Tensor& x, const Tensor& t, F::Reduction r, double delta) {
    return nogil([&] { return F::huber_loss(x, t, r, delta); });
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0);
  f.def("binary_cross_entropy", [](const Tensor& x, const Tensor& t, OptTensor weight, F::Reduction r) {
    return nogil([&] { return F::binary_cross_entropy(x, t, {or_undefined(weight), r}); });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  f.def("binary_cross_entropy_with_logits", [](const Tensor& x, const Tensor& t, OptTensor weight, F::Reduction r,
                                               OptTensor pos_weight) {
    return nogil([&] { return F::binary_cross_entropy_with_logits(x, t, {or_undefined(weight), or_undefined(pos_weight), r}); });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
     py::arg("pos_weight") = py::none());
  f.def("kl_div", [](const Tensor& x, const Tensor& t, F::Reduction r, bool log_target) {
    return nogil([&] { return F::kl_div(x, t, {r, log_target}); });
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("log_target") = false);
  f.def(
      "margin_ranking_loss",
      [](const Tensor& a, const Tensor& b, const Tensor& t, double margin, F::Reduction r) {
        return nogil([&] { return F::margin_ranking_loss(a, b, t, margin, r); });
      },
      py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0, py::arg("reduction") = "mean");
  f.def(
      "hinge_embedding_loss",
      [](const Tensor& x, const Tensor& t, double margin, F::Reduction r) {
        return nogil([&] { return F::hinge_embedding_loss(x, t, margin, r); });
      },
      py::arg("input"), py::arg("target"), py::arg("margin") = 1.0, py::arg("reduction") = "mean");
  f.def(
      "cosine_embedding_loss",
      [](const Tensor& a, const Tensor& b, const Tensor& t, double margin, F::Reduction r) {
        return nogil([&] { return F::cosine_embedding_loss(a, b, t, margin, r); });
      },
      py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0, py::arg("reduction") = "mean");
  f.def(
      "soft_margin_loss",
      [](const Tensor& x, const Tensor& t, F::Reduction r) {
        return nogil([&] { return F::soft_margin_loss(x, t, r); });
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  f.def(
      "multilabel_soft_margin_loss",
      [](const Tensor& x, const Tensor& t, OptTensor weight, F::Reduction r) {
        return nogil([&] { return F::multilabel_soft_margin_loss(x, t, {or_undefined(weight), r}); });
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  f.def(
      "multi_margin_loss",
      [](const Tensor& x, const Tensor& t, int64_t p, double margin, OptTensor weight, F::Reduction r) {
        return nogil([&] { return F::multi_margin_loss(x, t, {p, margin, or_undefined(weight), r}); });
      },
      py::arg("input"), py::arg("target"), py::arg("p") = 1, py::arg("margin") = 1.0, py::arg("weight") = py::none(),
      py::arg("reduction") = "mean");
  f.def(
      "multilabel_margin_loss",
      [](const Tensor& x, const Tensor& t, F::Reduction r) {
        return nogil([&] { return F::multilabel_margin_loss(x, t, r); });
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  f.def(
      "triplet_margin_loss",
      [](const Tensor& a, const Tensor& pos, const Tensor& neg, double margin, double p, double eps, bool swap,
         F::Reduction r) {
        return nogil([&] { return F::triplet_margin_loss(a, pos, neg, {margin, p, eps, swap, r}); });
      },
      py::arg("anchor"), py::arg("positive"), py::arg("negative"), py::arg("margin") = 1.0, py::arg("p") = 2.0,
      py::arg("eps") = 1e-6, py::arg("swap") = false, py::arg("reduction") = "mean");
  f.def(
      "triplet_margin_with_distance_loss",
      [](const Tensor& a, const Tensor& pos, const Tensor& neg, py::object distance_function, double margin, bool swap,
         F::Reduction r) {
        auto distance = tensor_pair_function(distance_function);
        return nogil([&] { return F::triplet_margin_with_distance_loss(a, pos, neg, {distance, margin, swap, r}); });
      },
      py::arg("anchor"), py::arg("positive"), py::arg("negative"), py::kw_only(),
      py::arg("distance_function") = py::none(), py::arg("margin") = 1.0, py::arg("swap") = false,
      py::arg("reduction") = "mean");
  f.def(
      "poisson_nll_loss",
      [](const Tensor& x, const Tensor& t, bool log_input, bool full, double eps, F::Reduction r) {
        return nogil([&] { return F::poisson_nll_loss(x, t, {log_input, full, eps, r}); });
      },
      py::arg("input"), py::arg("target"), py::arg("log_input") = true, py::arg("full") = false, py::arg("eps") = 1e-8,
      py::arg("reduction") = "mean");
  f.def(
      "gaussian_nll_loss",
      [](const Tensor& x, const Tensor& t, const Tensor& var, bool full, double eps, F::Reduction r) {
        return nogil([&] { return F::gaussian_nll_loss(x, t, var, {full, eps, r}); });
      },
      py::arg("input"), py::arg("target"), py::arg("var"), py::arg("full") = false, py::arg("eps") = 1e-6,
      py::arg("reduction") = "mean");
  f.def(
      "ctc_loss",
      [](const Tensor& log_probs, py::handle targets, py::handle input_lengths, py::handle target_lengths,
         int64_t blank, F::Reduction r, bool zero_infinity) {
        // Lengths may be tensors or sequences of ints, as in PyTorch.
        const Tensor tg_targets = to_tensor(targets), il = to_tensor(input_lengths), tl = to_tensor(target_lengths);
        return nogil([&] { return F::ctc_loss(log_probs, tg_targets, il, tl, {blank, r, zero_infinity}); });
      },
      py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"), py::arg("target_lengths"),
      py::arg("blank") = 0, py::arg("reduction") = "mean", py::arg("zero_infinity") = false);
  f.def("pad", [](const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode, const tg::Scalar& value) {
    return nogil([&] { return F::pad(x, pad, mode, value); });
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = 0,
     "Pads the last len(pad) // 2 dims, last dim first; mode 'constant', 'reflect', 'replicate' or 'circular'.");

  // Activations composed of tensor ops (the fused ones are tg's, and functional.py names them).
  f.def("logsigmoid", [](const Tensor& x) { return nogil([&] { return F::logsigmoid(x); }); }, py::arg("input"));
  f.def("softsign", [](const Tensor& x) { return nogil([&] { return F::softsign(x); }); }, py::arg("input"));
  f.def("tanhshrink", [](const Tensor& x) { return nogil([&] { return F::tanhshrink(x); }); }, py::arg("input"));
  f.def("hardshrink", [](const Tensor& x, double l) { return nogil([&] { return F::hardshrink(x, l); }); },
        py::arg("input"), py::arg("lambd") = 0.5);
  f.def("softshrink", [](const Tensor& x, double l) { return nogil([&] { return F::softshrink(x, l); }); },
        py::arg("input"), py::arg("lambd") = 0.5);
  f.def("_threshold", [](const Tensor& x, double t, double v) { return nogil([&] { return F::threshold(x, t, v); }); },
        py::arg("input"), py::arg("threshold"), py::arg("value"));
  f.def("glu", [](const Tensor& x, int64_t dim) { return nogil([&] { return F::glu(x, dim); }); }, py::arg("input"),
        py::arg("dim") = -1);
  f.def("_softmin", [](const Tensor& x, int64_t dim) { return nogil([&] { return F::softmin(x, dim); }); },
        py::arg("input"), py::arg("dim"));
  f.def("prelu", [](const Tensor& x, const Tensor& w) { return nogil([&] { return F::prelu(x, w); }); },
        py::arg("input"), py::arg("weight"));

  f.def(
      "interpolate",
      [](const Tensor& x, py::object size, py::object scale_factor, std::string mode, std::optional<bool> align_corners,
         std::optional<bool> recompute_scale_factor, bool antialias) {
        auto o = interpolate_options(size, scale_factor, std::move(mode), align_corners, recompute_scale_factor);
        o.antialias = antialias;
        return nogil([&] { return F::interpolate(x, o); });
      },
      py::arg("input"), py::arg("size") = py::none(), py::arg("scale_factor") = py::none(), py::arg("mode") = "nearest",
      py::arg("align_corners") = py::none(), py::arg("recompute_scale_factor") = py::none(),
      py::arg("antialias") = false);
  Layer<tg::nn::UpsampleImpl>(nn, "Upsample")
      .def(py::init([](py::object size, py::object scale_factor, std::string mode, std::optional<bool> align_corners,
                       std::optional<bool> recompute_scale_factor) {
             return std::make_shared<tg::nn::UpsampleImpl>(
                 interpolate_options(size, scale_factor, std::move(mode), align_corners, recompute_scale_factor));
           }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none(), py::arg("mode") = "nearest",
           py::arg("align_corners") = py::none(), py::arg("recompute_scale_factor") = py::none())
      // As torch keeps them: None, one value, or a tuple of one per spatial dim.
      .def_property_readonly("size", [](const tg::nn::UpsampleImpl& m) { return one_or_tuple(m.options.size); })
      .def_property_readonly("scale_factor",
                             [](const tg::nn::UpsampleImpl& m) { return one_or_tuple(m.options.scale_factor); })
      .def_property_readonly("recompute_scale_factor",
                             [](const tg::nn::UpsampleImpl& m) { return m.options.recompute_scale_factor; });

  using tg::nn::UpsamplingBilinear2dImpl, tg::nn::UpsamplingNearest2dImpl;
  Layer<UpsamplingNearest2dImpl>(nn, "UpsamplingNearest2d")
      .def(py::init([](py::object size, py::object scale_factor) {
             return std::make_shared<UpsamplingNearest2dImpl>(one_or_many<int64_t>(size),
                                                              one_or_many<double>(scale_factor));
           }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none());
  Layer<UpsamplingBilinear2dImpl>(nn, "UpsamplingBilinear2d")
      .def(py::init([](py::object size, py::object scale_factor) {
             return std::make_shared<UpsamplingBilinear2dImpl>(one_or_many<int64_t>(size),
                                                               one_or_many<double>(scale_factor));
           }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none());

  // ---- init ----
  py::module_ init = nn.def_submodule("init", "torch.nn.init's initialisers (in place)");
  namespace I = tg::nn::init;
  init.def("calculate_gain", &I::calculate_gain, py::arg("nonlinearity"), py::arg("param") = 0.01);
  init.def("_calculate_fan_in_and_fan_out", &I::calculate_fan_in_and_fan_out, py::arg("tensor"));
  auto mode_of = [](const std::string& mode) {
    TG_CHECK_VALUE(mode == "fan_in" || mode == "fan_out", "init: mode must be 'fan_in' or 'fan_out', got '{}'", mode);
    return mode == "fan_in" ? I::FanMode::FanIn : I::FanMode::FanOut;
  };
  const auto g = py::arg("generator") = py::none();
  init.def("uniform_", [](py::object t, double a, double b, py::object gen) {
    I::uniform_(as_tensor(t), a, b, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("b") = 1.0, g);
  init.def("normal_", [](py::object t, double mean, double std, py::object gen) {
    I::normal_(as_tensor(t), mean, std, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, g);
  init.def("constant_", [](py::object t, double val) {
    I::constant_(as_tensor(t), val);
    return t;
  }, py::arg("tensor"), py::arg("val"));
  init.def("zeros_", [](py::object t) {
    I::zeros_(as_tensor(t));
    return t;
  }, py::arg("tensor"));
  init.def("ones_", [](py::object t) {
    I::ones_(as_tensor(t));
    return t;
  }, py::arg("tensor"));
  init.def("xavier_uniform_", [](py::object t, double gain, py::object gen) {
    I::xavier_uniform_(as_tensor(t), gain, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("gain") = 1.0, g);
  init.def("xavier_normal_", [](py::object t, double gain, py::object gen) {
    I::xavier_normal_(as_tensor(t), gain, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("gain") = 1.0, g);
  init.def("kaiming_uniform_", [mode_of](py::object t, double a, const std::string& mode, const std::string& nl, py::object gen) {
    I::kaiming_uniform_(as_tensor(t), a, mode_of(mode), nl, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in", py::arg("nonlinearity") = "leaky_relu", g);
  init.def("kaiming_normal_", [mode_of](py::object t, double a, const std::string& mode, const std::string& nl, py::object gen) {
    I::kaiming_normal_(as_tensor(t), a, mode_of(mode), nl, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in", py::arg("nonlinearity") = "leaky_relu", g);
  init.def("orthogonal_", [](py::object t, double gain, py::object gen) {
    I::orthogonal_(as_tensor(t), gain, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("gain") = 1.0, g);
  init.def(
      "eye_",
      [](py::object t) {
        I::eye_(as_tensor(t));
        return t;
      },
      py::arg("tensor"));
  init.def(
      "dirac_",
      [](py::object t, int64_t groups) {
        I::dirac_(as_tensor(t), groups);
        return t;
      },
      py::arg("tensor"), py::arg("groups") = 1);
  init.def(
      "sparse_",
      [](py::object t, double sparsity, double std, py::object gen) {
        I::sparse_(as_tensor(t), sparsity, std, generator_of(gen));
        return t;
      },
      py::arg("tensor"), py::arg("sparsity"), py::arg("std") = 0.01, g);
  init.def("trunc_normal_", [](py::object t, double mean, double std, double a, double b, py::object gen) {
    I::trunc_normal_(as_tensor(t), mean, std, a, b, generator_of(gen));
    return t;
  }, py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, py::arg("a") = -2.0, py::arg("b") = 2.0, g);

  // ---- utils ----
  py::module_ utils = nn.def_submodule("utils", "gradient clipping, sequence padding");
  py::module_ rnn = utils.def_submodule("rnn", "batching variable-length sequences");
  rnn.def("pad_sequence", [](const tg::tensor_list& sequences, bool batch_first, double padding_value,
                             const std::string& padding_side) {
    return nogil([&] { return tg::nn::utils::rnn::pad_sequence(sequences, batch_first, padding_value, padding_side); });
  }, py::arg("sequences"), py::arg("batch_first") = false, py::arg("padding_value") = 0.0,
     py::arg("padding_side") = "right");
  using tg::nn::utils::rnn::PackedSequence;
  namespace R = tg::nn::utils::rnn;
  // Lengths and indices arrive as tensors or lists (PyTorch takes both); None for no indices.
  auto indices = [](py::handle h) { return h.is_none() ? tg::Tensor() : to_tensor(h, tg::kInt64); };
  auto optional = [](const tg::Tensor& t) { return t.defined() ? py::cast(t) : py::none(); };
  py::class_<PackedSequence>(rnn, "PackedSequence")
      .def(py::init([indices](const tg::Tensor& data, py::handle batch_sizes, py::handle sorted, py::handle unsorted) {
             return PackedSequence{data, indices(batch_sizes), indices(sorted), indices(unsorted)};
           }),
           py::arg("data"), py::arg("batch_sizes"), py::arg("sorted_indices") = py::none(),
           py::arg("unsorted_indices") = py::none())
      .def_readonly("data", &PackedSequence::data)
      .def_readonly("batch_sizes", &PackedSequence::batch_sizes)
      .def_property_readonly("sorted_indices", [optional](const PackedSequence& p) { return optional(p.sorted_indices); })
      .def_property_readonly("unsorted_indices",
                             [optional](const PackedSequence& p) { return optional(p.unsorted_indices); })
      .def("to", [](const PackedSequence& p, const tg::Device& device) { return p.to(device); }, py::arg("device"))
      .def("__repr__", [](const PackedSequence& p) {
        return fmt::format("PackedSequence(data={}, batch_sizes={})", p.data.str(), p.batch_sizes.str());
      });
  rnn.def("pack_padded_sequence", [indices](const tg::Tensor& input, py::handle lengths, bool batch_first,
                                            bool enforce_sorted) {
    const tg::Tensor l = indices(lengths);
    return nogil([&] { return R::pack_padded_sequence(input, l, batch_first, enforce_sorted); });
  }, py::arg("input"), py::arg("lengths"), py::arg("batch_first") = false, py::arg("enforce_sorted") = true);
  rnn.def("pad_packed_sequence", [](const PackedSequence& sequence, bool batch_first, double padding_value,
                                    std::optional<int64_t> total_length) {
    return nogil([&] { return R::pad_packed_sequence(sequence, batch_first, padding_value, total_length); });
  }, py::arg("sequence"), py::arg("batch_first") = false, py::arg("padding_value") = 0.0,
     py::arg("total_length") = py::none());
  rnn.def("pack_sequence", [](const tg::tensor_list& sequences, bool enforce_sorted) {
    return nogil([&] { return R::pack_sequence(sequences, enforce_sorted); });
  }, py::arg("sequences"), py::arg("enforce_sorted") = true);
  rnn.def("unpad_sequence", [indices](const tg::Tensor& padded, py::handle lengths, bool batch_first) {
    const tg::Tensor l = indices(lengths);
    return nogil([&] { return R::unpad_sequence(padded, l, batch_first); });
  }, py::arg("padded_sequences"), py::arg("lengths"), py::arg("batch_first") = false);
  rnn.def("unpack_sequence", [](const PackedSequence& packed) {
    return nogil([&] { return R::unpack_sequence(packed); });
  }, py::arg("packed_sequences"));
  // Parameters may be one tensor or any iterable of them (model.parameters()), as in PyTorch.
  // `foreach` picks one of PyTorch's two implementations, which give the same result: tapegrad
  // has one, so it takes the argument and has nothing to choose.
  utils.def(
      "clip_grad_norm_",
      [](const py::object& params, double max_norm, const py::object& norm_type, bool error, const py::object&) {
        const tg::tensor_list ps = tensors_arg(params);
        const double p = norm_type_arg(norm_type);
        return nogil([&] { return tg::nn::utils::clip_grad_norm_(ps, max_norm, p, error); });
      },
      py::arg("parameters"), py::arg("max_norm"), py::arg("norm_type") = 2.0, py::arg("error_if_nonfinite") = false,
      py::arg("foreach") = py::none());
  utils.def(
      "clip_grad_value_",
      [](const py::object& params, double clip, const py::object&) {
        const tg::tensor_list ps = tensors_arg(params);
        nogil([&] { tg::nn::utils::clip_grad_value_(ps, clip); });
      },
      py::arg("parameters"), py::arg("clip_value"), py::arg("foreach") = py::none());
  utils.def(
      "get_total_norm",
      [](const py::object& tensors, const py::object& norm_type, bool error, const py::object&) {
        const tg::tensor_list ts = tensors_arg(tensors);
        const double p = norm_type_arg(norm_type);
        return nogil([&] { return tg::nn::utils::get_total_norm(ts, p, error); });
      },
      py::arg("tensors"), py::arg("norm_type") = 2.0, py::arg("error_if_nonfinite") = false,
      py::arg("foreach") = py::none());
  utils.def(
      "clip_grads_with_norm_",
      [](const py::object& params, double max_norm, const py::object& total_norm, const py::object&) {
        const tg::tensor_list ps = tensors_arg(params);
        const tg::Tensor total = to_tensor(total_norm);
        nogil([&] { tg::nn::utils::clip_grads_with_norm_(ps, max_norm, total); });
      },
      py::arg("parameters"), py::arg("max_norm"), py::arg("total_norm"), py::arg("foreach") = py::none());
  utils.def(
      "parameters_to_vector",
      [](const py::object& params) {
        const tg::tensor_list ps = tensors_arg(params);
        return nogil([&] { return tg::nn::utils::parameters_to_vector(ps); });
      },
      py::arg("parameters"));
  utils.def(
      "vector_to_parameters",
      [](const py::object& vec, const py::object& params) {
        TG_CHECK_TYPE(is_tensor(vec), "vector_to_parameters: expected a Tensor, but got {}",
                      Py_TYPE(vec.ptr())->tp_name);
        const tg::tensor_list ps = tensors_arg(params);
        nogil([&] { tg::nn::utils::vector_to_parameters(as_tensor(vec), ps); });
      },
      py::arg("vec"), py::arg("parameters"));
}

}  // namespace tgpy
