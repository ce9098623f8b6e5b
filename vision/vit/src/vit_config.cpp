#include "edgevl/vision/vit_config.h"

#include <string>

#include "edgevl/error.h"

namespace edgevl::vision {

namespace {
void require_positive(int value, const char* field) {
  if (value < 1)
    throw Error(ErrorCode::kInvalidArgument, std::string("VitConfig.") + field + " must be >= 1, got " + std::to_string(value));
}
}  // namespace

void VitConfig::validate() const {
  require_positive(depth, "depth");
  require_positive(embed_dim, "embed_dim");
  require_positive(num_heads, "num_heads");
  require_positive(mlp_hidden, "mlp_hidden");
  require_positive(in_channels, "in_channels");
  require_positive(patch_size, "patch_size");
  require_positive(temporal_patch_size, "temporal_patch_size");
  require_positive(out_hidden, "out_hidden");
  if (spatial_merge_size != 2)
    throw Error(ErrorCode::kInvalidArgument,
                "VitConfig.spatial_merge_size must be 2, got " + std::to_string(spatial_merge_size));
  if (embed_dim % num_heads != 0)
    throw Error(ErrorCode::kInvalidArgument, "VitConfig.embed_dim " + std::to_string(embed_dim) +
                                                 " is not divisible by num_heads " + std::to_string(num_heads));
  if (head_dim() % 4 != 0)
    throw Error(ErrorCode::kInvalidArgument,
                "VitConfig head_dim " + std::to_string(head_dim()) + " must be a multiple of 4 (VisionRoPE)");
  if (!(ln_eps > 0.0f))
    throw Error(ErrorCode::kInvalidArgument, "VitConfig.ln_eps must be > 0");
}

}  // namespace edgevl::vision
