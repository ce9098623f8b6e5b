// Bounded JSON parsing shared by every reader of untrusted JSON: safetensors headers and index files, config.json,
// generation_config.json, preprocessor_config.json, tokenizer.json and the bundle manifest.
//
// nlohmann::json parses iteratively, but much of what follows a parse recurses once per nesting level (dump(), copies,
// comparisons, EdgeVL's own pre-tokenizer loader), so a file of a few hundred KB of '[' overflows the stack. Every
// untrusted JSON text therefore goes through parse_json_bounded(), which refuses nesting deeper than kMaxJsonDepth
// BEFORE building any value — the same limit as the safetensors reference reader (serde_json's recursion limit, 128).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgevl::qnn {

/// Deepest nesting of arrays/objects accepted in any JSON file EdgeVL reads (as safetensors / serde_json: 128).
/// `[]` is depth 1, `[[]]` depth 2; scalars at the top level are depth 0.
constexpr int kMaxJsonDepth = 128;

/// Throws Error(kCorruptFile, "<source>: JSON nesting deeper than <max_depth> levels at byte <offset> ...") if `text`
/// nests arrays/objects deeper than `max_depth`. A linear pre-scan (brackets inside strings are ignored, escapes honoured);
/// it does not validate the JSON otherwise, and never allocates.
void check_json_depth(std::string_view text, const std::string& source, int max_depth = kMaxJsonDepth);

/// check_json_depth() then nlohmann::json::parse(). Errors (all kCorruptFile, message starting with `source`):
/// too deep (as above), or "<source>: not valid JSON (<parser message with byte position>)".
/// `source` names the input, e.g. a file path or "bundle 'x.evl': manifest.json".
nlohmann::json parse_json_bounded(std::string_view text, const std::string& source);

/// A short rendering of `v` for error messages: at most `max_chars` characters (then "..."), nested containers shown
/// to at most 4 levels (deeper ones as "[...]" / "{...}"). Never recurses deeper than that and never builds the full
/// dump of a large value (json::dump() would recurse per level and allocate the whole text).
std::string json_excerpt(const nlohmann::json& v, size_t max_chars = 80);

}  // namespace edgevl::qnn
