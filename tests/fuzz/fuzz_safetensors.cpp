// Fuzz target: a .safetensors file (header JSON and data region), opened from a temporary file as checkpoints are.
#include <cstdio>
#include <string>

#include "edgevl/error.h"
#include "edgevl/qnn/safetensors.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = edgevl::fuzz::write_input_file(data, size, ".safetensors");
  try {
    const auto file = edgevl::qnn::SafetensorsFile::open(path);
    for (const std::string& n : file->names()) (void)n;
  } catch (const edgevl::Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
