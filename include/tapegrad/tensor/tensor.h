#pragma once
// tg::Tensor: a cheap, reference-counted handle to a TensorImpl (storage + sizes + strides +
// offset + dtype + autograd state). Copying a Tensor shares the data; `clone()` copies it.
//
// Every op is also a free function in tg:: (tg::exp(x) == x.exp()); see tapegrad/tensor/ops.h.
// Each op takes a defaulted SourceLoc as its last argument: leave it out, it records the caller's
// line for anomaly mode.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/dtype.h"
#include "tapegrad/tensor/error.h"
#include "tapegrad/tensor/intrusive_ptr.h"
#include "tapegrad/tensor/scalar.h"
#include "tapegrad/tensor/shape.h"
#include "tapegrad/tensor/source_loc.h"
#include "tapegrad/tensor/storage.h"
#include "tapegrad/tensor/tensor_options.h"

#define TG_CALLER ::tg::SourceLoc loc = ::tg::SourceLoc::current()

namespace tg {

class Tensor;
class Generator;
class TensorImpl;
class TensorIndex;
class HookHandle;
class Operand;
namespace autograd {
class Node;
}
using tensor_list = std::vector<Tensor>;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- identity and metadata --------------------------------------------------------------
  bool defined() const { return static_cast<bool>(impl_); }
  TensorImpl* impl() const { return impl_.get(); }
  const IntrusivePtr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  uint32_t use_count() const { return impl_.use_count(); }

  int dim() const;
  int ndim() const { return dim(); }
  const Shape& sizes() const;
  const Shape& shape() const { return sizes(); }
  int64_t size(int64_t dim) const;
  const Shape& strides() const;
  int64_t stride(int64_t dim) const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  int get_device() const { return is_cuda() ? device().index() : -1; }  // -1 on the CPU, as PyTorch
  bool is_contiguous() const;
  // Whether the elements lie densely in `format`'s order, dims of size 1 aside (as PyTorch's):
  // false for channels_last unless 4-d, channels_last_3d unless 5-d; preserve_format is no layout.
  bool is_contiguous(MemoryFormat format) const;
  // channels_last(_3d) for a tensor whose strides grow in that order (a slice of one too), else
  // contiguous_format: PyTorch's reading, [N, C, 1, 1] row-major included.
  MemoryFormat suggest_memory_format() const;
  bool is_floating_point() const { return tg::is_floating_point(dtype()); }
  bool is_complex() const { return tg::is_complex(dtype()); }
  int64_t storage_offset() const;
  size_t element_size() const { return itemsize(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  const IntrusivePtr<StorageImpl>& storage() const;
  // Bumped by every in-place op on this tensor or a view sharing its storage.
  uint32_t version() const;
  // Whether this tensor was made by a view op from another (its base) and shares its storage.
  bool is_view() const;
  Tensor base() const;
  // Made inside tg::InferenceMode, or a view of such a tensor (grad_mode.h).
  bool is_inference() const;

  // Pointer to the first element; T must match the dtype (tg::TypeError otherwise).
  template <class T>
  T* data_ptr() const {
    check_data_ptr(dtype_of<std::remove_const_t<T>>, "data_ptr");
    return static_cast<T*>(raw_data_ptr());
  }
  void* data_ptr() const { return raw_data_ptr(); }
  // The value of a one-element tensor.
  Scalar item(TG_CALLER) const;
  template <class T>
  T item() const {
    return item().to<T>();
  }
  // The elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;
  std::string str() const;

  // ---- autograd ------------------------------------------------------------------------------
  bool requires_grad() const;
  const Tensor& requires_grad_(bool requires_grad = true) const;
  void set_requires_grad(bool requires_grad) const { requires_grad_(requires_grad); }
  // The gradient accumulated into this leaf by backward (undefined until then).
  const Tensor& grad() const;
  Tensor& mutable_grad() const;
  void set_grad(const Tensor& grad) const;
  // The node that produced this tensor (null for leaves).
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  uint32_t output_nr() const;
  bool is_leaf() const;
  // Keep the gradient of this non-leaf in grad() after backward.
  void retain_grad() const;
  bool retains_grad() const;
  Tensor detach() const;
  const Tensor& detach_() const;
  // Gives this leaf `data`'s storage, dtype and geometry in place, keeping its identity,
  // requires_grad and hooks (what Module::to uses; PyTorch's `t.data = data`).
  const Tensor& set_data(const Tensor& data) const;
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const tensor_list& inputs = {}) const;
  // Calls `hook(grad)` when the gradient of this tensor is computed; a hook that returns a
  // tensor replaces the gradient. The handle removes it.
  template <class F>
  HookHandle register_hook(F&& hook) const;
  // Calls `hook(*this)` each time backward has accumulated a gradient into this leaf's grad()
  // (PyTorch's register_post_accumulate_grad_hook: an optimizer step per parameter, say).
  HookHandle register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  // A name shown by print_graph / to_dot (optional).
  const std::string& name() const;
  const Tensor& set_name(std::string name) const;

  // ---- conversions and copies -------------------------------------------------------------
  Tensor to(DType dtype, bool copy = false, TG_CALLER) const;
  Tensor to(Device device, bool copy = false, TG_CALLER) const;
  Tensor to(Device device, DType dtype, bool copy = false, TG_CALLER) const;
  Tensor type_as(const Tensor& other, TG_CALLER) const;  // to(other.dtype())
  Tensor cpu(TG_CALLER) const;
  Tensor cuda(int index = 0, TG_CALLER) const;
  // A copy in page-locked memory (this tensor when it already is): copies from it to a GPU are
  // faster. Needs a CUDA device.
  Tensor pin_memory(TG_CALLER) const;
  bool is_pinned() const;
  Tensor contiguous(TG_CALLER) const;
  Tensor contiguous(MemoryFormat format, TG_CALLER) const;  // this tensor when laid out so already
  Tensor clone(TG_CALLER) const;                            // row-major
  Tensor clone(MemoryFormat format, TG_CALLER) const;       // preserve_format keeps dense strides
  const Tensor& copy_(const Tensor& src, TG_CALLER) const;
  const Tensor& fill_(const Scalar& value, TG_CALLER) const;
  // Fill with draws from a distribution (torch.Tensor.uniform_ and friends), from `generator` or
  // the default one. Draws are made on the tensor's device and cast in: uniform_ and normal_ draw
  // in float32 unless the tensor (a complex one's parts) is float64, as PyTorch's, the others in
  // float64. uniform_ and normal_ also fill complex tensors, both parts alike (normal_: each part
  // std / sqrt(2), the mean to both, as PyTorch's). uniform_ is [from, to); random_ draws integers
  // in [from, to), to defaulting to the dtype's largest (for floats 2^mantissa bits, +1 as PyTorch's).
  const Tensor& uniform_(double from = 0.0, double to = 1.0, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& normal_(double mean = 0.0, double std = 1.0, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& bernoulli_(double p = 0.5, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& bernoulli_(const Tensor& p, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& random_(int64_t from, std::optional<int64_t> to, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& random_(int64_t to, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& random_(Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& exponential_(double lambd = 1.0, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& geometric_(double p, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& cauchy_(double median = 0.0, double sigma = 1.0, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& log_normal_(double mean = 1.0, double std = 2.0, Generator* generator = nullptr, TG_CALLER) const;
  const Tensor& zero_(TG_CALLER) const;

  // ---- views (share storage with this tensor) --------------------------------------------
  Tensor view(const Shape& shape, TG_CALLER) const;
  Tensor view(DType dtype, TG_CALLER) const;  // the same bytes as another dtype
  Tensor view_as(const Tensor& other, TG_CALLER) const;
  Tensor reshape(const Shape& shape, TG_CALLER) const;  // a view when the strides allow it
  Tensor reshape_as(const Tensor& other, TG_CALLER) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1, TG_CALLER) const;
  Tensor unflatten(int64_t dim, const Shape& sizes, TG_CALLER) const;
  Tensor transpose(int64_t dim0, int64_t dim1, TG_CALLER) const;
  Tensor t(TG_CALLER) const;
  Tensor mT(TG_CALLER) const;
  Tensor permute(const Shape& dims, TG_CALLER) const;
  Tensor squeeze(TG_CALLER) const;
  Tensor squeeze(int64_t dim, TG_CALLER) const;
  Tensor squeeze(const Shape& dims, TG_CALLER) const;  // those of dims that have size 1
  Tensor unsqueeze(int64_t dim, TG_CALLER) const;
  // Complex tensors' parts and conjugate (tensor/ops/complex.h).
  Tensor real(TG_CALLER) const;
  Tensor imag(TG_CALLER) const;
  Tensor conj(TG_CALLER) const;
  Tensor conj_physical(TG_CALLER) const;
  Tensor resolve_conj(TG_CALLER) const;
  bool is_conj() const { return false; }
  Tensor angle(TG_CALLER) const;
  // The conjugate transpose of the last two dims (of a 2-D tensor for H): mT and t for real
  // tensors, a conjugated copy for complex ones.
  Tensor mH(TG_CALLER) const;
  Tensor H(TG_CALLER) const;
  Tensor adjoint(TG_CALLER) const;
  // In-place views: this tensor (every handle to it) takes the view's shape and strides.
  const Tensor& t_(TG_CALLER) const;
  const Tensor& transpose_(int64_t dim0, int64_t dim1, TG_CALLER) const;
  const Tensor& squeeze_(TG_CALLER) const;
  const Tensor& squeeze_(int64_t dim, TG_CALLER) const;
  const Tensor& squeeze_(const Shape& dims, TG_CALLER) const;
  const Tensor& unsqueeze_(int64_t dim, TG_CALLER) const;
  const Tensor& as_strided_(const Shape& sizes, const Shape& strides,
                            std::optional<int64_t> storage_offset = std::nullopt, TG_CALLER) const;
  // PyTorch's resize_ / resize_as_ / set_ (see tensor/ops/views.h).
  const Tensor& resize_(const Shape& sizes, TG_CALLER) const;
  const Tensor& resize_as_(const Tensor& other, TG_CALLER) const;
  const Tensor& set_(const Tensor& source, TG_CALLER) const;
  const Tensor& set_(TG_CALLER) const;
  Tensor expand(const Shape& sizes, TG_CALLER) const;
  Tensor expand_as(const Tensor& other, TG_CALLER) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length, TG_CALLER) const;
  Tensor narrow_copy(int64_t dim, int64_t start, int64_t length, TG_CALLER) const;  // a contiguous copy
  Tensor select(int64_t dim, int64_t index, TG_CALLER) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1,
               TG_CALLER) const;
  Tensor as_strided(const Shape& sizes, const Shape& strides, std::optional<int64_t> storage_offset = std::nullopt,
                    TG_CALLER) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1, TG_CALLER) const;
  Tensor unfold(int64_t dim, int64_t size, int64_t step, TG_CALLER) const;
  Tensor operator[](int64_t index) const;

  // ---- indexing -------------------------------------------------------------------------------
  // PyTorch's indexing: t.index({Slice(0, 4, 2), 1, None, Ellipsis, mask, idx}).
  Tensor index(std::initializer_list<TensorIndex> indices, TG_CALLER) const;
  Tensor index(const std::vector<TensorIndex>& indices, TG_CALLER) const;
  const Tensor& index_put_(std::initializer_list<TensorIndex> indices, const Tensor& values,
                           bool accumulate = false, TG_CALLER) const;
  const Tensor& index_put_(const std::vector<TensorIndex>& indices, const Tensor& values,
                           bool accumulate = false, TG_CALLER) const;
  const Tensor& index_put_(std::initializer_list<TensorIndex> indices, const Scalar& value, TG_CALLER) const;
  const Tensor& index_put_(const std::vector<TensorIndex>& indices, const Scalar& value, TG_CALLER) const;
  // A copy with self[indices] = values (+= with accumulate); indices as torch.index_put's.
  Tensor index_put(const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate = false,
                   TG_CALLER) const;
  Tensor index_select(int64_t dim, const Tensor& index, TG_CALLER) const;
  Tensor gather(int64_t dim, const Tensor& index, TG_CALLER) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Scalar& value, TG_CALLER) const;
  const Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER) const;
  const Tensor& scatter_(int64_t dim, const Tensor& index, const Scalar& value, TG_CALLER) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER) const;
  const Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER) const;
  Tensor scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce,
                        bool include_self = true, TG_CALLER) const;
  const Tensor& scatter_reduce_(int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce,
                                bool include_self = true, TG_CALLER) const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value, TG_CALLER) const;
  Tensor masked_fill(const Tensor& mask, const Tensor& value, TG_CALLER) const;
  const Tensor& masked_fill_(const Tensor& mask, const Scalar& value, TG_CALLER) const;
  const Tensor& masked_fill_(const Tensor& mask, const Tensor& value, TG_CALLER) const;
  // where(condition, *this, other), as PyTorch's Tensor.where.
  Tensor where(const Tensor& condition, const Tensor& other, TG_CALLER) const;
  Tensor where(const Tensor& condition, const Scalar& other, TG_CALLER) const;
  Tensor nonzero(TG_CALLER) const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false, bool stable = false,
                                  TG_CALLER) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false, TG_CALLER) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true,
                                  TG_CALLER) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false, TG_CALLER) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false, TG_CALLER) const;

  // ---- elementwise ----------------------------------------------------------------------------
#define TG_UNARY_OP(name, ...)             \
  Tensor name(TG_CALLER) const;            \
  const Tensor& name##_(TG_CALLER) const;
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
#define TG_BINARY_OP(name, ...)                                        \
  Tensor name(const Tensor& other, TG_CALLER) const;                   \
  Tensor name(const Scalar& other, TG_CALLER) const;                   \
  const Tensor& name##_(const Tensor& other, TG_CALLER) const;         \
  const Tensor& name##_(const Scalar& other, TG_CALLER) const;
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
  // add and sub also take PyTorch's multiplier: a.add(b, alpha) == a + alpha * b.
  Tensor add(const Tensor& other, const Scalar& alpha, TG_CALLER) const;
  Tensor sub(const Tensor& other, const Scalar& alpha, TG_CALLER) const;
  const Tensor& add_(const Tensor& other, const Scalar& alpha, TG_CALLER) const;
  const Tensor& sub_(const Tensor& other, const Scalar& alpha, TG_CALLER) const;
  // Division rounded "trunc" or "floor".
  Tensor div(const Tensor& other, std::string_view rounding_mode, TG_CALLER) const;
  Tensor div(const Scalar& other, std::string_view rounding_mode, TG_CALLER) const;
#define TG_COMPARE_OP(name, ...)                               \
  Tensor name(const Tensor& other, TG_CALLER) const;           \
  Tensor name(const Scalar& other, TG_CALLER) const;           \
  const Tensor& name##_(const Tensor& other, TG_CALLER) const; \
  const Tensor& name##_(const Scalar& other, TG_CALLER) const;
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
  Tensor logical_not(TG_CALLER) const;
  const Tensor& logical_not_(TG_CALLER) const;
#define TG_BITWISE_OP(name, ...)                               \
  Tensor name(const Tensor& other, TG_CALLER) const;           \
  Tensor name(const Scalar& other, TG_CALLER) const;           \
  const Tensor& name##_(const Tensor& other, TG_CALLER) const; \
  const Tensor& name##_(const Scalar& other, TG_CALLER) const;
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
  Tensor bitwise_not(TG_CALLER) const;
  const Tensor& bitwise_not_(TG_CALLER) const;
  Tensor clamp(const std::optional<Scalar>& min, const std::optional<Scalar>& max = std::nullopt, TG_CALLER) const;
  Tensor clamp(const std::optional<Tensor>& min, const std::optional<Tensor>& max = std::nullopt, TG_CALLER) const;
  const Tensor& clamp_(const std::optional<Scalar>& min, const std::optional<Scalar>& max = std::nullopt,
                       TG_CALLER) const;
  const Tensor& clamp_(const std::optional<Tensor>& min, const std::optional<Tensor>& max = std::nullopt,
                       TG_CALLER) const;
  Tensor clamp_min(const Scalar& min, TG_CALLER) const;
  Tensor clamp_max(const Scalar& max, TG_CALLER) const;
  Tensor clamp_min(const Tensor& min, TG_CALLER) const;
  Tensor clamp_max(const Tensor& max, TG_CALLER) const;
  const Tensor& clamp_min_(const Scalar& min, TG_CALLER) const;
  const Tensor& clamp_max_(const Scalar& max, TG_CALLER) const;
  const Tensor& clamp_min_(const Tensor& min, TG_CALLER) const;
  const Tensor& clamp_max_(const Tensor& max, TG_CALLER) const;
  Tensor lerp(const Tensor& end, const Scalar& weight, TG_CALLER) const;
  Tensor lerp(const Tensor& end, const Tensor& weight, TG_CALLER) const;
  const Tensor& lerp_(const Tensor& end, const Scalar& weight, TG_CALLER) const;
  const Tensor& lerp_(const Tensor& end, const Tensor& weight, TG_CALLER) const;
  Tensor square(TG_CALLER) const;
  const Tensor& square_(TG_CALLER) const;
  Tensor addcmul(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1, TG_CALLER) const;
  const Tensor& addcmul_(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1, TG_CALLER) const;
  Tensor addcdiv(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1, TG_CALLER) const;
  const Tensor& addcdiv_(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1, TG_CALLER) const;
  Tensor nan_to_num(double nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt, TG_CALLER) const;
  const Tensor& nan_to_num_(double nan = 0.0, std::optional<double> posinf = std::nullopt,
                            std::optional<double> neginf = std::nullopt, TG_CALLER) const;
  Tensor isclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
                 TG_CALLER) const;

  // ---- reductions (an empty dim list means every dim) ------------------------------------------
  Tensor sum(std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor sum(const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor mean(std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor mean(const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor prod(std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor prod(const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor max(TG_CALLER) const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false, TG_CALLER) const;
  Tensor max(const Tensor& other, TG_CALLER) const;
  Tensor min(TG_CALLER) const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false, TG_CALLER) const;
  Tensor min(const Tensor& other, TG_CALLER) const;
  Tensor amax(const Shape& dims = {}, bool keepdim = false, TG_CALLER) const;
  Tensor amin(const Shape& dims = {}, bool keepdim = false, TG_CALLER) const;
  Tensor var(const Shape& dims = {}, double correction = 1, bool keepdim = false, TG_CALLER) const;
  Tensor std(const Shape& dims = {}, double correction = 1, bool keepdim = false, TG_CALLER) const;
  Tensor norm(const Scalar& p = 2, const Shape& dims = {}, bool keepdim = false, TG_CALLER) const;
  Tensor logsumexp(const Shape& dims, bool keepdim = false, TG_CALLER) const;
  // Summed down to `size`, which must broadcast to this tensor's shape (autograd's reduction).
  Tensor sum_to_size(const Shape& size, TG_CALLER) const;
  Tensor polygamma(int64_t n, TG_CALLER) const;
  const Tensor& polygamma_(int64_t n, TG_CALLER) const;
  std::tuple<Tensor, Tensor> kthvalue(int64_t k, int64_t dim = -1, bool keepdim = false, TG_CALLER) const;
  Tensor median(TG_CALLER) const;
  std::tuple<Tensor, Tensor> median(int64_t dim, bool keepdim = false, TG_CALLER) const;
  Tensor nanmedian(TG_CALLER) const;
  std::tuple<Tensor, Tensor> nanmedian(int64_t dim, bool keepdim = false, TG_CALLER) const;
  std::tuple<Tensor, Tensor> mode(int64_t dim = -1, bool keepdim = false, TG_CALLER) const;
  Tensor quantile(double q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                  std::string_view interpolation = "linear", TG_CALLER) const;
  Tensor quantile(const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                  std::string_view interpolation = "linear", TG_CALLER) const;
  Tensor nanquantile(double q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                     std::string_view interpolation = "linear", TG_CALLER) const;
  Tensor nanquantile(const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                     std::string_view interpolation = "linear", TG_CALLER) const;
  Tensor cumsum(int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  const Tensor& cumsum_(int64_t dim, TG_CALLER) const;
  const Tensor& cumprod_(int64_t dim, TG_CALLER) const;
  Tensor cumprod(int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  std::tuple<Tensor, Tensor> cummax(int64_t dim, TG_CALLER) const;
  std::tuple<Tensor, Tensor> cummin(int64_t dim, TG_CALLER) const;
  Tensor logcumsumexp(int64_t dim, TG_CALLER) const;
  Tensor all(TG_CALLER) const;
  Tensor all(int64_t dim, bool keepdim = false, TG_CALLER) const;
  Tensor any(TG_CALLER) const;
  Tensor any(int64_t dim, bool keepdim = false, TG_CALLER) const;
  Tensor all(const Shape& dims, bool keepdim = false, TG_CALLER) const;
  Tensor any(const Shape& dims, bool keepdim = false, TG_CALLER) const;

  // ---- shape ----------------------------------------------------------------------------------
  Tensor repeat(const Shape& repeats, TG_CALLER) const;
  Tensor flip(const Shape& dims, TG_CALLER) const;
  Tensor roll(const Shape& shifts, const Shape& dims = {}, TG_CALLER) const;
  Tensor tril(int64_t diagonal = 0, TG_CALLER) const;
  Tensor triu(int64_t diagonal = 0, TG_CALLER) const;
  const Tensor& tril_(int64_t diagonal = 0, TG_CALLER) const;
  const Tensor& triu_(int64_t diagonal = 0, TG_CALLER) const;
  const Tensor& fill_diagonal_(const Scalar& value, bool wrap = false, TG_CALLER) const;
  Tensor ravel(TG_CALLER) const;
  Tensor take(const Tensor& index, TG_CALLER) const;
  Tensor put(const Tensor& index, const Tensor& source, bool accumulate = false, TG_CALLER) const;
  const Tensor& put_(const Tensor& index, const Tensor& source, bool accumulate = false, TG_CALLER) const;
  Tensor masked_scatter(const Tensor& mask, const Tensor& source, TG_CALLER) const;
  const Tensor& masked_scatter_(const Tensor& mask, const Tensor& source, TG_CALLER) const;
  Tensor index_reduce(int64_t dim, const Tensor& index, const Tensor& source, std::string_view reduce,
                      bool include_self = true, TG_CALLER) const;
  const Tensor& index_reduce_(int64_t dim, const Tensor& index, const Tensor& source, std::string_view reduce,
                              bool include_self = true, TG_CALLER) const;
  Tensor renorm(const Scalar& p, int64_t dim, const Scalar& maxnorm, TG_CALLER) const;
  const Tensor& renorm_(const Scalar& p, int64_t dim, const Scalar& maxnorm, TG_CALLER) const;
  tensor_list split(int64_t split_size, int64_t dim = 0, TG_CALLER) const;
  tensor_list split(const std::vector<int64_t>& split_sizes, int64_t dim = 0, TG_CALLER) const;
  tensor_list split_with_sizes(const std::vector<int64_t>& split_sizes, int64_t dim = 0, TG_CALLER) const;
  tensor_list chunk(int64_t chunks, int64_t dim = 0, TG_CALLER) const;
  Tensor tile(const Shape& dims, TG_CALLER) const;
  Tensor repeat_interleave(int64_t repeats, std::optional<int64_t> dim = std::nullopt, TG_CALLER) const;
  Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> dim = std::nullopt, TG_CALLER) const;
  Tensor diff(int64_t n = 1, int64_t dim = -1, const Tensor& prepend = {}, const Tensor& append = {},
              TG_CALLER) const;
  Tensor diag(int64_t diagonal = 0, TG_CALLER) const;
  Tensor trace(TG_CALLER) const;

  // ---- linear algebra and softmax ---------------------------------------------------------
  Tensor matmul(const Tensor& other, TG_CALLER) const;
  Tensor mm(const Tensor& other, TG_CALLER) const;
  Tensor bmm(const Tensor& other, TG_CALLER) const;
  Tensor dot(const Tensor& other, TG_CALLER) const;
  Tensor outer(const Tensor& other, TG_CALLER) const;
  Tensor softmax(int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;
  Tensor log_softmax(int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER) const;

  // ---- compound assignment (in place) -----------------------------------------------------
  const Tensor& operator+=(const Operand& other) const;
  const Tensor& operator-=(const Operand& other) const;
  const Tensor& operator*=(const Operand& other) const;
  const Tensor& operator/=(const Operand& other) const;
  const Tensor& operator&=(const Operand& other) const;
  const Tensor& operator|=(const Operand& other) const;
  const Tensor& operator^=(const Operand& other) const;

 private:
  void check_data_ptr(DType requested, const char* what) const;
  void* raw_data_ptr() const;
  HookHandle add_hook(std::function<Tensor(const Tensor&)> hook) const;

  IntrusivePtr<TensorImpl> impl_;
};

// An operand of an overloaded operator: a tensor or a number. Built implicitly at the operator's
// call site, it remembers that site for anomaly mode (operators cannot take a defaulted argument).
class Operand {
 public:
  Operand(const Tensor& t, SourceLoc loc = SourceLoc::current()) : tensor_(&t), loc_(loc) {}  // NOLINT
  template <class T>
    requires std::is_arithmetic_v<T>
  Operand(T v, SourceLoc loc = SourceLoc::current()) : scalar_(v), loc_(loc) {}  // NOLINT
  Operand(const Scalar& s, SourceLoc loc = SourceLoc::current()) : scalar_(s), loc_(loc) {}  // NOLINT

  bool is_tensor() const { return tensor_ != nullptr; }
  const Tensor& tensor() const { return *tensor_; }
  const Scalar& scalar() const { return scalar_; }
  const SourceLoc& loc() const { return loc_; }

 private:
  const Tensor* tensor_ = nullptr;
  Scalar scalar_;
  SourceLoc loc_;
};

// A number on the left of an operator whose right side is a tensor (2 * x).
class ScalarOperand {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  ScalarOperand(T v, SourceLoc loc = SourceLoc::current()) : scalar_(v), loc_(loc) {}  // NOLINT
  ScalarOperand(const Scalar& s, SourceLoc loc = SourceLoc::current()) : scalar_(s), loc_(loc) {}  // NOLINT
  const Scalar& scalar() const { return scalar_; }
  const SourceLoc& loc() const { return loc_; }

 private:
  Scalar scalar_;
  SourceLoc loc_;
};

Tensor operator+(const Tensor& a, const Operand& b);
Tensor operator-(const Tensor& a, const Operand& b);
Tensor operator*(const Tensor& a, const Operand& b);
Tensor operator/(const Tensor& a, const Operand& b);
Tensor operator+(const ScalarOperand& a, const Tensor& b);
Tensor operator-(const ScalarOperand& a, const Tensor& b);
Tensor operator*(const ScalarOperand& a, const Tensor& b);
Tensor operator/(const ScalarOperand& a, const Tensor& b);
Tensor operator-(const Operand& a);
Tensor operator==(const Tensor& a, const Operand& b);
Tensor operator!=(const Tensor& a, const Operand& b);
Tensor operator<(const Tensor& a, const Operand& b);
Tensor operator<=(const Tensor& a, const Operand& b);
Tensor operator>(const Tensor& a, const Operand& b);
Tensor operator>=(const Tensor& a, const Operand& b);
Tensor operator==(const ScalarOperand& a, const Tensor& b);
Tensor operator!=(const ScalarOperand& a, const Tensor& b);
Tensor operator<(const ScalarOperand& a, const Tensor& b);
Tensor operator<=(const ScalarOperand& a, const Tensor& b);
Tensor operator>(const ScalarOperand& a, const Tensor& b);
Tensor operator>=(const ScalarOperand& a, const Tensor& b);
Tensor operator&(const Tensor& a, const Operand& b);
Tensor operator|(const Tensor& a, const Operand& b);
Tensor operator^(const Tensor& a, const Operand& b);
Tensor operator~(const Operand& a);

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);

}  // namespace tg

#include "tapegrad/tensor/tensor_impl.h"
#include "tapegrad/autograd/hooks.h"
