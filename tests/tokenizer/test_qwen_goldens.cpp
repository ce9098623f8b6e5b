// Our byte-level BPE on the real Qwen vocabulary against goldens made by an independent JS tokenizer.
#include <gtest/gtest.h>

#include <sstream>

#include "edgevl/error.h"
#include "qwen_fixture.h"

namespace edgevl::test {
namespace {

std::string join(const std::vector<int32_t>& ids) {
  std::ostringstream s;
  for (size_t i = 0; i < ids.size(); ++i) s << (i ? " " : "") << ids[i];
  return s.str();
}

TEST(QwenGoldens, CorpusIsLargeAndVaried) {
  ASSERT_GE(goldens().size(), 300u);
  std::cout << "[goldens] " << goldens().size() << " strings, made by " << goldens_provenance() << "\n";
}

TEST(QwenGoldens, EncodeMatchesIndependentJsTokenizer) {
  std::cout << "[goldens] reference: " << goldens_provenance() << "\n";
  const auto& tok = qwen();
  size_t mismatches = 0, total_ids = 0;
  for (const auto& g : goldens()) {
    const auto ids = tok.encode(g.text);
    total_ids += ids.size();
    if (ids != g.ids) {
      ++mismatches;
      ADD_FAILURE() << "text " << ::testing::PrintToString(g.text) << "\n  ours:    " << join(ids)
                    << "\n  goldens: " << join(g.ids);
    }
  }
  std::cout << "[goldens] " << goldens().size() - mismatches << "/" << goldens().size() << " strings identical ("
            << total_ids << " ids)\n";
}

// The whole text as a literal range: special-token strings are ordinary text, as in the JS tokenizer without the
// special added tokens (split_special_tokens = true); every other row (no special-token string) keeps its ids.
TEST(QwenGoldens, WholeTextLiteralMatchesJsWithSpecialTokenSplittingOff) {
  const auto& tok = qwen();
  size_t with_specials = 0;
  for (const auto& g : goldens()) {
    const auto ids = tok.encode(g.text, {{0, g.text.size()}});
    EXPECT_EQ(ids, g.ids_literal) << "text " << ::testing::PrintToString(g.text) << "\n  ours:    " << join(ids)
                                  << "\n  goldens: " << join(g.ids_literal);
    for (int32_t id : ids) EXPECT_FALSE(tok.is_special(id)) << "text " << ::testing::PrintToString(g.text);
    if (g.ids_literal != g.ids) ++with_specials;
    EXPECT_EQ(tok.decode(ids), nfc(g.text)) << "text " << ::testing::PrintToString(g.text);
  }
  EXPECT_GT(with_specials, 20u);  // the corpus does contain special-token strings
}

TEST(QwenGoldens, DecodeOfEncodeIsNfcOfInput) {
  // decode(encode(s)) == s, except that the NFC normalizer changes some inputs: then it equals NFC(s).
  const auto& tok = qwen();
  size_t changed_by_nfc = 0;
  for (const auto& g : goldens()) {
    const std::string expected = nfc(g.text);
    if (expected != g.text) ++changed_by_nfc;
    EXPECT_EQ(tok.decode(tok.encode(g.text)), expected) << "text " << ::testing::PrintToString(g.text);
    // Our decode of the golden ids equals what the JS tokenizer decoded them to.
    EXPECT_EQ(tok.decode(g.ids), g.decoded) << "text " << ::testing::PrintToString(g.text);
  }
  std::cout << "[goldens] round trip exact for all strings; " << changed_by_nfc
            << " of them were changed by NFC normalization and compare against NFC(s)\n";
  EXPECT_GT(changed_by_nfc, 5u);  // the corpus does contain decomposed input
}

TEST(QwenGoldens, SpecialTokensAndSkipSpecial) {
  const auto& tok = qwen();
  EXPECT_EQ(tok.token_to_id("<|im_start|>"), 151644);
  EXPECT_EQ(tok.token_to_id("<|image_pad|>"), 151655);
  EXPECT_EQ(tok.token_to_id("Hello"), 9707);
  EXPECT_FALSE(tok.token_to_id("<|no_such_token|>").has_value());
  EXPECT_TRUE(tok.is_special(151644));
  EXPECT_FALSE(tok.is_special(9707));
  EXPECT_GE(tok.vocab_size(), 151669u);
  const auto ids = tok.encode("<|im_start|>user\nHi<|im_end|>");
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_EQ(ids.back(), 151645);
  EXPECT_EQ(tok.decode(ids, /*skip_special_tokens=*/true), "user\nHi");
  EXPECT_EQ(tok.decode(ids, false), "<|im_start|>user\nHi<|im_end|>");
  EXPECT_THROW(tok.decode({-1}), edgevl::Error);
  EXPECT_THROW(tok.decode({static_cast<int32_t>(tok.vocab_size())}), edgevl::Error);
}

}  // namespace
}  // namespace edgevl::test
