// The quantization recipe of a Qwen2-VL bundle: which tensors are quantized, to how many bits, with which block size,
// and what stays float. A precision name ("fp32", "fp16", "w8a16", "w4a16") is only a preset of it. The recipe is
// stored in the bundle's metadata (to_json), so a bundle says exactly how it was made. docs/quantization.md has the
// table of presets and the reasons for each choice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/qnn/backend.h"
#include "edgevl/qnn/calibration.h"
#include "edgevl/qnn/quantize_pass.h"

namespace edgevl::models {

/// Bits of a group of linear weights.
enum class WeightBits { kFloat, kW8, kW4 };
const char* weight_bits_name(WeightBits b);  ///< "float" / "w8" / "w4"

struct Qwen2VLRecipe {
  std::string preset = "fp32";         ///< the preset it came from, or "custom"
  qnn::FloatMode float_mode = qnn::FloatMode::kFp32;  ///< how the float tensors left are stored and computed
  // LLM decoder
  WeightBits llm_weights = WeightBits::kFloat;  ///< q/k/v/o/gate/up/down projections
  WeightBits head_weights = WeightBits::kFloat; ///< an untied lm_head (a tied head shares the embedding table)
  bool embedding_int8 = false;                  ///< embedding table int8 per row (w8 per vocab entry)
  int block_size = 32;                          ///< LPBQ block of input channels: 16, 32 or 64
  int llm_activation_bits = 0;                  ///< 0 = float, 16 = uint16 per tensor (calibrated)
  int kv_bits = 0;                              ///< 0 = float, 8 = uint8 with zero point 128 (calibrated)
  // Vision tower
  WeightBits vit_weights = WeightBits::kFloat;
  int vit_activation_bits = 0;
  // How ranges are chosen
  qnn::RangeMethod weight_range = qnn::RangeMethod::kMinMax;
  qnn::RangeStat activation_range = qnn::RangeStat::kMinMax;

  bool llm_quantized() const { return llm_weights != WeightBits::kFloat || llm_activation_bits || kv_bits; }
  bool vit_quantized() const { return vit_weights != WeightBits::kFloat || vit_activation_bits; }
  /// True when activation encodings must be calibrated (any a16 or KV quantization).
  bool needs_calibration() const { return llm_activation_bits || kv_bits || vit_activation_bits; }
  /// dtype of float constants left unquantized (float32 for the fp32 float mode, else float16).
  qnn::DType float_weight_dtype() const;

  nlohmann::json to_json() const;
  /// Throws edgevl::Error kCorruptFile naming the key for a malformed recipe.
  static Qwen2VLRecipe from_json(const nlohmann::json& j);
};

/// Names of the presets, in order: fp32, fp16, w8a16, w4a16.
const std::vector<std::string>& recipe_presets();
/// The preset `precision`:
///  - fp32: everything float32 (the reference);
///  - fp16: weights and activations float16 (the HTP's FP16 mode);
///  - w8a16: LLM linear weights, head and embedding int8 per channel, uint16 activations, uint8 KV; ViT fp16;
///  - w4a16: LLM linear weights LPBQ int4 (block_size), head and embedding int8 per channel, uint16 activations,
///    uint8 KV; ViT fp16.
/// `vit` overrides the vision tower: "" (the preset's), "fp32", "fp16" or "w8a16". Throws kInvalidArgument naming the
/// option and listing the valid names; check_lpbq_block_size() errors for a bad block size.
Qwen2VLRecipe recipe_preset(const std::string& precision, int block_size = 32, const std::string& vit = "");

/// The weight quantization of one linear weight (1×1 Conv2d HWIO [1, 1, In, Out]) under `recipe`, or nothing (float).
/// `is_vit` picks the vision tower's bits; `is_head` the head's. A w4 weight whose In is not divisible by the block
/// size falls back to w8 and appends a note naming it to `notes` (the summary prints them).
struct LinearChoice {
  bool quantized = false;
  qnn::WeightQuantSpec spec;
};
LinearChoice choose_linear_weight(const Qwen2VLRecipe& recipe, const qnn::LinearWeight& w, bool is_vit, bool is_head,
                                  std::vector<std::string>* notes);

}  // namespace edgevl::models
