#include "edgevl/vision/vision_rope.h"

#include <cmath>
#include <string>

#include "edgevl/error.h"

namespace edgevl::vision {

namespace {
void check_grid(const GridTHW& g) {
  if (g[0] < 1 || g[1] < 1 || g[2] < 1 || g[1] % 2 != 0 || g[2] % 2 != 0)
    throw Error(ErrorCode::kInvalidArgument, "grid_thw [" + std::to_string(g[0]) + ", " + std::to_string(g[1]) + ", " +
                                                 std::to_string(g[2]) +
                                                 "] is invalid: all >= 1 and h, w even (multiples of the merge size 2)");
}
}  // namespace

std::vector<std::array<int64_t, 2>> vision_patch_coords(const GridTHW& grid) {
  check_grid(grid);
  const int64_t t = grid[0], gh = grid[1], gw = grid[2];
  std::vector<std::array<int64_t, 2>> coords;
  coords.reserve(static_cast<size_t>(t * gh * gw));
  for (int64_t ti = 0; ti < t; ++ti)
    for (int64_t bh = 0; bh < gh / 2; ++bh)
      for (int64_t bw = 0; bw < gw / 2; ++bw)
        for (int64_t mh = 0; mh < 2; ++mh)
          for (int64_t mw = 0; mw < 2; ++mw) coords.push_back({2 * bh + mh, 2 * bw + mw});
  return coords;
}

VisionRopeTables vision_rope_tables(const std::vector<GridTHW>& grids, int64_t head_dim, int64_t rows) {
  if (head_dim < 4 || head_dim % 4 != 0)
    throw Error(ErrorCode::kInvalidArgument,
                "VisionRoPE head_dim must be a positive multiple of 4, got " + std::to_string(head_dim));
  int64_t total = 0;
  for (const auto& g : grids) {
    check_grid(g);
    total += g[0] * g[1] * g[2];
  }
  if (rows == 0) rows = total;
  if (rows < total)
    throw Error(ErrorCode::kInvalidArgument, "VisionRoPE rows " + std::to_string(rows) + " < patch count " +
                                                 std::to_string(total));
  // Reference (float32): inv_freq = 1 / 10000^(arange(0, R, 2) / R) with R = head_dim / 2.
  const int64_t rot = head_dim / 2, nfreq = rot / 2;
  std::vector<float> inv(static_cast<size_t>(nfreq));
  for (int64_t k = 0; k < nfreq; ++k)
    inv[k] = 1.0f / std::pow(10000.0f, static_cast<float>(2 * k) / static_cast<float>(rot));

  VisionRopeTables out;
  out.rows = rows;
  out.head_dim = head_dim;
  out.cos.assign(static_cast<size_t>(rows * head_dim), 1.0f);
  out.sin.assign(static_cast<size_t>(rows * head_dim), 0.0f);
  int64_t r = 0;
  for (const auto& g : grids) {
    for (const auto& pc : vision_patch_coords(g)) {
      float* c = out.cos.data() + r * head_dim;
      float* s = out.sin.data() + r * head_dim;
      for (int64_t axis = 0; axis < 2; ++axis)
        for (int64_t k = 0; k < nfreq; ++k) {
          const float angle = static_cast<float>(pc[axis]) * inv[k];
          const int64_t col = axis * nfreq + k;  // emb = concat(a, a)
          c[col] = c[col + rot] = std::cos(angle);
          s[col] = s[col + rot] = std::sin(angle);
        }
      ++r;
    }
  }
  return out;
}

}  // namespace edgevl::vision
