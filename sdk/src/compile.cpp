#include "edgevl/compile.h"

#include <filesystem>

#include <fstream>

#include "calibration_samples.h"
#include "edgevl/accuracy_report.h"
#include "edgevl/error.h"
#include "edgevl/models/qwen2vl_recipe.h"
#include "engine/engine.h"

namespace edgevl {

CompileSummary compile_model(const std::string& hf_dir, const std::string& out_bundle, const CompileOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(hf_dir, ec))
    throw Error(ErrorCode::kNotFound, "model directory " + hf_dir + ": no such directory");
  if (out_bundle.empty()) throw Error(ErrorCode::kInvalidArgument, "compile: empty output bundle path");
  if (options.calibration_new_tokens < 1 || options.calibration_new_tokens > 4096)
    throw Error(ErrorCode::kInvalidArgument, "compile: calibration_new_tokens must be in [1, 4096], got " +
                                                 std::to_string(options.calibration_new_tokens));
  engine::CompileOptions eo;
  eo.recipe = models::recipe_preset(precision_name(options.precision), options.block_size, options.vit_precision);
  if (!options.recipe_file.empty()) eo.recipe = models::recipe_from_file(eo.recipe, options.recipe_file);
  eo.context_length = options.context_length;
  eo.chunk = options.chunk;
  eo.max_pixels = options.max_pixels;
  eo.vit_buckets = options.vit_buckets;
  eo.backend = options.backend;
  eo.progress = options.progress;
  // The calibration samples are read (and their images checked) before any long work.
  std::vector<CalibrationSample> samples;
  if (eo.recipe.needs_calibration()) {
    samples = options.calibration_file.empty() ? default_calibration_samples()
                                               : load_calibration_file(options.calibration_file);
    eo.calibrate = [&](const std::string& float_bundle) {
      return run_calibration(float_bundle, samples, options.calibration_new_tokens, [&](size_t done, size_t total) {
        if (options.progress) options.progress("calibrate", done, total);
      });
    };
  } else if (!options.calibration_file.empty()) {
    throw Error(ErrorCode::kInvalidArgument, std::string("compile: a calibration file was given but precision ") +
                                                 precision_name(options.precision) + " is not calibrated");
  }
  std::string report_text;
  if (!options.report_file.empty()) {
    if (!eo.recipe.needs_calibration())
      throw Error(ErrorCode::kInvalidArgument, std::string("compile: --report compares a quantized bundle with its float "
                                                           "model; precision ") +
                                                   precision_name(options.precision) + " is not quantized");
    if (!options.report_samples_file.empty()) load_calibration_file(options.report_samples_file);  // checked now
    std::ofstream probe(options.report_file, std::ios::app);
    if (!probe) throw Error(ErrorCode::kIo, "compile: cannot write the report file " + options.report_file);
    eo.report = [&](const std::string& float_bundle, const std::string& bundle) {
      AccuracyReport r = compare_bundles(float_bundle, bundle, options.report_samples_file,
                                               options.calibration_new_tokens, [&](size_t done, size_t total) {
                                                 if (options.progress) options.progress("report", done, total);
                                               });
      r.float_bundle = std::string("the float model (") + qnn::float_mode_name(eo.recipe.float_mode) +
                       " weights, fp32 compute; removed after the compile)";
      std::ofstream f(options.report_file, std::ios::trunc);
      f << r.to_json() << "\n";
      if (!f) throw Error(ErrorCode::kIo, "compile: writing the report file " + options.report_file + " failed");
      report_text = r.to_text();
    };
  }
  const engine::CompileSummary s = engine::compile_qwen2vl(hf_dir, out_bundle, eo);
  CompileSummary out;
  out.graphs = s.graphs;
  out.vit_buckets = s.buckets;
  out.weights_bytes = s.weights_bytes;
  out.seconds = s.seconds;
  out.calibration_seconds = s.calibration_seconds;
  out.calibration_samples = samples.size();
  out.recipe = eo.recipe.to_json().dump();
  out.notes = s.notes;
  out.report = report_text;
  for (const auto& entry : fs::recursive_directory_iterator(out_bundle, ec))
    if (entry.is_regular_file(ec)) out.bundle_bytes += entry.file_size(ec);
  return out;
}

bool is_bundle(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(path) / "manifest.json", ec);
}

}  // namespace edgevl
