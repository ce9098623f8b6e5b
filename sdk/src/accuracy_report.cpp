#include "edgevl/accuracy_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "calibration_samples.h"
#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/session.h"
#include "model_impl.h"
#include "turn_builder.h"

namespace edgevl {
namespace {

struct Acc {
  double ref2 = 0, err2 = 0;
  uint64_t n = 0;
  void add(const float* ref, const float* test, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const double r = ref[i], d = double(ref[i]) - double(test[i]);
      ref2 += r * r;
      err2 += d * d;
    }
    n += count;
  }
  double db() const {
    if (err2 == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(std::max(ref2, 1e-300) / err2);
  }
};

// The output tensor of every decoder layer / ViT block: the last value produced by an op of the layer's name prefix
// ("model.layers.N." / "visual.blocks.N."), in graph order.
std::vector<std::string> layer_outputs(const qnn::Graph& g) {
  std::vector<std::string> order;
  std::map<std::string, std::string> last;
  for (const qnn::Op& op : g.ops()) {
    for (const char* pre : {"model.layers.", "visual.blocks."}) {
      const std::string& n = op.name;
      if (n.rfind(pre, 0) != 0) continue;
      const size_t dot = n.find('.', std::string(pre).size());
      if (dot == std::string::npos) continue;
      const std::string layer = n.substr(0, dot);
      if (!last.count(layer)) order.push_back(layer);
      const qnn::Tensor& t = g.tensor(op.outputs[0]);
      if (qnn::is_float(t.dtype) || t.quant.quantized()) last[layer] = t.name;
    }
  }
  std::vector<std::string> out;
  for (const auto& l : order)
    if (last.count(l)) out.push_back(last[l]);
  return out;
}

// Records the float model's values of the selected tensors in order; the quantized run consumes them in the same order
// (both prefill the same ids in the same chunks) and accumulates the SQNR. Idle while the models answer freely.
struct Comparer {
  enum class Mode { kIdle, kRecord, kCompare };
  std::set<std::string> watched;
  Mode mode = Mode::kIdle;
  std::map<std::string, std::deque<std::vector<float>>> pending;
  std::map<std::string, Acc> acc;
  qnn::TensorObserver hook() {
    return [this](const qnn::Tensor& t, const float* v, size_t n) {
      if (mode == Mode::kIdle || !watched.count(t.name)) return;
      if (mode == Mode::kRecord) {
        pending[t.name].emplace_back(v, v + n);
        return;
      }
      auto& q = pending[t.name];
      if (q.empty() || q.front().size() != n) return;  // runs out of step: not compared
      acc[t.name].add(q.front().data(), v, n);
      q.pop_front();
    };
  }
};

const std::vector<CalibrationSample>& held_out_default() {
  static const std::vector<CalibrationSample> s = [] {
    std::vector<CalibrationSample> out = default_calibration_samples();
    // Held out: the calibration images rotated by 180 degrees (same sizes and content kinds) with other prompts.
    std::vector<CalibrationSample> held;
    const char* prompts[] = {"What do you see here?", "Which colour is the largest area?", "Describe it briefly.",
                             "Is there a circle?"};
    int k = 0;
    for (const auto& c : out) {
      if (c.images.empty()) continue;
      const Image& im = c.images[0];
      std::vector<uint8_t> rgb(im.rgb().rbegin(), im.rgb().rend());  // the image rotated by 180 degrees
      for (size_t i = 0; i + 2 < rgb.size(); i += 3) std::swap(rgb[i], rgb[i + 2]);  // back to RGB order per pixel
      held.push_back({prompts[k++ % 4], {Image::from_rgb(std::move(rgb), im.width(), im.height())}});
    }
    held.push_back({"Name three colours.", {}});
    held.push_back({"What is the capital of France?", {}});
    return held;
  }();
  return s;
}

size_t argmax(const float* v, size_t n) { return size_t(std::max_element(v, v + n) - v); }

}  // namespace

AccuracyReport compare_bundles(const std::string& float_bundle, const std::string& quantized_bundle,
                               const std::string& samples_file, int new_tokens,
                               const std::function<void(size_t, size_t)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<CalibrationSample> samples =
      samples_file.empty() ? held_out_default() : load_calibration_file(samples_file);
  Comparer vit_cmp, llm_cmp;
  engine::EngineOptions fo;
  fo.float_mode = qnn::FloatMode::kFp32;
  fo.vit_observer = vit_cmp.hook();
  fo.llm_observer = llm_cmp.hook();
  engine::EngineOptions qo;
  qo.vit_observer = vit_cmp.hook();
  qo.llm_observer = llm_cmp.hook();
  const std::shared_ptr<Model::Impl> fimpl = open_model_impl(float_bundle, fo);
  const std::shared_ptr<Model::Impl> qimpl = open_model_impl(quantized_bundle, qo);
  const engine::BundleInfo& fi = fimpl->engine->info();
  const engine::BundleInfo& qi = qimpl->engine->info();
  if (fi.llm.vocab_size != qi.llm.vocab_size || fi.llm.num_layers != qi.llm.num_layers || fi.llm.hidden != qi.llm.hidden)
    throw Error(ErrorCode::kInvalidArgument, "accuracy report: " + float_bundle + " and " + quantized_bundle +
                                                 " are not the same model (vocabulary, layers or hidden size differ)");
  const Model fmodel = Model::from_impl(fimpl), qmodel = Model::from_impl(qimpl);
  const std::vector<std::string> llm_layers = layer_outputs(fimpl->engine->bundle().graph(fi.decode_graph));
  llm_cmp.watched.insert(llm_layers.begin(), llm_layers.end());
  std::vector<std::string> vit_layers;
  if (!fi.vit_buckets.empty()) {
    vit_layers = layer_outputs(fimpl->engine->bundle().graph("vit.p" + std::to_string(fi.vit_buckets.front())));
    vit_cmp.watched.insert(vit_layers.begin(), vit_layers.end());
  }

  AccuracyReport rep;
  rep.float_bundle = float_bundle;
  rep.quantized_bundle = quantized_bundle;
  rep.recipe = qi.recipe.to_json().dump();
  Acc embeds_acc, logits_acc;
  uint64_t top1_same = 0;
  GenerationConfig greedy;
  greedy.temperature = 0.0f;
  greedy.max_new_tokens = std::max(1, new_tokens);
  greedy.repetition_penalty = 1.0f;
  for (size_t i = 0; i < samples.size(); ++i) {
    Request req;
    req.text = samples[i].prompt;
    req.images = samples[i].images;
    // The float model's greedy answer (observers idle).
    Session fs(fmodel);
    const Result fr = fs.generate(req, greedy);
    // Teacher forcing: the prompt and that answer, prefilled by both models.
    const detail::Turn turn = detail::build_turn(*fimpl, req, false);
    std::vector<int32_t> ids = turn.ids;
    ids.insert(ids.end(), fr.token_ids.begin(), fr.token_ids.end());
    if (int64_t(ids.size()) > fi.context_length) ids.resize(size_t(fi.context_length));
    std::vector<vision::PixelValues> pixels;
    for (const auto& im : turn.images) pixels.push_back(detail::pixel_values(*fimpl, im));
    std::vector<float> flogits;
    std::vector<std::vector<float>> fembeds;
    for (int pass = 0; pass < 2; ++pass) {
      const engine::Qwen2VLEngine& eng = pass == 0 ? *fimpl->engine : *qimpl->engine;
      vit_cmp.mode = llm_cmp.mode = pass == 0 ? Comparer::Mode::kRecord : Comparer::Mode::kCompare;
      std::vector<engine::ImageInput> images;
      for (size_t k = 0; k < pixels.size(); ++k) {
        engine::ImageInput in;
        in.grid_thw = pixels[k].grid_thw;
        in.embeds = eng.encode_image(pixels[k].data.data(), pixels[k].num_patches, {pixels[k].grid_thw});
        if (pass == 0) fembeds.push_back(in.embeds);
        else embeds_acc.add(fembeds[k].data(), in.embeds.data(), in.embeds.size());
        images.push_back(std::move(in));
      }
      auto seq = eng.new_sequence();
      std::vector<float> logits = eng.prefill(*seq, ids, images, /*all_logits=*/true);
      if (pass == 0) {
        flogits = std::move(logits);
        continue;
      }
      logits_acc.add(flogits.data(), logits.data(), logits.size());
      const size_t V = size_t(fi.llm.vocab_size);
      for (size_t p = 0; p < ids.size(); ++p)
        top1_same += argmax(flogits.data() + p * V, V) == argmax(logits.data() + p * V, V);
      rep.top1_positions += ids.size();
    }
    vit_cmp.mode = llm_cmp.mode = Comparer::Mode::kIdle;
    vit_cmp.pending.clear();  // what the quantized run did not consume (runs out of step)
    llm_cmp.pending.clear();
    Session qs(qmodel);
    const Result qr = qs.generate(req, greedy);
    rep.greedy_same += qr.text == fr.text;
    ++rep.samples;
    if (progress) progress(i + 1, samples.size());
  }
  if (embeds_acc.n) rep.outputs.push_back({"image_embeds", embeds_acc.db(), embeds_acc.n});
  rep.outputs.push_back({"logits", logits_acc.db(), logits_acc.n});
  rep.min_layer_sqnr_db = std::numeric_limits<double>::infinity();
  auto add_layers = [&](const std::vector<std::string>& names, const Comparer& c) {
    for (const auto& n : names) {
      auto it = c.acc.find(n);
      if (it == c.acc.end()) continue;
      rep.layers.push_back({n, it->second.db(), it->second.n});
      rep.min_layer_sqnr_db = std::min(rep.min_layer_sqnr_db, it->second.db());
      if (it->second.db() < 10.0) rep.weak_layers.push_back(n);
    }
  };
  add_layers(vit_layers, vit_cmp);
  add_layers(llm_layers, llm_cmp);
  rep.top1_agreement = rep.top1_positions ? double(top1_same) / double(rep.top1_positions) : 0.0;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

std::string AccuracyReport::to_text() const {
  std::string s;
  char buf[512];
  std::snprintf(buf, sizeof buf, "accuracy report: %s vs %s (%zu held-out samples, %.1f s)\n",
                quantized_bundle.c_str(), float_bundle.c_str(), samples, seconds);
  s += buf;
  s += "  recipe: " + recipe + "\n";
  for (const auto& o : outputs) {
    std::snprintf(buf, sizeof buf, "  output %-14s SQNR %6.1f dB  (%llu values)\n", o.name.c_str(), o.sqnr_db,
                  static_cast<unsigned long long>(o.elements));
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "  top-1 agreement (teacher-forced): %.2f%% of %llu positions\n", 100.0 * top1_agreement,
                static_cast<unsigned long long>(top1_positions));
  s += buf;
  std::snprintf(buf, sizeof buf, "  greedy answers equal: %zu of %zu\n", greedy_same, samples);
  s += buf;
  s += "  per-layer SQNR (dB):\n";
  for (const auto& l : layers) {
    std::snprintf(buf, sizeof buf, "    %-48s %6.1f%s\n", l.name.c_str(), l.sqnr_db, l.sqnr_db < 10.0 ? "  < 10 dB" : "");
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "  lowest layer SQNR %.1f dB; %zu layers under 10 dB\n", min_layer_sqnr_db,
                weak_layers.size());
  s += buf;
  return s;
}

std::string AccuracyReport::to_json() const {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json("inf"); };
  nlohmann::json j;
  j["float_bundle"] = float_bundle;
  j["quantized_bundle"] = quantized_bundle;
  j["recipe"] = nlohmann::json::parse(recipe);
  j["samples"] = samples;
  for (const auto& o : outputs) j["outputs"].push_back({{"name", o.name}, {"sqnr_db", num(o.sqnr_db)}, {"elements", o.elements}});
  for (const auto& l : layers) j["layers"].push_back({{"name", l.name}, {"sqnr_db", num(l.sqnr_db)}, {"elements", l.elements}});
  j["min_layer_sqnr_db"] = num(min_layer_sqnr_db);
  j["weak_layers"] = weak_layers;
  j["top1_positions"] = top1_positions;
  j["top1_agreement"] = top1_agreement;
  j["greedy_same"] = greedy_same;
  j["seconds"] = seconds;
  return j.dump(2);
}

}  // namespace edgevl
