// The composed ops of tg as PyTorch names them, functions and (where PyTorch has them) Tensor
// methods: pointwise functions (xlogy, logit, heaviside, ...), the arrangement ops (tensor_split,
// the NumPy stacks, rot90, diag_embed, kron, ...) and statistics (cov, histc, isin, trapezoid,
// cdist, ...).
#include "bindings.h"

namespace tgpy {

namespace {

// An int (sections) or a sequence of split indices, as tensor_split's indices_or_sections.
template <class F>
tg::tensor_list split_by(py::handle sections_or_indices, F f) {
  if (is_number(sections_or_indices)) {
    const int64_t sections = py::cast<int64_t>(sections_or_indices);
    return nogil([&] { return f(std::optional<int64_t>(sections), std::vector<int64_t>{}); });
  }
  std::vector<int64_t> indices;
  if (is_tensor(sections_or_indices)) {
    const tg::Tensor& t = as_tensor(sections_or_indices);
    if (t.dim() == 0) {
      const int64_t sections = t.item<int64_t>();
      return nogil([&] { return f(std::optional<int64_t>(sections), indices); });
    }
    for (int64_t i = 0; i < t.numel(); ++i) indices.push_back(t[i].item<int64_t>());
  } else {
    indices = py::cast<std::vector<int64_t>>(sections_or_indices);
  }
  return nogil([&] { return f(std::optional<int64_t>(), indices); });
}

// torch's *tensors convention: f(t1, t2, ...) or f([t1, t2, ...]).
tg::tensor_list tensors_of(const py::args& args) {
  if (args.size() == 1 && !is_tensor(args[0])) return py::cast<tg::tensor_list>(args[0]);
  return py::cast<tg::tensor_list>(args);
}

// atleast_nd: one tensor gives a tensor, several (or a sequence) a tuple.
template <class F>
void def_atleast(py::module_& m, const char* name, F f) {
  m.def(name, [f](const py::args& args) -> py::object {
    if (args.size() == 1 && is_tensor(args[0])) return py::cast(f(as_tensor(args[0]), tg::SourceLoc::current()));
    py::list out;
    for (const tg::Tensor& t : tensors_of(args)) out.append(py::cast(f(t, tg::SourceLoc::current())));
    return py::tuple(out);
  });
}

tg::Tensor tensor_or_number(py::handle h, const tg::Tensor& like) {
  return is_tensor(h) ? as_tensor(h) : to_tensor(h, std::nullopt, like.device());
}

void bind_pointwise(py::module_& m, TensorClass& cls) {
  def_op(m, cls, "xlogy", [](const tg::Tensor& t, py::handle other) {
    if (is_number(other)) return nogil([&, s = to_scalar(other)] { return tg::xlogy(t, s); });
    return nogil([&, o = tensor_or_number(other, t)] { return tg::xlogy(t, o); });
  }, py::arg("other"));
  m.def("xlogy", [](const tg::Scalar& self, const tg::Tensor& other) {
    return nogil([&] { return tg::xlogy(self, other); });
  }, py::arg("input"), py::arg("other"));
  m.def("xlog1py", [](const tg::Tensor& t, const tg::Tensor& other) {
    return nogil([&] { return tg::xlog1py(t, other); });
  }, py::arg("input"), py::arg("other"));
  def_op(
      m, cls, "logit",
      [](const tg::Tensor& t, std::optional<double> eps) { return nogil([&] { return tg::logit(t, eps); }); },
      py::arg("eps") = py::none());
  def_op(m, cls, "heaviside", [](const tg::Tensor& t, const tg::Tensor& values) {
    return nogil([&] { return tg::heaviside(t, values); });
  }, py::arg("values"));
  def_op(m, cls, "float_power", [](const tg::Tensor& t, py::handle exponent) {
    if (is_number(exponent)) return nogil([&, s = to_scalar(exponent)] { return tg::float_power(t, s); });
    return nogil([&, e = tensor_or_number(exponent, t)] { return tg::float_power(t, e); });
  }, py::arg("exponent"));
  def_op(m, cls, "ldexp", [](const tg::Tensor& t, const tg::Tensor& other) {
    return nogil([&] { return tg::ldexp(t, other); });
  }, py::arg("other"));
  def_op(m, cls, "frexp", [](const tg::Tensor& t) { return mantissa_exponent(nogil([&] { return tg::frexp(t); })); });
  using Unary = tg::Tensor (*)(const tg::Tensor&, tg::SourceLoc);
  for (auto [name, f] : {std::pair<const char*, Unary>{"sinc", &tg::sinc},
                         {"deg2rad", &tg::deg2rad},
                         {"rad2deg", &tg::rad2deg},
                         {"signbit", &tg::signbit}}) {
    def_op(m, cls, name, [f](const tg::Tensor& t) { return nogil([&] { return f(t, tg::SourceLoc::current()); }); });
  }

  // The in-place forms.
  using UnaryInPlace = const tg::Tensor& (*)(const tg::Tensor&, tg::SourceLoc);
  for (auto [name, f] : {std::pair<const char*, UnaryInPlace>{"sinc_", &tg::sinc_},
                         {"deg2rad_", &tg::deg2rad_},
                         {"rad2deg_", &tg::rad2deg_}}) {
    def_inplace<>(cls, name, [f](const tg::Tensor& t) { nogil([&] { f(t, tg::SourceLoc::current()); }); });
  }
  def_inplace<py::handle>(
      cls, "xlogy_",
      [](const tg::Tensor& t, py::handle other) {
        if (is_number(other)) return nogil([&, s = to_scalar(other)] { tg::xlogy_(t, s); });
        nogil([&, o = tensor_or_number(other, t)] { tg::xlogy_(t, o); });
      },
      py::arg("other"));
  def_inplace<std::optional<double>>(
      cls, "logit_", [](const tg::Tensor& t, std::optional<double> eps) { nogil([&] { tg::logit_(t, eps); }); },
      py::arg("eps") = py::none());
  def_inplace<const tg::Tensor&>(
      cls, "heaviside_",
      [](const tg::Tensor& t, const tg::Tensor& values) { nogil([&] { tg::heaviside_(t, values); }); },
      py::arg("values"));
  def_inplace<py::handle>(
      cls, "float_power_",
      [](const tg::Tensor& t, py::handle exponent) {
        if (is_number(exponent)) return nogil([&, s = to_scalar(exponent)] { tg::float_power_(t, s); });
        nogil([&, e = tensor_or_number(exponent, t)] { tg::float_power_(t, e); });
      },
      py::arg("exponent"));
  def_inplace<const tg::Tensor&>(
      cls, "ldexp_", [](const tg::Tensor& t, const tg::Tensor& other) { nogil([&] { tg::ldexp_(t, other); }); },
      py::arg("other"));
}

void bind_arrange(py::module_& m, TensorClass& cls) {
  def_op(
      m, cls, "tensor_split",
      [](const tg::Tensor& t, py::handle indices_or_sections, int64_t dim) {
        return tensor_tuple(
            split_by(indices_or_sections, [&](std::optional<int64_t> sections, const std::vector<int64_t>& indices) {
              return sections ? tg::tensor_split(t, *sections, dim) : tg::tensor_split(t, indices, dim);
            }));
      },
      py::arg("indices_or_sections"), py::arg("dim") = 0);
  using Sections = tg::tensor_list (*)(const tg::Tensor&, int64_t, tg::SourceLoc);
  using Indices = tg::tensor_list (*)(const tg::Tensor&, const std::vector<int64_t>&, tg::SourceLoc);
  for (auto [name, by_sections, by_indices] :
       {std::tuple<const char*, Sections, Indices>{"hsplit", &tg::hsplit, &tg::hsplit},
        {"vsplit", &tg::vsplit, &tg::vsplit}, {"dsplit", &tg::dsplit, &tg::dsplit}}) {
    def_op(
        m, cls, name,
        [by_sections, by_indices](const tg::Tensor& t, py::handle indices_or_sections) {
          return tensor_tuple(
              split_by(indices_or_sections, [&](std::optional<int64_t> sections, const std::vector<int64_t>& indices) {
                return sections ? by_sections(t, *sections, tg::SourceLoc::current())
                                : by_indices(t, indices, tg::SourceLoc::current());
              }));
        },
        py::arg("indices_or_sections"));
  }
  using Stack = tg::Tensor (*)(const tg::tensor_list&, tg::SourceLoc);
  for (auto [name, f] : {std::pair<const char*, Stack>{"hstack", &tg::hstack}, {"vstack", &tg::vstack},
                         {"row_stack", &tg::vstack}, {"dstack", &tg::dstack}, {"column_stack", &tg::column_stack}}) {
    m.def(name, [f](const tg::tensor_list& tensors) { return nogil([&] { return f(tensors, tg::SourceLoc::current()); }); },
          py::arg("tensors"));
  }
  m.def("broadcast_tensors", [](const py::args& args) {
    const tg::tensor_list tensors = py::cast<tg::tensor_list>(args);
    return py::tuple(py::cast(nogil([&] { return tg::broadcast_tensors(tensors); })));
  });
  m.def("broadcast_shapes", [](const py::args& args) {
    std::vector<tg::Shape> shapes;
    for (py::handle h : args)
      shapes.push_back(py::isinstance<py::int_>(h) ? tg::Shape{h.cast<int64_t>()} : h.cast<tg::Shape>());
    return tg::broadcast_shapes(shapes);
  });
  def_atleast(m, "atleast_1d", &tg::atleast_1d);
  def_atleast(m, "atleast_2d", &tg::atleast_2d);
  def_atleast(m, "atleast_3d", &tg::atleast_3d);
  def_op(m, cls, "fliplr", [](const tg::Tensor& t) { return nogil([&] { return tg::fliplr(t); }); });
  def_op(m, cls, "flipud", [](const tg::Tensor& t) { return nogil([&] { return tg::flipud(t); }); });
  def_op(m, cls, "rot90", [](const tg::Tensor& t, int64_t k, const tg::Shape& dims) {
    return nogil([&] { return tg::rot90(t, k, dims); });
  }, py::arg("k") = 1, py::arg("dims") = tg::Shape{0, 1});
  def_op(m, cls, "diag_embed", [](const tg::Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
    return nogil([&] { return tg::diag_embed(t, offset, dim1, dim2); });
  }, py::arg("offset") = 0, py::arg("dim1") = -2, py::arg("dim2") = -1);
  def_op(m, cls, "diagflat", [](const tg::Tensor& t, int64_t offset) {
    return nogil([&] { return tg::diagflat(t, offset); });
  }, py::arg("offset") = 0);
  m.def("block_diag", [](const py::args& args) { return nogil([&, ts = tensors_of(args)] { return tg::block_diag(ts); }); });
  m.def("cartesian_prod", [](const py::args& args) {
    return nogil([&, ts = tensors_of(args)] { return tg::cartesian_prod(ts); });
  });
  def_op(m, cls, "kron", [](const tg::Tensor& t, const tg::Tensor& other) {
    return nogil([&] { return tg::kron(t, other); });
  }, py::arg("other"));
  m.def("combinations", [](const tg::Tensor& t, int64_t r, bool with_replacement) {
    return nogil([&] { return tg::combinations(t, r, with_replacement); });
  }, py::arg("input"), py::arg("r") = 2, py::arg("with_replacement") = false);
  def_op(m, cls, "take_along_dim", [](const tg::Tensor& t, const tg::Tensor& indices, std::optional<int64_t> dim) {
    return nogil([&] { return tg::take_along_dim(t, indices, dim); });
  }, py::arg("indices"), py::arg("dim") = py::none());
  m.def("vander", [](const tg::Tensor& x, std::optional<int64_t> n, bool increasing) {
    return nogil([&] { return tg::vander(x, n, increasing); });
  }, py::arg("x"), py::arg("N") = py::none(), py::arg("increasing") = false);
}

void bind_statistics(py::module_& m, TensorClass& cls) {
  def_op(m, cls, "cov", [](const tg::Tensor& t, int64_t correction, std::optional<tg::Tensor> fweights,
                           std::optional<tg::Tensor> aweights) {
    return nogil([&] {
      return tg::cov(t, correction, fweights.value_or(tg::Tensor()), aweights.value_or(tg::Tensor()));
    });
  }, py::kw_only(), py::arg("correction") = 1, py::arg("fweights") = py::none(), py::arg("aweights") = py::none());
  def_op(m, cls, "corrcoef", [](const tg::Tensor& t) { return nogil([&] { return tg::corrcoef(t); }); });
  def_op(m, cls, "histc", [](const tg::Tensor& t, int64_t bins, double min, double max) {
    return nogil([&] { return tg::histc(t, bins, min, max); });
  }, py::arg("bins") = 100, py::arg("min") = 0, py::arg("max") = 0);
  def_op(
      m, cls, "histogram",
      [](const tg::Tensor& t, py::object bins, std::optional<std::pair<double, double>> range,
         std::optional<tg::Tensor> weight, bool density) {
        const tg::Tensor w = weight.value_or(tg::Tensor());
        if (is_tensor(bins)) {
          TG_CHECK_VALUE(!range, "histogram: range cannot be given with a tensor of bin edges");
          return histogram_result(nogil([&, b = as_tensor(bins)] { return tg::histogram(t, b, w, density); }));
        }
        return histogram_result(
            nogil([&, b = py::cast<int64_t>(bins)] { return tg::histogram(t, b, range, w, density); }));
      },
      py::arg("bins") = 100, py::kw_only(), py::arg("range") = py::none(), py::arg("weight") = py::none(),
      py::arg("density") = false);
  // bins: a count for every dim, a sequence of counts, or a sequence of tensors of edges.
  m.def(
      "histogramdd",
      [](const tg::Tensor& t, py::object bins, std::optional<std::vector<double>> range,
         std::optional<tg::Tensor> weight, bool density) {
        const tg::Tensor w = weight.value_or(tg::Tensor());
        if (PyLong_Check(bins.ptr()))
          return histogramdd_result(
              nogil([&, b = py::cast<int64_t>(bins)] { return tg::histogramdd(t, b, range, w, density); }));
        TG_CHECK_TYPE(PySequence_Check(bins.ptr()) && !is_tensor(bins),
                      "histogramdd: bins must be an int, a sequence of ints or a sequence of tensors, got {}",
                      py::str(py::type::of(bins).attr("__name__")).cast<std::string>());
        const auto seq = py::reinterpret_borrow<py::sequence>(bins);
        if (seq.size() > 0 && is_tensor(seq[0])) {
          TG_CHECK_VALUE(!range, "histogramdd: range cannot be given with tensors of bin edges");
          return histogramdd_result(
              nogil([&, b = py::cast<tg::tensor_list>(bins)] { return tg::histogramdd(t, b, w, density); }));
        }
        return histogramdd_result(
            nogil([&, b = py::cast<tg::Shape>(bins)] { return tg::histogramdd(t, b, range, w, density); }));
      },
      py::arg("input"), py::arg("bins"), py::kw_only(), py::arg("range") = py::none(), py::arg("weight") = py::none(),
      py::arg("density") = false,
      "Counts of the points of input [..., D] in a D-dimensional grid of bins: (hist, bin_edges).");
  // spacing: a number (None is 1), a sequence of numbers (one per dim), or a sequence of coordinate tensors.
  m.def(
      "gradient",
      [](const tg::Tensor& t, py::object spacing, py::object dim, int64_t edge_order) {
        if (spacing.is_none()) spacing = py::float_(1.0);
        tg::Shape dims;
        if (!dim.is_none())
          dims = PyLong_Check(dim.ptr()) ? tg::Shape{py::cast<int64_t>(dim)} : py::cast<tg::Shape>(dim);
        tg::tensor_list out;
        if (is_number(spacing)) {
          out = nogil([&, h = py::cast<double>(spacing)] { return tg::gradient(t, h, dims, edge_order); });
        } else if (is_tensor(spacing)) {
          out = nogil([&, c = tg::tensor_list{as_tensor(spacing)}] { return tg::gradient(t, c, dims, edge_order); });
        } else {
          const py::sequence seq = py::reinterpret_borrow<py::sequence>(spacing);
          if (seq.size() > 0 && is_tensor(seq[0])) {
            out = nogil([&, c = tensors_arg(spacing)] { return tg::gradient(t, c, dims, edge_order); });
          } else {
            out =
                nogil([&, h = py::cast<std::vector<double>>(spacing)] { return tg::gradient(t, h, dims, edge_order); });
          }
        }
        return py::tuple(py::cast(out));
      },
      py::arg("input"), py::kw_only(), py::arg("spacing") = 1.0, py::arg("dim") = py::none(),
      py::arg("edge_order") = 1);
  def_op(m, cls, "bincount", [](const tg::Tensor& t, std::optional<tg::Tensor> weights, int64_t minlength) {
    return nogil([&] { return tg::bincount(t, weights.value_or(tg::Tensor()), minlength); });
  }, py::arg("weights") = py::none(), py::arg("minlength") = 0);
  m.def("isin", [](py::handle elements, py::handle test_elements, bool assume_unique, bool invert) {
    const tg::Tensor e = to_tensor(elements), te = to_tensor(test_elements, std::nullopt, e.device());
    return nogil([&] { return tg::isin(e, te, assume_unique, invert); });
  }, py::arg("elements"), py::arg("test_elements"), py::kw_only(), py::arg("assume_unique") = false,
     py::arg("invert") = false);
  def_op(m, cls, "unique_consecutive", [](const tg::Tensor& t, bool return_inverse, bool return_counts,
                                          std::optional<int64_t> dim) -> py::object {
    auto [values, inverse, counts] = nogil([&] { return tg::unique_consecutive(t, return_inverse, return_counts, dim); });
    return unique_result(values, inverse, counts, return_inverse, return_counts);
  }, py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());
  for (const char* name : {"trapezoid", "trapz", "cumulative_trapezoid"}) {
    const bool cumulative = name[0] == 'c';
    m.def(name, [cumulative](const tg::Tensor& y, std::optional<tg::Tensor> x, std::optional<double> dx, int64_t dim) {
      TG_CHECK_VALUE(!(x && dx), "trapezoid: x and dx cannot both be given");
      return nogil([&] {
        if (x) return cumulative ? tg::cumulative_trapezoid(y, *x, dim) : tg::trapezoid(y, *x, dim);
        return cumulative ? tg::cumulative_trapezoid(y, dx.value_or(1.0), dim) : tg::trapezoid(y, dx.value_or(1.0), dim);
      });
    }, py::arg("y"), py::arg("x") = py::none(), py::kw_only(), py::arg("dx") = py::none(), py::arg("dim") = -1);
  }
  m.def("cdist", [](const tg::Tensor& x1, const tg::Tensor& x2, double p, py::object) {
    return nogil([&] { return tg::cdist(x1, x2, p); });
  }, py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0, py::arg("compute_mode") = py::none());
  m.def("pdist", [](const tg::Tensor& t, double p) { return nogil([&] { return tg::pdist(t, p); }); },
        py::arg("input"), py::arg("p") = 2.0);
}

}  // namespace

// vdot, dist, renorm; and torch's module-level questions about a tensor.
void bind_products_and_predicates(py::module_& m, TensorClass& cls) {
  def_op(
      m, cls, "vdot", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return tg::vdot(a, b); }); },
      py::arg("other"));
  def_op(
      m, cls, "dist",
      [](const tg::Tensor& a, const tg::Tensor& b, const tg::Scalar& p) {
        return nogil([&] { return tg::dist(a, b, p); });
      },
      py::arg("other"), py::arg("p") = 2);
  def_op(
      m, cls, "renorm",
      [](const tg::Tensor& t, const tg::Scalar& p, int64_t dim, const tg::Scalar& maxnorm) {
        return nogil([&] { return t.renorm(p, dim, maxnorm); });
      },
      py::arg("p"), py::arg("dim"), py::arg("maxnorm"));
  def_inplace<const tg::Scalar&, int64_t, const tg::Scalar&>(
      cls, "renorm_",
      [](const tg::Tensor& t, const tg::Scalar& p, int64_t dim, const tg::Scalar& maxnorm) {
        nogil([&] { t.renorm_(p, dim, maxnorm); });
      },
      py::arg("p"), py::arg("dim"), py::arg("maxnorm"));
  // torch.cross: dim None is the first dim of size 3.
  const auto cross = [](const tg::Tensor& a, const tg::Tensor& b, std::optional<int64_t> dim) {
    int64_t d = -1;
    if (dim) {
      d = *dim;
    } else {
      const tg::Shape s = tg::broadcast_shapes(a.sizes(), b.sizes(), "cross");
      for (int i = s.size() - 1; i >= 0; --i)
        if (s[i] == 3) d = i;
    }
    return nogil([&] { return tg::linalg::cross(a, b, d); });
  };
  def_op(m, cls, "cross", cross, py::arg("other"), py::arg("dim") = py::none());
  m.def(
      "is_tensor", [](py::handle h) { return is_tensor(h); }, py::arg("obj"));
  m.def(
      "is_floating_point", [](const tg::Tensor& t) { return t.is_floating_point(); }, py::arg("input"));
  m.def(
      "is_inference", [](const tg::Tensor& t) { return t.is_inference(); }, py::arg("input"));
  m.def(
      "is_signed", [](const tg::Tensor& t) { return t.dtype() != tg::kBool && t.dtype() != tg::kUInt8; },
      py::arg("input"));
  cls.def("is_signed", [](const tg::Tensor& t) { return t.dtype() != tg::kBool && t.dtype() != tg::kUInt8; });
  m.def(
      "numel", [](const tg::Tensor& t) { return t.numel(); }, py::arg("input"));
  m.def(
      "clone", [](const tg::Tensor& t, tg::MemoryFormat format) { return nogil([&] { return t.clone(format); }); },
      py::arg("input"), py::kw_only(), py::arg("memory_format") = tg::MemoryFormat::Preserve);
  m.def(
      "detach", [](const tg::Tensor& t) { return t.detach(); }, py::arg("input"));
  const auto is_nonzero = [](const tg::Tensor& t) {
    TG_CHECK_VALUE(t.numel() == 1, "is_nonzero: needs a tensor of exactly one element, got shape {}", t.sizes());
    return nogil([&] { return t.reshape({}).to(tg::kFloat64).item<double>() != 0; });
  };
  m.def("is_nonzero", is_nonzero, py::arg("input"));
  cls.def("is_nonzero", is_nonzero);
  m.def(
      "is_same_size", [](const tg::Tensor& a, const tg::Tensor& b) { return a.sizes() == b.sizes(); }, py::arg("input"),
      py::arg("other"));
  cls.def(
      "is_same_size", [](const tg::Tensor& a, const tg::Tensor& b) { return a.sizes() == b.sizes(); },
      py::arg("other"));
}

void bind_composites(py::module_& m, TensorClass& cls) {
  bind_products_and_predicates(m, cls);
  bind_pointwise(m, cls);
  bind_arrange(m, cls);
  bind_statistics(m, cls);
}

}  // namespace tgpy
