// Indexing with Python's syntax (x[1:, None, mask] = 0) and the index ops: gather, scatter,
// masked_fill, where, nonzero, sort, topk.
#include "bindings.h"

namespace tgpy {

namespace {

// The indices of the nonzero elements, one 1-D tensor per dim (a 0-dim input counts as 1-D).
py::tuple nonzero_tuple(const tg::Tensor& t) {
  const tg::Tensor nz = nogil([&] { return (t.dim() == 0 ? t.reshape({1}) : t).nonzero(); });
  py::tuple out(static_cast<size_t>(nz.size(1)));
  for (int64_t d = 0; d < nz.size(1); ++d) out[static_cast<size_t>(d)] = nz.select(1, d);
  return out;
}

// scatter's older reduce keyword ("add" or "multiply"): scatter_reduce's "sum" / "prod" with
// the destination's values included, as torch defines it.
std::string scatter_reduction(const std::string& reduce) {
  TG_CHECK_VALUE(reduce == "add" || reduce == "multiply", "scatter: reduce must be 'add' or 'multiply', got '{}'",
                 reduce);
  return reduce == "add" ? "sum" : "prod";
}

// scatter's src as a tensor: a number fills index's shape in the destination's dtype.
tg::Tensor scatter_source(const tg::Tensor& t, const tg::Tensor& index, py::handle src) {
  if (!is_number(src)) return to_tensor(src);
  return tg::full(index.sizes(), to_scalar(src), tg::TensorOptions(t.dtype()).device(t.device()));
}

// scatter's third operand, torch's src= (a tensor, or a number) or value= (a number), one of them.
py::object scatter_operand(py::handle src, py::handle value) {
  TG_CHECK_TYPE(src.is_none() != value.is_none(), "scatter: expected src (a tensor) or value (a number), {}",
                src.is_none() ? "got neither" : "not both");
  if (!src.is_none()) return py::reinterpret_borrow<py::object>(src);
  if (is_tensor(value) && as_tensor(value).dim() == 0) return value.attr("item")();  // a Scalar, as torch's
  TG_CHECK_TYPE(is_number(value), "scatter: value must be a number, got {}", Py_TYPE(value.ptr())->tp_name);
  return py::reinterpret_borrow<py::object>(value);
}

}  // namespace

void bind_tensor_indexing(py::module_& m, TensorClass& cls) {
  cls.def("__getitem__",
          [](const tg::Tensor& t, py::handle index) {
            // x[i] with a plain int is the common case in loops: one select, no index list.
            if (PyLong_CheckExact(index.ptr())) return nogil([&, i = py::cast<int64_t>(index)] { return t.select(0, i); });
            std::vector<tg::TensorIndex> idx = to_indices(index);
            return nogil([&] { return t.index(idx); });
          })
      .def("__setitem__", [](const tg::Tensor& t, py::handle index, py::handle value) {
        std::vector<tg::TensorIndex> idx = to_indices(index);
        if (is_number(value)) {
          tg::Scalar v = to_scalar(value);
          nogil([&] { t.index_put_(idx, v); });
        } else {
          tg::Tensor v = to_tensor(value);
          nogil([&] { t.index_put_(idx, v); });
        }
      });
  // x.index_put_(...) and tg.index_put_(x, ...) return x itself; indices a tuple or a list of them.
  const auto index_put_ = [](py::object self, py::sequence indices, const tg::Tensor& values, bool accumulate) {
    std::vector<tg::TensorIndex> idx = to_indices(py::tuple(indices));
    nogil([&] { as_tensor(self).index_put_(idx, values, accumulate); });
    return self;
  };
  cls.def("index_put_", index_put_, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  m.def("index_put_", index_put_, py::arg("input"), py::arg("indices"), py::arg("values"),
        py::arg("accumulate") = false);
  // index_put's indices: a tensor or None per leading dim, as torch.index_put's.
  def_op(
      m, cls, "index_put",
      [](const tg::Tensor& t, py::sequence indices, const tg::Tensor& values, bool accumulate) {
        std::vector<std::optional<tg::Tensor>> idx;
        for (py::handle h : indices)
          idx.push_back(h.is_none() ? std::nullopt : std::optional<tg::Tensor>(to_tensor(h)));
        return nogil([&] { return t.index_put(idx, values, accumulate); });
      },
      py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);

  def_op(m, cls, "index_select", [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index) {
    return nogil([&] { return t.index_select(dim, index); });
  }, py::arg("dim"), py::arg("index"));
  def_op(
      m, cls, "gather",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, bool sparse_grad) {
        TG_CHECK_VALUE(!sparse_grad, "gather: sparse gradients are not supported (tapegrad has no sparse tensors)");
        return nogil([&] { return t.gather(dim, index); });
      },
      py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad") = false);
  def_op(
      m, cls, "scatter",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, py::handle src_arg, py::handle value,
         std::optional<std::string> reduce) {
        const py::object src = scatter_operand(src_arg, value);
        if (reduce) {
          const tg::Tensor s = scatter_source(t, index, src);
          return nogil([&, r = scatter_reduction(*reduce)] { return t.scatter_reduce(dim, index, s, r, true); });
        }
        if (is_number(src)) return nogil([&, v = to_scalar(src)] { return t.scatter(dim, index, v); });
        tg::Tensor s = to_tensor(src);
        return nogil([&] { return t.scatter(dim, index, s); });
      },
      py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::arg("value") = py::none(), py::kw_only(),
      py::arg("reduce") = py::none());
  def_op(m, cls, "scatter_add", [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& src) {
    return nogil([&] { return t.scatter_add(dim, index, src); });
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_inplace<int64_t, const tg::Tensor&, py::handle, py::handle, std::optional<std::string>>(
      cls, "scatter_",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, py::handle src_arg, py::handle value,
         std::optional<std::string> reduce) {
        const py::object src = scatter_operand(src_arg, value);
        if (reduce) {
          const tg::Tensor s = scatter_source(t, index, src);
          nogil([&, r = scatter_reduction(*reduce)] { t.scatter_reduce_(dim, index, s, r, true); });
        } else if (is_number(src)) {
          tg::Scalar v = to_scalar(src);
          nogil([&] { t.scatter_(dim, index, v); });
        } else {
          tg::Tensor s = to_tensor(src);
          nogil([&] { t.scatter_(dim, index, s); });
        }
      },
      py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::arg("value") = py::none(), py::kw_only(),
      py::arg("reduce") = py::none());
  def_inplace<int64_t, const tg::Tensor&, const tg::Tensor&>(cls, "scatter_add_",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& src) {
        nogil([&] { t.scatter_add_(dim, index, src); });
      }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_op(
      m, cls, "scatter_reduce",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& src, const std::string& reduce,
         bool include_self) {
        return nogil([&] { return tg::scatter_reduce(t, dim, index, src, reduce, include_self); });
      },
      py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  def_inplace<int64_t, const tg::Tensor&, const tg::Tensor&, const std::string&, bool>(
      cls, "scatter_reduce_",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& src, const std::string& reduce,
         bool include_self) { nogil([&] { tg::scatter_reduce_(t, dim, index, src, reduce, include_self); }); },
      py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  def_op(m, cls, "masked_fill", [](const tg::Tensor& t, const tg::Tensor& mask, py::handle value) {
    if (is_number(value)) return nogil([&, v = to_scalar(value)] { return t.masked_fill(mask, v); });
    tg::Tensor v = to_tensor(value);
    return nogil([&] { return t.masked_fill(mask, v); });
  }, py::arg("mask"), py::arg("value"));
  def_inplace<const tg::Tensor&, py::handle>(cls, "masked_fill_",
      [](const tg::Tensor& t, const tg::Tensor& mask, py::handle value) {
        if (is_number(value)) {
          tg::Scalar v = to_scalar(value);
          nogil([&] { t.masked_fill_(mask, v); });
        } else {
          tg::Tensor v = to_tensor(value);
          nogil([&] { t.masked_fill_(mask, v); });
        }
      }, py::arg("mask"), py::arg("value"));
  cls.def("where", [](const tg::Tensor& t, const tg::Tensor& condition, py::handle other) {
    if (is_number(other)) return nogil([&, v = to_scalar(other)] { return t.where(condition, v); });
    tg::Tensor o = to_tensor(other);
    return nogil([&] { return t.where(condition, o); });
  }, py::arg("condition"), py::arg("other"));
  m.def("where", [](const tg::Tensor& condition, py::handle input, py::handle other) {
    // Numbers stay numbers so that they take the other side's dtype, as in PyTorch.
    const bool ni = is_number(input), no = is_number(other);
    if (ni && no) return nogil([&, a = to_scalar(input), b = to_scalar(other)] { return tg::where(condition, a, b); });
    if (ni) return nogil([&, a = to_scalar(input), b = to_tensor(other)] { return tg::where(condition, a, b); });
    if (no) return nogil([&, a = to_tensor(input), b = to_scalar(other)] { return tg::where(condition, a, b); });
    return nogil([&, a = to_tensor(input), b = to_tensor(other)] { return tg::where(condition, a, b); });
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  def_op(
      m, cls, "nonzero",
      [](const tg::Tensor& t, bool as_tuple) -> py::object {
        if (!as_tuple) return py::cast(nogil([&] { return t.nonzero(); }));
        return nonzero_tuple(t);
      },
      py::kw_only(), py::arg("as_tuple") = false);
  // where(condition) alone: nonzero(condition, as_tuple=True), as torch.where.
  m.def("where", &nonzero_tuple, py::arg("condition"));
  def_op(m, cls, "argwhere", [](const tg::Tensor& t) { return nogil([&] { return tg::argwhere(t); }); });
  def_op(m, cls, "msort", [](const tg::Tensor& t) { return nogil([&] { return tg::msort(t); }); });
  def_op(
      m, cls, "take", [](const tg::Tensor& t, const tg::Tensor& index) { return nogil([&] { return t.take(index); }); },
      py::arg("index"));
  def_op(
      m, cls, "put",
      [](const tg::Tensor& t, const tg::Tensor& index, const tg::Tensor& source, bool accumulate) {
        return nogil([&] { return t.put(index, source, accumulate); });
      },
      py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  def_inplace<const tg::Tensor&, const tg::Tensor&, bool>(
      cls, "put_",
      [](const tg::Tensor& t, const tg::Tensor& index, const tg::Tensor& source, bool accumulate) {
        nogil([&] { t.put_(index, source, accumulate); });
      },
      py::arg("index"), py::arg("source"), py::arg("accumulate") = false);
  def_op(
      m, cls, "masked_scatter",
      [](const tg::Tensor& t, const tg::Tensor& mask, const tg::Tensor& source) {
        return nogil([&] { return t.masked_scatter(mask, source); });
      },
      py::arg("mask"), py::arg("source"));
  def_inplace<const tg::Tensor&, const tg::Tensor&>(
      cls, "masked_scatter_",
      [](const tg::Tensor& t, const tg::Tensor& mask, const tg::Tensor& source) {
        nogil([&] { t.masked_scatter_(mask, source); });
      },
      py::arg("mask"), py::arg("source"));
  def_op(
      m, cls, "index_reduce",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& source, const std::string& reduce,
         bool include_self) { return nogil([&] { return t.index_reduce(dim, index, source, reduce, include_self); }); },
      py::arg("dim"), py::arg("index"), py::arg("source"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  def_inplace<int64_t, const tg::Tensor&, const tg::Tensor&, const std::string&, bool>(
      cls, "index_reduce_",
      [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& source, const std::string& reduce,
         bool include_self) { nogil([&] { t.index_reduce_(dim, index, source, reduce, include_self); }); },
      py::arg("dim"), py::arg("index"), py::arg("source"), py::arg("reduce"), py::kw_only(),
      py::arg("include_self") = true);
  def_op(m, cls, "sort", [](const tg::Tensor& t, int64_t dim, bool descending, bool stable) {
    return values_indices(nogil([&] { return t.sort(dim, descending, stable); }));
  }, py::arg("dim") = -1, py::arg("descending") = false, py::arg("stable") = false);
  def_op(m, cls, "argsort", [](const tg::Tensor& t, int64_t dim, bool descending, bool stable) {
    return nogil([&] { return t.argsort(dim, descending, stable); });
  }, py::arg("dim") = -1, py::arg("descending") = false, py::arg("stable") = false);
  def_op(m, cls, "topk", [](const tg::Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
    return values_indices(nogil([&] { return t.topk(k, dim, largest, sorted); }));
  }, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_op(m, cls, "argmax", [](const tg::Tensor& t, std::optional<int64_t> dim, bool keepdim) {
    return nogil([&] { return t.argmax(dim, keepdim); });
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_op(m, cls, "argmin", [](const tg::Tensor& t, std::optional<int64_t> dim, bool keepdim) {
    return nogil([&] { return t.argmin(dim, keepdim); });
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

}  // namespace tgpy
