#pragma once
// tapegrad's optimizer options in torch.optim's form. A C++ optimizer holds flat numbers (beta1,
// beta2; Adafactor's eps1, eps2; Muon's ns_a, ns_b, ns_c and adjust_lr_fn as an index), where
// torch has one keyword for several of them ("betas", "eps", "ns_coefficients") or a name
// ("adjust_lr_fn"). The constructors, `defaults`, `param_groups` and state_dicts all translate
// through here, so each reads and writes the same keys.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <pybind11/pybind11.h>

namespace tgpy {

namespace py = pybind11;

// One option of a C++ optimizer: its name, value and type ('b' bool, 'i' integer, 'f' real).
struct OptionValue {
  std::string name;
  double value;
  char type;
};

// Whether an optimizer has an option of this name.
using HasOption = std::function<bool(std::string_view)>;

// The options as torch.optim shows them: {"lr": 0.001, "betas": (0.9, 0.999), ...}.
py::dict torch_options(const std::vector<OptionValue>& options);

// One option as torch shows it (a bool, int, float or Muon's adjust_lr_fn name), or a null object
// when torch shows it only inside a tuple keyword (Adam's beta1 is in "betas").
py::object torch_option(const OptionValue& option, const HasOption& has);

// Whether `key` is a torch keyword that stands for other options of this optimizer (or, as
// "adjust_lr_fn", takes a name for a number).
bool is_torch_keyword(std::string_view key, const HasOption& has);

// Sets the options such a keyword stands for, through set(name, value), after checking `value`;
// false (nothing set) when `key` is not one for this optimizer. `optimizer` names it in errors.
bool set_torch_keyword(const std::string& key, py::handle value, const char* optimizer, const HasOption& has,
                       const std::function<void(const std::string&, double)>& set);

}  // namespace tgpy
