#include "edgevl/llm/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_set>

#include "edgevl/error.h"

namespace edgevl::llm {
namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Softmax probabilities (float64 accumulation) of logits; -inf entries get 0.
std::vector<double> softmax(const std::vector<float>& logits) {
  float mx = kNegInf;
  for (float v : logits) mx = std::max(mx, v);
  std::vector<double> p(logits.size(), 0.0);
  if (mx == kNegInf) return p;
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp(static_cast<double>(logits[i]) - mx);
    sum += p[i];
  }
  for (double& v : p) v /= sum;
  return p;
}
}  // namespace

void apply_repetition_penalty(std::vector<float>& logits, const std::vector<int32_t>& history, float penalty) {
  if (penalty == 1.0f) return;
  std::unordered_set<int32_t> seen;
  for (int32_t id : history) {
    if (id < 0 || static_cast<size_t>(id) >= logits.size() || !seen.insert(id).second) continue;
    float& v = logits[id];
    v = v < 0 ? v * penalty : v / penalty;
  }
}

void apply_min_new_tokens(std::vector<float>& logits, const std::vector<int32_t>& eos_ids, int64_t generated,
                          int64_t min_new_tokens) {
  if (generated >= min_new_tokens) return;
  for (int32_t id : eos_ids)
    if (id >= 0 && static_cast<size_t>(id) < logits.size()) logits[id] = kNegInf;
}

void apply_temperature(std::vector<float>& logits, float temperature) {
  if (temperature == 1.0f) return;
  for (float& v : logits) v /= temperature;
}

void apply_top_k(std::vector<float>& logits, int k) {
  if (k <= 0 || static_cast<size_t>(k) >= logits.size()) return;
  std::vector<float> sorted(logits);
  std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<float>());
  const float kth = sorted[k - 1];
  for (float& v : logits)
    if (v < kth) v = kNegInf;
}

void apply_top_p(std::vector<float>& logits, float top_p) {
  if (top_p >= 1.0f || logits.empty()) return;
  const std::vector<double> p = softmax(logits);
  std::vector<size_t> order(logits.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Ascending by logit, as HF's torch.sort(descending=False); stable so ties keep index order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return logits[a] < logits[b]; });
  const double threshold = 1.0 - static_cast<double>(top_p);
  double cum = 0;
  for (size_t r = 0; r + 1 < order.size(); ++r) {  // the last (most likely) token is always kept
    cum += p[order[r]];
    if (cum <= threshold) logits[order[r]] = kNegInf;
    else break;
  }
}

int32_t argmax(const std::vector<float>& logits) {
  if (logits.empty()) throw Error(ErrorCode::kInvalidArgument, "sampler: empty logits");
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

void validate(const SamplerConfig& c) {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, "generation config: " + what); };
  if (!(c.temperature >= 0)) bad("temperature must be >= 0 (0 = greedy), got " + std::to_string(c.temperature));
  if (c.top_k < 0) bad("top_k must be >= 0 (0 = off), got " + std::to_string(c.top_k));
  if (!(c.top_p > 0 && c.top_p <= 1)) bad("top_p must be in (0, 1], got " + std::to_string(c.top_p));
  if (!(c.repetition_penalty > 0) || std::isinf(c.repetition_penalty))
    bad("repetition_penalty must be > 0 (1 = off), got " + std::to_string(c.repetition_penalty));
}

Sampler::Sampler(const SamplerConfig& config) : config_(config), rng_(config.seed) { validate(config_); }

bool Sampler::greedy() const { return config_.temperature <= 0 || config_.top_k == 1; }

int32_t Sampler::sample(std::vector<float>& logits, const std::vector<int32_t>& history) {
  if (logits.empty()) throw Error(ErrorCode::kInvalidArgument, "sampler: empty logits");
  apply_repetition_penalty(logits, history, config_.repetition_penalty);
  if (greedy()) return argmax(logits);
  apply_temperature(logits, config_.temperature);
  apply_top_k(logits, config_.top_k);
  apply_top_p(logits, config_.top_p);
  const std::vector<double> p = softmax(logits);
  // u in [0, 1) from the top 53 bits: the same on every platform (std::uniform_real_distribution is not).
  const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
  double cum = 0;
  int32_t last = -1;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    cum += p[i];
    last = static_cast<int32_t>(i);
    if (u < cum) return last;
  }
  if (last < 0) return argmax(logits);  // every logit -inf or NaN: fall back to the first maximum
  return last;                          // rounding left u >= cum: the last possible token
}

}  // namespace edgevl::llm
