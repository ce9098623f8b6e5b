#include "edgevl/llm/mrope.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "edgevl/error.h"

namespace edgevl::llm {

MropeState::MropeState(int32_t image_token_id, int spatial_merge_size)
    : image_token_id_(image_token_id), merge_(spatial_merge_size) {
  if (spatial_merge_size < 1)
    throw Error(ErrorCode::kInvalidArgument,
                "M-RoPE spatial_merge_size must be >= 1, got " + std::to_string(spatial_merge_size));
}

std::vector<MropePosition> MropeState::append(const int32_t* ids, int64_t n,
                                              const std::vector<std::array<int64_t, 3>>& grids) {
  if (n < 0) throw Error(ErrorCode::kInvalidArgument, "M-RoPE: token count must be >= 0");
  if (n > 0 && !ids) throw Error(ErrorCode::kInvalidArgument, "M-RoPE: ids is null");
  std::vector<MropePosition> out;
  out.reserve(static_cast<size_t>(n));
  int64_t next = next_position_;
  size_t image = 0;
  for (int64_t i = 0; i < n;) {
    if (ids[i] != image_token_id_) {
      out.push_back({next, next, next});
      ++next;
      ++i;
      continue;
    }
    if (image >= grids.size())
      throw Error(ErrorCode::kInvalidArgument, "M-RoPE: image block #" + std::to_string(image + 1) + " at token " +
                                                   std::to_string(i) + " but only " + std::to_string(grids.size()) +
                                                   " grid_thw given");
    const auto& g = grids[image];
    if (g[0] < 1 || g[1] < 1 || g[2] < 1 || g[1] % merge_ != 0 || g[2] % merge_ != 0)
      throw Error(ErrorCode::kInvalidArgument, "M-RoPE: grid_thw #" + std::to_string(image) + " [" +
                                                   std::to_string(g[0]) + ", " + std::to_string(g[1]) + ", " +
                                                   std::to_string(g[2]) + "] is invalid");
    const int64_t t = g[0], h = g[1] / merge_, w = g[2] / merge_, count = t * h * w;
    if (i + count > n || std::any_of(ids + i, ids + i + count, [&](int32_t id) { return id != image_token_id_; }))
      throw Error(ErrorCode::kInvalidArgument, "M-RoPE: image block #" + std::to_string(image) + " at token " +
                                                   std::to_string(i) + " needs " + std::to_string(count) +
                                                   " consecutive image-pad tokens for grid_thw [" + std::to_string(g[0]) +
                                                   ", " + std::to_string(g[1]) + ", " + std::to_string(g[2]) + "]");
    for (int64_t ti = 0; ti < t; ++ti)
      for (int64_t r = 0; r < h; ++r)
        for (int64_t c = 0; c < w; ++c) out.push_back({next + ti, next + r, next + c});
    next += std::max({t, h, w});
    i += count;
    ++image;
  }
  if (image != grids.size())
    throw Error(ErrorCode::kInvalidArgument, "M-RoPE: " + std::to_string(grids.size()) + " grid_thw given but " +
                                                 std::to_string(image) + " image blocks found in the tokens");
  next_position_ = next;
  num_tokens_ += n;
  return out;
}

MropePosition MropeState::append_text_token() {
  const int64_t p = next_position_++;
  ++num_tokens_;
  return {p, p, p};
}

MropeTables mrope_cos_sin(const std::vector<MropePosition>& positions, const LlmConfig& config, int64_t rows) {
  config.validate();
  const int64_t n = static_cast<int64_t>(positions.size());
  if (rows == 0) rows = n;
  if (rows < n)
    throw Error(ErrorCode::kInvalidArgument,
                "M-RoPE rows " + std::to_string(rows) + " < number of positions " + std::to_string(n));
  const int64_t hd = config.head_dim, half = hd / 2;
  // Reference (float32): inv_freq = 1 / theta^(arange(0, hd, 2) / hd); angle = float(pos) * inv_freq.
  std::vector<float> inv(static_cast<size_t>(half));
  std::vector<int> axis(static_cast<size_t>(half));
  for (int64_t j = 0; j < half; ++j) {
    inv[j] = 1.0f / std::pow(config.rope_theta, static_cast<float>(2 * j) / static_cast<float>(hd));
    axis[j] = j < config.mrope_section[0] ? 0 : (j < config.mrope_section[0] + config.mrope_section[1] ? 1 : 2);
  }
  MropeTables out;
  out.rows = rows;
  out.head_dim = hd;
  out.cos.assign(static_cast<size_t>(rows * hd), 1.0f);
  out.sin.assign(static_cast<size_t>(rows * hd), 0.0f);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < half; ++j) {
      const float angle = static_cast<float>(positions[r][axis[j]]) * inv[j];
      const float c = std::cos(angle), s = std::sin(angle);
      out.cos[r * hd + j] = out.cos[r * hd + j + half] = c;
      out.sin[r * hd + j] = out.sin[r * hd + j + half] = s;
    }
  return out;
}

}  // namespace edgevl::llm
