#include "edgevl/llm/llm_config.h"

#include <string>

#include "edgevl/error.h"

namespace edgevl::llm {

namespace {
void require_positive(int value, const char* field) {
  if (value < 1)
    throw Error(ErrorCode::kInvalidArgument, std::string("LlmConfig.") + field + " must be >= 1, got " + std::to_string(value));
}
}  // namespace

void LlmConfig::validate() const {
  require_positive(hidden, "hidden");
  require_positive(intermediate, "intermediate");
  require_positive(num_layers, "num_layers");
  require_positive(num_heads, "num_heads");
  require_positive(num_kv_heads, "num_kv_heads");
  require_positive(head_dim, "head_dim");
  require_positive(vocab_size, "vocab_size");
  if (num_heads % num_kv_heads != 0)
    throw Error(ErrorCode::kInvalidArgument, "LlmConfig.num_heads " + std::to_string(num_heads) +
                                                 " is not a multiple of num_kv_heads " + std::to_string(num_kv_heads));
  if (head_dim % 2 != 0)
    throw Error(ErrorCode::kInvalidArgument, "LlmConfig.head_dim must be even, got " + std::to_string(head_dim));
  if (mrope_section[0] < 0 || mrope_section[1] < 0 || mrope_section[2] < 0 ||
      mrope_section[0] + mrope_section[1] + mrope_section[2] != head_dim / 2)
    throw Error(ErrorCode::kInvalidArgument,
                "LlmConfig.mrope_section [" + std::to_string(mrope_section[0]) + ", " + std::to_string(mrope_section[1]) +
                    ", " + std::to_string(mrope_section[2]) + "] must be non-negative and sum to head_dim/2 = " +
                    std::to_string(head_dim / 2));
  if (!(rms_eps > 0.0f)) throw Error(ErrorCode::kInvalidArgument, "LlmConfig.rms_eps must be > 0");
  if (!(rope_theta > 1.0f)) throw Error(ErrorCode::kInvalidArgument, "LlmConfig.rope_theta must be > 1");
}

}  // namespace edgevl::llm
