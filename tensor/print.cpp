// Printing tensors in PyTorch's layout: aligned columns, fixed/scientific/integer float modes,
// summarised with "..." past 1000 elements, then dtype/device/grad_fn suffixes.
#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "tapegrad/autograd/node.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

constexpr int64_t kThreshold = 1000, kEdgeItems = 3, kLineWidth = 80, kPrecision = 4;

enum class Kind { Float, Int, Bool };

class Formatter {
 public:
  Formatter(Kind kind, const std::vector<double>& values) : kind_(kind) {
    if (kind_ != Kind::Float) {
      for (double v : values) width_ = std::max(width_, str_plain(v).size());
      return;
    }
    std::vector<double> finite;
    for (double v : values)
      if (std::isfinite(v) && v != 0) finite.push_back(v);
    if (finite.empty()) return;
    double lo = INFINITY, hi = 0;
    for (double v : finite) {
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      sci_ = hi / lo > 1000.0 || hi > 1e8;
      for (double v : finite)
        width_ = std::max(width_, sci_ ? fmt::format("{:.{}e}", v, kPrecision).size() : fmt::format("{:.0f}", v).size() + 1);
    } else {
      sci_ = hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4;
      for (double v : finite)
        width_ = std::max(width_, (sci_ ? fmt::format("{:.{}e}", v, kPrecision) : fmt::format("{:.{}f}", v, kPrecision)).size());
    }
  }
  size_t width() const { return width_; }
  std::string format(double v) const {
    std::string s;
    if (kind_ != Kind::Float) {
      s = str_plain(v);
    } else if (sci_) {
      s = fmt::format("{:.{}e}", v, kPrecision);
    } else if (int_mode_) {
      s = fmt::format("{:.0f}", v);
      if (std::isfinite(v)) s += ".";
    } else {
      s = fmt::format("{:.{}f}", v, kPrecision);
    }
    if (s.size() < width_) s.insert(0, width_ - s.size(), ' ');
    return s;
  }

 private:
  std::string str_plain(double v) const {
    if (kind_ == Kind::Bool) return v != 0 ? "True" : "False";
    return fmt::format("{}", static_cast<int64_t>(v));
  }
  Kind kind_;
  bool int_mode_ = true, sci_ = false;
  size_t width_ = 1;
};

// Values of `t` (contiguous, converted to double) with its shape.
struct Values {
  std::vector<double> data;
  Shape sizes;
  Shape strides;
  double at(int64_t offset) const { return data[static_cast<size_t>(offset)]; }
};

// The values a summarised print shows, for the formatter's widths.
void collect_shown(const Values& v, int dim, int64_t offset, bool summarize, std::vector<double>& out) {
  if (dim == v.sizes.size()) {
    out.push_back(v.at(offset));
    return;
  }
  const int64_t n = v.sizes[dim];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    collect_shown(v, dim + 1, offset + i * v.strides[dim], summarize, out);
  }
}

std::string vector_str(const Values& v, int64_t offset, int indent, bool summarize, const Formatter& f) {
  const int64_t n = v.sizes.back(), stride = v.strides.back();
  const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / static_cast<int64_t>(f.width() + 2));
  std::vector<std::string> items;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      items.push_back(" ...");
      i = n - kEdgeItems;
    }
    items.push_back(f.format(v.at(offset + i * stride)));
  }
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += (static_cast<int64_t>(i) % per_line == 0) ? ",\n" + std::string(static_cast<size_t>(indent + 1), ' ') : ", ";
    s += items[i];
  }
  return s + "]";
}

std::string tensor_str(const Values& v, int dim, int64_t offset, int indent, bool summarize, const Formatter& f) {
  const int nd = v.sizes.size();
  if (dim == nd - 1) return vector_str(v, offset, indent, summarize, f);
  const int64_t n = v.sizes[dim];
  std::vector<std::string> slices;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      slices.push_back("...");
      i = n - kEdgeItems;
    }
    slices.push_back(tensor_str(v, dim + 1, offset + i * v.strides[dim], indent + 1, summarize, f));
  }
  const std::string sep = "," + std::string(static_cast<size_t>(nd - 1 - dim), '\n') + std::string(static_cast<size_t>(indent + 1), ' ');
  std::string s = "[";
  for (size_t i = 0; i < slices.size(); ++i) s += (i ? sep : "") + slices[i];
  return s + "]";
}

std::string add_suffixes(std::string body, const std::vector<std::string>& suffixes, int indent) {
  const size_t nl = body.rfind('\n');
  size_t last = nl == std::string::npos ? body.size() + 1 : body.size() - nl + 1;
  for (const std::string& s : suffixes) {
    if (static_cast<int64_t>(last + s.size() + 2) > kLineWidth) {
      body += ",\n" + std::string(static_cast<size_t>(indent), ' ') + s;
      last = static_cast<size_t>(indent) + s.size();
    } else {
      body += ", " + s;
      last += s.size() + 2;
    }
  }
  return body + ")";
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  std::vector<std::string> suffixes;
  if (!t.is_cpu()) suffixes.push_back(fmt::format("device='{}'", t.device()));
  const bool default_dtype_shown = t.dtype() == default_dtype() || t.dtype() == kInt64 || t.dtype() == kBool;
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back(fmt::format("size=({})", fmt::join(t.sizes(), ", ")));
    if (t.dtype() != default_dtype()) suffixes.push_back(fmt::format("dtype={}", t.dtype()));
    body = "[]";
  } else {
    if (!default_dtype_shown) suffixes.push_back(fmt::format("dtype={}", t.dtype()));
    const Kind kind = t.is_floating_point() ? Kind::Float : t.dtype() == kBool ? Kind::Bool : Kind::Int;
    Values v;
    {
      Tensor d = ops::contiguous(ops::cast(ops::alias(t.is_cpu() ? t : ops::to_device(t, Device::cpu())), kFloat64));
      const double* p = d.data_ptr<double>();
      v.data.assign(p, p + d.numel());
    }
    v.sizes = t.sizes();
    v.strides = contiguous_strides(t.sizes());
    const bool summarize = t.numel() > kThreshold;
    std::vector<double> shown;
    collect_shown(v, 0, 0, summarize, shown);
    Formatter f(kind, shown);
    body = t.dim() == 0 ? f.format(v.data[0]) : tensor_str(v, 0, 0, indent, summarize, f);
  }
  if (t.grad_fn()) {
    suffixes.push_back(fmt::format("grad_fn=<{}>", t.grad_fn()->name()));
  } else if (t.requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  return add_suffixes(prefix + body, suffixes, indent);
}

std::string Tensor::str() const { return to_string(*this); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace tg
