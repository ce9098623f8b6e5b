#include "turn_builder.h"

#include <chrono>
#include <cstdio>

#include "edgevl/error.h"
#include "edgevl/llm/chat_template.h"
#include "edgevl/llm/tokenizer.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/smart_resize.h"

namespace edgevl::detail {
namespace {

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The request as a list of messages (pointers into the request, or one synthesized user message).
std::vector<Message> request_messages(const Request& r) {
  if (r.messages.empty()) {
    if (blank(r.text) && r.images.empty())
      throw Error(ErrorCode::kInvalidArgument, "request: empty prompt (no text and no image)");
    Message m;
    m.role = Role::kUser;
    m.text = r.text;
    m.images = r.images;
    return {m};
  }
  if (!r.text.empty() || !r.images.empty())
    throw Error(ErrorCode::kInvalidArgument, "request: give either text/images or messages, not both");
  return r.messages;
}

void validate_messages(const std::vector<Message>& msgs, bool continues) {
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Message& m = msgs[i];
    const std::string where = "request message " + std::to_string(i);
    if (m.role == Role::kSystem && (continues || i != 0))
      throw Error(ErrorCode::kInvalidArgument, where + ": a system message may only start a new conversation");
    if (m.role != Role::kUser && !m.images.empty())
      throw Error(ErrorCode::kInvalidArgument, where + ": only user messages may hold images");
    if (m.role != Role::kAssistant && !m.token_ids.empty())
      throw Error(ErrorCode::kInvalidArgument, where + ": only assistant messages may hold token_ids");
    if (m.role == Role::kUser && blank(m.text) && m.images.empty())
      throw Error(ErrorCode::kInvalidArgument, where + ": empty user message (no text and no image)");
    if (i == 0 && !continues && m.role == Role::kAssistant)
      throw Error(ErrorCode::kInvalidArgument, where + ": a conversation must start with a system or user message");
    // Checked here so that the offset is one in the caller's text, not in the rendered chat template.
    if (const size_t bad = llm::first_invalid_utf8(m.text); bad != std::string::npos) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(m.text[bad])));
      throw Error(ErrorCode::kInvalidArgument,
                  where + ": invalid UTF-8 at byte " + std::to_string(bad) + " of its text (byte " + hex + ")");
    }
  }
  if (msgs.back().role != Role::kUser)
    throw Error(ErrorCode::kInvalidArgument, "request: the last message must be a user message");
}

llm::ChatMessage to_chat(const Message& m) {
  llm::ChatMessage c;
  c.role = m.role == Role::kSystem ? "system" : m.role == Role::kUser ? "user" : "assistant";
  for (size_t k = 0; k < m.images.size(); ++k) c.content.push_back(llm::ContentPart::Image());
  if (!m.text.empty() || m.images.empty()) c.content.push_back(llm::ContentPart::Text(m.text));
  return c;
}

PreparedImage prepare_image(const Model::Impl& model, const Image& image) {
  PreparedImage p;
  p.name = image.describe();
  vision::ImageU8 u8 = image.is_file() ? vision::load_image(image.path())
                                             : vision::image_from_rgb(image.rgb().data(), image.height(), image.width());
  vision::ResizedSize size;
  try {
    size = vision::smart_resize(u8.height, u8.width, model.preprocess);
  } catch (const Error& e) {  // too small, too elongated: say which image
    throw Error(e.code(), "image " + p.name + ": " + e.what());
  }
  const int64_t ps = model.preprocess.patch_size, merge = int64_t{model.preprocess.merge_size} * model.preprocess.merge_size;
  p.num_patches = (size.height / ps) * (size.width / ps);
  p.tokens = p.num_patches / merge;
  p.decoded = std::move(u8);
  const auto& buckets = model.info.vit_buckets;
  if (!buckets.empty() && p.num_patches > buckets.back())
    throw Error(ErrorCode::kUnsupported, "image " + p.name + ": " + std::to_string(p.num_patches) +
                                             " patches exceed the largest compiled ViT bucket " +
                                             std::to_string(buckets.back()));
  return p;
}

}  // namespace

vision::PixelValues pixel_values(const Model::Impl& model, const PreparedImage& image) {
  vision::PixelValues px = vision::preprocess(image.decoded, model.preprocess);
  if (px.num_patches != image.num_patches)
    throw Error(ErrorCode::kInternal, "image " + image.name + ": preprocessing gave " + std::to_string(px.num_patches) +
                                          " patches, smart_resize predicted " + std::to_string(image.num_patches));
  return px;
}

void close_assistant_turn(const Model::Impl& model, std::vector<int32_t>& ids, size_t min_size) {
  if (ids.size() > min_size && ids.back() != model.im_end_id && model.eos_ids.count(ids.back())) ids.pop_back();
  if (ids.empty() || ids.back() != model.im_end_id) ids.push_back(model.im_end_id);
}

Turn build_turn(const Model::Impl& model, const Request& request, bool continues) {
  const std::vector<Message> msgs = request_messages(request);
  validate_messages(msgs, continues);

  Turn turn;
  const auto t0 = std::chrono::steady_clock::now();
  for (const Message& m : msgs)
    for (const Image& im : m.images) turn.images.push_back(prepare_image(model, im));
  turn.preprocess_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  // Messages already rendered (contents do not matter for a continuation, only their count and the first role).
  std::vector<llm::ChatMessage> rendered;
  if (continues) rendered = {llm::ChatMessage::User(""), llm::ChatMessage::Assistant("")};
  size_t next_image = 0;
  // Message text is literal (its special-token strings stay text) unless the request parses special tokens.
  auto append_text = [&](llm::RenderedChat chat, size_t num_images) {
    std::vector<int64_t> counts;
    for (size_t k = 0; k < num_images; ++k) counts.push_back(turn.images[next_image + k].tokens);
    next_image += num_images;
    if (request.parse_special_tokens) chat.content.clear();
    llm::RenderedChat expanded;
    try {
      expanded = llm::expand_image_pads(chat, counts);
    } catch (const Error& e) {
      if (!request.parse_special_tokens) throw;
      throw Error(e.code(), std::string("request: ") + e.what() + " (Request::parse_special_tokens is set, so an " +
                                std::string(llm::kImagePad) + " typed in the text is an image placeholder; leave " +
                                "parse_special_tokens off to keep typed special tokens as text)");
    }
    const std::vector<int32_t> ids = model.tokenizer->encode(expanded.text, expanded.content);
    turn.ids.insert(turn.ids.end(), ids.begin(), ids.end());
  };
  size_t i = 0;
  while (i < msgs.size()) {
    if (msgs[i].role == Role::kAssistant && !msgs[i].token_ids.empty()) {  // exact ids of an earlier reply
      append_text({std::string(llm::kImStart) + "assistant\n", {}}, 0);
      const size_t start = turn.ids.size();
      turn.ids.insert(turn.ids.end(), msgs[i].token_ids.begin(), msgs[i].token_ids.end());
      close_assistant_turn(model, turn.ids, start);
      append_text({"\n", {}}, 0);
      rendered.push_back(llm::ChatMessage::Assistant(""));
      ++i;
      continue;
    }
    // A run of template-rendered messages.
    const size_t previous = rendered.size();
    size_t num_images = 0;
    for (; i < msgs.size() && !(msgs[i].role == Role::kAssistant && !msgs[i].token_ids.empty()); ++i) {
      rendered.push_back(to_chat(msgs[i]));
      num_images += msgs[i].images.size();
    }
    append_text(llm::render_chat_parts(rendered, previous, i == msgs.size()), num_images);
  }
  for (int32_t id : turn.ids)
    if (id < 0 || id >= model.info.vocab_size)
      throw Error(ErrorCode::kInvalidArgument, "request: token id " + std::to_string(id) + " outside the vocabulary");
  return turn;
}

}  // namespace edgevl::detail
