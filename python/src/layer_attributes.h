#pragma once
// torch.nn's configuration attributes on the C++ layers (conv.stride, loss.reduction,
// act.negative_slope, pool.kernel_size, ...), each bound to the layer's member of that name or its
// options' field of that name. The options forward reads are writable, and a write takes effect
// at the next call as it does in torch (criterion.reduction = "none"); what fixed the layer's
// parameters or structure (in_channels, hidden_size, bidirectional, ...) is read-only.
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "convert.h"

namespace tgpy::layer_attributes {

template <class T>
struct plain : std::bool_constant<std::is_arithmetic_v<T> || std::is_same_v<T, std::string> ||
                                  std::is_same_v<T, tg::nn::functional::Reduction> || std::is_same_v<T, tg::Shape> ||
                                  std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, tg::nn::Size2> ||
                                  std::is_same_v<T, tg::nn::Size3> || std::is_same_v<T, tg::nn::ConvPadding> ||
                                  std::is_same_v<T, tg::nn::ConvPadding3>> {};
template <class T>
struct plain<std::optional<T>> : plain<T> {};
template <int N>
struct plain<tg::nn::Fractions<N>> : std::true_type {};
template <int N>
struct plain<tg::nn::AdaptiveSize<N>> : std::true_type {};

template <class T>
struct optional_of {
  using type = void;
};
template <class T>
struct optional_of<std::optional<T>> {
  using type = T;
};

// Binds `name` to the member `get` reaches, when it holds a plain value (never a tensor or a
// submodule, which the module's own attribute lookup serves).
template <bool kWritable, class Cls, class Get>
void bind(Cls& cls, const char* name, Get get) {
  using Impl = typename Cls::type;
  using T = std::remove_cvref_t<decltype(get(std::declval<Impl&>()))>;
  if constexpr (plain<T>::value) {
    using Inner = typename optional_of<T>::type;
    if constexpr (requires(Impl & m) {
                    { m.options.kernel_size } -> std::convertible_to<Inner>;
                  }) {
      if (std::string_view(name) == "stride") {
        // A pool's stride, None until set: the kernel size then, as torch's attribute.
        cls.def_property(
            name, [get](Impl& m) -> Inner { return get(m) ? *get(m) : static_cast<Inner>(m.options.kernel_size); },
            [get](Impl& m, T v) { get(m) = std::move(v); });
        return;
      }
    }
    if constexpr (kWritable) {
      cls.def_property(
          name, [get](Impl& m) { return get(m); }, [get](Impl& m, T v) { get(m) = std::move(v); });
    } else {
      cls.def_property_readonly(name, [get](Impl& m) { return get(m); });
    }
  }
}

}  // namespace tgpy::layer_attributes

// Binds NAME where the layer has a member or an options field of that name (W: writable).
#define TG_LAYER_ATTRIBUTE_(NAME, W)                             \
  if constexpr (requires(Impl & m) { m.NAME; })                  \
    ::tgpy::layer_attributes::bind<W>(                           \
        *this, #NAME, [](Impl & m) -> auto& { return m.NAME; }); \
  else if constexpr (requires(Impl & m) { m.options.NAME; })     \
    ::tgpy::layer_attributes::bind<W>(                           \
        *this, #NAME, [](Impl & m) -> auto& { return m.options.NAME; });
#define TG_LAYER_ATTRIBUTE(NAME) TG_LAYER_ATTRIBUTE_(NAME, true)
#define TG_LAYER_STRUCTURE(NAME) TG_LAYER_ATTRIBUTE_(NAME, false)

// torch.nn's attribute names for a layer's configuration ("size", "bias", "weight" and the
// Upsample sizes are left out: they name other things in some layers; Embedding's padding_idx,
// max_norm, ... are its Python subclass's own).
#define TG_LAYER_ATTRIBUTES()                                                                                          \
  TG_LAYER_STRUCTURE(kernel_size)                                                                                      \
  TG_LAYER_ATTRIBUTE(stride)                                                                                           \
  TG_LAYER_ATTRIBUTE(padding)                                                                                          \
  TG_LAYER_ATTRIBUTE(dilation) TG_LAYER_STRUCTURE(groups) TG_LAYER_ATTRIBUTE(padding_mode) TG_LAYER_ATTRIBUTE(         \
      output_padding) TG_LAYER_ATTRIBUTE(ceil_mode) TG_LAYER_ATTRIBUTE(count_include_pad)                              \
      TG_LAYER_ATTRIBUTE(divisor_override) TG_LAYER_ATTRIBUTE(output_size) TG_LAYER_STRUCTURE(                         \
          output_ratio) TG_LAYER_ATTRIBUTE(norm_type) TG_LAYER_ATTRIBUTE(reduction) TG_LAYER_ATTRIBUTE(ignore_index)   \
          TG_LAYER_ATTRIBUTE(label_smoothing) TG_LAYER_ATTRIBUTE(log_target) TG_LAYER_ATTRIBUTE(                       \
              margin) TG_LAYER_ATTRIBUTE(p) TG_LAYER_ATTRIBUTE(eps) TG_LAYER_ATTRIBUTE(swap) TG_LAYER_ATTRIBUTE(blank) \
              TG_LAYER_ATTRIBUTE(zero_infinity) TG_LAYER_ATTRIBUTE(log_input) TG_LAYER_ATTRIBUTE(                      \
                  full) TG_LAYER_ATTRIBUTE(beta) TG_LAYER_ATTRIBUTE(delta) TG_LAYER_ATTRIBUTE(negative_slope)          \
                  TG_LAYER_ATTRIBUTE(alpha) TG_LAYER_ATTRIBUTE(threshold) TG_LAYER_ATTRIBUTE(                          \
                      approximate) TG_LAYER_ATTRIBUTE(dim) TG_LAYER_ATTRIBUTE(min_val) TG_LAYER_ATTRIBUTE(max_val)     \
                      TG_LAYER_ATTRIBUTE(lambd) TG_LAYER_ATTRIBUTE(value) TG_LAYER_ATTRIBUTE(lower)                    \
                          TG_LAYER_ATTRIBUTE(upper) TG_LAYER_STRUCTURE(num_parameters) TG_LAYER_STRUCTURE(             \
                              num_groups) TG_LAYER_STRUCTURE(num_channels) TG_LAYER_STRUCTURE(affine)                  \
                              TG_LAYER_STRUCTURE(elementwise_affine) TG_LAYER_ATTRIBUTE(k) TG_LAYER_ATTRIBUTE(         \
                                  upscale_factor) TG_LAYER_ATTRIBUTE(downscale_factor) TG_LAYER_ATTRIBUTE(start_dim)   \
                                  TG_LAYER_ATTRIBUTE(end_dim) TG_LAYER_STRUCTURE(in1_features) TG_LAYER_STRUCTURE(     \
                                      in2_features) TG_LAYER_STRUCTURE(out_features) TG_LAYER_STRUCTURE(in_features)   \
                                      TG_LAYER_STRUCTURE(in_channels) TG_LAYER_STRUCTURE(out_channels)                 \
                                          TG_LAYER_ATTRIBUTE(keepdim) TG_LAYER_ATTRIBUTE(mode) TG_LAYER_ATTRIBUTE(     \
                                              align_corners) TG_LAYER_STRUCTURE(input_size)                            \
                                              TG_LAYER_STRUCTURE(hidden_size) TG_LAYER_STRUCTURE(num_layers)           \
                                                  TG_LAYER_STRUCTURE(batch_first) TG_LAYER_STRUCTURE(dropout)          \
                                                      TG_LAYER_STRUCTURE(bidirectional) TG_LAYER_STRUCTURE(            \
                                                          proj_size) TG_LAYER_STRUCTURE(nonlinearity)                  \
                                                          TG_LAYER_STRUCTURE(num_embeddings) TG_LAYER_STRUCTURE(       \
                                                              embedding_dim) TG_LAYER_STRUCTURE(normalized_shape)      \
                                                              TG_LAYER_STRUCTURE(num_features) TG_LAYER_ATTRIBUTE(     \
                                                                  momentum) TG_LAYER_STRUCTURE(track_running_stats)    \
                                                                  TG_LAYER_STRUCTURE(embed_dim)                        \
                                                                      TG_LAYER_STRUCTURE(num_heads)                    \
                                                                          TG_LAYER_STRUCTURE(head_dim)                 \
                                                                              TG_LAYER_STRUCTURE(d_model)              \
                                                                                  TG_LAYER_STRUCTURE(nhead)            \
                                                                                      TG_LAYER_STRUCTURE(norm_first)   \
                                                                                          TG_LAYER_ATTRIBUTE(inplace)  \
                                                                                              TG_LAYER_STRUCTURE(init)
