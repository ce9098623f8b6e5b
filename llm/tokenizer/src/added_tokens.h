// Splitting added/special token strings out of text (internal), like HF tokenizers' AddedVocabulary:
// leftmost match, longest token first among matches at the same position.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgevl/llm/tokenizer.h"

namespace edgevl::llm::detail {

/// True when [begin, end) shares a byte with one of `ranges` (empty ranges share none).
bool overlaps_any(size_t begin, size_t end, const std::vector<TextRange>& ranges);

class AddedTokenMatcher {
 public:
  /// A segment of text: either a run of ordinary text (id < 0) or one added token (its id).
  struct Segment {
    std::string_view text;
    int32_t id;
  };

  void add(std::string content, int32_t id, bool special);  ///< empty contents are ignored
  /// Segments of `text` in order. A special token whose match overlaps a `literal` range is not taken (the next
  /// longest token at that position may be; else the byte stays ordinary text). Throws edgevl::Error
  /// kInvalidArgument for a range outside `text` or with begin > end.
  std::vector<Segment> split(std::string_view text, const std::vector<TextRange>& literal) const;
  bool empty() const { return count_ == 0; }

 private:
  struct Entry {
    std::string content;
    int32_t id;
    bool special;
  };
  std::array<std::vector<Entry>, 256> by_first_byte_;  // each list sorted longest first
  size_t count_ = 0;
};

}  // namespace edgevl::llm::detail
