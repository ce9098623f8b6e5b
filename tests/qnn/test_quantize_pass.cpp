// The quantization pass (quantize_pass.h) on a small lowered graph: x [4, 64] -> FullyConnected W [32, 64] + b ->
// Reshape -> y [128]. Calibrated with a RangeObserver, encodings from encodings_from_ranges over encoding_groups, the
// weight LPBQ (block 32) and every float value uint16. Expected behaviour from docs/quantization.md: the graph's calling
// convention stays float32 (a Quantize after x, a Dequantize before y), data movement keeps one encoding, the weight
// becomes int4 BLOCKWISE_EXPANSION, the output is close to the float graph's (SQNR) but not equal to it.
#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/calibration.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/quant.h"
#include "edgevl/qnn/quantize_pass.h"
#include "edgevl/qnn/verify.h"
#include "expect_error.h"
#include "qnn_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

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

// ---- Encodings the pass gives, recomputed from the rules of docs/quantization.md (not from the code under test). ----

int int4_at(const uint8_t* b, size_t i) {
  const int nib = i % 2 == 0 ? (b[i / 2] & 0xF) : (b[i / 2] >> 4);
  return nib >= 8 ? nib - 16 : nib;
}

TEST(QuantizePass, EncodingsFollowTheDocumentedRules) {
  const Graph fg = float_graph();
  Graph qg = fg;
  quantize_graph(qg, calibrated_plan(fg));

  // x.q: uint16 asymmetric over the observed range of x (the 4 calibration inputs), widened to include 0:
  // scale = (max - min) / 65535, offset = round(min / scale) in [-65535, 0].
  float mn = 0, mx = 0;
  for (const auto& v : inputs()) {
    mn = std::min(mn, *std::min_element(v.begin(), v.end()));
    mx = std::max(mx, *std::max_element(v.begin(), v.end()));
  }
  const QuantEncoding& xe = qg.tensor(qg.find("x.q")).quant;
  EXPECT_EQ(xe.kind, QuantEncoding::Kind::kScaleOffset);
  EXPECT_EQ(xe.bitwidth, 16);
  ASSERT_EQ(xe.scales.size(), 1u);
  ASSERT_EQ(xe.offsets.size(), 1u);
  const double scale = (double(mx) - double(mn)) / 65535.0;
  EXPECT_NEAR(xe.scales[0], scale, scale * 1e-5);
  EXPECT_NEAR(xe.offsets[0], std::nearbyint(mn / scale), 1.0);
  EXPECT_LE(xe.offsets[0], 0);
  EXPECT_GE(xe.offsets[0], -65535);
  // The Quantize reads x and every reader of x now reads x.q.
  for (const Op& op : qg.ops())
    for (TensorId in : op.inputs)
      if (in == qg.find("x")) {
        EXPECT_EQ(op.type, op::kQuantize) << op.name << " still reads the float x";
      }

  // The weight: LPBQ on HWIO [1, 1, In, Out] (element (i, o) at i * Out + o), channel o, blocks of 32 along i.
  // s_ob = absmax / 7, S_o = max_b s_ob / 16, m_ob = clamp(round(s_ob / S_o), 1, 16), q = clamp(round(w / (S_o m_ob)),
  // -8, 7), int4 two per byte, low nibble first.
  const Tensor& src = fg.tensor(fg.find("w.hwio"));
  ASSERT_EQ(src.shape, (std::vector<int64_t>{1, 1, kIn, kOut}));
  const float* w = reinterpret_cast<const float*>(src.data.data);
  const Tensor& qw = qg.tensor(qg.find("w.hwio"));
  ASSERT_EQ(qw.quant.scales.size(), size_t(kOut));
  ASSERT_EQ(qw.quant.block_scales.size(), size_t(kOut * kIn / 32));
  EXPECT_EQ(qw.quant.axis, 3);
  EXPECT_EQ(qw.quant.block_axis, 2);
  EXPECT_EQ(qw.quant.block_scale_bitwidth, 4);
  EXPECT_EQ(qw.data.nbytes, size_t(kIn * kOut / 2));
  constexpr int64_t B = kIn / 32;
  int code_mismatches = 0;
  for (int64_t o = 0; o < kOut; ++o) {
    float s[B], S = 0;
    for (int64_t b = 0; b < B; ++b) {
      float a = 0;
      for (int64_t i = b * 32; i < (b + 1) * 32; ++i) a = std::max(a, std::fabs(w[i * kOut + o]));
      s[b] = a / 7.0f;
      S = std::max(S, s[b]);
    }
    S /= 16.0f;
    EXPECT_NEAR(qw.quant.scales[size_t(o)], S, S * 1e-6) << "channel " << o;
    for (int64_t b = 0; b < B; ++b) {
      const int m = int(std::clamp(std::nearbyint(s[b] / S), 1.0f, 16.0f));
      EXPECT_EQ(int(qw.quant.block_scales[size_t(o * B + b)]), m) << "channel " << o << " block " << b;
      const float e = S * float(m);
      for (int64_t i = b * 32; i < (b + 1) * 32; ++i) {
        const int q = int(std::clamp(std::nearbyint(w[i * kOut + o] / e), -8.0f, 7.0f));
        code_mismatches += int4_at(qw.data.data, size_t(i * kOut + o)) != q;
      }
    }
  }
  EXPECT_EQ(code_mismatches, 0);
  // The bias stays float (not in the plan).
  EXPECT_EQ(qg.tensor(qg.find("b")).dtype, DType::kFloat32);
  EXPECT_FALSE(qg.tensor(qg.find("b")).quant.quantized());
}

// A float16 source constant is quantized from its float16 values (read exactly as float).
TEST(QuantizePass, Float16SourceWeight) {
  GraphBuilder b("h");
  const TensorId x = b.input("x", {kRows, kIn});
  const std::vector<float> wf = random_floats(kIn * kOut, 21);
  std::vector<uint16_t> wh(wf.size());
  float_to_half_n(wf.data(), wh.data(), wf.size());
  std::vector<uint8_t> bytes(wh.size() * 2);
  std::memcpy(bytes.data(), wh.data(), bytes.size());
  // Already HWIO [1, 1, In, Out] so that the constant reaches the pass as it is.
  const TensorId w = b.constant("w", {1, 1, kIn, kOut}, DType::kFloat16, ConstData::from_bytes(bytes));
  b.output(b.conv2d(b.reshape(x, {1, 1, kRows, kIn}), w, std::nullopt), "y");
  Graph g = b.finish();
  QuantPlan plan;
  WeightQuantSpec s;
  s.kind = WeightQuantSpec::Kind::kInt8PerChannel;
  s.channel_axis = 3;
  plan.weights["w"] = s;
  EXPECT_EQ(quantize_graph(g, plan).weights, 1);
  std::vector<float> exact(wh.size());
  half_to_float_n(wh.data(), exact.data(), wh.size());
  const QuantizedWeight ref = quantize_weight_int8(exact.data(), {1, 1, kIn, kOut}, 3);
  const Tensor& t = g.tensor(g.find("w"));
  EXPECT_EQ(t.dtype, DType::kInt8);
  EXPECT_EQ(t.quant, ref.encoding);
  ASSERT_EQ(t.data.nbytes, ref.bytes.size());
  EXPECT_EQ(std::memcmp(t.data.data, ref.bytes.data(), ref.bytes.size()), 0);
}

// quantized_io with a uint8 encoding: x is bound as uint8 codes under its own name. Feeding the codes of x gives the
// same output as feeding float x to the graph that quantizes x itself with that encoding.
TEST(QuantizePass, QuantizedIoUint8MatchesTheQuantizeOp) {
  const Graph fg = float_graph();
  QuantPlan plan = calibrated_plan(fg);
  // x's group (x and its reshape) gets uint8 symmetric.
  const auto groups = encoding_groups({&fg});
  const QuantEncoding u8 = symmetric_uint8_encoding(2.0f);
  for (const auto& [name, rep] : groups)
    if (rep == groups.at("x")) plan.activations[name] = u8;
  plan.activations["x"] = u8;

  Graph codes_in = fg, float_in = fg;
  QuantPlan io = plan;
  io.quantized_io = {"x"};
  EXPECT_EQ(quantize_graph(codes_in, io).boundary_ops, 1);
  EXPECT_EQ(quantize_graph(float_in, plan).boundary_ops, 2);
  verify(codes_in);
  verify(float_in);
  const Tensor& x = codes_in.tensor(codes_in.find("x"));
  EXPECT_EQ(x.kind, TensorKind::kInput);
  EXPECT_EQ(x.dtype, DType::kUInt8);
  EXPECT_EQ(x.quant, u8);
  EXPECT_EQ(codes_in.find("x.q"), kNoTensor);
  for (const Op& op : codes_in.ops()) EXPECT_NE(op.type, op::kQuantize) << op.name;
  EXPECT_EQ(float_in.tensor(float_in.find("x.q")).dtype, DType::kUInt8);

  const std::vector<float> x0 = inputs()[3];
  std::vector<uint8_t> q(x0.size());
  quantize_values(x0.data(), x0.size(), u8, DType::kUInt8, q.data());
  std::vector<float> y_codes(kRows * kOut);
  auto exe = prepare_emulator(codes_in, FloatMode::kFp32, 1);
  exe->run({{"x", {q.data(), {kRows, kIn}, DType::kUInt8}}},
           {{"y", {y_codes.data(), {kRows * kOut}, DType::kFloat32}}});
  const std::vector<float> y_float = run(float_in, {{"x", x0}})["y"];
  EXPECT_EQ(y_codes, y_float);
}

// A quantized graph output named in quantized_io keeps its name as codes: no Dequantize, written by its producer.
TEST(QuantizePass, QuantizedIoOutputKeepsCodes) {
  const Graph fg = float_graph();
  Graph qg = fg;
  QuantPlan plan = calibrated_plan(fg);
  plan.quantized_io = {"y"};
  const QuantizeStats st = quantize_graph(qg, plan);
  EXPECT_EQ(st.boundary_ops, 1);  // only the Quantize after x
  verify(qg);
  const Tensor& y = qg.tensor(qg.find("y"));
  EXPECT_EQ(y.kind, TensorKind::kOutput);
  EXPECT_EQ(y.dtype, DType::kUInt16);
  EXPECT_EQ(qg.find("y.q"), kNoTensor);
  ASSERT_NE(producer(qg, "y"), nullptr);
  EXPECT_EQ(producer(qg, "y")->type, op::kReshape);
}

// Bad plans name the tensor in the message.
TEST(QuantizePass, BadPlanMessagesNameTheTensor) {
  using edgevl::test::expect_error;
  // An int32 constant is not a float constant.
  GraphBuilder b("i");
  const TensorId x = b.input("x", {kRows, kIn});
  const std::vector<int32_t> idx{0, 1, 2, 3};
  const TensorId ic = b.constant("indices", {4}, DType::kInt32, ConstData::copy_of(idx.data(), idx.size() * 4));
  b.output(b.gather(x, ic, 0), "y");
  const Graph ig = b.finish();
  QuantPlan int_const;
  int_const.weights["indices"] = WeightQuantSpec{};
  expect_error([&] { Graph g = ig; quantize_graph(g, int_const); }, ErrorCode::kInvalidArgument, {"'indices'"});
  // An activation / graph input.
  const Graph fg = float_graph();
  QuantPlan act;
  act.weights["x"] = WeightQuantSpec{};
  expect_error([&] { Graph g = fg; quantize_graph(g, act); }, ErrorCode::kInvalidArgument, {"'x'"});
  // An already quantized weight is no float constant either.
  Graph once = fg;
  const QuantPlan plan = calibrated_plan(fg);
  quantize_graph(once, plan);
  QuantPlan again;
  again.weights = plan.weights;
  expect_error([&] { Graph g = once; quantize_graph(g, again); }, ErrorCode::kInvalidArgument, {"'w.hwio'"});
  // Activation encodings: 4 bits, per channel, blockwise.
  QuantEncoding e4 = activation_encoding(-1.f, 1.f, 16);
  e4.bitwidth = 4;
  QuantPlan four;
  four.activations["x"] = e4;
  expect_error([&] { Graph g = fg; quantize_graph(g, four); }, ErrorCode::kInvalidArgument, {"'x'", "4"});
  QuantEncoding pc;
  pc.kind = QuantEncoding::Kind::kAxisScaleOffset;
  pc.bitwidth = 16;
  pc.axis = 1;
  pc.scales.assign(kIn, 0.01f);
  pc.offsets.assign(kIn, 0);
  QuantPlan per_channel;
  per_channel.activations["x"] = pc;
  expect_error([&] { Graph g = fg; quantize_graph(g, per_channel); }, ErrorCode::kInvalidArgument, {"'x'"});
  // An encoding of a non-input activation is checked too.
  QuantPlan inner;
  const std::string flat_name = fg.tensor(producer(fg, "y")->inputs[0]).name;
  inner.activations[flat_name] = e4;
  expect_error([&] { Graph g = fg; quantize_graph(g, inner); }, ErrorCode::kInvalidArgument, {flat_name});
}

// The cache is no way around the checks: a cached name that in this graph is no float constant, or a float constant
// of another shape (even one with as many elements), is an error naming it, never a silent reuse.
TEST(QuantizePass, CacheHitIsCheckedLikeAFreshWeight) {
  using edgevl::test::expect_error;
  const Graph fg = float_graph("a");
  const QuantPlan plan = calibrated_plan(fg);
  QuantizedWeightCache cache;
  Graph a = fg;
  quantize_graph(a, plan, &cache);
  ASSERT_EQ(cache.entries.count("w.hwio"), 1u);

  // "w.hwio" is a graph input here.
  GraphBuilder bi("input_named_like_the_weight");
  const TensorId wi = bi.input("w.hwio", {1, 1, kIn, kOut});
  bi.output(bi.reshape(wi, {kIn * kOut}), "y");
  const Graph gi = bi.finish();
  QuantPlan weights_only;
  weights_only.weights = plan.weights;
  expect_error([&] { Graph g = gi; quantize_graph(g, weights_only, &cache); }, ErrorCode::kInvalidArgument,
               {"'w.hwio'"});

  // "w.hwio" is HWIO [1, 1, 32, 64] here: as many int4 bytes as the cached [1, 1, 64, 32], another shape.
  GraphBuilder bt("transposed");
  const TensorId x = bt.input("x", {1, 1, kRows, kOut});
  const TensorId w = bt.constant("w.hwio", {1, 1, kOut, kIn}, DType::kFloat32,
                                 ConstData::from_floats(random_floats(kIn * kOut, 31)));
  bt.output(bt.conv2d(x, w, std::nullopt), "y");
  const Graph gt = bt.finish();
  expect_error([&] { Graph g = gt; quantize_graph(g, weights_only, &cache); }, ErrorCode::kInvalidArgument,
               {"'w.hwio'"});
  // Without the cache the same graph quantizes fine.
  Graph ok = gt;
  EXPECT_EQ(quantize_graph(ok, weights_only).weights, 1);
}

TEST(QuantizePass, StatsCountWhatChanged) {
  const Graph fg = float_graph();
  const QuantPlan plan = calibrated_plan(fg);
  Graph qg = fg;
  const QuantizeStats st = quantize_graph(qg, plan);
  // Every float value tensor is planned; x and y keep float and get a .q companion each.
  const std::vector<std::string> values = float_value_tensors(fg);
  EXPECT_EQ(st.activations, int(values.size()));
  EXPECT_EQ(st.weights, 1);
  EXPECT_EQ(qg.ops().size(), fg.ops().size() + 2);
  // After the pass only the float boundary is left float.
  EXPECT_EQ(float_value_tensors(qg), (std::vector<std::string>{"x", "y"}));
  // The same plan applied again would give x a second Quantize: a clear error naming the tensor instead.
  QuantPlan acts;
  acts.activations = plan.activations;
  edgevl::test::expect_error([&] { Graph twice = qg; quantize_graph(twice, acts); }, ErrorCode::kInvalidArgument,
                             {"'x.q'"});
}

// ---- linear_weights() / float_value_tensors() ----

TEST(QuantizePass, LinearWeightsAreThe1x1ConvWeightsOnceInOpOrder) {
  GraphBuilder b("lw");
  const TensorId x = b.input("x", {1, 4, 4, 8});
  const TensorId pos = b.input("positions", {4}, DType::kInt32);
  const TensorId w1 = b.constant("w1", {1, 1, 8, 16}, DType::kFloat32, ConstData::from_floats(random_floats(128, 1)));
  const TensorId w2 = b.constant("w2", {1, 1, 16, 8}, DType::kFloat32, ConstData::from_floats(random_floats(128, 2)));
  const TensorId w3 = b.constant("w3x3", {3, 3, 8, 8}, DType::kFloat32, ConstData::from_floats(random_floats(576, 3)));
  const TensorId h = b.conv2d(x, w1, std::nullopt, {1, 1}, {0, 0, 0, 0}, "c1");
  const TensorId h2 = b.conv2d(h, w2, std::nullopt, {1, 1}, {0, 0, 0, 0}, "c2");
  const TensorId h3 = b.conv2d(b.conv2d(h, w2, std::nullopt, {1, 1}, {0, 0, 0, 0}, "c2b"), w3, std::nullopt,
                               {1, 1}, {1, 1, 1, 1}, "c3");
  b.output(b.add(h2, h3), "y");
  b.output(b.cast(pos, DType::kFloat32), "p");
  const Graph g = b.finish();
  const std::vector<LinearWeight> lw = linear_weights(g);
  ASSERT_EQ(lw.size(), 2u);  // w2 once though used twice; the 3x3 kernel is no linear weight
  EXPECT_EQ(lw[0].name, "w1");
  EXPECT_EQ(lw[0].in_channels, 8);
  EXPECT_EQ(lw[0].out_channels, 16);
  EXPECT_EQ(lw[1].name, "w2");
  EXPECT_EQ(lw[1].in_channels, 16);
  EXPECT_EQ(lw[1].out_channels, 8);

  // Float values: float inputs, activations, outputs; not constants, not the int32 input.
  const std::vector<std::string> fv = float_value_tensors(g);
  auto has = [&](const std::string& n) { return std::find(fv.begin(), fv.end(), n) != fv.end(); };
  for (const char* n : {"x", "c1", "c2", "c2b", "c3", "y", "p"}) EXPECT_TRUE(has(n)) << n;
  for (const char* n : {"positions", "w1", "w2", "w3x3"}) EXPECT_FALSE(has(n)) << n;
  EXPECT_EQ(std::set<std::string>(fv.begin(), fv.end()).size(), fv.size()) << "a name listed twice";
}

TEST(QuantizePass, LinearWeightsOfTheLoweredGraph) {
  const std::vector<LinearWeight> lw = linear_weights(float_graph());
  ASSERT_EQ(lw.size(), 1u);
  EXPECT_EQ(lw[0].name, "w.hwio");
  EXPECT_EQ(lw[0].in_channels, kIn);
  EXPECT_EQ(lw[0].out_channels, kOut);
}

}  // namespace
