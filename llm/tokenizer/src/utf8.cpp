#include "utf8.h"

#include <utf8proc.h>

#include <cstdlib>
#include <string>

#include "edgevl/error.h"

namespace edgevl::llm::detail {
namespace {

// Length of the valid prefix of the sequence at in[i..] (0 if the lead byte is invalid), and whether it is complete.
struct SeqCheck {
  size_t valid_len;  // bytes that form a valid (possibly incomplete) prefix
  bool complete;
};

SeqCheck check_seq(std::string_view in, size_t i) {
  const auto b0 = static_cast<unsigned char>(in[i]);
  if (b0 < 0x80) return {1, true};
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {0, false};
  }
  size_t k = 1;
  for (; k < need; ++k) {
    if (i + k >= in.size()) return {k, false};
    const auto b = static_cast<unsigned char>(in[i + k]);
    const unsigned char l = (k == 1) ? lo : 0x80, h = (k == 1) ? hi : 0xBF;
    if (b < l || b > h) return {k, false};
  }
  return {need, true};
}

}  // namespace

size_t utf8_seq_len(unsigned char c) {
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 1;
}

size_t utf8_first_invalid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const SeqCheck c = check_seq(s, i);
    if (!c.complete) return i;
    i += c.valid_len;
  }
  return std::string::npos;
}

void utf8_require_valid(std::string_view s, std::string_view what) {
  const size_t bad = utf8_first_invalid(s);
  if (bad != std::string::npos) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(s[bad])));
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": invalid UTF-8 at byte offset " +
                                                 std::to_string(bad) + " (byte " + hex + ")");
  }
}

size_t utf8_append_lossy(std::string_view in, std::string& out, bool final) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    if (b0 < 0x80) {
      out.push_back(static_cast<char>(b0));
      ++i;
      continue;
    }
    const SeqCheck c = check_seq(in, i);
    if (c.complete) {
      out.append(in.substr(i, c.valid_len));
      i += c.valid_len;
    } else if (!final && c.valid_len > 0 && i + c.valid_len == in.size()) {
      return i;  // incomplete tail: wait for more bytes
    } else {
      out.append(kReplacement);
      i += c.valid_len > 0 ? c.valid_len : 1;
    }
  }
  return i;
}

std::string nfc(std::string_view s) {
  bool ascii = true;
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::string(s);
  utf8proc_uint8_t* dst = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()), &dst,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    std::free(dst);
    throw Error(ErrorCode::kInvalidArgument,
                std::string("NFC normalization failed: ") + utf8proc_errmsg(n));
  }
  std::string r(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
  std::free(dst);
  return r;
}

}  // namespace edgevl::llm::detail
