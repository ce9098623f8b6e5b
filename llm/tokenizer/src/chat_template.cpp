#include "edgevl/llm/chat_template.h"

#include "added_tokens.h"
#include "edgevl/error.h"

namespace edgevl::llm {
namespace {

void render_message(const ChatMessage& m, size_t index, RenderedChat& rendered) {
  std::string& out = rendered.text;
  if (m.role != "system" && m.role != "user" && m.role != "assistant")
    throw Error(ErrorCode::kInvalidArgument, "chat message " + std::to_string(index) + " has role '" + m.role +
                                                 "' (expected system, user or assistant)");
  out += kImStart;
  out += m.role;
  out += '\n';
  for (const auto& part : m.content) {
    if (part.kind == ContentPart::Kind::kImage) {
      out += kVisionStart;
      out += kImagePad;
      out += kVisionEnd;
    } else {
      if (!part.text.empty()) rendered.content.push_back({out.size(), out.size() + part.text.size()});
      out += part.text;
    }
  }
  out += kImEnd;
  out += '\n';
}

// Renders messages[begin, end) as part of the whole conversation (the default system block belongs to message 0).
void render_range(const std::vector<ChatMessage>& messages, size_t begin, size_t end, RenderedChat& out) {
  for (size_t i = begin; i < end; ++i) {
    if (i == 0 && messages[0].role != "system") {
      out.text += kImStart;
      out.text += "system\n";
      out.text += kDefaultSystemPrompt;
      out.text += kImEnd;
      out.text += '\n';
    }
    render_message(messages[i], i, out);
  }
}

// Position of the first image placeholder at or after `from`: a "<|image_pad|>" that overlaps no `literal` range.
size_t next_pad(std::string_view text, const std::vector<TextRange>& literal, size_t from) {
  for (size_t p = text.find(kImagePad, from); p != std::string_view::npos; p = text.find(kImagePad, p + 1))
    if (!detail::overlaps_any(p, p + kImagePad.size(), literal)) return p;
  return std::string_view::npos;
}

}  // namespace

std::string render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  return render_chat_parts(messages, 0, add_generation_prompt).text;
}

std::string render_chat_continuation(const std::vector<ChatMessage>& messages, size_t num_previous,
                                     bool add_generation_prompt) {
  return render_chat_parts(messages, num_previous, add_generation_prompt).text;
}

RenderedChat render_chat_parts(const std::vector<ChatMessage>& messages, size_t num_previous,
                               bool add_generation_prompt) {
  if (num_previous > messages.size())
    throw Error(ErrorCode::kInvalidArgument, "render_chat_continuation: num_previous " + std::to_string(num_previous) +
                                                 " exceeds the " + std::to_string(messages.size()) + " messages");
  for (size_t i = 0; i < num_previous; ++i) {  // validate roles of the part not rendered
    const auto& r = messages[i].role;
    if (r != "system" && r != "user" && r != "assistant")
      throw Error(ErrorCode::kInvalidArgument,
                  "chat message " + std::to_string(i) + " has role '" + r + "' (expected system, user or assistant)");
  }
  RenderedChat out;
  render_range(messages, num_previous, messages.size(), out);
  if (add_generation_prompt) {
    out.text += kImStart;
    out.text += "assistant\n";
  }
  return out;
}

size_t count_image_pads(std::string_view text) {
  size_t n = 0;
  for (size_t p = next_pad(text, {}, 0); p != std::string_view::npos; p = next_pad(text, {}, p + kImagePad.size())) ++n;
  return n;
}

std::string expand_image_pads(std::string_view text, const std::vector<int64_t>& tokens_per_image) {
  return expand_image_pads(RenderedChat{std::string(text), {}}, tokens_per_image).text;
}

RenderedChat expand_image_pads(const RenderedChat& chat, const std::vector<int64_t>& tokens_per_image) {
  const std::string_view text = chat.text;
  std::vector<size_t> pads;
  for (size_t p = next_pad(text, chat.content, 0); p != std::string_view::npos;
       p = next_pad(text, chat.content, p + kImagePad.size()))
    pads.push_back(p);
  if (pads.size() != tokens_per_image.size())
    throw Error(ErrorCode::kInvalidArgument, "expand_image_pads: the text has " + std::to_string(pads.size()) + " " +
                                                 std::string(kImagePad) + " but " +
                                                 std::to_string(tokens_per_image.size()) + " images were given");
  RenderedChat out;
  size_t pos = 0;
  for (size_t i = 0; i < pads.size(); ++i) {
    const int64_t n = tokens_per_image[i];
    if (n < 1)
      throw Error(ErrorCode::kInvalidArgument,
                  "expand_image_pads: image " + std::to_string(i) + " has " + std::to_string(n) + " tokens (must be >= 1)");
    out.text.append(text.substr(pos, pads[i] - pos));
    for (int64_t k = 0; k < n; ++k) out.text.append(kImagePad);
    pos = pads[i] + kImagePad.size();
  }
  out.text.append(text.substr(pos));
  for (const TextRange& r : chat.content) {  // a range lies wholly before or after each placeholder
    size_t shift = 0;
    for (size_t i = 0; i < pads.size() && pads[i] < r.begin; ++i)
      shift += static_cast<size_t>(tokens_per_image[i] - 1) * kImagePad.size();
    out.content.push_back({r.begin + shift, r.end + shift});
  }
  return out;
}

}  // namespace edgevl::llm
