#include "edgevl/compile.h"

#include <filesystem>

#include "edgevl/error.h"
#include "engine/engine.h"

namespace edgevl {

CompileSummary compile_model(const std::string& hf_dir, const std::string& out_bundle, const CompileOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(hf_dir, ec))
    throw Error(ErrorCode::kNotFound, "model directory " + hf_dir + ": no such directory");
  if (out_bundle.empty()) throw Error(ErrorCode::kInvalidArgument, "compile: empty output bundle path");
  engine::CompileOptions eo;
  eo.precision = options.precision == Precision::kFp16 ? qnn::Precision::kFp16 : qnn::Precision::kFp32;
  eo.context_length = options.context_length;
  eo.chunk = options.chunk;
  eo.max_pixels = options.max_pixels;
  eo.vit_buckets = options.vit_buckets;
  eo.progress = options.progress;
  const engine::CompileSummary s = engine::compile_qwen2vl(hf_dir, out_bundle, eo);
  CompileSummary out;
  out.graphs = s.graphs;
  out.vit_buckets = s.buckets;
  out.weights_bytes = s.weights_bytes;
  out.seconds = s.seconds;
  for (const auto& entry : fs::recursive_directory_iterator(out_bundle, ec))
    if (entry.is_regular_file(ec)) out.bundle_bytes += entry.file_size(ec);
  return out;
}

bool is_bundle(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(path) / "manifest.json", ec);
}

}  // namespace edgevl
