// Generation settings and results.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgevl {

/// Sampling settings of one generate() call. An unset field (std::nullopt) takes the model's default, which comes from
/// the model's generation_config.json (see Model::generation_defaults()). The processors follow Hugging Face
/// `generate()`: repetition penalty and min_new_tokens first, then temperature, top-k, top-p, then a draw from the
/// softmax.
struct GenerationConfig {
  /// Maximum number of new tokens (≥ 1). Generation also stops when the context length is full.
  std::optional<int> max_new_tokens;
  /// Minimum number of new tokens (≥ 0; 0 = off, the model default), HF's MinNewTokensLengthLogitsProcessor: while
  /// fewer than this many tokens were generated, the logits of the model's eos token ids are -inf, so generation cannot
  /// end with eos before. max_new_tokens, a full context, a stop string, the callback and cancel() still stop it.
  std::optional<int> min_new_tokens;
  /// Softmax temperature (> 0 samples; 0 = greedy argmax, as HF's do_sample=False).
  std::optional<float> temperature;
  /// Keep only the k most likely tokens (ties with the k-th logit kept, as HF's TopKLogitsWarper); 0 = off.
  /// top_k = 1 is greedy.
  std::optional<int> top_k;
  /// Nucleus sampling (HF's TopPLogitsWarper): keep the most likely tokens whose cumulative probability reaches top_p;
  /// in (0, 1], 1 = off.
  std::optional<float> top_p;
  /// HF's RepetitionPenaltyLogitsProcessor over every token of the conversation (prompt and generated): a positive
  /// logit is divided by it, a negative one multiplied. > 0, 1 = off.
  std::optional<float> repetition_penalty;
  /// Seed of the sampler's random generator (same seed + same settings + same prompt = same text).
  std::optional<uint64_t> seed;
  /// Stop strings: generation ends as soon as the generated text contains one; the string and anything after it are
  /// excluded from Result::text and from what was streamed. Empty strings are ignored.
  std::vector<std::string> stop;

  /// This config with every unset field taken from `defaults` (stop strings: this config's if any, else the defaults').
  GenerationConfig merged_with(const GenerationConfig& defaults) const;
};

/// Receives generated text as it is produced: valid UTF-8 pieces (a piece may hold several tokens, or none is sent for
/// a token that ends inside a multi-byte character or could be the beginning of a stop string). Return false to stop
/// generation (StopReason::kCallback). Runs on the thread that called generate().
using TokenCallback = std::function<bool(std::string_view text)>;

enum class StopReason {
  kEos,          ///< the model produced an end-of-sequence token (eos ids of generation_config)
  kMaxTokens,    ///< max_new_tokens reached
  kContextFull,  ///< the context length is full
  kStopString,   ///< the text contains a stop string
  kCallback,     ///< the token callback returned false
  kCancelled,    ///< Session::cancel() was called
};
/// "eos", "max_tokens", "context_full", "stop_string", "callback", "cancelled".
const char* stop_reason_name(StopReason reason);

/// Timings of one generate() call. Milliseconds of wall time; rates in tokens per second (0 when nothing was run).
struct Stats {
  int images = 0;
  double preprocess_ms = 0;     ///< image decode + smart_resize + resize + normalize + patchify, all images
  double vit_ms = 0;            ///< vision tower (ViT graph) runs, all images
  int64_t prompt_tokens = 0;    ///< conversation length when generation started (cached + new prompt tokens)
  int64_t prefill_tokens = 0;   ///< tokens run through the prefill graph by THIS call (earlier turns are cached)
  double prefill_ms = 0;
  double prefill_tokens_per_s = 0;
  double ttft_ms = 0;           ///< from generate() entry to the first generated token (includes image work)
  int64_t decode_tokens = 0;    ///< generated tokens (including the final eos, if any)
  double decode_ms = 0;         ///< decode graph runs + sampling for tokens after the first
  double decode_tokens_per_s = 0;
  double total_ms = 0;
};

struct Result {
  std::string text;                ///< generated text (UTF-8; special tokens and ids past the tokenizer skipped; stop string excluded)
  std::vector<int32_t> token_ids;  ///< generated token ids, including an eos token that ended generation
  StopReason stop_reason = StopReason::kMaxTokens;
  Stats stats;
};

}  // namespace edgevl
