#include "edgevl/session.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "edgevl/error.h"
#include "edgevl/llm/sampler.h"
#include "edgevl/llm/streaming_detokenizer.h"
#include "model_impl.h"
#include "text_stream.h"
#include "turn_builder.h"

namespace edgevl {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
double rate(int64_t n, double ms) { return ms > 0 ? n / (ms / 1000.0) : 0.0; }

// Number of image-pad runs (= images) among ids[0, n).
size_t count_image_runs(const std::vector<int32_t>& ids, size_t n, int32_t pad) {
  size_t runs = 0;
  for (size_t k = 0; k < n; ++k)
    if (ids[k] == pad && (k == 0 || ids[k - 1] != pad)) ++runs;
  return runs;
}

llm::SamplerConfig sampler_config(const GenerationConfig& c) {
  llm::SamplerConfig s;
  s.temperature = *c.temperature;
  s.top_k = *c.top_k;
  s.top_p = *c.top_p;
  s.repetition_penalty = *c.repetition_penalty;
  s.seed = *c.seed;
  return s;
}

}  // namespace

struct Session::State {
  explicit State(Model m) : model(std::move(m)) {}
  Model model;
  std::unique_ptr<engine::Sequence> seq;      ///< KV cache + positions; holds ids[0, seq->length())
  std::vector<int32_t> ids;                   ///< the conversation (the last generated token is not cached yet)
  std::vector<engine::ImageInput> images;     ///< embeddings of every image of the conversation, in pad-run order
};

Session::Session(Model model) : state_(std::make_unique<State>(std::move(model))) {
  state_->seq = state_->model.impl()->engine->new_sequence();
}

Session::~Session() = default;

void Session::cancel() { cancel_requested_.store(true); }

void Session::reset() {
  state_->seq = state_->model.impl()->engine->new_sequence();
  state_->ids.clear();
  state_->images.clear();
}

const std::vector<int32_t>& Session::token_ids() const { return state_->ids; }
int64_t Session::cached_tokens() const { return state_->seq->length(); }
const Model& Session::model() const { return state_->model; }

Result Session::generate(const Request& request, const GenerationConfig& config, const TokenCallback& on_token) {
  cancel_requested_.store(false);
  const auto t_start = Clock::now();
  State& st = *state_;
  const Model::Impl& m = *st.model.impl();
  const engine::Qwen2VLEngine& eng = *m.engine;

  const GenerationConfig cfg = config.merged_with(m.defaults);
  if (*cfg.max_new_tokens < 1)
    throw Error(ErrorCode::kInvalidArgument,
                "generation config: max_new_tokens must be >= 1, got " + std::to_string(*cfg.max_new_tokens));
  if (*cfg.min_new_tokens < 0)
    throw Error(ErrorCode::kInvalidArgument,
                "generation config: min_new_tokens must be >= 0 (0 = off), got " + std::to_string(*cfg.min_new_tokens));
  llm::Sampler sampler(sampler_config(cfg));

  // 1. The new tokens: close the previous assistant turn, then the rendered continuation. Nothing runs yet.
  detail::Turn turn = detail::build_turn(m, request, !st.ids.empty());
  std::vector<int32_t> ids = st.ids;
  const size_t cached = static_cast<size_t>(st.seq->length());
  if (!ids.empty()) {
    detail::close_assistant_turn(m, ids, cached);
    const std::vector<int32_t> nl = m.tokenizer->encode("\n");
    ids.insert(ids.end(), nl.begin(), nl.end());
  }
  const size_t previous = ids.size();
  ids.insert(ids.end(), turn.ids.begin(), turn.ids.end());
  const int64_t ctx = m.info.context_length;
  if (static_cast<int64_t>(ids.size()) + 1 > ctx) {
    int64_t image_tokens = 0;
    for (const auto& im : turn.images) image_tokens += im.tokens;
    throw Error(ErrorCode::kContextOverflow,
                "prompt too long: " + std::to_string(ids.size()) + " tokens (" + std::to_string(previous) +
                    " from earlier turns + " + std::to_string(turn.ids.size()) + " new, of which " +
                    std::to_string(image_tokens) + " for " + std::to_string(turn.images.size()) +
                    " image(s)) + 1 to generate exceed the context length " + std::to_string(ctx) +
                    " of model " + m.info.path);
  }

  Result result;
  Stats& stats = result.stats;
  stats.images = static_cast<int>(turn.images.size());
  stats.preprocess_ms = turn.preprocess_ms;
  stats.prompt_tokens = static_cast<int64_t>(ids.size());

  bool touched = false;  // the sequence changed: on failure it must be rebuilt from st.ids
  auto rollback = [&] {
    if (touched) st.seq = eng.new_sequence();
  };
  std::vector<engine::ImageInput> new_images;
  try {
    // 2. Resize + patchify, then the vision tower, one image at a time (each in its own smallest bucket).
    for (const auto& im : turn.images) {
      const auto t_pre = Clock::now();
      const vision::PixelValues px = detail::pixel_values(m, im);
      stats.preprocess_ms += ms_since(t_pre);
      const auto t_vit = Clock::now();
      engine::ImageInput in;
      in.grid_thw = px.grid_thw;
      in.embeds = eng.encode_image(px.data.data(), px.num_patches, {px.grid_thw});
      new_images.push_back(std::move(in));
      stats.vit_ms += ms_since(t_vit);
    }

    // 3. Prefill the uncached tokens in pieces of one chunk (an image's pads are never split), checking cancel between.
    std::vector<engine::ImageInput> pending(st.images.begin() + count_image_runs(ids, cached, m.image_pad_id),
                                            st.images.end());
    pending.insert(pending.end(), new_images.begin(), new_images.end());
    const auto t_prefill = Clock::now();
    const size_t chunk = static_cast<size_t>(std::max<int64_t>(1, m.info.prefill_chunk));
    std::vector<float> logits;
    size_t pos = cached, next_image = 0;
    while (pos < ids.size()) {
      if (cancel_requested_.load()) {
        rollback();
        result.stop_reason = StopReason::kCancelled;
        stats.total_ms = ms_since(t_start);
        return result;
      }
      size_t end = std::min(ids.size(), pos + chunk);
      while (end < ids.size() && ids[end - 1] == m.image_pad_id && ids[end] == m.image_pad_id) ++end;
      const size_t runs = count_image_runs(ids, end, m.image_pad_id) - count_image_runs(ids, pos, m.image_pad_id);
      std::vector<engine::ImageInput> piece_images(pending.begin() + next_image, pending.begin() + next_image + runs);
      next_image += runs;
      const std::vector<int32_t> piece(ids.begin() + pos, ids.begin() + end);
      touched = true;
      logits = eng.prefill(*st.seq, piece, piece_images);
      pos = end;
    }
    stats.prefill_tokens = static_cast<int64_t>(ids.size() - cached);
    stats.prefill_ms = ms_since(t_prefill);
    stats.prefill_tokens_per_s = rate(stats.prefill_tokens, stats.prefill_ms);

    // 4. Decode.
    llm::StreamingDetokenizer detok(*m.tokenizer, /*skip_special_tokens=*/true);
    const size_t tokenizer_size = m.tokenizer->vocab_size();
    detail::TextStream stream(cfg.stop, &on_token);
    StopReason reason = StopReason::kMaxTokens;
    Clock::time_point t_decode;
    int64_t decode_runs = 0;
    const float neg_inf = -std::numeric_limits<float>::infinity();
    while (true) {
      // Image placeholders are never generated: a pad in the history would be taken for an image on the next turn.
      if (m.image_pad_id >= 0 && static_cast<size_t>(m.image_pad_id) < logits.size()) logits[m.image_pad_id] = neg_inf;
      llm::apply_min_new_tokens(logits, m.info.eos_token_ids, static_cast<int64_t>(result.token_ids.size()),
                                *cfg.min_new_tokens);
      const int32_t token = sampler.sample(logits, ids);
      ids.push_back(token);
      result.token_ids.push_back(token);
      if (result.token_ids.size() == 1) {
        stats.ttft_ms = ms_since(t_start);
        t_decode = Clock::now();
      }
      if (m.eos_ids.count(token)) {
        reason = StopReason::kEos;
        break;
      }
      // Ids past the tokenizer's vocabulary (the model's vocab_size is padded, e.g. 151936 vs 151665 tokens) have no
      // text: like HF tokenizers' decode, they produce nothing.
      const std::string piece = static_cast<size_t>(token) < tokenizer_size ? detok.push(token) : std::string();
      if (!piece.empty() && !stream.add(piece)) {
        reason = stream.stop_hit() ? StopReason::kStopString : StopReason::kCallback;
        break;
      }
      if (static_cast<int64_t>(result.token_ids.size()) >= *cfg.max_new_tokens) {
        reason = StopReason::kMaxTokens;
        break;
      }
      if (cancel_requested_.load()) {
        reason = StopReason::kCancelled;
        break;
      }
      if (st.seq->length() >= ctx) {
        reason = StopReason::kContextFull;
        break;
      }
      logits = eng.decode(*st.seq, token);
      ++decode_runs;
    }
    if (reason != StopReason::kStopString && reason != StopReason::kCallback) {
      const std::string tail = detok.flush();
      if (!tail.empty() && !stream.add(tail) && stream.stop_hit() && reason != StopReason::kEos)
        reason = StopReason::kStopString;
      stream.finish();
    }
    result.text = stream.text();
    result.stop_reason = reason;
    stats.decode_tokens = static_cast<int64_t>(result.token_ids.size());
    stats.decode_ms = ms_since(t_decode);
    stats.decode_tokens_per_s = rate(decode_runs, stats.decode_ms);
  } catch (...) {
    rollback();
    throw;
  }
  st.ids = std::move(ids);
  st.images.insert(st.images.end(), std::make_move_iterator(new_images.begin()),
                   std::make_move_iterator(new_images.end()));
  stats.total_ms = ms_since(t_start);
  return result;
}

}  // namespace edgevl
