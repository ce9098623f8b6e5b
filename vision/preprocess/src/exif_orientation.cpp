#include "exif_orientation.h"

#include <cstring>

#include <opencv2/core.hpp>

namespace edgevl::vision {
namespace {

uint32_t le32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }

// Orientation tag of a TIFF-structured EXIF block ("II*\0" / "MM\0*" header), or 1.
int tiff_orientation(const uint8_t* d, size_t n) {
  if (n >= 6 && std::memcmp(d, "Exif\0\0", 6) == 0) d += 6, n -= 6;  // optional APP1-style prefix
  if (n < 8) return 1;
  const bool little = d[0] == 'I' && d[1] == 'I';
  if (!little && !(d[0] == 'M' && d[1] == 'M')) return 1;
  auto u16 = [&](size_t o) { return little ? d[o] | (d[o + 1] << 8) : (d[o] << 8) | d[o + 1]; };
  auto u32 = [&](size_t o) {
    return little ? le32(d + o)
                  : (static_cast<uint32_t>(d[o]) << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3];
  };
  const size_t ifd = u32(4);
  if (ifd > n - 2) return 1;
  const size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + i * 12;
    if (e + 12 > n) return 1;
    if (u16(e) == 0x0112) {
      const int v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

}  // namespace

int webp_exif_orientation(const uint8_t* d, size_t n) {
  if (n < 12 || std::memcmp(d, "RIFF", 4) != 0 || std::memcmp(d + 8, "WEBP", 4) != 0) return 1;
  size_t pos = 12;
  while (pos + 8 <= n) {
    const size_t len = le32(d + pos + 4);
    if (len > n - pos - 8) return 1;
    if (std::memcmp(d + pos, "EXIF", 4) == 0) return tiff_orientation(d + pos + 8, len);
    pos += 8 + len + (len & 1);
  }
  return 1;
}

void apply_exif_orientation(int orientation, cv::Mat& m) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(m, out, 1); break;                           // mirror left-right
    case 3: cv::rotate(m, out, cv::ROTATE_180); break;
    case 4: cv::flip(m, out, 0); break;                           // mirror top-bottom
    case 5: cv::transpose(m, out); break;                         // transpose
    case 6: cv::rotate(m, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(m, out); cv::rotate(out, out, cv::ROTATE_180); break;  // transverse
    case 8: cv::rotate(m, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: return;
  }
  m = out;
}

}  // namespace edgevl::vision
