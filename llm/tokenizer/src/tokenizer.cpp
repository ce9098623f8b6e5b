#include "edgevl/llm/tokenizer.h"

#include <fstream>
#include <sys/stat.h>

#include "edgevl/error.h"
#include "edgevl/llm/bpe_tokenizer.h"
#include "edgevl/llm/sentencepiece_tokenizer.h"
#include "utf8.h"

namespace edgevl::llm {
namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A JSON file starts with '{' after optional whitespace; a SentencePiece model is a binary protobuf.
bool looks_like_json(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char c = 0;
  while (f.get(c)) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return c == '{';
  }
  return false;
}

}  // namespace

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::string bytes;
  for (int32_t id : ids) bytes += token_bytes(id, skip_special_tokens, bytes.empty());
  std::string out;
  detail::utf8_append_lossy(bytes, out, /*final=*/true);
  return out;
}

std::unique_ptr<Tokenizer> Tokenizer::from_file(const std::string& path) {
  if (is_dir(path)) {
    const std::string dir = ends_with(path, "/") ? path : path + "/";
    if (is_file(dir + "tokenizer.json")) return load_bpe_tokenizer(dir + "tokenizer.json");
    if (is_file(dir + "tokenizer.model")) return load_sentencepiece_tokenizer(dir + "tokenizer.model");
    throw Error(ErrorCode::kNotFound,
                "directory '" + path + "' holds neither tokenizer.json nor tokenizer.model");
  }
  if (!is_file(path)) throw Error(ErrorCode::kNotFound, "tokenizer file '" + path + "' does not exist");
  if (ends_with(path, ".json")) return load_bpe_tokenizer(path);
  if (ends_with(path, ".model")) return load_sentencepiece_tokenizer(path);
  return looks_like_json(path) ? load_bpe_tokenizer(path) : load_sentencepiece_tokenizer(path);
}

size_t first_invalid_utf8(std::string_view text) { return detail::utf8_first_invalid(text); }

}  // namespace edgevl::llm
