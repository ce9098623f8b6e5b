// Bad inputs: every one must be a clear edgevl::Error naming the input, never a crash or a silently wrong image.
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocess.h"
#include "edgevl/vision/resize_bicubic.h"
#include "expect_error.h"
#include "reference_data.h"

using edgevl::test::expect_error;

namespace edgevl::vision {
namespace {

std::string bad(const std::string& name) { return test::preprocess_reference_dir() + "/bad/" + name; }

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_load_error(const std::string& path, ErrorCode code) {
  SCOPED_TRACE(path);
  try {
    load_image(path);
    ADD_FAILURE() << "decoded without error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << "message does not name the file: " << e.what();
  }
}

TEST(BadInputs, FilesAreRejectedWithTheRightCode) {
  expect_load_error(bad("does_not_exist.png"), ErrorCode::kNotFound);
  expect_load_error(bad("zero_bytes.png"), ErrorCode::kCorruptFile);
  expect_load_error(bad("text.png"), ErrorCode::kCorruptFile);
  expect_load_error(bad("truncated_half.jpg"), ErrorCode::kCorruptFile);
  expect_load_error(bad("truncated_progressive.jpg"), ErrorCode::kCorruptFile);
  expect_load_error(bad("skimage_truncated.jpg"), ErrorCode::kCorruptFile);
  expect_load_error(bad("truncated_half.png"), ErrorCode::kCorruptFile);
  expect_load_error(bad("truncated_no_iend.png"), ErrorCode::kCorruptFile);
  expect_load_error(bad("animated.gif"), ErrorCode::kUnsupported);
  expect_load_error(test::preprocess_reference_dir() + "/bad", ErrorCode::kInvalidArgument);  // a directory
}

TEST(BadInputs, AspectRatioAbove200IsRejectedByPreprocess) {
  const ImageU8 image = load_image(bad("ratio_201to1.png"));
  ASSERT_EQ(image.height, 10);
  ASSERT_EQ(image.width, 2010);
  expect_error([&] { preprocess(image, PreprocessorConfig{}); }, ErrorCode::kInvalidArgument, {"10x2010"});
}

TEST(BadInputs, OnePixelImageIsRejectedByPreprocess) {
  const ImageU8 image = load_image(bad("one_pixel.png"));
  expect_error([&] { preprocess(image, PreprocessorConfig{}); }, ErrorCode::kInvalidArgument, {"1x1"});
}

// Every prefix of a valid JPEG / PNG is an error (never a partially grey image), checked at many cut points.
TEST(BadInputs, EveryTruncationIsAnError) {
  const std::string images = test::preprocess_reference_dir() + "/images/";
  for (const char* name : {"rocket.jpg", "jpeg_progressive.jpg", "exif_orientation_6.jpg", "chelsea.png",
                           "palette_120x77.png"}) {
    const std::vector<uint8_t> bytes = read_bytes(images + name);
    ASSERT_GT(bytes.size(), 100u);
    ASSERT_NO_THROW(decode_image(bytes.data(), bytes.size(), name));
    for (size_t cut = 1; cut < bytes.size(); cut += std::max<size_t>(1, bytes.size() / 37)) {
      SCOPED_TRACE(std::string(name) + " cut at " + std::to_string(cut));
      expect_error([&] { decode_image(bytes.data(), cut, name); }, ErrorCode::kCorruptFile);
    }
  }
}

TEST(BadInputs, GarbageBytesInMemory) {
  std::vector<uint8_t> junk(4096);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  EXPECT_THROW(decode_image(junk.data(), junk.size(), "junk"), Error);
  junk[0] = 0xFF, junk[1] = 0xD8, junk[2] = 0xFF;  // JPEG magic, garbage body
  EXPECT_THROW(decode_image(junk.data(), junk.size(), "junk.jpg"), Error);
  EXPECT_THROW(decode_image(nullptr, 10, "null"), Error);
}

TEST(BadInputs, CallerBuffersAndSizesAreValidated) {
  const uint8_t px[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_NO_THROW(image_from_rgb(px, 2, 2));
  for (auto hw : {std::pair<int, int>{0, 2}, {2, 0}, {-3, 2}, {1 << 17, 1}}) {
    SCOPED_TRACE(testing::Message() << hw.first << "x" << hw.second);
    expect_error([&] { image_from_rgb(px, hw.first, hw.second); }, ErrorCode::kInvalidArgument);
  }
  EXPECT_THROW(image_from_rgb(nullptr, 1, 1), Error);
  const ImageU8 img = image_from_rgb(px, 2, 2);
  EXPECT_THROW(resize_bicubic(img, 0, 5), Error);
  EXPECT_THROW(resize_bicubic(img, 5, -1), Error);
  EXPECT_THROW(resize_bicubic(ImageU8{}, 5, 5), Error);
  ImageU8 inconsistent = img;
  inconsistent.rgb.pop_back();
  EXPECT_THROW(resize_bicubic(inconsistent, 5, 5), Error);
  EXPECT_THROW(preprocess(ImageU8{}, PreprocessorConfig{}), Error);
  EXPECT_THROW(normalize_and_patchify(img, PreprocessorConfig{}), Error);  // 2x2 is not a multiple of 28
}

}  // namespace
}  // namespace edgevl::vision
