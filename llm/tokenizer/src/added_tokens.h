// Splitting added/special token strings out of text (internal), like HF tokenizers' AddedVocabulary:
// leftmost match, longest token first among matches at the same position.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgevl::llm::detail {

class AddedTokenMatcher {
 public:
  /// A segment of text: either a run of ordinary text (id < 0) or one added token (its id).
  struct Segment {
    std::string_view text;
    int32_t id;
  };

  void add(std::string content, int32_t id);  ///< empty contents are ignored
  std::vector<Segment> split(std::string_view text) const;
  bool empty() const { return count_ == 0; }

 private:
  struct Entry {
    std::string content;
    int32_t id;
  };
  std::array<std::vector<Entry>, 256> by_first_byte_;  // each list sorted longest first
  size_t count_ = 0;
};

}  // namespace edgevl::llm::detail
