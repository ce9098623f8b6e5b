#include "edgevl/vision/vit_graph.h"

#include <cmath>
#include <optional>
#include <string>

#include "edgevl/error.h"

namespace edgevl::vision {

namespace {

using qnn::GraphBuilder;
using qnn::TensorId;

struct BlockInputs {
  TensorId rope_cos, rope_sin, attn_mask, attn_scale, quick_gelu_alpha;
  qnn::MaskMode mask_mode = qnn::MaskMode::kAdditive;
};

TensorId layer_norm(GraphBuilder& b, const WeightProvider& w, TensorId x, const std::string& prefix, int64_t width,
                    float eps) {
  const TensorId gamma = qnn::require_weight(b, w, prefix + ".weight", {width});
  const TensorId beta = qnn::require_weight(b, w, prefix + ".bias", {width});
  return b.layer_norm(x, gamma, beta, eps, prefix);
}

// x + proj(Attn(LN1(x))): bidirectional attention restricted by the additive segment mask.
TensorId attention(GraphBuilder& b, const VitConfig& c, const WeightProvider& w, TensorId x, const std::string& p,
                   const BlockInputs& in) {
  const int64_t rows = b.shape(x)[0], E = c.embed_dim, H = c.num_heads, hd = c.head_dim();
  const TensorId h = layer_norm(b, w, x, p + "norm1", E, c.ln_eps);
  const TensorId qkv = qnn::linear(b, w, h, p + "attn.qkv", 3 * E, true);                    // [P, 3E]
  const TensorId heads = b.transpose(b.reshape(qkv, {rows, 3, H, hd}, p + "attn.qkv_split"),  // [3, H, P, hd]
                                     {1, 2, 0, 3}, p + "attn.qkv_heads");
  auto part = [&](int64_t i, const char* tag) {
    const TensorId s = b.strided_slice(heads, {i, 0, 0, 0}, {i + 1, H, rows, hd}, {}, p + "attn." + tag + "_slice");
    return b.reshape(s, {H, rows, hd}, p + "attn." + tag);
  };
  const TensorId q = qnn::apply_rotary_half(b, part(0, "q"), in.rope_cos, in.rope_sin, p + "attn.q_rope");
  const TensorId k = qnn::apply_rotary_half(b, part(1, "k"), in.rope_cos, in.rope_sin, p + "attn.k_rope");
  const TensorId v = part(2, "v");
  const TensorId o = qnn::masked_attention(b, q, k, v, in.attn_mask, in.attn_scale, p + "attn.sdpa", in.mask_mode);  // [H, P, hd]
  const TensorId merged =
      b.reshape(b.transpose(o, {1, 0, 2}, p + "attn.heads_last"), {rows, E}, p + "attn.merged");     // [P, E]
  return b.add(x, qnn::linear(b, w, merged, p + "attn.proj", E, true), p + "attn_residual");
}

// x + fc2(quick_gelu(fc1(LN2(x)))), quick_gelu(y) = y·σ(1.702·y).
TensorId mlp(GraphBuilder& b, const VitConfig& c, const WeightProvider& w, TensorId x, const std::string& p,
             const BlockInputs& in) {
  const TensorId h = layer_norm(b, w, x, p + "norm2", c.embed_dim, c.ln_eps);
  const TensorId f = qnn::linear(b, w, h, p + "mlp.fc1", c.mlp_hidden, true);
  const TensorId gate = b.sigmoid(b.mul(f, in.quick_gelu_alpha, p + "mlp.alpha_x"), p + "mlp.sigmoid");
  const TensorId act = b.mul(f, gate, p + "mlp.quick_gelu");
  return b.add(x, qnn::linear(b, w, act, p + "mlp.fc2", c.embed_dim, true), p + "mlp_residual");
}

}  // namespace

std::string vit_graph_name(int64_t bucket_patches) { return "vit.p" + std::to_string(bucket_patches); }

qnn::Graph build_vit_graph(const VitConfig& config, int64_t bucket_patches, const WeightProvider& weights,
                           qnn::MaskMode mask_mode) {
  config.validate();
  const int64_t P = bucket_patches;
  if (P < config.merge_rows() || P % config.merge_rows() != 0)
    throw Error(ErrorCode::kInvalidArgument,
                "ViT bucket must be a positive multiple of " + std::to_string(config.merge_rows()) + ", got " +
                    std::to_string(P));
  const int64_t E = config.embed_dim, hd = config.head_dim();
  GraphBuilder b(vit_graph_name(P));
  const TensorId pixels = b.input("pixel_values", {P, config.patch_dim()});
  BlockInputs in;
  in.rope_cos = b.input("rope_cos", {P, hd});
  in.rope_sin = b.input("rope_sin", {P, hd});
  in.mask_mode = mask_mode;
  in.attn_mask = b.input(mask_mode == qnn::MaskMode::kKeep ? qnn::kKeepMaskInput : "attn_mask", {P, P});
  in.attn_scale = qnn::scalar_constant(b, "vit.attn_scale", static_cast<float>(1.0 / std::sqrt(double(hd))));
  in.quick_gelu_alpha = qnn::scalar_constant(b, "vit.quick_gelu_alpha", 1.702f);

  const TensorId wp = qnn::require_weight(b, weights, "visual.patch_embed.proj.weight", {E, config.patch_dim()});
  TensorId x = b.fully_connected(pixels, wp, std::nullopt, "visual.patch_embed");
  for (int l = 0; l < config.depth; ++l) {
    const std::string p = "visual.blocks." + std::to_string(l) + ".";
    x = attention(b, config, weights, x, p, in);
    x = mlp(b, config, weights, x, p, in);
  }
  // PatchMerger: LN, 4 consecutive rows (one 2×2 merge cell) → one row, mlp.0, exact GELU, mlp.2.
  const int64_t cell = config.merge_rows();
  TensorId m = layer_norm(b, weights, x, "visual.merger.ln_q", E, config.ln_eps);
  m = b.reshape(m, {P / cell, cell * E}, "visual.merger.cells");
  m = qnn::linear(b, weights, m, "visual.merger.mlp.0", cell * E, true);
  m = b.gelu(m, "visual.merger.gelu");
  m = qnn::linear(b, weights, m, "visual.merger.mlp.2", config.out_hidden, true);
  b.output(m, "image_embeds");
  return b.finish();
}

}  // namespace edgevl::vision
