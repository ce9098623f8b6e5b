#include "engine/config_mapping.h"

namespace edgevl::engine {

vision::VitConfig vit_config_from_info(const BundleInfo& info) {
  vision::VitConfig v;
  v.depth = info.vit_depth;
  v.embed_dim = info.vit_embed_dim;
  v.num_heads = info.vit_num_heads;
  v.mlp_hidden = info.vit_mlp_hidden;
  v.in_channels = info.vit_in_channels;
  v.patch_size = info.vit_patch_size;
  v.temporal_patch_size = info.vit_temporal_patch_size;
  v.spatial_merge_size = info.vit_spatial_merge_size;
  v.out_hidden = info.hidden;
  v.validate();
  return v;
}

llm::LlmConfig llm_config_from_info(const BundleInfo& info) {
  llm::LlmConfig c;
  c.hidden = info.hidden;
  c.intermediate = info.intermediate;
  c.num_layers = info.num_layers;
  c.num_heads = info.num_heads;
  c.num_kv_heads = info.num_kv_heads;
  c.head_dim = info.head_dim;
  c.vocab_size = info.vocab_size;
  c.rms_eps = info.rms_eps;
  c.rope_theta = info.rope_theta;
  c.mrope_section = info.mrope_section;
  c.tie_word_embeddings = info.tie_word_embeddings;
  c.validate();
  return c;
}

}  // namespace edgevl::engine
