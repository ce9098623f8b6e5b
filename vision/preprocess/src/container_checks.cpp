#include "container_checks.h"

#include <cstring>

namespace edgevl::vision {

ContainerKind sniff_container(const uint8_t* d, size_t n) {
  static const uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ContainerKind::kJpeg;
  if (n >= 8 && std::memcmp(d, kPngMagic, 8) == 0) return ContainerKind::kPng;
  if (n >= 4 && std::memcmp(d, "GIF8", 4) == 0) return ContainerKind::kGif;
  if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) return ContainerKind::kWebp;
  return ContainerKind::kOther;
}

bool jpeg_is_complete(const uint8_t* d, size_t n) {
  size_t pos = 2;  // after SOI
  while (pos < n) {
    // Find the next marker (tolerating stray bytes, as libjpeg does) and skip fill bytes.
    while (pos < n && d[pos] != 0xFF) ++pos;
    while (pos < n && d[pos] == 0xFF) ++pos;
    if (pos >= n) return false;
    const uint8_t marker = d[pos++];
    if (marker == 0xD9) return true;                                      // EOI
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length field
    if (pos + 2 > n) return false;
    const size_t length = (static_cast<size_t>(d[pos]) << 8) | d[pos + 1];
    if (length < 2 || pos + length > n) return false;
    pos += length;
    if (marker == 0xDA) {  // SOS: entropy-coded data up to the next marker other than RSTn (FF 00 is a stuffed byte)
      while (pos + 1 < n) {
        if (d[pos] == 0xFF && d[pos + 1] != 0x00 && !(d[pos + 1] >= 0xD0 && d[pos + 1] <= 0xD7)) break;
        ++pos;
      }
      if (pos + 1 >= n) return false;
    }
  }
  return false;
}

bool png_is_complete(const uint8_t* d, size_t n) {
  size_t pos = 8;  // after the signature
  while (pos < n) {
    if (n - pos < 12) return false;  // length + type + CRC
    const size_t length = (static_cast<size_t>(d[pos]) << 24) | (static_cast<size_t>(d[pos + 1]) << 16) |
                          (static_cast<size_t>(d[pos + 2]) << 8) | d[pos + 3];
    if (length > n - pos - 12) return false;
    if (std::memcmp(d + pos + 4, "IEND", 4) == 0) return true;
    pos += 12 + length;
  }
  return true;
}

}  // namespace edgevl::vision
