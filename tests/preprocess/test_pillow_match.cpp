// Decode + smart_resize + resize_bicubic + normalize/patchify against Pillow's own output on real photographs and
// synthetic images (tests/reference/pillow_preprocess.py).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocess.h"
#include "edgevl/vision/preprocessor_config.h"
#include "edgevl/vision/resize_bicubic.h"
#include "edgevl/vision/smart_resize.h"
#include "npy.h"
#include "reference_data.h"

namespace edgevl::vision {
namespace {

struct Case {
  std::string key, file, config;
  int h, w;
  int64_t grid[3];
  bool has_pixel_values;
};

std::vector<Case> cases(bool photos) {
  std::vector<Case> out;
  for (const auto& r : test::read_tsv("cases.tsv")) {
    Case c{r[0], r[1], r[2], std::stoi(r[3]), std::stoi(r[4]), {std::stoll(r[5]), std::stoll(r[6]), std::stoll(r[7])},
           r[8] == "1"};
    if ((c.key.rfind("photo_", 0) == 0) == photos) out.push_back(c);
  }
  return out;
}

// Runs every case.
void check_cases(const std::vector<Case>& list) {
  const std::string dir = test::preprocess_reference_dir();
  std::map<std::string, PreprocessorConfig> configs;
  std::map<std::string, ImageU8> images;
  double worst_pv = 0.0;
  for (const Case& c : list) {
    SCOPED_TRACE(c.key);
    if (!configs.count(c.config)) {
      configs[c.config] = load_preprocessor_config(dir + "/configs/" + c.config + "/preprocessor_config.json");
    }
    const PreprocessorConfig& config = configs[c.config];
    if (!images.count(c.file)) images[c.file] = load_image(dir + "/images/" + c.file);
    const ImageU8& image = images[c.file];

    const ResizedSize size = smart_resize(image.height, image.width, config);
    EXPECT_EQ(size.height, c.h);
    EXPECT_EQ(size.width, c.w);
    const ImageU8 resized = resize_bicubic(image, size.height, size.width);
    const auto expected = npy::read_npy(dir + "/expected/" + c.key + ".resized.npy");
    ASSERT_EQ(expected.shape, (std::vector<int64_t>{c.h, c.w, 3}));
    const auto ref = expected.as<uint8_t>(c.key);
    ASSERT_EQ(resized.rgb.size(), ref.size());
    int max_diff = 0;
    size_t first_bad = ref.size();
    for (size_t i = 0; i < ref.size(); ++i) {
      const int d = std::abs(int(resized.rgb[i]) - int(ref[i]));
      if (d > max_diff) max_diff = d;
      if (d && first_bad == ref.size()) first_bad = i;
    }
    EXPECT_EQ(max_diff, 0) << "first differing byte at index " << first_bad << " (pixel " << first_bad / 3 << ")";

    const PixelValues pv = preprocess(image, config);
    EXPECT_EQ(pv.grid_thw[0], c.grid[0]);
    EXPECT_EQ(pv.grid_thw[1], c.grid[1]);
    EXPECT_EQ(pv.grid_thw[2], c.grid[2]);
    EXPECT_EQ(pv.patch_dim, 1176);
    EXPECT_EQ(pv.num_patches, c.grid[0] * c.grid[1] * c.grid[2]);
    if (c.has_pixel_values) {
      const auto pv_ref = npy::read_npy(dir + "/expected/" + c.key + ".pixel_values.npy");
      ASSERT_EQ(pv_ref.shape, (std::vector<int64_t>{pv.num_patches, 1176}));
      const auto values = pv_ref.as<float>(c.key);
      ASSERT_EQ(values.size(), pv.data.size());
      double max_abs = 0.0;
      for (size_t i = 0; i < values.size(); ++i) max_abs = std::max(max_abs, double(std::fabs(values[i] - pv.data[i])));
      EXPECT_LE(max_abs, 1e-6);
      worst_pv = std::max(worst_pv, max_abs);
    }
  }
  ::testing::Test::RecordProperty("max_abs_pixel_values_diff", std::to_string(worst_pv));
  std::printf("%zu cases, max |pixel_values - Pillow reference| = %g\n", list.size(), worst_pv);
}

TEST(PillowMatch, Photographs) {
  const auto list = cases(true);
  ASSERT_GE(list.size(), 16u);  // >= 8 photographs x 2 configs
  check_cases(list);
}

TEST(PillowMatch, SyntheticImages) {
  const auto list = cases(false);
  ASSERT_GE(list.size(), 40u);
  check_cases(list);
}

TEST(PillowMatch, ExifOrientationSwapsSides) {
  const std::string dir = test::preprocess_reference_dir() + "/images/";
  const ImageU8 upright = load_image(dir + "exif_orientation_1.jpg");
  EXPECT_EQ(upright.height, 80);
  EXPECT_EQ(upright.width, 120);
  for (int o : {5, 6, 7, 8}) {
    const ImageU8 rotated = load_image(dir + "exif_orientation_" + std::to_string(o) + ".jpg");
    EXPECT_EQ(rotated.height, 120) << o;
    EXPECT_EQ(rotated.width, 80) << o;
  }
}

TEST(PillowMatch, DecodeFromMemoryEqualsFromFile) {
  const std::string path = test::preprocess_reference_dir() + "/images/rocket.jpg";
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const ImageU8 a = decode_image(bytes.data(), bytes.size(), "rocket bytes");
  const ImageU8 b = load_image(path);
  EXPECT_EQ(a.height, 427);
  EXPECT_EQ(a.width, 640);
  EXPECT_EQ(a.rgb, b.rgb);
}

}  // namespace
}  // namespace edgevl::vision
