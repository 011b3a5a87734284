#pragma once
// How tensors print (torch.set_printoptions): digits, when to summarise with "...", line width
// and scientific notation. Process-wide; a print reads them once when it starts.
#include <cstdint>
#include <optional>

namespace tg {

struct PrintOptions {
  int64_t precision = 4;     // digits after the point
  int64_t threshold = 1000;  // more elements than this print summarised
  int64_t edgeitems = 3;     // items kept at each end of a summarised dim
  int64_t linewidth = 80;    // characters per line before wrapping
  // Scientific notation: always (true), never (false), or when the values' range calls for it.
  std::optional<bool> sci_mode = std::nullopt;
};

void set_printoptions(const PrintOptions& options);
PrintOptions get_printoptions();

}  // namespace tg
