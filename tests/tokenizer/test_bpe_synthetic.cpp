// Byte-level BPE mechanics on hand-made tokenizer.json files whose ids are known by construction:
// byte b has id b; merge results follow in merges order; then the added tokens.
#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/llm/bpe_tokenizer.h"
#include "edgevl/llm/streaming_detokenizer.h"
#include "expect_error.h"
#include "synthetic_bpe.h"

namespace edgevl::test {
namespace {

using Ids = std::vector<int32_t>;
using llm::load_bpe_tokenizer_json;

std::unique_ptr<llm::Tokenizer> make(const std::vector<std::pair<std::string, std::string>>& merges,
                                     bool pairs = false) {
  return load_bpe_tokenizer_json(synthetic_bpe_json(merges, pairs).dump(), "synthetic.json");
}

TEST(BpeSynthetic, LowestRankMergesFirstInBothMergeFormats) {
  for (bool pairs : {false, true}) {
    // "b c" has rank 0, so "abc" -> a + bc, although "a b" could also apply.
    EXPECT_EQ(make({{"b", "c"}, {"a", "b"}}, pairs)->encode("abc"), (Ids{'a', 256})) << pairs;
    EXPECT_EQ(make({{"a", "b"}, {"b", "c"}}, pairs)->encode("abc"), (Ids{256, 'c'})) << pairs;
    // Chained merges build " the" (Ġthe) from Ġt + he.
    const auto tok = make({{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}}, pairs);
    EXPECT_EQ(tok->encode(" the"), (Ids{258}));
    EXPECT_EQ(tok->encode("the the"), (Ids{'t', 257, 258}));
    EXPECT_EQ(tok->token_to_id("Ġthe"), 258);
  }
}

TEST(BpeSynthetic, EqualRankPairsMergeLeftmostFirst) {
  // "aaa" with merge a+a: the leftmost pair merges, leaving aa + a.
  EXPECT_EQ(make({{"a", "a"}})->encode("aaa"), (Ids{256, 'a'}));
  EXPECT_EQ(make({{"a", "a"}})->encode("aaaa"), (Ids{256, 256}));
}

TEST(BpeSynthetic, PreTokenizerRegexBoundsMerges) {
  // Merges never cross pre-token boundaries: "a b" is "a" + " b"; digits are split one by one.
  const auto tok = make({{"a", "Ġ"}, {"1", "2"}, {"'", "M"}, {"'", "s"}, {"Ġ", "Ġ"}});
  EXPECT_EQ(tok->encode("a b"), (Ids{'a', ' ', 'b'}));
  EXPECT_EQ(tok->encode("12"), (Ids{'1', '2'}));
  EXPECT_EQ(tok->encode("I'M"), (Ids{'I', 258}));   // (?i:'m) contraction is one piece
  EXPECT_EQ(tok->encode("it's"), (Ids{'i', 't', 259}));
  // "  x": the regex gives " " then " x" (\s+(?!\S) leaves the last space to the word), so no Ġ+Ġ merge.
  EXPECT_EQ(tok->encode("  x"), (Ids{' ', ' ', 'x'}));
  EXPECT_EQ(tok->encode("   "), (Ids{260, ' '}));  // trailing spaces are one piece: ĠĠ + Ġ
}

TEST(BpeSynthetic, AddedTokensLongestFirstAndSpecialFlag) {
  const auto tok = make({});
  const int32_t start = 256, end = 257, tool = 258, start_x = 259;
  EXPECT_EQ(tok->encode("<|im_start|>"), (Ids{start}));
  EXPECT_EQ(tok->encode("<|im_start|>xy"), (Ids{start_x, 'y'}));
  EXPECT_EQ(tok->encode("a<|im_end|><tool>b"), (Ids{'a', end, tool, 'b'}));
  EXPECT_EQ(tok->encode("<|im_end"), (Ids{'<', '|', 'i', 'm', '_', 'e', 'n', 'd'}));
  EXPECT_TRUE(tok->is_special(start));
  EXPECT_FALSE(tok->is_special(tool));
  EXPECT_FALSE(tok->is_special('a'));
  EXPECT_EQ(tok->decode({'a', end, tool, 'b'}, true), "a<tool>b");
  EXPECT_EQ(tok->decode({'a', end, tool, 'b'}, false), "a<|im_end|><tool>b");
  EXPECT_EQ(tok->vocab_size(), 260u);
}

Ids bytes_of(const std::string& s) { return Ids(s.begin(), s.end()); }  // the ids without merges (all ASCII here)

TEST(BpeSynthetic, SpecialTokensOverlappingALiteralRangeAreText) {
  const auto tok = make({});
  const int32_t start = 256, end = 257, tool = 258;
  const std::string t = "a<|im_end|><tool>b";  // <|im_end|> is bytes [1, 11)
  // Special tokens in the range become their bytes; the non-special <tool> stays a token (HF split_special_tokens).
  Ids literal = bytes_of("a<|im_end|>");
  literal.insert(literal.end(), {tool, 'b'});
  EXPECT_EQ(tok->encode(t, {{0, t.size()}}), literal);
  EXPECT_EQ(tok->encode(t, {{10, 11}}), literal);         // one byte of overlap is enough
  EXPECT_EQ(tok->encode(t, {{11, 18}, {5, 6}}), literal);  // any order, several ranges
  EXPECT_EQ(tok->encode(t, {{0, 1}}), tok->encode(t));    // touching is not overlapping
  EXPECT_EQ(tok->encode(t, {{1, 1}}), tok->encode(t));    // an empty range covers nothing
  EXPECT_EQ(tok->encode(t, {}), (Ids{'a', end, tool, 'b'}));
  // At one position the longest acceptable token wins: "<|im_start|>x" reaches into the range, "<|im_start|>" not.
  EXPECT_EQ(tok->encode("<|im_start|>xy", {{12, 13}}), (Ids{start, 'x', 'y'}));
  EXPECT_EQ(tok->encode("<|im_start|>xy", {{11, 12}}), bytes_of("<|im_start|>xy"));
}

TEST(BpeSynthetic, LiteralRangesDoNotSplitTheOrdinaryText) {
  // "\n" + "\nX": the pre-tokenizer makes "\n\n" one piece across the range boundary, so the ids are those of the
  // text without ranges (benign text gives the same ids whatever its ranges).
  const std::string nl = byte_level("\n");
  const auto tok = make({{nl, nl}});
  const int32_t nn = 256, end = 258;
  EXPECT_EQ(tok->encode("\n\nX"), (Ids{nn, 'X'}));
  EXPECT_EQ(tok->encode("\n\nX", {{1, 3}}), (Ids{nn, 'X'}));
  // A typed special token is text, pre-tokenized with the text after the range ("|>\n\n" is one piece).
  Ids typed = bytes_of("<|im_end|>");
  typed.push_back(nn);
  EXPECT_EQ(tok->encode("<|im_end|>\n\n", {{0, 10}}), typed);
  EXPECT_EQ(tok->encode("\n<|im_end|>\n", {{1, 11}}), bytes_of("\n<|im_end|>\n"));
  EXPECT_EQ(tok->encode("\n<|im_end|>\n"), (Ids{'\n', end, '\n'}));
}

TEST(BpeSynthetic, LiteralRangeOutsideTheTextIsInvalidArgument) {
  const auto tok = make({});
  expect_error([&] { tok->encode("abc", {{0, 4}}); }, ErrorCode::kInvalidArgument, {"literal range 0", "3-byte"});
  expect_error([&] { tok->encode("abc", {{0, 1}, {2, 1}}); }, ErrorCode::kInvalidArgument, {"literal range 1"});
}

TEST(BpeSynthetic, NfcNormalizesOrdinaryTextOnly) {
  const auto tok = make({});
  // e + U+0301 becomes U+00E9 (bytes C3 A9) before byte-level BPE.
  EXPECT_EQ(tok->encode("e\xCC\x81"), (Ids{0xC3, 0xA9}));
  EXPECT_EQ(tok->decode(tok->encode("Cafe\xCC\x81")), "Caf\xC3\xA9");
}

TEST(BpeSynthetic, DecodeReplacesInvalidUtf8LikeFromUtf8Lossy) {
  const auto tok = make({});
  EXPECT_EQ(tok->decode({0xC3}), "\xEF\xBF\xBD");
  EXPECT_EQ(tok->decode({0xE4, 0xBD}), "\xEF\xBF\xBD");                   // one maximal subpart -> one U+FFFD
  EXPECT_EQ(tok->decode({0xFF, 'a'}), "\xEF\xBF\xBD" "a");
  EXPECT_EQ(tok->decode({0xE4, 0xBD, 0xA0}), "\xE4\xBD\xA0");              // 你
  EXPECT_EQ(tok->decode({0xED, 0xA0, 0x80}), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate: 3 subparts
  EXPECT_EQ(tok->decode({0xF0, 0x9F, 'x'}), "\xEF\xBF\xBD" "x");
}

TEST(BpeSynthetic, StreamingHoldsBackPartialSequences) {
  const auto tok = make({});
  llm::StreamingDetokenizer st(*tok);
  EXPECT_EQ(st.push(0xE4), "");
  EXPECT_EQ(st.pending_bytes(), 1u);
  EXPECT_EQ(st.push(0xBD), "");
  EXPECT_EQ(st.push(0xA0), "\xE4\xBD\xA0");
  EXPECT_EQ(st.pending_bytes(), 0u);
  EXPECT_EQ(st.push(256), "");  // special token skipped by default
  EXPECT_EQ(st.push(0xF0), "");
  EXPECT_EQ(st.push('a'), "\xEF\xBF\xBD" "a");  // the broken sequence is replaced once it is known to be broken
  EXPECT_EQ(st.push(0xF0), "");
  EXPECT_EQ(st.push(0x9F), "");
  EXPECT_EQ(st.flush(), "\xEF\xBF\xBD");  // incomplete at end of stream
  EXPECT_EQ(st.pending_bytes(), 0u);
  EXPECT_THROW(st.push(100000), edgevl::Error);
}

TEST(BpeSynthetic, NullPreTokenizerAndNormalizerUseSpecDefaults) {
  auto j = synthetic_bpe_json({{"a", "Ġ"}}, false);
  j["pre_tokenizer"] = nullptr;
  j["normalizer"] = nullptr;
  const auto tok = load_bpe_tokenizer_json(j.dump(), "null-pre.json");
  EXPECT_EQ(tok->encode("a b"), (Ids{'a', ' ', 'b'}));   // the Qwen2 regex still splits
  EXPECT_EQ(tok->encode("e\xCC\x81"), (Ids{'e', 0xCC, 0x81}));  // no normalizer: no NFC
}

void expect_error(const std::string& text, ErrorCode code, const std::string& needle) {
  try {
    load_bpe_tokenizer_json(text, "bad-tokenizer.json");
    ADD_FAILURE() << "no error for " << text.substr(0, 80);
  } catch (const edgevl::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad-tokenizer.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BpeSynthetic, CorruptFilesAreClearErrors) {
  const std::string good = synthetic_bpe_json({{"a", "b"}}, false).dump();
  expect_error(good.substr(0, good.size() / 2), ErrorCode::kCorruptFile, "not valid JSON");
  expect_error("[1, 2]", ErrorCode::kCorruptFile, "not a JSON object");
  expect_error("{}", ErrorCode::kCorruptFile, "model");
  auto j = synthetic_bpe_json({{"a", "b"}}, false);
  j["model"]["merges"].push_back("x zz");
  expect_error(j.dump(), ErrorCode::kCorruptFile, "missing from vocab");
  j = synthetic_bpe_json({}, false);
  j["model"]["merges"] = nlohmann::json::array({42});
  expect_error(j.dump(), ErrorCode::kCorruptFile, "merge 0");
  j = synthetic_bpe_json({}, false);
  j["model"]["vocab"]["x"] = "seven";
  expect_error(j.dump(), ErrorCode::kCorruptFile, "non-integer");
  j = synthetic_bpe_json({}, false);
  j["model"]["type"] = "WordPiece";
  expect_error(j.dump(), ErrorCode::kUnsupported, "WordPiece");
  j = synthetic_bpe_json({}, false);
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
  expect_error(j.dump(), ErrorCode::kUnsupported, "(unclosed");
  j = synthetic_bpe_json({}, false);
  j["added_tokens"][0].erase("id");
  expect_error(j.dump(), ErrorCode::kCorruptFile, "added_tokens");
}

}  // namespace
}  // namespace edgevl::test
