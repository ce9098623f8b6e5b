// Accuracy report: how far a quantized bundle is from the float model it was made from, on held-out inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace edgevl {

/// SQNR of one tensor, accumulated over all compared runs: 10·log10(Σref² / Σ(ref − test)²) in dB (+inf when equal).
struct TensorSqnr {
  std::string name;     ///< graph tensor name, e.g. "logits", "model.layers.3.mlp.residual"
  double sqnr_db = 0;
  uint64_t elements = 0;
};

struct AccuracyReport {
  std::string float_bundle, quantized_bundle;
  std::string recipe;                  ///< the quantized bundle's recipe (JSON text)
  size_t samples = 0;                  ///< held-out samples compared
  std::vector<TensorSqnr> outputs;     ///< "image_embeds" (when a sample has images) and "logits"
  std::vector<TensorSqnr> layers;      ///< one per decoder layer (its output) and per ViT block, in graph order
  double min_layer_sqnr_db = 0;
  std::vector<std::string> weak_layers;  ///< layers under 10 dB
  uint64_t top1_positions = 0;         ///< teacher-forced positions compared (prompt + the float model's answer)
  double top1_agreement = 0;           ///< share of those whose argmax equals the float model's
  size_t greedy_same = 0;              ///< samples whose greedy answer text equals the float model's
  double seconds = 0;

  std::string to_text() const;  ///< a readable table
  std::string to_json() const;  ///< the same as a JSON document
};

/// Compares `quantized_bundle` with `float_bundle` (the same model compiled fp32/fp16; run in fp32 float mode) on
/// `samples_file` (the calibration JSONL format of CompileOptions::calibration_file; empty = built-in held-out samples,
/// different images and prompts from the built-in calibration ones). Per sample: the float model answers greedily
/// (`new_tokens` at most); both models then prefill the prompt + that answer (teacher forcing) with observers on every
/// tensor: SQNR of the graph outputs and of each layer's output, top-1 agreement of the next-token predictions; then the
/// quantized model answers greedily and the answers are compared. `progress(done, total)` after each sample.
/// Throws edgevl::Error: what Model::open and the calibration file reader throw; kInvalidArgument when the bundles
/// are not of the same model (vocabulary, layers, hidden size).
AccuracyReport compare_bundles(const std::string& float_bundle, const std::string& quantized_bundle,
                               const std::string& samples_file = "", int new_tokens = 16,
                               const std::function<void(size_t, size_t)>& progress = {});

}  // namespace edgevl
