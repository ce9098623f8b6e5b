// A fuzz target: LLVMFuzzerTestOneInput(data, size) feeds one untrusted input to one of EdgeVL's parsers. Bad input
// must end in an edgevl::Error (caught by the target), never a crash, a hang, an unbounded allocation or another
// exception type (which escapes and fails the run). Built two ways (tests/fuzz/CMakeLists.txt): with libFuzzer
// (-DEDGEVL_FUZZ=ON, clang) for open-ended fuzzing, and in every build with fuzz_driver.cpp, which replays the seed
// inputs and deterministic mutations of them as a regression test.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
