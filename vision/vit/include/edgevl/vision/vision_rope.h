// VisionRoPE of the Qwen2-VL ViT (2-D rotary embedding over patch rows and columns), computed on the host from the real
// grid and fed to the ViT graph as the inputs "rope_cos" / "rope_sin".
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace edgevl::vision {

/// One image's (or video's) patch grid as in image_grid_thw: {t, gh, gw} in patches (t = temporal groups, 1 for a still
/// image). gh and gw must be even (multiples of spatial_merge_size = 2).
using GridTHW = std::array<int64_t, 3>;

/// Patch coordinates (py, px) of every row of pixel_values for `grid`, in the processor's row order (spec section 3):
/// row r = ((bh*(gw/2)+bw)*2+mh)*2+mw is patch (2bh+mh, 2bw+mw); the t frames repeat the same h*w pattern.
/// Returns [t*gh*gw] pairs. Throws edgevl::Error kInvalidArgument if a dimension is < 1 or gh/gw is odd.
std::vector<std::array<int64_t, 2>> vision_patch_coords(const GridTHW& grid);

/// cos/sin tables of VisionRoPE, each [rows, head_dim] row-major float32.
struct VisionRopeTables {
  std::vector<float> cos, sin;
  int64_t rows = 0, head_dim = 0;
};

/// VisionRoPE for the concatenation of `grids` (spec section 4, generalised to any head_dim multiple of 4):
/// rotary dim R = head_dim/2, K = R/2 frequencies θ_k = 1/10000^(2k/R) (float32), k < K; per patch the angles are
/// a = [py·θ_0..θ_{K-1}, px·θ_0..θ_{K-1}] (R values) and emb = concat(a, a) (head_dim values); returns cos(emb), sin(emb).
/// For head_dim 80 this is the reference's rotary dim 40 with 20 frequencies. Rows beyond the grids' patches up to
/// `rows` (bucket padding) get angle 0 (cos 1, sin 0). rows = 0 means exactly the patch count.
/// Throws edgevl::Error kInvalidArgument if head_dim is not a positive multiple of 4, a grid is invalid, or rows is
/// smaller than the patch count.
VisionRopeTables vision_rope_tables(const std::vector<GridTHW>& grids, int64_t head_dim, int64_t rows = 0);

}  // namespace edgevl::vision
