// Session: one conversation with a Model.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "edgevl/generation.h"
#include "edgevl/model.h"
#include "edgevl/request.h"

namespace edgevl {

/// One conversation: owns its KV cache [layers][kv_heads, context_length, head_dim] and M-RoPE position state. A later
/// generate() continues the conversation: the new turn is rendered with the chat template as the continuation of what
/// the session holds, and only its NEW tokens are prefilled (earlier turns stay in the KV cache). The cache keeps the
/// generated tokens exactly as generated (with a stop string, the text after it too).
///
/// Thread safety: generate() / reset() from one thread at a time; cancel() from any thread. Sessions are independent;
/// many may share one Model.
class Session {
 public:
  explicit Session(Model model);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Runs one turn: decodes the images and sizes them with smart_resize, checks that the prompt fits (cached tokens +
  /// new prompt tokens + 1 ≤ context length, else edgevl::Error kContextOverflow BEFORE any resize or graph work,
  /// message giving the counts), resizes + patchifies and runs the ViT per image, prefills the new tokens in chunks,
  /// then decodes token by token, streaming text to `on_token`. The image placeholder token (<|image_pad|>) is never
  /// sampled (its logit is masked): in the history it would be taken for an image on the next turn. Stops at eos, max_new_tokens, a full context, a stop string, `on_token` returning false, or cancel().
  /// Throws edgevl::Error: kInvalidArgument (empty request, bad config value), kNotFound / kCorruptFile (image files),
  /// kContextOverflow. After any error the conversation is as before the call (the session stays usable).
  Result generate(const Request& request, const GenerationConfig& config = {}, const TokenCallback& on_token = {});

  /// Asks the generate() running on another thread to stop: it checks between prefill chunks and before every decode
  /// step, and returns normally with StopReason::kCancelled. Cancelled while decoding: the text generated so far is
  /// kept and stays in the conversation. Cancelled during the prefill: no token was generated and the conversation is
  /// as before the call (its KV cache is rebuilt by the next generate()). No effect when no generate() runs.
  void cancel();

  /// Forgets the conversation (empty KV cache, positions from 0).
  void reset();

  /// Token ids of the conversation so far (prompts with expanded image pads + generated tokens).
  const std::vector<int32_t>& token_ids() const;
  /// Tokens held in the KV cache (the last generated token is only cached when the next turn starts).
  int64_t cached_tokens() const;
  const Model& model() const;

  struct State;  ///< internal

 private:
  std::unique_ptr<State> state_;
  std::atomic<bool> cancel_requested_{false};
};

}  // namespace edgevl
