// The sequence layers as tg.nn classes with torch.nn's arguments: RNN, LSTM, GRU and their cells,
// MultiheadAttention, the Transformer layers, stacks and Transformer.
#include "bindings.h"

namespace tgpy {

namespace {

using namespace tg::nn;
using Packed = tg::nn::utils::rnn::PackedSequence;

tg::Tensor or_undefined(const std::optional<tg::Tensor>& t) { return t.value_or(tg::Tensor()); }

// An LSTM's hx: None, or a tuple or list of the two state tensors. Read here, not by pybind11's
// tuple caster: given one tensor of 2 rows, that took its rows as the pair and kept pointers into
// the row objects it had already freed (a crash).
std::optional<std::tuple<tg::Tensor, tg::Tensor>> lstm_state(py::handle hx, const char* op) {
  if (hx.is_none()) return std::nullopt;
  if ((py::isinstance<py::tuple>(hx) || py::isinstance<py::list>(hx)) && py::len(hx) == 2) {
    const py::object h = hx[py::int_(0)], c = hx[py::int_(1)];
    if (is_tensor(h) && is_tensor(c)) return std::tuple{as_tensor(h), as_tensor(c)};
  }
  throw tg::TypeError(
      fmt::format("{}: hx must be a tuple (h_0, c_0) of two Tensors, got {}", op, Py_TYPE(hx.ptr())->tp_name));
}

// forward(input, hx=None) of RNN and GRU (one state tensor), on a padded or a packed batch.
template <class Impl>
void def_forward(Layer<Impl, RNNBaseImpl>& cls) {
  cls.def("forward", [](Impl& m, const Packed& input, std::optional<tg::Tensor> hx) {
    return nogil([&] { return m.forward_with_packed_input(input, or_undefined(hx)); });
  }, py::arg("input"), py::arg("hx") = py::none());
  cls.def("forward", [](Impl& m, const tg::Tensor& input, std::optional<tg::Tensor> hx) {
    return nogil([&] { return m.forward(input, or_undefined(hx)); });
  }, py::arg("input"), py::arg("hx") = py::none());
}

void bind_recurrent(py::module_& nn) {
  Layer<RNNBaseImpl>(nn, "RNNBase")
      .def_readonly("input_size", &RNNBaseImpl::input_size)
      .def_readonly("hidden_size", &RNNBaseImpl::hidden_size)
      .def_property_readonly("num_layers", [](const RNNBaseImpl& m) { return m.options.num_layers; })
      .def_property_readonly("batch_first", [](const RNNBaseImpl& m) { return m.options.batch_first; })
      .def_property_readonly("bidirectional", [](const RNNBaseImpl& m) { return m.options.bidirectional; })
      .def_property_readonly("proj_size", [](const RNNBaseImpl& m) { return m.options.proj_size; })
      .def_property_readonly("bias", [](const RNNBaseImpl& m) { return m.options.bias; })
      .def_property_readonly("mode",
                             [](const RNNBaseImpl& m) {  // torch's: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"
                               if (m.name() != "RNN") return m.name();
                               return m.options.nonlinearity == "relu" ? std::string("RNN_RELU")
                                                                       : std::string("RNN_TANH");
                             })
      .def("reset_parameters", &RNNBaseImpl::reset_parameters);
  Layer<RNNImpl, RNNBaseImpl> rnn(nn, "RNN");
  rnn
      .def(py::init([](int64_t in, int64_t hidden, int64_t layers, std::string nonlinearity, bool bias,
                       bool batch_first, double dropout, bool bidirectional) {
             return std::make_shared<RNNImpl>(
                 in, hidden, RNNOptions{layers, bias, batch_first, dropout, bidirectional, 0, std::move(nonlinearity)});
           }),
           py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1, py::arg("nonlinearity") = "tanh",
           py::arg("bias") = true, py::arg("batch_first") = false, py::arg("dropout") = 0.0,
           py::arg("bidirectional") = false)
      .def_property_readonly("nonlinearity", [](const RNNImpl& m) { return m.options.nonlinearity; });
  def_forward(rnn);
  Layer<LSTMImpl, RNNBaseImpl>(nn, "LSTM")
      .def(py::init([](int64_t in, int64_t hidden, int64_t layers, bool bias, bool batch_first, double dropout,
                       bool bidirectional, int64_t proj_size) {
             return std::make_shared<LSTMImpl>(
                 in, hidden, RNNOptions{layers, bias, batch_first, dropout, bidirectional, proj_size});
           }),
           py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1, py::arg("bias") = true,
           py::arg("batch_first") = false, py::arg("dropout") = 0.0, py::arg("bidirectional") = false,
           py::arg("proj_size") = 0)
      .def(
          "forward",
          [](LSTMImpl& m, const Packed& input, py::handle hx_in) {
            const auto hx = lstm_state(hx_in, "LSTM");
            return nogil([&] { return m.forward_with_packed_input(input, hx); });
          },
          py::arg("input"), py::arg("hx") = py::none())
      .def(
          "forward",
          [](LSTMImpl& m, const tg::Tensor& input, py::handle hx_in) {
            const auto hx = lstm_state(hx_in, "LSTM");
            return nogil([&] { return m.forward(input, hx); });
          },
          py::arg("input"), py::arg("hx") = py::none());
  Layer<GRUImpl, RNNBaseImpl> gru(nn, "GRU");
  gru
      .def(py::init([](int64_t in, int64_t hidden, int64_t layers, bool bias, bool batch_first, double dropout,
                       bool bidirectional) {
             return std::make_shared<GRUImpl>(in, hidden, RNNOptions{layers, bias, batch_first, dropout, bidirectional});
           }),
           py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1, py::arg("bias") = true,
           py::arg("batch_first") = false, py::arg("dropout") = 0.0, py::arg("bidirectional") = false);
  def_forward(gru);

  Layer<RNNCellBaseImpl>(nn, "RNNCellBase")
      .def_readonly("input_size", &RNNCellBaseImpl::input_size)
      .def_readonly("hidden_size", &RNNCellBaseImpl::hidden_size)
      .def_readonly("bias", &RNNCellBaseImpl::bias)
      .def("reset_parameters", &RNNCellBaseImpl::reset_parameters);
  Layer<RNNCellImpl, RNNCellBaseImpl>(nn, "RNNCell")
      .def(py::init<int64_t, int64_t, bool, std::string>(), py::arg("input_size"), py::arg("hidden_size"),
           py::arg("bias") = true, py::arg("nonlinearity") = "tanh")
      .def_readonly("nonlinearity", &RNNCellImpl::nonlinearity)
      .def(
          "forward",
          [](RNNCellImpl& m, const tg::Tensor& input, std::optional<tg::Tensor> hx) {
            return nogil([&] { return m.forward(input, or_undefined(hx)); });
          },
          py::arg("input"), py::arg("hx") = py::none());
  Layer<LSTMCellImpl, RNNCellBaseImpl>(nn, "LSTMCell")
      .def(py::init<int64_t, int64_t, bool>(), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true)
      .def(
          "forward",
          [](LSTMCellImpl& m, const tg::Tensor& input, py::handle hx_in) {
            const auto hx = lstm_state(hx_in, "LSTMCell");
            return nogil([&] { return m.forward(input, hx); });
          },
          py::arg("input"), py::arg("hx") = py::none());
  Layer<GRUCellImpl, RNNCellBaseImpl>(nn, "GRUCell")
      .def(py::init<int64_t, int64_t, bool>(), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true)
      .def(
          "forward",
          [](GRUCellImpl& m, const tg::Tensor& input, std::optional<tg::Tensor> hx) {
            return nogil([&] { return m.forward(input, or_undefined(hx)); });
          },
          py::arg("input"), py::arg("hx") = py::none());
}

// The layer arguments that TransformerEncoderLayer, TransformerDecoderLayer and Transformer share.
TransformerEncoderLayerOptions layer_options(int64_t dim_feedforward, double dropout, std::string activation,
                                             double eps, bool batch_first, bool norm_first, bool bias) {
  return {dim_feedforward, dropout, std::move(activation), eps, batch_first, norm_first, bias};
}

// TransformerEncoderLayer's and TransformerDecoderLayer's constructor.
template <class Impl>
void def_layer_init(Layer<Impl>& cls) {
  cls.def(py::init([](int64_t d_model, int64_t nhead, int64_t dim_feedforward, double dropout, std::string activation,
                      double eps, bool batch_first, bool norm_first, bool bias) {
            return std::make_shared<Impl>(
                d_model, nhead,
                layer_options(dim_feedforward, dropout, std::move(activation), eps, batch_first, norm_first, bias));
          }),
          py::arg("d_model"), py::arg("nhead"), py::arg("dim_feedforward") = 2048, py::arg("dropout") = 0.1,
          py::arg("activation") = "relu", py::arg("layer_norm_eps") = 1e-5, py::arg("batch_first") = false,
          py::arg("norm_first") = false, py::arg("bias") = true);
}

std::shared_ptr<Module> optional_module(const py::object& m) {
  return m.is_none() ? nullptr : py::cast<std::shared_ptr<Module>>(m);
}

void bind_attention(py::module_& nn) {
  Layer<MultiheadAttentionImpl>(nn, "MultiheadAttention")
      .def(py::init([](int64_t embed_dim, int64_t num_heads, double dropout, bool bias, bool add_bias_kv,
                       bool add_zero_attn, std::optional<int64_t> kdim, std::optional<int64_t> vdim, bool batch_first) {
             return std::make_shared<MultiheadAttentionImpl>(
                 embed_dim, num_heads,
                 MultiheadAttentionOptions{dropout, bias, batch_first, kdim.value_or(0), vdim.value_or(0), add_bias_kv,
                                           add_zero_attn});
           }),
           py::arg("embed_dim"), py::arg("num_heads"), py::arg("dropout") = 0.0, py::arg("bias") = true,
           py::arg("add_bias_kv") = false, py::arg("add_zero_attn") = false, py::arg("kdim") = py::none(),
           py::arg("vdim") = py::none(), py::arg("batch_first") = false)
      .def_readonly("embed_dim", &MultiheadAttentionImpl::embed_dim)
      .def_readonly("num_heads", &MultiheadAttentionImpl::num_heads)
      .def_readonly("head_dim", &MultiheadAttentionImpl::head_dim)
      .def_readonly("kdim", &MultiheadAttentionImpl::kdim)
      .def_readonly("vdim", &MultiheadAttentionImpl::vdim)
      .def_property_readonly("dropout", [](const MultiheadAttentionImpl& m) { return m.options.dropout; })
      .def_property_readonly("batch_first", [](const MultiheadAttentionImpl& m) { return m.options.batch_first; })
      .def_property_readonly("add_zero_attn", [](const MultiheadAttentionImpl& m) { return m.options.add_zero_attn; })
      .def_property_readonly("_qkv_same_embed_dim",
                             [](const MultiheadAttentionImpl& m) { return m.in_proj_weight.defined(); })
      .def(
          "forward",
          [](MultiheadAttentionImpl& m, const tg::Tensor& q, const tg::Tensor& k, const tg::Tensor& v,
             std::optional<tg::Tensor> key_padding_mask, bool need_weights, std::optional<tg::Tensor> attn_mask,
             bool average_attn_weights, bool is_causal) {
            MultiheadAttentionForward args{or_undefined(key_padding_mask), need_weights, or_undefined(attn_mask),
                                           average_attn_weights, is_causal};
            auto [out, weights] = nogil([&] { return m.forward(q, k, v, args); });
            return py::make_tuple(out, weights.defined() ? py::cast(weights) : py::none());
          },
          py::arg("query"), py::arg("key"), py::arg("value"), py::arg("key_padding_mask") = py::none(),
          py::arg("need_weights") = true, py::arg("attn_mask") = py::none(), py::arg("average_attn_weights") = true,
          py::arg("is_causal") = false);

  Layer<TransformerEncoderLayerImpl> encoder_layer(nn, "TransformerEncoderLayer");
  def_layer_init(encoder_layer);
  encoder_layer.def("forward", [](TransformerEncoderLayerImpl& m, const tg::Tensor& src, std::optional<tg::Tensor> src_mask,
                         std::optional<tg::Tensor> src_key_padding_mask, bool is_causal) {
        return nogil([&] { return m.forward(src, or_undefined(src_mask), or_undefined(src_key_padding_mask), is_causal); });
      }, py::arg("src"), py::arg("src_mask") = py::none(), py::arg("src_key_padding_mask") = py::none(),
         py::arg("is_causal") = false);
  Layer<TransformerDecoderLayerImpl> decoder_layer(nn, "TransformerDecoderLayer");
  def_layer_init(decoder_layer);
  decoder_layer.def("forward", [](TransformerDecoderLayerImpl& m, const tg::Tensor& tgt, const tg::Tensor& memory,
                         std::optional<tg::Tensor> tgt_mask, std::optional<tg::Tensor> memory_mask,
                         std::optional<tg::Tensor> tgt_kpm, std::optional<tg::Tensor> memory_kpm, bool tgt_is_causal,
                         bool memory_is_causal) {
        return nogil([&] {
          return m.forward(tgt, memory, or_undefined(tgt_mask), or_undefined(memory_mask), or_undefined(tgt_kpm),
                           or_undefined(memory_kpm), tgt_is_causal, memory_is_causal);
        });
      }, py::arg("tgt"), py::arg("memory"), py::arg("tgt_mask") = py::none(), py::arg("memory_mask") = py::none(),
         py::arg("tgt_key_padding_mask") = py::none(), py::arg("memory_key_padding_mask") = py::none(),
         py::arg("tgt_is_causal") = false, py::arg("memory_is_causal") = false);

  // PyTorch's enable_nested_tensor and mask_check only steer its fast path; accepted and unused.
  Layer<TransformerEncoderImpl>(nn, "TransformerEncoder")
      .def(py::init([](const std::shared_ptr<TransformerEncoderLayerImpl>& layer, int64_t num_layers,
                       const py::object& norm, bool, bool) {
             return std::make_shared<TransformerEncoderImpl>(TransformerEncoderLayer(layer), num_layers,
                                                             optional_module(norm));
           }),
           py::arg("encoder_layer"), py::arg("num_layers"), py::arg("norm") = py::none(),
           py::arg("enable_nested_tensor") = true, py::arg("mask_check") = true)
      .def("forward", [](TransformerEncoderImpl& m, const tg::Tensor& src, std::optional<tg::Tensor> mask,
                         std::optional<tg::Tensor> src_key_padding_mask, std::optional<bool> is_causal) {
        return nogil([&] {
          return m.forward(src, or_undefined(mask), or_undefined(src_key_padding_mask), is_causal.value_or(false));
        });
      }, py::arg("src"), py::arg("mask") = py::none(), py::arg("src_key_padding_mask") = py::none(),
         py::arg("is_causal") = py::none());
  Layer<TransformerDecoderImpl>(nn, "TransformerDecoder")
      .def(py::init([](const std::shared_ptr<TransformerDecoderLayerImpl>& layer, int64_t num_layers,
                       const py::object& norm) {
             return std::make_shared<TransformerDecoderImpl>(TransformerDecoderLayer(layer), num_layers,
                                                             optional_module(norm));
           }),
           py::arg("decoder_layer"), py::arg("num_layers"), py::arg("norm") = py::none())
      .def("forward", [](TransformerDecoderImpl& m, const tg::Tensor& tgt, const tg::Tensor& memory,
                         std::optional<tg::Tensor> tgt_mask, std::optional<tg::Tensor> memory_mask,
                         std::optional<tg::Tensor> tgt_kpm, std::optional<tg::Tensor> memory_kpm,
                         std::optional<bool> tgt_is_causal, bool memory_is_causal) {
        return nogil([&] {
          return m.forward(tgt, memory, or_undefined(tgt_mask), or_undefined(memory_mask), or_undefined(tgt_kpm),
                           or_undefined(memory_kpm), tgt_is_causal.value_or(false), memory_is_causal);
        });
      }, py::arg("tgt"), py::arg("memory"), py::arg("tgt_mask") = py::none(), py::arg("memory_mask") = py::none(),
         py::arg("tgt_key_padding_mask") = py::none(), py::arg("memory_key_padding_mask") = py::none(),
         py::arg("tgt_is_causal") = py::none(), py::arg("memory_is_causal") = false);

  Layer<TransformerImpl>(nn, "Transformer")
      .def(py::init([](int64_t d_model, int64_t nhead, int64_t num_encoder_layers, int64_t num_decoder_layers,
                       int64_t dim_feedforward, double dropout, std::string activation,
                       std::shared_ptr<TransformerEncoderImpl> custom_encoder,
                       std::shared_ptr<TransformerDecoderImpl> custom_decoder, double eps, bool batch_first,
                       bool norm_first, bool bias) {
             return std::make_shared<TransformerImpl>(TransformerOptions{
                 d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout,
                 std::move(activation), TransformerEncoder(std::move(custom_encoder)),
                 TransformerDecoder(std::move(custom_decoder)), eps, batch_first, norm_first, bias});
           }),
           py::arg("d_model") = 512, py::arg("nhead") = 8, py::arg("num_encoder_layers") = 6,
           py::arg("num_decoder_layers") = 6, py::arg("dim_feedforward") = 2048, py::arg("dropout") = 0.1,
           py::arg("activation") = "relu", py::arg("custom_encoder") = py::none(),
           py::arg("custom_decoder") = py::none(), py::arg("layer_norm_eps") = 1e-5, py::arg("batch_first") = false,
           py::arg("norm_first") = false, py::arg("bias") = true)
      .def_property_readonly("d_model", [](const TransformerImpl& m) { return m.options.d_model; })
      .def_property_readonly("nhead", [](const TransformerImpl& m) { return m.options.nhead; })
      .def_property_readonly("batch_first", [](const TransformerImpl& m) { return m.options.batch_first; })
      .def("forward", [](TransformerImpl& m, const tg::Tensor& src, const tg::Tensor& tgt,
                         std::optional<tg::Tensor> src_mask, std::optional<tg::Tensor> tgt_mask,
                         std::optional<tg::Tensor> memory_mask, std::optional<tg::Tensor> src_kpm,
                         std::optional<tg::Tensor> tgt_kpm, std::optional<tg::Tensor> memory_kpm,
                         std::optional<bool> src_is_causal, std::optional<bool> tgt_is_causal, bool memory_is_causal) {
        TransformerMasks masks{or_undefined(src_mask),    or_undefined(tgt_mask), or_undefined(memory_mask),
                               or_undefined(src_kpm),     or_undefined(tgt_kpm),  or_undefined(memory_kpm),
                               src_is_causal.value_or(false), tgt_is_causal.value_or(false), memory_is_causal};
        return nogil([&] { return m.forward(src, tgt, masks); });
      }, py::arg("src"), py::arg("tgt"), py::arg("src_mask") = py::none(), py::arg("tgt_mask") = py::none(),
         py::arg("memory_mask") = py::none(), py::arg("src_key_padding_mask") = py::none(),
         py::arg("tgt_key_padding_mask") = py::none(), py::arg("memory_key_padding_mask") = py::none(),
         py::arg("src_is_causal") = py::none(), py::arg("tgt_is_causal") = py::none(),
         py::arg("memory_is_causal") = false)
      .def_static("generate_square_subsequent_mask", [](int64_t size, std::optional<tg::Device> device,
                                                          std::optional<tg::DType> dtype) {
        tg::TensorOptions options;
        if (device) options = options.device(*device);
        if (dtype) options = options.dtype(*dtype);
        return TransformerImpl::generate_square_subsequent_mask(size, options);
      }, py::arg("sz"), py::arg("device") = py::none(), py::arg("dtype") = py::none());
}

}  // namespace

void bind_nn_sequence(py::module_& nn) {
  bind_recurrent(nn);
  bind_attention(nn);
}

}  // namespace tgpy
