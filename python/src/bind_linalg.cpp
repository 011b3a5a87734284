// tg.linalg (solvers, factorizations, norms: torch.linalg's names and arguments) and the
// Tensor methods and tg functions that share them (inverse, det, pinverse, matrix_power, ...).
#include <optional>
#include <string>
#include <variant>

#include "bindings.h"

namespace tgpy {
namespace {

// A norm's ord: None, a number (inf included) or a string ("fro", "nuc").
std::variant<std::monostate, double, std::string> ord_of(const py::object& ord) {
  if (ord.is_none()) return std::monostate{};
  if (py::isinstance<py::str>(ord)) return py::cast<std::string>(ord);
  if (is_number(ord) && !py::isinstance<py::bool_>(ord)) return py::cast<double>(ord);
  throw tg::TypeError(fmt::format("ord must be None, a number or a string, got {}", Py_TYPE(ord.ptr())->tp_name));
}

// The linalg norms' dtype keyword: the input is cast to it first (accumulating a float16 input in
// float32), under torch's rules; an integer input is left to the norm's own error.
tg::Tensor norm_input(const tg::Tensor& x, std::optional<tg::DType> dtype, const char* op) {
  if (!dtype || !(tg::is_floating_point(x.dtype()) || tg::is_complex(x.dtype()))) return x;
  TG_CHECK(tg::is_floating_point(*dtype) || tg::is_complex(*dtype),
           "linalg.{}: dtype should be floating point or complex, but got {}", op, *dtype);
  TG_CHECK(tg::is_complex(x.dtype()) == tg::is_complex(*dtype), "linalg.{}: dtype should be {} for {} inputs, but got {}",
           op, tg::is_complex(x.dtype()) ? "complex" : "real", tg::is_complex(x.dtype()) ? "complex" : "real", *dtype);
  TG_CHECK(tg::promote_types(x.dtype(), *dtype) == *dtype,
           "linalg.{}: the dtype of the input ({}) should be convertible without narrowing to the specified dtype ({})",
           op, x.dtype(), *dtype);
  return x.to(*dtype);
}

}  // namespace

void bind_linalg(py::module_& m, TensorClass& cls) {
  using tg::Tensor;
  using std::optional;
  auto slogdet = [](const Tensor& a) { return sign_logabsdet(nogil([&] { return tg::linalg::slogdet(a); })); };
  py::module_ la = m.def_submodule("linalg", "torch.linalg: solvers, factorizations and norms");
  la.def("inv", [](const Tensor& a) { return nogil([&] { return tg::linalg::inv(a); }); }, py::arg("A"));
  la.def("det", [](const Tensor& a) { return nogil([&] { return tg::linalg::det(a); }); }, py::arg("A"));
  la.def("slogdet", slogdet, py::arg("A"));
  la.def("solve", [](const Tensor& a, const Tensor& b, bool left) {
    // X A = B is A^T X^T = B^T.
    return nogil([&] { return left ? tg::linalg::solve(a, b) : tg::linalg::solve(a.mT(), b.mT()).mT(); });
  }, py::arg("A"), py::arg("B"), py::kw_only(), py::arg("left") = true);
  la.def("cholesky", [](const Tensor& a, bool upper) {
    return nogil([&] { return tg::linalg::cholesky(a, upper); });
  }, py::arg("A"), py::kw_only(), py::arg("upper") = false);
  la.def(
      "eigh",
      [](const Tensor& a, const std::string& uplo) {
        return eigenvalues_eigenvectors(nogil([&] { return tg::linalg::eigh(a, uplo); }), true);
      },
      py::arg("A"), py::arg("UPLO") = "L");
  la.def("eigvalsh", [](const Tensor& a, const std::string& uplo) {
    return nogil([&] { return tg::linalg::eigvalsh(a, uplo); });
  }, py::arg("A"), py::arg("UPLO") = "L");
  la.def(
      "eig", [](const Tensor& a) { return eigenvalues_eigenvectors(nogil([&] { return tg::linalg::eig(a); }), false); },
      py::arg("A"));
  la.def(
      "eigvals", [](const Tensor& a) { return nogil([&] { return tg::linalg::eigvals(a); }); }, py::arg("A"));
  la.def("qr", [](const Tensor& a, const std::string& mode) {
    return qr_result(nogil([&] { return tg::linalg::qr(a, mode); }));
  }, py::arg("A"), py::arg("mode") = "reduced");
  la.def(
      "householder_product",
      [](const Tensor& a, const Tensor& tau) { return nogil([&] { return tg::linalg::householder_product(a, tau); }); },
      py::arg("A"), py::arg("tau"));
  la.def("svd", [](const Tensor& a, bool full) {
    return svd_result(nogil([&] { return tg::linalg::svd(a, full); }));
  }, py::arg("A"), py::arg("full_matrices") = true);
  la.def("svdvals", [](const Tensor& a) { return nogil([&] { return tg::linalg::svdvals(a); }); }, py::arg("A"));
  la.def("lu_factor", [](const Tensor& a) {
    return lu_factor_result(nogil([&] { return tg::linalg::lu_factor(a); }));
  }, py::arg("A"));
  la.def("lu", [](const Tensor& a) { return lu_result(nogil([&] { return tg::linalg::lu(a); })); }, py::arg("A"));
  la.def("lu_solve", [](const Tensor& lu, const Tensor& pivots, const Tensor& b, bool left, bool adjoint) {
    return nogil([&] { return tg::linalg::lu_solve(lu, pivots, b, left, adjoint); });
  }, py::arg("LU"), py::arg("pivots"), py::arg("B"), py::kw_only(), py::arg("left") = true,
     py::arg("adjoint") = false);
  la.def(
      "ldl_factor",
      [](const Tensor& a, bool hermitian) {
        return ldl_factor_result(nogil([&] { return tg::linalg::ldl_factor(a, hermitian); }));
      },
      py::arg("A"), py::kw_only(), py::arg("hermitian") = false);
  la.def(
      "ldl_factor_ex",
      [](const Tensor& a, bool hermitian, bool check_errors) {
        return ldl_factor_ex_result(nogil([&] { return tg::linalg::ldl_factor_ex(a, hermitian, check_errors); }));
      },
      py::arg("A"), py::kw_only(), py::arg("hermitian") = false, py::arg("check_errors") = false);
  la.def(
      "ldl_solve",
      [](const Tensor& ld, const Tensor& pivots, const Tensor& b, bool hermitian) {
        return nogil([&] { return tg::linalg::ldl_solve(ld, pivots, b, hermitian); });
      },
      py::arg("LD"), py::arg("pivots"), py::arg("B"), py::kw_only(), py::arg("hermitian") = false);
  la.def(
      "matrix_sqrth", [](const Tensor& a) { return nogil([&] { return tg::linalg::matrix_sqrth(a); }); }, py::arg("A"));
  la.def(
      "polar", [](const Tensor& a) { return polar_result(nogil([&] { return tg::linalg::polar(a); })); }, py::arg("A"));
  la.def("matrix_exp", [](const Tensor& a) { return nogil([&] { return tg::linalg::matrix_exp(a); }); },
         py::arg("A"));
  la.def("solve_triangular", [](const Tensor& a, const Tensor& b, bool upper, bool left, bool unit) {
    return nogil([&] { return tg::linalg::solve_triangular(a, b, upper, left, unit); });
  }, py::arg("A"), py::arg("B"), py::kw_only(), py::arg("upper"), py::arg("left") = true,
     py::arg("unitriangular") = false);
  la.def("lstsq", [](const Tensor& a, const Tensor& b, optional<double> rcond, optional<std::string> driver) {
    return lstsq_result(nogil([&] {
      return tg::linalg::lstsq(a, b, rcond, driver ? optional<std::string_view>(*driver) : std::nullopt);
    }));
  }, py::arg("A"), py::arg("B"), py::arg("rcond") = py::none(), py::kw_only(), py::arg("driver") = py::none());
  la.def("pinv", [](const Tensor& a, optional<double> atol, optional<double> rtol, bool hermitian) {
    return nogil([&] { return tg::linalg::pinv(a, atol, rtol, hermitian); });
  }, py::arg("A"), py::kw_only(), py::arg("atol") = py::none(), py::arg("rtol") = py::none(),
     py::arg("hermitian") = false);
  la.def("matrix_rank", [](const Tensor& a, optional<double> atol, optional<double> rtol, bool hermitian) {
    return nogil([&] { return tg::linalg::matrix_rank(a, atol, rtol, hermitian); });
  }, py::arg("A"), py::kw_only(), py::arg("atol") = py::none(), py::arg("rtol") = py::none(),
     py::arg("hermitian") = false);
  la.def("vector_norm", [](const Tensor& input, double ord, py::object dim, bool keepdim, optional<tg::DType> dtype) {
    const tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
    const Tensor x = norm_input(input, dtype, "vector_norm");
    return nogil([&] { return tg::linalg::vector_norm(x, ord, dims, keepdim); });
  }, py::arg("x"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none());
  la.def("matrix_norm", [](const Tensor& input, py::object ord, const tg::Shape& dim, bool keepdim,
                           optional<tg::DType> dtype) {
    const Tensor a = norm_input(input, dtype, "matrix_norm");
    const auto o = ord_of(ord);
    if (const auto* s = std::get_if<std::string>(&o))
      return nogil([&] { return tg::linalg::matrix_norm(a, std::string_view(*s), dim, keepdim); });
    if (const auto* d = std::get_if<double>(&o))
      return nogil([&] { return tg::linalg::matrix_norm(a, *d, dim, keepdim); });
    throw tg::TypeError("linalg.matrix_norm: ord must be a number or a string, got None");
  }, py::arg("A"), py::arg("ord") = "fro", py::arg("dim") = py::make_tuple(-2, -1), py::arg("keepdim") = false,
     py::kw_only(), py::arg("dtype") = py::none());
  la.def("norm", [](const Tensor& input, py::object ord, py::object dim, bool keepdim, optional<tg::DType> dtype) {
    const Tensor a = norm_input(input, dtype, "vector_norm");
    const auto o = ord_of(ord);
    const tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
    if (const auto* s = std::get_if<std::string>(&o))
      return nogil([&] { return tg::linalg::norm(a, std::string_view(*s), dims, keepdim); });
    const auto* d = std::get_if<double>(&o);
    return nogil([&] { return tg::linalg::norm(a, d ? optional<double>(*d) : std::nullopt, dims, keepdim); });
  }, py::arg("A"), py::arg("ord") = py::none(), py::arg("dim") = py::none(), py::arg("keepdim") = false,
     py::kw_only(), py::arg("dtype") = py::none());
  la.def("cond", [](const Tensor& a, py::object p) {
    const auto o = ord_of(p);
    if (const auto* s = std::get_if<std::string>(&o))
      return nogil([&] { return tg::linalg::cond(a, std::string_view(*s)); });
    const auto* d = std::get_if<double>(&o);
    return nogil([&] { return tg::linalg::cond(a, d ? optional<double>(*d) : std::nullopt); });
  }, py::arg("A"), py::arg("p") = py::none());
  la.def("matrix_power", [](const Tensor& a, int64_t n) {
    return nogil([&] { return tg::linalg::matrix_power(a, n); });
  }, py::arg("A"), py::arg("n"));
  la.def("multi_dot", [](const tg::tensor_list& ts) { return nogil([&] { return tg::linalg::multi_dot(ts); }); },
         py::arg("tensors"));
  la.def("cross", [](const Tensor& a, const Tensor& b, int64_t dim) {
    return nogil([&] { return tg::linalg::cross(a, b, dim); });
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("dim") = -1);
  la.def(
      "inv_ex",
      [](const Tensor& a, bool check_errors) {
        return inv_ex_result(nogil([&] { return tg::linalg::inv_ex(a, check_errors); }));
      },
      py::arg("A"), py::kw_only(), py::arg("check_errors") = false);
  la.def(
      "solve_ex",
      [](const Tensor& a, const Tensor& b, bool left, bool check_errors) {
        return solve_ex_result(nogil([&] { return tg::linalg::solve_ex(a, b, left, check_errors); }));
      },
      py::arg("A"), py::arg("B"), py::kw_only(), py::arg("left") = true, py::arg("check_errors") = false);
  la.def(
      "cholesky_ex",
      [](const Tensor& a, bool upper, bool check_errors) {
        return cholesky_ex_result(nogil([&] { return tg::linalg::cholesky_ex(a, upper, check_errors); }));
      },
      py::arg("A"), py::kw_only(), py::arg("upper") = false, py::arg("check_errors") = false);
  la.def(
      "lu_factor_ex",
      [](const Tensor& a, bool pivot, bool check_errors) {
        return lu_factor_ex_result(nogil([&] { return tg::linalg::lu_factor_ex(a, pivot, check_errors); }));
      },
      py::arg("A"), py::kw_only(), py::arg("pivot") = true, py::arg("check_errors") = false);
  la.def(
      "vecdot",
      [](const Tensor& x, const Tensor& y, int64_t dim) {
        return nogil([&] { return tg::linalg::vecdot(x, y, dim); });
      },
      py::arg("x"), py::arg("y"), py::kw_only(), py::arg("dim") = -1);
  la.def(
      "vander", [](const Tensor& x, optional<int64_t> n) { return nogil([&] { return tg::linalg::vander(x, n); }); },
      py::arg("x"), py::kw_only(), py::arg("N") = py::none());
  la.def(
      "tensorinv", [](const Tensor& a, int64_t ind) { return nogil([&] { return tg::linalg::tensorinv(a, ind); }); },
      py::arg("A"), py::arg("ind") = 2);
  la.def(
      "tensorsolve",
      [](const Tensor& a, const Tensor& b, py::object dims) {
        const optional<tg::Shape> d = dims_of(dims);
        return nogil([&] { return tg::linalg::tensorsolve(a, b, d); });
      },
      py::arg("A"), py::arg("B"), py::arg("dims") = py::none());
  // torch.linalg's names for tg.matmul, and for tg.diagonal over the last two dims.
  la.attr("matmul") = m.attr("matmul");
  la.def(
      "diagonal",
      [](const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2) {
        return nogil([&] { return tg::diagonal(a, offset, dim1, dim2); });
      },
      py::arg("A"), py::kw_only(), py::arg("offset") = 0, py::arg("dim1") = -2, py::arg("dim2") = -1);
  def_op(m, cls, "inverse", [](const Tensor& a) { return nogil([&] { return tg::inverse(a); }); });
  def_op(m, cls, "det", [](const Tensor& a) { return nogil([&] { return tg::det(a); }); });
  def_op(m, cls, "logdet", [](const Tensor& a) { return nogil([&] { return tg::logdet(a); }); });
  def_op(m, cls, "slogdet", slogdet);
  def_op(m, cls, "pinverse", [](const Tensor& a, double rcond) {
    return nogil([&] { return tg::pinverse(a, rcond); });
  }, py::arg("rcond") = 1e-15);
  def_op(m, cls, "matrix_power", [](const Tensor& a, int64_t n) {
    return nogil([&] { return tg::matrix_power(a, n); });
  }, py::arg("n"));
  def_op(m, cls, "matrix_exp", [](const Tensor& a) { return nogil([&] { return tg::matrix_exp(a); }); });
  def_op(
      m, cls, "cholesky_solve",
      [](const Tensor& b, const Tensor& l, bool upper) {
        return nogil([&] { return tg::cholesky_solve(b, l, upper); });
      },
      py::arg("input2"), py::arg("upper") = false);
  def_op(
      m, cls, "cholesky_inverse",
      [](const Tensor& l, bool upper) { return nogil([&] { return tg::cholesky_inverse(l, upper); }); },
      py::arg("upper") = false);
  def_op(m, cls, "geqrf", [](const Tensor& a) { return geqrf_result(nogil([&] { return tg::geqrf(a); })); });
  // torch.orgqr: householder_product under LAPACK's name. The methods name their arguments
  // input2 and input3, the functions tau and other, as PyTorch does.
  const auto orgqr = [](const Tensor& a, const Tensor& tau) {
    return nogil([&] { return tg::linalg::householder_product(a, tau); });
  };
  cls.def("orgqr", orgqr, py::arg("input2"));
  m.def("orgqr", orgqr, py::arg("input"), py::arg("tau"));
  const auto ormqr = [](const Tensor& a, const Tensor& tau, const Tensor& other, bool left, bool transpose) {
    return nogil([&] { return tg::ormqr(a, tau, other, left, transpose); });
  };
  cls.def("ormqr", ormqr, py::arg("input2"), py::arg("input3"), py::arg("left") = true, py::arg("transpose") = false);
  m.def("ormqr", ormqr, py::arg("input"), py::arg("tau"), py::arg("other"), py::arg("left") = true,
        py::arg("transpose") = false);
  m.def(
      "lu_unpack",
      [](const Tensor& lu, const Tensor& pivots, bool unpack_data, bool unpack_pivots) {
        return lu_result(nogil([&] { return tg::lu_unpack(lu, pivots, unpack_data, unpack_pivots); }));
      },
      py::arg("LU_data"), py::arg("LU_pivots"), py::arg("unpack_data") = true, py::arg("unpack_pivots") = true);
}

}  // namespace tgpy
