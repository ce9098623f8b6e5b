// Host-side ViT inputs: VisionRoPE tables, patch order, segment mask, buckets — checked against values derived by hand
// from the reference's definitions (spec sections 3-4), not from the implementation.
#include <gtest/gtest.h>

#include <cmath>

#include "edgevl/error.h"
#include "edgevl/vision/vision_rope.h"
#include "edgevl/vision/vit_inputs.h"
#include "expect_error.h"

using namespace edgevl::vision;

using edgevl::test::expect_error;

namespace {

// Patch (py, px) of row r written out for a 4×6 grid: merge cells (bh, bw) in raster order, each (0,0),(0,1),(1,0),(1,1).
const int64_t kRows4x6[24][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3},
                                 {0, 4}, {0, 5}, {1, 4}, {1, 5}, {2, 0}, {2, 1}, {3, 0}, {3, 1},
                                 {2, 2}, {2, 3}, {3, 2}, {3, 3}, {2, 4}, {2, 5}, {3, 4}, {3, 5}};

}  // namespace

TEST(VisionPatchCoords, FollowsProcessorRowOrder) {
  const auto coords = vision_patch_coords({1, 4, 6});
  ASSERT_EQ(coords.size(), 24u);
  for (int r = 0; r < 24; ++r) {
    EXPECT_EQ(coords[r][0], kRows4x6[r][0]) << "row " << r;
    EXPECT_EQ(coords[r][1], kRows4x6[r][1]) << "row " << r;
  }
  const auto two_frames = vision_patch_coords({2, 4, 6});
  ASSERT_EQ(two_frames.size(), 48u);
  for (int r = 0; r < 24; ++r) EXPECT_EQ(two_frames[24 + r], coords[r]);
}

TEST(VisionRope, TableValuesHeadDim16Grid4x6) {
  // head_dim 16: rotary dim 8, 4 frequencies θ_k = 10000^(-2k/8) = 1, 0.1, 0.01, 0.001.
  const double theta[4] = {1.0, 0.1, 0.01, 0.001};
  const VisionRopeTables t = vision_rope_tables({{1, 4, 6}}, 16, 32);
  ASSERT_EQ(t.rows, 32);
  ASSERT_EQ(t.head_dim, 16);
  for (int r = 0; r < 24; ++r)
    for (int c = 0; c < 16; ++c) {
      const int m = c % 8;
      const double pos = m < 4 ? double(kRows4x6[r][0]) : double(kRows4x6[r][1]);
      const double angle = pos * theta[m % 4];
      EXPECT_NEAR(t.cos[r * 16 + c], std::cos(angle), 2e-6) << "row " << r << " col " << c;
      EXPECT_NEAR(t.sin[r * 16 + c], std::sin(angle), 2e-6) << "row " << r << " col " << c;
    }
  for (int r = 24; r < 32; ++r)  // bucket padding: angle 0
    for (int c = 0; c < 16; ++c) {
      EXPECT_EQ(t.cos[r * 16 + c], 1.0f);
      EXPECT_EQ(t.sin[r * 16 + c], 0.0f);
    }
}

TEST(VisionRope, RealHeadDim80Has20Frequencies) {
  // Spec: rotary dim 40, θ_k = 1/10000^(2k/40), k < 20; emb = concat([py·θ], [px·θ], same again).
  const VisionRopeTables t = vision_rope_tables({{1, 4, 6}}, 80);
  ASSERT_EQ(t.rows, 24);
  const int r = 23;  // patch (3, 5)
  for (int k = 0; k < 20; ++k) {
    const double th = 1.0 / std::pow(10000.0, 2.0 * k / 40.0);
    EXPECT_NEAR(t.cos[r * 80 + k], std::cos(3 * th), 2e-6);
    EXPECT_NEAR(t.cos[r * 80 + 20 + k], std::cos(5 * th), 2e-6);
    EXPECT_NEAR(t.sin[r * 80 + 40 + k], std::sin(3 * th), 2e-6);
    EXPECT_NEAR(t.sin[r * 80 + 60 + k], std::sin(5 * th), 2e-6);
  }
}

TEST(VisionRope, RejectsBadArguments) {
  EXPECT_THROW(vision_rope_tables({{1, 4, 6}}, 18), edgevl::Error);      // not a multiple of 4
  EXPECT_THROW(vision_rope_tables({{1, 3, 6}}, 16), edgevl::Error);      // odd grid height
  EXPECT_THROW(vision_rope_tables({{1, 4, 6}}, 16, 20), edgevl::Error);  // fewer rows than patches
}

TEST(VitMask, SegmentsAndPaddingRows) {
  const std::vector<float> m = vit_attention_mask({24, 24}, 52);
  ASSERT_EQ(m.size(), 52u * 52u);
  for (int i = 0; i < 52; ++i)
    for (int j = 0; j < 52; ++j) {
      bool allowed;
      if (i < 48) allowed = j < 48 && (i / 24) == (j / 24);
      else allowed = i == j;  // padded row: only itself
      EXPECT_EQ(m[i * 52 + j], allowed ? 0.0f : kVitMaskedOut) << i << "," << j;
    }
  EXPECT_THROW(vit_attention_mask({24, 30}, 52), edgevl::Error);
  EXPECT_THROW(vit_attention_mask({0}, 4), edgevl::Error);
}

TEST(VitBuckets, ChooseSmallestThatFits) {
  const std::vector<int64_t> buckets{1024, 256, 512};
  EXPECT_EQ(choose_vit_bucket(24, buckets), 256);
  EXPECT_EQ(choose_vit_bucket(256, buckets), 256);
  EXPECT_EQ(choose_vit_bucket(257, buckets), 512);
  EXPECT_EQ(choose_vit_bucket(1024, buckets), 1024);
  expect_error([&] { choose_vit_bucket(1025, buckets); }, edgevl::ErrorCode::kUnsupported, {"1024"});
  EXPECT_THROW(choose_vit_bucket(0, buckets), edgevl::Error);
}

TEST(VitBuckets, DefaultLadder) {
  EXPECT_EQ(default_vit_buckets(1024 * 28 * 28), (std::vector<int64_t>{256, 512, 1024, 2048, 4096}));
  // Qwen2-VL's max_pixels 12845056 = 65536 patches.
  const auto big = default_vit_buckets(12845056);
  EXPECT_EQ(big.front(), 256);
  EXPECT_EQ(big.back(), 65536);
  // 640×480 image → 1564 patches (spec example) fits the 2048 bucket of a 1024·28·28 ladder... and 100k pixels caps.
  EXPECT_EQ(choose_vit_bucket(1564, default_vit_buckets(1024 * 28 * 28)), 2048);
  EXPECT_EQ(default_vit_buckets(100000), (std::vector<int64_t>{256, 508}));
  EXPECT_EQ(default_vit_buckets(56 * 56), (std::vector<int64_t>{16}));
  EXPECT_THROW(default_vit_buckets(100), edgevl::Error);
}

TEST(VitInputs, PadsAndValidates) {
  VitConfig c;
  c.embed_dim = 32;
  c.num_heads = 2;
  c.patch_size = 2;  // patch_dim 3·2·2·2 = 24
  std::vector<float> px(24 * 24);
  for (size_t i = 0; i < px.size(); ++i) px[i] = float(i) + 1.0f;
  const VitInputs in = make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 32, c);
  EXPECT_EQ(in.bucket, 32);
  EXPECT_EQ(in.num_patches, 24);
  ASSERT_EQ(in.pixel_values.size(), 32u * 24u);
  EXPECT_EQ(in.pixel_values[24 * 24 - 1], float(24 * 24));
  for (size_t i = 24 * 24; i < in.pixel_values.size(); ++i) EXPECT_EQ(in.pixel_values[i], 0.0f);
  EXPECT_EQ(in.rope_cos.size(), 32u * 16u);
  EXPECT_EQ(in.attn_mask, vit_attention_mask({24}, 32));
  // two frames = two segments
  std::vector<float> px2(48 * 24, 0.5f);
  EXPECT_EQ(make_vit_inputs(px2.data(), 48, {{2, 4, 6}}, 48, c).attn_mask, vit_attention_mask({24, 24}, 48));

  EXPECT_THROW(make_vit_inputs(px.data(), 20, {{1, 4, 6}}, 32, c), edgevl::Error);  // count mismatch
  EXPECT_THROW(make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 20, c), edgevl::Error);  // bucket too small
  EXPECT_THROW(make_vit_inputs(px.data(), 24, {{1, 4, 6}}, 26, c), edgevl::Error);  // not a multiple of 4
  EXPECT_THROW(make_vit_inputs(nullptr, 24, {{1, 4, 6}}, 32, c), edgevl::Error);
  EXPECT_THROW(make_vit_inputs(px.data(), 24, {}, 32, c), edgevl::Error);
}
