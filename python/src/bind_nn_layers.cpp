// The C++ layers as tg.nn classes, constructed with torch.nn's arguments and keywords, and the
// containers (Sequential, ModuleList, ModuleDict) that also hold Python modules, and
// ParameterList and ParameterDict.
#include "bindings.h"

#include <algorithm>

namespace tgpy {

namespace {

using namespace tg::nn;

// Python's index i (negative from the end) into `size` modules.
size_t checked_index(const char* what, size_t size, int64_t i) {
  const auto n = static_cast<int64_t>(size);
  TG_CHECK_INDEX(i >= -n && i < n, "{}: index {} is out of range for {} modules", what, i, n);
  return static_cast<size_t>(i < 0 ? i + n : i);
}

// After the container renumbered its modules: its kept objects under their new names. The
// caller holds the objects meanwhile, so that each module keeps its Python object.
void rekey_children(py::handle self) {
  named_child_objects(self);
  forget_stale_objects(self);
}

// A new container of the same kind holding `modules` (the same objects, not copies).
template <class Impl>
py::object sequence_of(const py::list& modules) {
  auto out = std::make_shared<Impl>();
  for (const py::handle m : modules) out->push_back(module_ptr(m));
  py::object obj = py::cast(out);
  named_child_objects(obj);  // keeps the objects, which `modules` holds alive until here
  return obj;
}

// Sequential's + and += take only a Sequential, as in PyTorch.
template <class Impl>
void check_addable(const py::object& other) {
  if constexpr (std::is_same_v<Impl, SequentialImpl>)
    TG_CHECK_VALUE(py::isinstance<Impl>(other),
                   "Sequential: add operator supports only objects of Sequential class, but {} is given.",
                   py::cast<std::string>(py::type::handle_of(other).attr("__name__")));
}

// What Sequential and ModuleList share, as in torch.nn: append, extend, insert, pop, del (also
// of a slice), + and +=, len, indexing from either end, iteration.
template <class Impl>
void def_module_sequence(Layer<Impl>& cls, const char* what) {
  auto pop_at = [what](py::object self, int64_t i) {
    Impl& s = py::cast<Impl&>(self);
    const py::list alive = child_objects(self);
    const size_t index = checked_index(what, s.size(), i);
    s.pop(index);
    rekey_children(self);
    return py::object(alive[index]);
  };
  cls.def(
         "append",
         [](py::object self, py::object m) {
           Impl& s = py::cast<Impl&>(self);
           s.push_back(module_ptr(m));
           registered_module(self, std::to_string(s.size() - 1), s[s.size() - 1]);
           return self;
         },
         py::arg("module"))
      .def(
          "extend",
          [](py::object self, py::iterable modules) {
            const py::object append = self.attr("append");
            for (const py::handle m : modules) append(m);
            return self;
          },
          py::arg("modules"))
      .def(
          "insert",
          [what](py::object self, int64_t index, py::object m) -> py::object {
            Impl& s = py::cast<Impl&>(self);
            const auto n = static_cast<int64_t>(s.size());
            TG_CHECK_INDEX(index >= -n && index <= n, "{}.insert: index {} is out of range for {} modules", what, index,
                           n);
            py::list alive = child_objects(self);
            alive.append(m);
            s.insert(static_cast<size_t>(index < 0 ? index + n : index), module_ptr(m));
            rekey_children(self);
            if constexpr (std::is_same_v<Impl, SequentialImpl>) return self;
            return py::none();
          },
          py::arg("index"), py::arg("module"))
      .def("pop", pop_at, py::arg("key"))
      .def("__delitem__", [pop_at](py::object self, int64_t i) { pop_at(self, i); })
      .def("__delitem__",
           [](py::object self, const py::slice& range) {
             Impl& s = py::cast<Impl&>(self);
             const py::list alive = child_objects(self);
             size_t start = 0, stop = 0, step = 0, count = 0;
             if (!range.compute(s.size(), &start, &stop, &step, &count)) throw py::error_already_set();
             std::vector<size_t> doomed;
             for (size_t k = 0; k < count; ++k) doomed.push_back(start + k * step);
             std::sort(doomed.rbegin(), doomed.rend());
             for (size_t i : doomed) s.pop(i);
             rekey_children(self);
           })
      .def(
          "__add__",
          [](py::object self, py::object other) {
            check_addable<Impl>(other);
            py::list modules = child_objects(self);
            for (const py::handle m : other) modules.append(m);
            return sequence_of<Impl>(modules);
          },
          py::is_operator())
      .def(
          "__iadd__",
          [](py::object self, py::object other) {
            check_addable<Impl>(other);
            return self.attr("extend")(py::list(other));  // a list first: `s += s` must not read what it adds
          },
          py::is_operator())
      .def("__len__", &Impl::size)
      .def("__getitem__",
           [what](py::object self, int64_t i) {
             const Impl& s = py::cast<const Impl&>(self);
             const size_t index = checked_index(what, s.size(), i);
             return registered_module(self, s.named_children().items()[index].first, s[index]);
           })
      // A slice is a new container of the same modules under their names, as in PyTorch.
      .def("__getitem__",
           [](const Impl& s, const py::slice& range) {
             auto out = std::make_shared<Impl>();
             const auto children = s.named_children();
             size_t start = 0, stop = 0, step = 0, count = 0;
             if (!range.compute(children.size(), &start, &stop, &step, &count)) throw py::error_already_set();
             for (size_t k = 0; k < count; ++k) {
               const auto& [name, child] = children.items()[start + k * step];
               if constexpr (std::is_same_v<Impl, SequentialImpl>)
                 out->push_back(name, child);
               else
                 out->push_back(child);
             }
             return out;
           })
      // Replacing the i-th module (seq[i] = m) keeps its name; the container calls the new one.
      .def("__setitem__",
           [what](py::object self, int64_t i, py::object m) {
             Impl& s = py::cast<Impl&>(self);
             const std::string name = s.named_children().items()[checked_index(what, s.size(), i)].first;
             s.replace_module(name, module_ptr(m));
             registered_module(self, name, module_ptr(m));
           })
      .def("__iter__", [](py::object self) { return py::iter(child_objects(self)); });
}

// BatchNorm's and InstanceNorm's torch.nn attributes; eps and momentum may be changed.
template <class Impl>
Layer<Impl>& def_norm_options(Layer<Impl>&& cls) {
  cls.def_readonly("num_features", &Impl::num_features)
      .def_property(
          "eps", [](const Impl& m) { return m.options.eps; }, [](Impl& m, double eps) { m.options.eps = eps; })
      .def_property(
          "momentum", [](const Impl& m) { return m.options.momentum; },
          [](Impl& m, std::optional<double> momentum) { m.options.momentum = momentum; })
      .def_property_readonly("affine", [](const Impl& m) { return m.options.affine; })
      .def_property_readonly("track_running_stats", [](const Impl& m) { return m.options.track_running_stats; });
  return cls;
}

// A 1-d layer's size attribute as torch keeps it: a 1-tuple (Conv1d(3, 4, 3).kernel_size is (3,)),
// set from a number or a 1-tuple.
template <class Impl, class Get>
void one_tuple_attribute(Layer<Impl>& cls, const char* name, Get get) {
  cls.def_property(
      name, [get](Impl& m) { return py::make_tuple(get(m)); },
      [get, name](Impl& m, py::object v) {
        if (PySequence_Check(v.ptr())) {
          const auto seq = py::reinterpret_borrow<py::sequence>(v);
          TG_CHECK_VALUE(seq.size() == 1, "{}: expected a number or a 1-tuple, got {} values", name, seq.size());
          v = seq[0];
        }
        get(m) = py::cast<int64_t>(v);
      });
}

// forward for the max pools: (output, indices) when the module was built with return_indices=True.
template <class Impl>
auto indices_forward() {
  return [](Impl& m, const tg::Tensor& x) -> py::object {
    if (m.return_indices) return py::cast(nogil([&] { return m.forward_with_indices(x); }));
    return py::cast(nogil([&] { return m.forward(x); }));
  };
}

// FractionalMaxPool2d / 3d with torch.nn's arguments.
template <class Impl, class Size, class Ratio>
void def_fractional_max_pool(py::module_& nn, const char* name) {
  Layer<Impl>(nn, name)
      .def(py::init([](Size k, std::optional<Size> output_size, std::optional<Ratio> output_ratio, bool return_indices,
                       std::optional<tg::Tensor> samples) {
             auto m = std::make_shared<Impl>(
                 decltype(Impl::options){k, output_size, output_ratio, samples.value_or(tg::Tensor())});
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("kernel_size"), py::arg("output_size") = py::none(), py::arg("output_ratio") = py::none(),
           py::arg("return_indices") = false, py::arg("_random_samples") = py::none())
      .def_readwrite("return_indices", &Impl::return_indices)
      .def("forward", indices_forward<Impl>(), py::arg("input"));
}

// torch's constructor of a batch or instance norm: affine and track_running_stats default to
// `defaults` (true for batch norm, false for instance norm); bias=False keeps the weight alone.
template <class Impl, class Base>
void def_norm(py::module_& nn, const char* name, bool defaults) {
  Layer<Impl, Base>(nn, name).def(
      py::init([](int64_t n, double eps, std::optional<double> momentum, bool affine, bool track, bool bias) {
        return std::make_shared<Impl>(n, BatchNormOptions{eps, momentum, affine, track, bias});
      }),
      py::arg("num_features"), py::arg("eps") = 1e-5, py::arg("momentum") = 0.1, py::arg("affine") = defaults,
      py::arg("track_running_stats") = defaults, py::kw_only(), py::arg("bias") = true);
}

// torch's transposed convolutions take padding_mode and refuse all but "zeros".
void only_zeros_padding(const char* layer, const std::string& mode) {
  TG_CHECK_VALUE(mode == "zeros", "Only \"zeros\" padding mode is supported for {}, got \"{}\"", layer, mode);
}

// forward(input, output_size=None) of the transposed convolutions: output_size (the spatial sizes or
// the whole shape, as torch.Size) chooses the output padding.
template <class Impl>
tg::Tensor transposed_forward(Impl& m, const tg::Tensor& input, std::optional<tg::Shape> output_size) {
  return nogil([&] { return output_size ? m.forward(input, *output_size) : m.forward(input); });
}

}  // namespace

void bind_nn_layers(py::module_& nn) {
  Layer<IdentityImpl>(nn, "Identity").def(py::init([](py::args, py::kwargs) { return std::make_shared<IdentityImpl>(); }));
  {
    Layer<LinearImpl> c(nn, "Linear");
    c.def(py::init<int64_t, int64_t, bool>(), py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true)
        .def_readonly("in_features", &LinearImpl::in_features)
        .def_readonly("out_features", &LinearImpl::out_features)
        .def("reset_parameters", &LinearImpl::reset_parameters);
  }
  Layer<BilinearImpl>(nn, "Bilinear")
      .def(py::init<int64_t, int64_t, int64_t, bool>(), py::arg("in1_features"), py::arg("in2_features"),
           py::arg("out_features"), py::arg("bias") = true)
      .def("forward", [](BilinearImpl& m, const tg::Tensor& a, const tg::Tensor& b) {
        return nogil([&] { return m.forward(a, b); });
      }, py::arg("input1"), py::arg("input2"));
  Layer<FlattenImpl>(nn, "Flatten").def(py::init<int64_t, int64_t>(), py::arg("start_dim") = 1, py::arg("end_dim") = -1);
  Layer<UnflattenImpl>(nn, "Unflatten")
      .def(py::init<int64_t, tg::Shape>(), py::arg("dim"), py::arg("unflattened_size"))
      .def_property(
          "unflattened_size", [](const UnflattenImpl& m) { return m.sizes; },
          [](UnflattenImpl& m, tg::Shape sizes) { m.sizes = std::move(sizes); });

  Layer<Conv1dImpl> conv1d(nn, "Conv1d");
  conv1d
      .def(py::init([](int64_t in, int64_t out, Size1 k, Size1 stride, ConvPadding1 padding, Size1 dilation,
                       int64_t groups, bool bias, std::string padding_mode) {
             return std::make_shared<Conv1dImpl>(
                 in, out, k, Conv1dOptions{stride, padding, dilation, groups, bias, std::move(padding_mode)});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("padding_mode") = "zeros")
      .def("reset_parameters", &Conv1dImpl::reset_parameters)
      .def_property_readonly("transposed", [](const Conv1dImpl&) { return false; })
      .def_property_readonly("output_padding", [](const Conv1dImpl&) { return py::make_tuple(0); })
      .def_readonly("in_channels", &Conv1dImpl::in_channels)
      .def_readonly("out_channels", &Conv1dImpl::out_channels);
  one_tuple_attribute(conv1d, "kernel_size", [](Conv1dImpl& m) -> int64_t& { return m.kernel_size; });
  one_tuple_attribute(conv1d, "stride", [](Conv1dImpl& m) -> int64_t& { return m.options.stride; });
  one_tuple_attribute(conv1d, "dilation", [](Conv1dImpl& m) -> int64_t& { return m.options.dilation; });
  conv1d.def_property(
      "padding",
      [](const Conv1dImpl& m) -> py::object {
        if (m.options.padding.mode != ConvPaddingMode::Explicit) return py::cast(m.options.padding);
        return py::make_tuple(m.options.padding.size.w);
      },
      [](Conv1dImpl& m, py::object v) {
        m.options.padding = PyUnicode_Check(v.ptr())    ? ConvPadding(py::cast<std::string>(v))
                            : PySequence_Check(v.ptr()) ? ConvPadding(py::cast<int64_t>(py::sequence(v)[0]))
                                                        : ConvPadding(py::cast<int64_t>(v));
      });
  Layer<Conv2dImpl>(nn, "Conv2d")
      .def(py::init([](int64_t in, int64_t out, Size2 k, Size2 stride, ConvPadding padding, Size2 dilation,
                       int64_t groups, bool bias, std::string padding_mode) {
             return std::make_shared<Conv2dImpl>(
                 in, out, k, Conv2dOptions{stride, padding, dilation, groups, bias, std::move(padding_mode)});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("padding_mode") = "zeros")
      .def("reset_parameters", &Conv2dImpl::reset_parameters)
      .def_property_readonly("transposed", [](const Conv2dImpl&) { return false; })
      .def_property_readonly("output_padding", [](const Conv2dImpl&) { return py::make_tuple(0, 0); })
      .def_readonly("in_channels", &Conv2dImpl::in_channels)
      .def_readonly("out_channels", &Conv2dImpl::out_channels)
      .def_readonly("kernel_size", &Conv2dImpl::kernel_size);
  Layer<Conv3dImpl>(nn, "Conv3d")
      .def(py::init([](int64_t in, int64_t out, Size3 k, Size3 stride, ConvPadding3 padding, Size3 dilation,
                       int64_t groups, bool bias, std::string padding_mode) {
             return std::make_shared<Conv3dImpl>(
                 in, out, k, Conv3dOptions{stride, padding, dilation, groups, bias, std::move(padding_mode)});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("padding_mode") = "zeros")
      .def("reset_parameters", &Conv3dImpl::reset_parameters)
      .def_property_readonly("transposed", [](const Conv3dImpl&) { return false; })
      .def_property_readonly("output_padding", [](const Conv3dImpl&) { return py::make_tuple(0, 0, 0); })
      .def_readonly("in_channels", &Conv3dImpl::in_channels)
      .def_readonly("out_channels", &Conv3dImpl::out_channels)
      .def_readonly("kernel_size", &Conv3dImpl::kernel_size);
  Layer<ConvTranspose1dImpl> conv_transpose1d(nn, "ConvTranspose1d");
  conv_transpose1d
      .def(py::init([](int64_t in, int64_t out, Size1 k, Size1 stride, Size1 padding, Size1 output_padding,
                       int64_t groups, bool bias, Size1 dilation, const std::string& padding_mode) {
             only_zeros_padding("ConvTranspose1d", padding_mode);
             return std::make_shared<ConvTranspose1dImpl>(
                 in, out, k, ConvTranspose1dOptions{stride, padding, output_padding, groups, bias, dilation});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("dilation") = 1, py::arg("padding_mode") = "zeros")
      .def("reset_parameters", &ConvTranspose1dImpl::reset_parameters)
      .def_property_readonly("transposed", [](const ConvTranspose1dImpl&) { return true; })
      .def_property_readonly("padding_mode", [](const ConvTranspose1dImpl&) { return "zeros"; })
      .def_readonly("in_channels", &ConvTranspose1dImpl::in_channels)
      .def_readonly("out_channels", &ConvTranspose1dImpl::out_channels)
      .def("forward", transposed_forward<ConvTranspose1dImpl>, py::arg("input"), py::arg("output_size") = py::none());
  one_tuple_attribute(conv_transpose1d, "kernel_size",
                      [](ConvTranspose1dImpl& m) -> int64_t& { return m.kernel_size; });
  one_tuple_attribute(conv_transpose1d, "stride", [](ConvTranspose1dImpl& m) -> int64_t& { return m.options.stride; });
  one_tuple_attribute(conv_transpose1d, "padding",
                      [](ConvTranspose1dImpl& m) -> int64_t& { return m.options.padding; });
  one_tuple_attribute(conv_transpose1d, "output_padding",
                      [](ConvTranspose1dImpl& m) -> int64_t& { return m.options.output_padding; });
  one_tuple_attribute(conv_transpose1d, "dilation",
                      [](ConvTranspose1dImpl& m) -> int64_t& { return m.options.dilation; });
  Layer<ConvTranspose2dImpl>(nn, "ConvTranspose2d")
      .def(py::init([](int64_t in, int64_t out, Size2 k, Size2 stride, Size2 padding, Size2 output_padding,
                       int64_t groups, bool bias, Size2 dilation, const std::string& padding_mode) {
             only_zeros_padding("ConvTranspose2d", padding_mode);
             return std::make_shared<ConvTranspose2dImpl>(
                 in, out, k, ConvTranspose2dOptions{stride, padding, output_padding, groups, bias, dilation});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("dilation") = 1, py::arg("padding_mode") = "zeros")
      .def("reset_parameters", &ConvTranspose2dImpl::reset_parameters)
      .def_property_readonly("transposed", [](const ConvTranspose2dImpl&) { return true; })
      .def_property_readonly("padding_mode", [](const ConvTranspose2dImpl&) { return "zeros"; })
      .def_readonly("in_channels", &ConvTranspose2dImpl::in_channels)
      .def_readonly("out_channels", &ConvTranspose2dImpl::out_channels)
      .def("forward", transposed_forward<ConvTranspose2dImpl>, py::arg("input"), py::arg("output_size") = py::none());
  Layer<ConvTranspose3dImpl>(nn, "ConvTranspose3d")
      .def(py::init([](int64_t in, int64_t out, Size3 k, Size3 stride, Size3 padding, Size3 output_padding,
                       int64_t groups, bool bias, Size3 dilation, const std::string& padding_mode) {
             only_zeros_padding("ConvTranspose3d", padding_mode);
             return std::make_shared<ConvTranspose3dImpl>(
                 in, out, k, ConvTranspose3dOptions{stride, padding, output_padding, groups, bias, dilation});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("dilation") = 1, py::arg("padding_mode") = "zeros")
      .def("reset_parameters", &ConvTranspose3dImpl::reset_parameters)
      .def_property_readonly("transposed", [](const ConvTranspose3dImpl&) { return true; })
      .def_property_readonly("padding_mode", [](const ConvTranspose3dImpl&) { return "zeros"; })
      .def_readonly("in_channels", &ConvTranspose3dImpl::in_channels)
      .def_readonly("out_channels", &ConvTranspose3dImpl::out_channels)
      .def("forward", transposed_forward<ConvTranspose3dImpl>, py::arg("input"), py::arg("output_size") = py::none());

  def_norm_options(Layer<BatchNormImpl>(nn, "_BatchNorm"))
      .def("reset_running_stats", &BatchNormImpl::reset_running_stats);
  def_norm<BatchNorm1dImpl, BatchNormImpl>(nn, "BatchNorm1d", true);
  def_norm<BatchNorm2dImpl, BatchNormImpl>(nn, "BatchNorm2d", true);
  def_norm<BatchNorm3dImpl, BatchNormImpl>(nn, "BatchNorm3d", true);
  Layer<SyncBatchNormImpl, BatchNormImpl>(nn, "SyncBatchNorm")
      .def(py::init([](int64_t n, double eps, std::optional<double> momentum, bool affine, bool track,
                       const py::object& process_group, bool bias) {
             TG_CHECK_VALUE(process_group.is_none(),
                            "SyncBatchNorm: process_group must be None: tapegrad has no process groups "
                            "(torch.distributed), so batch statistics are this process's own");
             return std::make_shared<SyncBatchNormImpl>(n, BatchNormOptions{eps, momentum, affine, track, bias});
           }),
           py::arg("num_features"), py::arg("eps") = 1e-5, py::arg("momentum") = 0.1, py::arg("affine") = true,
           py::arg("track_running_stats") = true, py::arg("process_group") = py::none(), py::kw_only(),
           py::arg("bias") = true);
  def_norm_options(Layer<InstanceNormImpl>(nn, "_InstanceNorm"));
  def_norm<InstanceNorm1dImpl, InstanceNormImpl>(nn, "InstanceNorm1d", false);
  def_norm<InstanceNorm2dImpl, InstanceNormImpl>(nn, "InstanceNorm2d", false);
  def_norm<InstanceNorm3dImpl, InstanceNormImpl>(nn, "InstanceNorm3d", false);
  Layer<LayerNormImpl>(nn, "LayerNorm")
      .def(py::init<tg::Shape, double, bool, bool>(), py::arg("normalized_shape"), py::arg("eps") = 1e-5,
           py::arg("elementwise_affine") = true, py::arg("bias") = true)
      .def_readonly("normalized_shape", &LayerNormImpl::normalized_shape)
      .def_readonly("eps", &LayerNormImpl::eps);
  Layer<RMSNormImpl>(nn, "RMSNorm")
      .def(py::init<tg::Shape, std::optional<double>, bool>(), py::arg("normalized_shape"), py::arg("eps") = py::none(),
           py::arg("elementwise_affine") = true)
      .def_readonly("normalized_shape", &RMSNormImpl::normalized_shape)
      .def_readonly("eps", &RMSNormImpl::eps);
  Layer<CosineSimilarityImpl>(nn, "CosineSimilarity")
      .def(py::init<int64_t, double>(), py::arg("dim") = 1, py::arg("eps") = 1e-8)
      .def("forward", [](CosineSimilarityImpl& m, const tg::Tensor& a, const tg::Tensor& b) {
        return nogil([&] { return m.forward(a, b); });
      }, py::arg("x1"), py::arg("x2"));
  Layer<PairwiseDistanceImpl>(nn, "PairwiseDistance")
      .def(py::init<double, double, bool>(), py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("keepdim") = false)
      .def_readwrite("norm", &PairwiseDistanceImpl::p)  // torch's name for p here
      .def(
          "forward",
          [](PairwiseDistanceImpl& m, const tg::Tensor& a, const tg::Tensor& b) {
            return nogil([&] { return m.forward(a, b); });
          },
          py::arg("x1"), py::arg("x2"));
  Layer<GroupNormImpl>(nn, "GroupNorm")
      .def(py::init<int64_t, int64_t, double, bool, bool>(), py::arg("num_groups"), py::arg("num_channels"),
           py::arg("eps") = 1e-5, py::arg("affine") = true, py::kw_only(), py::arg("bias") = true);
  Layer<DropoutImpl>(nn, "Dropout")
      .def(py::init<double, bool>(), py::arg("p") = 0.5, py::arg("inplace") = false)
      .def_readonly("p", &DropoutImpl::p);
  Layer<Dropout1dImpl, DropoutImpl>(nn, "Dropout1d")
      .def(py::init<double, bool>(), py::arg("p") = 0.5, py::arg("inplace") = false);
  Layer<AlphaDropoutImpl, DropoutImpl>(nn, "AlphaDropout")
      .def(py::init<double, bool>(), py::arg("p") = 0.5, py::arg("inplace") = false);
  Layer<FeatureAlphaDropoutImpl, DropoutImpl>(nn, "FeatureAlphaDropout")
      .def(py::init<double, bool>(), py::arg("p") = 0.5, py::arg("inplace") = false);
  Layer<Dropout2dImpl, DropoutImpl>(nn, "Dropout2d")
      .def(py::init<double, bool>(), py::arg("p") = 0.5, py::arg("inplace") = false);
  Layer<Dropout3dImpl, DropoutImpl>(nn, "Dropout3d")
      .def(py::init<double, bool>(), py::arg("p") = 0.5, py::arg("inplace") = false);
  Layer<EmbeddingImpl>(nn, "Embedding")
      .def(py::init<int64_t, int64_t, std::optional<int64_t>>(), py::arg("num_embeddings"), py::arg("embedding_dim"),
           py::arg("padding_idx") = py::none())
      .def_readonly("num_embeddings", &EmbeddingImpl::num_embeddings)
      .def_readonly("embedding_dim", &EmbeddingImpl::embedding_dim);
  Layer<EmbeddingBagImpl>(nn, "EmbeddingBag")
      .def(py::init<int64_t, int64_t, std::string, bool, std::optional<int64_t>>(), py::arg("num_embeddings"),
           py::arg("embedding_dim"), py::kw_only(), py::arg("mode") = "mean", py::arg("include_last_offset") = false,
           py::arg("padding_idx") = py::none())
      .def("forward", [](EmbeddingBagImpl& m, const tg::Tensor& input, std::optional<tg::Tensor> offsets,
                         std::optional<tg::Tensor> per_sample_weights) {
        return nogil([&] {
          return m.forward(input, offsets.value_or(tg::Tensor()), per_sample_weights.value_or(tg::Tensor()));
        });
      }, py::arg("input"), py::arg("offsets") = py::none(), py::arg("per_sample_weights") = py::none())
      .def_readonly("num_embeddings", &EmbeddingBagImpl::num_embeddings)
      .def_readonly("embedding_dim", &EmbeddingBagImpl::embedding_dim)
      .def_readonly("mode", &EmbeddingBagImpl::mode);

  Layer<MaxPool2dImpl>(nn, "MaxPool2d")
      .def(py::init([](Size2 k, std::optional<Size2> stride, Size2 padding, Size2 dilation, bool return_indices,
                       bool ceil_mode) {
             auto m =
                 std::make_shared<MaxPool2dImpl>(functional::MaxPool2dOptions{k, stride, padding, dilation, ceil_mode});
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("dilation") = 1,
           py::arg("return_indices") = false, py::arg("ceil_mode") = false)
      .def_readwrite("return_indices", &MaxPool2dImpl::return_indices)
      .def("forward", indices_forward<MaxPool2dImpl>(), py::arg("input"));
  Layer<AvgPool2dImpl>(nn, "AvgPool2d")
      .def(py::init([](Size2 k, std::optional<Size2> stride, Size2 padding, bool ceil_mode, bool count_include_pad,
                       std::optional<int64_t> divisor_override) {
             return std::make_shared<AvgPool2dImpl>(
                 functional::AvgPool2dOptions{k, stride, padding, ceil_mode, count_include_pad, divisor_override});
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("ceil_mode") = false,
           py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());
  Layer<AdaptiveAvgPool2dImpl>(nn, "AdaptiveAvgPool2d").def(py::init<AdaptiveSize2>(), py::arg("output_size"));
  Layer<MaxPool3dImpl>(nn, "MaxPool3d")
      .def(py::init([](Size3 k, std::optional<Size3> stride, Size3 padding, Size3 dilation, bool return_indices,
                       bool ceil_mode) {
             auto m =
                 std::make_shared<MaxPool3dImpl>(functional::MaxPool3dOptions{k, stride, padding, dilation, ceil_mode});
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("dilation") = 1,
           py::arg("return_indices") = false, py::arg("ceil_mode") = false)
      .def_readwrite("return_indices", &MaxPool3dImpl::return_indices)
      .def("forward", indices_forward<MaxPool3dImpl>(), py::arg("input"));
  Layer<AvgPool3dImpl>(nn, "AvgPool3d")
      .def(py::init([](Size3 k, std::optional<Size3> stride, Size3 padding, bool ceil_mode, bool count_include_pad,
                       std::optional<int64_t> divisor_override) {
             return std::make_shared<AvgPool3dImpl>(
                 functional::AvgPool3dOptions{k, stride, padding, ceil_mode, count_include_pad, divisor_override});
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("ceil_mode") = false,
           py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());
  Layer<AdaptiveAvgPool3dImpl>(nn, "AdaptiveAvgPool3d").def(py::init<AdaptiveSize3>(), py::arg("output_size"));
  Layer<AdaptiveMaxPool3dImpl>(nn, "AdaptiveMaxPool3d")
      .def(py::init([](AdaptiveSize3 size, bool return_indices) {
             auto m = std::make_shared<AdaptiveMaxPool3dImpl>(size);
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("output_size"), py::arg("return_indices") = false)
      .def_readwrite("return_indices", &AdaptiveMaxPool3dImpl::return_indices)
      .def("forward", indices_forward<AdaptiveMaxPool3dImpl>(), py::arg("input"));

  Layer<MaxPool1dImpl>(nn, "MaxPool1d")
      .def(py::init([](Size1 k, std::optional<Size1> stride, Size1 padding, Size1 dilation, bool return_indices,
                       bool ceil_mode) {
             auto m = std::make_shared<MaxPool1dImpl>(
                 functional::MaxPool1dOptions{k, optional_int(stride), padding, dilation, ceil_mode});
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("dilation") = 1,
           py::arg("return_indices") = false, py::arg("ceil_mode") = false)
      .def_readwrite("return_indices", &MaxPool1dImpl::return_indices)
      .def("forward", indices_forward<MaxPool1dImpl>(), py::arg("input"));
  Layer<AvgPool1dImpl>(nn, "AvgPool1d")
      .def(py::init([](Size1 k, std::optional<Size1> stride, Size1 padding, bool ceil_mode, bool count_include_pad) {
             return std::make_shared<AvgPool1dImpl>(
                 functional::AvgPool1dOptions{k, optional_int(stride), padding, ceil_mode, count_include_pad});
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("ceil_mode") = false,
           py::arg("count_include_pad") = true);
  Layer<AdaptiveAvgPool1dImpl>(nn, "AdaptiveAvgPool1d")
      .def(py::init([](Size1 size) { return std::make_shared<AdaptiveAvgPool1dImpl>(size); }), py::arg("output_size"));
  Layer<AdaptiveMaxPool2dImpl>(nn, "AdaptiveMaxPool2d")
      .def(py::init([](AdaptiveSize2 size, bool return_indices) {
             auto m = std::make_shared<AdaptiveMaxPool2dImpl>(size);
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("output_size"), py::arg("return_indices") = false)
      .def_readwrite("return_indices", &AdaptiveMaxPool2dImpl::return_indices)
      .def("forward", indices_forward<AdaptiveMaxPool2dImpl>(), py::arg("input"));
  Layer<AdaptiveMaxPool1dImpl>(nn, "AdaptiveMaxPool1d")
      .def(py::init([](Size1 size, bool return_indices) {
             auto m = std::make_shared<AdaptiveMaxPool1dImpl>(size);
             m->return_indices = return_indices;
             return m;
           }),
           py::arg("output_size"), py::arg("return_indices") = false)
      .def_readwrite("return_indices", &AdaptiveMaxPool1dImpl::return_indices)
      .def("forward", indices_forward<AdaptiveMaxPool1dImpl>(), py::arg("input"));
  Layer<UnfoldImpl>(nn, "Unfold")
      .def(py::init([](Size2 k, Size2 dilation, Size2 padding, Size2 stride) {
             return std::make_shared<UnfoldImpl>(functional::FoldOptions{k, dilation, padding, stride});
           }),
           py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0, py::arg("stride") = 1);
  Layer<FoldImpl>(nn, "Fold")
      .def(py::init([](Size2 size, Size2 k, Size2 dilation, Size2 padding, Size2 stride) {
             return std::make_shared<FoldImpl>(size, functional::FoldOptions{k, dilation, padding, stride});
           }),
           py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0,
           py::arg("stride") = 1);
  Layer<PixelShuffleImpl>(nn, "PixelShuffle").def(py::init<int64_t>(), py::arg("upscale_factor"));
  Layer<ChannelShuffleImpl>(nn, "ChannelShuffle").def(py::init<int64_t>(), py::arg("groups"));
  Layer<LocalResponseNormImpl>(nn, "LocalResponseNorm")
      .def(py::init<int64_t, double, double, double>(), py::arg("size"), py::arg("alpha") = 1e-4,
           py::arg("beta") = 0.75, py::arg("k") = 1.0)
      .def_readwrite("size", &LocalResponseNormImpl::size);
  Layer<LPPool1dImpl>(nn, "LPPool1d")
      .def(py::init([](double p, Size1 k, std::optional<Size1> stride, bool ceil_mode) {
             return std::make_shared<LPPool1dImpl>(LPPoolOptions<int64_t>{p, k, optional_int(stride), ceil_mode});
           }),
           py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("ceil_mode") = false);
  Layer<LPPool2dImpl>(nn, "LPPool2d")
      .def(py::init([](double p, Size2 k, std::optional<Size2> stride, bool ceil_mode) {
             return std::make_shared<LPPool2dImpl>(LPPoolOptions<Size2>{p, k, stride, ceil_mode});
           }),
           py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("ceil_mode") = false);
  Layer<LPPool3dImpl>(nn, "LPPool3d")
      .def(py::init([](double p, Size3 k, std::optional<Size3> stride, bool ceil_mode) {
             return std::make_shared<LPPool3dImpl>(LPPoolOptions<Size3>{p, k, stride, ceil_mode});
           }),
           py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("ceil_mode") = false);
  def_fractional_max_pool<FractionalMaxPool2dImpl, Size2, Fractions<2>>(nn, "FractionalMaxPool2d");
  def_fractional_max_pool<FractionalMaxPool3dImpl, Size3, Fractions<3>>(nn, "FractionalMaxPool3d");
  Layer<MaxUnpool1dImpl>(nn, "MaxUnpool1d")
      .def(py::init([](Size1 k, std::optional<Size1> stride, Size1 padding) {
             return std::make_shared<MaxUnpool1dImpl>(MaxUnpoolOptions<int64_t>{k, optional_int(stride), padding});
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0)
      .def(
          "forward",
          [](MaxUnpool1dImpl& m, const tg::Tensor& x, const tg::Tensor& idx, py::object size) {
            // a length, or a shape whose last size is the length (input.size(), as in torch)
            std::optional<int64_t> out;
            if (!size.is_none()) {
              const auto v = PyLong_Check(size.ptr()) ? std::vector<int64_t>{py::cast<int64_t>(size)}
                                                      : py::cast<std::vector<int64_t>>(size);
              TG_CHECK_VALUE(!v.empty(), "MaxUnpool1d: output_size needs 1 spatial size, got none");
              out = v.back();
            }
            return nogil([&] { return m.forward(x, idx, out); });
          },
          py::arg("input"), py::arg("indices"), py::arg("output_size") = py::none());
  Layer<MaxUnpool2dImpl>(nn, "MaxUnpool2d")
      .def(py::init([](Size2 k, std::optional<Size2> stride, Size2 padding) {
             return std::make_shared<MaxUnpool2dImpl>(MaxUnpoolOptions<Size2>{k, stride, padding});
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0)
      .def("forward", [](MaxUnpool2dImpl& m, const tg::Tensor& x, const tg::Tensor& idx, py::object out) {
        if (out.is_none()) return nogil([&] { return m.forward(x, idx); });
        auto v = py::cast<std::vector<int64_t>>(out);
        TG_CHECK_VALUE(v.size() >= 2, "MaxUnpool2d: output_size needs 2 spatial sizes, got {}", v.size());
        const Size2 s(v[v.size() - 2], v[v.size() - 1]);
        return nogil([&] { return m.forward(x, idx, s); });
      }, py::arg("input"), py::arg("indices"), py::arg("output_size") = py::none());
  Layer<MaxUnpool3dImpl>(nn, "MaxUnpool3d")
      .def(py::init([](Size3 k, std::optional<Size3> stride, Size3 padding) {
             return std::make_shared<MaxUnpool3dImpl>(MaxUnpoolOptions<Size3>{k, stride, padding});
           }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0)
      .def("forward", [](MaxUnpool3dImpl& m, const tg::Tensor& x, const tg::Tensor& idx, py::object out) {
        if (out.is_none()) return nogil([&] { return m.forward(x, idx); });
        auto v = py::cast<std::vector<int64_t>>(out);
        TG_CHECK_VALUE(v.size() >= 3, "MaxUnpool3d: output_size needs 3 spatial sizes, got {}", v.size());
        const Size3 s(v[v.size() - 3], v[v.size() - 2], v[v.size() - 1]);
        return nogil([&] { return m.forward(x, idx, s); });
      }, py::arg("input"), py::arg("indices"), py::arg("output_size") = py::none());
  Layer<PixelUnshuffleImpl>(nn, "PixelUnshuffle").def(py::init<int64_t>(), py::arg("downscale_factor"));
  // Padding layers: an int pads every side, a tuple gives each.
  auto pad_list = [](py::object p) {
    return py::isinstance<py::sequence>(p) ? py::cast<std::vector<int64_t>>(p)
                                           : std::vector<int64_t>{py::cast<int64_t>(p)};
  };
  Layer<PadImpl>(nn, "_Pad").def_readonly("padding", &PadImpl::padding);
  auto def_pad = [&]<class Impl>(const char* name) {
    Layer<Impl, PadImpl>(nn, name).def(
        py::init([pad_list](py::object p) { return std::make_shared<Impl>(pad_list(p)); }), py::arg("padding"));
  };
  def_pad.operator()<ZeroPad1dImpl>("ZeroPad1d");
  def_pad.operator()<ZeroPad2dImpl>("ZeroPad2d");
  def_pad.operator()<ReflectionPad1dImpl>("ReflectionPad1d");
  def_pad.operator()<ReflectionPad2dImpl>("ReflectionPad2d");
  def_pad.operator()<ReplicationPad1dImpl>("ReplicationPad1d");
  def_pad.operator()<ReplicationPad2dImpl>("ReplicationPad2d");
  def_pad.operator()<CircularPad1dImpl>("CircularPad1d");
  def_pad.operator()<CircularPad2dImpl>("CircularPad2d");
  def_pad.operator()<ZeroPad3dImpl>("ZeroPad3d");
  def_pad.operator()<ReflectionPad3dImpl>("ReflectionPad3d");
  def_pad.operator()<ReplicationPad3dImpl>("ReplicationPad3d");
  def_pad.operator()<CircularPad3dImpl>("CircularPad3d");
  Layer<ConstantPad1dImpl, PadImpl>(nn, "ConstantPad1d")
      .def(py::init([pad_list](py::object p, double v) { return std::make_shared<ConstantPad1dImpl>(pad_list(p), v); }),
           py::arg("padding"), py::arg("value"));
  Layer<ConstantPad2dImpl, PadImpl>(nn, "ConstantPad2d")
      .def(py::init([pad_list](py::object p, double v) { return std::make_shared<ConstantPad2dImpl>(pad_list(p), v); }),
           py::arg("padding"), py::arg("value"));
  Layer<ConstantPad3dImpl, PadImpl>(nn, "ConstantPad3d")
      .def(py::init([pad_list](py::object p, double v) { return std::make_shared<ConstantPad3dImpl>(pad_list(p), v); }),
           py::arg("padding"), py::arg("value"));

  Layer<ReLUImpl>(nn, "ReLU").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<RReLUImpl>(nn, "RReLU")
      .def(py::init<double, double, bool>(), py::arg("lower") = 1.0 / 8, py::arg("upper") = 1.0 / 3,
           py::arg("inplace") = false);
  Layer<LeakyReLUImpl>(nn, "LeakyReLU")
      .def(py::init<double, bool>(), py::arg("negative_slope") = 0.01, py::arg("inplace") = false);
  Layer<ELUImpl>(nn, "ELU").def(py::init<double, bool>(), py::arg("alpha") = 1.0, py::arg("inplace") = false);
  Layer<SoftplusImpl>(nn, "Softplus").def(py::init<double, double>(), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  Layer<GELUImpl>(nn, "GELU").def(py::init<std::string>(), py::arg("approximate") = "none");
  // inplace (torch's flag): the layer overwrites its input with the result and returns it.
  Layer<SiLUImpl>(nn, "SiLU").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<ReLU6Impl>(nn, "ReLU6").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<SELUImpl>(nn, "SELU").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<CELUImpl>(nn, "CELU").def(py::init<double, bool>(), py::arg("alpha") = 1.0, py::arg("inplace") = false);
  Layer<HardtanhImpl>(nn, "Hardtanh")
      .def(py::init([](double min_val, double max_val, bool inplace, std::optional<double> min_value,
                       std::optional<double> max_value) {
             // torch's deprecated spellings, with its FutureWarning
             for (const auto* old : {&min_value, &max_value})
               if (*old && PyErr_WarnEx(PyExc_FutureWarning,
                                        old == &min_value
                                            ? "keyword argument `min_value` is deprecated and renamed to `min_val`"
                                            : "keyword argument `max_value` is deprecated and renamed to `max_val`",
                                        1) < 0)
                 throw py::error_already_set();
             return std::make_shared<HardtanhImpl>(min_value.value_or(min_val), max_value.value_or(max_val), inplace);
           }),
           py::arg("min_val") = -1.0, py::arg("max_val") = 1.0, py::arg("inplace") = false,
           py::arg("min_value") = py::none(), py::arg("max_value") = py::none());
  Layer<HardsigmoidImpl>(nn, "Hardsigmoid").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<HardswishImpl>(nn, "Hardswish").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<MishImpl>(nn, "Mish").def(py::init<bool>(), py::arg("inplace") = false);
  Layer<LogSigmoidImpl>(nn, "LogSigmoid").def(py::init<>());
  Layer<SoftsignImpl>(nn, "Softsign").def(py::init<>());
  Layer<TanhshrinkImpl>(nn, "Tanhshrink").def(py::init<>());
  Layer<HardshrinkImpl>(nn, "Hardshrink").def(py::init<double>(), py::arg("lambd") = 0.5);
  Layer<SoftshrinkImpl>(nn, "Softshrink").def(py::init<double>(), py::arg("lambd") = 0.5);
  Layer<ThresholdImpl>(nn, "Threshold")
      .def(py::init<double, double, bool>(), py::arg("threshold"), py::arg("value"), py::arg("inplace") = false);
  Layer<GLUImpl>(nn, "GLU").def(py::init<int64_t>(), py::arg("dim") = -1);
  // Without dim, the layers take torch's implicit dim with its deprecation warning.
  auto def_softmax_forward = [](auto& cls, const char* op) {
    using Impl = typename std::remove_reference_t<decltype(cls)>::type;
    cls.def(
        "forward",
        [op](Impl& m, const tg::Tensor& input) {
          if (!m.dim) {
            const std::string msg = fmt::format(
                "Implicit dimension choice for {} has been deprecated. Change the call to include dim=X as an "
                "argument.",
                op);
            if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) != 0) throw py::error_already_set();
          }
          return nogil([&] { return m.forward(input); });
        },
        py::arg("input"));
  };
  Layer<SoftminImpl> softmin(nn, "Softmin");
  softmin.def(py::init<std::optional<int64_t>>(), py::arg("dim") = py::none());
  def_softmax_forward(softmin, "softmin");
  Layer<PReLUImpl>(nn, "PReLU")
      .def(py::init<int64_t, double>(), py::arg("num_parameters") = 1, py::arg("init") = 0.25)
      .def_readonly("num_parameters", &PReLUImpl::num_parameters);
  Layer<TanhImpl>(nn, "Tanh").def(py::init<>());
  Layer<SigmoidImpl>(nn, "Sigmoid").def(py::init<>());
  Layer<SoftmaxImpl> softmax(nn, "Softmax");
  softmax.def(py::init<std::optional<int64_t>>(), py::arg("dim") = py::none());
  def_softmax_forward(softmax, "softmax");
  Layer<LogSoftmaxImpl> log_softmax(nn, "LogSoftmax");
  log_softmax.def(py::init<std::optional<int64_t>>(), py::arg("dim") = py::none());
  def_softmax_forward(log_softmax, "log_softmax");
  Layer<Softmax2dImpl>(nn, "Softmax2d").def(py::init<>());

  // ---- losses: criterion(input, target) ----
  auto def_loss_forward = [](auto& cls) {
    using Impl = typename std::remove_reference_t<decltype(cls)>::type;
    cls.def("forward", [](Impl& m, const tg::Tensor& input, const tg::Tensor& target) {
      return nogil([&] { return m.forward(input, target); });
    }, py::arg("input"), py::arg("target"));
  };
  auto weight_of = [](std::optional<tg::Tensor> w) { return w.value_or(tg::Tensor()); };
  Layer<CrossEntropyLossImpl> ce(nn, "CrossEntropyLoss");
  ce.def(py::init([weight_of](std::optional<tg::Tensor> weight, int64_t ignore_index, functional::Reduction reduction,
                              double label_smoothing) {
      return std::make_shared<CrossEntropyLossImpl>(
          functional::CrossEntropyOptions{weight_of(weight), ignore_index, reduction, label_smoothing});
    }), py::arg("weight") = py::none(), py::arg("ignore_index") = -100, py::arg("reduction") = "mean",
    py::arg("label_smoothing") = 0.0);
  def_loss_forward(ce);
  Layer<NLLLossImpl> nll(nn, "NLLLoss");
  nll.def(py::init([weight_of](std::optional<tg::Tensor> weight, int64_t ignore_index, functional::Reduction reduction) {
       return std::make_shared<NLLLossImpl>(functional::NLLLossOptions{weight_of(weight), ignore_index, reduction});
     }), py::arg("weight") = py::none(), py::arg("ignore_index") = -100, py::arg("reduction") = "mean");
  def_loss_forward(nll);
  Layer<BCELossImpl> bce(nn, "BCELoss");
  bce.def(py::init([weight_of](std::optional<tg::Tensor> weight, functional::Reduction reduction) {
       return std::make_shared<BCELossImpl>(functional::BCELossOptions{weight_of(weight), reduction});
     }), py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  def_loss_forward(bce);
  Layer<BCEWithLogitsLossImpl> bcel(nn, "BCEWithLogitsLoss");
  bcel.def(py::init([weight_of](std::optional<tg::Tensor> weight, functional::Reduction reduction,
                                std::optional<tg::Tensor> pos_weight) {
        return std::make_shared<BCEWithLogitsLossImpl>(
            functional::BCEWithLogitsLossOptions{weight_of(weight), weight_of(pos_weight), reduction});
      }), py::arg("weight") = py::none(), py::arg("reduction") = "mean", py::arg("pos_weight") = py::none());
  def_loss_forward(bcel);
  Layer<KLDivLossImpl> kl(nn, "KLDivLoss");
  kl.def(py::init([](functional::Reduction reduction, bool log_target) {
      return std::make_shared<KLDivLossImpl>(functional::KLDivLossOptions{reduction, log_target});
    }), py::arg("reduction") = "mean", py::arg("log_target") = false);
  def_loss_forward(kl);
  Layer<MSELossImpl> mse(nn, "MSELoss");
  mse.def(py::init([](functional::Reduction r) { return std::make_shared<MSELossImpl>(RegressionLossOptions{r}); }),
          py::arg("reduction") = "mean");
  def_loss_forward(mse);
  Layer<L1LossImpl> l1(nn, "L1Loss");
  l1.def(py::init([](functional::Reduction r) { return std::make_shared<L1LossImpl>(RegressionLossOptions{r}); }),
         py::arg("reduction") = "mean");
  def_loss_forward(l1);
  Layer<SmoothL1LossImpl> smooth(nn, "SmoothL1Loss");
  smooth.def(py::init([](functional::Reduction r, double beta) {
          return std::make_shared<SmoothL1LossImpl>(RegressionLossOptions{r, beta});
        }), py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  def_loss_forward(smooth);
  Layer<HuberLossImpl> huber(nn, "HuberLoss");
  huber.def(py::init([](functional::Reduction r, double delta) {
         return std::make_shared<HuberLossImpl>(RegressionLossOptions{.reduction = r, .delta = delta});
       }), py::arg("reduction") = "mean", py::arg("delta") = 1.0);
  def_loss_forward(huber);
  auto def_pair_loss_forward = [](auto& cls) {
    using Impl = typename std::remove_reference_t<decltype(cls)>::type;
    cls.def(
        "forward",
        [](Impl& m, const tg::Tensor& input1, const tg::Tensor& input2, const tg::Tensor& target) {
          return nogil([&] { return m.forward(input1, input2, target); });
        },
        py::arg("input1"), py::arg("input2"), py::arg("target"));
  };
  Layer<MarginRankingLossImpl> ranking(nn, "MarginRankingLoss");
  ranking.def(py::init([](double margin, functional::Reduction r) {
                return std::make_shared<MarginRankingLossImpl>(MarginLossOptions{margin, r});
              }),
              py::arg("margin") = 0.0, py::arg("reduction") = "mean");
  def_pair_loss_forward(ranking);
  Layer<HingeEmbeddingLossImpl> hinge(nn, "HingeEmbeddingLoss");
  hinge.def(py::init([](double margin, functional::Reduction r) {
              return std::make_shared<HingeEmbeddingLossImpl>(MarginLossOptions{margin, r});
            }),
            py::arg("margin") = 1.0, py::arg("reduction") = "mean");
  def_loss_forward(hinge);
  Layer<CosineEmbeddingLossImpl> cosine(nn, "CosineEmbeddingLoss");
  cosine.def(py::init([](double margin, functional::Reduction r) {
               return std::make_shared<CosineEmbeddingLossImpl>(MarginLossOptions{margin, r});
             }),
             py::arg("margin") = 0.0, py::arg("reduction") = "mean");
  def_pair_loss_forward(cosine);
  Layer<SoftMarginLossImpl> soft(nn, "SoftMarginLoss");
  soft.def_readwrite("reduction", &SoftMarginLossImpl::options);
  soft.def(py::init([](functional::Reduction r) { return std::make_shared<SoftMarginLossImpl>(r); }),
           py::arg("reduction") = "mean");
  def_loss_forward(soft);
  Layer<MultiLabelMarginLossImpl> multilabel(nn, "MultiLabelMarginLoss");
  multilabel.def_readwrite("reduction", &MultiLabelMarginLossImpl::options);
  multilabel.def(py::init([](functional::Reduction r) { return std::make_shared<MultiLabelMarginLossImpl>(r); }),
                 py::arg("reduction") = "mean");
  def_loss_forward(multilabel);
  Layer<MultiLabelSoftMarginLossImpl> multilabel_soft(nn, "MultiLabelSoftMarginLoss");
  multilabel_soft.def(py::init([weight_of](std::optional<tg::Tensor> weight, functional::Reduction r) {
                        return std::make_shared<MultiLabelSoftMarginLossImpl>(
                            functional::MultiLabelSoftMarginLossOptions{weight_of(weight), r});
                      }),
                      py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  def_loss_forward(multilabel_soft);
  Layer<MultiMarginLossImpl> multi(nn, "MultiMarginLoss");
  multi.def(py::init([weight_of](int64_t p, double margin, std::optional<tg::Tensor> weight, functional::Reduction r) {
              return std::make_shared<MultiMarginLossImpl>(
                  functional::MultiMarginLossOptions{p, margin, weight_of(weight), r});
            }),
            py::arg("p") = 1, py::arg("margin") = 1.0, py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  def_loss_forward(multi);
  auto def_triplet_forward = [](auto& cls) {
    using Impl = typename std::remove_reference_t<decltype(cls)>::type;
    cls.def(
        "forward",
        [](Impl& m, const tg::Tensor& anchor, const tg::Tensor& positive, const tg::Tensor& negative) {
          return nogil([&] { return m.forward(anchor, positive, negative); });
        },
        py::arg("anchor"), py::arg("positive"), py::arg("negative"));
  };
  Layer<TripletMarginLossImpl> triplet(nn, "TripletMarginLoss");
  triplet.def(
      py::init([](double margin, double p, double eps, bool swap, functional::Reduction r) {
        return std::make_shared<TripletMarginLossImpl>(functional::TripletMarginLossOptions{margin, p, eps, swap, r});
      }),
      py::arg("margin") = 1.0, py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("swap") = false,
      py::arg("reduction") = "mean");
  def_triplet_forward(triplet);
  Layer<TripletMarginWithDistanceLossImpl> triplet_distance(nn, "TripletMarginWithDistanceLoss");
  triplet_distance.def(
      py::init([](py::object distance_function, double margin, bool swap, functional::Reduction r) {
        return std::make_shared<TripletMarginWithDistanceLossImpl>(
            functional::TripletMarginWithDistanceLossOptions{tensor_pair_function(distance_function), margin, swap, r});
      }),
      py::kw_only(), py::arg("distance_function") = py::none(), py::arg("margin") = 1.0, py::arg("swap") = false,
      py::arg("reduction") = "mean");
  def_triplet_forward(triplet_distance);
  Layer<PoissonNLLLossImpl> poisson(nn, "PoissonNLLLoss");
  poisson.def(py::init([](bool log_input, bool full, double eps, functional::Reduction r) {
                return std::make_shared<PoissonNLLLossImpl>(functional::PoissonNLLLossOptions{log_input, full, eps, r});
              }),
              py::arg("log_input") = true, py::arg("full") = false, py::arg("eps") = 1e-8,
              py::arg("reduction") = "mean");
  def_loss_forward(poisson);
  Layer<GaussianNLLLossImpl> gaussian(nn, "GaussianNLLLoss");
  gaussian
      .def(py::init([](bool full, double eps, functional::Reduction r) {
             return std::make_shared<GaussianNLLLossImpl>(functional::GaussianNLLLossOptions{full, eps, r});
           }),
           py::kw_only(), py::arg("full") = false, py::arg("eps") = 1e-6, py::arg("reduction") = "mean")
      .def(
          "forward",
          [](GaussianNLLLossImpl& m, const tg::Tensor& input, const tg::Tensor& target, const tg::Tensor& var) {
            return nogil([&] { return m.forward(input, target, var); });
          },
          py::arg("input"), py::arg("target"), py::arg("var"));

  Layer<CTCLossImpl>(nn, "CTCLoss")
      .def(py::init([](int64_t blank, functional::Reduction r, bool zero_infinity) {
             return std::make_shared<CTCLossImpl>(functional::CTCLossOptions{blank, r, zero_infinity});
           }),
           py::arg("blank") = 0, py::arg("reduction") = "mean", py::arg("zero_infinity") = false)
      .def(
          "forward",
          [](CTCLossImpl& m, const tg::Tensor& log_probs, py::handle targets, py::handle input_lengths,
             py::handle target_lengths) {
            const tg::Tensor t = to_tensor(targets), il = to_tensor(input_lengths), tl = to_tensor(target_lengths);
            return nogil([&] { return m.forward(log_probs, t, il, tl); });
          },
          py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"), py::arg("target_lengths"));

  // ---- containers ----
  Layer<SequentialImpl> sequential(nn, "Sequential");
  sequential.def(py::init([](py::args modules) {
        auto s = std::make_shared<SequentialImpl>();
        if (modules.size() == 1 && py::isinstance<py::dict>(modules[0])) {
          for (const auto& [k, v] : py::cast<py::dict>(modules[0]))
            s->push_back(py::cast<std::string>(k), module_ptr(v));
        } else {
          for (const py::handle m : modules) s->push_back(module_ptr(m));
        }
        return s;
      }));
  def_module_sequence(sequential, "Sequential");
  // seq * n: the same modules n times over, as in PyTorch.
  auto repeated = [](py::object self, int64_t times) {
    TG_CHECK_VALUE(times > 0, "Sequential: non-positive multiplication factor {}", times);
    const py::list once = child_objects(self);
    py::list modules;
    for (int64_t k = 0; k < times; ++k)
      for (const py::handle m : once) modules.append(m);
    return modules;
  };
  auto times = [repeated](py::object self, int64_t n) { return sequence_of<SequentialImpl>(repeated(self, n)); };
  sequential.def("__mul__", times, py::is_operator())
      .def("__rmul__", times, py::is_operator())
      .def(
          "__imul__",
          [repeated](py::object self, int64_t n) {
            const py::list modules = repeated(self, n);
            return self.attr("extend")(modules[py::slice(py::len(self), py::len(modules), 1)]);
          },
          py::is_operator());
  Layer<ModuleListImpl> module_list(nn, "ModuleList");
  module_list.def(py::init([](std::optional<py::iterable> modules) {
                    auto l = std::make_shared<ModuleListImpl>();
                    if (modules)
                      for (const py::handle m : *modules) l->push_back(module_ptr(m));
                    return l;
                  }),
                  py::arg("modules") = py::none());
  def_module_sequence(module_list, "ModuleList");
  Layer<ModuleDictImpl>(nn, "ModuleDict")
      .def(py::init([](std::optional<py::dict> modules) {
             auto d = std::make_shared<ModuleDictImpl>();
             if (modules)
               for (const auto& [k, v] : *modules) d->insert(py::cast<std::string>(k), module_ptr(v));
             return d;
           }),
           py::arg("modules") = py::none())
      .def("__getitem__",
           [](py::object self, const std::string& k) {
             const auto& d = py::cast<const ModuleDictImpl&>(self);
             if (!d.contains(k)) throw py::key_error(k);
             return registered_module(self, k, d[k]);
           })
      .def("__setitem__",
           [](py::object self, const std::string& k, py::object m) {
             auto& d = py::cast<ModuleDictImpl&>(self);
             if (d.contains(k))
               d.replace_module(k, module_ptr(m));
             else
               d.insert(k, module_ptr(m));
             registered_module(self, k, module_ptr(m));
           })
      .def("__delitem__",
           [](py::object self, const std::string& k) {
             if (!py::cast<const ModuleDictImpl&>(self).contains(k)) throw py::key_error(k);
             module_delattr(self, k);
           })
      .def("__contains__", &ModuleDictImpl::contains)
      .def("__len__", &ModuleDictImpl::size)
      .def("__iter__", [](const ModuleDictImpl& d) { return py::iter(py::cast(d.keys())); })
      .def("keys", &ModuleDictImpl::keys)
      .def("values", &child_objects)
      .def("items", &named_child_objects);
  Layer<ParameterListImpl>(nn, "ParameterList")
      .def(py::init([](std::optional<py::iterable> values) {
             auto l = std::make_shared<ParameterListImpl>();
             if (values)
               for (const py::handle v : *values) l->append(as_tensor(v));
             return l;
           }),
           py::arg("values") = py::none())
      .def(
          "append",
          [](py::object self, const tg::Tensor& p) {
            py::cast<ParameterListImpl&>(self).append(p);
            return self;
          },
          py::arg("value"))
      .def(
          "extend",
          [](py::object self, py::iterable values) {
            for (const py::handle v : values) py::cast<ParameterListImpl&>(self).append(as_tensor(v));
            return self;
          },
          py::arg("values"))
      .def("__len__", &ParameterListImpl::size)
      .def("__getitem__",
           [](py::object self, int64_t i) {
             const auto& l = py::cast<const ParameterListImpl&>(self);
             const auto n = static_cast<int64_t>(l.size());
             TG_CHECK_INDEX(i >= -n && i < n, "ParameterList: index {} is out of range for {} parameters", i, n);
             if (i < 0) i += n;
             return registered_object(self, std::to_string(i), l[static_cast<size_t>(i)], true);
           })
      .def("__iter__", [](py::object self) {
        const auto& l = py::cast<const ParameterListImpl&>(self);
        py::list out;
        for (size_t i = 0; i < l.size(); ++i) out.append(registered_object(self, std::to_string(i), l[i], true));
        return py::iter(out);
      });
  Layer<ParameterDictImpl>(nn, "ParameterDict")
      .def(py::init([](std::optional<py::dict> parameters) {
             auto d = std::make_shared<ParameterDictImpl>();
             if (parameters)
               for (const auto& [k, v] : *parameters) d->insert(py::cast<std::string>(k), as_tensor(v));
             return d;
           }),
           py::arg("parameters") = py::none())
      .def("__getitem__",
           [](py::object self, const std::string& k) {
             const auto& d = py::cast<const ParameterDictImpl&>(self);
             if (!d.contains(k)) throw py::key_error(k);
             return registered_object(self, k, d[k], true);
           })
      .def("__setitem__", [](ParameterDictImpl& d, const std::string& k, const tg::Tensor& p) { d.insert(k, p); })
      .def("__contains__", &ParameterDictImpl::contains)
      .def("__len__", &ParameterDictImpl::size)
      .def("__iter__", [](const ParameterDictImpl& d) { return py::iter(py::cast(d.keys())); })
      .def("keys", &ParameterDictImpl::keys)
      .def("values",
           [](py::object self) {
             const auto& d = py::cast<const ParameterDictImpl&>(self);
             py::list out;
             for (const auto& k : d.keys()) out.append(registered_object(self, k, d[k], true));
             return out;
           })
      .def("items", [](py::object self) {
        const auto& d = py::cast<const ParameterDictImpl&>(self);
        py::list out;
        for (const auto& k : d.keys()) out.append(py::make_tuple(k, registered_object(self, k, d[k], true)));
        return out;
      });
}

}  // namespace tgpy
