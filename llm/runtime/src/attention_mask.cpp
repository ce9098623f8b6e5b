#include "edgevl/llm/attention_mask.h"

#include <algorithm>
#include <string>

#include "edgevl/error.h"

namespace edgevl::llm {

std::vector<float> llm_attention_mask(int64_t past_length, int64_t n_valid, int64_t chunk, int64_t context_length) {
  if (chunk < 1 || n_valid < 1 || n_valid > chunk || past_length < 0 || context_length < 1)
    throw Error(ErrorCode::kInvalidArgument, "attention mask: need chunk >= 1, 1 <= n_valid <= chunk, past >= 0 (got chunk " +
                                                 std::to_string(chunk) + ", n_valid " + std::to_string(n_valid) +
                                                 ", past " + std::to_string(past_length) + ")");
  if (past_length + n_valid > context_length)
    throw Error(ErrorCode::kContextOverflow, "attention mask: " + std::to_string(past_length) + " cached + " +
                                                 std::to_string(n_valid) + " new tokens exceed the context length " +
                                                 std::to_string(context_length));
  const int64_t cols = context_length + chunk;
  std::vector<float> mask(static_cast<size_t>(chunk * cols), kLlmMaskedOut);
  for (int64_t i = 0; i < chunk; ++i) {
    float* row = mask.data() + i * cols;
    std::fill(row, row + past_length, 0.0f);
    std::fill(row + context_length, row + context_length + i + 1, 0.0f);
  }
  return mask;
}

}  // namespace edgevl::llm
