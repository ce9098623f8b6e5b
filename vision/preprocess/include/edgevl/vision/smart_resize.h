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

/// An upper bound on h*w (pixels) of every size smart_resize returns for an accepted image (aspect ratio <= 200), tight
/// to one `factor` step of the long side when the clamp term dominates (min_pixels well below max_pixels, as in every
/// Qwen2-VL config); the largest of
///   - max_pixels (step 3 without its max(f, ...) clamp, and step 2 when no resize is needed);
///   - f * floor(sqrt(200 * max_pixels) / f) * f: step 3 when the short side is clamped to f, which happens for extreme
///     aspect ratios (e.g. 28x5600 at max_pixels 31360 -> 28x2492) and exceeds max_pixels;
///   - f^2 * floor(m + sqrt(m/200) + sqrt(200 m) + 1), m = min_pixels / f^2: step 4's two ceilings, (a+1)(b+1).
/// The ViT bucket set must reach this many pixels / patch_size^2 patches, or such images could not be run at all.
/// Throws edgevl::Error(kInvalidArgument) for factor < 1 or min_pixels > max_pixels.
int64_t max_resized_pixels(int factor, int64_t min_pixels, int64_t max_pixels);

}  // namespace edgevl::vision
