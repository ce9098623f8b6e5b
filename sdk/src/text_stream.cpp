#include "text_stream.h"

#include <algorithm>

namespace edgevl::detail {

TextStream::TextStream(const std::vector<std::string>& stop_strings, const TokenCallback* on_token)
    : on_token_(on_token && *on_token ? on_token : nullptr) {
  for (const auto& s : stop_strings)
    if (!s.empty()) stops_.push_back(s);
}

bool TextStream::emit(size_t end) {
  if (end <= streamed_) return true;
  const std::string_view piece(text_.data() + streamed_, end - streamed_);
  streamed_ = end;
  if (on_token_ && !(*on_token_)(piece)) {
    callback_stopped_ = true;
    return false;
  }
  return true;
}

size_t TextStream::holdback() const {
  size_t best = 0;
  for (const auto& s : stops_) {
    const size_t max_k = std::min(s.size() - 1, text_.size());
    for (size_t k = max_k; k > best; --k) {
      if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
        best = k;
        break;
      }
    }
  }
  return best;
}

bool TextStream::add(std::string_view piece) {
  if (stop_hit_ || callback_stopped_) return false;
  const size_t old_size = text_.size();
  text_.append(piece);
  // Earliest stop string occurrence that ends in the new text.
  size_t cut = std::string::npos;
  for (const auto& s : stops_) {
    const size_t from = old_size >= s.size() - 1 ? old_size - (s.size() - 1) : 0;
    const size_t pos = text_.find(s, from);
    if (pos != std::string::npos) cut = std::min(cut, pos);
  }
  if (cut != std::string::npos) {
    text_.resize(cut);
    stop_hit_ = true;
    emit(cut);
    return false;
  }
  return emit(text_.size() - holdback());
}

bool TextStream::finish() {
  if (callback_stopped_) return false;
  return emit(text_.size());
}

}  // namespace edgevl::detail
