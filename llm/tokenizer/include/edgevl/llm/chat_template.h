// The Qwen2-VL chat template (tokenizer_config.json "chat_template" of Qwen2-VL-*-Instruct), rendered in C++.
//
// Matched reference (Jinja, add_vision_id = false):
//   for each message: if it is the first and its role != "system": "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
//   "<|im_start|>" + role + "\n" + parts in order (image -> "<|vision_start|><|image_pad|><|vision_end|>", text -> text)
//   + "<|im_end|>\n"; finally, if add_generation_prompt: "<|im_start|>assistant\n".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgevl/llm/tokenizer.h"

namespace edgevl::llm {

/// One piece of a message's content, in order.
struct ContentPart {
  enum class Kind { kText, kImage };
  Kind kind = Kind::kText;
  std::string text;  ///< the text of a kText part (UTF-8); unused for kImage

  static ContentPart Text(std::string t) { return ContentPart{Kind::kText, std::move(t)}; }
  static ContentPart Image() { return ContentPart{Kind::kImage, {}}; }
};

/// One chat turn. `role` is "system", "user" or "assistant".
struct ChatMessage {
  std::string role;
  std::vector<ContentPart> content;

  static ChatMessage System(std::string text) { return {"system", {ContentPart::Text(std::move(text))}}; }
  static ChatMessage User(std::string text) { return {"user", {ContentPart::Text(std::move(text))}}; }
  static ChatMessage Assistant(std::string text) { return {"assistant", {ContentPart::Text(std::move(text))}}; }
};

/// Special-token strings of the template.
inline constexpr std::string_view kImStart = "<|im_start|>";
inline constexpr std::string_view kImEnd = "<|im_end|>";
inline constexpr std::string_view kVisionStart = "<|vision_start|>";
inline constexpr std::string_view kVisionEnd = "<|vision_end|>";
inline constexpr std::string_view kImagePad = "<|image_pad|>";
inline constexpr std::string_view kDefaultSystemPrompt = "You are a helpful assistant.";

/// A rendered conversation and where the messages' own text lies in it.
struct RenderedChat {
  std::string text;
  /// Byte ranges in `text` of the messages' kText parts (every role), in order. Everything outside them is the
  /// template's markup: role headers, "<|im_start|>"/"<|im_end|>", the default system prompt, image placeholders.
  /// Passed as the `literal` ranges of Tokenizer::encode, special-token strings typed in a message stay text.
  std::vector<TextRange> content;
};

/// The renderer: render_chat_continuation()'s text, plus the content ranges. render_chat() and
/// render_chat_continuation() return its text. Same errors as render_chat_continuation().
RenderedChat render_chat_parts(const std::vector<ChatMessage>& messages, size_t num_previous,
                               bool add_generation_prompt);

/// Renders `messages` exactly like the HF template above. Each image part gives ONE `<|image_pad|>` (expand it with
/// expand_image_pads()). Rendering messages[0..k] (add_generation_prompt = false) is always a prefix of rendering
/// messages[0..k+1]; rendering messages[0..k] with add_generation_prompt = true is a prefix of rendering
/// messages[0..k+1] when messages[k+1] is an assistant turn.
/// Throws edgevl::Error kInvalidArgument for a role other than system/user/assistant (naming the message index).
std::string render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt);

/// Text to append to a conversation whose first `num_previous` messages are already in the KV cache, i.e.
/// render_chat(messages, add_generation_prompt) minus its prefix render_chat(messages[0..num_previous), false).
/// The previous messages must end with the assistant reply whose "<|im_end|>\n" ended that turn.
/// Throws kInvalidArgument when num_previous > messages.size() or a role is invalid.
std::string render_chat_continuation(const std::vector<ChatMessage>& messages, size_t num_previous,
                                     bool add_generation_prompt);

/// Number of `<|image_pad|>` occurrences in `text`.
size_t count_image_pads(std::string_view text);

/// Replaces the i-th `<|image_pad|>` in `text` with tokens_per_image[i] copies of it (n = t*gh*gw/4, the number of
/// merged vision tokens of image i). Throws edgevl::Error kInvalidArgument when the number of pads in `text` differs
/// from tokens_per_image.size() (the message gives both counts) or a count is < 1.
std::string expand_image_pads(std::string_view text, const std::vector<int64_t>& tokens_per_image);

/// expand_image_pads() of a rendered chat where only the template's pads count: a "<|image_pad|>" overlapping a
/// `chat.content` range (typed in a message) is text, neither counted nor expanded. The content ranges are moved
/// along with the text they cover. Same errors as expand_image_pads(text, ...).
RenderedChat expand_image_pads(const RenderedChat& chat, const std::vector<int64_t>& tokens_per_image);

}  // namespace edgevl::llm
