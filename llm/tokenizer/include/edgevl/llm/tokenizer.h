// Text <-> token ids. One abstract interface with two implementations: the Qwen2 byte-level BPE loaded from a Hugging
// Face tokenizer.json (bpe_tokenizer.h) and SentencePiece .model files (sentencepiece_tokenizer.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgevl::llm {

/// A byte range [begin, end) of a text.
struct TextRange {
  size_t begin = 0;
  size_t end = 0;
};

/// A tokenizer. Implementations are immutable after loading; encode/decode are safe to call from several threads.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// Loads a tokenizer by file: `path` is a Hugging Face `tokenizer.json`, a SentencePiece `.model`, or a directory
  /// holding `tokenizer.json` (preferred) or `tokenizer.model` (HF model dir or compiled bundle dir).
  /// Throws edgevl::Error kNotFound (no such file / no tokenizer in the directory), kCorruptFile (unparseable or
  /// inconsistent file; the message names the file), kUnsupported (a tokenizer.json model type other than BPE).
  static std::unique_ptr<Tokenizer> from_file(const std::string& path);

  /// Token ids of `text` (UTF-8). Special/added token strings inside `text` (e.g. "<|im_start|>", "<|image_pad|>")
  /// become their ids; no BOS is added. Throws edgevl::Error kInvalidArgument naming the byte offset when `text` is
  /// not valid UTF-8.
  std::vector<int32_t> encode(std::string_view text) const { return encode(text, {}); }

  /// encode(text), except that a special token whose match overlaps a `literal` byte range is not taken: that text
  /// (e.g. a "<|im_end|>" typed by a user, inside the range of the user's message) stays ordinary text, as with
  /// special-token splitting off (Hugging Face tokenizers' split_special_tokens = true, which likewise still matches
  /// the added tokens that are not special, e.g. Qwen's "<tool_call>"). As in encode(text), the whole text is split
  /// at the tokens taken and each ordinary segment in between is pre-tokenized and encoded as one (a range boundary
  /// never splits a segment), so a text whose ranges hold no special-token string gets exactly the ids of
  /// encode(text). Ranges may be empty, in any order and overlapping. Throws edgevl::Error kInvalidArgument for
  /// invalid UTF-8 (as encode(text)) or a range with begin > end or end > text.size() (naming the range).
  virtual std::vector<int32_t> encode(std::string_view text, const std::vector<TextRange>& literal) const = 0;

  /// UTF-8 text of `ids`; invalid UTF-8 produced by the tokens is replaced with U+FFFD (one per maximal invalid
  /// subsequence, like Rust's from_utf8_lossy used by HF tokenizers). `skip_special_tokens` drops special tokens.
  /// Throws edgevl::Error kInvalidArgument for an id outside [0, vocab_size()). The concatenated token_bytes() of
  /// the ids (the first with at_start = true until a token gives bytes), made valid UTF-8 — the same for every
  /// implementation.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  /// The raw bytes token `id` contributes to decode() output (may be a partial UTF-8 sequence). `at_start` tells
  /// the token is the first one decoded (SentencePiece drops the dummy-prefix space there). Special tokens give their
  /// text, or "" when `skip_special_tokens`. Throws kInvalidArgument for an id out of range.
  virtual std::string token_bytes(int32_t id, bool skip_special_tokens, bool at_start) const = 0;

  /// Id of a token given by its vocabulary string (e.g. "<|im_end|>", or "Ġthe" for BPE), if present.
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;

  /// True for special (control) tokens: added tokens flagged special in tokenizer.json; control/unknown pieces in
  /// SentencePiece.
  virtual bool is_special(int32_t id) const = 0;

  /// Number of ids: one more than the largest id (base vocabulary plus added tokens).
  virtual size_t vocab_size() const = 0;
};

/// Byte offset of the first byte of `text` that is not part of valid UTF-8 (encode() refuses such text), or
/// std::string::npos when the whole text is valid. Lets callers name the offset within their own piece of a prompt.
size_t first_invalid_utf8(std::string_view text);

}  // namespace edgevl::llm
