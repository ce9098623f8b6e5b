// Bit-exact re-implementation of Pillow's ImagingResample (libImaging/Resample.c) for BICUBIC on 3-channel uint8.
#include "edgevl/vision/resize_bicubic.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "edgevl/error.h"

namespace edgevl::vision {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS: 22-bit fixed-point weights
constexpr double kSupport = 2.0;            // bicubic filter support (pixels) at scale 1

double bicubic(double x) {  // Keys cubic with a = -0.5
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Per output pixel: first input index and number of taps, plus `ksize` fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;  // [out_size, ksize]
};

// Pillow's precompute_coeffs (double weights normalised to sum 1) followed by normalize_coeffs_8bpc.
Coeffs precompute(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kSupport * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  const double ss = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double total = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = bicubic((x + xmin - center + 0.5) * ss);
      total += w[x];
    }
    int32_t* k = &c.weights[static_cast<size_t>(xx) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = total != 0.0 ? w[x] / total : w[x];
      const double fixed = v * (1 << kPrecisionBits);
      k[x] = static_cast<int32_t>(v < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;  // arithmetic shift: floor, as Pillow's lookup index
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Horizontal pass over rows [row0, row0 + rows) of `in` (width in_w) into `out` (width c.first.size()).
void horizontal(const uint8_t* in, int in_w, int row0, int rows, const Coeffs& c, uint8_t* out) {
  const int out_w = static_cast<int>(c.first.size());
  for (int y = 0; y < rows; ++y) {
    const uint8_t* src = in + static_cast<size_t>(row0 + y) * in_w * 3;
    uint8_t* dst = out + static_cast<size_t>(y) * out_w * 3;
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &c.weights[static_cast<size_t>(xx) * c.ksize];
      const uint8_t* p = src + static_cast<size_t>(c.first[xx]) * 3;
      int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < c.count[xx]; ++x) {
        s0 += p[x * 3 + 0] * k[x];
        s1 += p[x * 3 + 1] * k[x];
        s2 += p[x * 3 + 2] * k[x];
      }
      dst[xx * 3 + 0] = clip8(s0);
      dst[xx * 3 + 1] = clip8(s1);
      dst[xx * 3 + 2] = clip8(s2);
    }
  }
}

// Vertical pass: `in` has width w (row stride w*3); output row yy uses input rows first[yy] - row0 ....
void vertical(const uint8_t* in, int w, int row0, const Coeffs& c, uint8_t* out) {
  const int out_h = static_cast<int>(c.first.size());
  const size_t stride = static_cast<size_t>(w) * 3;
  std::vector<int32_t> acc(stride);
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &c.weights[static_cast<size_t>(yy) * c.ksize];
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const uint8_t* base = in + static_cast<size_t>(c.first[yy] - row0) * stride;
    for (int y = 0; y < c.count[yy]; ++y) {
      const uint8_t* src = base + static_cast<size_t>(y) * stride;
      const int32_t ky = k[y];
      for (size_t i = 0; i < stride; ++i) acc[i] += src[i] * ky;
    }
    uint8_t* dst = out + static_cast<size_t>(yy) * stride;
    for (size_t i = 0; i < stride; ++i) dst[i] = clip8(acc[i]);
  }
}

}  // namespace

ImageU8 resize_bicubic(const ImageU8& image, int out_height, int out_width) {
  if (image.height < 1 || image.width < 1 ||
      image.rgb.size() != static_cast<size_t>(image.height) * static_cast<size_t>(image.width) * 3) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("resize_bicubic: input image {}x{} with {} bytes is empty or inconsistent", image.height,
                            image.width, image.rgb.size()));
  }
  if (out_height < 1 || out_width < 1 || out_height > kMaxImageSide || out_width > kMaxImageSide ||
      static_cast<int64_t>(out_height) * out_width > kMaxImagePixels) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("resize_bicubic: output size {}x{} must have sides in [1, {}]", out_height, out_width,
                            kMaxImageSide));
  }
  if (out_height == image.height && out_width == image.width) return image;  // Pillow copies

  const bool need_h = out_width != image.width;
  const bool need_v = out_height != image.height;
  const Coeffs vc = precompute(image.height, out_height);
  // Rows of the source the vertical pass reads; the horizontal pass computes only those (Pillow's ybox_first/last).
  const int row0 = vc.first.front();
  const int row1 = vc.first.back() + vc.count.back();

  ImageU8 tmp;
  const ImageU8* src = &image;
  int src_row0 = 0;
  if (need_h) {
    const Coeffs hc = precompute(image.width, out_width);
    tmp.height = row1 - row0;
    tmp.width = out_width;
    tmp.rgb.resize(static_cast<size_t>(tmp.height) * out_width * 3);
    horizontal(image.rgb.data(), image.width, row0, tmp.height, hc, tmp.rgb.data());
    src = &tmp;
    src_row0 = row0;
  }
  if (!need_v) return need_h ? tmp : image;

  ImageU8 out;
  out.height = out_height;
  out.width = src->width;
  out.rgb.resize(static_cast<size_t>(out_height) * out.width * 3);
  vertical(src->rgb.data(), src->width, src_row0, vc, out.rgb.data());
  return out;
}

}  // namespace edgevl::vision
