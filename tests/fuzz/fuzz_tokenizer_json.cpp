// Fuzz target: a tokenizer.json file (loaded from a temporary file, as Tokenizer::from_file reads files), then one
// encode/decode of a fixed text with whatever loaded.
#include <cstdio>
#include <string>

#include "edgevl/error.h"
#include "edgevl/llm/tokenizer.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = edgevl::fuzz::write_input_file(data, size, "-tokenizer.json");
  try {
    const auto tok = edgevl::llm::Tokenizer::from_file(path);
    const auto ids = tok->encode("Describe the image. <|im_end|> héllo 123");
    (void)tok->decode(ids);
  } catch (const edgevl::Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
