#include "optim_keywords.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <tapegrad/optim/muon.h>
#include <tapegrad/tensor/error.h>

namespace tgpy {
namespace {

// torch keywords that take a tuple, and the options it sets, in order.
struct TupleKeyword {
  std::string_view key;
  std::array<std::string_view, 3> fields;
  size_t count;
  bool first_may_be_none;  // Adafactor's eps=(None, 1e-3): the dtype's machine epsilon, NaN here
};
constexpr TupleKeyword kTupleKeywords[] = {
    {"betas", {"beta1", "beta2"}, 2, false},
    {"etas", {"etaminus", "etaplus"}, 2, false},
    {"step_sizes", {"step_size_min", "step_size_max"}, 2, false},
    {"eps", {"eps1", "eps2"}, 2, true},
    {"ns_coefficients", {"ns_a", "ns_b", "ns_c"}, 3, false},
};

// Muon's adjust_lr_fn names, in the order of tg::optim's kMuon* values (None: kMuonOriginal).
constexpr std::string_view kMuonLrFns[] = {"original", "match_rms_adamw", "spectral_unclamped"};
static_assert(tg::optim::kMuonOriginal == 0 && tg::optim::kMuonMatchRmsAdamW == 1 &&
              tg::optim::kMuonSpectralUnclamped == 2);

const TupleKeyword* tuple_keyword(std::string_view key, const HasOption& has) {
  for (const auto& k : kTupleKeywords)
    if (k.key == key && has(k.fields[0])) return &k;
  return nullptr;
}

// The tuple keyword whose options include `name`, and its position there.
std::pair<const TupleKeyword*, size_t> tuple_of(std::string_view name, const HasOption& has) {
  for (const auto& k : kTupleKeywords)
    for (size_t i = 0; i < k.count; ++i)
      if (k.fields[i] == name && has(k.fields[0])) return {&k, i};
  return {nullptr, 0};
}

}  // namespace

py::dict torch_options(const std::vector<OptionValue>& options) {
  const HasOption has = [&](std::string_view n) {
    return std::any_of(options.begin(), options.end(), [&](const OptionValue& o) { return o.name == n; });
  };
  const auto value_of = [&](std::string_view n) {
    return std::find_if(options.begin(), options.end(), [&](const OptionValue& o) { return o.name == n; })->value;
  };
  py::dict out;
  for (const OptionValue& o : options) {
    if (const auto [k, i] = tuple_of(o.name, has); k != nullptr) {
      if (i != 0) continue;  // written with the first of its tuple
      py::tuple values(k->count);
      for (size_t j = 0; j < k->count; ++j) {
        const double v = value_of(k->fields[j]);
        values[j] = j == 0 && k->first_may_be_none && std::isnan(v) ? py::object(py::none()) : py::float_(v);
      }
      out[py::str(std::string(k->key))] = values;
    } else {
      out[py::str(o.name)] = torch_option(o, has);
    }
  }
  return out;
}

py::object torch_option(const OptionValue& o, const HasOption& has) {
  if (tuple_of(o.name, has).first != nullptr) return {};
  if (o.name == "adjust_lr_fn") {
    const auto fn = static_cast<size_t>(o.value);
    return fn == tg::optim::kMuonOriginal ? py::object(py::none())
           : fn < std::size(kMuonLrFns)   ? py::object(py::str(kMuonLrFns[fn]))
                                          : py::object(py::int_(fn));
  }
  if (o.type == 'b') return py::bool_(o.value != 0);
  if (o.type == 'i') return py::int_(static_cast<int64_t>(o.value));
  return py::float_(o.value);
}

bool is_torch_keyword(std::string_view key, const HasOption& has) {
  return tuple_keyword(key, has) != nullptr || (key == "adjust_lr_fn" && has(key));
}

bool set_torch_keyword(const std::string& key, py::handle value, const char* optimizer, const HasOption& has,
                       const std::function<void(const std::string&, double)>& set) {
  if (const TupleKeyword* k = tuple_keyword(key, has)) {
    TG_CHECK_TYPE(py::isinstance<py::sequence>(value) && !py::isinstance<py::str>(value),
                  "{}: {} must be a tuple of {} numbers, got {}", optimizer, key, k->count,
                  Py_TYPE(value.ptr())->tp_name);
    const auto items = py::reinterpret_borrow<py::sequence>(value);
    TG_CHECK_VALUE(items.size() == k->count, "{}: {} must be a tuple of {} numbers, got {}", optimizer, key, k->count,
                   items.size());
    std::array<double, 3> values{};
    for (size_t i = 0; i < k->count; ++i) {
      const py::object item = items[i];
      if (i == 0 && k->first_may_be_none && item.is_none()) {
        values[i] = std::nan("");
        continue;
      }
      TG_CHECK_TYPE(PyNumber_Check(item.ptr()), "{}: {} must be a tuple of {} numbers, got a {} in it", optimizer, key,
                    k->count, Py_TYPE(item.ptr())->tp_name);
      values[i] = py::cast<double>(item);
    }
    for (size_t i = 0; i < k->count; ++i) set(std::string(k->fields[i]), values[i]);
    return true;
  }
  if (key == "adjust_lr_fn" && has(key)) {
    size_t fn = tg::optim::kMuonOriginal;
    if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
      // the index earlier versions saved in state_dicts
      const auto index = py::cast<int64_t>(value);
      TG_CHECK_VALUE(index >= 0 && index < static_cast<int64_t>(std::size(kMuonLrFns)),
                     "{}: adjust_lr_fn {} is not supported", optimizer, index);
      fn = static_cast<size_t>(index);
    } else if (!value.is_none()) {
      TG_CHECK_TYPE(py::isinstance<py::str>(value), "{}: adjust_lr_fn must be None or a str, got {}", optimizer,
                    Py_TYPE(value.ptr())->tp_name);
      const auto name = py::cast<std::string>(value);
      const auto it = std::find(std::begin(kMuonLrFns), std::end(kMuonLrFns), name);
      TG_CHECK_VALUE(it != std::end(kMuonLrFns),
                     "{}: adjust_lr_fn {} is not supported (one of None, 'original', "
                     "'match_rms_adamw', 'spectral_unclamped')",
                     optimizer, name);
      fn = static_cast<size_t>(it - std::begin(kMuonLrFns));
    }
    set(key, static_cast<double>(fn));
    return true;
  }
  return false;
}

}  // namespace tgpy
