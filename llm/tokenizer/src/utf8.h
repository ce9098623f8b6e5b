// UTF-8 helpers shared by the tokenizers (internal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace edgevl::llm::detail {

/// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode Table 3-7: no overlongs,
/// no surrogates, nothing above U+10FFFF, no truncation), or std::string::npos when `s` is valid.
size_t utf8_first_invalid(std::string_view s);

/// Throws edgevl::Error kInvalidArgument "<what>: invalid UTF-8 at byte offset N" unless `s` is valid UTF-8.
void utf8_require_valid(std::string_view s, std::string_view what);

/// Appends `in` to `out`, replacing each maximal invalid subsequence with U+FFFD (same policy as Rust's
/// String::from_utf8_lossy). When `final` is false, a trailing incomplete-but-so-far-valid sequence is not consumed.
/// Returns the number of bytes of `in` consumed.
size_t utf8_append_lossy(std::string_view in, std::string& out, bool final);

/// Length in bytes of the UTF-8 sequence starting with lead byte `c` (1 for invalid leads).
size_t utf8_seq_len(unsigned char c);

/// NFC normalization (utf8proc) of valid UTF-8; ASCII text is returned unchanged without calling utf8proc.
std::string nfc(std::string_view s);

}  // namespace edgevl::llm::detail
