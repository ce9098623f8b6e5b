#include "synthetic_bpe.h"

namespace edgevl::test {
namespace {
std::string cp_utf8(unsigned cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}
// GPT-2 byte-to-unicode, written independently of the library's table.
std::string byte_symbol(unsigned char b) {
  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174) return cp_utf8(b);
  unsigned n = 0;
  for (unsigned x = 0; x < b; ++x)
    if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174)) ++n;
  return cp_utf8(256 + n);
}
}  // namespace

std::string byte_level(const std::string& text) {
  std::string s;
  for (unsigned char c : text) s += byte_symbol(c);
  return s;
}

nlohmann::json synthetic_bpe_json(const std::vector<std::pair<std::string, std::string>>& merges, bool pairs_format) {
  nlohmann::json vocab = nlohmann::json::object();
  int id = 0;
  for (int b = 0; b < 256; ++b) vocab[byte_symbol(static_cast<unsigned char>(b))] = id++;
  nlohmann::json m = nlohmann::json::array();
  for (const auto& [a, b] : merges) {
    if (!vocab.contains(a + b)) vocab[a + b] = id++;
    if (pairs_format) {
      m.push_back(nlohmann::json::array({a, b}));
    } else {
      m.push_back(a + " " + b);
    }
  }
  nlohmann::json added = nlohmann::json::array();
  for (const auto& [content, special] :
       std::vector<std::pair<std::string, bool>>{{"<|im_start|>", true}, {"<|im_end|>", true}, {"<tool>", false},
                                                 {"<|im_start|>x", true}}) {
    added.push_back({{"id", id++}, {"content", content}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", special}});
  }
  return {{"version", "1.0"},
          {"added_tokens", added},
          {"normalizer", {{"type", "NFC"}}},
          {"pre_tokenizer",
           {{"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "Split"},
               {"pattern",
                {{"Regex",
                  R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
               {"behavior", "Isolated"},
               {"invert", false}},
              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}}},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", m}}}};
}

}  // namespace edgevl::test
