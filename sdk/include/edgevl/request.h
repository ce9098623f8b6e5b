// What a Session::generate() call is asked: one user turn (text + images) or a list of chat messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/image.h"

namespace edgevl {

enum class Role { kSystem, kUser, kAssistant };

/// One chat message. Rendered with Qwen2-VL's chat template: `<|im_start|>{role}\n`, then one
/// `<|vision_start|><|image_pad|>…<|vision_end|>` block per image (in order, images before the text, as the template
/// renders a content list [image…, text]), then the text and `<|im_end|>\n`.
struct Message {
  Role role = Role::kUser;
  std::string text;
  std::vector<Image> images;  ///< only for user messages
  /// Assistant messages only: when non-empty, these exact token ids (e.g. a previous Result::token_ids) are used instead
  /// of tokenizing `text`, so a conversation restored from its results has exactly the tokens it had when it was
  /// generated (re-tokenizing decoded text may split it differently).
  std::vector<int32_t> token_ids;
};

/// A request: either `messages` (appended to the session's conversation; a system message may only come first in a
/// new conversation, and the last message must be a user message), or — when `messages` is empty — one user message
/// made of `images` then `text`. Images may be any number (0, 1, 2 …); each costs t·gh·gw/4 tokens of the context
/// (grid from smart_resize of its size). Throws edgevl::Error kInvalidArgument for an empty request (no text, no
/// image), a non-empty `text`/`images` together with `messages`, messages in an order the template cannot render, or
/// (with parse_special_tokens) a typed "<|image_pad|>" that makes the image placeholders outnumber the images.
struct Request {
  std::string text;
  std::vector<Image> images;
  std::vector<Message> messages;
  /// Whether special-token strings in the text of the messages (every role, and `text`) become control tokens:
  /// true = as Hugging Face tokenizers do by default (a typed "<|im_end|>" ends the turn, a typed "<|image_pad|>" is
  /// an image placeholder, and then must be matched by an image); false (default) = they are tokenized as ordinary
  /// text, as HF does with split_special_tokens = true, so user text cannot forge turns of the conversation or image
  /// slots. The chat template's own markup (role headers, "<|im_start|>"/"<|im_end|>", image blocks) is always
  /// special. A prompt without special-token strings gives the same ids either way. (Non-special added tokens such as
  /// Qwen's "<tool_call>" are tokens either way, as in HF.)
  bool parse_special_tokens = false;

  /// Convenience: one user turn with a question about zero or more image files.
  static Request user(std::string text, const std::vector<std::string>& image_paths = {});
};

}  // namespace edgevl
