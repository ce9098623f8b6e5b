#include "prompt_fitter.h"

namespace edgevl::bench {
namespace {

int64_t prefill_tokens_of(Session& session, const std::string& text) {
  session.reset();
  const Result r = session.generate(bare_request(text), exact_greedy(1));
  session.reset();
  return r.stats.prefill_tokens;
}

}  // namespace

std::string repeat_word(const std::string& word, int64_t count) {
  std::string s;
  for (int64_t i = 0; i < count; ++i) {
    if (i) s += ' ';
    s += word;
  }
  return s;
}

Request bare_request(const std::string& text) {
  Request r;
  r.messages.resize(2);
  r.messages[0].role = Role::kSystem;
  r.messages[1].role = Role::kUser;
  r.messages[1].text = text;
  return r;
}

GenerationConfig exact_greedy(int new_tokens) {
  GenerationConfig c;
  c.max_new_tokens = new_tokens;
  c.min_new_tokens = new_tokens;
  c.temperature = 0.0f;
  c.top_k = 0;
  c.top_p = 1.0f;
  c.repetition_penalty = 1.0f;
  c.seed = 0;
  return c;
}

PromptFitter::PromptFitter(Session& session) {
  for (const char* word : {"the", "a", "hello", "image", "x"}) {
    const int64_t one = prefill_tokens_of(session, word);
    const int64_t two = prefill_tokens_of(session, repeat_word(word, 2));
    const int64_t three = prefill_tokens_of(session, repeat_word(word, 3));
    if (two - one == 1 && three - two == 1) {
      word_ = word;
      base_tokens_ = one;
      return;
    }
  }
  throw Error(ErrorCode::kUnsupported, "model " + session.model().info().path +
                                           ": no probe word adds one token per repetition, so a prompt of an exact "
                                           "token count cannot be built");
}

Request PromptFitter::request_for(int64_t tokens) const {
  if (tokens < base_tokens_)
    throw Error(ErrorCode::kInvalidArgument, "prompt of " + std::to_string(tokens) + " tokens: the shortest prompt of "
                                             "this model is " + std::to_string(base_tokens_) +
                                             " tokens (the chat template around one word)");
  return bare_request(repeat_word(word_, tokens - base_tokens_ + 1));
}

}  // namespace edgevl::bench
