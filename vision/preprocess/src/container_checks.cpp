#include "container_checks.h"

#include <cstring>

namespace edgevl::vision {

ContainerKind sniff_container(const uint8_t* d, size_t n) {
  static const uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ContainerKind::kJpeg;
  if (n >= 8 && std::memcmp(d, kPngMagic, 8) == 0) return ContainerKind::kPng;
  if (n >= 4 && std::memcmp(d, "GIF8", 4) == 0) return ContainerKind::kGif;
  if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) return ContainerKind::kWebp;
  if (n >= 2 && d[0] == 'B' && d[1] == 'M') return ContainerKind::kBmp;
  if (n >= 4 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0) ||
                 (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43))))
    return ContainerKind::kTiff;  // classic TIFF (42) or BigTIFF (43), little- or big-endian
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

namespace {
uint32_t be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
uint32_t le16(const uint8_t* p) { return (uint32_t{p[1]} << 8) | p[0]; }
uint32_t le24(const uint8_t* p) { return le16(p) | (uint32_t{p[2]} << 16); }
uint32_t le32(const uint8_t* p) { return le16(p) | (le16(p + 2) << 16); }

// TIFF / BigTIFF: the first IFD's ImageWidth (256) and ImageLength (257), SHORT, LONG or LONG8 values.
bool tiff_dimensions(const uint8_t* d, size_t n, int64_t& width, int64_t& height) {
  const bool be = d[0] == 'M', big = (be ? d[3] : d[2]) == 43;
  auto u = [&](size_t pos, int bytes) -> uint64_t {  // caller checked pos + bytes <= n
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{d[pos + size_t(be ? bytes - 1 - i : i)]} << (8 * i);
    return v;
  };
  const size_t head = big ? 16 : 8, count_bytes = big ? 8 : 2, entry = big ? 20 : 12, value_at = big ? 12 : 8;
  if (n < head) return false;
  const uint64_t ifd = big ? u(8, 8) : u(4, 4);
  if (ifd > n || n - ifd < count_bytes) return false;
  const uint64_t count = u(size_t(ifd), int(count_bytes));
  if (count > (n - ifd - count_bytes) / entry) return false;
  int64_t w = -1, h = -1;
  for (uint64_t k = 0; k < count; ++k) {
    const size_t e = size_t(ifd + count_bytes + k * entry);
    const uint64_t tag = u(e, 2), type = u(e + 2, 2), values = big ? u(e + 4, 8) : u(e + 4, 4);
    if ((tag != 256 && tag != 257) || values != 1) continue;
    uint64_t v = 0;
    if (type == 3) v = u(e + value_at, 2);                 // SHORT
    else if (type == 4) v = u(e + value_at, 4);            // LONG
    else if (type == 16 && big) v = u(e + value_at, 8);    // LONG8
    else return false;
    if (v > 0xFFFFFFFFu) return false;
    (tag == 256 ? w : h) = int64_t(v);
  }
  if (w < 0 || h < 0) return false;
  width = w;
  height = h;
  return true;
}
}  // namespace

bool header_dimensions(const uint8_t* d, size_t n, int64_t& width, int64_t& height) {
  switch (sniff_container(d, n)) {
    case ContainerKind::kPng:  // signature, IHDR length + type, width, height (big-endian)
      if (n < 24 || std::memcmp(d + 12, "IHDR", 4) != 0) return false;
      width = be32(d + 16);
      height = be32(d + 20);
      return true;
    case ContainerKind::kJpeg: {
      size_t pos = 2;
      while (pos + 4 <= n) {
        if (d[pos] != 0xFF) return false;
        const uint8_t m = d[pos + 1];
        if (m == 0xFF) { ++pos; continue; }
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { pos += 2; continue; }
        const size_t len = be16(d + pos + 2);
        // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): precision, height, width.
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
          if (pos + 9 > n) return false;
          height = be16(d + pos + 5);
          width = be16(d + pos + 7);
          return true;
        }
        if (m == 0xDA || len < 2) return false;  // scan data before any frame header
        pos += 2 + len;
      }
      return false;
    }
    case ContainerKind::kWebp:
      if (n < 30) return false;
      if (std::memcmp(d + 12, "VP8X", 4) == 0) {  // canvas width-1, height-1: 24 bits each
        width = int64_t{le24(d + 24)} + 1;
        height = int64_t{le24(d + 27)} + 1;
        return true;
      }
      if (std::memcmp(d + 12, "VP8L", 4) == 0) {  // signature 0x2f, then 14-bit width-1 and height-1
        const uint32_t b = le32(d + 21);
        width = int64_t{b & 0x3FFF} + 1;
        height = int64_t{(b >> 14) & 0x3FFF} + 1;
        return true;
      }
      if (std::memcmp(d + 12, "VP8 ", 4) == 0) {  // key frame: 3-byte tag, start code, 14-bit width and height
        width = le16(d + 26) & 0x3FFF;
        height = le16(d + 28) & 0x3FFF;
        return true;
      }
      return false;
    case ContainerKind::kBmp:
      if (n >= 26 && le32(d + 14) >= 40) {  // BITMAPINFOHEADER or later: signed 32-bit width and height
        const int32_t w = static_cast<int32_t>(le32(d + 18));
        const int32_t h = static_cast<int32_t>(le32(d + 22));
        width = w < 0 ? -int64_t{w} : int64_t{w};
        height = h < 0 ? -int64_t{h} : int64_t{h};  // negative = top-down
        return true;
      }
      if (n >= 22 && le32(d + 14) == 12) {  // BITMAPCOREHEADER (OS/2): unsigned 16-bit width and height
        width = le16(d + 18);
        height = le16(d + 20);
        return true;
      }
      return false;
    case ContainerKind::kTiff:
      return tiff_dimensions(d, n, width, height);
    default:
      return false;
  }
}

bool webp_is_animated(const uint8_t* d, size_t n) {
  return sniff_container(d, n) == ContainerKind::kWebp && n >= 21 && std::memcmp(d + 12, "VP8X", 4) == 0 &&
         (d[20] & 0x02) != 0;
}

}  // namespace edgevl::vision
