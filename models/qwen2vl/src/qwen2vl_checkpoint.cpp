#include "edgevl/models/qwen2vl_checkpoint.h"

#include <algorithm>

#include "edgevl/error.h"

namespace edgevl::models {
namespace {

bool is_float(qnn::SafetensorsDType d) {
  return d == qnn::SafetensorsDType::kBF16 || d == qnn::SafetensorsDType::kF16 || d == qnn::SafetensorsDType::kF32;
}

TensorNaming detect_naming(const qnn::SafetensorsCheckpoint& w) {
  for (const std::string& n : w.names())
    if (n.rfind("model.visual.", 0) == 0 || n.rfind("model.language_model.", 0) == 0) return TensorNaming::kNested;
  return TensorNaming::kLegacy;
}

}  // namespace

Qwen2VLCheckpoint Qwen2VLCheckpoint::open(const std::string& dir) {
  Qwen2VLCheckpoint c;
  c.dir_ = dir;
  c.config_ = Qwen2VLConfig::load(dir + "/config.json");
  c.generation_ = ModelGenerationConfig::load(dir, c.config_);
  c.weights_ = qnn::SafetensorsCheckpoint::open_dir(dir);
  c.naming_ = detect_naming(c.weights_);
  c.tied_ = c.config_.text.tie_word_embeddings || !c.weights_.find("lm_head.weight");
  c.expected_ = qwen2vl_expected_tensors(c.config_, !c.tied_);

  std::vector<std::string> missing;
  for (const ExpectedTensor& e : c.expected_) {
    const std::string name = qwen2vl_tensor_name(e.name, c.naming_);
    const qnn::TensorView* t = c.weights_.find(name);
    if (!t) {
      missing.push_back(name);
      continue;
    }
    if (!is_float(t->dtype))
      throw Error(ErrorCode::kShapeMismatch, t->file + ": tensor '" + name + "': dtype " +
                                                 qnn::safetensors_dtype_name(t->dtype) +
                                                 " is not a floating-point weight type (BF16, F16, F32)");
    if (t->shape != e.shape)
      throw Error(ErrorCode::kShapeMismatch, t->file + ": tensor '" + name + "': expected shape " +
                                                 qnn::TensorView::shape_str(e.shape) + " for " + dir +
                                                 "/config.json, got " + qnn::TensorView::shape_str(t->shape));
  }
  if (!missing.empty()) {
    std::string msg = dir + ": " + std::to_string(missing.size()) + " expected tensor(s) missing from the checkpoint (" +
                      (c.naming_ == TensorNaming::kNested ? "model.visual./model.language_model." : "visual./model.") +
                      " naming):";
    const size_t shown = std::min<size_t>(missing.size(), 20);
    for (size_t i = 0; i < shown; ++i) msg += " " + missing[i];
    if (shown < missing.size()) msg += " ... and " + std::to_string(missing.size() - shown) + " more";
    throw Error(ErrorCode::kNotFound, msg);
  }
  return c;
}

const qnn::TensorView* Qwen2VLCheckpoint::find(const std::string& canonical) const {
  if (canonical == "lm_head.weight" && tied_) return find("model.embed_tokens.weight");
  bool expected = false;
  for (const ExpectedTensor& e : expected_)
    if (e.name == canonical) expected = true;
  if (!expected) return nullptr;
  return weights_.find(qwen2vl_tensor_name(canonical, naming_));
}

const qnn::TensorView& Qwen2VLCheckpoint::tensor(const std::string& canonical) const {
  const qnn::TensorView* t = find(canonical);
  if (!t) throw Error(ErrorCode::kNotFound, dir_ + ": no tensor '" + canonical + "' in a Qwen2-VL checkpoint");
  return *t;
}

}  // namespace edgevl::models
