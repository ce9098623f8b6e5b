// Sampler semantics against Hugging Face generate()'s logits processors (transformers/generation/logits_process.py):
// RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper. Expected values are
// worked out by hand from those definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>

#include "edgevl/error.h"
#include "edgevl/llm/sampler.h"

namespace edgevl::llm {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Sampler, RepetitionPenaltyDividesPositiveMultipliesNegative) {
  std::vector<float> l = {2.0f, -2.0f, 1.0f, 0.5f, 0.0f};
  // id 1 twice (penalized once, as HF's gather/scatter), id 9 outside the vocabulary ignored, id 4 is zero: 0/2 = 0.
  apply_repetition_penalty(l, {0, 1, 1, 9, 4}, 2.0f);
  EXPECT_FLOAT_EQ(l[0], 1.0f);
  EXPECT_FLOAT_EQ(l[1], -4.0f);
  EXPECT_FLOAT_EQ(l[2], 1.0f);
  EXPECT_FLOAT_EQ(l[3], 0.5f);
  EXPECT_FLOAT_EQ(l[4], 0.0f);
}

TEST(Sampler, RepetitionPenaltyBelowOneBoostsSeenTokens) {
  std::vector<float> l = {2.0f, -2.0f};
  apply_repetition_penalty(l, {0, 1}, 0.5f);
  EXPECT_FLOAT_EQ(l[0], 4.0f);
  EXPECT_FLOAT_EQ(l[1], -1.0f);
}

TEST(Sampler, TemperatureDivides) {
  std::vector<float> l = {1.0f, -3.0f};
  apply_temperature(l, 0.5f);
  EXPECT_FLOAT_EQ(l[0], 2.0f);
  EXPECT_FLOAT_EQ(l[1], -6.0f);
}

TEST(Sampler, TopKKeepsTiesWithKth) {
  std::vector<float> l = {1.0f, 3.0f, 3.0f, 2.0f};
  apply_top_k(l, 2);  // k-th largest is 3: both 3s kept, the rest removed
  EXPECT_EQ(l, (std::vector<float>{-kInf, 3.0f, 3.0f, -kInf}));
  std::vector<float> m = {1.0f, 3.0f, 3.0f, 2.0f};
  apply_top_k(m, 3);
  EXPECT_EQ(m, (std::vector<float>{-kInf, 3.0f, 3.0f, 2.0f}));
  std::vector<float> n = {1.0f, 2.0f};
  apply_top_k(n, 10);  // k > vocab: no change
  EXPECT_EQ(n, (std::vector<float>{1.0f, 2.0f}));
}

TEST(Sampler, TopPRemovesLowTail) {
  // probabilities 0.5, 0.3, 0.15, 0.05; ascending cumsum 0.05, 0.20, 0.50, 1.0; top_p 0.75 removes cumsum <= 0.25.
  std::vector<float> l = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  apply_top_p(l, 0.75f);
  EXPECT_TRUE(std::isfinite(l[0]));
  EXPECT_TRUE(std::isfinite(l[1]));
  EXPECT_EQ(l[2], -kInf);
  EXPECT_EQ(l[3], -kInf);
}

TEST(Sampler, TopPAlwaysKeepsMostLikely) {
  std::vector<float> l = {0.0f, 5.0f, 1.0f};
  apply_top_p(l, 0.001f);
  EXPECT_EQ(l[0], -kInf);
  EXPECT_FLOAT_EQ(l[1], 5.0f);
  EXPECT_EQ(l[2], -kInf);
}

TEST(Sampler, MinNewTokensMasksEosUntilReached) {
  // HF MinNewTokensLengthLogitsProcessor: new_tokens_length < min_new_tokens -> scores[:, eos] = -inf.
  const std::vector<float> base = {1.0f, 5.0f, 2.0f, 4.0f};
  std::vector<float> l = base;
  apply_min_new_tokens(l, {1, 3, 7, -1}, /*generated=*/0, /*min_new_tokens=*/2);  // 7 and -1 outside: ignored
  EXPECT_EQ(l[1], -kInf);
  EXPECT_EQ(l[3], -kInf);
  EXPECT_FLOAT_EQ(l[0], 1.0f);
  EXPECT_FLOAT_EQ(l[2], 2.0f);
  EXPECT_EQ(argmax(l), 2);
  l = base;
  apply_min_new_tokens(l, {1, 3}, 1, 2);  // one generated, two required: still masked
  EXPECT_EQ(l[1], -kInf);
  l = base;
  apply_min_new_tokens(l, {1, 3}, 2, 2);  // reached: unchanged
  EXPECT_EQ(l, base);
  apply_min_new_tokens(l, {1, 3}, 0, 0);  // off
  EXPECT_EQ(l, base);
}

TEST(Sampler, GreedyIsArgmaxAfterPenalty) {
  SamplerConfig c;
  c.temperature = 0;
  c.repetition_penalty = 4.0f;
  Sampler s(c);
  EXPECT_TRUE(s.greedy());
  std::vector<float> l = {3.0f, 1.0f, 2.0f};
  EXPECT_EQ(s.sample(l, {}), 0);
  std::vector<float> m = {3.0f, 1.0f, 2.0f};
  EXPECT_EQ(s.sample(m, {0}), 2);  // 3/4 < 2
  SamplerConfig k1;
  k1.top_k = 1;  // top_k 1 is greedy whatever the temperature
  EXPECT_TRUE(Sampler(k1).greedy());
}

TEST(Sampler, DrawsFollowTheTemperedDistribution) {
  SamplerConfig c;
  c.temperature = 0.5f;
  c.seed = 123;
  Sampler s(c);
  const std::vector<float> base = {0.0f, 0.5f, 1.0f};
  // softmax(base / 0.5) = softmax(0, 1, 2) = 0.0900, 0.2447, 0.6652
  const double expected[3] = {0.09003057, 0.24472847, 0.66524096};
  std::map<int, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    std::vector<float> l = base;
    ++counts[s.sample(l, {})];
  }
  for (int t = 0; t < 3; ++t) EXPECT_NEAR(counts[t] / double(n), expected[t], 0.015) << "token " << t;
}

TEST(Sampler, SameSeedSameDraws) {
  SamplerConfig c;
  c.temperature = 1.0f;
  c.seed = 5;
  Sampler a(c), b(c);
  c.seed = 6;
  Sampler d(c);
  std::vector<int> ra, rb, rd;
  for (int i = 0; i < 64; ++i) {
    std::vector<float> l(16, 0.0f), m(16, 0.0f), n(16, 0.0f);
    ra.push_back(a.sample(l, {}));
    rb.push_back(b.sample(m, {}));
    rd.push_back(d.sample(n, {}));
  }
  EXPECT_EQ(ra, rb);
  EXPECT_NE(ra, rd);
}

TEST(Sampler, TopKThenTopPRestrictDraws) {
  SamplerConfig c;
  c.temperature = 1.0f;
  c.top_k = 2;
  c.seed = 1;
  Sampler s(c);
  for (int i = 0; i < 200; ++i) {
    std::vector<float> l = {0.0f, 3.0f, 2.9f, 1.0f};
    const int t = s.sample(l, {});
    EXPECT_TRUE(t == 1 || t == 2) << t;
  }
}

TEST(Sampler, RejectsBadConfig) {
  auto bad = [](SamplerConfig c) {
    try {
      Sampler s(c);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return true;
    }
    return false;
  };
  SamplerConfig c;
  c.top_p = 0.0f;
  EXPECT_TRUE(bad(c));
  c = {};
  c.top_p = 1.5f;
  EXPECT_TRUE(bad(c));
  c = {};
  c.temperature = -1.0f;
  EXPECT_TRUE(bad(c));
  c = {};
  c.temperature = std::nanf("");
  EXPECT_TRUE(bad(c));
  c = {};
  c.top_k = -3;
  EXPECT_TRUE(bad(c));
  c = {};
  c.repetition_penalty = 0.0f;
  EXPECT_TRUE(bad(c));
  EXPECT_FALSE(bad(SamplerConfig{}));
  Sampler ok(SamplerConfig{});
  std::vector<float> empty;
  EXPECT_THROW(ok.sample(empty, {}), Error);
}

}  // namespace
}  // namespace edgevl::llm
