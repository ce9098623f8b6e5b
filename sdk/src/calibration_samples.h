// Calibration samples for quantized compiles (internal): reading a JSONL calibration file, the built-in default samples,
// and running them through a Session on a float bundle with range observers (engine::CalibrationRanges).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "edgevl/image.h"
#include "engine/engine.h"

namespace edgevl {

struct CalibrationSample {
  std::string prompt;
  std::vector<Image> images;
};

/// Reads a calibration JSONL file (format in CompileOptions::calibration_file). Image paths are relative to the file's
/// directory and must exist and decode (each is decoded once here and dropped). Blank lines are skipped; at most 100000
/// samples. Throws edgevl::Error: kNotFound (the file or an image), kCorruptFile naming the file and line (not a JSON
/// object, no "prompt", an ill-typed "image(s)"), vision::load_image()'s error for an image that does not decode
/// (kCorruptFile, kUnsupported, kInvalidArgument; with the file and line), kInvalidArgument (no sample).
std::vector<CalibrationSample> load_calibration_file(const std::string& path);

/// The built-in samples: synthetic images (gradients, stripes, shapes, noise; seeded, so every compile sees the same
/// pixels) with generic questions, and text-only prompts.
std::vector<CalibrationSample> default_calibration_samples();

/// Opens `float_bundle_dir` with fp32 float mode and observers, answers each sample greedily for `new_tokens` tokens in
/// a fresh conversation, and returns the ranges. `progress(done, total)` after each sample.
engine::CalibrationRanges run_calibration(const std::string& float_bundle_dir,
                                          const std::vector<CalibrationSample>& samples, int new_tokens,
                                          const std::function<void(size_t, size_t)>& progress);

}  // namespace edgevl
