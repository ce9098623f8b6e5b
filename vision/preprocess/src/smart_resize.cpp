#include "edgevl/vision/smart_resize.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "edgevl/error.h"
#include "edgevl/vision/image.h"

namespace edgevl::vision {
namespace {

// Python's round() on a float64: half to even (the default FE_TONEAREST mode of nearbyint).
int64_t py_round(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

}  // namespace

ResizedSize smart_resize(int64_t height, int64_t width, int factor, int64_t min_pixels, int64_t max_pixels) {
  if (height < 1 || width < 1 || height > kMaxImageSide || width > kMaxImageSide) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("smart_resize: image size {}x{} (HxW) must have both sides in [1, {}]", height, width,
                            kMaxImageSide));
  }
  if (factor < 1 || factor > kMaxImageSide || min_pixels < 0 || max_pixels < 1 || min_pixels > max_pixels ||
      min_pixels > kMaxImagePixels) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("smart_resize: invalid factor {} / min_pixels {} / max_pixels {}", factor, min_pixels,
                            max_pixels));
  }
  if (height < kMinImageSide || width < kMinImageSide) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("smart_resize: image size {}x{} (HxW) is too small: both sides must be at least {} pixels",
                            height, width, kMinImageSide));
  }
  const double H = static_cast<double>(height);
  const double W = static_cast<double>(width);
  const double f = static_cast<double>(factor);
  const double ratio = std::max(H, W) / std::min(H, W);
  if (ratio > 200.0) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("smart_resize: image {}x{} (HxW) has aspect ratio {:.6g}; Qwen2-VL accepts at most 200",
                            height, width, ratio));
  }
  int64_t h = py_round(H / f) * factor;
  int64_t w = py_round(W / f) * factor;
  if (h * w > max_pixels) {
    const double beta = std::sqrt(static_cast<double>(height * width) / static_cast<double>(max_pixels));
    h = std::max<int64_t>(factor, static_cast<int64_t>(std::floor(H / beta / f)) * factor);
    w = std::max<int64_t>(factor, static_cast<int64_t>(std::floor(W / beta / f)) * factor);
  } else if (h * w < min_pixels) {
    const double beta = std::sqrt(static_cast<double>(min_pixels) / static_cast<double>(height * width));
    h = static_cast<int64_t>(std::ceil(H * beta / f)) * factor;
    w = static_cast<int64_t>(std::ceil(W * beta / f)) * factor;
  }
  if (h > kMaxImageSide || w > kMaxImageSide) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("smart_resize: image {}x{} (HxW) would be resized to {}x{}, above the limit {} per side",
                            height, width, h, w, kMaxImageSide));
  }
  return ResizedSize{static_cast<int>(h), static_cast<int>(w)};
}

ResizedSize smart_resize(int64_t height, int64_t width, const PreprocessorConfig& config) {
  return smart_resize(height, width, config.factor(), config.min_pixels, config.max_pixels);
}

int64_t max_resized_pixels(int factor, int64_t min_pixels, int64_t max_pixels) {
  if (factor < 1 || factor > kMaxImageSide || min_pixels < 0 || max_pixels < 1 || min_pixels > max_pixels ||
      max_pixels > kMaxImagePixels) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("max_resized_pixels: invalid factor {} / min_pixels {} / max_pixels {}", factor, min_pixels,
                            max_pixels));
  }
  constexpr double kMaxRatio = 200.0;
  const double f = static_cast<double>(factor);
  const int64_t f2 = int64_t{factor} * factor;
  // The 1e-9 keeps the bound from falling one step short where float64 rounding in smart_resize lands on a boundary.
  const int64_t long_steps = static_cast<int64_t>(std::floor(std::sqrt(kMaxRatio * double(max_pixels)) / f + 1e-9));
  const double m = double(min_pixels) / double(f2);
  const int64_t min_cells = static_cast<int64_t>(std::floor(m + std::sqrt(m / kMaxRatio) + std::sqrt(kMaxRatio * m) + 1));
  return std::max({max_pixels, f2 * long_steps, f2 * min_cells});
}

}  // namespace edgevl::vision
