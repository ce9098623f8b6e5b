// lower_linear_to_conv2d on quantized weights (passes.h): a w8 or LPBQ weight [Out, In] quantized per output channel
// becomes the HWIO [1, 1, In, Out] weight whose every element dequantizes to the same real value as the element it
// came from (codes moved, int4 repacked low nibble first; channel axis 3, block axis 2; scales and multipliers kept),
// and the lowered graph computes what the FullyConnected graph computes.
#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/qnn/graph_builder.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/quant.h"
#include "edgevl/qnn/verify.h"
#include "qnn_test_util.h"

using namespace qnn_test;

namespace {

constexpr int64_t kOut = 24, kIn = 64, kRows = 5;

std::vector<float> random_values(size_t n, uint32_t seed) { return random_floats(n, seed, -2.f, 2.f); }

Graph fc_graph(const QuantizedWeight& q) {
  GraphBuilder b("fc");
  const TensorId x = b.input("x", {kRows, kIn});
  const TensorId w = b.constant("w", {kOut, kIn}, q.dtype, ConstData::copy_of(q.bytes.data(), q.bytes.size()), q.encoding);
  b.output(b.fully_connected(x, w, std::nullopt, "fc"), "y");
  return b.finish();
}

std::vector<float> dequantized(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.num_elements()));
  dequantize_weight_range(t.data.data, t.dtype, t.quant, t.shape, 0, t.num_elements(), v.data());
  return v;
}

void check_lowering(const QuantizedWeight& q) {
  Graph g = fc_graph(q);
  const std::vector<float> src = dequantized(g.tensor(g.find("w")));
  const std::vector<float> x = random_values(size_t(kRows * kIn), 7);
  const std::vector<float> y_fc = run(g, {{"x", x}})["y"];
  ASSERT_EQ(lower_linear_to_conv2d(g), 1);
  eliminate_dead_code(g);
  verify(g);
  const TensorId hw = g.find("w.hwio");
  ASSERT_NE(hw, kNoTensor);
  const Tensor& h = g.tensor(hw);
  EXPECT_EQ(h.shape, (std::vector<int64_t>{1, 1, kIn, kOut}));
  EXPECT_EQ(h.dtype, q.dtype);
  EXPECT_EQ(h.quant.axis, 3);
  if (q.encoding.kind == QuantEncoding::Kind::kBlockwiseExpansion) {
    EXPECT_EQ(h.quant.block_axis, 2);
    EXPECT_EQ(h.quant.block_scales, q.encoding.block_scales);
  }
  EXPECT_EQ(h.quant.scales, q.encoding.scales);
  const std::vector<float> lowered = dequantized(h);
  for (int64_t o = 0; o < kOut; ++o)
    for (int64_t i = 0; i < kIn; ++i)
      ASSERT_EQ(lowered[size_t(i * kOut + o)], src[size_t(o * kIn + i)]) << "element (" << o << ", " << i << ")";
  const std::vector<float> y_conv = run(g, {{"x", x}})["y"];
  ASSERT_EQ(y_conv.size(), y_fc.size());
  for (size_t k = 0; k < y_fc.size(); ++k) EXPECT_NEAR(y_conv[k], y_fc[k], 1e-4f * (1.f + std::fabs(y_fc[k])));
}

TEST(QuantizedLowering, W8PerOutputChannelMovesToHwio) {
  const std::vector<float> w = random_values(size_t(kOut * kIn), 1);
  check_lowering(quantize_weight_int8(w.data(), {kOut, kIn}, 0));
}

TEST(QuantizedLowering, LpbqInt4IsRepackedAndBlocksMoveToAxis2) {
  const std::vector<float> w = random_values(size_t(kOut * kIn), 2);
  for (int bs : {16, 32, 64}) {
    SCOPED_TRACE(bs);
    check_lowering(quantize_weight_lpbq(w.data(), {kOut, kIn}, 0, 1, bs));
  }
}

TEST(QuantizedLowering, PerInputChannelEncodingIsUnsupported) {
  const std::vector<float> w = random_values(size_t(kOut * kIn), 3);
  Graph g = fc_graph(quantize_weight_int8(w.data(), {kOut, kIn}, 1));  // per input channel: cannot become HWIO axis 3
  try {
    lower_linear_to_conv2d(g);
    FAIL() << "expected kUnsupported";
  } catch (const edgevl::Error& e) {
    EXPECT_EQ(e.code(), edgevl::ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("'w'"), std::string::npos) << e.what();
  }
}

}  // namespace
