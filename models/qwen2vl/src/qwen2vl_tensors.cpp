// The canonical tensor list of a Qwen2-VL checkpoint and the two naming conventions.
#include <string>

#include "edgevl/models/qwen2vl_checkpoint.h"

namespace edgevl::models {

std::vector<ExpectedTensor> qwen2vl_expected_tensors(const Qwen2VLConfig& config, bool include_lm_head) {
  const Qwen2VLVisionConfig& v = config.vision;
  const Qwen2VLTextConfig& t = config.text;
  std::vector<ExpectedTensor> out;
  auto add = [&](std::string name, std::vector<int64_t> shape) { out.push_back({std::move(name), std::move(shape)}); };

  const int64_t e = v.embed_dim;
  const int64_t mlp = v.mlp_dim();
  const int64_t merged = v.merged_dim();
  add("visual.patch_embed.proj.weight", {e, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size});
  for (int64_t i = 0; i < v.depth; ++i) {
    const std::string b = "visual.blocks." + std::to_string(i) + ".";
    add(b + "norm1.weight", {e});
    add(b + "norm1.bias", {e});
    add(b + "attn.qkv.weight", {3 * e, e});
    add(b + "attn.qkv.bias", {3 * e});
    add(b + "attn.proj.weight", {e, e});
    add(b + "attn.proj.bias", {e});
    add(b + "norm2.weight", {e});
    add(b + "norm2.bias", {e});
    add(b + "mlp.fc1.weight", {mlp, e});
    add(b + "mlp.fc1.bias", {mlp});
    add(b + "mlp.fc2.weight", {e, mlp});
    add(b + "mlp.fc2.bias", {e});
  }
  add("visual.merger.ln_q.weight", {e});
  add("visual.merger.ln_q.bias", {e});
  add("visual.merger.mlp.0.weight", {merged, merged});
  add("visual.merger.mlp.0.bias", {merged});
  add("visual.merger.mlp.2.weight", {v.hidden_size, merged});
  add("visual.merger.mlp.2.bias", {v.hidden_size});

  const int64_t h = t.hidden_size;
  const int64_t kv = t.num_key_value_heads * t.head_dim();
  const int64_t inter = t.intermediate_size;
  add("model.embed_tokens.weight", {t.vocab_size, h});
  for (int64_t i = 0; i < t.num_hidden_layers; ++i) {
    const std::string l = "model.layers." + std::to_string(i) + ".";
    add(l + "input_layernorm.weight", {h});
    add(l + "self_attn.q_proj.weight", {h, h});
    add(l + "self_attn.q_proj.bias", {h});
    add(l + "self_attn.k_proj.weight", {kv, h});
    add(l + "self_attn.k_proj.bias", {kv});
    add(l + "self_attn.v_proj.weight", {kv, h});
    add(l + "self_attn.v_proj.bias", {kv});
    add(l + "self_attn.o_proj.weight", {h, h});
    add(l + "post_attention_layernorm.weight", {h});
    add(l + "mlp.gate_proj.weight", {inter, h});
    add(l + "mlp.up_proj.weight", {inter, h});
    add(l + "mlp.down_proj.weight", {h, inter});
  }
  add("model.norm.weight", {h});
  if (include_lm_head) add("lm_head.weight", {t.vocab_size, h});
  return out;
}

std::string qwen2vl_tensor_name(const std::string& canonical, TensorNaming naming) {
  if (naming == TensorNaming::kLegacy) return canonical;
  auto starts = [&](const char* p) { return canonical.rfind(p, 0) == 0; };
  if (starts("visual.")) return "model." + canonical;
  if (starts("model.")) return "model.language_model." + canonical.substr(6);
  return canonical;  // lm_head.*
}

}  // namespace edgevl::models
