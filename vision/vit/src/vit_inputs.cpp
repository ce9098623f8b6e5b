#include "edgevl/vision/vit_inputs.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "edgevl/error.h"

namespace edgevl::vision {

int64_t choose_vit_bucket(int64_t num_patches, const std::vector<int64_t>& buckets) {
  if (num_patches < 1)
    throw Error(ErrorCode::kInvalidArgument, "num_patches must be >= 1, got " + std::to_string(num_patches));
  int64_t best = std::numeric_limits<int64_t>::max(), largest = 0;
  for (int64_t b : buckets) {
    largest = std::max(largest, b);
    if (b >= num_patches) best = std::min(best, b);
  }
  if (best == std::numeric_limits<int64_t>::max())
    throw Error(ErrorCode::kUnsupported, "image has " + std::to_string(num_patches) +
                                             " patches but the largest compiled ViT bucket holds " +
                                             std::to_string(largest) + " (recompile with a larger max_pixels)");
  return best;
}

std::vector<int64_t> default_vit_buckets(int64_t max_pixels, int patch_size, int spatial_merge_size) {
  if (patch_size < 1 || spatial_merge_size < 1)
    throw Error(ErrorCode::kInvalidArgument, "default_vit_buckets: patch_size and spatial_merge_size must be >= 1");
  const int64_t per_patch = int64_t(patch_size) * patch_size;
  const int64_t cell = int64_t(spatial_merge_size) * spatial_merge_size;
  if (max_pixels < cell * per_patch)
    throw Error(ErrorCode::kInvalidArgument,
                "max_pixels " + std::to_string(max_pixels) + " is smaller than one merge cell (" +
                    std::to_string(cell * per_patch) + " pixels)");
  const int64_t cap = (max_pixels / per_patch) / cell * cell;
  std::vector<int64_t> buckets;
  for (int64_t b = 256; b < cap; b *= 2) buckets.push_back(b);
  buckets.push_back(cap);
  return buckets;
}

std::vector<float> vit_attention_mask(const std::vector<int64_t>& segment_lengths, int64_t rows) {
  if (rows < 1) throw Error(ErrorCode::kInvalidArgument, "ViT mask rows must be >= 1, got " + std::to_string(rows));
  int64_t total = 0;
  for (int64_t len : segment_lengths) {
    if (len < 1)
      throw Error(ErrorCode::kInvalidArgument, "ViT mask segment length must be >= 1, got " + std::to_string(len));
    total += len;
    if (total > rows)
      throw Error(ErrorCode::kInvalidArgument, "ViT mask segments exceed rows " + std::to_string(rows));
  }
  std::vector<float> mask(static_cast<size_t>(rows * rows), kVitMaskedOut);
  int64_t start = 0;
  for (int64_t len : segment_lengths) {
    for (int64_t i = start; i < start + len; ++i)
      std::fill(mask.begin() + i * rows + start, mask.begin() + i * rows + start + len, 0.0f);
    start += len;
  }
  for (int64_t i = total; i < rows; ++i) mask[static_cast<size_t>(i * rows + i)] = 0.0f;
  return mask;
}

VitInputs make_vit_inputs(const float* pixel_values, int64_t num_patches, const std::vector<GridTHW>& grids,
                          int64_t bucket, const VitConfig& config) {
  config.validate();
  if (grids.empty()) throw Error(ErrorCode::kInvalidArgument, "make_vit_inputs: no grid_thw given");
  if (!pixel_values) throw Error(ErrorCode::kInvalidArgument, "make_vit_inputs: pixel_values is null");
  std::vector<int64_t> segments;
  int64_t total = 0;
  for (const auto& g : grids) {
    if (g[0] < 1 || g[1] < 1 || g[2] < 1)
      throw Error(ErrorCode::kInvalidArgument, "make_vit_inputs: grid_thw entries must be >= 1");
    for (int64_t t = 0; t < g[0]; ++t) segments.push_back(g[1] * g[2]);
    total += g[0] * g[1] * g[2];
  }
  if (total != num_patches)
    throw Error(ErrorCode::kInvalidArgument, "pixel_values has " + std::to_string(num_patches) +
                                                 " rows but grid_thw describes " + std::to_string(total) + " patches");
  if (bucket < num_patches || bucket % config.merge_rows() != 0)
    throw Error(ErrorCode::kShapeMismatch, "ViT bucket " + std::to_string(bucket) + " cannot hold " +
                                               std::to_string(num_patches) + " patches (needs >= and a multiple of " +
                                               std::to_string(config.merge_rows()) + ")");
  VitInputs in;
  in.bucket = bucket;
  in.num_patches = num_patches;
  const int64_t dim = config.patch_dim();
  in.pixel_values.assign(static_cast<size_t>(bucket * dim), 0.0f);
  std::memcpy(in.pixel_values.data(), pixel_values, static_cast<size_t>(num_patches * dim) * sizeof(float));
  VisionRopeTables rope = vision_rope_tables(grids, config.head_dim(), bucket);
  in.rope_cos = std::move(rope.cos);
  in.rope_sin = std::move(rope.sin);
  in.attn_mask = vit_attention_mask(segments, bucket);
  return in;
}

}  // namespace edgevl::vision
