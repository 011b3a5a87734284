// Convolutions and pooling: values against a direct float64 loop, float32 (oneDNN) against
// float64 (plain kernels), gradients to second order, error messages.
#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::sample;
using tgtest::vals;

namespace {

// Direct convolution in double: x [N, C, H, W], w [K, C/G, KH, KW].
Tensor reference_conv2d(const Tensor& x, const Tensor& w, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                        int64_t dw, int64_t groups) {
  const auto xs = x.sizes(), ws = w.sizes();
  const int64_t n = xs[0], c = xs[1], h = xs[2], wd = xs[3], k = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
  const int64_t oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  const auto xv = tgtest::vals(x.contiguous()), wv = tgtest::vals(w.contiguous());
  std::vector<double> out(static_cast<size_t>(n * k * oh * ow));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < k; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = 0;
          const int64_t g = o / (k / groups);
          for (int64_t cc = 0; cc < cg; ++cc)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t bb = 0; bb < kw; ++bb) {
                const int64_t y = i * sh - ph + a * dh, xx = j * sw - pw + bb * dw;
                if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
                s += xv[static_cast<size_t>(((b * c + g * cg + cc) * h + y) * wd + xx)] *
                     wv[static_cast<size_t>(((o * cg + cc) * kh + a) * kw + bb)];
              }
          out[static_cast<size_t>(((b * k + o) * oh + i) * ow + j)] = s;
        }
  (void)c;
  return tensor(out, kFloat64).view({n, k, oh, ow});
}

// Direct 3-D convolution in double: x [N, C, D, H, W], w [K, C/G, KD, KH, KW]; s, p, d per dim.
Tensor reference_conv3d(const Tensor& x, const Tensor& w, std::array<int64_t, 3> s, std::array<int64_t, 3> p,
                        std::array<int64_t, 3> d, int64_t groups) {
  const auto xs = x.sizes(), ws = w.sizes();
  const int64_t n = xs[0], c = xs[1], k = ws[0], cg = ws[1];
  int64_t in[3], kk[3], out[3];
  for (int i = 0; i < 3; ++i) {
    in[i] = xs[2 + i];
    kk[i] = ws[2 + i];
    out[i] = (in[i] + 2 * p[i] - d[i] * (kk[i] - 1) - 1) / s[i] + 1;
  }
  const auto xv = tgtest::vals(x.contiguous()), wv = tgtest::vals(w.contiguous());
  std::vector<double> y(static_cast<size_t>(n * k * out[0] * out[1] * out[2]));
  size_t e = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < k; ++o)
      for (int64_t od = 0; od < out[0]; ++od)
        for (int64_t oh = 0; oh < out[1]; ++oh)
          for (int64_t ow = 0; ow < out[2]; ++ow, ++e) {
            const int64_t g = o / (k / groups);
            for (int64_t cc = 0; cc < cg; ++cc)
              for (int64_t a = 0; a < kk[0]; ++a)
                for (int64_t i = 0; i < kk[1]; ++i)
                  for (int64_t j = 0; j < kk[2]; ++j) {
                    const int64_t id = od * s[0] - p[0] + a * d[0], ih = oh * s[1] - p[1] + i * d[1],
                                  iw = ow * s[2] - p[2] + j * d[2];
                    if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2]) continue;
                    y[e] += xv[static_cast<size_t>((((b * c + g * cg + cc) * in[0] + id) * in[1] + ih) * in[2] + iw)] *
                            wv[static_cast<size_t>((((o * cg + cc) * kk[0] + a) * kk[1] + i) * kk[2] + j)];
                  }
          }
  return tensor(y, kFloat64).view({n, k, out[0], out[1], out[2]});
}

}  // namespace

TEST(Conv, Conv3dMatchesDirectLoop) {
  Generator gen(21);
  struct Case {
    Shape x, w;
    std::array<int64_t, 3> s, p, d;
    int64_t groups;
  };
  for (const Case& c : {Case{{2, 3, 5, 6, 4}, {4, 3, 3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1},
                        Case{{1, 4, 7, 5, 6}, {6, 2, 2, 3, 2}, {2, 1, 2}, {0, 1, 1}, {2, 1, 1}, 2},
                        Case{{2, 2, 3, 3, 3}, {2, 1, 1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 2}}) {
    Tensor x = sample(gen, c.x, tgtest::kAnyValue), w = sample(gen, c.w, tgtest::kAnyValue);
    Tensor expected = reference_conv3d(x, w, c.s, c.p, c.d, c.groups);
    F::Conv3dOptions o{.stride = {c.s[0], c.s[1], c.s[2]},
                       .padding = {c.p[0], c.p[1], c.p[2]},
                       .dilation = {c.d[0], c.d[1], c.d[2]},
                       .groups = c.groups};
    EXPECT_TRUE(close(F::conv3d(x, w, o), expected, 1e-10, 1e-10));
    // float32 goes through oneDNN's 5-D primitives.
    EXPECT_TRUE(close(F::conv3d(x.to(kFloat32), w.to(kFloat32), o), expected, 1e-4, 1e-4));
  }
  // Bias, "same" padding with an even kernel (the odd row goes to the far side), unbatched input.
  Tensor x = sample(gen, {2, 3, 4, 5, 3}, tgtest::kAnyValue), w = sample(gen, {2, 3, 2, 3, 2}, tgtest::kAnyValue);
  Tensor b = tensor({0.5, -1.5}, kFloat64);
  Tensor y = F::conv3d(x, w, {.bias = b, .padding = "same"});
  EXPECT_EQ(y.sizes(), Shape({2, 2, 4, 5, 3}));
  Tensor padded = pad(x, {0, 1, 1, 1, 0, 1});
  EXPECT_TRUE(close(y, reference_conv3d(padded, w, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 1) + b.view({1, 2, 1, 1, 1}),
                    1e-10, 1e-10));
  EXPECT_TRUE(close(F::conv3d(x.select(0, 1), w, {.bias = b}), F::conv3d(x, w, {.bias = b}).select(0, 1)));
  EXPECT_EQ(F::conv3d(x, w, {.padding = "valid"}).sizes(), Shape({2, 2, 3, 3, 2}));
  // float32 "same" with even kernels (asymmetric padding) through oneDNN.
  EXPECT_TRUE(close(F::conv3d(x.to(kFloat32), w.to(kFloat32), {.bias = b.to(kFloat32), .padding = "same"}), y, 1e-4,
                    1e-4));
}

TEST(Conv, Transposed3dIsTheAdjointOfConv3d) {
  Generator gen(22);
  Tensor x = sample(gen, {2, 4, 5, 6, 5}, tgtest::kAnyValue), w = sample(gen, {6, 2, 3, 2, 3}, tgtest::kAnyValue);
  F::Conv3dOptions o{.stride = nn::Size3(2, 1, 2), .padding = {1, 0, 1}, .dilation = {1, 2, 1}, .groups = 2};
  Tensor y = F::conv3d(x, w, o);
  Tensor gy = sample(gen, y.sizes(), tgtest::kAnyValue);
  F::ConvTranspose3dOptions t{.stride = nn::Size3(2, 1, 2), .padding = {1, 0, 1}, .groups = 2, .dilation = {1, 2, 1}};
  Tensor back = F::conv_transpose3d(gy, w, t);
  EXPECT_EQ(back.sizes(), x.sizes());
  EXPECT_NEAR((y * gy).sum().item<double>(), (x * back).sum().item<double>(), 1e-9);
  EXPECT_TRUE(close(F::conv_transpose3d(gy.to(kFloat32), w.to(kFloat32), t), back, 1e-4, 1e-4));
  // output_padding, bias and the output size formula: (in - 1) * s - 2p + d (k - 1) + op + 1.
  Tensor wt = sample(gen, {3, 2, 2, 3, 3}, tgtest::kAnyValue), b = tensor({1.0, -2.0}, kFloat64);
  Tensor z = F::conv_transpose3d(sample(gen, {3, 2, 3, 4}, tgtest::kAnyValue), wt,
                                 {.bias = b, .stride = {2, 3, 1}, .padding = {0, 1, 1}, .output_padding = {1, 2, 0}});
  EXPECT_EQ(z.sizes(), Shape({2, 5, 9, 4}));
}

TEST(Conv, Conv2dMatchesDirectLoop) {
  Generator gen(1);
  struct Case {
    Shape x, w;
    int64_t sh, sw, ph, pw, dh, dw, groups;
  };
  for (const Case& c : {Case{{2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1, 1, 1, 1, 1, 1}, Case{{1, 4, 9, 8}, {6, 2, 3, 2}, 2, 1, 1, 0, 1, 2, 2},
                        Case{{2, 2, 5, 5}, {2, 1, 1, 1}, 1, 1, 0, 0, 1, 1, 2}, Case{{1, 1, 10, 4}, {3, 1, 4, 3}, 3, 2, 2, 1, 2, 1, 1}}) {
    Tensor x = sample(gen, c.x, tgtest::kAnyValue), w = sample(gen, c.w, tgtest::kAnyValue);
    Tensor expected = reference_conv2d(x, w, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw, c.groups);
    F::Conv2dOptions o{.stride = {c.sh, c.sw}, .padding = {c.ph, c.pw}, .dilation = {c.dh, c.dw}, .groups = c.groups};
    EXPECT_TRUE(close(F::conv2d(x, w, o), expected, 1e-10, 1e-10));
    // float32 goes through oneDNN.
    EXPECT_TRUE(close(F::conv2d(x.to(kFloat32), w.to(kFloat32), o), expected, 1e-4, 1e-4));
  }
}

TEST(Conv, BiasPaddingModesAndUnbatched) {
  Generator gen(2);
  Tensor x = sample(gen, {2, 3, 6, 5}, tgtest::kAnyValue), w = sample(gen, {4, 3, 2, 3}, tgtest::kAnyValue);
  Tensor b = sample(gen, {4}, tgtest::kAnyValue);
  Tensor y = F::conv2d(x, w, {.bias = b, .padding = "same"});
  EXPECT_EQ(y.sizes(), Shape({2, 4, 6, 5}));
  // "same" with an even kernel pads one more row below than above, as PyTorch does.
  Tensor padded = pad(x, {1, 1, 0, 1});
  EXPECT_TRUE(close(y, reference_conv2d(padded, w, 1, 1, 0, 0, 1, 1, 1) + b.view({1, 4, 1, 1}), 1e-10, 1e-10));
  EXPECT_EQ(F::conv2d(x, w, {.padding = "valid"}).sizes(), Shape({2, 4, 5, 3}));
  EXPECT_TRUE(close(F::conv2d(x.select(0, 1), w, {.bias = b, .padding = 1}),
                    F::conv2d(x, w, {.bias = b, .padding = 1}).select(0, 1)));
  // Non-contiguous inputs.
  Tensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);
  EXPECT_TRUE(close(F::conv2d(xt, w), F::conv2d(x, w)));
}

TEST(Conv, Conv1dIsConv2dWithHeightOne) {
  Generator gen(3);
  Tensor x = sample(gen, {2, 4, 11}, tgtest::kAnyValue), w = sample(gen, {6, 2, 3}, tgtest::kAnyValue);
  Tensor b = sample(gen, {6}, tgtest::kAnyValue);
  Tensor y = F::conv1d(x, w, {.bias = b, .stride = 2, .padding = 2, .dilation = 2, .groups = 2});
  Tensor y2 = F::conv2d(x.unsqueeze(2), w.unsqueeze(2), {.bias = b, .stride = {1, 2}, .padding = {0, 2}, .dilation = {1, 2}, .groups = 2});
  EXPECT_TRUE(close(y, y2.squeeze(2)));
  EXPECT_EQ(F::conv1d(x, w.narrow(1, 0, 2).contiguous(), {.padding = "same", .groups = 2}).sizes(), Shape({2, 6, 11}));
  EXPECT_EQ(F::conv1d(x.select(0, 0), w, {.groups = 2}).sizes(), Shape({6, 9}));
}

TEST(Conv, TransposedIsTheAdjoint) {
  // <conv(x, w), y> == <x, conv_transpose(y, w)> for matching geometry.
  Generator gen(4);
  Tensor x = sample(gen, {2, 4, 7, 8}, tgtest::kAnyValue), w = sample(gen, {6, 2, 3, 3}, tgtest::kAnyValue);
  F::Conv2dOptions o{.stride = 2, .padding = 1, .dilation = 1, .groups = 2};
  Tensor y = F::conv2d(x, w, o);
  Tensor gy = sample(gen, y.sizes(), tgtest::kAnyValue);
  Tensor back = F::conv_transpose2d(gy, w, {.stride = 2, .padding = 1, .output_padding = {0, 1}, .groups = 2});
  EXPECT_EQ(back.sizes(), x.sizes());
  EXPECT_NEAR((y * gy).sum().item<double>(), (x * back).sum().item<double>(), 1e-9);
  // float32 through oneDNN agrees.
  Tensor back32 = F::conv_transpose2d(gy.to(kFloat32), w.to(kFloat32), {.stride = 2, .padding = 1, .output_padding = {0, 1}, .groups = 2});
  EXPECT_TRUE(close(back32, back, 1e-4, 1e-4));
  // Output size formula and bias.
  Tensor b = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, kFloat64);
  Tensor t = F::conv_transpose2d(sample(gen, {1, 6, 3, 3}, tgtest::kAnyValue), w.transpose(0, 1).contiguous().view({6, 2, 3, 3}).narrow(1, 0, 1).contiguous(),
                                 {.bias = b.narrow(0, 0, 1), .stride = 3, .dilation = 2});
  EXPECT_EQ(t.sizes(), Shape({1, 1, 11, 11}));
}

TEST(Conv, Transposed1dIsTheAdjointOfConv1d) {
  Generator gen(14);
  const Tensor x = sample(gen, {2, 4, 11}, tgtest::kAnyValue), w = sample(gen, {6, 2, 3}, tgtest::kAnyValue);
  const Tensor y = F::conv1d(x, w, {.stride = 2, .padding = 1, .dilation = 2, .groups = 2});
  const Tensor gy = sample(gen, y.sizes(), tgtest::kAnyValue);
  const Tensor back =
      F::conv_transpose1d(gy, w, {.stride = 2, .padding = 1, .groups = 2, .dilation = 2});
  EXPECT_EQ(back.sizes(), x.sizes());
  EXPECT_NEAR((y * gy).sum().item<double>(), (x * back).sum().item<double>(), 1e-9);
  // Bias, unbatched input, and the plane form it runs as.
  const Tensor b = tensor({0.5, -1.0}, kFloat64), w2 = sample(gen, {3, 2, 4}, tgtest::kAnyValue);
  const Tensor in = sample(gen, {3, 5}, tgtest::kAnyValue);
  const Tensor t = F::conv_transpose1d(in, w2, {.bias = b, .stride = 3});
  EXPECT_EQ(t.sizes(), Shape({2, 16}));
  EXPECT_TRUE(close(t, F::conv_transpose2d(in.unsqueeze(1), w2.unsqueeze(2), {.bias = b, .stride = nn::Size2(1, 3)})
                           .squeeze(1)));
  nn::ConvTranspose1d ct(4, 6, 3, {.stride = 2, .padding = 1, .output_padding = 1});
  EXPECT_EQ(ct->weight.sizes(), Shape({4, 6, 3}));
  EXPECT_EQ(ct(randn({2, 4, 5})).sizes(), Shape({2, 6, 10}));
  EXPECT_EQ(ct->str(), "ConvTranspose1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), output_padding=(1,))");
  EXPECT_THROW_WITH(F::conv_transpose1d(zeros({1, 3, 5}), zeros({4, 3, 3})), Error,
                    "conv_transpose1d: weight of shape [4, 3, 3] expects 4 input channels");
  EXPECT_THROW_WITH(F::conv_transpose1d(zeros({1, 4, 5}), zeros({4, 3, 3}), {.stride = 2, .output_padding = 2}),
                    ValueError, "conv_transpose1d: output_padding (2)");
  EXPECT_THROW_WITH(F::conv_transpose1d(zeros({5}), zeros({4, 3, 3})), Error, "conv_transpose1d: expected a 2-D");
  EXPECT_THROW_WITH(F::conv_transpose1d(zeros({1, 4, 5}), zeros({4, 3, 3, 3})), Error, "expected a 3-D weight");
}

TEST(Conv, Gradients) {
  Generator gen(5);
  auto l = [&](Shape s) { return sample(gen, s, tgtest::kAnyValue).requires_grad_(true); };
  Tensor x = l({2, 4, 5, 4}), w = l({4, 2, 3, 2}), b = l({4});
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::conv2d(in[0], in[1], {.bias = in[2], .stride = {2, 1}, .padding = 1, .dilation = {1, 2}, .groups = 2}); }, {x, w, b}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::conv2d(in[0], in[1], {.stride = {2, 1}, .padding = 1, .groups = 2}); }, {x, w}));
  Tensor x1 = l({2, 3, 7}), w1 = l({2, 3, 3});
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::conv1d(in[0], in[1], {.padding = "same", .dilation = 2}); }, {x1, w1}));
  Tensor xt = l({1, 4, 3, 3}), wt = l({4, 3, 3, 3});
  auto tconv = [](const tensor_list& in) { return F::conv_transpose2d(in[0], in[1], {.stride = 2, .padding = 1, .output_padding = 1}); };
  EXPECT_TRUE(autograd::gradcheck(tconv, {xt, wt}));
  EXPECT_TRUE(autograd::gradgradcheck(tconv, {xt, wt}));
  Tensor x1t = l({2, 4, 5}), w1t = l({4, 3, 3}), b1t = l({3});
  auto tconv1 = [](const tensor_list& in) {
    return F::conv_transpose1d(in[0], in[1], {.bias = in[2], .stride = 2, .padding = 1, .dilation = 2});
  };
  EXPECT_TRUE(autograd::gradcheck(tconv1, {x1t, w1t, b1t}));
  EXPECT_TRUE(autograd::gradgradcheck(tconv1, {x1t, w1t, b1t}));
  Tensor x3 = l({2, 2, 4, 3, 4}), w3 = l({2, 1, 2, 2, 3}), b3 = l({2});
  auto conv3 = [](const tensor_list& in) {
    return F::conv3d(in[0], in[1], {.bias = in[2], .stride = {2, 1, 1}, .padding = {0, 1, 1}, .groups = 2});
  };
  EXPECT_TRUE(autograd::gradcheck(conv3, {x3, w3, b3}));
  EXPECT_TRUE(autograd::gradgradcheck(conv3, {x3, w3, b3}));
  Tensor x3t = l({1, 2, 2, 3, 2}), w3t = l({2, 2, 2, 2, 2});
  auto tconv3 = [](const tensor_list& in) {
    return F::conv_transpose3d(in[0], in[1], {.stride = {1, 2, 2}, .padding = {0, 1, 0}, .output_padding = {0, 1, 0}});
  };
  EXPECT_TRUE(autograd::gradcheck(tconv3, {x3t, w3t}));
  EXPECT_TRUE(autograd::gradgradcheck(tconv3, {x3t, w3t}));
}

TEST(Conv, Errors) {
  Tensor x = zeros({1, 3, 5, 5}), w = zeros({4, 3, 3, 3});
  EXPECT_THROW_WITH(F::conv2d(zeros({3, 5}), w), Error, "conv2d: expected a 3-D (unbatched) or 4-D (batched) input, got shape [3, 5]");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({4, 2, 3, 3})), Error, "expects 2 input channels");
  EXPECT_THROW_WITH(F::conv2d(x, w, {.groups = 2}), Error, "divisible by groups");
  EXPECT_THROW_WITH(F::conv2d(x, w.to(kFloat64)), TypeError, "same dtype");
  EXPECT_THROW_WITH(F::conv2d(x.to(kInt64), w.to(kInt64)), TypeError, "floating-point");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({4, 3, 7, 7})), Error, "smaller than the dilated kernel");
  EXPECT_THROW_WITH(F::conv2d(x, w, {.stride = 2, .padding = "same"}), ValueError, "needs stride 1");
  EXPECT_THROW_WITH(F::conv2d(x, w, {.stride = 0}), ValueError, "stride must be positive");
  EXPECT_THROW_WITH(F::conv2d(x, w, {.bias = zeros({3})}), Error, "bias of shape [4]");
  EXPECT_THROW_WITH(F::conv2d(x, w, {.padding = "full"}), ValueError, "\"same\", \"valid\"");
  EXPECT_THROW_WITH(F::conv_transpose2d(zeros({1, 4, 5, 5}), w, {.stride = 2, .output_padding = 2}), ValueError, "output_padding (2)");
  EXPECT_THROW_WITH(F::conv1d(zeros({1, 3, 5}), zeros({2, 3, 3, 3})), Error, "expected a 3-D weight");
  EXPECT_THROW_WITH(F::conv_transpose2d(x, w), Error, "conv_transpose2d: weight of shape [4, 3, 3, 3] expects 4 input channels");
  Tensor x3 = zeros({1, 3, 4, 5, 5}), w3 = zeros({4, 3, 3, 3, 3});
  EXPECT_THROW_WITH(F::conv3d(zeros({3, 5, 5}), w3), Error, "conv3d: expected a 4-D (unbatched) or 5-D (batched) input, got shape [3, 5, 5]");
  EXPECT_THROW_WITH(F::conv3d(x3, w), Error, "conv3d: expected a 5-D weight");
  EXPECT_THROW_WITH(F::conv3d(x3, zeros({4, 3, 5, 3, 3})), Error, "conv3d: input of shape [1, 3, 4, 5, 5] (padded by (0, 0, 0)) is smaller");
  EXPECT_THROW_WITH(F::conv3d(x3, w3, {.stride = {1, 0, 1}}), ValueError, "conv3d: stride must be positive, got (1, 0, 1)");
  EXPECT_THROW_WITH(F::conv3d(x3, w3, {.stride = {1, 2, 1}, .padding = "same"}), ValueError, "conv3d: padding=\"same\" needs stride 1, got (1, 2, 1)");
  EXPECT_THROW_WITH(F::conv3d(x3, w3, {.padding = {0, -1, 0}}), ValueError, "conv3d: padding must be non-negative, got (0, -1, 0)");
  EXPECT_THROW_WITH(F::conv3d(x3, w3, {.groups = 2}), Error, "divisible by groups");
  EXPECT_THROW_WITH(F::conv3d(x3, w3.to(kFloat64)), TypeError, "conv3d: input (float32) and weight (float64)");
  EXPECT_THROW_WITH(F::conv_transpose3d(zeros({1, 4, 2, 2, 2}), w3, {.stride = 2, .output_padding = {0, 2, 0}}), ValueError,
                    "conv_transpose3d: output_padding (2)");
  EXPECT_THROW_WITH(F::conv_transpose3d(x3, w3), Error, "conv_transpose3d: weight of shape [4, 3, 3, 3, 3] expects 4 input channels");
}

TEST(Pool, MaxPoolValuesAndIndices) {
  Tensor x = arange(16, kFloat64).view({1, 1, 4, 4});
  x.index_put_({0, 0, 1, 1}, 100.0);
  auto [y, idx] = F::max_pool2d_with_indices(x, {.kernel_size = 2});
  EXPECT_TRUE(close(y, tensor({100.0, 7.0, 13.0, 15.0}, kFloat64).view({1, 1, 2, 2})));
  EXPECT_EQ(idx.to_vector<int64_t>(), (std::vector<int64_t>{5, 7, 13, 15}));
  // Stride, padding (padded cells never win), dilation, ceil_mode.
  Tensor z = -arange(25, kFloat64).view({1, 5, 5});
  Tensor p = F::max_pool2d(z, {.kernel_size = 3, .stride = 2, .padding = 1});
  EXPECT_TRUE(close(p, tensor({0.0, -1.0, -3.0, -5.0, -6.0, -8.0, -15.0, -16.0, -18.0}, kFloat64).view({1, 3, 3})));
  EXPECT_EQ(F::max_pool2d(z, {.kernel_size = 2, .ceil_mode = true}).sizes(), Shape({1, 3, 3}));
  EXPECT_EQ(F::max_pool2d(z, {.kernel_size = 2}).sizes(), Shape({1, 2, 2}));
  EXPECT_TRUE(close(F::max_pool2d(z, {.kernel_size = 2, .dilation = 2}), tensor({0.0, -2.0, -10.0, -12.0}, kFloat64).view({1, 2, 2})));
  // NaN propagates.
  Tensor n = zeros({1, 1, 2, 2});
  n.index_put_({0, 0, 1, 0}, NAN);
  EXPECT_TRUE(std::isnan(F::max_pool2d(n, {.kernel_size = 2}).item<double>()));
  // A dilated window can miss the input: kernel 2, dilation 3 and padding 1 over 2 inputs take
  // positions -1 and 2. Its maximum is -inf (PyTorch's), its index -1, and no gradient flows.
  const Tensor two = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64).view({1, 2, 2}).requires_grad_(true);
  auto [missed, missed_at] =
      F::max_pool1d_with_indices(two, {.kernel_size = 2, .stride = 2, .padding = 1, .dilation = 3});
  EXPECT_EQ(vals(missed), (std::vector<double>{-INFINITY, -INFINITY}));
  EXPECT_EQ(missed_at.to_vector<int64_t>(), (std::vector<int64_t>{-1, -1}));
  missed.sum().backward();
  EXPECT_EQ(vals(two.grad()), (std::vector<double>{0, 0, 0, 0}));
  const Tensor rows = F::max_pool2d(arange(4, kFloat64).view({1, 1, 2, 2}),
                                    {.kernel_size = {2, 1}, .stride = 2, .padding = {1, 0}, .dilation = {3, 1}});
  EXPECT_EQ(vals(rows), (std::vector<double>{-INFINITY}));
  auto [cube, cube_at] = F::max_pool3d_with_indices(arange(8, kFloat64).view({1, 1, 2, 2, 2}),
                                                    {.kernel_size = 2, .stride = 2, .padding = 1, .dilation = 3});
  EXPECT_EQ(vals(cube), (std::vector<double>{-INFINITY}));
  EXPECT_EQ(cube_at.to_vector<int64_t>(), (std::vector<int64_t>{-1}));
}

// A row far longer than the interior loop's chunk (512 outputs): values and indices agree with
// each other and with the input at the indices, with and without the indices computed.
TEST(Pool, MaxPoolOfALongRow) {
  Generator gen(22);
  const Tensor x = randn({2, 1, 5001}, gen);
  for (const F::MaxPool1dOptions& o :
       {F::MaxPool1dOptions{.kernel_size = 2}, F::MaxPool1dOptions{.kernel_size = 3, .stride = 2, .padding = 1},
        F::MaxPool1dOptions{.kernel_size = 3, .stride = 1, .dilation = 2, .ceil_mode = true}}) {
    auto [y, idx] = F::max_pool1d_with_indices(x, o);
    EXPECT_TRUE(allclose(F::max_pool1d(x, o), y, 0, 0));
    EXPECT_TRUE(allclose(x.gather(2, idx), y, 0, 0));
    const int64_t s = o.stride.value_or(o.kernel_size);
    const std::vector<int64_t> iv = idx.to_vector<int64_t>();
    for (int64_t k = 0; k < y.size(2); ++k) {  // each index within its window
      const int64_t start = k * s - o.padding, at = iv[static_cast<size_t>(k)];
      ASSERT_TRUE(at >= start && at <= start + (o.kernel_size - 1) * o.dilation && (at - start) % o.dilation == 0);
    }
  }
}

// Adaptive windows hundreds wide (a long signal pooled to a few outputs) reduce each row's run in
// vector lanes: the first maximum of each window and its first NaN, as the scan finds them.
TEST(Pool, AdaptiveMaxPoolOfWideWindows) {
  Generator gen(23);
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = round(randn({3, 2, 5001}, gen) * 2).to(dt);  // ties everywhere
    x.index_put_({tensor({0, 2}), tensor({1, 0}), tensor({77, 4000})}, NAN);
    for (const Tensor& input : {x, x.unsqueeze(2).expand({3, 2, 3, 5001})}) {
      const bool plane = input.dim() == 4;
      auto [y, idx] =
          plane ? F::adaptive_max_pool2d_with_indices(input, {2, 37}) : F::adaptive_max_pool1d_with_indices(input, 37);
      const Tensor flat_y = y.reshape({6, -1}), flat_idx = idx.reshape({6, -1});
      const std::vector<double> xv = vals(x), yv = vals(flat_y);
      const std::vector<int64_t> iv = flat_idx.to_vector<int64_t>();
      const int64_t outs = flat_y.size(1), L = 5001;
      for (int64_t p = 0; p < 6; ++p)
        for (int64_t o = 0; o < outs; ++o) {
          const int64_t ow = o % 37, lo = ow * L / 37, hi = ((ow + 1) * L + 36) / 37;
          int64_t at = lo;
          for (int64_t w = lo; w < hi && !std::isnan(xv[static_cast<size_t>(p * L + at)]); ++w) {
            const double v = xv[static_cast<size_t>(p * L + w)];
            if (std::isnan(v) || v > xv[static_cast<size_t>(p * L + at)]) at = w;
          }
          const auto k = static_cast<size_t>(p * outs + o);
          // In the [3, 5001] planes the first row holds the first maximum.
          ASSERT_EQ(iv[k] % L, at) << name(dt) << " plane " << p << " output " << o;
          const double want = xv[static_cast<size_t>(p * L + at)];
          ASSERT_TRUE(std::isnan(want) ? std::isnan(yv[k]) : yv[k] == want);
        }
      EXPECT_TRUE(allclose(plane ? F::adaptive_max_pool2d(input, {2, 37}) : F::adaptive_max_pool1d(input, 37), y, 0, 0,
                           /*equal_nan=*/true));
    }
  }
}

// Adaptive windows several rows tall (56 x 60 planes to 5 x 5, and the tiles of outputs that
// divide the input) take a column pass and a row pass: against a row-major scan of each window
// that keeps its first maximum and its first NaN, with ties everywhere.
TEST(Pool, AdaptiveMaxPoolOfTallWideWindowsAgainstAScan) {
  Generator gen(24);
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = round(randn({2, 3, 56, 60}, gen) * 2).to(dt);
    x.index_put_({tensor({0, 1, 1}), tensor({1, 2, 2}), tensor({30, 0, 13}), tensor({17, 59, 2})}, NAN);
    // Uneven windows; tiles (7 x 6, 2 x 3, and 1 x 1: global pooling); windows one column wide.
    for (const std::pair<int64_t, int64_t>& size :
         {std::pair<int64_t, int64_t>{5, 5}, {3, 7}, {7, 6}, {2, 3}, {1, 1}, {5, 60}}) {
      auto [y, idx] = F::adaptive_max_pool2d_with_indices(x, {size.first, size.second});
      const std::vector<double> xv = vals(x), yv = vals(y);
      const std::vector<int64_t> iv = idx.to_vector<int64_t>();
      const int64_t H = 56, W = 60, oh_n = size.first, ow_n = size.second;
      for (int64_t p = 0; p < 6; ++p)
        for (int64_t oh = 0; oh < oh_n; ++oh)
          for (int64_t ow = 0; ow < ow_n; ++ow) {
            const int64_t h0 = oh * H / oh_n, h1 = ((oh + 1) * H + oh_n - 1) / oh_n;
            const int64_t w0 = ow * W / ow_n, w1 = ((ow + 1) * W + ow_n - 1) / ow_n;
            auto at_value = [&](int64_t at) { return xv[static_cast<size_t>(p * H * W + at)]; };
            int64_t at = h0 * W + w0;
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1 && !std::isnan(at_value(at)); ++w) {
                const double v = at_value(h * W + w);
                if (std::isnan(v) || v > at_value(at)) at = h * W + w;
              }
            const auto k = static_cast<size_t>((p * oh_n + oh) * ow_n + ow);
            ASSERT_EQ(iv[k], at) << name(dt) << " " << oh_n << "x" << ow_n << " plane " << p << " output " << oh << ", " << ow;
            ASSERT_TRUE(std::isnan(at_value(at)) ? std::isnan(yv[k]) : yv[k] == at_value(at));
          }
      EXPECT_TRUE(allclose(F::adaptive_max_pool2d(x, {size.first, size.second}), y, 0, 0, /*equal_nan=*/true));
    }
  }
  // The gradient goes to those positions.
  const Tensor x = randn({2, 3, 56, 56}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::adaptive_max_pool2d(in[0], {5, 5}); }, {x}));
}

TEST(Pool, MaxPoolAgainstAWindowScan) {
  // Values from a few integers (ties everywhere) and some NaNs, against a scan of every window in
  // row-major order that keeps the first maximum and the first NaN: whole windows take a vector
  // loop across a row's outputs, clipped ones the scan per output; strides 1, 2 and 3, padding,
  // dilation, ceil_mode, 1-D and 2-D, float32 and float64.
  Generator gen(21);
  struct Case {
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
    bool ceil;
  };
  for (const Case& c : std::vector<Case>{{2, 2, 2, 2, 0, 0, 1, 1, false},
                                         {3, 3, 2, 2, 1, 1, 1, 1, false},
                                         {1, 3, 1, 1, 0, 1, 1, 1, false},
                                         {1, 2, 1, 2, 0, 0, 1, 1, true},
                                         {2, 3, 1, 3, 1, 1, 2, 2, true},
                                         {3, 2, 3, 1, 0, 1, 1, 2, false},
                                         // Tiles 8 or more wide (the column pass): clipped by
                                         // ceil_mode, and with gaps between them.
                                         {2, 8, 2, 8, 0, 0, 1, 1, true},
                                         {3, 10, 4, 12, 0, 0, 1, 1, false}}) {
    for (DType dt : {kFloat32, kFloat64}) {
      const int64_t H = c.kh == 1 ? 1 : 9, W = 23;
      Tensor x = randint(0, 4, {2, 3, H, W}, gen, kInt64).to(dt);
      x = where(lt(rand({2, 3, H, W}, gen), 0.03), NAN, x);
      const F::MaxPool2dOptions o{.kernel_size = nn::Size2(c.kh, c.kw),
                                  .stride = nn::Size2(c.sh, c.sw),
                                  .padding = nn::Size2(c.ph, c.pw),
                                  .dilation = nn::Size2(c.dh, c.dw),
                                  .ceil_mode = c.ceil};
      auto [y, idx] = F::max_pool2d_with_indices(x, o);
      const int64_t OH = y.size(2), OW = y.size(3);
      const std::vector<double> xv = vals(x), yv = vals(y);
      const std::vector<int64_t> iv = idx.to_vector<int64_t>();
      for (int64_t p = 0; p < 6; ++p)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            double best = 0;
            int64_t at = -1;
            for (int64_t i = 0; i < c.kh; ++i)
              for (int64_t j = 0; j < c.kw; ++j) {
                const int64_t h = oh * c.sh - c.ph + i * c.dh, w = ow * c.sw - c.pw + j * c.dw;
                if (h < 0 || h >= H || w < 0 || w >= W) continue;
                const double v = xv[static_cast<size_t>(p * H * W + h * W + w)];
                if (at < 0 || (!std::isnan(best) && (v > best || std::isnan(v)))) best = v, at = h * W + w;
              }
            const auto k = static_cast<size_t>((p * OH + oh) * OW + ow);
            ASSERT_EQ(iv[k], at) << name(dt) << " case k" << c.kh << "x" << c.kw << " s" << c.sh << "x" << c.sw
                                 << " at plane " << p << " (" << oh << ", " << ow << ")";
            ASSERT_TRUE(std::isnan(best) ? std::isnan(yv[k]) : yv[k] == best);
          }
      // Without indices (no gradient to route) the kernel computes the values alone: the same ones.
      EXPECT_TRUE(allclose(F::max_pool2d(x, o), y, 0, 0, /*equal_nan=*/true));
      if (c.kh == 1) {  // the same through max_pool1d
        const Tensor flat = x.squeeze(2);
        auto [y1, i1] = F::max_pool1d_with_indices(
            flat, {.kernel_size = c.kw, .stride = c.sw, .padding = c.pw, .dilation = c.dw, .ceil_mode = c.ceil});
        EXPECT_EQ(i1.to_vector<int64_t>(), iv);
        EXPECT_TRUE(allclose(
            F::max_pool1d(
                flat, {.kernel_size = c.kw, .stride = c.sw, .padding = c.pw, .dilation = c.dw, .ceil_mode = c.ceil}),
            y1, 0, 0, true));
      }
    }
  }
}

TEST(Pool, AvgAndAdaptive) {
  Tensor x = arange(16, kFloat64).view({1, 1, 4, 4});
  EXPECT_TRUE(close(F::avg_pool2d(x, {.kernel_size = 2}), tensor({2.5, 4.5, 10.5, 12.5}, kFloat64).view({1, 1, 2, 2})));
  // Padding: counted by default, excluded on request; divisor_override.
  Tensor inc = F::avg_pool2d(x, {.kernel_size = 2, .stride = 2, .padding = 1});
  Tensor exc = F::avg_pool2d(x, {.kernel_size = 2, .stride = 2, .padding = 1, .count_include_pad = false});
  EXPECT_NEAR(inc.to_vector<double>()[0], 0.0 / 4, 1e-12);
  EXPECT_NEAR(inc.to_vector<double>()[1], (1.0 + 2.0) / 4, 1e-12);
  EXPECT_NEAR(exc.to_vector<double>()[1], (1.0 + 2.0) / 2, 1e-12);
  EXPECT_NEAR(F::avg_pool2d(x, {.kernel_size = 2, .divisor_override = 1}).to_vector<double>()[0], 10.0, 1e-12);
  // Adaptive: uneven windows [0,2), [1,3), [2,4)... for 4 -> 3.
  Tensor a = F::adaptive_avg_pool2d(x, {3, 1});
  EXPECT_TRUE(close(a.view({3}), tensor({(0 + 1 + 2 + 3 + 4 + 5 + 6 + 7) / 8.0, (4 + 5 + 6 + 7 + 8 + 9 + 10 + 11) / 8.0,
                                         (8 + 9 + 10 + 11 + 12 + 13 + 14 + 15) / 8.0}, kFloat64)));
  EXPECT_TRUE(close(F::adaptive_avg_pool2d(x, 1).view({1}), x.mean().view({1})));
  EXPECT_TRUE(close(F::adaptive_avg_pool2d(x, 2), F::avg_pool2d(x, {.kernel_size = 2})));
  EXPECT_TRUE(close(F::avg_pool2d(x.to(kFloat32), {.kernel_size = 2}), F::avg_pool2d(x, {.kernel_size = 2})));
}

TEST(Pool, AdaptiveSizesKeepTheInputsWhereNoneIsGiven) {
  // std::nullopt (Python's None) keeps the input's size along that dim: {nullopt, 1} pools each row
  // of a [.., H, W] plane to one column, as PyTorch's AdaptiveAvgPool2d((None, 1)).
  Generator gen(4);
  const Tensor x = randn({2, 3, 5, 7}, gen, kFloat64);
  EXPECT_TRUE(close(F::adaptive_avg_pool2d(x, {std::nullopt, 1}), x.mean({3}, true)));
  EXPECT_TRUE(close(F::adaptive_max_pool2d(x, {3, std::nullopt}), F::adaptive_max_pool2d(x, {3, 7})));
  const Tensor v = randn({1, 2, 4, 5, 6}, gen, kFloat64);
  EXPECT_TRUE(close(F::adaptive_avg_pool3d(v, {std::nullopt, 2, std::nullopt}), F::adaptive_avg_pool3d(v, {4, 2, 6})));
  EXPECT_TRUE(close(F::adaptive_max_pool3d(v, {1, std::nullopt, 3}), F::adaptive_max_pool3d(v, {1, 5, 3})));
  nn::AdaptiveAvgPool2d pool(nn::AdaptiveSize2{std::nullopt, 1});
  EXPECT_EQ(pool(x).sizes(), (Shape{2, 3, 5, 1}));
  EXPECT_EQ(pool->extra_repr(), "output_size=(None, 1)");
  EXPECT_EQ(nn::AdaptiveMaxPool3d(nn::AdaptiveSize3{2, std::nullopt, 2})->extra_repr(), "output_size=(2, None, 2)");
  EXPECT_EQ(nn::AdaptiveAvgPool2d(3)->extra_repr(), "output_size=3");
  EXPECT_THROW_WITH(F::adaptive_avg_pool2d(x, {0, std::nullopt}), ValueError,
                    "adaptive_avg_pool2d: output_size must be positive, got (0, 7)");
}

TEST(Pool, AdaptiveMax) {
  // 5 x 7 -> 3 x 4: uneven, overlapping windows, e.g. rows [0, 2), [1, 4), [3, 5).
  Generator gen(9);
  const Tensor x = randn({2, 3, 5, 7}, gen, kFloat64);
  auto [values, indices] = F::adaptive_max_pool2d_with_indices(x, {3, 4});
  EXPECT_EQ(values.sizes(), (Shape{2, 3, 3, 4}));
  EXPECT_EQ(indices.dtype(), kInt64);
  const auto xs = x.contiguous().to_vector<double>();
  const auto vs = values.to_vector<double>();
  const auto is = indices.to_vector<int64_t>();
  for (int64_t p = 0; p < 6; ++p)
    for (int64_t oh = 0; oh < 3; ++oh)
      for (int64_t ow = 0; ow < 4; ++ow) {
        double best = -INFINITY;
        int64_t at = -1;
        for (int64_t h = oh * 5 / 3; h < ((oh + 1) * 5 + 2) / 3; ++h)
          for (int64_t w = ow * 7 / 4; w < ((ow + 1) * 7 + 3) / 4; ++w)
            if (xs[static_cast<size_t>(p * 35 + h * 7 + w)] > best) {
              best = xs[static_cast<size_t>(p * 35 + h * 7 + w)];
              at = h * 7 + w;
            }
        const auto o = static_cast<size_t>(p * 12 + oh * 4 + ow);
        EXPECT_EQ(vs[o], best);
        EXPECT_EQ(is[o], at);
      }
  // Ties go to the first in row-major order, as in PyTorch.
  auto [tv, ti] = F::adaptive_max_pool2d_with_indices(ones({1, 3, 3}), {2, 2});
  EXPECT_EQ(vals(ti), (std::vector<double>{0, 1, 3, 4}));
  // Whole windows are plain max pooling; 1-D is the plane form.
  EXPECT_TRUE(close(F::adaptive_max_pool2d(x.narrow(2, 0, 4), {2, 7}),
                    F::max_pool2d(x.narrow(2, 0, 4), {.kernel_size = nn::Size2(2, 1)})));
  auto [v1, i1] = F::adaptive_max_pool1d_with_indices(x.select(2, 0), 3);
  EXPECT_TRUE(close(v1, std::get<0>(F::adaptive_max_pool2d_with_indices(x.narrow(2, 0, 1), {1, 3})).squeeze(2)));
  EXPECT_EQ(vals(i1), vals(std::get<1>(F::adaptive_max_pool2d_with_indices(x.narrow(2, 0, 1), {1, 3})).squeeze(2)));
  EXPECT_EQ(F::adaptive_max_pool2d(x[0], 2).sizes(), (Shape{3, 2, 2}));
  nn::AdaptiveMaxPool2d pool(nn::Size2(3, 4));
  EXPECT_TRUE(close(pool(x), values));
  EXPECT_EQ(pool->str(), "AdaptiveMaxPool2d(output_size=(3, 4))");
  EXPECT_EQ(nn::AdaptiveMaxPool1d(3)(x.select(2, 0)).sizes(), (Shape{2, 3, 3}));
  EXPECT_THROW_WITH(F::adaptive_max_pool2d(x, {0, 2}), ValueError, "adaptive_max_pool2d: output_size must be positive");
  EXPECT_THROW_WITH(F::adaptive_max_pool2d(zeros({1, 1, 0, 3}), 1), Error, "has an empty plane");
  EXPECT_THROW_WITH(F::adaptive_max_pool1d(zeros({4}), 1), Error, "adaptive_max_pool1d: expected a 2-D");
  EXPECT_THROW_WITH(F::adaptive_max_pool2d(x.to(kInt64), 1), TypeError, "floating-point");
}

TEST(Pool, Gradients) {
  Generator gen(6);
  Tensor x = sample(gen, {2, 2, 5, 6}, tgtest::kAnyValue).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::max_pool2d(in[0], {.kernel_size = 3, .stride = 2, .padding = 1}); }, {x}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::max_pool2d(in[0], {.kernel_size = 2, .ceil_mode = true}); }, {x}));
  auto avg = [](const tensor_list& in) { return F::avg_pool2d(in[0], {.kernel_size = 3, .stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}); };
  EXPECT_TRUE(autograd::gradcheck(avg, {x}));
  EXPECT_TRUE(autograd::gradgradcheck(avg, {x}));
  auto adaptive = [](const tensor_list& in) { return F::adaptive_avg_pool2d(in[0], {3, 4}); };
  EXPECT_TRUE(autograd::gradcheck(adaptive, {x}));
  EXPECT_TRUE(autograd::gradgradcheck(adaptive, {x}));
  auto global = [](const tensor_list& in) { return F::adaptive_avg_pool2d(in[0], 1); };  // the mean shortcut
  EXPECT_TRUE(autograd::gradcheck(global, {x}));
  EXPECT_TRUE(autograd::gradgradcheck(global, {x}));
  EXPECT_EQ(F::adaptive_avg_pool2d(x.select(0, 0), 1).sizes(), Shape({2, 1, 1}));
  auto adaptive_max = [](const tensor_list& in) { return F::adaptive_max_pool2d(in[0], {3, 4}); };
  EXPECT_TRUE(autograd::gradcheck(adaptive_max, {x}));
  EXPECT_TRUE(autograd::gradgradcheck(adaptive_max, {x}));
}

TEST(Pool, Errors) {
  Tensor x = zeros({1, 1, 4, 4});
  EXPECT_THROW_WITH(F::max_pool2d(zeros({4, 4}), {.kernel_size = 2}), Error, "max_pool2d: expected a 3-D (unbatched) or 4-D (batched) input, got shape [4, 4]");
  EXPECT_THROW_WITH(F::max_pool2d(x, {.kernel_size = 2, .padding = 2}), ValueError, "at most half the kernel size");
  EXPECT_THROW_WITH(F::max_pool2d(x, {.kernel_size = 5}), Error, "too small for kernel 5");
  EXPECT_THROW_WITH(F::avg_pool2d(x, {.kernel_size = 0}), ValueError, "kernel_size must be positive");
  EXPECT_THROW_WITH(F::avg_pool2d(x.to(kInt64), {.kernel_size = 2}), TypeError, "floating-point");
  EXPECT_THROW_WITH(F::adaptive_avg_pool2d(x, 0), ValueError, "output_size must be positive");
}

TEST(Pool, OneDimensionalPoolsAreThePlaneOnes) {
  Tensor x = tensor({{{1.0, 5.0, 2.0, 4.0, 3.0}}}, kFloat64);  // [1, 1, 5]
  EXPECT_EQ(vals(F::max_pool1d(x, {.kernel_size = 2})), (std::vector<double>{5, 4}));
  auto [m, idx] = F::max_pool1d_with_indices(x, {.kernel_size = 3, .stride = 1, .padding = 1});
  EXPECT_EQ(vals(m), (std::vector<double>{5, 5, 5, 4, 4}));
  EXPECT_EQ(vals(idx), (std::vector<double>{1, 1, 1, 3, 3}));
  EXPECT_EQ(vals(F::avg_pool1d(x, {.kernel_size = 2, .stride = 1})), (std::vector<double>{3, 3.5, 3, 3.5}));
  EXPECT_EQ(vals(F::adaptive_avg_pool1d(x, 2)), (std::vector<double>{8.0 / 3, 3}));
  EXPECT_EQ(F::max_pool1d(x[0], {.kernel_size = 2}).sizes(), Shape({1, 2}));  // unbatched [C, L]
  EXPECT_EQ(nn::MaxPool1d(2)(x).sizes(), Shape({1, 1, 2}));
  EXPECT_EQ(nn::AvgPool1d(F::AvgPool1dOptions{.kernel_size = 3, .padding = 1})(x).sizes(), Shape({1, 1, 2}));
  EXPECT_EQ(nn::AdaptiveAvgPool1d(3)(x).sizes(), Shape({1, 1, 3}));
  EXPECT_EQ(nn::MaxPool1d(2)->extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False");
  EXPECT_THROW_WITH(F::max_pool1d(ones({2, 2, 2, 2}), {.kernel_size = 2}), Error,
                    "max_pool1d: expected a 2-D [C, L] or 3-D [N, C, L] input, got shape [2, 2, 2, 2]");
}

namespace {

// One dim of a 3-D pooling reference: per output, the input positions its window covers and the
// window's padded length (average pooling's count_include_pad divisor).
struct Axis {
  std::vector<std::vector<int64_t>> taps;
  std::vector<int64_t> padded;
};

Axis pool_axis(int64_t in, int64_t k, int64_t s, int64_t p, int64_t dil, bool ceil_mode) {
  const int64_t span = in + 2 * p - dil * (k - 1) - 1;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  Axis a;
  for (int64_t o = 0; o < out; ++o) {
    std::vector<int64_t> t;
    for (int64_t i = 0; i < k; ++i)
      if (const int64_t at = o * s - p + i * dil; at >= 0 && at < in) t.push_back(at);
    a.taps.push_back(t);
    a.padded.push_back(std::min(o * s - p + k, in + p) - (o * s - p));
  }
  return a;
}

Axis adaptive_axis(int64_t in, int64_t out) {
  Axis a;
  for (int64_t o = 0; o < out; ++o) {
    std::vector<int64_t> t;
    for (int64_t i = o * in / out; i < ((o + 1) * in + out - 1) / out; ++i) t.push_back(i);
    a.padded.push_back(static_cast<int64_t>(t.size()));
    a.taps.push_back(t);
  }
  return a;
}

// Max (with flat d * H * W + h * W + w indices, first maximum in (d, h, w) order) or average of
// every [D, H, W] volume of x [P, D, H, W] over the windows of three axes.
struct Pooled3d {
  std::vector<double> values;
  std::vector<int64_t> indices;
};
Pooled3d reference_pool3d(const Tensor& x, const Axis (&ax)[3], bool max, bool include_pad = true,
                          int64_t divisor = 0) {
  const auto xv = vals(x.contiguous());
  const int64_t D = x.sizes()[1], H = x.sizes()[2], W = x.sizes()[3];
  Pooled3d r;
  for (int64_t p = 0; p < x.sizes()[0]; ++p)
    for (size_t od = 0; od < ax[0].taps.size(); ++od)
      for (size_t oh = 0; oh < ax[1].taps.size(); ++oh)
        for (size_t ow = 0; ow < ax[2].taps.size(); ++ow) {
          double best = -INFINITY, sum = 0;
          int64_t at = -1, count = 0;
          for (int64_t d : ax[0].taps[od])
            for (int64_t h : ax[1].taps[oh])
              for (int64_t w : ax[2].taps[ow]) {
                const int64_t flat = (d * H + h) * W + w;
                const double v = xv[static_cast<size_t>(p * D * H * W + flat)];
                if (at < 0 || v > best) best = v, at = flat;
                sum += v;
                ++count;
              }
          if (max) {
            r.values.push_back(best);
            r.indices.push_back(at);
          } else {
            const int64_t div = divisor > 0   ? divisor
                                : include_pad ? ax[0].padded[od] * ax[1].padded[oh] * ax[2].padded[ow]
                                              : count;
            r.values.push_back(sum / static_cast<double>(div));
          }
        }
  return r;
}

}  // namespace

TEST(Pool, ThreeDimensionalPoolsMatchDirectLoops) {
  Generator gen(31);
  const Tensor x = randn({2, 3, 5, 6, 7}, gen, kFloat64);
  const Tensor flat = x.reshape({6, 5, 6, 7});
  struct Case {
    nn::Size3 k, s, p, dil;
    bool ceil;
  };
  for (const Case& c : {Case{2, 2, 0, 1, false}, Case{{3, 2, 3}, {2, 1, 2}, {1, 1, 1}, 1, true},
                        Case{{2, 3, 2}, {1, 2, 3}, {0, 1, 1}, {2, 1, 2}, false}}) {
    const Axis ax[3] = {pool_axis(5, c.k.d, c.s.d, c.p.d, c.dil.d, c.ceil),
                        pool_axis(6, c.k.h, c.s.h, c.p.h, c.dil.h, c.ceil),
                        pool_axis(7, c.k.w, c.s.w, c.p.w, c.dil.w, c.ceil)};
    const Shape out{2, 3, static_cast<int64_t>(ax[0].taps.size()), static_cast<int64_t>(ax[1].taps.size()),
                    static_cast<int64_t>(ax[2].taps.size())};
    auto [m, idx] = F::max_pool3d_with_indices(
        x, {.kernel_size = c.k, .stride = c.s, .padding = c.p, .dilation = c.dil, .ceil_mode = c.ceil});
    const Pooled3d ref = reference_pool3d(flat, ax, true);
    EXPECT_EQ(m.sizes(), out);
    EXPECT_EQ(vals(m), ref.values);
    EXPECT_EQ(idx.to_vector<int64_t>(), ref.indices);
    if (c.dil != nn::Size3(1)) continue;
    for (bool include : {true, false}) {
      const F::AvgPool3dOptions o{
          .kernel_size = c.k, .stride = c.s, .padding = c.p, .ceil_mode = c.ceil, .count_include_pad = include};
      EXPECT_TRUE(close(F::avg_pool3d(x, o), tensor(reference_pool3d(flat, ax, false, include).values, kFloat64).view(out),
                        1e-12, 1e-12));
    }
    F::AvgPool3dOptions o{.kernel_size = c.k, .stride = c.s, .padding = c.p, .ceil_mode = c.ceil, .divisor_override = 5};
    EXPECT_TRUE(close(F::avg_pool3d(x, o), tensor(reference_pool3d(flat, ax, false, true, 5).values, kFloat64).view(out),
                      1e-12, 1e-12));
  }
  // Adaptive, uneven windows; the first maximum of a tie wins, as in PyTorch.
  const Axis ax[3] = {adaptive_axis(5, 3), adaptive_axis(6, 4), adaptive_axis(7, 3)};
  auto [am, aidx] = F::adaptive_max_pool3d_with_indices(x, {3, 4, 3});
  const Pooled3d ref = reference_pool3d(flat, ax, true);
  EXPECT_EQ(vals(am), ref.values);
  EXPECT_EQ(aidx.to_vector<int64_t>(), ref.indices);
  EXPECT_TRUE(close(F::adaptive_avg_pool3d(x, {3, 4, 3}),
                    tensor(reference_pool3d(flat, ax, false).values, kFloat64).view({2, 3, 3, 4, 3}), 1e-12, 1e-12));
  EXPECT_TRUE(close(F::adaptive_avg_pool3d(x, 1), x.mean({2, 3, 4}, true)));
  const Tensor ties = zeros({1, 1, 2, 2, 2});
  EXPECT_EQ(std::get<1>(F::max_pool3d_with_indices(ties, {.kernel_size = 2})).to_vector<int64_t>(), std::vector<int64_t>{0});
  // NaN wins; float32; unbatched input; modules.
  Tensor n = zeros({1, 2, 2, 2});
  n.index_put_({0, 1, 0, 1}, NAN);
  EXPECT_TRUE(std::isnan(F::max_pool3d(n, {.kernel_size = 2}).item<double>()));
  EXPECT_TRUE(close(F::max_pool3d(x.to(kFloat32), {.kernel_size = 2}), F::max_pool3d(x, {.kernel_size = 2}), 1e-6, 1e-6));
  EXPECT_TRUE(close(F::avg_pool3d(x[1], {.kernel_size = {1, 2, 3}}), F::avg_pool3d(x, {.kernel_size = {1, 2, 3}})[1]));
  EXPECT_EQ(nn::MaxPool3d(2)(x).sizes(), Shape({2, 3, 2, 3, 3}));
  EXPECT_EQ(nn::AvgPool3d(F::AvgPool3dOptions{.kernel_size = 3, .stride = 1, .padding = 1})(x).sizes(), x.sizes());
  EXPECT_EQ(nn::AdaptiveAvgPool3d(nn::Size3(1, 2, 2))(x).sizes(), Shape({2, 3, 1, 2, 2}));
  EXPECT_EQ(nn::AdaptiveMaxPool3d(2)(x[0]).sizes(), Shape({3, 2, 2, 2}));
  EXPECT_EQ(nn::MaxPool3d(F::MaxPool3dOptions{.kernel_size = {1, 2, 2}, .stride = 2})->extra_repr(),
            "kernel_size=(1, 2, 2), stride=2, padding=0, dilation=1, ceil_mode=False");
  EXPECT_EQ(nn::AvgPool3d(2)->extra_repr(), "kernel_size=2, stride=2, padding=0");
  EXPECT_EQ(nn::AdaptiveAvgPool3d(nn::Size3(1, 2, 3))->extra_repr(), "output_size=(1, 2, 3)");
}

TEST(Pool, ThreeDimensionalGradientsAndErrors) {
  Generator gen(32);
  const Tensor x = randn({1, 2, 4, 5, 4}, gen, kFloat64).requires_grad_(true);
  auto maxp = [](const tensor_list& in) {
    return F::max_pool3d(in[0], {.kernel_size = {2, 3, 2}, .stride = nn::Size3(1, 2, 2), .padding = {1, 1, 0}});
  };
  auto avgp = [](const tensor_list& in) {
    return F::avg_pool3d(in[0], {.kernel_size = {3, 2, 2}, .stride = nn::Size3(2, 1, 2), .padding = {1, 0, 1},
                                 .ceil_mode = true, .count_include_pad = false});
  };
  auto adaptive = [](const tensor_list& in) { return F::adaptive_max_pool3d(in[0], {3, 2, 3}); };
  auto adaptive_avg = [](const tensor_list& in) { return F::adaptive_avg_pool3d(in[0], {3, 3, 2}); };
  for (const auto& f : {std::function<Tensor(const tensor_list&)>(maxp), std::function<Tensor(const tensor_list&)>(avgp),
                        std::function<Tensor(const tensor_list&)>(adaptive),
                        std::function<Tensor(const tensor_list&)>(adaptive_avg)}) {
    EXPECT_TRUE(autograd::gradcheck(f, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(f, {x}));
  }
  const Tensor v = zeros({1, 1, 4, 4, 4});
  EXPECT_THROW_WITH(F::max_pool3d(zeros({4, 4, 4}), {.kernel_size = 2}), Error,
                    "max_pool3d: expected a 4-D (unbatched) or 5-D (batched) input, got shape [4, 4, 4]");
  EXPECT_THROW_WITH(F::max_pool3d(v, {.kernel_size = 2, .padding = {0, 2, 0}}), ValueError,
                    "max_pool3d: padding (0, 2, 0) must be non-negative and at most half the kernel size (2, 2, 2)");
  EXPECT_THROW_WITH(F::max_pool3d(v, {.kernel_size = {5, 1, 1}}), Error, "max_pool3d: input of shape [1, 1, 4, 4, 4] is too small for kernel 5");
  EXPECT_THROW_WITH(F::avg_pool3d(v, {.kernel_size = {1, 0, 1}}), ValueError, "avg_pool3d: kernel_size must be positive, got (1, 0, 1)");
  EXPECT_THROW_WITH(F::avg_pool3d(v, {.kernel_size = 2, .divisor_override = 0}), ValueError, "divisor_override must be positive");
  EXPECT_THROW_WITH(F::avg_pool3d(v.to(kInt64), {.kernel_size = 2}), TypeError, "avg_pool3d");
  EXPECT_THROW_WITH(F::adaptive_avg_pool3d(v, {1, 0, 1}), ValueError, "adaptive_avg_pool3d: output_size must be positive, got (1, 0, 1)");
  EXPECT_THROW_WITH(F::adaptive_max_pool3d(zeros({1, 0, 2, 2}), 1), Error, "adaptive_max_pool3d: input of shape [1, 0, 2, 2] has an empty volume");
}

TEST(Fold, UnfoldIsIm2colAndFoldItsAdjoint) {
  Generator gen(51);
  const Tensor x = randn({2, 3, 7, 6}, gen, kFloat64);
  const F::FoldOptions o{.kernel_size = {3, 2}, .dilation = {1, 2}, .padding = {1, 1}, .stride = {2, 1}};
  const Tensor cols = F::unfold(x, o);
  // A convolution is the weight matrix times the unfolded columns.
  const Tensor w = randn({4, 3, 3, 2}, gen, kFloat64);
  const Tensor y = F::conv2d(x, w, {.stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}});
  EXPECT_EQ(cols.sizes(), (Shape{2, 18, y.size(2) * y.size(3)}));
  EXPECT_TRUE(close(matmul(w.view({4, 18}), cols).view(y.sizes()), y, 1e-12, 1e-12));
  // fold is unfold's adjoint: <unfold(x), c> == <x, fold(c)>; and fold(unfold(ones)) counts overlaps.
  const Tensor c = randn(cols.sizes(), gen, kFloat64);
  const Tensor back = F::fold(c, {7, 6}, o);
  EXPECT_EQ(back.sizes(), x.sizes());
  EXPECT_NEAR((cols * c).sum().item<double>(), (x * back).sum().item<double>(), 1e-10);
  const F::FoldOptions k2{.kernel_size = 2};
  EXPECT_EQ(vals(F::fold(F::unfold(ones({1, 1, 3, 3}, kFloat64), {.kernel_size = 2, .stride = 1}), {3, 3},
                         {.kernel_size = 2, .stride = 1})),
            (std::vector<double>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
  const F::FoldOptions disjoint{.kernel_size = 2, .stride = 2};
  EXPECT_TRUE(close(F::fold(F::unfold(x, disjoint), {6, 6}, disjoint), x.narrow(2, 0, 6), 0, 0));
  // Unbatched, float32, the modules.
  EXPECT_TRUE(close(F::unfold(x[1], o), cols[1], 0, 0));
  EXPECT_TRUE(close(F::fold(c[1], {7, 6}, o), back[1], 1e-12, 1e-12));
  EXPECT_TRUE(close(F::unfold(x.to(kFloat32), o), cols.to(kFloat32), 1e-6, 1e-6));
  EXPECT_EQ(nn::Unfold(o)(x).sizes(), cols.sizes());
  EXPECT_EQ(nn::Fold(nn::Size2(7, 6), o)(c).sizes(), x.sizes());
  EXPECT_EQ(nn::Fold(nn::Size2(4, 5), k2)->extra_repr(), "output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1");
  // Gradients, first and second order.
  const Tensor xg = randn({1, 2, 4, 5}, gen, kFloat64).requires_grad_(true);
  const Tensor cg = randn({1, 8, 6}, gen, kFloat64).requires_grad_(true);
  const F::FoldOptions g{.kernel_size = 2, .padding = {0, 1}, .stride = {2, 1}};
  auto unfold_f = [g](const tensor_list& in) { return F::unfold(in[0], g); };
  auto fold_f = [](const tensor_list& in) { return F::fold(in[0], {3, 4}, {.kernel_size = 2, .stride = 1}); };
  EXPECT_TRUE(autograd::gradcheck(unfold_f, {xg}));
  EXPECT_TRUE(autograd::gradgradcheck(unfold_f, {xg}));
  EXPECT_TRUE(autograd::gradcheck(fold_f, {cg}));
  EXPECT_TRUE(autograd::gradgradcheck(fold_f, {cg}));
  // Errors.
  EXPECT_THROW_WITH(F::unfold(zeros({3, 4}), k2), Error, "unfold: expected a 3-D (unbatched) or 4-D (batched) input");
  EXPECT_THROW_WITH(F::unfold(x, {.kernel_size = 8}), Error, "unfold: the image (7, 6) padded by (0, 0) is smaller");
  EXPECT_THROW_WITH(F::unfold(x, {.kernel_size = 2, .stride = 0}), ValueError, "unfold: stride must be positive");
  EXPECT_THROW_WITH(F::fold(c, {7, 6}, {.kernel_size = 4}), Error, "fold: the input's 18 rows must be a multiple");
  EXPECT_THROW_WITH(F::fold(c, {10, 6}, o), Error, "fold: an output of (10, 6) with these options has");
  EXPECT_THROW_WITH(F::fold(zeros({2, 2, 2, 2}), {2, 2}, k2), Error, "fold: expected a 2-D (unbatched) or 3-D");
}

TEST(Fold, TensorUnfoldIsAWindowView) {
  const Tensor x = arange(10, kFloat64).view({2, 5});
  const Tensor w = x.unfold(1, 3, 2);  // windows [0, 3) and [2, 5) of each row
  EXPECT_EQ(w.sizes(), (Shape{2, 2, 3}));
  EXPECT_EQ(vals(w), (std::vector<double>{0, 1, 2, 2, 3, 4, 5, 6, 7, 7, 8, 9}));
  EXPECT_EQ(w.storage().get(), x.storage().get());  // a view
  EXPECT_EQ(x.unfold(0, 2, 1).sizes(), (Shape{1, 5, 2}));
  EXPECT_EQ(tensor(4.0).unfold(0, 1, 1).sizes(), (Shape{1}));
  // Overlapping windows add their gradients.
  const Tensor leaf = arange(5, kFloat64).requires_grad_(true);
  leaf.unfold(0, 3, 1).sum().backward();
  EXPECT_EQ(vals(leaf.grad()), (std::vector<double>{1, 2, 3, 2, 1}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return in[0].unfold(-1, 2, 1) * in[0].unfold(-1, 2, 1); },
                                      {randn({3, 4}, kFloat64).requires_grad_(true)}));
  EXPECT_THROW_WITH(x.unfold(1, 6, 1), Error, "unfold: the window size 6 does not fit dim 1 of size 5");
  EXPECT_THROW_WITH(x.unfold(1, 2, 0), ValueError, "unfold: step must be positive");
  EXPECT_THROW_WITH(x.unfold(2, 2, 1), Error, "unfold");
}

TEST(Pooling, MaxPoolModulesForwardWithIndices) {
  manual_seed(12);
  namespace F = nn::functional;
  Tensor x = randn({2, 3, 8, 6}), line = x.select(2, 0);
  auto same = [](std::tuple<Tensor, Tensor> got, std::tuple<Tensor, Tensor> want) {
    return close(std::get<0>(got), std::get<0>(want), 0, 0) && close(std::get<1>(got), std::get<1>(want), 0, 0);
  };
  EXPECT_TRUE(same(nn::MaxPool1d(2)->forward_with_indices(line), F::max_pool1d_with_indices(line, {.kernel_size = 2})));
  EXPECT_TRUE(
      same(nn::MaxPool2d(F::MaxPool2dOptions{.kernel_size = 3, .stride = 2, .padding = 1})->forward_with_indices(x),
           F::max_pool2d_with_indices(x, {.kernel_size = 3, .stride = 2, .padding = 1})));
  EXPECT_TRUE(
      same(nn::MaxPool3d(nn::Size3(2))->forward_with_indices(x), F::max_pool3d_with_indices(x, {.kernel_size = 2})));
  EXPECT_TRUE(same(nn::AdaptiveMaxPool1d(4)->forward_with_indices(line), F::adaptive_max_pool1d_with_indices(line, 4)));
  EXPECT_TRUE(same(nn::AdaptiveMaxPool2d(nn::Size2(3, 5))->forward_with_indices(x),
                   F::adaptive_max_pool2d_with_indices(x, nn::Size2(3, 5))));
  EXPECT_TRUE(same(nn::AdaptiveMaxPool3d(nn::Size3(2))->forward_with_indices(x),
                   F::adaptive_max_pool3d_with_indices(x, nn::Size3(2))));
}
