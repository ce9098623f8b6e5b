#include "edgevl/vision/preprocess.h"

#include <algorithm>

#include <fmt/format.h>

#include "edgevl/error.h"
#include "edgevl/vision/resize_bicubic.h"
#include "edgevl/vision/smart_resize.h"

namespace edgevl::vision {

PixelValues normalize_and_patchify(const ImageU8& resized, const PreprocessorConfig& config) {
  const int p = config.patch_size;
  const int m = config.merge_size;
  const int T = config.temporal_patch_size;
  const int f = config.factor();
  if (resized.height < 1 || resized.width < 1 ||
      resized.rgb.size() != static_cast<size_t>(resized.height) * static_cast<size_t>(resized.width) * 3) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("normalize_and_patchify: image {}x{} with {} bytes is empty or inconsistent", resized.height,
                            resized.width, resized.rgb.size()));
  }
  if (f < 1 || resized.height % f != 0 || resized.width % f != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("normalize_and_patchify: image {}x{} (HxW) sides must be multiples of patch_size*merge_size "
                            "= {}",
                            resized.height, resized.width, f));
  }

  // Per-byte lookup of the normalised value: HF rescales in float64, rounds to float32, normalises in float32.
  float table[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      float x = config.do_rescale ? static_cast<float>(v * config.rescale_factor) : static_cast<float>(v);
      if (config.do_normalize) x = (x - config.image_mean[c]) / config.image_std[c];
      table[c][v] = x;
    }
  }

  PixelValues out;
  const int gh = resized.height / p;
  const int gw = resized.width / p;
  out.grid_thw = {1, gh, gw};
  out.num_patches = static_cast<int64_t>(gh) * gw;
  out.patch_dim = config.patch_dim();
  out.data.resize(static_cast<size_t>(out.num_patches * out.patch_dim));

  const size_t row_stride = static_cast<size_t>(resized.width) * 3;
  float* dst = out.data.data();
  for (int bh = 0; bh < gh / m; ++bh) {
    for (int bw = 0; bw < gw / m; ++bw) {
      for (int mh = 0; mh < m; ++mh) {
        for (int mw = 0; mw < m; ++mw) {
          const int py = bh * m + mh;
          const int px = bw * m + mw;
          // One row: columns ((c*T + t)*p + i)*p + j; the T temporal copies are identical.
          for (int c = 0; c < 3; ++c) {
            float* plane = dst;
            for (int i = 0; i < p; ++i) {
              const uint8_t* src = resized.rgb.data() + static_cast<size_t>(py * p + i) * row_stride +
                                   static_cast<size_t>(px) * p * 3 + c;
              for (int j = 0; j < p; ++j) plane[i * p + j] = table[c][src[j * 3]];
            }
            const size_t plane_size = static_cast<size_t>(p) * p;
            for (int t = 1; t < T; ++t) std::copy(plane, plane + plane_size, plane + t * plane_size);
            dst += T * plane_size;
          }
        }
      }
    }
  }
  return out;
}

PixelValues preprocess(const ImageU8& image, const PreprocessorConfig& config) {
  if (image.height < 1 || image.width < 1) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("preprocess: image {}x{} (HxW) is empty", image.height, image.width));
  }
  if (!config.do_resize) return normalize_and_patchify(image, config);
  const ResizedSize size = smart_resize(image.height, image.width, config);
  return normalize_and_patchify(resize_bicubic(image, size.height, size.width), config);
}

}  // namespace edgevl::vision
