// Quantization math (LPBQ, w8, a16, uint8 KV) on hand-computed cases; quantized emulator execution of a lowered linear
// (int4 LPBQ weight between Quantize/Dequantize) against the dequantized float product; manifest round trip of every
// encoding kind through a bundle.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/calibration.h"
#include "edgevl/qnn/quant.h"
#include "qnn_test_util.h"

using namespace qnn_test;
using edgevl::Error;
using edgevl::ErrorCode;

namespace {

int int4_at(const std::vector<uint8_t>& b, size_t i) {
  int nib = i % 2 == 0 ? (b[i / 2] & 0xF) : (b[i / 2] >> 4);
  return nib >= 8 ? nib - 16 : nib;
}

// HWIO [1,1,In,1]: one output channel, In input channels.
std::vector<int64_t> hwio(int64_t in, int64_t out = 1) { return {1, 1, in, out}; }

}  // namespace

TEST(Lpbq, MultiplierClampsAt16And1) {
  // Block 0 (16 values) absmax 7 -> block scale 1; block 1 absmax 0.07 -> 0.01. Channel scale = 1/16.
  std::vector<float> w(32, 0.0f);
  w[0] = 7.0f;
  w[3] = -3.0f;
  w[16] = 0.07f;
  auto q = quantize_weight_lpbq(w.data(), hwio(32), 3, 2, 16);
  EXPECT_EQ(q.dtype, DType::kInt4);
  ASSERT_EQ(q.encoding.scales.size(), 1u);
  EXPECT_FLOAT_EQ(q.encoding.scales[0], 1.0f / 16.0f);
  ASSERT_EQ(q.encoding.block_scales.size(), 2u);
  EXPECT_EQ(q.encoding.block_scales[0], 16);  // round(1 / (1/16)) = 16
  EXPECT_EQ(q.encoding.block_scales[1], 1);   // round(0.01 / 0.0625) = 0 -> clamped to 1
  EXPECT_EQ(int4_at(q.bytes, 0), 7);
  EXPECT_EQ(int4_at(q.bytes, 3), -3);
  EXPECT_EQ(int4_at(q.bytes, 16), 1);  // 0.07 / 0.0625 = 1.12
  std::vector<float> back(32);
  dequantize_weight_range(q.bytes.data(), q.dtype, q.encoding, hwio(32), 0, 32, back.data());
  EXPECT_FLOAT_EQ(back[0], 7.0f);
  EXPECT_FLOAT_EQ(back[16], 0.0625f);
}

TEST(Lpbq, AllZeroBlockAndChannel) {
  std::vector<float> w(64, 0.0f);  // [1,1,32,2]: channel 0 all zero, channel 1 has one value in block 1
  w[size_t(20 * 2 + 1)] = 1.4f;
  auto q = quantize_weight_lpbq(w.data(), hwio(32, 2), 3, 2, 16);
  EXPECT_FLOAT_EQ(q.encoding.scales[0], 1.0f / 16.0f);  // documented scale of an all-zero channel
  EXPECT_EQ(q.encoding.block_scales[0], 1);
  EXPECT_EQ(q.encoding.block_scales[1], 1);
  EXPECT_EQ(q.encoding.block_scales[2], 1);   // channel 1, block 0: all zero -> multiplier 1
  EXPECT_EQ(q.encoding.block_scales[3], 16);  // channel 1, block 1 holds the channel's max
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(int4_at(q.bytes, i), i == 41 ? 7 : 0) << i;
}

TEST(Lpbq, OutlierBlockKeepsOtherBlocksFine) {
  std::vector<float> w(32);
  for (int i = 0; i < 32; ++i) w[size_t(i)] = 0.1f * float((i % 7) - 3);
  w[5] = 70.0f;  // block 0 outlier: block scale 10, channel scale 10/16
  auto q = quantize_weight_lpbq(w.data(), hwio(32), 3, 2, 16);
  EXPECT_FLOAT_EQ(q.encoding.scales[0], 10.0f / 16.0f);
  EXPECT_EQ(q.encoding.block_scales[0], 16);
  EXPECT_EQ(q.encoding.block_scales[1], 1);  // 0.3/7 / 0.625 = 0.07 -> 1: block 1 still resolves 0.625 steps
  EXPECT_EQ(int4_at(q.bytes, 5), 7);
}

TEST(Lpbq, BlockSizes) {
  std::vector<float> w = random_floats(128 * 3, 7);
  for (int bs : {16, 32, 64}) {
    auto q = quantize_weight_lpbq(w.data(), hwio(128, 3), 3, 2, bs);
    EXPECT_EQ(q.encoding.block_scales.size(), size_t(3 * 128 / bs));
    std::vector<float> back(w.size());
    dequantize_weight_range(q.bytes.data(), q.dtype, q.encoding, hwio(128, 3), 0, int64_t(w.size()), back.data());
    EXPECT_GT(sqnr_db(w.data(), back.data(), w.size()), 12.0) << bs;
  }
  EXPECT_THROW(quantize_weight_lpbq(w.data(), hwio(128, 3), 3, 2, 48), Error);
  std::vector<float> w40(40, 1.0f);
  try {
    quantize_weight_lpbq(w40.data(), hwio(40), 3, 2, 32);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("40"), std::string::npos);
  }
  EXPECT_FALSE(lpbq_block_fits(40, 32));
  EXPECT_TRUE(lpbq_block_fits(64, 32));
}

TEST(Lpbq, MseClipNeverWorseThanMinMax) {
  std::vector<float> w = random_floats(256 * 4, 11);
  w[3] = 5.0f;  // an outlier makes clipping worth it elsewhere in its block
  auto a = quantize_weight_lpbq(w.data(), hwio(256, 4), 3, 2, 32, RangeMethod::kMinMax);
  auto b = quantize_weight_lpbq(w.data(), hwio(256, 4), 3, 2, 32, RangeMethod::kMse);
  std::vector<float> da(w.size()), db(w.size());
  dequantize_weight_range(a.bytes.data(), a.dtype, a.encoding, hwio(256, 4), 0, int64_t(w.size()), da.data());
  dequantize_weight_range(b.bytes.data(), b.dtype, b.encoding, hwio(256, 4), 0, int64_t(w.size()), db.data());
  EXPECT_GE(sqnr_db(w.data(), db.data(), w.size()), sqnr_db(w.data(), da.data(), w.size()) - 0.5);
}

TEST(W8, PerChannelSymmetric) {
  std::vector<float> w{1.27f, -0.5f, 0.0f, 0.0f};  // [2,2] axis 0: row 0 absmax 1.27, row 1 all zero
  auto q = quantize_weight_int8(w.data(), {2, 2}, 0);
  EXPECT_FLOAT_EQ(q.encoding.scales[0], 0.01f);
  EXPECT_FLOAT_EQ(q.encoding.scales[1], 1.0f);
  EXPECT_EQ(int8_t(q.bytes[0]), 127);
  EXPECT_EQ(int8_t(q.bytes[1]), -50);
  EXPECT_EQ(q.encoding.offsets, (std::vector<int32_t>{0, 0}));
}

TEST(Kv8, ZeroPoint128) {
  QuantEncoding e = symmetric_uint8_encoding(12.7f);
  EXPECT_FLOAT_EQ(e.scales[0], 0.1f);
  EXPECT_EQ(e.offsets[0], -128);
  std::vector<float> x{0.0f, 12.7f, -12.7f, -20.0f, 0.05f};
  std::vector<uint8_t> q(x.size());
  quantize_values(x.data(), x.size(), e, DType::kUInt8, q.data());
  EXPECT_EQ(q, (std::vector<uint8_t>{128, 255, 1, 0, 128}));  // 0.5 rounds half to even -> 0
  std::vector<float> back(x.size());
  dequantize_values(q.data(), q.size(), e, DType::kUInt8, back.data());
  EXPECT_FLOAT_EQ(back[0], 0.0f);
  EXPECT_NEAR(back[1], 12.7f, 1e-5f);
}

TEST(A16, AsymmetricPerTensor) {
  QuantEncoding e = activation_encoding(-1.0f, 3.0f);
  EXPECT_FLOAT_EQ(e.scales[0], 4.0f / 65535.0f);
  EXPECT_EQ(e.offsets[0], -16384);  // round(-1 / (4/65535)) = round(-16383.75)
  std::vector<float> x{-1.0f, 0.0f, 3.0f, 100.0f};
  std::vector<uint16_t> q(x.size());
  quantize_values(x.data(), x.size(), e, DType::kUInt16, q.data());
  EXPECT_EQ(q[1], 16384);   // zero is exact
  EXPECT_EQ(q[3], 65535);   // saturates
  EXPECT_EQ(activation_encoding(2.0f, 5.0f).offsets[0], 0);  // range widened to include 0
}

// A lowered linear y = x·W with an int4 LPBQ weight: the emulator equals the float product with the dequantized weight.
Graph lpbq_conv_graph(const std::vector<float>& w, int64_t M, int64_t In, int64_t Out, QuantizedWeight* qw) {
  GraphBuilder b("q");
  TensorId x = b.input("x", {1, 1, M, In});
  TensorId wt = b.constant("w", hwio(In, Out), DType::kFloat32, ConstData::from_floats(w));
  b.output(b.conv2d(x, wt, std::nullopt), "y");
  Graph g = b.finish();
  *qw = quantize_weight_lpbq(w.data(), hwio(In, Out), 3, 2, 32);
  Tensor& t = g.mutable_tensor(g.find("w"));
  t.dtype = DType::kInt4;
  t.quant = qw->encoding;
  t.data = ConstData::from_bytes(qw->bytes);
  return g;
}

TEST(Emulator, LpbqConvEqualsDequantizedReference) {
  const int64_t In = 64, Out = 8, M = 3;
  std::vector<float> w = random_floats(size_t(In * Out), 3), x = random_floats(size_t(M * In), 4);
  QuantizedWeight qw;
  Graph g = lpbq_conv_graph(w, M, In, Out, &qw);
  std::vector<float> wd(w.size());
  dequantize_weight_range(qw.bytes.data(), qw.dtype, qw.encoding, hwio(In, Out), 0, int64_t(w.size()), wd.data());
  const std::vector<float> y = run(g, {{"x", x}})["y"];
  ASSERT_EQ(y.size(), size_t(M * Out));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t o = 0; o < Out; ++o) {
      double ref = 0;
      for (int64_t k = 0; k < In; ++k) ref += double(x[size_t(m * In + k)]) * wd[size_t(k * Out + o)];
      EXPECT_NEAR(y[size_t(m * Out + o)], ref, 1e-5) << m << "," << o;
    }
}

TEST(Bundle, EncodingsRoundTrip) {
  const int64_t In = 64, Out = 80, M = 1;  // 80 channels: scales stored as a companion constant
  std::vector<float> w = random_floats(size_t(In * Out), 5), x = random_floats(size_t(M * In), 6);
  QuantizedWeight qw;
  Graph g = lpbq_conv_graph(w, M, In, Out, &qw);
  attach_encoding_arrays(g);
  ASSERT_NE(g.find(encoding_array_tensor("w", "block_scales")), kNoTensor);
  const std::string dir = (std::filesystem::temp_directory_path() / "edgevl_test_quant.evl").string();
  std::filesystem::remove_all(dir);
  write_bundle(dir, {g}, BundleWriterOptions{}, nullptr);
  auto bundle = Bundle::open(dir);
  const Graph& r = bundle->graph("q");
  const Tensor& t = r.tensor(r.find("w"));
  EXPECT_EQ(t.dtype, DType::kInt4);
  EXPECT_TRUE(t.quant == qw.encoding);
  EXPECT_EQ(run(r, {{"x", x}})["y"], run(g, {{"x", x}})["y"]);
  std::filesystem::remove_all(dir);
}

TEST(Encoding, InvalidIsRejected) {
  Tensor t;
  t.name = "w";
  t.shape = {1, 1, 32, 2};
  t.dtype = DType::kInt4;
  t.quant = quantize_weight_lpbq(random_floats(64, 1).data(), t.shape, 3, 2, 16).encoding;
  EXPECT_NO_THROW(validate_encoding(t));
  t.quant.block_scales[0] = 17;
  EXPECT_THROW(validate_encoding(t), Error);
  t.quant.block_scales[0] = 1;
  t.quant.scales[1] = -1.0f;
  EXPECT_THROW(validate_encoding(t), Error);
  // Each bad value alone, first or last in its array (the checks are branch-free scans over the whole array).
  const QuantEncoding good = t.quant = quantize_weight_lpbq(random_floats(64, 1).data(), t.shape, 3, 2, 16).encoding;
  for (bool last : {false, true}) {
    auto at = [&](auto& v) -> auto& { return v[last ? v.size() - 1 : 0]; };
    for (float s : {0.0f, -0.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
      t.quant = good;
      at(t.quant.scales) = s;
      EXPECT_THROW(validate_encoding(t), Error) << s;
    }
    for (uint8_t m : {0, 17, 255}) {
      t.quant = good;
      at(t.quant.block_scales) = m;
      EXPECT_THROW(validate_encoding(t), Error) << int(m);
    }
    t.quant = good;
    at(t.quant.offsets) = 1;
    EXPECT_THROW(validate_encoding(t), Error);
  }
  t.quant = good;
  t.quant.scales[0] = std::numeric_limits<float>::denorm_min();  // tiny but finite and positive
  t.quant.block_scales[0] = 16;
  EXPECT_NO_THROW(validate_encoding(t));
}

// Calibration: the observer sees graph inputs and op outputs by name; data-movement ops join encoding groups; ranges
// become uint16 (or uint8 zero-point-128) encodings over the group's union.
TEST(Calibration, RangesGroupsAndEncodings) {
  GraphBuilder b("c");
  TensorId x = b.input("x", {2, 3});
  TensorId r = b.reshape(x, {3, 2}, "r");
  b.output(b.relu(r, "relu"), "y");
  Graph g = b.finish();
  auto exe = prepare_emulator(g, FloatMode::kFp32, 1);
  RangeObserver obs;
  exe->set_observer(obs.hook());
  std::vector<float> y(6);
  for (const std::vector<float>& in : {std::vector<float>{-2, 1, 0, 3, 0.5f, 1}, std::vector<float>{-1, 0, 0, 1, 0, 7}})
    exe->run({{"x", {in.data(), {2, 3}, DType::kFloat32}}}, {{"y", {y.data(), {3, 2}, DType::kFloat32}}});
  const auto& rs = obs.ranges();
  ASSERT_EQ(rs.count("x"), 1u);
  EXPECT_FLOAT_EQ(rs.at("x").min, -2.0f);
  EXPECT_FLOAT_EQ(rs.at("x").max, 7.0f);
  EXPECT_FLOAT_EQ(rs.at("x").lo(RangeStat::kMeanMinMax), -1.5f);
  EXPECT_FLOAT_EQ(rs.at("y").min, 0.0f);
  EXPECT_EQ(rs.at("y").count, 2u);

  const auto groups = encoding_groups({&g});
  EXPECT_EQ(groups.at("x"), groups.at("r"));
  EXPECT_EQ(groups.count("y"), 0u);
  auto enc = encodings_from_ranges(rs, groups, {}, RangeStat::kMinMax);
  EXPECT_TRUE(enc.at("x") == enc.at("r"));
  EXPECT_TRUE(enc.at("x") == activation_encoding(-2.0f, 7.0f));
  auto kv = encodings_from_ranges(rs, groups, {"r"}, RangeStat::kMinMax);
  EXPECT_TRUE(kv.at("x") == symmetric_uint8_encoding(7.0f));  // the whole group becomes uint8
  EXPECT_THROW(encodings_from_ranges({}, groups, {}, RangeStat::kMinMax), Error);
}
