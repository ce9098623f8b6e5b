// Incremental detokenization for generation: feed ids one at a time, print only complete UTF-8.
#pragma once

#include <cstdint>
#include <string>

#include "edgevl/llm/tokenizer.h"

namespace edgevl::llm {

/// Turns a stream of token ids into text pieces that are always complete, valid UTF-8. Bytes of an incomplete
/// multi-byte sequence at the end are held back until the next token completes them (one emoji or CJK character
/// is often split over several byte-level BPE tokens). The concatenation of all push() results plus flush() equals
/// Tokenizer::decode(all ids, skip_special_tokens) exactly, including U+FFFD replacement of invalid bytes.
/// Keeps a reference to `tokenizer`, which must outlive it. Not thread-safe.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens = true);

  /// Adds one token; returns the newly completed text (possibly ""). Throws kInvalidArgument for an id out of range.
  std::string push(int32_t id);

  /// End of stream: returns the held-back bytes, an incomplete trailing sequence replaced with U+FFFD. Resets.
  std::string flush();

  /// Forgets held-back bytes and starts a new stream (the next token is again "at start").
  void reset();

  /// Number of bytes currently held back (0..3).
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  bool at_start_ = true;
  std::string pending_;
};

}  // namespace edgevl::llm
