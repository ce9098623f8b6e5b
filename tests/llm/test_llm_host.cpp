// Host-side LLM pieces checked against hand-derived expectations from the reference's definitions (spec section 5):
// get_rope_index positions, M-RoPE tables, the attention mask, the KV cache, embedding lookup and image-row fusion.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "edgevl/error.h"
#include "edgevl/llm/attention_mask.h"
#include "edgevl/llm/embedding.h"
#include "edgevl/llm/kv_cache.h"
#include "edgevl/llm/mrope.h"
#include "edgevl/qnn/half.h"
#include "expect_error.h"

using namespace edgevl;
using namespace edgevl::llm;

using edgevl::test::expect_error;

namespace {
constexpr int32_t kImg = 151655, kVs = 151652, kVe = 151653;
using P = MropePosition;
}  // namespace

TEST(MropePositions, TextImageTextSpecLayout) {
  // "a b <vs> [image grid 1×4×6 → 1×2×3 = 6 pads] <ve> c d"
  const std::vector<int32_t> ids{10, 11, kVs, kImg, kImg, kImg, kImg, kImg, kImg, kVe, 12, 13};
  MropeState st(kImg);
  const auto pos = st.append(ids.data(), int64_t(ids.size()), {{1, 4, 6}});
  // Text 0,1,2; image block starts at s = 3: (3, 3+r, 3+c); text resumes at 3 + max(1,2,3) = 6.
  const std::vector<P> expected{{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {3, 3, 4}, {3, 3, 5},
                                {3, 4, 3}, {3, 4, 4}, {3, 4, 5}, {6, 6, 6}, {7, 7, 7}, {8, 8, 8}};
  EXPECT_EQ(pos, expected);
  EXPECT_EQ(st.next_position(), 9);
  EXPECT_EQ(st.num_tokens(), 12);
  EXPECT_EQ(st.rope_delta(), -3);  // max(pos)+1 - seq_len = 9 - 12
  // Decode: cache index i gets i + rope_delta on all axes.
  EXPECT_EQ(st.append_text_token(), (P{9, 9, 9}));  // index 12 → 12 - 3
  EXPECT_EQ(st.append_text_token(), (P{10, 10, 10}));
  // A second turn continues after the max position.
  const std::vector<int32_t> turn2{20, 21};
  EXPECT_EQ(st.append(turn2.data(), 2, {}), (std::vector<P>{{11, 11, 11}, {12, 12, 12}}));
  EXPECT_EQ(st.rope_delta(), -3);
}

TEST(MropePositions, TwoImagesAndVideoLikeGrid) {
  // <vs> img(1×2×2 → 1 token) <ve> x <vs> img(2×4×2 → t=2, 2×1 → 4 tokens) <ve> y
  const std::vector<int32_t> ids{kVs, kImg, kVe, 50, kVs, kImg, kImg, kImg, kImg, kVe, 51};
  MropeState st(kImg);
  const auto pos = st.append(ids.data(), int64_t(ids.size()), {{1, 2, 2}, {2, 4, 2}});
  const std::vector<P> expected{
      {0, 0, 0},                                        // <vs>
      {1, 1, 1},                                        // image 1: s = 1; next = 1 + max(1,1,1) = 2
      {2, 2, 2}, {3, 3, 3}, {4, 4, 4},                  // <ve>, x, <vs>
      {5, 5, 5}, {5, 6, 5}, {6, 5, 5}, {6, 6, 5},       // image 2: s = 5, (5+t, 5+r, 5+c), r<2, c<1
      {7, 7, 7}, {8, 8, 8}};                            // next = 5 + max(2,2,1) = 7
  EXPECT_EQ(pos, expected);
  EXPECT_EQ(st.rope_delta(), 9 - 11);
}

TEST(MropePositions, AdjacentImagesAndErrors) {
  const std::vector<int32_t> ids{kImg, kImg};  // two 1-token images back to back
  MropeState st(kImg);
  EXPECT_EQ(st.append(ids.data(), 2, {{1, 2, 2}, {1, 2, 2}}), (std::vector<P>{{0, 0, 0}, {1, 1, 1}}));
  const int64_t before = st.next_position();
  const std::vector<int32_t> three{kImg, kImg, kImg};
  EXPECT_THROW(st.append(three.data(), 3, {{1, 4, 2}}), Error);             // grid says 2, run of 3 → extra block
  EXPECT_THROW(st.append(three.data(), 3, {{1, 4, 4}}), Error);             // grid says 4, only 3
  EXPECT_THROW(st.append(three.data(), 3, {{1, 2, 2}, {1, 2, 2}}), Error);  // 3 blocks, 2 grids
  EXPECT_THROW(st.append(three.data(), 3, {{1, 3, 2}, {1, 2, 2}}), Error);  // odd grid
  const std::vector<int32_t> text{1, 2};
  EXPECT_THROW(st.append(text.data(), 2, {{1, 2, 2}}), Error);              // grid without a block
  EXPECT_EQ(st.next_position(), before);                                    // failures leave the state alone
  EXPECT_EQ(st.num_tokens(), 2);
}

TEST(MropeTables, SectionsSelectAxes) {
  LlmConfig c;
  c.head_dim = 16;
  c.mrope_section = {2, 3, 3};
  c.rope_theta = 10000.0f;
  const auto t = mrope_cos_sin({{3, 4, 5}, {7, 7, 7}}, c, 4);
  ASSERT_EQ(t.rows, 4);
  for (int m = 0; m < 8; ++m) {
    const double inv = 1.0 / std::pow(10000.0, 2.0 * m / 16.0);
    const double p = m < 2 ? 3 : (m < 5 ? 4 : 5);
    for (int c2 : {m, m + 8}) {
      EXPECT_NEAR(t.cos[c2], std::cos(p * inv), 2e-6) << c2;
      EXPECT_NEAR(t.sin[c2], std::sin(p * inv), 2e-6) << c2;
      EXPECT_NEAR(t.cos[16 + c2], std::cos(7 * inv), 2e-6) << c2;  // text token: plain NeoX RoPE
    }
  }
  for (int i = 32; i < 64; ++i) {  // padding rows
    EXPECT_EQ(t.cos[i], 1.0f);
    EXPECT_EQ(t.sin[i], 0.0f);
  }
  c.mrope_section = {2, 3, 2};
  EXPECT_THROW(mrope_cos_sin({{0, 0, 0}}, c), Error);
}

TEST(MropeTables, QwenDims) {
  const LlmConfig c = LlmConfig::qwen2vl_2b();  // head_dim 128, theta 1e6, sections 16/24/24
  const auto t = mrope_cos_sin({{5, 70, 90}}, c);
  const auto angle = [](double p, int j) { return p / std::pow(1e6, 2.0 * j / 128.0); };
  EXPECT_NEAR(t.cos[15], std::cos(angle(5, 15)), 1e-5);
  EXPECT_NEAR(t.cos[16], std::cos(angle(70, 16)), 1e-5);
  EXPECT_NEAR(t.cos[39], std::cos(angle(70, 39)), 1e-5);
  EXPECT_NEAR(t.sin[40], std::sin(angle(90, 40)), 1e-5);
  EXPECT_NEAR(t.sin[64 + 40], std::sin(angle(90, 40)), 1e-5);
  EXPECT_NEAR(t.cos[127], std::cos(angle(90, 63)), 1e-5);
}

TEST(LlmMask, CausalChunkWithPastAndPadding) {
  const int64_t ctx = 8, C = 4;
  const auto m = llm_attention_mask(3, 2, C, ctx);  // 3 cached, 2 valid rows, 2 padding rows
  ASSERT_EQ(m.size(), size_t(C * (ctx + C)));
  for (int i = 0; i < C; ++i)
    for (int j = 0; j < ctx + C; ++j) {
      const bool allowed = j < 3 || (j >= ctx && j - ctx <= i);
      EXPECT_EQ(m[i * (ctx + C) + j], allowed ? 0.0f : kLlmMaskedOut) << i << "," << j;
    }
  EXPECT_NO_THROW(llm_attention_mask(7, 1, 1, 8));
  expect_error([&] { llm_attention_mask(7, 2, 4, 8); }, ErrorCode::kContextOverflow);
  EXPECT_THROW(llm_attention_mask(0, 0, 4, 8), Error);
  EXPECT_THROW(llm_attention_mask(0, 5, 4, 8), Error);
}

TEST(KvCacheTest, WriteCommitTruncate) {
  KvCache cache(2, 2, 6, 3);  // 2 layers, 2 kv heads, ctx 6, head_dim 3
  EXPECT_EQ(cache.buffer_shape(), (std::vector<int64_t>{2, 6, 3}));
  // chunk of 4 rows, 3 valid: value = 100·head + 10·row + d (keys), negated (values)
  std::vector<float> k(2 * 4 * 3), v(2 * 4 * 3);
  for (int h = 0; h < 2; ++h)
    for (int r = 0; r < 4; ++r)
      for (int d = 0; d < 3; ++d) {
        k[(h * 4 + r) * 3 + d] = float(100 * h + 10 * r + d);
        v[(h * 4 + r) * 3 + d] = -float(100 * h + 10 * r + d);
      }
  for (int l = 0; l < 2; ++l) cache.write(l, k.data(), v.data(), 4, 3);
  cache.commit(3);
  EXPECT_EQ(cache.length(), 3);
  // second write of 1 row lands at row 3
  std::vector<float> k1(2 * 1 * 3, 7.0f), v1(2 * 1 * 3, -7.0f);
  cache.write(1, k1.data(), v1.data(), 1, 1);
  cache.commit(1);
  const auto* K = static_cast<const float*>(cache.key(1));
  const auto* V = static_cast<const float*>(cache.value(1));
  for (int h = 0; h < 2; ++h) {
    for (int r = 0; r < 3; ++r)
      for (int d = 0; d < 3; ++d) {
        EXPECT_EQ(K[(h * 6 + r) * 3 + d], float(100 * h + 10 * r + d));
        EXPECT_EQ(V[(h * 6 + r) * 3 + d], -float(100 * h + 10 * r + d));
      }
    EXPECT_EQ(K[(h * 6 + 3) * 3], 7.0f);
    EXPECT_EQ(K[(h * 6 + 4) * 3], 0.0f);  // the padding row of the first chunk was not written
  }
  EXPECT_EQ(cache.remaining(), 2);
  EXPECT_THROW(cache.write(0, k.data(), v.data(), 4, 3), Error);  // 4 + 3 > 6
  EXPECT_THROW(cache.commit(3), Error);
  EXPECT_THROW(cache.key(2), Error);
  EXPECT_THROW(cache.write(0, k.data(), v.data(), 4, 5), Error);
  cache.truncate(1);
  EXPECT_EQ(cache.length(), 1);
  EXPECT_THROW(cache.truncate(2), Error);
  cache.reset();
  EXPECT_EQ(cache.length(), 0);
  EXPECT_THROW(KvCache(0, 1, 1, 1), Error);
}

TEST(Embedding, LookupAllDTypes) {
  const int64_t V = 5, H = 3;
  std::vector<float> f32(V * H);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = 0.25f * float(i) - 1.0f;  // exact in f16 and bf16
  std::vector<uint16_t> f16(f32.size()), bf16(f32.size());
  for (size_t i = 0; i < f32.size(); ++i) {
    f16[i] = qnn::float_to_half(f32[i]);
    uint32_t bits;
    std::memcpy(&bits, &f32[i], 4);
    bf16[i] = uint16_t(bits >> 16);
  }
  const std::vector<int32_t> ids{4, 0, 2, 4};
  for (auto [data, dt] : {std::pair<const void*, EmbeddingDType>{f32.data(), EmbeddingDType::kFloat32},
                          {f16.data(), EmbeddingDType::kFloat16},
                          {bf16.data(), EmbeddingDType::kBFloat16}}) {
    std::vector<float> out(ids.size() * H);
    embed_tokens({data, dt, V, H}, ids.data(), int64_t(ids.size()), out.data());
    for (size_t i = 0; i < ids.size(); ++i)
      for (int64_t c = 0; c < H; ++c) EXPECT_EQ(out[i * H + c], f32[ids[i] * H + c]);
  }
  std::vector<float> out(3);
  const int32_t bad[1] = {5};
  const int32_t neg[1] = {-1};
  EXPECT_THROW(embed_tokens({f32.data(), EmbeddingDType::kFloat32, V, H}, bad, 1, out.data()), Error);
  EXPECT_THROW(embed_tokens({f32.data(), EmbeddingDType::kFloat32, V, H}, neg, 1, out.data()), Error);
  EXPECT_THROW(embed_tokens({nullptr, EmbeddingDType::kFloat32, V, H}, ids.data(), 1, out.data()), Error);
}

TEST(Embedding, FuseImageRowsInOrder) {
  const int64_t H = 2;
  const std::vector<int32_t> ids{1, kImg, 2, kImg, kImg};
  std::vector<float> embeds(5 * H, 0.5f);
  const std::vector<float> image{10, 11, 20, 21, 30, 31};
  fuse_image_embeddings(ids.data(), 5, kImg, image.data(), 3, H, embeds.data());
  EXPECT_EQ(embeds, (std::vector<float>{0.5f, 0.5f, 10, 11, 0.5f, 0.5f, 20, 21, 30, 31}));
  std::vector<float> untouched(5 * H, 0.5f);
  EXPECT_THROW(fuse_image_embeddings(ids.data(), 5, kImg, image.data(), 2, H, untouched.data()), Error);
  EXPECT_EQ(untouched, std::vector<float>(5 * H, 0.5f));
  EXPECT_NO_THROW(fuse_image_embeddings(ids.data(), 1, kImg, nullptr, 0, H, untouched.data()));
}
