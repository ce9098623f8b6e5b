// Decompression bombs: an image whose header declares more pixels than the limit (default Pillow's MAX_IMAGE_PIXELS,
// 89,478,485) is refused from the header alone, before any decoding (the bytes after the header are junk here, so a
// decoder would fail differently: the message proves the header check ran first).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/vision/image.h"
#include "expect_error.h"

using edgevl::ErrorCode;
using edgevl::test::expect_error;
using edgevl::vision::decode_image;

namespace {

void be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
}

std::vector<uint8_t> png_header(uint32_t w, uint32_t h) {
  std::vector<uint8_t> v = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  be32(v, 13);
  for (char c : std::string("IHDR")) v.push_back(static_cast<uint8_t>(c));
  be32(v, w);
  be32(v, h);
  for (uint8_t b : {8, 2, 0, 0, 0}) v.push_back(b);  // 8-bit RGB
  be32(v, 0);                                         // CRC (not checked before the size check)
  be32(v, 0);                                         // IEND
  for (char c : std::string("IEND")) v.push_back(static_cast<uint8_t>(c));
  be32(v, 0xAE426082u);
  return v;
}

std::vector<uint8_t> jpeg_header(uint16_t w, uint16_t h) {
  return {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h),
          static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(w), 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
          0xFF, 0xD9};
}

}  // namespace

TEST(ImageBomb, DefaultLimitIsPillows) { EXPECT_EQ(edgevl::vision::kDefaultMaxDecodePixels, 89478485); }

TEST(ImageBomb, PngHeader20000x20000IsRefusedBeforeDecoding) {
  const auto png = png_header(20000, 20000);
  expect_error([&] { decode_image(png.data(), png.size(), "bomb.png"); }, ErrorCode::kInvalidArgument,
               {"bomb.png", "20000x20000", "400000000 pixels", "89478485"});
}

TEST(ImageBomb, JpegHeaderIsRefusedBeforeDecoding) {
  const auto jpg = jpeg_header(65000, 65000);
  expect_error([&] { decode_image(jpg.data(), jpg.size(), "bomb.jpg"); }, ErrorCode::kInvalidArgument,
               {"bomb.jpg", "65000x65000"});
}

TEST(ImageBomb, LimitIsConfigurable) {
  const auto png = png_header(100, 100);  // 10,000 pixels
  expect_error([&] { decode_image(png.data(), png.size(), "small.png", 9999); }, ErrorCode::kInvalidArgument,
               {"small.png", "100x100", "9999"});
  // Within the limit the header check passes and the (junk) image data is the decoder's to judge.
  expect_error([&] { decode_image(png.data(), png.size(), "small.png", 10000); }, ErrorCode::kCorruptFile,
               {"small.png"});
}
