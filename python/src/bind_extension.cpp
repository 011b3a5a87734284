// tg._C.ext: loading C++/CUDA extensions built by tg.utils.cpp_extension and calling their ops.
#include "bindings.h"

#include "build_info.h"

namespace tgpy {

namespace {

tg::ext::Value to_value(py::handle h) {
  if (is_tensor(h)) return as_tensor(h);
  if (is_number(h)) return to_scalar(h);
  if (PyUnicode_Check(h.ptr())) return py::cast<std::string>(h);
  if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr())) {
    bool ints = true;
    for (const py::handle item : h) ints = ints && PyLong_Check(item.ptr()) && !PyBool_Check(item.ptr());
    if (ints) return py::cast<std::vector<int64_t>>(h);
  }
  return to_tensor(h);
}

py::object from_value(const tg::ext::Value& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

}  // namespace

void bind_extension(py::module_& root) {
  py::module_ m = root.def_submodule("ext", "C++/CUDA extension ops (see tg.utils.cpp_extension)");
  // Ops live as long as the process (their library is never unloaded).
  py::class_<tg::ext::Op>(m, "Op")
      .def_readonly("name", &tg::ext::Op::name)
      .def_readonly("num_args", &tg::ext::Op::num_args)
      .def("__call__", [](const tg::ext::Op& op, py::args args) {
        std::vector<tg::ext::Value> values;
        values.reserve(args.size());
        for (const py::handle a : args) values.push_back(to_value(a));
        tg::ext::OpResult r = nogil([&] { return op.fn(values); });
        if (r.single) return from_value(r.values.at(0));
        py::tuple out(r.values.size());
        for (size_t i = 0; i < r.values.size(); ++i) out[i] = from_value(r.values[i]);
        return py::object(out);
      })
      .def("__repr__", [](const tg::ext::Op& op) { return fmt::format("<extension op {} ({} args)>", op.name, op.num_args); });
  m.def("load_library", [](const std::string& path) {
    std::vector<const tg::ext::Op*> ops = nogil([&] { return tg::ext::load_library(path); });
    py::list out;
    for (const tg::ext::Op* op : ops) out.append(py::cast(op, py::return_value_policy::reference));
    return out;
  }, py::arg("path"));
  m.def("build_info", [] {
    py::dict d;
    for (const auto& [k, v] : kBuildInfo) d[py::str(k)] = v;
    return d;
  });
}

}  // namespace tgpy
