// Hyper-parameters of the Qwen2-VL vision tower (ViT + PatchMerger), as plain numbers so that vision/ does not depend on
// the checkpoint/config parsing in models/.
#pragma once

#include <cstdint>

namespace edgevl::vision {

/// Qwen2-VL `vision_config`. head_dim = embed_dim / num_heads must be a multiple of 4 (VisionRoPE splits it into a row
/// half and a column half, each rotated with rotate-half).
struct VitConfig {
  int depth = 32;                ///< number of transformer blocks
  int embed_dim = 1280;          ///< ViT width
  int num_heads = 16;            ///< attention heads (head_dim = embed_dim / num_heads)
  int mlp_hidden = 5120;         ///< fc1 width (embed_dim * mlp_ratio)
  int in_channels = 3;
  int patch_size = 14;
  int temporal_patch_size = 2;
  int spatial_merge_size = 2;    ///< the merger fuses merge*merge consecutive rows; only 2 is supported
  int out_hidden = 1536;         ///< merger output width (= the text model's hidden size)
  float ln_eps = 1e-6f;          ///< LayerNorm epsilon (blocks and merger)

  int head_dim() const { return embed_dim / num_heads; }
  /// Columns of one pixel_values row: in_channels * temporal_patch_size * patch_size^2 (1176 for Qwen2-VL).
  int64_t patch_dim() const { return int64_t(in_channels) * temporal_patch_size * patch_size * patch_size; }
  /// Rows fused by the merger into one output token (4).
  int merge_rows() const { return spatial_merge_size * spatial_merge_size; }

  /// Throws edgevl::Error kInvalidArgument naming the field when a value is non-positive or inconsistent
  /// (embed_dim not divisible by num_heads, head_dim not a multiple of 4, spatial_merge_size != 2).
  void validate() const;

  /// Qwen2-VL-2B-Instruct's vision tower (spec section 1): depth 32, width 1280, 16 heads, MLP 5120, output 1536.
  static VitConfig qwen2vl_2b() { return VitConfig{}; }
};

}  // namespace edgevl::vision
