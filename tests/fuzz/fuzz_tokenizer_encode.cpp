// Fuzz target: arbitrary bytes as prompt text for the demo model's tokenizer (Qwen2 byte-level BPE with its special
// tokens): invalid UTF-8 is an edgevl::Error; every id of valid text is in the vocabulary and decodes.
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "edgevl/error.h"
#include "edgevl/llm/tokenizer.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<edgevl::llm::Tokenizer> tok =
      edgevl::llm::Tokenizer::from_file(std::string(EDGEVL_SOURCE_DIR) + "/models/demo/qwen2vl-shapes/tokenizer.json");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto ids = tok->encode(text);
    for (int32_t id : ids)
      if (id < 0 || static_cast<size_t>(id) >= tok->vocab_size()) std::abort();  // an id outside the vocabulary
    (void)tok->decode(ids);
    (void)tok->encode(text, {{0, size}});  // the same text as a literal (user) range
  } catch (const edgevl::Error&) {
  }
  return 0;
}
