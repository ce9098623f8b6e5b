#include "edgevl/llm/chat_template.h"

#include "edgevl/error.h"

namespace edgevl::llm {
namespace {

void render_message(const ChatMessage& m, size_t index, std::string& out) {
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
      out += part.text;
    }
  }
  out += kImEnd;
  out += '\n';
}

// Renders messages[begin, end) as part of the whole conversation (the default system block belongs to message 0).
std::string render_range(const std::vector<ChatMessage>& messages, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i == 0 && messages[0].role != "system") {
      out += kImStart;
      out += "system\n";
      out += kDefaultSystemPrompt;
      out += kImEnd;
      out += '\n';
    }
    render_message(messages[i], i, out);
  }
  return out;
}

}  // namespace

std::string render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  return render_chat_continuation(messages, 0, add_generation_prompt);
}

std::string render_chat_continuation(const std::vector<ChatMessage>& messages, size_t num_previous,
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
  std::string out = render_range(messages, num_previous, messages.size());
  if (add_generation_prompt) {
    out += kImStart;
    out += "assistant\n";
  }
  return out;
}

size_t count_image_pads(std::string_view text) {
  size_t n = 0;
  for (size_t p = text.find(kImagePad); p != std::string_view::npos; p = text.find(kImagePad, p + kImagePad.size())) ++n;
  return n;
}

std::string expand_image_pads(std::string_view text, const std::vector<int64_t>& tokens_per_image) {
  const size_t found = count_image_pads(text);
  if (found != tokens_per_image.size())
    throw Error(ErrorCode::kInvalidArgument, "expand_image_pads: the text has " + std::to_string(found) + " " +
                                                 std::string(kImagePad) + " but " +
                                                 std::to_string(tokens_per_image.size()) + " images were given");
  std::string out;
  size_t pos = 0, i = 0;
  for (size_t p = text.find(kImagePad); p != std::string_view::npos; p = text.find(kImagePad, pos), ++i) {
    const int64_t n = tokens_per_image[i];
    if (n < 1)
      throw Error(ErrorCode::kInvalidArgument,
                  "expand_image_pads: image " + std::to_string(i) + " has " + std::to_string(n) + " tokens (must be >= 1)");
    out.append(text.substr(pos, p - pos));
    for (int64_t k = 0; k < n; ++k) out.append(kImagePad);
    pos = p + kImagePad.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace edgevl::llm
