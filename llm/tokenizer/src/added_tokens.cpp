#include "added_tokens.h"

#include <algorithm>

#include "edgevl/error.h"

namespace edgevl::llm::detail {
bool overlaps_any(size_t begin, size_t end, const std::vector<TextRange>& ranges) {
  for (const auto& r : ranges)
    if (r.begin < end && begin < r.end) return true;
  return false;
}

void AddedTokenMatcher::add(std::string content, int32_t id, bool special) {
  if (content.empty()) return;
  auto& list = by_first_byte_[static_cast<unsigned char>(content[0])];
  for (auto& e : list) {
    if (e.content == content) {
      e.id = id;
      e.special = special;
      return;
    }
  }
  list.push_back({std::move(content), id, special});
  std::stable_sort(list.begin(), list.end(),
                   [](const Entry& a, const Entry& b) { return a.content.size() > b.content.size(); });
  ++count_;
}

std::vector<AddedTokenMatcher::Segment> AddedTokenMatcher::split(std::string_view text,
                                                                 const std::vector<TextRange>& literal) const {
  for (size_t k = 0; k < literal.size(); ++k)
    if (literal[k].begin > literal[k].end || literal[k].end > text.size())
      throw Error(ErrorCode::kInvalidArgument, "Tokenizer::encode: literal range " + std::to_string(k) + " [" +
                                                   std::to_string(literal[k].begin) + ", " +
                                                   std::to_string(literal[k].end) + ") is not within the " +
                                                   std::to_string(text.size()) + "-byte text");
  std::vector<Segment> out;
  size_t plain_start = 0, i = 0;
  while (i < text.size()) {
    const Entry* hit = nullptr;
    if (count_ != 0) {
      for (const auto& e : by_first_byte_[static_cast<unsigned char>(text[i])]) {
        if (text.compare(i, e.content.size(), e.content) == 0 &&
            !(e.special && overlaps_any(i, i + e.content.size(), literal))) {
          hit = &e;
          break;
        }
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > plain_start) out.push_back({text.substr(plain_start, i - plain_start), -1});
    out.push_back({text.substr(i, hit->content.size()), hit->id});
    i += hit->content.size();
    plain_start = i;
  }
  if (plain_start < text.size()) out.push_back({text.substr(plain_start), -1});
  return out;
}

}  // namespace edgevl::llm::detail
