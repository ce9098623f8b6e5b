// Host side of one ViT run: bucket choice, zero padding, the VisionRoPE tables and the block-diagonal attention mask
// fed to the graph built by build_vit_graph() (vit_graph.h).
#pragma once

#include <cstdint>
#include <vector>

#include "edgevl/vision/vision_rope.h"
#include "edgevl/vision/vit_config.h"

namespace edgevl::vision {

/// Additive mask value for "may not attend". Finite so that no arithmetic produces NaN; exp(x + kMaskedOut - max)
/// underflows to exactly 0 in float32 (and to -inf/0 after float16 rounding, still without NaN since every row keeps
/// at least one unmasked entry).
inline constexpr float kVitMaskedOut = -1e9f;

/// Smallest bucket >= num_patches. `buckets` need not be sorted.
/// Throws edgevl::Error kInvalidArgument if num_patches < 1, kUnsupported naming the largest bucket if none is big enough.
int64_t choose_vit_bucket(int64_t num_patches, const std::vector<int64_t>& buckets);

/// Default bucket ladder for images of at most `max_pixels` pixels (smart_resize output, patch 14, merge 2): powers of
/// two from 256 patches upward, capped by and ending with the largest patch count such an image can have
/// (floor(max_pixels / 196) rounded down to a multiple of 4). E.g. max_pixels = 1024·28·28 → {256, 512, 1024, 2048, 4096}.
/// Throws edgevl::Error kInvalidArgument if max_pixels < 4·14·14.
std::vector<int64_t> default_vit_buckets(int64_t max_pixels, int patch_size = 14, int spatial_merge_size = 2);

/// Additive attention mask [rows, rows] (row-major) for segments of the given lengths laid out back to back: entry
/// (i, j) is 0 when i and j are in the same segment, kVitMaskedOut otherwise. Rows past the segments (bucket padding)
/// attend only to themselves, so padded rows never influence valid rows and still get a well-defined softmax.
/// This is the reference's cu_seqlens restriction (one segment per image and per temporal frame).
/// Throws edgevl::Error kInvalidArgument if a segment length is < 1 or the segments exceed `rows`.
std::vector<float> vit_attention_mask(const std::vector<int64_t>& segment_lengths, int64_t rows);

/// Everything one ViT graph run needs, padded to the bucket.
struct VitInputs {
  std::vector<float> pixel_values;  ///< [bucket, patch_dim]; rows >= num_patches are zero
  std::vector<float> rope_cos;      ///< [bucket, head_dim]
  std::vector<float> rope_sin;      ///< [bucket, head_dim]
  std::vector<float> attn_mask;     ///< [bucket, bucket] additive
  int64_t bucket = 0;               ///< padded row count P of the graph
  int64_t num_patches = 0;          ///< valid rows N; the graph's first N/4 output rows are the image tokens
};

/// Builds the inputs for running the images `grids` (their pixel rows concatenated in `pixel_values`, [num_patches,
/// patch_dim]) through the ViT graph of `bucket` patches. One segment per image and temporal frame. After the run the
/// host keeps the first num_patches/4 rows of "image_embeds" (padded rows are dropped, valid rows are exact).
/// Throws edgevl::Error kInvalidArgument if pixel_values is null, num_patches != Σ t·gh·gw, a grid is invalid or `grids`
/// is empty; kShapeMismatch if bucket < num_patches or bucket is not a multiple of 4.
VitInputs make_vit_inputs(const float* pixel_values, int64_t num_patches, const std::vector<GridTHW>& grids,
                          int64_t bucket, const VitConfig& config);

}  // namespace edgevl::vision
