#pragma once
// A small, strict JSON reader and string escaper for safetensors headers. Numbers must be
// integers; nesting is bounded; every malformation is a tg::Error. Private to the library.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tg::json {

struct Value {
  enum class Kind { Null, Bool, Int, String, Array, Object } kind = Kind::Null;
  bool b = false;
  int64_t i = 0;
  std::string s;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // keys unique, in file order
};

// Parses a whole document; `what` names it in error messages.
Value parse(std::string_view text, const char* what);
// `s` as a JSON string literal, quotes included.
std::string quote(std::string_view s);

}  // namespace tg::json
