#include "byte_level.h"

#include <cstdint>
#include <vector>

#include "utf8.h"

namespace edgevl::llm::detail {
namespace {

std::string encode_cp(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

struct Tables {
  std::array<std::string, 256> fwd;
  std::array<int, 0x200> inv;  // code point (< 0x200) -> byte, or -1
  Tables() {
    inv.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool self = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      const uint32_t cp = self ? static_cast<uint32_t>(b) : static_cast<uint32_t>(0x100 + n++);
      fwd[b] = encode_cp(cp);
      inv[cp] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() { return tables().fwd; }

void bytes_to_byte_level(std::string_view s, std::string& out) {
  const auto& fwd = tables().fwd;
  for (char c : s) out.append(fwd[static_cast<unsigned char>(c)]);
}

std::string byte_level_to_bytes(std::string_view token) {
  const auto& inv = tables().inv;
  std::string out;
  size_t i = 0;
  while (i < token.size()) {
    const auto b0 = static_cast<unsigned char>(token[i]);
    size_t len = utf8_seq_len(b0);
    if (i + len > token.size()) len = token.size() - i;
    uint32_t cp = 0x200;  // "not in map"
    if (len == 1 && b0 < 0x80) {
      cp = b0;
    } else if (len == 2) {
      cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(token[i + 1]) & 0x3Fu);
    }
    if (cp < 0x200 && inv[cp] >= 0) {
      out.push_back(static_cast<char>(inv[cp]));
    } else {
      out.append(token.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace edgevl::llm::detail
