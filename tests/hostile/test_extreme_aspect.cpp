// Extreme aspect ratios (issue 11): every image smart_resize accepts (aspect ratio up to 200:1) has a compiled ViT
// bucket. Such images resize to MORE pixels than max_pixels (smart_resize clamps the short side to one 28-pixel step,
// e.g. 28x5600 -> 28x2492 at the demo model's max_pixels 31360, 356 patches against 160 for a square image), so compile
// ends the bucket ladder at vision::max_resized_pixels, also when the caller's buckets stop short.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "edgevl/edgevl.h"

namespace fs = std::filesystem;

namespace {

const fs::path kTmp = fs::path(EDGEVL_TEST_TMP) / "aspect";
const std::string kModel = std::string(EDGEVL_SOURCE_DIR) + "/models/demo/qwen2vl-shapes";

edgevl::Image grey_image(int width, int height) {
  return edgevl::Image::from_rgb(std::vector<uint8_t>(size_t(width) * size_t(height) * 3, 128), width, height);
}

TEST(ExtremeAspect, EveryAcceptedImageHasAViTBucket) {
  fs::create_directories(kTmp);
  const std::string bundle = (kTmp / "shapes.evl").string();
  edgevl::CompileOptions o;
  o.context_length = 512;
  o.chunk = 64;
  o.vit_buckets = {96, 128, 160};  // enough for every image of at most max_pixels, not for extreme aspect ratios
  edgevl::compile_model(kModel, bundle, o);
  edgevl::Model model = edgevl::Model::open(bundle);
  const std::vector<int64_t>& buckets = model.info().vit_buckets;
  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets.back(), 356) << "28 * floor(sqrt(200 * 31360) / 28) * 28 / 14^2 patches";

  edgevl::Session session(model);
  edgevl::GenerationConfig g;
  g.max_new_tokens = 2;
  // 200:1 both ways, at the smallest accepted side (10) and at the 28-pixel step; 199:1 off the step.
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{5600, 28}, {28, 5600}, {2000, 10}, {10, 2000},
                                                             {5970, 30}, {1400, 7}}) {
    session.reset();
    edgevl::Request r;
    r.text = "Describe the image.";
    r.images = {grey_image(w, h)};
    if (std::min(w, h) < 10) {  // below smart_resize's smallest side: an error naming the image, not a crash
      try {
        session.generate(r, g);
        ADD_FAILURE() << w << "x" << h << " accepted";
      } catch (const edgevl::Error& e) {
        EXPECT_EQ(e.code(), edgevl::ErrorCode::kInvalidArgument) << e.what();
      }
      continue;
    }
    edgevl::Result res;
    ASSERT_NO_THROW(res = session.generate(r, g)) << w << "x" << h;
    EXPECT_EQ(res.stats.images, 1);
  }
}

}  // namespace
