// GPT-2 byte-to-unicode map used by byte-level BPE (internal).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace edgevl::llm::detail {

/// Bytes 33-126, 161-172, 174-255 map to the code point of the same value; the other 68 bytes, in increasing order,
/// map to U+0100 + n. byte_to_unicode()[b] is the UTF-8 encoding of that code point (space -> "Ġ", '\n' -> "Ċ").
const std::array<std::string, 256>& byte_to_unicode();

/// Maps the bytes of `s` to their byte-level characters (UTF-8), appended to `out`.
void bytes_to_byte_level(std::string_view s, std::string& out);

/// Inverse: converts a byte-level token string back to raw bytes. A character outside the map (not produced by
/// byte_to_unicode) is kept as its UTF-8. Returns the bytes.
std::string byte_level_to_bytes(std::string_view token);

}  // namespace edgevl::llm::detail
