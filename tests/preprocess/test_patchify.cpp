// pixel_values row/column order checked element by element against the formula of the spec (independent of Python).
#include <gtest/gtest.h>

#include "edgevl/vision/preprocess.h"

namespace edgevl::vision {
namespace {

TEST(Patchify, RowAndColumnOrderFollowTheSpec) {
  // 56x84 image: gh = 4, gw = 6, merge cells 2x3. Pixel bytes encode (y, x, c) so every value is traceable.
  const int H = 56, W = 84;
  ImageU8 img;
  img.height = H;
  img.width = W;
  img.rgb.resize(H * W * 3);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < 3; ++c) img.rgb[(y * W + x) * 3 + c] = static_cast<uint8_t>((y * 7 + x * 3 + c * 101) % 256);
  PreprocessorConfig raw;
  raw.do_rescale = false;
  raw.do_normalize = false;
  const PixelValues pv = normalize_and_patchify(img, raw);
  ASSERT_EQ(pv.grid_thw, (std::array<int64_t, 3>{1, 4, 6}));
  ASSERT_EQ(pv.num_patches, 24);
  ASSERT_EQ(pv.patch_dim, 1176);
  const int gw = 6;
  for (int bh = 0; bh < 2; ++bh)
    for (int bw = 0; bw < 3; ++bw)
      for (int mh = 0; mh < 2; ++mh)
        for (int mw = 0; mw < 2; ++mw) {
          const int r = ((bh * (gw / 2) + bw) * 2 + mh) * 2 + mw;
          const int py = 2 * bh + mh, px = 2 * bw + mw;
          for (int c = 0; c < 3; ++c)
            for (int t = 0; t < 2; ++t)
              for (int i = 0; i < 14; ++i)
                for (int j = 0; j < 14; ++j) {
                  const int k = ((c * 2 + t) * 14 + i) * 14 + j;
                  const int y = 14 * py + i, x = 14 * px + j;
                  ASSERT_EQ(pv.data[r * 1176 + k], float(img.rgb[(y * W + x) * 3 + c])) << r << " " << k;
                }
        }
}

TEST(Patchify, RescaleThenNormalizeInFloat32) {
  ImageU8 img;
  img.height = img.width = 28;
  img.rgb.assign(28 * 28 * 3, 0);
  img.rgb[0] = 255;  // R of pixel (0,0)
  img.rgb[1] = 128;  // G
  const PreprocessorConfig c;
  const PixelValues pv = normalize_and_patchify(img, c);
  const float r = (static_cast<float>(255 * (1.0 / 255.0)) - 0.48145466f) / 0.26862954f;
  const float g = (static_cast<float>(128 * (1.0 / 255.0)) - 0.4578275f) / 0.26130258f;
  EXPECT_EQ(pv.data[0], r);
  EXPECT_EQ(pv.data[196], r);          // second temporal copy of channel 0
  EXPECT_EQ(pv.data[2 * 196], g);      // channel 1, t = 0
  EXPECT_NEAR(pv.data[0], 1.9303361f, 1e-6);
}

}  // namespace
}  // namespace edgevl::vision
