// Streams generated text to the user's callback while honouring stop strings: text that could be the beginning of a
// stop string is held back until it is known not to be; when a stop string appears, the text is cut before it and
// nothing from it onwards is ever streamed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "edgevl/generation.h"

namespace edgevl::detail {

class TextStream {
 public:
  /// `on_token` may be null/empty; empty stop strings are ignored.
  TextStream(const std::vector<std::string>& stop_strings, const TokenCallback* on_token);

  /// Adds decoded text (valid UTF-8). Returns false when generation must end: a stop string was found (stop_hit()) or
  /// the callback returned false (callback_stopped()).
  bool add(std::string_view piece);

  /// No more text comes: streams what was held back. Returns false if the callback returned false.
  bool finish();

  bool stop_hit() const { return stop_hit_; }
  bool callback_stopped() const { return callback_stopped_; }
  /// The generated text so far, cut before the stop string if one was found.
  const std::string& text() const { return text_; }

 private:
  bool emit(size_t end);            // streams text_[streamed_, end)
  size_t holdback() const;          // longest suffix of text_ that is a proper prefix of a stop string

  std::vector<std::string> stops_;
  const TokenCallback* on_token_;
  std::string text_;
  size_t streamed_ = 0;
  bool stop_hit_ = false;
  bool callback_stopped_ = false;
};

}  // namespace edgevl::detail
