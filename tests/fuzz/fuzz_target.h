// A fuzz target: LLVMFuzzerTestOneInput(data, size) feeds one untrusted input to one of EdgeVL's parsers. Bad input
// must end in an edgevl::Error (caught by the target), never a crash, a hang, an unbounded allocation or another
// exception type (which escapes and fails the run). Built two ways (tests/fuzz/CMakeLists.txt): with libFuzzer
// (-DEDGEVL_FUZZ=ON, clang) for open-ended fuzzing, and in every build with fuzz_driver.cpp, which replays the seed
// inputs and deterministic mutations of them as a regression test.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace edgevl::fuzz {

/// Writes the input to a per-process temporary file ending in `suffix` (for parsers that read files); returns its path.
inline std::string write_input_file(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = "/tmp/edgevl-fuzz-" + std::to_string(::getpid()) + suffix;
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace edgevl::fuzz
