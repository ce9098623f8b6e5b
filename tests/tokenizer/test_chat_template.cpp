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

TEST(ChatTemplate, BadRoleIsInvalidArgument) {
  expect_error([&] { llm::render_chat({ChatMessage::User("x"), {"tool", {ContentPart::Text("y")}}}, true); },
               ErrorCode::kInvalidArgument, {"message 1"});
}

}  // namespace
}  // namespace edgevl::test
