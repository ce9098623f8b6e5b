#include "edgevl/llm/streaming_detokenizer.h"

#include "utf8.h"

namespace edgevl::llm {

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_(skip_special_tokens) {}

std::string StreamingDetokenizer::push(int32_t id) {
  const std::string bytes = tokenizer_.token_bytes(id, skip_special_, at_start_);
  if (bytes.empty()) return {};
  at_start_ = false;
  pending_ += bytes;
  std::string out;
  const size_t used = detail::utf8_append_lossy(pending_, out, /*final=*/false);
  pending_.erase(0, used);
  return out;
}

std::string StreamingDetokenizer::flush() {
  std::string out;
  detail::utf8_append_lossy(pending_, out, /*final=*/true);
  reset();
  return out;
}

void StreamingDetokenizer::reset() {
  pending_.clear();
  at_start_ = true;
}

}  // namespace edgevl::llm
