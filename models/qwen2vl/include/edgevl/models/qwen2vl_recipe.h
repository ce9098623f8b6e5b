// The quantization recipe of a Qwen2-VL bundle: which tensors are quantized, to how many bits, with which block size,
// and what stays float. A precision name ("fp32", "fp16", "w8a16", "w4a16") is only a preset of it. The recipe is
// stored in the bundle's metadata (to_json), so a bundle says exactly how it was made. docs/quantization.md has the
// table of presets and the reasons for each choice.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
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
  /// A w4 weight whose input channels are not a multiple of block_size: true = stored w8 (with a note), false = a
  /// kInvalidArgument error naming it (a recipe that forces LPBQ everywhere).
  bool allow_w8_fallback = true;
  int llm_activation_bits = 0;                  ///< 0 = float, 16 = uint16 per tensor (calibrated)
  int kv_bits = 0;                              ///< 0 = float, 8 = uint8 with zero point 128 (calibrated)
  // Vision tower
  WeightBits vit_weights = WeightBits::kFloat;
  int vit_activation_bits = 0;
  // How ranges are chosen
  qnn::RangeMethod weight_range = qnn::RangeMethod::kMinMax;
  qnn::RangeStat activation_range = qnn::RangeStat::kMinMax;
  /// Per-weight overrides by checkpoint tensor name (e.g. "model.layers.0.mlp.down_proj.weight": "w8"): exactly these
  /// bits for that weight, whatever the groups above say; "w4" that does not fit the block size is an error.
  std::map<std::string, WeightBits> weights;

  bool llm_quantized() const { return llm_weights != WeightBits::kFloat || llm_activation_bits || kv_bits; }
  bool vit_quantized() const { return vit_weights != WeightBits::kFloat || vit_activation_bits; }
  /// True when activation encodings must be calibrated (any a16 or KV quantization).
  bool needs_calibration() const { return llm_activation_bits || kv_bits || vit_activation_bits; }
  /// dtype of float constants left unquantized (float32 for the fp32 float mode, else float16).
  qnn::DType float_weight_dtype() const;

  nlohmann::json to_json() const;
  /// Throws edgevl::Error kCorruptFile naming the key for a malformed recipe (every key but allow_w8_fallback and
  /// weights required, unknown keys and null values rejected).
  static Qwen2VLRecipe from_json(const nlohmann::json& j);
};

/// A user's recipe file (qwen2vl-compile --recipe FILE): the keys of to_json() present in `j` replace those of `base`
/// (a preset); "weights" adds per-tensor overrides. Throws kInvalidArgument naming `source` and the key: unknown key,
/// wrong type, bits or block size not allowed.
Qwen2VLRecipe recipe_with_overrides(Qwen2VLRecipe base, const nlohmann::json& j, const std::string& source);
/// recipe_with_overrides() of the JSON file `path` (at most 1 MiB, nesting ≤ 128). Throws kNotFound (no such file),
/// kCorruptFile (not JSON), kInvalidArgument (too large, or what recipe_with_overrides() rejects), naming the file.
Qwen2VLRecipe recipe_from_file(Qwen2VLRecipe base, const std::string& path);

/// Checks, before any long work, that every weight the recipe names exists in the checkpoint (`shape_of` returns its
/// shape, or nothing when absent) and that only matrices are asked for w8/w4. Throws kInvalidArgument naming it.
void check_weight_overrides(const Qwen2VLRecipe& recipe,
                            const std::function<std::optional<std::vector<int64_t>>(const std::string&)>& shape_of,
                            const std::string& checkpoint);

/// Names of the presets, in order: fp32, fp16, w8a16, w4a16.
const std::vector<std::string>& recipe_presets();
/// The preset `precision`:
///  - fp32: everything float32 (the reference);
///  - fp16: weights and activations float16 (the HTP's FP16 mode);
///  - w8a16: LLM linear weights, head and embedding int8 per channel, uint16 activations, uint8 KV; ViT fp16;
///  - w4a16: LLM linear weights LPBQ int4 (block_size), head and embedding int8 per channel, uint16 activations,
///    uint8 KV; ViT fp16.
/// `vit` overrides the vision tower: "" (the preset's), "fp32", "fp16" or "w8a16". A bundle has one float mode, so
/// "fp32" needs the fp32 preset and "fp16" one of the others. Throws kInvalidArgument naming the option (and listing the
/// valid names for an unknown one); check_lpbq_block_size() errors for a bad block size.
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

/// The quantization of the Qwen2-VL checkpoint weight `name` as the graph builders ask for it (`shape`), or nothing
/// (the weight stays float): the embedding table `embed_tensor` [vocab, hidden] int8 per row when embedding_int8 (a
/// tied head reads the same table); every other 2-D weight is a linear layer [Out, In] (the vision tower's when the name
/// starts with "visual.", the head's when Out = vocab_size), chosen by choose_linear_weight and expressed on the
/// [Out, In] layout (channel axis 0, LPBQ blocks along axis 1). 1-D tensors (norms, biases) stay float.
std::optional<qnn::WeightQuantSpec> checkpoint_weight_quant(const Qwen2VLRecipe& recipe, const std::string& name,
                                                            const std::vector<int64_t>& shape, int64_t vocab_size,
                                                            const std::string& embed_tensor,
                                                            std::vector<std::string>* notes);

}  // namespace edgevl::models
