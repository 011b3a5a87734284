#pragma once
// tg::Error and the checks that raise it. Every user mistake becomes one of these, with a
// message that names the op and the offending shapes, dtypes or devices.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace tg {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Narrower kinds, so that bindings can map them onto the matching Python exceptions.
class IndexError : public Error {
 public:
  using Error::Error;
};
class TypeError : public Error {
 public:
  using Error::Error;
};
class ValueError : public Error {
 public:
  using Error::Error;
};
// A factorization that failed on the values it was given: a singular matrix to invert, one not
// positive-definite to Cholesky, an iteration that did not converge, non-finite input (PyTorch's
// torch.linalg.LinAlgError, a RuntimeError).
class LinAlgError : public Error {
 public:
  using Error::Error;
};
// An allocation the device (GPU or CPU) could not satisfy, after the caching allocator gave its
// cache back and tried again (torch.OutOfMemoryError, a RuntimeError). The process stays usable.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <class E>
[[noreturn]] void throw_as(std::string message);
extern template void throw_as<Error>(std::string);
extern template void throw_as<IndexError>(std::string);
extern template void throw_as<TypeError>(std::string);
extern template void throw_as<ValueError>(std::string);
extern template void throw_as<LinAlgError>(std::string);
extern template void throw_as<OutOfMemoryError>(std::string);

// Kept out of line and cold so that a check costs a compare and a branch on the hot path.
template <class E, class... Args>
[[noreturn, gnu::cold, gnu::noinline]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw_as<E>(fmt::format(f, std::forward<Args>(args)...));
}
}  // namespace detail
}  // namespace tg

#define TG_CHECK_AS(kind, cond, ...)                                 \
  do {                                                               \
    if (!(cond)) [[unlikely]]                                        \
      ::tg::detail::fail<::tg::kind>(__VA_ARGS__);                   \
  } while (0)
#define TG_CHECK(cond, ...) TG_CHECK_AS(Error, cond, __VA_ARGS__)
#define TG_CHECK_INDEX(cond, ...) TG_CHECK_AS(IndexError, cond, __VA_ARGS__)
#define TG_CHECK_TYPE(cond, ...) TG_CHECK_AS(TypeError, cond, __VA_ARGS__)
#define TG_CHECK_VALUE(cond, ...) TG_CHECK_AS(ValueError, cond, __VA_ARGS__)
#define TG_CHECK_LINALG(cond, ...) TG_CHECK_AS(LinAlgError, cond, __VA_ARGS__)
#define TG_CHECK_MEMORY(cond, ...) TG_CHECK_AS(OutOfMemoryError, cond, __VA_ARGS__)
#define TG_FAIL(...) ::tg::detail::fail<::tg::Error>(__VA_ARGS__)
#define TG_FAIL_VALUE(...) ::tg::detail::fail<::tg::ValueError>(__VA_ARGS__)
#define TG_FAIL_INDEX(...) ::tg::detail::fail<::tg::IndexError>(__VA_ARGS__)
