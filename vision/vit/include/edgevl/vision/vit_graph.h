// The Qwen2-VL vision tower (patch embedding, VisionRoPE attention blocks, PatchMerger) as one static graph per
// patch-count bucket.
#pragma once

#include <cstdint>
#include <string>

#include "edgevl/qnn/layers.h"
#include "edgevl/vision/vit_config.h"

namespace edgevl::vision {

/// Supplies each checkpoint tensor as a graph constant (see qnn::WeightProvider). Names are the canonical ones of spec
/// section 2 with the `visual.` prefix, e.g. "visual.blocks.0.attn.qkv.weight". The shape asked for is the spec's,
/// except "visual.patch_embed.proj.weight", which is asked for as [embed_dim, patch_dim] (its [embed,3,2,14,14] bytes
/// reinterpreted row-major: the flatten order (c,τ,i,j) equals the pixel_values columns).
using WeightProvider = qnn::WeightProvider;

/// Name of the ViT graph for a bucket: "vit.p{bucket}".
std::string vit_graph_name(int64_t bucket_patches);

/// Builds the ViT graph for `bucket_patches` rows P (a positive multiple of 4), any depth.
/// Inputs (float32):  "pixel_values" [P, patch_dim], "rope_cos" / "rope_sin" [P, head_dim] (vision_rope_tables),
///                    "attn_mask" [P, P] additive (vit_attention_mask).
/// Output (float32):  "image_embeds" [P/4, out_hidden].
/// Computes (spec section 4): x = pixel_values·Wpᵀ (no bias); per block x += proj(Attn(LN1(x))),
/// x += fc2(quick_gelu(fc1(LN2(x)))) with LayerNorm eps config.ln_eps, q/k/v from one qkv linear (columns q | k | v,
/// head h = columns h·hd..h·hd+hd-1), rotate-half RoPE on q and k, softmax(q·kᵀ/√hd + mask)·v;
/// merger: LN (ln_q) → Reshape [P/4, 4·embed] → mlp.0 → exact GELU → mlp.2.
/// Linear layers are FullyConnected ops (run lower_linear_to_conv2d before compiling for the HTP).
/// Weights are requested once each from `weights` and never copied by the builder.
/// Throws edgevl::Error kInvalidArgument for a bad config or bucket; whatever the provider throws for a missing tensor.
/// `mask_mode`: kAdditive takes input "attn_mask" [P, P] (0 / -inf-like); kKeep (quantized graphs) takes "attn_keep"
/// [P, P] (1 / 0) and hides scores as qnn::masked_attention documents.
qnn::Graph build_vit_graph(const VitConfig& config, int64_t bucket_patches, const WeightProvider& weights,
                           qnn::MaskMode mask_mode = qnn::MaskMode::kAdditive);

}  // namespace edgevl::vision
