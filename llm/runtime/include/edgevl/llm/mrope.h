// M-RoPE (multimodal rotary position embedding) of Qwen2-VL on the host: the three position ids (t, h, w) of every
// token (transformers' get_rope_index, incremental across turns) and the cos/sin tables fed to the decoder graphs.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "edgevl/llm/llm_config.h"

namespace edgevl::llm {

/// (t, h, w) position ids of one token.
using MropePosition = std::array<int64_t, 3>;

/// Position state of one conversation. Equivalent to running get_rope_index on the whole conversation so far and then
/// giving decoded tokens "cache index + rope_delta" (spec section 5):
///  - a text token gets (p, p, p) with p = next_position(), which then advances by 1;
///  - an image block of t·(gh/2)·(gw/2) consecutive image-pad ids, starting at s = next_position(), gives its token
///    (ti, r, c) (raster order) the position (s+ti, s+r, s+c), then next_position() = s + max(t, gh/2, gw/2).
class MropeState {
 public:
  /// `image_token_id`: the image-pad id (151655 for Qwen2-VL); `spatial_merge_size`: 2 for Qwen2-VL.
  explicit MropeState(int32_t image_token_id, int spatial_merge_size = 2);

  /// Positions of `n` new tokens appended to the conversation. `grids` are the {t, gh, gw} patch grids
  /// (image_grid_thw) of the image blocks among these tokens, in order; each block must lie wholly inside this call.
  /// Throws edgevl::Error kInvalidArgument if ids is null with n > 0, a grid is invalid (non-positive, gh/gw not a
  /// multiple of the merge size), a block is shorter than its grid says (run of image-pad ids interrupted or cut off),
  /// or the number of blocks differs from grids.size(). On error the state is unchanged.
  std::vector<MropePosition> append(const int32_t* ids, int64_t n, const std::vector<std::array<int64_t, 3>>& grids);

  /// Position of one decoded text token (p, p, p); advances by 1. Same as append() of one non-image id.
  MropePosition append_text_token();

  /// Next text position (0 for an empty conversation) = max of all positions so far + 1.
  int64_t next_position() const { return next_position_; }
  /// Tokens appended so far (cache length).
  int64_t num_tokens() const { return num_tokens_; }
  /// get_rope_index's rope_delta = next_position() − num_tokens() (≤ 0).
  int64_t rope_delta() const { return next_position_ - num_tokens_; }
  /// Back to an empty conversation.
  void reset() { next_position_ = 0; num_tokens_ = 0; }

 private:
  int32_t image_token_id_;
  int merge_;
  int64_t next_position_ = 0;
  int64_t num_tokens_ = 0;
};

/// cos/sin tables of M-RoPE, each [rows, head_dim] row-major float32.
struct MropeTables {
  std::vector<float> cos, sin;
  int64_t rows = 0, head_dim = 0;
};

/// M-RoPE tables for `positions` (spec section 5, generalised to any even head_dim): inv_j = 1/θ^(2j/head_dim)
/// (float32), j < head_dim/2; channel c uses m = c mod (head_dim/2) and the angle pos_axis(m)·inv_m where axis is t for
/// m < s0, h for s0 ≤ m < s0+s1, w otherwise (s = config.mrope_section). Rows from positions.size() up to `rows` (a
/// partial last chunk) get angle 0 (cos 1, sin 0). rows = 0 means positions.size().
/// Throws edgevl::Error kInvalidArgument for a config whose mrope_section does not sum to head_dim/2, or rows smaller
/// than positions.size().
MropeTables mrope_cos_sin(const std::vector<MropePosition>& positions, const LlmConfig& config, int64_t rows = 0);

}  // namespace edgevl::llm
