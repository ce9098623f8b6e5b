// smart_resize against the Python reference (HF's function run by tests/reference/pillow_preprocess.py).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/smart_resize.h"
#include "expect_error.h"
#include "reference_data.h"

using edgevl::test::expect_error;

namespace edgevl::vision {
namespace {

TEST(SmartResize, MatchesPythonTable) {
  const auto rows = test::read_tsv("smart_resize.tsv");
  ASSERT_GE(rows.size(), 50u);
  int errors = 0;
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 6u);
    const int64_t H = std::stoll(r[0]), W = std::stoll(r[1]), min_p = std::stoll(r[2]), max_p = std::stoll(r[3]);
    SCOPED_TRACE(testing::Message() << H << "x" << W << " min " << min_p << " max " << max_p);
    if (r[4] == "error") {
      ++errors;
      expect_error([&] { smart_resize(H, W, 28, min_p, max_p); }, ErrorCode::kInvalidArgument);
      continue;
    }
    const ResizedSize s = smart_resize(H, W, 28, min_p, max_p);
    EXPECT_EQ(s.height, std::stoi(r[4]));
    EXPECT_EQ(s.width, std::stoi(r[5]));
  }
  EXPECT_GT(errors, 0);  // the table includes > 200:1 cases
}

TEST(SmartResize, SpecExampleAndHalfToEven) {
  const PreprocessorConfig c;  // Qwen2-VL-2B-Instruct: min 3136, max 12845056
  const ResizedSize s = smart_resize(480, 640, c);
  EXPECT_EQ(s.height, 476);
  EXPECT_EQ(s.width, 644);
  // 42/28 = 1.5 -> 2 and 70/28 = 2.5 -> 2 (half to even), 98/28 = 3.5 -> 4.
  EXPECT_EQ(smart_resize(70, 98, 28, 0, 1 << 30).height, 56);
  EXPECT_EQ(smart_resize(70, 98, 28, 0, 1 << 30).width, 112);
  EXPECT_EQ(smart_resize(42, 42, 28, 0, 1 << 30).height, 56);
}

TEST(SmartResize, AspectRatioLimitIs200) {
  EXPECT_NO_THROW(smart_resize(10, 2000, PreprocessorConfig{}));
  EXPECT_NO_THROW(smart_resize(2000, 10, PreprocessorConfig{}));
  expect_error([&] { smart_resize(10, 2010, PreprocessorConfig{}); }, ErrorCode::kInvalidArgument, {"10x2010", "201"});
}

TEST(SmartResize, TinyInputsAreRejectedBelowTenPixels) {
  // The first transformers rule: a side below 10 is an error; 10x10 grows to the min_pixels area (3136 = 56*56).
  const ResizedSize s = smart_resize(10, 10, PreprocessorConfig{});
  EXPECT_EQ(s.height, 56);
  EXPECT_EQ(s.width, 56);
  for (auto hw : {std::pair<int64_t, int64_t>{0, 5}, {5, 0}, {-1, 3}, {1, 1}, {9, 100}, {100, 9}, {1, 200}}) {
    SCOPED_TRACE(testing::Message() << hw.first << "x" << hw.second);
    expect_error([&] { smart_resize(hw.first, hw.second, PreprocessorConfig{}); }, ErrorCode::kInvalidArgument);
  }
}

// max_resized_pixels bounds every accepted image's result and is reached (within one 28-pixel step of the long side) by
// an extreme aspect ratio; for the demo model's limits the bound (69776 pixels, 356 patches) is 2.2x max_pixels.
TEST(SmartResize, MaxResizedPixelsBoundsEveryAcceptedImage) {
  struct Limits {
    int64_t min_p, max_p;
  };
  for (const Limits l : {Limits{15680, 31360}, Limits{3136, 12845056}, Limits{3136, 1024 * 28 * 28}, Limits{0, 784},
                         Limits{100000, 100000}}) {
    SCOPED_TRACE(testing::Message() << "min " << l.min_p << " max " << l.max_p);
    const int64_t bound = max_resized_pixels(28, l.min_p, l.max_p);
    int64_t seen = 0;
    // Every short side 10..200 and some large ones, with long sides at ratios 1..200 in 97 steps and the extreme ratio
    // exactly (within kMaxImageSide).
    std::vector<int64_t> shorts;
    for (int64_t a = 10; a <= 200; ++a) shorts.push_back(a);
    for (int64_t a : {300, 500, 1000, 2000, 3584, 4000}) shorts.push_back(a);
    for (int64_t a : shorts) {
      for (int k = 0; k <= 97; ++k) {
        const int64_t b = std::min<int64_t>(kMaxImageSide, k == 97 ? 200 * a : a + (199 * a * k) / 97);
        for (const auto& [h, w] : {std::pair<int64_t, int64_t>{a, b}, {b, a}}) {
          const ResizedSize s = smart_resize(h, w, 28, l.min_p, l.max_p);
          const int64_t px = int64_t{s.height} * s.width;
          ASSERT_LE(px, bound) << h << "x" << w << " -> " << s.height << "x" << s.width;
          seen = std::max(seen, px);
        }
      }
    }
    if (l.min_p * 4 <= l.max_p)  // the clamp term dominates: tight (step 4's term is a plain upper bound)
      EXPECT_GE(seen, bound - 28 * 28 * 2) << "the bound is not reached by any image";
  }
  EXPECT_EQ(max_resized_pixels(28, 15680, 31360), 69776);  // 28 x 2492: smart_resize(28, 5600) at these limits
  const ResizedSize s = smart_resize(28, 5600, 28, 15680, 31360);
  EXPECT_EQ(int64_t{s.height} * s.width, 69776);
  expect_error([] { max_resized_pixels(0, 0, 100); }, ErrorCode::kInvalidArgument);
  expect_error([] { max_resized_pixels(28, 200, 100); }, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgevl::vision
