#include "edgevl/llm/llm_graph.h"

#include <cmath>
#include <optional>
#include <string>

#include "edgevl/error.h"

namespace edgevl::llm {

namespace {

using qnn::GraphBuilder;
using qnn::TensorId;

struct SharedInputs {
  TensorId rope_cos, rope_sin, attn_mask, attn_scale;
  qnn::MaskMode mask_mode = qnn::MaskMode::kAdditive;
};

TensorId rms_norm(GraphBuilder& b, const WeightProvider& w, TensorId x, const std::string& name, int64_t width,
                  float eps) {
  return b.rms_norm(x, qnn::require_weight(b, w, name + ".weight", {width}), eps, name);
}

// x [C, hidden] → heads [n, C, hd] after a linear with bias.
TensorId project_heads(GraphBuilder& b, const WeightProvider& w, TensorId x, const std::string& prefix, int64_t n,
                       int64_t hd) {
  const int64_t rows = b.shape(x)[0];
  const TensorId y = qnn::linear(b, w, x, prefix, n * hd, true);
  return b.transpose(b.reshape(y, {rows, n, hd}, prefix + ".split"), {1, 0, 2}, prefix + ".heads");
}

// x + o_proj(GQA attention over concat(past, new)) ; also declares the layer's past inputs and new K/V outputs.
TensorId attention(GraphBuilder& b, const LlmConfig& c, const WeightProvider& w, TensorId x, int l, int64_t ctx,
                   const SharedInputs& in) {
  const std::string p = "model.layers." + std::to_string(l) + ".";
  const int64_t rows = b.shape(x)[0], H = c.num_heads, KV = c.num_kv_heads, G = c.group_size(), hd = c.head_dim;
  const TensorId past_k = b.input("past_key_" + std::to_string(l), {KV, ctx, hd});
  const TensorId past_v = b.input("past_value_" + std::to_string(l), {KV, ctx, hd});

  const TensorId h = rms_norm(b, w, x, p + "input_layernorm", c.hidden, c.rms_eps);
  TensorId q = project_heads(b, w, h, p + "self_attn.q_proj", H, hd);  // [H, C, hd]
  TensorId k = project_heads(b, w, h, p + "self_attn.k_proj", KV, hd);  // [KV, C, hd]
  const TensorId v = project_heads(b, w, h, p + "self_attn.v_proj", KV, hd);
  q = qnn::apply_rotary_half(b, q, in.rope_cos, in.rope_sin, p + "self_attn.q_rope");
  k = qnn::apply_rotary_half(b, k, in.rope_cos, in.rope_sin, p + "self_attn.k_rope");

  const int64_t total = ctx + rows;
  const TensorId keys = b.concat({past_k, k}, 1, p + "self_attn.keys");     // [KV, Lctx + C, hd]
  const TensorId vals = b.concat({past_v, v}, 1, p + "self_attn.values");
  b.output(k, "new_key_" + std::to_string(l));
  b.output(v, "new_value_" + std::to_string(l));
  // GQA without copies: query heads of KV head g are h = g·G .. g·G+G-1, so [H, C, hd] = [KV, G, C, hd].
  const TensorId qg = b.reshape(q, {KV, G, rows, hd}, p + "self_attn.q_groups");
  const TensorId kg = b.reshape(keys, {KV, 1, total, hd}, p + "self_attn.k_groups");
  const TensorId vg = b.reshape(vals, {KV, 1, total, hd}, p + "self_attn.v_groups");
  const TensorId o = qnn::masked_attention(b, qg, kg, vg, in.attn_mask, in.attn_scale, p + "self_attn.sdpa", in.mask_mode);
  const TensorId heads = b.reshape(o, {H, rows, hd}, p + "self_attn.out_heads");
  const TensorId merged =
      b.reshape(b.transpose(heads, {1, 0, 2}, p + "self_attn.heads_last"), {rows, H * hd}, p + "self_attn.merged");
  return b.add(x, qnn::linear(b, w, merged, p + "self_attn.o_proj", c.hidden, false), p + "attn_residual");
}

// x + down(silu(gate(z))·up(z)), z = RMSNorm(x).
TensorId mlp(GraphBuilder& b, const LlmConfig& c, const WeightProvider& w, TensorId x, int l) {
  const std::string p = "model.layers." + std::to_string(l) + ".";
  const TensorId z = rms_norm(b, w, x, p + "post_attention_layernorm", c.hidden, c.rms_eps);
  const TensorId gate = qnn::linear(b, w, z, p + "mlp.gate_proj", c.intermediate, false);
  const TensorId up = qnn::linear(b, w, z, p + "mlp.up_proj", c.intermediate, false);
  const TensorId silu = b.mul(gate, b.sigmoid(gate, p + "mlp.gate_sigmoid"), p + "mlp.silu");
  const TensorId act = b.mul(silu, up, p + "mlp.act");
  return b.add(x, qnn::linear(b, w, act, p + "mlp.down_proj", c.hidden, false), p + "mlp_residual");
}

}  // namespace

std::string llm_prefill_graph_name(int64_t chunk) { return "llm.prefill.c" + std::to_string(chunk); }
std::string llm_decode_graph_name() { return "llm.decode"; }

qnn::Graph build_llm_graph(const LlmConfig& config, int64_t num_tokens, int64_t context_length,
                           const WeightProvider& weights, const std::string& graph_name, qnn::MaskMode mask_mode) {
  config.validate();
  if (num_tokens < 1)
    throw Error(ErrorCode::kInvalidArgument, "LLM graph num_tokens must be >= 1, got " + std::to_string(num_tokens));
  if (context_length < 1)
    throw Error(ErrorCode::kInvalidArgument,
                "LLM graph context_length must be >= 1, got " + std::to_string(context_length));
  const int64_t C = num_tokens, hd = config.head_dim;
  GraphBuilder b(graph_name);
  TensorId x = b.input("embeds", {C, config.hidden});
  SharedInputs in;
  in.rope_cos = b.input("rope_cos", {C, hd});
  in.rope_sin = b.input("rope_sin", {C, hd});
  in.mask_mode = mask_mode;
  in.attn_mask = b.input(mask_mode == qnn::MaskMode::kKeep ? qnn::kKeepMaskInput : "attn_mask", {C, context_length + C});
  in.attn_scale = qnn::scalar_constant(b, "llm.attn_scale", static_cast<float>(1.0 / std::sqrt(double(hd))));
  for (int l = 0; l < config.num_layers; ++l) {
    x = attention(b, config, weights, x, l, context_length, in);
    x = mlp(b, config, weights, x, l);
  }
  x = rms_norm(b, weights, x, "model.norm", config.hidden, config.rms_eps);
  if (config.tie_word_embeddings) {
    // x · Eᵀ as a MatMul over the embedding table itself: lower_linear_to_conv2d leaves MatMul alone, so the bundle
    // stores the table once (a FullyConnected head would get a transposed [hidden, vocab] copy).
    const TensorId table =
        qnn::require_weight(b, weights, "model.embed_tokens.weight", {config.vocab_size, config.hidden});
    b.output(b.matmul(x, table, /*transpose_a=*/false, /*transpose_b=*/true, "lm_head"), "logits");
  } else {
    const TensorId head_w = qnn::require_weight(b, weights, "lm_head.weight", {config.vocab_size, config.hidden});
    b.output(b.fully_connected(x, head_w, std::nullopt, "lm_head"), "logits");
  }
  return b.finish();
}

}  // namespace edgevl::llm
