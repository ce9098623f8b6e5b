#include "image_header.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace edgevl::demo_test {
namespace {

uint32_t be16(const std::vector<uint8_t>& b, size_t i) { return uint32_t(b[i]) << 8 | b[i + 1]; }
uint32_t be32(const std::vector<uint8_t>& b, size_t i) { return be16(b, i) << 16 | be16(b, i + 2); }

}  // namespace

ImageSize image_size_from_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("image " + path + ": cannot open");
  const std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= 24 && std::equal(kPng, kPng + 8, b.begin()))  // signature, IHDR length + type, width, height
    return {int(be32(b, 16)), int(be32(b, 20))};
  if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
    size_t i = 2;
    while (i + 9 < b.size()) {
      if (b[i] != 0xFF) break;
      const uint8_t marker = b[i + 1];
      if (marker == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      const uint32_t len = be16(b, i + 2);
      const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) return {int(be16(b, i + 7)), int(be16(b, i + 5))};  // length, precision, height, width
      i += 2 + len;
    }
    throw std::runtime_error("image " + path + ": JPEG without a frame header (SOFn)");
  }
  throw std::runtime_error("image " + path + ": neither PNG nor JPEG");
}

}  // namespace edgevl::demo_test
