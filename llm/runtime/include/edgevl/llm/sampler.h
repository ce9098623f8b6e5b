// Token sampler with the semantics of Hugging Face generate()'s logits processors, applied in HF's order:
// RepetitionPenaltyLogitsProcessor, then (when sampling) TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper,
// then a draw from softmax(logits). Removed tokens get -infinity, as HF's filter_value. apply_min_new_tokens (HF's
// MinNewTokensLengthLogitsProcessor) needs the count of new tokens, so the caller applies it before sample().
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace edgevl::llm {

struct SamplerConfig {
  float temperature = 1.0f;         ///< > 0 samples; <= 0 = greedy argmax (HF do_sample=False)
  int top_k = 0;                    ///< 0 = off; 1 = greedy
  float top_p = 1.0f;               ///< (0, 1]; 1 = off
  float repetition_penalty = 1.0f;  ///< > 0; 1 = off
  uint64_t seed = 0;
};

/// HF RepetitionPenaltyLogitsProcessor: for every DISTINCT id in `history` (ids outside [0, vocab) are ignored), a
/// logit < 0 is multiplied by `penalty`, otherwise divided by it. logits: [vocab].
void apply_repetition_penalty(std::vector<float>& logits, const std::vector<int32_t>& history, float penalty);

/// HF MinNewTokensLengthLogitsProcessor: while `generated` (new tokens so far) < `min_new_tokens`, the logits of
/// `eos_ids` become -inf (ids outside [0, vocab) are ignored). min_new_tokens <= generated: no change.
void apply_min_new_tokens(std::vector<float>& logits, const std::vector<int32_t>& eos_ids, int64_t generated,
                          int64_t min_new_tokens);

/// HF TemperatureLogitsWarper: logits /= temperature (temperature > 0).
void apply_temperature(std::vector<float>& logits, float temperature);

/// HF TopKLogitsWarper: k = min(k, vocab); every logit strictly below the k-th largest becomes -inf (ties with the k-th
/// are kept). k <= 0: no change.
void apply_top_k(std::vector<float>& logits, int k);

/// HF TopPLogitsWarper: sort ascending, cumulative softmax probabilities; tokens whose ascending cumulative probability
/// is <= 1 - top_p are removed (-inf), the most likely token is always kept. top_p >= 1: no change.
void apply_top_p(std::vector<float>& logits, float top_p);

/// Index of the largest logit (the first one on ties, as torch.argmax).
int32_t argmax(const std::vector<float>& logits);

/// Throws edgevl::Error kInvalidArgument naming the field if a value is out of range (temperature NaN or < 0,
/// top_k < 0, top_p not in (0, 1], repetition_penalty not > 0).
void validate(const SamplerConfig& config);

class Sampler {
 public:
  /// Validates the config (see validate()).
  explicit Sampler(const SamplerConfig& config);

  /// Picks the next token from `logits` [vocab] (modified in place by the processors); `history` = every token of the
  /// conversation so far (prompt and generated), for the repetition penalty. Greedy (temperature <= 0 or top_k == 1):
  /// argmax after the penalty. Otherwise one uniform draw u in [0, 1) from a 64-bit Mersenne Twister seeded with
  /// `seed`, inverted on the cumulative distribution (reproducible across platforms for the same seed).
  /// Throws edgevl::Error kInvalidArgument if logits is empty.
  int32_t sample(std::vector<float>& logits, const std::vector<int32_t>& history);

  bool greedy() const;
  const SamplerConfig& config() const { return config_; }

 private:
  SamplerConfig config_;
  std::mt19937_64 rng_;
};

}  // namespace edgevl::llm
