// Test fixture: a tiny random Qwen2-VL checkpoint (models/tools/make_random_checkpoint.py) compiled once per test
// binary through the public compile API, plus synthetic images.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edgevl/edgevl.h"

namespace edgevl::test {

/// Context length and prefill chunk of the tiny bundle.
inline constexpr int64_t kTinyContext = 256;
inline constexpr int64_t kTinyChunk = 16;

/// The shared model (created by TinyModelEnvironment). Aborts the test if the fixture failed.
const Model& tiny_model();
/// Directory of the fixture files (hf/ checkpoint, tiny.evl bundle).
const std::string& tiny_dir();

/// Registers the environment; call from a test file at namespace scope:
///   static auto* env = ::testing::AddGlobalTestEnvironment(edgevl::test::make_tiny_model_environment());
::testing::Environment* make_tiny_model_environment();

/// A deterministic RGB test image [height, width, 3] with a pattern chosen by `seed`.
Image synthetic_image(int width, int height, int seed);

}  // namespace edgevl::test
