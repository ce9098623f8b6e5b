// Qwen2-VL image preprocessing: RGB8 image -> pixel_values + grid_thw, as Hugging Face's (slow, PIL) Qwen2VLImageProcessor.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocessor_config.h"

namespace edgevl::vision {

/// The vision tower's input for one still image.
struct PixelValues {
  std::vector<float> data;       ///< [num_patches, patch_dim], row-major
  int64_t num_patches = 0;       ///< grid_thw[0] * grid_thw[1] * grid_thw[2]
  int64_t patch_dim = 0;         ///< 3 * temporal_patch_size * patch_size^2 = 1176
  std::array<int64_t, 3> grid_thw{0, 0, 0};  ///< {1, h/patch_size, w/patch_size} (image_grid_thw row)
};

/// Full pipeline: smart_resize (do_resize) -> resize_bicubic -> normalize_and_patchify.
/// Throws edgevl::Error(kInvalidArgument) from smart_resize (aspect > 200) or for an empty image.
PixelValues preprocess(const ImageU8& image, const PreprocessorConfig& config);

/// Rescale, normalize and patchify an image that already has its final size (both sides multiples of
/// patch_size * merge_size). Per value: x = float32(u8 * rescale_factor) [float64 product], then (x - mean_c) / std_c in
/// float32. The image is repeated temporal_patch_size times (grid_t = 1). With gh = h/p, gw = w/p, m = merge_size:
/// row r = ((bh*(gw/m) + bw)*m + mh)*m + mw for patch (py, px) = (m*bh + mh, m*bw + mw) (every m*m consecutive rows are
/// one merge cell, raster order), column k = ((c*T + t)*p + i)*p + j holding channel c of pixel (p*py + i, p*px + j).
/// Throws kInvalidArgument if a side is not a multiple of patch_size * merge_size.
PixelValues normalize_and_patchify(const ImageU8& resized, const PreprocessorConfig& config);

}  // namespace edgevl::vision
