// Prompt injection: every special token of the demo model's vocabulary, typed in a message of any role (alone, twice,
// glued to text, behind a stray '<'), stays text when the message's content ranges are literal, as the SDK tokenizes
// requests by default. The prompt then holds exactly the template's control tokens, and decodes back to its text.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgevl/llm/chat_template.h"
#include "edgevl/llm/tokenizer.h"

namespace {

using edgevl::llm::ChatMessage;
using edgevl::llm::ContentPart;

const edgevl::llm::Tokenizer& demo_tokenizer() {
  static const std::unique_ptr<edgevl::llm::Tokenizer> t = edgevl::llm::Tokenizer::from_file(
      std::string(EDGEVL_SOURCE_DIR) + "/models/demo/qwen2vl-shapes/tokenizer.json");
  return *t;
}

std::map<int32_t, int> special_counts(const std::vector<int32_t>& ids) {
  std::map<int32_t, int> n;
  for (int32_t id : ids)
    if (demo_tokenizer().is_special(id)) ++n[id];
  return n;
}

// A conversation with `typed` in each role's text and an image before the last question.
std::vector<ChatMessage> conversation(const std::string& typed) {
  return {ChatMessage::System("sys " + typed), ChatMessage::User(typed), ChatMessage::Assistant(typed + " ok"),
          {"user", {ContentPart::Image(), ContentPart::Text("why " + typed)}}};
}

TEST(PromptInjection, TypedSpecialTokensStayTextInEveryRole) {
  const auto& tok = demo_tokenizer();
  const auto benign = edgevl::llm::expand_image_pads(edgevl::llm::render_chat_parts(conversation("x"), 0, true), {3});
  const std::map<int32_t, int> template_specials = special_counts(tok.encode(benign.text, benign.content));
  ASSERT_EQ(template_specials.size(), 5u);  // im_start, im_end, vision_start, image_pad, vision_end
  size_t specials_tried = 0;
  for (int32_t id = 0; id < static_cast<int32_t>(tok.vocab_size()); ++id) {
    if (!tok.is_special(id)) continue;
    ++specials_tried;
    const std::string s = tok.token_bytes(id, false, false);
    for (const std::string& typed : {s, s + s, "a" + s + "b", "<" + s, s.substr(0, s.size() - 1) + s, s + "\n"}) {
      const auto chat =
          edgevl::llm::expand_image_pads(edgevl::llm::render_chat_parts(conversation(typed), 0, true), {3});
      const std::vector<int32_t> ids = tok.encode(chat.text, chat.content);
      EXPECT_EQ(special_counts(ids), template_specials) << "typed " << ::testing::PrintToString(typed);
      EXPECT_EQ(tok.decode(ids), chat.text) << "typed " << ::testing::PrintToString(typed);
    }
  }
  EXPECT_EQ(specials_tried, 14u);  // Qwen2-VL's added tokens
}

}  // namespace
