// SentencePiece .model files behind the Tokenizer interface: a tiny model trained at test time with the
// SentencePiece trainer; our ids and text must equal what libsentencepiece itself returns.
#include <gtest/gtest.h>

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>

#include "edgevl/error.h"
#include "edgevl/llm/streaming_detokenizer.h"
#include "edgevl/llm/tokenizer.h"
#include "expect_error.h"

namespace edgevl::test {
namespace {

const std::vector<std::string> kLines = {
    "The quick brown fox jumps over the lazy dog.",
    "A red square sits on a white background.",
    "What is in the picture? There is a cat on the sofa.",
    "Describe this image in one sentence, please.",
    "Hello world, hello tokenizer, hello sentencepiece.",
    "Numbers like 12, 345 and 6789 appear too.",
    "你好世界，这是一只猫。",
    "The dog and the fox are friends; the cat is not.",
};

class SentencePieceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = ::testing::TempDir() + "edgevl_sp_test";
    std::string input = dir_ + "_corpus.txt";
    {
      std::ofstream f(input);
      for (int rep = 0; rep < 20; ++rep)
        for (const auto& l : kLines) f << l << "\n";
    }
    model_ = dir_ + ".model";
    const auto status = sentencepiece::SentencePieceTrainer::Train(
        "--input=" + input + " --model_prefix=" + dir_ +
        " --vocab_size=400 --model_type=bpe --character_coverage=1.0 --byte_fallback=true --minloglevel=2");
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(sp_.Load(model_).ok());
  }
  static std::string dir_, model_;
  static sentencepiece::SentencePieceProcessor sp_;
};
std::string SentencePieceTest::dir_, SentencePieceTest::model_;
sentencepiece::SentencePieceProcessor SentencePieceTest::sp_;

TEST_F(SentencePieceTest, IdsAndTextEqualLibSentencePiece) {
  const auto tok = llm::Tokenizer::from_file(model_);  // picked by the .model extension
  EXPECT_EQ(tok->vocab_size(), static_cast<size_t>(sp_.GetPieceSize()));
  std::vector<std::string> texts = kLines;
  texts.push_back("Unseen words: zebra quokka 🦘 ümlaut");  // byte fallback for unseen characters
  texts.push_back("  two  spaces ");
  for (const auto& text : texts) {
    std::vector<int> expected;
    ASSERT_TRUE(sp_.Encode(text, &expected).ok());
    const auto ids = tok->encode(text);
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.end()), expected) << text;
    std::string sp_text;
    ASSERT_TRUE(sp_.Decode(expected, &sp_text).ok());
    EXPECT_EQ(tok->decode(ids, true), sp_text) << text;
    // Streaming gives the same text.
    llm::StreamingDetokenizer st(*tok);
    std::string streamed;
    for (int32_t id : ids) streamed += st.push(id);
    streamed += st.flush();
    EXPECT_EQ(streamed, sp_text) << text;
  }
  // Round trip of text SentencePiece reproduces exactly (single spaces, no leading/trailing space).
  EXPECT_EQ(tok->decode(tok->encode(kLines[2]), true), kLines[2]);
  EXPECT_EQ(tok->decode(tok->encode("你好世界。这是一只猫。"), true), "你好世界。这是一只猫。");
  // The model normalizes with NFKC (SentencePiece default), so a full-width comma comes back as ",".
  EXPECT_EQ(tok->decode(tok->encode("世界，猫"), true), "世界,猫");
}

TEST_F(SentencePieceTest, ControlPiecesAreSpecial) {
  const auto tok = llm::Tokenizer::from_file(model_);
  const auto bos = tok->token_to_id("<s>");
  ASSERT_TRUE(bos.has_value());
  EXPECT_EQ(*bos, sp_.bos_id());
  EXPECT_TRUE(tok->is_special(*bos));
  EXPECT_FALSE(tok->is_special(tok->encode("dog").back()));
  EXPECT_FALSE(tok->token_to_id("no-such-piece").has_value());
  const auto ids = tok->encode("<s>Hello</s>");
  EXPECT_EQ(ids.front(), sp_.bos_id());
  EXPECT_EQ(ids.back(), sp_.eos_id());
  EXPECT_EQ(tok->decode(ids, true), "Hello");
  EXPECT_THROW(tok->encode("bad \xFF utf8"), edgevl::Error);
  EXPECT_THROW(tok->decode({-3}), edgevl::Error);
}

TEST_F(SentencePieceTest, ControlPiecesInALiteralRangeAreText) {
  const auto tok = llm::Tokenizer::from_file(model_);
  const std::string text = "<s>Hello</s>";
  // libsentencepiece never makes control pieces of text: its own ids of the whole text are the reference.
  std::vector<int> plain;
  ASSERT_TRUE(sp_.Encode(text, &plain).ok());
  EXPECT_EQ(tok->encode(text, {{0, text.size()}}), std::vector<int32_t>(plain.begin(), plain.end()));
  const auto ids = tok->encode(text, {{0, 3}});  // only <s> is literal
  EXPECT_NE(ids.front(), sp_.bos_id());
  EXPECT_EQ(ids.back(), sp_.eos_id());
  EXPECT_EQ(tok->encode(kLines[0], {{0, kLines[0].size()}}), tok->encode(kLines[0]));
  EXPECT_THROW(tok->encode(text, {{3, 2}}), edgevl::Error);
}

TEST(SentencePieceFile, CorruptModelIsClearError) {
  const std::string path = ::testing::TempDir() + "edgevl_corrupt.model";
  std::ofstream(path) << "this is not a protobuf";
  expect_error([&] { llm::Tokenizer::from_file(path); }, ErrorCode::kCorruptFile, {path});
}

}  // namespace
}  // namespace edgevl::test
