// Packed sequences: the packed layout against a hand-built one, pad/pack round trips, the
// recurrent layers on a packed batch against each sequence run alone, gradients, and errors.
#include "test_util.h"

using namespace tg;
using tgtest::close;
namespace R = tg::nn::utils::rnn;

namespace {

// x [T, B, F] with x[t, b, f] = 100 t + 10 b + f, so that each row names where it came from.
Tensor labelled(int64_t steps, int64_t batch, int64_t features) {
  Tensor t = arange(steps, kFloat64).view({steps, 1, 1}) * 100.0;
  Tensor b = arange(batch, kFloat64).view({1, batch, 1}) * 10.0;
  Tensor f = arange(features, kFloat64).view({1, 1, features});
  return t + b + f;
}

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }

}  // namespace

TEST(PackedSequence, PackedLayoutIsTimeMajorInDecreasingLength) {
  const Tensor x = labelled(4, 3, 2);
  const R::PackedSequence p = R::pack_padded_sequence(x, tensor({2, 4, 1}), false, false);
  EXPECT_EQ(ints(p.batch_sizes), (std::vector<int64_t>{3, 2, 1, 1}));
  EXPECT_EQ(p.batch_sizes.device(), Device::cpu());
  EXPECT_EQ(ints(p.sorted_indices), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(ints(p.unsorted_indices), (std::vector<int64_t>{1, 0, 2}));
  // Step 0 of sequences 1, 0, 2; step 1 of 1, 0; steps 2 and 3 of sequence 1.
  EXPECT_EQ(p.data.select(1, 0).to_vector<double>(), (std::vector<double>{10, 0, 20, 110, 100, 210, 310}));
  EXPECT_EQ(p.data.sizes(), Shape({7, 2}));
  // batch_first reads the same rows from [B, T, F].
  const R::PackedSequence q = R::pack_padded_sequence(x.transpose(0, 1), tensor({2, 4, 1}), true, false);
  EXPECT_TRUE(close(q.data, p.data, 0, 0));
  // Already sorted: no indices.
  const R::PackedSequence s = R::pack_padded_sequence(x, tensor({4, 2, 2}));
  EXPECT_FALSE(s.sorted_indices.defined());
  EXPECT_EQ(ints(s.batch_sizes), (std::vector<int64_t>{3, 3, 1, 1}));
  EXPECT_EQ(s.data.select(1, 0).to_vector<double>(), (std::vector<double>{0, 10, 20, 100, 110, 120, 200, 300}));
}

TEST(PackedSequence, PadPackedSequenceInvertsPacking) {
  const Tensor x = labelled(5, 4, 3);
  const Tensor lengths = tensor({3, 5, 1, 3});
  for (bool batch_first : {false, true}) {
    const Tensor in = batch_first ? x.transpose(0, 1) : x;
    auto [padded, got_lengths] =
        R::pad_packed_sequence(R::pack_padded_sequence(in, lengths, batch_first, false), batch_first, -7.0);
    EXPECT_EQ(ints(got_lengths), ints(lengths));
    EXPECT_EQ(padded.sizes(), in.sizes());
    const Tensor steps = arange(5).view(batch_first ? Shape{1, 5, 1} : Shape{5, 1, 1});
    const Tensor valid = steps < lengths.view(batch_first ? Shape{4, 1, 1} : Shape{1, 4, 1});
    EXPECT_TRUE(close(padded, where(valid, in, full_like(in, -7.0)), 0, 0));
  }
  // total_length pads past the longest sequence.
  auto [longer, l2] = R::pad_packed_sequence(R::pack_padded_sequence(x, tensor({2, 2, 1, 1})), false, 0.0, 6);
  EXPECT_EQ(longer.sizes(), Shape({6, 4, 3}));
  EXPECT_EQ(longer.slice(0, 2, 6).abs().sum().item<double>(), 0.0);
}

TEST(PackedSequence, PackSequenceUnpackAndUnpad) {
  const Tensor a = randn({3, 2}, kFloat64), b = randn({5, 2}, kFloat64), c = randn({1, 2}, kFloat64);
  const R::PackedSequence p = R::pack_sequence({a, b, c}, false);
  EXPECT_EQ(ints(p.batch_sizes), (std::vector<int64_t>{3, 2, 2, 1, 1}));
  const tensor_list back = R::unpack_sequence(p);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_TRUE(close(back[0], a, 0, 0));
  EXPECT_TRUE(close(back[1], b, 0, 0));
  EXPECT_TRUE(close(back[2], c, 0, 0));
  const tensor_list cut = R::unpad_sequence(R::pad_sequence({a, b, c}, true), tensor({3, 5, 1}), true);
  EXPECT_TRUE(close(cut[0], a, 0, 0));
  EXPECT_TRUE(close(cut[2], c, 0, 0));
  EXPECT_THROW_WITH(R::pack_sequence({a, b, c}), ValueError, "decreasing order");
}

TEST(PackedSequence, PackingIsDifferentiable) {
  const Tensor x = randn({4, 3, 2}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        auto packed = R::pack_padded_sequence(in[0], tensor({2, 4, 1}), false, false);
        return std::get<0>(R::pad_packed_sequence(packed, true, 1.5)) * 2.0;
      },
      {x}));
}

TEST(PackedSequence, RecurrentLayersRunEachSequenceForItsOwnLength) {
  manual_seed(11);
  const int64_t in = 3, hid = 4, layers = 2, dirs = 2;
  const std::vector<int64_t> lengths = {3, 5, 1, 4};
  const auto batch = static_cast<int64_t>(lengths.size());
  const Tensor x = randn({5, batch, in}, kFloat64);
  const Tensor h0 = randn({layers * dirs, batch, hid}, kFloat64), c0 = randn({layers * dirs, batch, hid}, kFloat64);
  nn::RNNOptions options;
  options.num_layers = layers;
  options.bidirectional = true;
  nn::LSTM lstm(in, hid, options);
  nn::GRU gru(in, hid, options);
  nn::RNN rnn(in, hid, options);
  lstm->to(kFloat64);
  gru->to(kFloat64);
  rnn->to(kFloat64);
  const R::PackedSequence packed = R::pack_padded_sequence(x, tensor(lengths), false, false);
  auto [lstm_out, lstm_state] = lstm->forward_with_packed_input(packed, std::tuple{h0, c0});
  auto [gru_out, gru_h] = gru->forward_with_packed_input(packed, h0);
  auto [rnn_out, rnn_h] = rnn->forward_with_packed_input(packed);
  EXPECT_EQ(lstm_out.data.sizes(), Shape({13, 2 * hid}));
  EXPECT_EQ(ints(lstm_out.batch_sizes), ints(packed.batch_sizes));
  const Tensor lstm_padded = std::get<0>(R::pad_packed_sequence(lstm_out));
  const Tensor gru_padded = std::get<0>(R::pad_packed_sequence(gru_out));
  const Tensor rnn_padded = std::get<0>(R::pad_packed_sequence(rnn_out));
  for (int64_t b = 0; b < batch; ++b) {
    // Sequence b alone, unbatched, for exactly its length.
    const Tensor xb = x.select(1, b).slice(0, 0, lengths[static_cast<size_t>(b)]);
    auto [lo, ls] = lstm(xb, std::tuple{h0.select(1, b), c0.select(1, b)});
    EXPECT_TRUE(close(lstm_padded.select(1, b).slice(0, 0, xb.sizes()[0]), lo, 1e-12, 1e-12));
    EXPECT_TRUE(close(std::get<0>(lstm_state).select(1, b), std::get<0>(ls), 1e-12, 1e-12));
    EXPECT_TRUE(close(std::get<1>(lstm_state).select(1, b), std::get<1>(ls), 1e-12, 1e-12));
    auto [go, gh] = gru(xb, h0.select(1, b));
    EXPECT_TRUE(close(gru_padded.select(1, b).slice(0, 0, xb.sizes()[0]), go, 1e-12, 1e-12));
    EXPECT_TRUE(close(gru_h.select(1, b), gh, 1e-12, 1e-12));
    auto [ro, rh] = rnn(xb);
    EXPECT_TRUE(close(rnn_padded.select(1, b).slice(0, 0, xb.sizes()[0]), ro, 1e-12, 1e-12));
    EXPECT_TRUE(close(rnn_h.select(1, b), rh, 1e-12, 1e-12));
  }
}

TEST(PackedSequence, PackedLSTMGradients) {
  manual_seed(12);
  nn::RNNOptions options;
  options.bidirectional = true;
  options.proj_size = 2;
  nn::LSTM lstm(2, 3, options);
  lstm->to(kFloat64);
  const Tensor x = randn({4, 3, 2}, kFloat64).requires_grad_(true);
  // With proj_size 2, h is [D, N, 2] and c [D, N, 3].
  const Tensor h0 = randn({2, 3, 2}, kFloat64).requires_grad_(true);
  const Tensor c0 = randn({2, 3, 3}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [&](const tensor_list& in) {
        auto packed = R::pack_padded_sequence(in[0], tensor({3, 4, 1}), false, false);
        auto [out, state] = lstm->forward_with_packed_input(packed, std::tuple{in[1], in[2]});
        return out.data.sum() + (std::get<0>(state) * 2.0).sum() + std::get<1>(state).sum();
      },
      {x, h0, c0}));
}

TEST(PackedSequence, ErrorsNameTheFunctionAndTheShapes) {
  const Tensor x = randn({4, 3, 2});
  EXPECT_THROW_WITH(R::pack_padded_sequence(x, tensor({4, 2})), Error,
                    "pack_padded_sequence: got 2 lengths for a batch of 3 (input shape [4, 3, 2])");
  EXPECT_THROW_WITH(R::pack_padded_sequence(x, tensor({5, 2, 1})), ValueError,
                    "pack_padded_sequence: length 5 of sequence 0 is outside [1, 4]");
  EXPECT_THROW_WITH(R::pack_padded_sequence(x, tensor({4, 0, 0})), ValueError, "length 0 of sequence 1");
  EXPECT_THROW_WITH(R::pack_padded_sequence(x, tensor({1, 2, 3})), ValueError,
                    "the lengths must be in decreasing order with enforce_sorted=true");
  EXPECT_THROW_WITH(R::pack_padded_sequence(x, tensor({1.0, 2.0, 3.0})), TypeError,
                    "pack_padded_sequence: lengths must be integers, got float32");
  EXPECT_THROW_WITH(R::pack_padded_sequence(randn({4}), tensor({1})), Error, "input must be at least 2-D");
  const R::PackedSequence p = R::pack_padded_sequence(x, tensor({3, 2, 2}));
  EXPECT_THROW_WITH(R::pad_packed_sequence(p, false, 0.0, 2), ValueError,
                    "pad_packed_sequence: total_length 2 is less than the longest sequence, 3");
  nn::LSTM lstm(5, 4);
  EXPECT_THROW_WITH(lstm->forward_with_packed_input(p), Error, "LSTM: input of shape [7, 2] should have 5 features");
  nn::GRU gru(2, 4);
  EXPECT_THROW_WITH(gru->forward_with_packed_input(p, zeros({1, 2, 4})), Error,
                    "GRU: expected hidden state h_0 of shape [1, 3, 4], got [1, 2, 4]");
  R::PackedSequence broken = p;
  broken.batch_sizes = tensor({3, 3, 3});
  EXPECT_THROW_WITH(gru->forward_with_packed_input(broken), Error,
                    "GRU: batch_sizes sum to 9 but the packed data has 7 rows");
  EXPECT_THROW_WITH(R::pad_packed_sequence(broken), Error,
                    "pad_packed_sequence: batch_sizes sum to 9 but the packed data has 7 rows");
  broken.batch_sizes = tensor({2, 3, 2});
  EXPECT_THROW_WITH(R::pad_packed_sequence(broken), Error,
                    "pad_packed_sequence: batch_sizes must be positive and non-increasing, got");
  broken.batch_sizes = tensor({7.0});
  EXPECT_THROW_WITH(gru->forward_with_packed_input(broken), TypeError, "GRU: batch_sizes must be integers");
  broken.batch_sizes = tensor(std::vector<int64_t>{});
  EXPECT_THROW_WITH(R::pad_packed_sequence(broken), Error, "pad_packed_sequence: the packed sequence has no steps");
}
