// Qwen2 byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json.
//
// Encode (reference: HF tokenizers with Qwen2's tokenizer.json):
//   1. added tokens are split out of the text by exact match (longest first, leftmost occurrence);
//   2. every other segment is NFC-normalized (utf8proc) when tokenizer.json has an NFC normalizer;
//   3. the segment is split with the pre-tokenizer's Split regex (PCRE2, UTF + UCP), default Qwen2's
//      (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   4. each piece's UTF-8 bytes are mapped to printable characters (GPT-2 byte-to-unicode);
//   5. BPE merges the lowest-rank pair first (rank = index in "merges"; results cached per piece);
//   6. ids from "vocab". No BOS.
// Decode: token strings -> bytes via the inverse byte map; added tokens give their content; invalid UTF-8 -> U+FFFD.
#pragma once

#include <memory>
#include <string>

#include "edgevl/llm/tokenizer.h"

namespace edgevl::llm {

/// Parses tokenizer.json text (`source_name` names it in error messages). Accepts merges as "a b" strings or as
/// ["a", "b"] pairs, and added_tokens with a "special" flag. Throws edgevl::Error kCorruptFile (bad JSON, missing
/// model/vocab/merges, a merge whose parts or result are not in vocab, duplicate ids) and kUnsupported (model type
/// other than BPE, a pre-tokenizer regex PCRE2 cannot compile).
std::unique_ptr<Tokenizer> load_bpe_tokenizer_json(const std::string& json_text, const std::string& source_name);

/// Reads and parses a tokenizer.json file. Throws kNotFound / kIo naming the path, plus the errors above.
std::unique_ptr<Tokenizer> load_bpe_tokenizer(const std::string& path);

}  // namespace edgevl::llm
