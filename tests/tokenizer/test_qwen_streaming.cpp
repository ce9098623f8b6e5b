// Bad input, the streaming detokenizer, and random round trips on the real Qwen vocabulary.
#include <gtest/gtest.h>

#include <random>

#include "edgevl/error.h"
#include "edgevl/llm/streaming_detokenizer.h"
#include "expect_error.h"
#include "qwen_fixture.h"

namespace edgevl::test {
namespace {

using llm::StreamingDetokenizer;

TEST(QwenBadInput, InvalidUtf8IsInvalidArgumentNamingOffset) {
  const std::vector<std::pair<std::string, size_t>> cases = {
      {"abc\xFF" "def", 3},         // invalid byte
      {"\xC3", 0},                  // truncated 2-byte sequence
      {"ok \xE4\xBD", 3},           // truncated 3-byte sequence
      {"\xC0\xAF", 0},              // overlong '/'
      {"x\xED\xA0\x80", 1},         // UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},      // above U+10FFFF
      {"<|im_start|>\x80", 12},     // after a special token
  };
  for (const auto& c : cases) {
    const auto& text = c.first;  // a named copy: structured bindings cannot be captured by lambdas in C++17
    SCOPED_TRACE(::testing::PrintToString(text));
    expect_error([&] { qwen().encode(text); }, ErrorCode::kInvalidArgument,
                 {"byte offset " + std::to_string(c.second)});
  }
}

// Pushes ids one at a time; checks every piece is valid UTF-8 and the concatenation equals decode().
void check_stream(const llm::Tokenizer& tok, const std::vector<int32_t>& ids, bool skip_special) {
  StreamingDetokenizer st(tok, skip_special);
  std::string all;
  for (int32_t id : ids) {
    const std::string piece = st.push(id);
    ASSERT_TRUE(valid_utf8(piece)) << ::testing::PrintToString(piece);
    ASSERT_LE(st.pending_bytes(), 3u);
    all += piece;
  }
  const std::string tail = st.flush();
  ASSERT_TRUE(valid_utf8(tail));
  all += tail;
  EXPECT_EQ(all, tok.decode(ids, skip_special));
}

TEST(QwenStreaming, ChineseAndEmojiSplitAtEveryTokenBoundary) {
  const auto& tok = qwen();
  const std::string text =
      "<|im_start|>assistant\n图中是一只红色的猫 🐱，旁边有👨‍👩‍👧‍👦一家人和🏳️‍🌈旗帜。emoji😀😃😄 e\u0301 안녕<|im_end|>";
  const auto ids = tok.encode(text);
  // Several tokens are partial UTF-8 on their own: that is what the detokenizer must hold back.
  size_t partial = 0;
  for (int32_t id : ids)
    if (!valid_utf8(tok.token_bytes(id, false, false))) ++partial;
  EXPECT_GT(partial, 3u);
  check_stream(tok, ids, true);
  check_stream(tok, ids, false);
  // Stopping after every prefix: text so far + flush() equals decode(prefix).
  for (size_t k = 0; k <= ids.size(); ++k) {
    StreamingDetokenizer st(tok, true);
    std::string out;
    for (size_t i = 0; i < k; ++i) out += st.push(ids[i]);
    out += st.flush();
    const std::vector<int32_t> prefix(ids.begin(), ids.begin() + static_cast<long>(k));
    ASSERT_EQ(out, tok.decode(prefix, true)) << "prefix of " << k << " tokens";
    ASSERT_TRUE(valid_utf8(out));
  }
  EXPECT_EQ(tok.decode(ids, true), nfc(text.substr(12, text.size() - 12 - 10)));
}

TEST(QwenStreaming, RandomIdsGiveSameTextAsDecode) {
  // Random token sequences produce invalid UTF-8 (stray continuation bytes, truncated sequences): streaming must
  // replace them exactly like decode() does and still only emit valid UTF-8.
  const auto& tok = qwen();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> any(0, static_cast<int32_t>(tok.vocab_size()) - 1);
  for (int round = 0; round < 200; ++round) {
    std::vector<int32_t> ids(1 + rng() % 24);
    for (auto& id : ids) id = any(rng);
    const std::string d = tok.decode(ids, true);
    ASSERT_TRUE(valid_utf8(d));
    check_stream(tok, ids, true);
  }
}

// Random valid UTF-8 drawn from many scripts, whitespace, combining marks, emoji and special-token strings.
std::string random_text(std::mt19937& rng) {
  static const std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x20, 0x7E},     {0x09, 0x0D},     {0xA0, 0x17F},   {0x300, 0x36F},   {0x391, 0x3C9},   {0x410, 0x44F},
      {0x5D0, 0x5EA},   {0x620, 0x64A},   {0x900, 0x97F},  {0xE01, 0xE3A},   {0x1100, 0x11FF}, {0x2000, 0x206F},
      {0x3040, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0xFF01, 0xFF5E}, {0x1F300, 0x1F6FF}, {0x1F900, 0x1F9FF},
      {0x10000, 0x1007F}, {0xE0000, 0xE007F}};
  static const char* specials[] = {"<|im_start|>", "<|im_end|>", "<|image_pad|>", "<|endoftext|>", "'s", "'LL", "\u200d"};
  std::string s;
  const int n = 1 + static_cast<int>(rng() % 40);
  for (int i = 0; i < n; ++i) {
    if (rng() % 25 == 0) {
      s += specials[rng() % 7];
      continue;
    }
    const auto& r = ranges[rng() % ranges.size()];
    const uint32_t cp = r.first + rng() % (r.second - r.first + 1);
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return s;
}

TEST(QwenFuzz, RandomUtf8RoundTrips) {
  const auto& tok = qwen();
  std::mt19937 rng(20240611);
  for (int round = 0; round < 2000; ++round) {
    const std::string s = random_text(rng);
    const auto ids = tok.encode(s);
    ASSERT_EQ(tok.decode(ids), nfc(s)) << ::testing::PrintToString(s);
  }
}

TEST(QwenFuzz, LongRunsDoNotBlowUp) {
  // Long pieces exercise the O(n log n) merge loop and the regex on long whitespace / letter runs.
  const auto& tok = qwen();
  for (const std::string& s : {std::string(50000, ' '), std::string(50000, 'a'), std::string(20000, '\n') + "x",
                               "x" + std::string(30000, '\t') + "y"}) {
    const auto ids = tok.encode(s);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok.decode(ids), s);
  }
}

}  // namespace
}  // namespace edgevl::test
