#include "edgevl/llm/decoder_step.h"

#include <cstring>
#include <string>
#include <utility>

#include "edgevl/error.h"
#include "edgevl/llm/attention_mask.h"
#include "edgevl/qnn/layers.h"

namespace edgevl::llm {

void run_decoder_step(qnn::Executable& exe, const LlmConfig& config, const float* embeds,
                      const std::vector<MropePosition>& positions, KvCache& cache, float* logits) {
  const qnn::Graph& g = exe.graph();
  const qnn::TensorId embeds_id = g.find("embeds");
  if (embeds_id == qnn::kNoTensor || g.tensor(embeds_id).shape.size() != 2 ||
      g.tensor(embeds_id).shape[1] != config.hidden)
    throw Error(ErrorCode::kShapeMismatch, "decoder graph '" + g.name() + "' has no input \"embeds\" [C, " +
                                               std::to_string(config.hidden) + "]");
  const int64_t C = g.tensor(embeds_id).shape[0], H = config.hidden, ctx = cache.context_length();
  const int64_t n_valid = static_cast<int64_t>(positions.size());
  if (n_valid < 1 || n_valid > C)
    throw Error(ErrorCode::kInvalidArgument, "decoder step: " + std::to_string(n_valid) +
                                                 " tokens do not fit graph '" + g.name() + "' of " + std::to_string(C) +
                                                 " rows");
  if (!embeds || !logits) throw Error(ErrorCode::kInvalidArgument, "decoder step: null embeds or logits");
  if (cache.num_layers() != config.num_layers || cache.num_kv_heads() != config.num_kv_heads ||
      cache.head_dim() != config.head_dim)
    throw Error(ErrorCode::kShapeMismatch, "decoder step: KV cache dimensions differ from the LLM config");

  std::vector<float> x(static_cast<size_t>(C * H), 0.0f);
  std::memcpy(x.data(), embeds, sizeof(float) * static_cast<size_t>(n_valid * H));
  const MropeTables rope = mrope_cos_sin(positions, config, C);
  // A graph built for quantized attention takes a keep mask (1 attend / 0 masked) instead of the additive one.
  const bool keep = g.find(qnn::kKeepMaskInput) != qnn::kNoTensor;
  std::vector<float> mask = llm_attention_mask(cache.length(), n_valid, C, ctx);
  if (keep) qnn::additive_mask_to_keep(mask);
  const std::vector<int64_t> past_shape = cache.buffer_shape(), new_shape{config.num_kv_heads, C, config.head_dim};
  const size_t kv_bytes = qnn::tensor_nbytes(new_shape, cache.dtype());
  std::vector<uint8_t> new_kv(2 * static_cast<size_t>(config.num_layers) * kv_bytes);

  using qnn::DType;
  std::vector<std::pair<std::string, qnn::ConstTensorView>> in{
      {"embeds", {x.data(), {C, H}, DType::kFloat32}},
      {"rope_cos", {rope.cos.data(), {C, config.head_dim}, DType::kFloat32}},
      {"rope_sin", {rope.sin.data(), {C, config.head_dim}, DType::kFloat32}},
      {keep ? qnn::kKeepMaskInput : "attn_mask", {mask.data(), {C, ctx + C}, DType::kFloat32}}};
  std::vector<std::pair<std::string, qnn::MutableTensorView>> out{
      {"logits", {logits, {C, config.vocab_size}, DType::kFloat32}}};
  for (int l = 0; l < config.num_layers; ++l) {
    const std::string s = std::to_string(l);
    uint8_t* k = new_kv.data() + (2 * static_cast<size_t>(l)) * kv_bytes;
    in.push_back({"past_key_" + s, {cache.key(l), past_shape, cache.dtype()}});
    in.push_back({"past_value_" + s, {cache.value(l), past_shape, cache.dtype()}});
    out.push_back({"new_key_" + s, {k, new_shape, cache.dtype()}});
    out.push_back({"new_value_" + s, {k + kv_bytes, new_shape, cache.dtype()}});
  }
  exe.run(in, out);
  for (int l = 0; l < config.num_layers; ++l) {
    const uint8_t* k = new_kv.data() + (2 * static_cast<size_t>(l)) * kv_bytes;
    cache.write(l, k, k + kv_bytes, C, n_valid);
  }
  cache.commit(n_valid);
}

}  // namespace edgevl::llm
