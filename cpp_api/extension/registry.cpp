// The registry of extension ops and the loading of extension libraries.
#include <dlfcn.h>

#include <deque>
#include <map>
#include <mutex>

#include "tapegrad/extension.h"

namespace tg::ext {

namespace {

struct Registry {
  std::mutex mutex;                 // guards ops and pending
  std::deque<Op> ops;               // stable addresses
  std::vector<const Op*> pending;   // registered since begin_load
  std::mutex load_mutex;            // one library loads at a time
  std::map<std::string, std::vector<const Op*>> loaded;  // by path
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: extensions may unload after it
  return *r;
}

std::string describe(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) return fmt::format("a tensor {} {}", x.dtype(), x.sizes());
        else if constexpr (std::is_same_v<T, Scalar>) return "the number " + x.str();
        else if constexpr (std::is_same_v<T, std::string>) return "the string '" + x + "'";
        else return fmt::format("a list of {} ints", x.size());
      },
      v);
}

}  // namespace

namespace detail {
void bad_argument(const std::string& op, size_t index, const char* expected, const Value& got) {
  throw TypeError(fmt::format("{}: argument {} must be {}, got {}", op, index, expected, describe(got)));
}
}  // namespace detail

bool register_op(std::string name, size_t num_args, OpFn fn) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.ops.push_back(Op{std::move(name), num_args, std::move(fn)});
  r.pending.push_back(&r.ops.back());
  return true;
}

void begin_load() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.pending.clear();
}

std::vector<const Op*> end_load() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return std::exchange(r.pending, {});
}

std::vector<const Op*> load_library(const std::string& path) {
  Registry& r = registry();
  std::lock_guard lock(r.load_mutex);
  if (auto it = r.loaded.find(path); it != r.loaded.end()) return it->second;
  begin_load();
  // RTLD_NOW: a missing symbol is reported here, not at the first call.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::vector<const Op*> ops = end_load();
  TG_CHECK(handle != nullptr, "load_library: cannot load '{}': {}", path, dlerror());
  TG_CHECK(!ops.empty(), "load_library: '{}' registers no ops (mark functions with TG_EXTENSION_OP)", path);
  return r.loaded[path] = std::move(ops);
}

}  // namespace tg::ext
