// tg.special (torch.special's names and arguments) and the top-level functions and Tensor
// methods that share its kernels: igamma, igammac, mvlgamma, round(decimals=).
#include <optional>
#include <string_view>

#include "bindings.h"

namespace tgpy {
namespace {

// A binary special function of two operands, either a number (not both: PyTorch needs a tensor).
template <class F>
tg::Tensor special_binary(py::handle a, py::handle b, F f, const char* name) {
  if (is_tensor(a) && is_tensor(b)) return nogil([&] { return f(as_tensor(a), as_tensor(b)); });
  if (is_tensor(a)) {
    if (is_number(b)) return nogil([&, s = to_scalar(b)] { return f(as_tensor(a), s); });
    return nogil([&, t = to_tensor(b, std::nullopt, as_tensor(a).device())] { return f(as_tensor(a), t); });
  }
  if (is_tensor(b)) {
    if (is_number(a)) return nogil([&, s = to_scalar(a)] { return f(s, as_tensor(b)); });
    return nogil([&, t = to_tensor(a, std::nullopt, as_tensor(b).device())] { return f(t, as_tensor(b)); });
  }
  throw tg::TypeError(fmt::format("special.{}: at least one argument must be a tensor", name));
}

}  // namespace

void bind_special(py::module_& m, TensorClass& cls) {
  py::module_ sp = m.def_submodule("special", "torch.special: Bessel, gamma and error functions and their relatives");
#define TG_UNARY_OP(name, ...)                                                                                  \
  sp.def(                                                                                                       \
      #name, [](const tg::Tensor& t) { return nogil([&] { return tg::special::name(t); }); }, py::arg("input"), \
      py::doc("torch.special." #name ", elementwise (records for autograd)."));
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
// The polynomials' second argument is the degree, `n` as in PyTorch.
#define TG_BINARY_OP(name, Name, kind, da, db, ...)                                             \
  sp.def(                                                                                       \
      #name,                                                                                    \
      [](py::handle a, py::handle b) {                                                          \
        return special_binary(                                                                  \
            a, b, [](const auto& x, const auto& y) { return tg::special::name(x, y); }, #name); \
      },                                                                                        \
      py::arg("input"), py::arg(std::string_view(#db) == "kDegree" ? "n" : "other"),            \
      py::doc("torch.special." #name ", broadcast; either argument may be a number."));
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP

  using T = const tg::Tensor&;
  auto unary = [&](const char* name, tg::Tensor (*f)(T, tg::SourceLoc)) {
    sp.def(
        name, [f](T t) { return nogil([&] { return f(t, tg::SourceLoc::current()); }); }, py::arg("input"));
  };
  unary("entr", tg::special::entr);
  unary("digamma", tg::special::digamma);
  unary("psi", tg::special::psi);
  unary("gammaln", tg::special::gammaln);
  unary("erf", tg::special::erf);
  unary("erfc", tg::special::erfc);
  unary("erfinv", tg::special::erfinv);
  unary("exp2", tg::special::exp2);
  unary("expm1", tg::special::expm1);
  unary("expit", tg::special::expit);
  unary("log1p", tg::special::log1p);
  unary("i0", tg::special::i0);
  unary("i0e", tg::special::i0e);
  unary("i1", tg::special::i1);
  unary("i1e", tg::special::i1e);
  unary("modified_bessel_i0", tg::special::modified_bessel_i0);
  unary("modified_bessel_i1", tg::special::modified_bessel_i1);
  unary("sinc", tg::special::sinc);
  sp.def(
      "polygamma", [](int64_t n, T t) { return nogil([&] { return tg::special::polygamma(n, t); }); }, py::arg("n"),
      py::arg("input"));
  sp.def(
      "multigammaln", [](T t, int64_t p) { return nogil([&] { return tg::special::multigammaln(t, p); }); },
      py::arg("input"), py::arg("p"));
  sp.def(
      "logit", [](T t, std::optional<double> eps) { return nogil([&] { return tg::special::logit(t, eps); }); },
      py::arg("input"), py::arg("eps") = py::none());
  sp.def(
      "round", [](T t, int64_t decimals) { return nogil([&] { return tg::special::round(t, decimals); }); },
      py::arg("input"), py::kw_only(), py::arg("decimals") = 0);
  sp.attr("xlogy") = m.attr("xlogy");  // tg.xlogy's overloads (a number for either argument)
  sp.def(
      "xlog1py", [](T a, T b) { return nogil([&] { return tg::special::xlog1py(a, b); }); }, py::arg("input"),
      py::arg("other"));
  sp.def(
      "softmax",
      [](T t, int64_t dim, std::optional<tg::DType> dtype) {
        return nogil([&] { return tg::special::softmax(t, dim, dtype); });
      },
      py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none());
  sp.def(
      "log_softmax",
      [](T t, int64_t dim, std::optional<tg::DType> dtype) {
        return nogil([&] { return tg::special::log_softmax(t, dim, dtype); });
      },
      py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none());
  sp.def(
      "logsumexp",
      [](T t, const py::object& dim, bool keepdim) {
        const tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
        return nogil([&] { return tg::special::logsumexp(t, dims, keepdim); });
      },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);

  // The top-level names and Tensor methods PyTorch gives the same functions.
  def_op(
      m, cls, "igamma",
      [](T t, py::handle other) {
        return special_binary(
            py::cast(t), other, [](const auto& x, const auto& y) { return tg::special::gammainc(x, y); }, "igamma");
      },
      py::arg("other"));
  def_op(
      m, cls, "igammac",
      [](T t, py::handle other) {
        return special_binary(
            py::cast(t), other, [](const auto& x, const auto& y) { return tg::special::gammaincc(x, y); }, "igammac");
      },
      py::arg("other"));
  def_op(
      m, cls, "mvlgamma", [](T t, int64_t p) { return nogil([&] { return tg::mvlgamma(t, p); }); }, py::arg("p"));
  def_inplace<const tg::Tensor&>(
      cls, "igamma_", [](T t, const tg::Tensor& other) { nogil([&] { tg::igamma_(t, other); }); }, py::arg("other"));
  def_inplace<const tg::Tensor&>(
      cls, "igammac_", [](T t, const tg::Tensor& other) { nogil([&] { tg::igammac_(t, other); }); }, py::arg("other"));
  def_inplace<int64_t>(
      cls, "mvlgamma_", [](T t, int64_t p) { nogil([&] { tg::mvlgamma_(t, p); }); }, py::arg("p"));
  def_op(
      m, cls, "round", [](T t, int64_t decimals) { return nogil([&] { return tg::round(t, decimals); }); },
      py::kw_only(), py::arg("decimals"));
  def_inplace<int64_t>(
      cls, "round_", [](T t, int64_t decimals) { nogil([&] { t.copy_(tg::round(t, decimals)); }); }, py::kw_only(),
      py::arg("decimals"));
}

}  // namespace tgpy
