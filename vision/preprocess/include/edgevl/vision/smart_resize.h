// Qwen2-VL's smart_resize: the target size of an image before patchifying.
#pragma once

#include <cstdint>

#include "edgevl/vision/preprocessor_config.h"

namespace edgevl::vision {

/// Smallest accepted image side in pixels (the first transformers rule for tiny inputs).
inline constexpr int kMinImageSide = 10;

struct ResizedSize {
  int height = 0;
  int width = 0;
};

/// The size (multiples of `factor`) HF's `smart_resize(height, width, factor, min_pixels, max_pixels)` returns, computed
/// in float64 with Python's round-half-to-even:
///   1. max(H,W)/min(H,W) > 200 -> error;
///   2. h = round(H/f)*f, w = round(W/f)*f;
///   3. if h*w > max_pixels: b = sqrt(H*W/max_pixels), h = max(f, floor(H/b/f)*f), w likewise;
///   4. else if h*w < min_pixels: b = sqrt(min_pixels/(H*W)), h = ceil(H*b/f)*f, w likewise.
/// Tiny inputs: transformers versions differ (first H or W < 10 was an error, later < 28, the newest has no check and
/// would blow a 1x1 image up to 56x56). EdgeVL follows the first rule: a side below kMinImageSide (10) is an error, because
/// such an input is almost always a broken file and no version agrees on it. Example: 480x640 (HxW) -> 476x644.
/// Throws edgevl::Error(kInvalidArgument) with the numbers in the message when H or W < kMinImageSide, the aspect ratio exceeds 200,
/// factor < 1, or the result would exceed kMaxImageSide.
ResizedSize smart_resize(int64_t height, int64_t width, int factor, int64_t min_pixels, int64_t max_pixels);

/// smart_resize with factor, min_pixels and max_pixels taken from `config`.
ResizedSize smart_resize(int64_t height, int64_t width, const PreprocessorConfig& config);

}  // namespace edgevl::vision
