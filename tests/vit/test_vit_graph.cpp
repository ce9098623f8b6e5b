// The ViT graph on the emulator at tiny dimensions with random weights: padding invariance (valid tokens exact whatever
// the bucket and whatever the padded rows hold), segment isolation (frames do not see each other), graph structure;
// and the real Qwen2-VL-2B-size build with weight views (no copies).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "edgevl/error.h"
#include "edgevl/qnn/emulator.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/vision/vit_graph.h"
#include "edgevl/vision/vit_inputs.h"
#include "view_weights.h"

using namespace edgevl;
using namespace edgevl::vision;

namespace {

VitConfig tiny_config() {
  VitConfig c;
  c.depth = 2;
  c.embed_dim = 32;
  c.num_heads = 2;  // head_dim 16
  c.mlp_hidden = 64;
  c.patch_size = 2;  // patch_dim 3·2·2·2 = 24
  c.out_hidden = 24;
  return c;
}

std::vector<float> random_pixels(int64_t rows, int64_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(rows * dim));
  for (auto& x : v) x = d(rng);
  return v;
}

// Runs the ViT of `bucket` on prepared inputs; returns all [bucket/4, out_hidden] output rows.
std::vector<float> run_vit(const VitConfig& c, const VitInputs& in, qnn::FloatMode precision = qnn::FloatMode::kFp32) {
  qnn::Graph g = build_vit_graph(c, in.bucket, qnn::random_weight_provider(7));
  qnn::lower_linear_to_conv2d(g);
  auto exe = qnn::prepare_emulator(g, precision, 1);
  const int64_t P = in.bucket, hd = c.head_dim();
  std::vector<float> out(static_cast<size_t>(P / 4 * c.out_hidden));
  exe->run({{"pixel_values", {in.pixel_values.data(), {P, c.patch_dim()}, qnn::DType::kFloat32}},
            {"rope_cos", {in.rope_cos.data(), {P, hd}, qnn::DType::kFloat32}},
            {"rope_sin", {in.rope_sin.data(), {P, hd}, qnn::DType::kFloat32}},
            {"attn_mask", {in.attn_mask.data(), {P, P}, qnn::DType::kFloat32}}},
           {{"image_embeds", {out.data(), {P / 4, c.out_hidden}, qnn::DType::kFloat32}}});
  return out;
}

void expect_rows_near(const std::vector<float>& a, size_t a_row0, const std::vector<float>& b, size_t b_row0,
                      size_t rows, size_t width, float tol) {
  for (size_t i = 0; i < rows * width; ++i)
    ASSERT_NEAR(a[a_row0 * width + i], b[b_row0 * width + i], tol) << "element " << i;
}

}  // namespace

TEST(VitGraph, PaddingDoesNotChangeValidTokens) {
  const VitConfig c = tiny_config();
  const std::vector<float> px = random_pixels(24, c.patch_dim(), 1);
  const std::vector<float> exact = run_vit(c, make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 24, c));
  VitInputs padded = make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 40, c);
  // Garbage instead of zeros in the padded rows must not matter either.
  const std::vector<float> junk = random_pixels(16, c.patch_dim(), 2);
  std::copy(junk.begin(), junk.end(), padded.pixel_values.begin() + 24 * c.patch_dim());
  const std::vector<float> big = run_vit(c, padded);
  ASSERT_EQ(big.size(), 10u * 24u);
  for (float v : big) ASSERT_TRUE(std::isfinite(v));  // padded rows too: no NaN
  expect_rows_near(big, 0, exact, 0, 6, 24, 1e-6f);
  // The output does depend on the valid pixels (the comparison above is not vacuous).
  std::vector<float> px2 = px;
  px2[5] += 1.0f;
  const std::vector<float> changed = run_vit(c, make_vit_inputs(px2.data(), 24, {{1, 4, 6}}, 24, c));
  double diff = 0;
  for (size_t i = 0; i < exact.size(); ++i) diff += std::fabs(changed[i] - exact[i]);
  EXPECT_GT(diff, 1e-3);
}

TEST(VitGraph, TemporalFramesAreSeparateSegments) {
  const VitConfig c = tiny_config();
  const std::vector<float> px = random_pixels(48, c.patch_dim(), 3);
  const std::vector<float> both = run_vit(c, make_vit_inputs(px.data(), 48, {{2, 4, 6}}, 48, c));
  const std::vector<float> first = run_vit(c, make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 24, c));
  const std::vector<float> second =
      run_vit(c, make_vit_inputs(px.data() + 24 * c.patch_dim(), 24, {{1, 4, 6}}, 24, c));
  expect_rows_near(both, 0, first, 0, 6, 24, 1e-6f);
  expect_rows_near(both, 6, second, 0, 6, 24, 1e-6f);
  // Two images in one call behave like two separate calls as well.
  const std::vector<float> two_images =
      run_vit(c, make_vit_inputs(px.data(), 48, {{1, 4, 6}, {1, 4, 6}}, 52, c));
  expect_rows_near(two_images, 0, first, 0, 6, 24, 1e-6f);
  expect_rows_near(two_images, 6, second, 0, 6, 24, 1e-6f);
}

TEST(VitGraph, Fp16MaskedRowsStayFinite) {
  // In fp16 the mask's large negative becomes -inf; padded rows must still get a finite softmax and valid rows stay
  // close to fp32.
  const VitConfig c = tiny_config();
  const std::vector<float> px = random_pixels(24, c.patch_dim(), 4);
  const VitInputs in = make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 32, c);
  const std::vector<float> f32 = run_vit(c, in);
  const std::vector<float> f16 = run_vit(c, in, qnn::FloatMode::kFp16);
  for (float v : f16) ASSERT_TRUE(std::isfinite(v));
  expect_rows_near(f16, 0, f32, 0, 6, 24, 2e-2f);
}

TEST(VitGraph, InterfaceAndOps) {
  const VitConfig c = tiny_config();
  qnn::Graph g = build_vit_graph(c, 32, qnn::random_weight_provider(1));
  EXPECT_EQ(g.name(), "vit.p32");
  ASSERT_EQ(g.inputs().size(), 4u);
  EXPECT_EQ(g.tensor(g.inputs()[0]).name, "pixel_values");
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (std::vector<int64_t>{32, 24}));
  EXPECT_EQ(g.tensor(g.inputs()[3]).name, "attn_mask");
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).name, "image_embeds");
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (std::vector<int64_t>{8, 24}));
  int fc = 0;
  for (const auto& op : g.ops()) fc += op.type == "FullyConnected";
  EXPECT_EQ(fc, 1 + 4 * c.depth + 2);
  EXPECT_EQ(qnn::lower_linear_to_conv2d(g), fc);
  for (const auto& op : g.ops()) EXPECT_NE(op.type, "FullyConnected");

  EXPECT_THROW(build_vit_graph(c, 30, qnn::random_weight_provider(1)), Error);
  VitConfig bad = c;
  bad.num_heads = 3;
  EXPECT_THROW(build_vit_graph(bad, 32, qnn::random_weight_provider(1)), Error);
  // A provider answering with the wrong shape is caught.
  auto wrong = [](qnn::GraphBuilder& b, const std::string& name, const std::vector<int64_t>& shape) {
    std::vector<int64_t> s = shape;
    s.back() += 1;
    return qnn::random_weight_provider(1)(b, name, s);
  };
  EXPECT_THROW(build_vit_graph(c, 32, wrong), Error);
}

TEST(VitGraph, RealSizeBuildKeepsWeightViews) {
  const VitConfig c = VitConfig::qwen2vl_2b();
  graphs_test::ViewWeights w(size_t(5120) * 5120 * 2);
  const qnn::Graph g = build_vit_graph(c, 1024, w.provider());
  EXPECT_EQ(w.names().size(), 1u + 32u * 12u + 6u);  // patch embed, 12 per block, merger
  EXPECT_TRUE(w.names().count("visual.blocks.31.mlp.fc2.weight"));
  EXPECT_TRUE(w.names().count("visual.merger.mlp.2.bias"));
  w.expect_all_views(g);
  const qnn::Tensor& pe = g.tensor(g.find("visual.patch_embed.proj.weight"));
  EXPECT_EQ(pe.shape, (std::vector<int64_t>{1280, 1176}));
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (std::vector<int64_t>{256, 1536}));
}
