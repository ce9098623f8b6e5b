// Requests whose prefill is an exact number of tokens, found through the public API alone: an empty system message
// (so the template adds no default system prompt) and a user message of one word repeated w times; the token count
// (chat template included) is measured from Stats::prefill_tokens of short probe runs.
#pragma once

#include <cstdint>
#include <string>

#include "edgevl/edgevl.h"

namespace edgevl::bench {

class PromptFitter {
 public:
  /// Probes `session`'s model (each probe: reset(), then a 1-token greedy generate() of a 1, 2 and 3 word request) for
  /// a word that adds exactly one token per repetition. The session is left reset. Throws edgevl::Error kUnsupported
  /// when no candidate word tokenizes that way, and what Session::generate throws.
  explicit PromptFitter(Session& session);

  /// The shortest request's prefill: one word, the chat template around it.
  int64_t min_tokens() const { return base_tokens_; }

  /// A request whose prefill (in a fresh session) is `tokens` tokens. Throws edgevl::Error kInvalidArgument when
  /// tokens < min_tokens(), naming both.
  Request request_for(int64_t tokens) const;

  const std::string& word() const { return word_; }

 private:
  std::string word_;
  int64_t base_tokens_ = 0;  ///< prefill tokens of the one-word prompt
};

/// `word` repeated `count` times, separated by single spaces.
std::string repeat_word(const std::string& word, int64_t count);

/// An empty system message, then a user message `text`.
Request bare_request(const std::string& text);

/// The config every bench run uses: greedy, no repetition penalty, exactly `new_tokens` generated unless the context
/// fills (min_new_tokens = max_new_tokens = new_tokens).
GenerationConfig exact_greedy(int new_tokens);

}  // namespace edgevl::bench
