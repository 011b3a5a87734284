// Printing tensors in PyTorch's layout: aligned columns, fixed/scientific/integer float modes,
// summarised with "..." past the threshold (print_options.h), then dtype/device/grad_fn suffixes.
#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "autograd/record.h"
#include "tapegrad/autograd/node.h"
#include "tapegrad/tensor/ops.h"
#include "tapegrad/tensor/print_options.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

std::mutex options_mutex;
PrintOptions options;

enum class Kind { Float, Int, Bool };

class Formatter {
 public:
  Formatter(Kind kind, const std::vector<double>& values, const PrintOptions& o)
      : kind_(kind), precision_(static_cast<int>(o.precision)) {
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
      sci_ = o.sci_mode.value_or(hi / lo > 1000.0 || hi > 1e8);
      for (double v : finite)
        width_ =
            std::max(width_, sci_ ? fmt::format("{:.{}e}", v, precision_).size() : fmt::format("{:.0f}", v).size() + 1);
    } else {
      sci_ = o.sci_mode.value_or(hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4);
      for (double v : finite)
        width_ = std::max(
            width_, (sci_ ? fmt::format("{:.{}e}", v, precision_) : fmt::format("{:.{}f}", v, precision_)).size());
    }
  }
  size_t width() const { return width_; }
  std::string format(double v) const {
    if (std::isnan(v)) v = std::fabs(v);  // "nan" as PyTorch prints it; x86's own NaN has the sign bit set
    std::string s;
    if (kind_ != Kind::Float) {
      s = str_plain(v);
    } else if (sci_) {
      s = fmt::format("{:.{}e}", v, precision_);
    } else if (int_mode_) {
      s = fmt::format("{:.0f}", v);
      if (std::isfinite(v)) s += ".";
    } else {
      s = fmt::format("{:.{}f}", v, precision_);
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
  int precision_;
  bool int_mode_ = true, sci_ = false;
  size_t width_ = 1;
};

// Values of `t` (contiguous, converted to double) with its shape; a complex tensor's imaginary
// parts in `imag`.
struct Values {
  std::vector<double> data, imag;
  Shape sizes;
  Shape strides;
  PrintOptions opts;
  double at(int64_t offset) const { return data[static_cast<size_t>(offset)]; }
};

// The values a summarised print shows, for the formatter's widths (the imaginary parts' with
// `imag`).
void collect_shown(const Values& v, int dim, int64_t offset, bool summarize, std::vector<double>& out,
                   bool imag = false) {
  if (dim == v.sizes.size()) {
    out.push_back(imag ? v.imag[static_cast<size_t>(offset)] : v.at(offset));
    return;
  }
  const int64_t n = v.sizes[dim];
  for (int64_t i = 0; i < n; ++i) {
    const int64_t edge = v.opts.edgeitems;
    if (summarize && n > 2 * edge && i == edge) i = n - edge;
    collect_shown(v, dim + 1, offset + i * v.strides[dim], summarize, out, imag);
  }
}

// The real formatter and, for complex tensors, the imaginary parts' one.
struct Formatters {
  Formatter re;
  std::optional<Formatter> im;
  size_t width() const { return re.width() + (im ? im->width() + 1 : 0); }
  // PyTorch's "1.+2.j": the imaginary part's sign joins the two.
  std::string format(const Values& v, int64_t offset) const {
    std::string s = re.format(v.at(offset));
    if (!im) return s;
    std::string i = im->format(v.imag[static_cast<size_t>(offset)]) + "j";
    i.erase(0, i.find_first_not_of(' '));
    return s + (i[0] == '+' || i[0] == '-' ? "" : "+") + i;
  }
};

std::string vector_str(const Values& v, int64_t offset, int indent, bool summarize, const Formatters& f) {
  const int64_t n = v.sizes.back(), stride = v.strides.back();
  const int64_t per_line = std::max<int64_t>(1, (v.opts.linewidth - indent) / static_cast<int64_t>(f.width() + 2));
  const int64_t edge = v.opts.edgeitems;
  std::vector<std::string> items;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * edge && i == edge) {
      items.push_back(" ...");
      i = n - edge;
    }
    items.push_back(f.format(v, offset + i * stride));
  }
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += (static_cast<int64_t>(i) % per_line == 0) ? ",\n" + std::string(static_cast<size_t>(indent + 1), ' ') : ", ";
    s += items[i];
  }
  return s + "]";
}

std::string tensor_str(const Values& v, int dim, int64_t offset, int indent, bool summarize, const Formatters& f) {
  const int nd = v.sizes.size();
  if (dim == nd - 1) return vector_str(v, offset, indent, summarize, f);
  const int64_t n = v.sizes[dim], edge = v.opts.edgeitems;
  std::vector<std::string> slices;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * edge && i == edge) {
      slices.push_back("...");
      i = n - edge;
    }
    slices.push_back(tensor_str(v, dim + 1, offset + i * v.strides[dim], indent + 1, summarize, f));
  }
  const std::string sep = "," + std::string(static_cast<size_t>(nd - 1 - dim), '\n') + std::string(static_cast<size_t>(indent + 1), ' ');
  std::string s = "[";
  for (size_t i = 0; i < slices.size(); ++i) s += (i ? sep : "") + slices[i];
  return s + "]";
}

std::string add_suffixes(std::string body, const std::vector<std::string>& suffixes, int indent, int64_t linewidth) {
  const size_t nl = body.rfind('\n');
  size_t last = nl == std::string::npos ? body.size() + 1 : body.size() - nl + 1;
  for (const std::string& s : suffixes) {
    if (static_cast<int64_t>(last + s.size() + 2) > linewidth) {
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

void set_printoptions(const PrintOptions& o) {
  TG_CHECK_VALUE(o.precision >= 0 && o.precision <= 30, "set_printoptions: precision must be in [0, 30], got {}",
                 o.precision);
  TG_CHECK_VALUE(o.threshold >= 0, "set_printoptions: threshold must be non-negative, got {}", o.threshold);
  TG_CHECK_VALUE(o.edgeitems >= 0, "set_printoptions: edgeitems must be non-negative, got {}", o.edgeitems);
  TG_CHECK_VALUE(o.linewidth > 0, "set_printoptions: linewidth must be positive, got {}", o.linewidth);
  std::lock_guard<std::mutex> lock(options_mutex);
  options = o;
}

PrintOptions get_printoptions() {
  std::lock_guard<std::mutex> lock(options_mutex);
  return options;
}

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  const PrintOptions opts = get_printoptions();
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  std::vector<std::string> suffixes;
  if (!t.is_cpu()) suffixes.push_back(fmt::format("device='{}'", t.device()));
  const bool default_dtype_shown =
      t.dtype() == default_dtype() || t.dtype() == default_complex_dtype() || t.dtype() == kInt64 || t.dtype() == kBool;
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back(fmt::format("size=({})", fmt::join(t.sizes(), ", ")));
    if (t.dtype() != default_dtype()) suffixes.push_back(fmt::format("dtype={}", t.dtype()));
    body = "[]";
  } else {
    if (!default_dtype_shown) suffixes.push_back(fmt::format("dtype={}", t.dtype()));
    const Kind kind = is_inexact(t.dtype()) ? Kind::Float : t.dtype() == kBool ? Kind::Bool : Kind::Int;
    Values v;
    {
      const Tensor host = ops::alias(t.is_cpu() ? t : ops::to_device(t, Device::cpu()));
      Tensor d = ops::contiguous(ops::cast(host, t.is_complex() ? kComplex128 : kFloat64));
      if (t.is_complex()) {
        const auto* p = d.data_ptr<std::complex<double>>();
        for (int64_t i = 0; i < d.numel(); ++i) {
          v.data.push_back(p[i].real());
          v.imag.push_back(p[i].imag());
        }
      } else {
        const double* p = d.data_ptr<double>();
        v.data.assign(p, p + d.numel());
      }
    }
    v.sizes = t.sizes();
    v.strides = contiguous_strides(t.sizes());
    v.opts = opts;
    const bool summarize = t.numel() > opts.threshold;
    std::vector<double> shown;
    collect_shown(v, 0, 0, summarize, shown);
    Formatters f{Formatter(kind, shown, opts), std::nullopt};
    if (t.is_complex()) {
      std::vector<double> shown_imag;
      collect_shown(v, 0, 0, summarize, shown_imag, /*imag=*/true);
      f.im.emplace(kind, shown_imag, opts);
    }
    body = t.dim() == 0 ? f.format(v, 0) : tensor_str(v, 0, 0, indent, summarize, f);
  }
  if (t.grad_fn()) {
    suffixes.push_back(fmt::format("grad_fn=<{}>", t.grad_fn()->name()));
  } else if (t.requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  if (autograd::any_tangent(t)) suffixes.push_back("tangent=" + to_string(t.impl()->extras_if()->fw_grad));
  return add_suffixes(prefix + body, suffixes, indent, opts.linewidth);
}

std::string Tensor::str() const { return to_string(*this); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace tg
