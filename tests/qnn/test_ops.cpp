// Every op of the emulator against a straightforward loop reference written here.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

#include "edgevl/error.h"
#include "edgevl/qnn/half.h"
#include "expect_error.h"
#include "qnn_test_util.h"

using namespace edgevl::qnn;
using namespace qnn_test;

using edgevl::test::expect_error;

namespace {

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(want[i]) || std::isnan(want[i])) {
      EXPECT_EQ(std::isnan(got[i]), std::isnan(want[i])) << i;
      if (std::isinf(want[i])) {
        EXPECT_EQ(got[i], want[i]) << i;
      }
      continue;
    }
    ASSERT_NEAR(got[i], want[i], tol * std::max(1.0f, std::fabs(want[i]))) << "element " << i;
  }
}

TensorId fconst(GraphBuilder& b, const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
  return b.constant(name, shape, DType::kFloat32, ConstData::from_floats(v));
}

// Broadcast index helper: offset into a tensor of shape s for the output multi-index idx (right-aligned).
size_t bidx(const std::vector<int64_t>& s, const std::vector<int64_t>& idx) {
  size_t off = 0;
  const size_t r = idx.size();
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t v = idx[r - s.size() + i];
    off = off * static_cast<size_t>(s[i]) + static_cast<size_t>(s[i] == 1 ? 0 : v);
  }
  return off;
}

std::vector<int64_t> unravel(size_t flat, const std::vector<int64_t>& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t i = s.size(); i-- > 0;) {
    idx[i] = static_cast<int64_t>(flat % static_cast<size_t>(s[i]));
    flat /= static_cast<size_t>(s[i]);
  }
  return idx;
}

}  // namespace

TEST(QnnOps, FullyConnectedWithBias) {
  GraphBuilder b("fc");
  auto x = b.input("x", {2, 3, 5});
  auto w = random_floats(4 * 5, 1), bias = random_floats(4, 2);
  auto y = b.fully_connected(x, fconst(b, "w", {4, 5}, w), fconst(b, "b", {4}, bias), "fc");
  b.output(y, "y");
  Graph g = b.finish();
  EXPECT_EQ(g.tensor(g.find("y")).shape, (std::vector<int64_t>{2, 3, 4}));
  auto xv = random_floats(30, 3);
  auto out = run(g, {{"x", xv}})["y"];
  std::vector<float> ref(24);
  for (int m = 0; m < 6; ++m)
    for (int o = 0; o < 4; ++o) {
      double s = bias[o];
      for (int k = 0; k < 5; ++k) s += double(xv[m * 5 + k]) * w[o * 5 + k];
      ref[m * 4 + o] = float(s);
    }
  expect_near(out, ref);
}

TEST(QnnOps, Conv2dStridePadAndPointwise) {
  for (bool pointwise : {false, true}) {
    const int N = 2, H = 5, W = 6, C = 3, KH = pointwise ? 1 : 3, KW = pointwise ? 1 : 3, CO = 4;
    const int sh = pointwise ? 1 : 2, sw = pointwise ? 1 : 1;
    const std::vector<int64_t> pad = pointwise ? std::vector<int64_t>{0, 0, 0, 0} : std::vector<int64_t>{1, 1, 0, 2};
    GraphBuilder b("conv");
    auto x = b.input("x", {N, H, W, C});
    auto wv = random_floats(KH * KW * C * CO, 4), bv = random_floats(CO, 5);
    auto y = b.conv2d(x, fconst(b, "w", {KH, KW, C, CO}, wv), fconst(b, "b", {CO}, bv), {sh, sw}, pad);
    b.output(y, "y");
    Graph g = b.finish();
    const auto& os = g.tensor(g.find("y")).shape;
    const int HO = (H + pad[0] + pad[1] - KH) / sh + 1, WO = (W + pad[2] + pad[3] - KW) / sw + 1;
    ASSERT_EQ(os, (std::vector<int64_t>{N, HO, WO, CO}));
    auto xv = random_floats(N * H * W * C, 6);
    auto out = run(g, {{"x", xv}})["y"];
    std::vector<float> ref(out.size());
    for (int n = 0; n < N; ++n)
      for (int oy = 0; oy < HO; ++oy)
        for (int ox = 0; ox < WO; ++ox)
          for (int co = 0; co < CO; ++co) {
            double s = bv[co];
            for (int ky = 0; ky < KH; ++ky)
              for (int kx = 0; kx < KW; ++kx)
                for (int c = 0; c < C; ++c) {
                  int iy = oy * sh - int(pad[0]) + ky, ix = ox * sw - int(pad[2]) + kx;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  s += double(xv[((n * H + iy) * W + ix) * C + c]) * wv[((ky * KW + kx) * C + c) * CO + co];
                }
            ref[((n * HO + oy) * WO + ox) * CO + co] = float(s);
          }
    expect_near(out, ref);
  }
}

TEST(QnnOps, BatchedMatMulTransposesAndBroadcast) {
  const int M = 3, K = 4, N = 5;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      std::vector<int64_t> as = {2, 1, ta ? K : M, ta ? M : K}, bs = {1, 3, tb ? N : K, tb ? K : N};
      GraphBuilder b("mm");
      auto a = b.input("a", as);
      auto bb = b.input("b", bs);
      auto y = b.matmul(a, bb, ta, tb);
      b.output(y, "y");
      Graph g = b.finish();
      ASSERT_EQ(g.tensor(g.find("y")).shape, (std::vector<int64_t>{2, 3, M, N}));
      auto av = random_floats(numel(as), 7), bv = random_floats(numel(bs), 8);
      auto out = run(g, {{"a", av}, {"b", bv}})["y"];
      std::vector<float> ref(2 * 3 * M * N);
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
          for (int m = 0; m < M; ++m)
            for (int n = 0; n < N; ++n) {
              double s = 0;
              for (int k = 0; k < K; ++k) {
                float x = ta ? av[(i * K + k) * M + m] : av[(i * M + m) * K + k];
                float z = tb ? bv[(j * N + n) * K + k] : bv[(j * K + k) * N + n];
                s += double(x) * z;
              }
              ref[((i * 3 + j) * M + m) * N + n] = float(s);
            }
      expect_near(out, ref);
    }
}

TEST(QnnOps, LargeGemmMultithreadedFp32AndFp16Weights) {
  const int M = 7, K = 130, N = 300;
  auto wv = random_floats(K * N, 9);
  std::vector<uint16_t> wh(wv.size());
  float_to_half_n(wv.data(), wh.data(), wv.size());
  for (bool half : {false, true}) {
    GraphBuilder b("gemm");
    auto x = b.input("x", {1, 1, M, K});
    TensorId w = half ? b.constant("w", {1, 1, K, N}, DType::kFloat16, ConstData::copy_of(wh.data(), wh.size() * 2))
                      : fconst(b, "w", {1, 1, K, N}, wv);
    b.output(b.conv2d(x, w, std::nullopt), "y");
    Graph g = b.finish();
    auto xv = random_floats(M * K, 10);
    auto out = run(g, {{"x", xv}}, FloatMode::kFp32, 2)["y"];
    std::vector<float> ref(M * N);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double s = 0;
        for (int k = 0; k < K; ++k) s += double(xv[m * K + k]) * (half ? half_to_float(wh[k * N + n]) : wv[k * N + n]);
        ref[m * N + n] = float(s);
      }
    expect_near(out, ref, 1e-4f);
  }
}

// Float16 weights read transposed (FullyConnected W [N, K], MatMul with transpose_in1) are converted in blocks of whole
// Bᵀ rows: many column blocks (K = 130, N = 600) and, for a long K (4100), blocks split along k with a partial last one.
TEST(QnnOps, TransposedHalfWeightsInColumnAndDepthBlocks) {
  for (const auto& [M, K, N] : {std::array<int, 3>{3, 130, 600}, std::array<int, 3>{2, 4100, 40}}) {
    auto wv = random_floats(size_t(N) * K, 21);
    std::vector<uint16_t> wh(wv.size());
    float_to_half_n(wv.data(), wh.data(), wv.size());
    auto xv = random_floats(size_t(M) * K, 22);
    std::vector<float> ref(size_t(M) * N);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double s = 0;
        for (int k = 0; k < K; ++k) s += double(xv[size_t(m) * K + k]) * half_to_float(wh[size_t(n) * K + k]);
        ref[size_t(m) * N + n] = float(s);
      }
    for (bool matmul : {false, true}) {
      GraphBuilder b("t");
      auto x = b.input("x", {M, K});
      auto w = b.constant("w", {N, K}, DType::kFloat16, ConstData::copy_of(wh.data(), wh.size() * 2));
      b.output(matmul ? b.matmul(x, w, false, true) : b.fully_connected(x, w, std::nullopt), "y");
      Graph g = b.finish();
      for (int threads : {1, 2}) {
        SCOPED_TRACE(testing::Message() << "K=" << K << " N=" << N << " matmul=" << matmul << " threads=" << threads);
        expect_near(run(g, {{"x", xv}}, FloatMode::kFp32, threads)["y"], ref, 1e-4f);
      }
    }
  }
}

TEST(QnnOps, BinaryBroadcasting) {
  struct Case {
    std::vector<int64_t> a, b;
  };
  for (const Case& c : {Case{{2, 3, 4}, {3, 1}}, Case{{1, 4}, {2, 3, 1}}, Case{{2, 3, 4}, {}}, Case{{2, 1, 4}, {2, 3, 4}},
                        Case{{5}, {5}}}) {
    for (const char* ty : {op::kAdd, op::kSubtract, op::kMultiply, op::kDivide, op::kMaximum, op::kMinimum}) {
      GraphBuilder b("bin");
      auto a = b.input("a", c.a);
      auto bb = b.input("b", c.b);
      std::string t = ty;
      TensorId y = t == op::kAdd ? b.add(a, bb) : t == op::kSubtract ? b.sub(a, bb) : t == op::kMultiply ? b.mul(a, bb)
                   : t == op::kDivide ? b.div(a, bb) : t == op::kMaximum ? b.maximum(a, bb) : b.minimum(a, bb);
      b.output(y, "y");
      Graph g = b.finish();
      const auto os = g.tensor(g.find("y")).shape;
      auto av = random_floats(numel(c.a), 11), bv = random_floats(numel(c.b), 12, 0.5f, 2.0f);
      auto out = run(g, {{"a", av}, {"b", bv}})["y"];
      ASSERT_EQ(out.size(), numel(os));
      for (size_t i = 0; i < out.size(); ++i) {
        auto idx = unravel(i, os);
        float x = av[bidx(c.a, idx)], z = bv[bidx(c.b, idx)];
        float want = t == op::kAdd ? x + z : t == op::kSubtract ? x - z : t == op::kMultiply ? x * z
                     : t == op::kDivide ? x / z : t == op::kMaximum ? std::max(x, z) : std::min(x, z);
        ASSERT_FLOAT_EQ(out[i], want) << ty << " element " << i;
      }
    }
  }
}

TEST(QnnOps, IntAddAndCastAndArgmax) {
  GraphBuilder b("ints");
  auto p = b.input("pos", {2, 3}, DType::kInt32);
  std::vector<int32_t> off = {10, 20, 30};
  auto o = b.constant("off", {3}, DType::kInt32, ConstData::copy_of(off.data(), 12));
  auto s = b.add(p, o);
  auto f = b.cast(s, DType::kFloat32);
  b.output(f, "f");
  auto x = b.input("x", {2, 4});
  b.output(b.argmax(x, -1), "am");
  b.output(b.cast(x, DType::kInt32), "xi");
  Graph g = b.finish();
  std::vector<int32_t> pos = {1, 2, 3, -4, 5, 6};
  std::vector<float> xv = {0.5f, 3.0f, 3.0f, -1.0f, -2.5f, -7.0f, 1.9f, -0.1f};
  std::vector<float> fo(6);
  std::vector<int32_t> am(2), xi(8);
  auto exe = prepare_emulator(g, FloatMode::kFp32, 1);
  exe->run({{"pos", {pos.data(), {2, 3}, DType::kInt32}}, {"x", {xv.data(), {2, 4}, DType::kFloat32}}},
           {{"f", {fo.data(), {2, 3}, DType::kFloat32}}, {"am", {am.data(), {2}, DType::kInt32}},
            {"xi", {xi.data(), {2, 4}, DType::kInt32}}});
  EXPECT_EQ(fo, (std::vector<float>{11, 22, 33, 6, 25, 36}));
  EXPECT_EQ(am, (std::vector<int32_t>{1, 2}));  // first maximum wins
  EXPECT_EQ(xi, (std::vector<int32_t>{0, 3, 3, -1, -2, -7, 1, 0}));
}

TEST(QnnOps, UnaryOps) {
  auto xv = random_floats(50, 13, -3.0f, 3.0f);
  xv[0] = 0.0f;
  std::vector<std::pair<std::string, float (*)(float)>> cases = {
      {op::kNeg, [](float v) { return -v; }},
      {op::kExp, [](float v) { return std::exp(v); }},
      {op::kSin, [](float v) { return std::sin(v); }},
      {op::kCos, [](float v) { return std::cos(v); }},
      {op::kAbs, [](float v) { return std::fabs(v); }},
      {op::kTanh, [](float v) { return std::tanh(v); }},
      {op::kSigmoid, [](float v) { return float(1.0 / (1.0 + std::exp(-double(v)))); }},
      {op::kRelu, [](float v) { return v > 0 ? v : 0.0f; }},
      {op::kGelu, [](float v) { return float(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)))); }},
  };
  for (auto& [ty, fn] : cases) {
    GraphBuilder b("u");
    auto x = b.input("x", {5, 10});
    TensorId y = ty == op::kNeg ? b.neg(x) : ty == op::kExp ? b.exp(x) : ty == op::kSin ? b.sin(x) : ty == op::kCos ? b.cos(x)
                 : ty == op::kAbs ? b.abs(x) : ty == op::kTanh ? b.tanh(x) : ty == op::kSigmoid ? b.sigmoid(x)
                 : ty == op::kRelu ? b.relu(x) : b.gelu(x);
    b.output(y, "y");
    auto out = run(b.finish(), {{"x", xv}})["y"];
    std::vector<float> ref(xv.size());
    for (size_t i = 0; i < xv.size(); ++i) ref[i] = fn(xv[i]);
    expect_near(out, ref, 1e-6f);
  }
  // sqrt / rsqrt on positive inputs
  auto pv = random_floats(20, 14, 0.1f, 4.0f);
  GraphBuilder b("s");
  auto x = b.input("x", {20});
  b.output(b.sqrt(x), "sq");
  b.output(b.rsqrt(x), "rs");
  auto out = run(b.finish(), {{"x", pv}});
  for (size_t i = 0; i < pv.size(); ++i) {
    EXPECT_NEAR(out["sq"][i], std::sqrt(pv[i]), 1e-6f);
    EXPECT_NEAR(out["rs"][i], 1.0 / std::sqrt(pv[i]), 1e-6f);
  }
}

TEST(QnnOps, SoftmaxWithMaskedEntries) {
  const float ninf = -std::numeric_limits<float>::infinity();
  // [2, 3, 4] softmax over the last axis, causal-style -inf entries and one fully masked row.
  auto xv = random_floats(24, 15, -5.0f, 5.0f);
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 4; ++c)
      if (c > r % 4) xv[r * 4 + c] = ninf;
  for (int c = 0; c < 4; ++c) xv[5 * 4 + c] = ninf;
  for (int axis : {-1, 1}) {
    GraphBuilder b("sm");
    auto x = b.input("x", {2, 3, 4});
    b.output(b.softmax(x, axis), "y");
    auto out = run(b.finish(), {{"x", xv}})["y"];
    std::vector<float> ref(24, 0.0f);
    const int A = axis == -1 ? 4 : 3, inner = axis == -1 ? 1 : 4, outer = axis == -1 ? 6 : 2;
    for (int o = 0; o < outer; ++o)
      for (int in = 0; in < inner; ++in) {
        double m = -INFINITY, s = 0;
        for (int i = 0; i < A; ++i) m = std::max(m, double(xv[(o * A + i) * inner + in]));
        if (std::isinf(m)) continue;  // all masked → zeros
        for (int i = 0; i < A; ++i) s += std::exp(double(xv[(o * A + i) * inner + in]) - m);
        for (int i = 0; i < A; ++i) ref[(o * A + i) * inner + in] = float(std::exp(double(xv[(o * A + i) * inner + in]) - m) / s);
      }
    expect_near(out, ref, 1e-6f);
    for (float v : out) EXPECT_FALSE(std::isnan(v));
  }
}

TEST(QnnOps, RmsNormAndLayerNorm) {
  const int R = 3, C = 8;
  auto xv = random_floats(R * C, 16, -2, 2), gv = random_floats(C, 17), bv = random_floats(C, 18);
  GraphBuilder b("norm");
  auto x = b.input("x", {R, C});
  auto g = fconst(b, "g", {C}, gv);
  b.output(b.rms_norm(x, g, 1e-6f), "rms");
  b.output(b.layer_norm(x, g, fconst(b, "b", {C}, bv), 1e-5f), "ln");
  auto out = run(b.finish(), {{"x", xv}});
  std::vector<float> rms(R * C), ln(R * C);
  for (int r = 0; r < R; ++r) {
    double ss = 0, mean = 0, var = 0;
    for (int c = 0; c < C; ++c) ss += double(xv[r * C + c]) * xv[r * C + c], mean += xv[r * C + c];
    mean /= C;
    for (int c = 0; c < C; ++c) var += (xv[r * C + c] - mean) * (xv[r * C + c] - mean);
    var /= C;
    for (int c = 0; c < C; ++c) {
      rms[r * C + c] = float(gv[c] * xv[r * C + c] / std::sqrt(ss / C + 1e-6));
      ln[r * C + c] = float((xv[r * C + c] - mean) / std::sqrt(var + 1e-5) * gv[c] + bv[c]);
    }
  }
  expect_near(out["rms"], rms);
  expect_near(out["ln"], ln);
}

TEST(QnnOps, ReductionsOverAxes) {
  auto xv = random_floats(24, 19);
  GraphBuilder b("red");
  auto x = b.input("x", {2, 3, 4});
  b.output(b.reduce_sum(x, {0, 2}, false), "sum");
  b.output(b.reduce_mean(x, {-1}, true), "mean");
  b.output(b.reduce_max(x, {1}, false), "max");
  Graph g = b.finish();
  EXPECT_EQ(g.tensor(g.find("mean")).shape, (std::vector<int64_t>{2, 3, 1}));
  auto out = run(g, {{"x", xv}});
  for (int j = 0; j < 3; ++j) {
    double s = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) s += xv[(i * 3 + j) * 4 + k];
    EXPECT_NEAR(out["sum"][j], s, 1e-5);
  }
  for (int r = 0; r < 6; ++r) {
    double s = 0;
    for (int k = 0; k < 4; ++k) s += xv[r * 4 + k];
    EXPECT_NEAR(out["mean"][r], s / 4, 1e-6);
  }
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      float m = -INFINITY;
      for (int j = 0; j < 3; ++j) m = std::max(m, xv[(i * 3 + j) * 4 + k]);
      EXPECT_EQ(out["max"][i * 4 + k], m);
    }
}

TEST(QnnOps, TransposeReshapeConcat) {
  auto xv = random_floats(2 * 3 * 4 * 5, 20);
  GraphBuilder b("move");
  auto x = b.input("x", {2, 3, 4, 5});
  b.output(b.transpose(x, {0, 2, 1, 3}), "t1");
  b.output(b.transpose(x, {3, 0, 2, 1}), "t2");
  auto r = b.reshape(x, {6, -1});
  auto y = b.input("y", {6, 7});
  b.output(b.concat({r, y, r}, 1), "cat");
  Graph g = b.finish();
  EXPECT_EQ(g.tensor(g.find("cat")).shape, (std::vector<int64_t>{6, 47}));
  auto yv = random_floats(42, 21);
  auto out = run(g, {{"x", xv}, {"y", yv}});
  for (int a = 0; a < 2; ++a)
    for (int bb = 0; bb < 3; ++bb)
      for (int c = 0; c < 4; ++c)
        for (int d = 0; d < 5; ++d) {
          float v = xv[((a * 3 + bb) * 4 + c) * 5 + d];
          ASSERT_EQ(out["t1"][((a * 4 + c) * 3 + bb) * 5 + d], v);
          ASSERT_EQ(out["t2"][((d * 2 + a) * 4 + c) * 3 + bb], v);
        }
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 20; ++j) {
      ASSERT_EQ(out["cat"][i * 47 + j], xv[i * 20 + j]);
      ASSERT_EQ(out["cat"][i * 47 + 27 + j], xv[i * 20 + j]);
    }
    for (int j = 0; j < 7; ++j) ASSERT_EQ(out["cat"][i * 47 + 20 + j], yv[i * 7 + j]);
  }
}

// A Reshape that is its input's last reader shares the input's arena buffer: x → Relu a [1000] → Reshape b [10, 100]
// → ReduceSum [10] needs a's buffer once (4000 bytes) plus the small output, not a second 4000-byte copy for b.
// A Reshape whose input is read again later keeps its own buffer, and both give the right values.
TEST(QnnOps, ReshapeTakesOverItsInputsBuffer) {
  auto xv = random_floats(1000, 31);
  for (bool input_read_later : {false, true}) {
    GraphBuilder b("r");
    auto x = b.input("x", {1000});
    auto a = b.relu(x);
    auto r = b.reduce_sum(b.reshape(a, {10, 100}), {1}, false);
    b.output(input_read_later ? b.add(r, b.reduce_sum(b.reshape(a, {100, 10}), {0}, false)) : r, "y");
    Graph g = b.finish();
    auto exe = prepare_emulator(g, FloatMode::kFp32, 1);
    if (!input_read_later) {
      EXPECT_LT(exe->arena_bytes(), 2u * 4000u);
    }
    std::vector<float> ref(10, 0.0f);
    for (int i = 0; i < 10; ++i)
      for (int j = 0; j < 100; ++j) {
        ref[size_t(i)] += std::max(0.0f, xv[size_t(i * 100 + j)]);
        if (input_read_later) ref[size_t(i)] += std::max(0.0f, xv[size_t(j * 10 + i)]);
      }
    expect_near(run(g, {{"x", xv}}, FloatMode::kFp32, 1)["y"], ref, 1e-5f);
  }
}

TEST(QnnOps, StridedSlice) {
  auto xv = random_floats(4 * 6 * 5, 22);
  GraphBuilder b("ss");
  auto x = b.input("x", {4, 6, 5});
  b.output(b.strided_slice(x, {1, -5, 0}, {4, 6, 5}, {2, 2, 3}), "y");
  Graph g = b.finish();
  // dim0: 1,3; dim1: 1,3,5; dim2: 0,3
  ASSERT_EQ(g.tensor(g.find("y")).shape, (std::vector<int64_t>{2, 3, 2}));
  auto out = run(g, {{"x", xv}})["y"];
  size_t k = 0;
  for (int i = 1; i < 4; i += 2)
    for (int j = 1; j < 6; j += 2)
      for (int l = 0; l < 5; l += 3) EXPECT_EQ(out[k++], xv[(i * 6 + j) * 5 + l]);
  GraphBuilder e("ss_bad");
  auto xe = e.input("x", {4});
  EXPECT_THROW(e.strided_slice(xe, {3}, {1}, {1}), edgevl::Error);
}

TEST(QnnOps, GatherAxes) {
  const int V = 7, D = 3;
  auto tv = random_floats(V * D, 23);
  std::vector<uint16_t> th(tv.size());
  float_to_half_n(tv.data(), th.data(), tv.size());
  for (bool half : {false, true}) {
    GraphBuilder b("gather");
    auto table = half ? b.constant("emb", {V, D}, DType::kFloat16, ConstData::copy_of(th.data(), th.size() * 2))
                      : fconst(b, "emb", {V, D}, tv);
    auto ids = b.input("ids", {2, 2}, DType::kInt32);
    b.output(b.gather(table, ids, 0), "rows");
    auto cols = b.input("cols", {2}, DType::kInt64);
    b.output(b.gather(table, cols, 1), "cols_out");
    Graph g = b.finish();
    std::vector<int32_t> idv = {6, 0, 3, 3};
    std::vector<int64_t> cv = {2, 0};
    std::vector<float> rows(12), co(14);
    auto exe = prepare_emulator(g, FloatMode::kFp32, 1);
    exe->run({{"ids", {idv.data(), {2, 2}, DType::kInt32}}, {"cols", {cv.data(), {2}, DType::kInt64}}},
             {{"rows", {rows.data(), {2, 2, D}, DType::kFloat32}}, {"cols_out", {co.data(), {V, 2}, DType::kFloat32}}});
    auto val = [&](int r, int c) { return half ? half_to_float(th[r * D + c]) : tv[r * D + c]; };
    for (int i = 0; i < 4; ++i)
      for (int d = 0; d < D; ++d) EXPECT_EQ(rows[i * D + d], val(idv[i], d));
    for (int r = 0; r < V; ++r)
      for (int j = 0; j < 2; ++j) EXPECT_EQ(co[r * 2 + j], val(r, int(cv[j])));
    idv[1] = V;  // out of range → clear error, no crash
    expect_error(
        [&] { exe->run({{"ids", {idv.data(), {2, 2}, DType::kInt32}}, {"cols", {cv.data(), {2}, DType::kInt64}}}, {}); },
        edgevl::ErrorCode::kInvalidArgument, {"out of range"});
  }
}

TEST(QnnOps, RunTimeBindingErrors) {
  GraphBuilder b("bind");
  auto x = b.input("x", {2, 3});
  b.output(b.neg(x), "y");
  Graph g = b.finish();
  auto exe = prepare_emulator(g, FloatMode::kFp32, 1);
  std::vector<float> xv(6), yv(6), big(12);
  auto code_of = [&](auto fn) {
    try {
      fn();
    } catch (const edgevl::Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(edgevl::ErrorCode::kInternal, std::string("no error"));
  };
  auto r = code_of([&] { exe->run({{"x", {big.data(), {3, 4}, DType::kFloat32}}}, {}); });
  EXPECT_EQ(r.first, edgevl::ErrorCode::kShapeMismatch);
  EXPECT_NE(r.second.find("'x'"), std::string::npos) << r.second;
  EXPECT_NE(r.second.find("[2, 3]"), std::string::npos) << r.second;
  EXPECT_NE(r.second.find("[3, 4]"), std::string::npos) << r.second;
  r = code_of([&] { exe->run({{"x", {xv.data(), {2, 3}, DType::kInt32}}}, {}); });
  EXPECT_EQ(r.first, edgevl::ErrorCode::kShapeMismatch);
  r = code_of([&] { exe->run({{"nope", {xv.data(), {2, 3}, DType::kFloat32}}}, {}); });
  EXPECT_EQ(r.first, edgevl::ErrorCode::kNotFound);
  r = code_of([&] { exe->run({}, {}); });
  EXPECT_EQ(r.first, edgevl::ErrorCode::kNotFound);
  r = code_of([&] { exe->run({{"x", {xv.data(), {2, 3}, DType::kFloat32}}}, {{"y", {yv.data(), {6}, DType::kFloat32}}}); });
  EXPECT_EQ(r.first, edgevl::ErrorCode::kShapeMismatch);
  r = code_of([&] { exe->run({{"x", {nullptr, {2, 3}, DType::kFloat32}}}, {}); });
  EXPECT_EQ(r.first, edgevl::ErrorCode::kInvalidArgument);
}
