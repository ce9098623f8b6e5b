// The quantization pass (quantize_pass.h) on a small lowered graph: x [4, 64] -> FullyConnected W [32, 64] + b ->
// Reshape -> y [128]. Calibrated with a RangeObserver, encodings from encodings_from_ranges over encoding_groups, the
// weight LPBQ (block 32) and every float value uint16. Expected behaviour from docs/quantization.md: the graph's calling
// convention stays float32 (a Quantize after x, a Dequantize before y), data movement keeps one encoding, the weight
// becomes int4 BLOCKWISE_EXPANSION, the output is close to the float graph's (SQNR) but not equal to it.
#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/calibration.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/quant.h"
#include "edgevl/qnn/quantize_pass.h"
#include "edgevl/qnn/verify.h"
#include "qnn_test_util.h"

#include <filesystem>
#include <optional>

using namespace qnn_test;
using edgevl::Error;
using edgevl::ErrorCode;

namespace {

constexpr int64_t kRows = 4, kIn = 64, kOut = 32;

Graph float_graph(const std::string& name = "g") {
  GraphBuilder b(name);
  const TensorId x = b.input("x", {kRows, kIn});
  const TensorId w = b.constant("w", {kOut, kIn}, DType::kFloat32, ConstData::from_floats(random_floats(kOut * kIn, 11)));
  const TensorId bias = b.constant("b", {kOut}, DType::kFloat32, ConstData::from_floats(random_floats(kOut, 12)));
  const TensorId y = b.fully_connected(x, w, bias, "fc");
  b.output(b.reshape(y, {kRows * kOut}, "flat"), "y");
  Graph g = b.finish();
  lower_linear_to_conv2d(g);
  eliminate_dead_code(g);
  verify(g);
  return g;
}

std::vector<std::vector<float>> inputs() {
  std::vector<std::vector<float>> v;
  for (uint32_t s = 0; s < 4; ++s) v.push_back(random_floats(kRows * kIn, 100 + s, -2.f, 2.f));
  return v;
}

QuantPlan calibrated_plan(const Graph& g) {
  RangeObserver obs;
  auto exe = prepare_emulator(g, FloatMode::kFp32, 1);
  exe->set_observer(obs.hook());
  std::vector<float> y(kRows * kOut);
  for (const auto& x : inputs())
    exe->run({{"x", {x.data(), {kRows, kIn}, DType::kFloat32}}}, {{"y", {y.data(), {kRows * kOut}, DType::kFloat32}}});
  const auto groups = encoding_groups({&g});
  QuantPlan plan;
  plan.activations = encodings_from_ranges(obs.ranges(), groups, {}, RangeStat::kMinMax);
  WeightQuantSpec w;
  w.kind = WeightQuantSpec::Kind::kLpbq;
  w.channel_axis = 3;
  w.block_axis = 2;
  w.block_size = 32;
  plan.weights["w.hwio"] = w;
  return plan;
}

const Op* producer(const Graph& g, const std::string& tensor) {
  for (const Op& op : g.ops())
    if (g.tensor(op.outputs[0]).name == tensor) return &op;
  return nullptr;
}

TEST(QuantizePass, LpbqWeightUint16ActivationsFloatBoundary) {
  const Graph fg = float_graph();
  Graph qg = fg;
  const QuantizeStats st = quantize_graph(qg, calibrated_plan(fg));
  EXPECT_EQ(st.weights, 1);
  EXPECT_EQ(st.boundary_ops, 2);  // a Quantize after x, a Dequantize before y
  verify(qg);

  const Tensor& x = qg.tensor(qg.find("x"));
  EXPECT_EQ(x.kind, TensorKind::kInput);
  EXPECT_EQ(x.dtype, DType::kFloat32);
  EXPECT_FALSE(x.quant.quantized());
  const Tensor& y = qg.tensor(qg.find("y"));
  EXPECT_EQ(y.dtype, DType::kFloat32);
  ASSERT_NE(producer(qg, "y"), nullptr);
  EXPECT_EQ(producer(qg, "y")->type, op::kDequantize);
  ASSERT_NE(producer(qg, "x.q"), nullptr);
  EXPECT_EQ(producer(qg, "x.q")->type, op::kQuantize);
  EXPECT_EQ(qg.tensor(qg.find("x.q")).dtype, DType::kUInt16);
  const Tensor& w = qg.tensor(qg.find("w.hwio"));
  EXPECT_EQ(w.dtype, DType::kInt4);
  EXPECT_EQ(w.quant.kind, QuantEncoding::Kind::kBlockwiseExpansion);
  EXPECT_EQ(w.quant.block_size, 32);
  EXPECT_EQ(w.quant.block_scales.size(), size_t(kOut * kIn / 32));
  // Every non-constant real tensor other than the float boundary is now uint16 codes.
  for (const Tensor& t : qg.tensors())
    if (t.kind == TensorKind::kActivation && t.name != "x" && t.name != "y") {
      EXPECT_EQ(t.dtype, DType::kUInt16) << t.name;
    }

  const std::vector<float> x0 = inputs()[1];
  const std::vector<float> ref = run(fg, {{"x", x0}})["y"], got = run(qg, {{"x", x0}})["y"];
  ASSERT_EQ(ref.size(), got.size());
  const double sqnr = sqnr_db(ref.data(), got.data(), ref.size());
  EXPECT_GT(sqnr, 20.0) << "int4 weights + uint16 activations";
  EXPECT_LT(sqnr, 80.0) << "the quantized graph must differ from the float one (else nothing was quantized)";
}

TEST(QuantizePass, QuantizedIoKeepsItsNameAsCodes) {
  const Graph fg = float_graph();
  Graph qg = fg;
  QuantPlan plan = calibrated_plan(fg);
  plan.quantized_io = {"x"};
  const QuantizeStats st = quantize_graph(qg, plan);
  EXPECT_EQ(st.boundary_ops, 1);  // only the Dequantize before y
  verify(qg);
  EXPECT_EQ(qg.tensor(qg.find("x")).dtype, DType::kUInt16);
  EXPECT_EQ(qg.find("x.q"), kNoTensor);
}

TEST(QuantizePass, CacheSharesWeightBytesAcrossGraphs) {
  const Graph a0 = float_graph("a"), b0 = float_graph("b");
  const QuantPlan plan = calibrated_plan(a0);
  Graph a = a0, b = b0;
  QuantizedWeightCache cache;
  quantize_graph(a, plan, &cache);
  quantize_graph(b, plan, &cache);
  EXPECT_EQ(cache.entries.size(), 1u);
  EXPECT_EQ(a.tensor(a.find("w.hwio")).data.data, b.tensor(b.find("w.hwio")).data.data);
}

TEST(QuantizePass, BadPlansAreInvalidArgument) {
  const Graph fg = float_graph();
  auto code = [&](const QuantPlan& p) -> std::optional<ErrorCode> {
    Graph g = fg;
    try {
      quantize_graph(g, p);
    } catch (const Error& e) {
      return e.code();
    }
    return std::nullopt;
  };
  QuantPlan not_constant;
  not_constant.weights["x"] = WeightQuantSpec{};  // a graph input, not a float constant
  EXPECT_EQ(code(not_constant), ErrorCode::kInvalidArgument);
  QuantPlan four_bits;
  QuantEncoding e = activation_encoding(-1.f, 1.f, 16);
  e.bitwidth = 4;
  four_bits.activations["x"] = e;
  EXPECT_EQ(code(four_bits), ErrorCode::kInvalidArgument);
  QuantPlan per_channel;
  QuantEncoding pc;
  pc.kind = QuantEncoding::Kind::kAxisScaleOffset;
  pc.bitwidth = 16;
  pc.axis = 1;
  pc.scales.assign(kIn, 0.01f);
  pc.offsets.assign(kIn, 0);
  per_channel.activations["x"] = pc;
  EXPECT_EQ(code(per_channel), ErrorCode::kInvalidArgument);
  QuantPlan absent;  // names a plan spanning several graphs may hold that this graph lacks: ignored
  absent.weights["no.such.weight"] = WeightQuantSpec{};
  EXPECT_EQ(code(absent), std::nullopt);
}

TEST(QuantizePass, BundleRoundTripRunsTheSame) {
  const Graph fg = float_graph();
  Graph qg = fg;
  quantize_graph(qg, calibrated_plan(fg));
  attach_encoding_arrays(qg, 1);  // force the companion constants
  const std::string dir = (std::filesystem::temp_directory_path() / "edgevl_quantize_pass.evl").string();
  std::filesystem::remove_all(dir);
  write_bundle(dir, {qg}, BundleWriterOptions{"test", nlohmann::json::object(), {}});
  const auto bundle = Bundle::open(dir);
  const Graph& rg = bundle->graph("g");
  EXPECT_EQ(rg.tensor(rg.find("w.hwio")).quant, qg.tensor(qg.find("w.hwio")).quant);
  const std::vector<float> x0 = inputs()[2];
  EXPECT_EQ(run(qg, {{"x", x0}})["y"], run(rg, {{"x", x0}})["y"]);
  std::filesystem::remove_all(dir);
}

// A quantized bundle whose encoding this build has no kernel for (here an int8 per-channel bias, which QNN allows but
// the emulator only reads in weight slots) opens, and preparing it is a clear kUnsupported naming the tensor.
TEST(QuantizePass, EncodingWithoutKernelIsUnsupportedAtPrepare) {
  const Graph fg = float_graph();
  Graph qg = fg;
  quantize_graph(qg, calibrated_plan(fg));
  Tensor& b = qg.mutable_tensor(qg.find("b"));
  const std::vector<float> bias(reinterpret_cast<const float*>(b.data.data),
                                reinterpret_cast<const float*>(b.data.data) + kOut);
  QuantizedWeight qb = quantize_weight_int8(bias.data(), {kOut}, 0);
  b.dtype = qb.dtype;
  b.quant = qb.encoding;
  b.data = ConstData::from_bytes(std::move(qb.bytes));
  const std::string dir = (std::filesystem::temp_directory_path() / "edgevl_no_kernel.evl").string();
  std::filesystem::remove_all(dir);
  write_bundle(dir, {qg}, BundleWriterOptions{"test", nlohmann::json::object(), {}});
  const auto bundle = Bundle::open(dir);
  try {
    prepare_emulator(bundle->graph("g"), FloatMode::kFp32, 1);
    ADD_FAILURE() << "prepared a graph the emulator has no kernel for";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

