// A tiny hand-made byte-level BPE tokenizer.json for unit tests (no network, no real vocabulary).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace edgevl::test {

/// tokenizer.json content: the 256 byte-level symbols (ids 0..255 in byte order), then the merge results in `merges`
/// order, then added tokens "<|im_start|>" (special), "<|im_end|>" (special), "<tool>" (not special) and
/// "<|im_start|>x" (special, longer than <|im_start|>). `pairs_format` writes merges as ["a","b"] instead of "a b".
nlohmann::json synthetic_bpe_json(const std::vector<std::pair<std::string, std::string>>& merges, bool pairs_format);

/// The byte-level symbol string of `text` (e.g. " the" -> "Ġthe").
std::string byte_level(const std::string& text);

}  // namespace edgevl::test
