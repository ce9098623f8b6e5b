// The image-processor settings of a Qwen2-VL model directory (Hugging Face `preprocessor_config.json`).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace edgevl::vision {

/// Settings of Qwen2VLImageProcessor. A default-constructed config holds the values of Qwen2-VL-2B-Instruct's published
/// preprocessor_config.json (min_pixels 3136, max_pixels 12845056, CLIP mean/std, bicubic).
struct PreprocessorConfig {
  int64_t min_pixels = 3136;      ///< smart_resize lower bound on h*w (pixels)
  int64_t max_pixels = 12845056;  ///< smart_resize upper bound on h*w (pixels)
  int patch_size = 14;            ///< ViT patch side (pixels)
  int temporal_patch_size = 2;    ///< frames per patch; a still image is repeated this many times
  int merge_size = 2;             ///< spatial merge (patches per side of one merged token)
  std::array<float, 3> image_mean{0.48145466f, 0.4578275f, 0.40821073f};  ///< per channel R, G, B (after rescale)
  std::array<float, 3> image_std{0.26862954f, 0.26130258f, 0.27577711f};
  double rescale_factor = 1.0 / 255.0;  ///< u8 -> float scale, applied in float64 then rounded to float32
  bool do_resize = true;
  bool do_rescale = true;
  bool do_normalize = true;

  /// Side multiple of the resized image: patch_size * merge_size (28).
  int factor() const { return patch_size * merge_size; }
  /// Width of one pixel_values row: 3 * temporal_patch_size * patch_size^2 (1176).
  int64_t patch_dim() const { return int64_t{3} * temporal_patch_size * patch_size * patch_size; }
};

/// Parses the text of a HF preprocessor_config.json. Keys read: min_pixels, max_pixels, `size: {shortest_edge,
/// longest_edge}` (newer spelling; min_pixels/max_pixels win when both are present, as in HF), patch_size,
/// temporal_patch_size, merge_size, image_mean, image_std, rescale_factor, do_resize, do_rescale, do_normalize,
/// resample (must be 3 = bicubic). Other keys are ignored. A key that is absent takes the Qwen2VLImageProcessor CLASS
/// default, exactly as HF does — note min/max pixels then become 3136 / 1003520 (56*56, 28*28*1280), not the values
/// of a default-constructed PreprocessorConfig.
/// Throws edgevl::Error naming `source_name`: kCorruptFile (not JSON, wrong value types), kInvalidArgument (values out
/// of range, e.g. patch_size <= 0, min_pixels > max_pixels, std == 0), kUnsupported (resample other than bicubic).
PreprocessorConfig parse_preprocessor_config(const std::string& json_text, const std::string& source_name);

/// Reads and parses a preprocessor_config.json file. Throws kNotFound if it is missing, otherwise as above.
PreprocessorConfig load_preprocessor_config(const std::string& path);

/// Checks the image processor's patch geometry against the vision tower's (config.json vision_config, or a bundle's
/// manifest): patch_size, temporal_patch_size and merge_size must be equal, or the pixel_values rows
/// `[num_patches, 3 * temporal_patch_size * patch_size^2]` would not be the rows the ViT reads (HF reads both files
/// and trusts them to agree; EdgeVL refuses a mismatch). Throws edgevl::Error kInvalidArgument naming
/// `source_name`, the key and both values.
void check_matches_vision(const PreprocessorConfig& pre, int vit_patch_size, int vit_temporal_patch_size,
                          int vit_merge_size, const std::string& source_name);

}  // namespace edgevl::vision
