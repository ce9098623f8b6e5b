#include "edgevl/vision/preprocessor_config.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/qnn/json_limits.h"
#include "edgevl/vision/image.h"

namespace edgevl::vision {
namespace {

using nlohmann::json;

// Qwen2VLImageProcessor's class defaults (used for keys a file omits).
constexpr int64_t kClassMinPixels = 56 * 56;
constexpr int64_t kClassMaxPixels = 28 * 28 * 1280;
constexpr int kPilBicubic = 3;

[[noreturn]] void bad(ErrorCode code, const std::string& source, const std::string& what) {
  throw Error(code, fmt::format("preprocessor config {}: {}", source, what));
}

int64_t get_int(const json& j, const char* key, int64_t fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  // HF writes some integers as floats (e.g. 3136.0); accept those that are whole.
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (std::isfinite(v) && std::fabs(v) < 9.0e18 && v == std::floor(v)) return static_cast<int64_t>(v);
  }
  bad(ErrorCode::kCorruptFile, source, fmt::format("'{}' must be an integer, got {}", key, qnn::json_excerpt(*it)));
}

double get_double(const json& j, const char* key, double fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) bad(ErrorCode::kCorruptFile, source, fmt::format("'{}' must be a number, got {}", key, qnn::json_excerpt(*it)));
  return it->get<double>();
}

bool get_bool(const json& j, const char* key, bool fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) bad(ErrorCode::kCorruptFile, source, fmt::format("'{}' must be true/false, got {}", key, qnn::json_excerpt(*it)));
  return it->get<bool>();
}

std::array<float, 3> get_triple(const json& j, const char* key, std::array<float, 3> fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_number()) {  // HF also accepts one value for all channels
    const float v = static_cast<float>(it->get<double>());
    return {v, v, v};
  }
  if (!it->is_array() || it->size() != 3) {
    bad(ErrorCode::kCorruptFile, source, fmt::format("'{}' must be a list of 3 numbers, got {}", key, qnn::json_excerpt(*it)));
  }
  std::array<float, 3> out{};
  for (size_t c = 0; c < 3; ++c) {
    if (!(*it)[c].is_number()) bad(ErrorCode::kCorruptFile, source, fmt::format("'{}'[{}] is not a number", key, c));
    out[c] = static_cast<float>((*it)[c].get<double>());  // HF casts mean/std to the image dtype, float32
  }
  return out;
}

}  // namespace

PreprocessorConfig parse_preprocessor_config(const std::string& json_text, const std::string& source_name) {
  const json j = qnn::parse_json_bounded(json_text, "preprocessor config " + source_name);  // nesting <= 128
  if (!j.is_object()) bad(ErrorCode::kCorruptFile, source_name, "top level must be a JSON object");

  PreprocessorConfig c;
  c.min_pixels = kClassMinPixels;
  c.max_pixels = kClassMaxPixels;
  if (auto it = j.find("size"); it != j.end() && !it->is_null()) {
    if (!it->is_object() || !it->contains("shortest_edge") || !it->contains("longest_edge")) {
      bad(ErrorCode::kCorruptFile, source_name, "'size' must contain 'shortest_edge' and 'longest_edge'");
    }
    c.min_pixels = get_int(*it, "shortest_edge", c.min_pixels, source_name);
    c.max_pixels = get_int(*it, "longest_edge", c.max_pixels, source_name);
  }
  c.min_pixels = get_int(j, "min_pixels", c.min_pixels, source_name);
  c.max_pixels = get_int(j, "max_pixels", c.max_pixels, source_name);
  const int64_t patch = get_int(j, "patch_size", c.patch_size, source_name);
  const int64_t temporal = get_int(j, "temporal_patch_size", c.temporal_patch_size, source_name);
  const int64_t merge = get_int(j, "merge_size", c.merge_size, source_name);
  c.image_mean = get_triple(j, "image_mean", c.image_mean, source_name);
  c.image_std = get_triple(j, "image_std", c.image_std, source_name);
  c.rescale_factor = get_double(j, "rescale_factor", c.rescale_factor, source_name);
  c.do_resize = get_bool(j, "do_resize", c.do_resize, source_name);
  c.do_rescale = get_bool(j, "do_rescale", c.do_rescale, source_name);
  c.do_normalize = get_bool(j, "do_normalize", c.do_normalize, source_name);
  const int64_t resample = get_int(j, "resample", kPilBicubic, source_name);

  if (resample != kPilBicubic) {
    bad(ErrorCode::kUnsupported, source_name,
        fmt::format("resample = {} is not supported (only 3 = PIL bicubic, the Qwen2-VL default)", resample));
  }
  if (patch < 1 || patch > 1024 || temporal < 1 || temporal > 64 || merge < 1 || merge > 64) {
    bad(ErrorCode::kInvalidArgument, source_name,
        fmt::format("patch_size {}, temporal_patch_size {}, merge_size {} must be positive (and small)", patch, temporal,
                    merge));
  }
  c.patch_size = static_cast<int>(patch);
  c.temporal_patch_size = static_cast<int>(temporal);
  c.merge_size = static_cast<int>(merge);
  if (c.min_pixels < 0 || c.max_pixels < 1 || c.min_pixels > c.max_pixels || c.min_pixels > kMaxImagePixels) {
    bad(ErrorCode::kInvalidArgument, source_name,
        fmt::format("min_pixels {} / max_pixels {} must satisfy 0 <= min <= max, min <= {}", c.min_pixels, c.max_pixels,
                    kMaxImagePixels));
  }
  for (int ch = 0; ch < 3; ++ch) {
    if (!(c.image_std[ch] != 0.0f) || !std::isfinite(c.image_std[ch]) || !std::isfinite(c.image_mean[ch])) {
      bad(ErrorCode::kInvalidArgument, source_name,
          fmt::format("image_mean/image_std channel {} must be finite with std != 0 (got {}, {})", ch, c.image_mean[ch],
                      c.image_std[ch]));
    }
  }
  if (!(c.rescale_factor > 0.0) || !std::isfinite(c.rescale_factor)) {
    bad(ErrorCode::kInvalidArgument, source_name, fmt::format("rescale_factor {} must be positive", c.rescale_factor));
  }
  return c;
}

PreprocessorConfig load_preprocessor_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, fmt::format("preprocessor config {}: cannot open file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kIo, fmt::format("preprocessor config {}: read failed", path));
  return parse_preprocessor_config(text.str(), path);
}

void check_matches_vision(const PreprocessorConfig& pre, int vit_patch_size, int vit_temporal_patch_size,
                          int vit_merge_size, const std::string& source_name) {
  const struct {
    const char* key;
    int pre, vit;
  } pairs[] = {{"patch_size", pre.patch_size, vit_patch_size},
               {"temporal_patch_size", pre.temporal_patch_size, vit_temporal_patch_size},
               {"merge_size", pre.merge_size, vit_merge_size}};
  for (const auto& p : pairs)
    if (p.pre != p.vit)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("preprocessor config {}: {} is {} but the vision tower's is {} (the two configs must "
                              "agree)", source_name, p.key, p.pre, p.vit));
}

}  // namespace edgevl::vision
