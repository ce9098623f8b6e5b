// The Qwen2-VL chat template rendered like HF's Jinja template (text level; ids are checked in test_qwen_chat.cpp).
#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/llm/chat_template.h"
#include "expect_error.h"

namespace edgevl::test {
namespace {

using llm::ChatMessage;
using llm::ContentPart;

TEST(ChatTemplate, OneImageAndQuestionMatchesSpecText) {
  const std::vector<ChatMessage> m = {{"user", {ContentPart::Image(), ContentPart::Text("What is this?")}}};
  EXPECT_EQ(llm::render_chat(m, true),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            "<|vision_start|><|image_pad|><|vision_end|>What is this?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(llm::render_chat(m, false),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            "<|vision_start|><|image_pad|><|vision_end|>What is this?<|im_end|>\n");
}

TEST(ChatTemplate, ExplicitSystemReplacesDefaultAndPartsKeepOrder) {
  const std::vector<ChatMessage> m = {
      ChatMessage::System("Be brief."),
      {"user", {ContentPart::Text("A: "), ContentPart::Image(), ContentPart::Text(" B: "), ContentPart::Image()}}};
  EXPECT_EQ(llm::render_chat(m, false),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nA: <|vision_start|><|image_pad|><|vision_end|>"
            " B: <|vision_start|><|image_pad|><|vision_end|><|im_end|>\n");
  EXPECT_EQ(llm::count_image_pads(llm::render_chat(m, false)), 2u);
  // A system message that is not first does not suppress the default one (HF checks loop.first only).
  const std::vector<ChatMessage> late = {ChatMessage::User("hi"), ChatMessage::System("x")};
  EXPECT_EQ(llm::render_chat(late, false).rfind("<|im_start|>system\nYou are a helpful assistant.", 0), 0u);
}

TEST(ChatTemplate, RenderingIsPrefixStableAcrossTurns) {
  std::vector<ChatMessage> m = {ChatMessage::User("one")};
  const std::string p1 = llm::render_chat(m, true);
  m.push_back(ChatMessage::Assistant("reply"));
  const std::string t1 = llm::render_chat(m, false);
  EXPECT_EQ(t1.compare(0, p1.size(), p1), 0);
  EXPECT_EQ(t1.substr(p1.size()), "reply<|im_end|>\n");
  m.push_back(ChatMessage::User("two"));
  const std::string all = llm::render_chat(m, true);
  const std::string cont = llm::render_chat_continuation(m, 2, true);
  EXPECT_EQ(cont, "<|im_start|>user\ntwo<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(t1 + cont, all);
  EXPECT_EQ(llm::render_chat_continuation(m, 0, true), all);
  EXPECT_EQ(llm::render_chat_continuation(m, 3, false), "");
  EXPECT_THROW(llm::render_chat_continuation(m, 4, true), edgevl::Error);
}

TEST(ChatTemplate, ExpandImagePads) {
  const std::string t = "a<|image_pad|>b<|image_pad|>c";
  EXPECT_EQ(llm::expand_image_pads(t, {2, 1}), "a<|image_pad|><|image_pad|>b<|image_pad|>c");
  EXPECT_EQ(llm::expand_image_pads("no images", {}), "no images");
  expect_error([&] { llm::expand_image_pads(t, {4}); }, ErrorCode::kInvalidArgument, {"has 2", "1 images"});
  EXPECT_THROW(llm::expand_image_pads(t, {1, 0}), edgevl::Error);
}

std::string at(const llm::RenderedChat& c, size_t k) {
  return c.text.substr(c.content[k].begin, c.content[k].end - c.content[k].begin);
}

TEST(ChatTemplate, ContentRangesCoverTheMessagesTextOnly) {
  const std::vector<ChatMessage> m = {
      ChatMessage::System("Be <|im_end|>"),
      {"user", {ContentPart::Text("A: "), ContentPart::Image(), ContentPart::Text(""), ContentPart::Text("B")}},
      ChatMessage::Assistant("ok")};
  const llm::RenderedChat c = llm::render_chat_parts(m, 0, true);
  EXPECT_EQ(c.text, llm::render_chat(m, true));
  ASSERT_EQ(c.content.size(), 4u);  // the empty part has no range
  EXPECT_EQ(at(c, 0), "Be <|im_end|>");
  EXPECT_EQ(at(c, 1), "A: ");
  EXPECT_EQ(at(c, 2), "B");
  EXPECT_EQ(at(c, 3), "ok");
  const llm::RenderedChat cont = llm::render_chat_parts(m, 2, false);  // offsets are into the continuation's text
  EXPECT_EQ(cont.text, llm::render_chat_continuation(m, 2, false));
  ASSERT_EQ(cont.content.size(), 1u);
  EXPECT_EQ(at(cont, 0), "ok");
  // The default system prompt is the template's, not content.
  EXPECT_EQ(at(llm::render_chat_parts({ChatMessage::User("q")}, 0, false), 0), "q");
  EXPECT_EQ(llm::render_chat_parts({ChatMessage::User("q")}, 0, false).content.size(), 1u);
}

TEST(ChatTemplate, ImagePadsTypedInContentAreNotPlaceholders) {
  const std::vector<ChatMessage> m = {
      {"user", {ContentPart::Text("x<|image_pad|>"), ContentPart::Image(), ContentPart::Text("<|image_pad|>y")}}};
  const llm::RenderedChat c = llm::render_chat_parts(m, 0, false);
  EXPECT_EQ(llm::count_image_pads(c.text), 3u);
  const llm::RenderedChat e = llm::expand_image_pads(c, {3});  // only the image part's pad counts
  EXPECT_EQ(llm::count_image_pads(e.text), 5u);
  EXPECT_NE(e.text.find("<|vision_start|><|image_pad|><|image_pad|><|image_pad|><|vision_end|>"), std::string::npos);
  ASSERT_EQ(e.content.size(), 2u);
  EXPECT_EQ(at(e, 0), "x<|image_pad|>");
  EXPECT_EQ(at(e, 1), "<|image_pad|>y");  // moved past the expanded pads
  expect_error([&] { llm::expand_image_pads(c, {}); }, ErrorCode::kInvalidArgument, {"has 1", "0 images"});
  // Without content ranges every pad is a placeholder (as expand_image_pads(text, ...)).
  expect_error([&] { llm::expand_image_pads(llm::RenderedChat{c.text, {}}, {3}); }, ErrorCode::kInvalidArgument,
               {"has 3", "1 images"});
  // A pad that only partly overlaps a range is text too.
  const llm::RenderedChat partial{"<|image_pad|>", {{12, 13}}};
  EXPECT_EQ(llm::expand_image_pads(partial, {}).text, "<|image_pad|>");
}

TEST(ChatTemplate, BadRoleIsInvalidArgument) {
  expect_error([&] { llm::render_chat({ChatMessage::User("x"), {"tool", {ContentPart::Text("y")}}}, true); },
               ErrorCode::kInvalidArgument, {"message 1"});
}

}  // namespace
}  // namespace edgevl::test
