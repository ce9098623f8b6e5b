// Fuzz target: preprocessor_config.json text.
#include <string>

#include "edgevl/error.h"
#include "edgevl/vision/preprocessor_config.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto c = edgevl::vision::parse_preprocessor_config(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz input");
    (void)c.patch_dim();
  } catch (const edgevl::Error&) {
  }
  return 0;
}
