// The C API (edgevl/edgevl_c.h) over the C++ API: every entry point runs its body inside guarded(), which turns any
// exception into a status code and the thread's last-error message, so no C++ exception crosses the C boundary.
#include "edgevl/edgevl_c.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "edgevl/edgevl.h"

struct edgevl_model {
  edgevl::Model model;
};

struct edgevl_session {
  explicit edgevl_session(edgevl::Model m) : session(std::move(m)) {}
  edgevl::Session session;
  edgevl::Result last;  ///< storage behind the last edgevl_result's text / token_ids
};

namespace {

using edgevl::ErrorCode;

static_assert(EDGEVL_ERR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument) + 1, "status order");
static_assert(EDGEVL_ERR_NOT_FOUND == static_cast<int>(ErrorCode::kNotFound) + 1, "status order");
static_assert(EDGEVL_ERR_CORRUPT_FILE == static_cast<int>(ErrorCode::kCorruptFile) + 1, "status order");
static_assert(EDGEVL_ERR_UNSUPPORTED == static_cast<int>(ErrorCode::kUnsupported) + 1, "status order");
static_assert(EDGEVL_ERR_SHAPE_MISMATCH == static_cast<int>(ErrorCode::kShapeMismatch) + 1, "status order");
static_assert(EDGEVL_ERR_CONTEXT_OVERFLOW == static_cast<int>(ErrorCode::kContextOverflow) + 1, "status order");
static_assert(EDGEVL_ERR_CANCELLED == static_cast<int>(ErrorCode::kCancelled) + 1, "status order");
static_assert(EDGEVL_ERR_IO == static_cast<int>(ErrorCode::kIo) + 1, "status order");
static_assert(EDGEVL_ERR_INTERNAL == static_cast<int>(ErrorCode::kInternal) + 1, "status order");

static_assert(EDGEVL_STOP_EOS == static_cast<int>(edgevl::StopReason::kEos), "stop reason order");
static_assert(EDGEVL_STOP_MAX_TOKENS == static_cast<int>(edgevl::StopReason::kMaxTokens), "stop reason order");
static_assert(EDGEVL_STOP_CONTEXT_FULL == static_cast<int>(edgevl::StopReason::kContextFull), "stop reason order");
static_assert(EDGEVL_STOP_STOP_STRING == static_cast<int>(edgevl::StopReason::kStopString), "stop reason order");
static_assert(EDGEVL_STOP_CALLBACK == static_cast<int>(edgevl::StopReason::kCallback), "stop reason order");
static_assert(EDGEVL_STOP_CANCELLED == static_cast<int>(edgevl::StopReason::kCancelled), "stop reason order");

// The calling thread's last-error message. Assigning may itself run out of memory: then the message stays as it was.
thread_local std::string t_last_error;

void set_message(const char* message) noexcept {
  try {
    t_last_error = message;
  } catch (...) {
  }
}

edgevl_status fail(edgevl_status status, const char* message) noexcept {
  set_message(message);
  return status;
}

edgevl_status status_of(ErrorCode code) { return static_cast<edgevl_status>(static_cast<int>(code) + 1); }

// Runs `body` (returning nothing); maps every exception to a status + message.
template <typename F>
edgevl_status guarded(F&& body) noexcept {
  try {
    body();
    t_last_error.clear();
    return EDGEVL_OK;
  } catch (const edgevl::Error& e) {
    return fail(status_of(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return fail(EDGEVL_ERR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(EDGEVL_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(EDGEVL_ERR_INTERNAL, "unknown exception inside EdgeVL");
  }
}

[[noreturn]] void invalid(const std::string& message) { throw edgevl::Error(ErrorCode::kInvalidArgument, message); }

void require(const void* p, const char* function, const char* argument) {
  if (!p) invalid(std::string(function) + ": " + argument + " is NULL");
}

bool unset(float v) { return v == static_cast<float>(EDGEVL_UNSET); }

edgevl::GenerationConfig to_config(const edgevl_generation_params& p) {
  edgevl::GenerationConfig c;
  if (p.max_new_tokens != EDGEVL_UNSET) c.max_new_tokens = p.max_new_tokens;
  if (!unset(p.temperature)) c.temperature = p.temperature;
  if (p.top_k != EDGEVL_UNSET) c.top_k = p.top_k;
  if (!unset(p.top_p)) c.top_p = p.top_p;
  if (!unset(p.repetition_penalty)) c.repetition_penalty = p.repetition_penalty;
  if (p.seed != EDGEVL_UNSET) {
    if (p.seed < 0)
      invalid("generation params: seed must be >= 0 or EDGEVL_UNSET, got " + std::to_string(p.seed));
    c.seed = static_cast<uint64_t>(p.seed);
  }
  if (p.num_stop > 0 && !p.stop) invalid("generation params: stop is NULL but num_stop is " + std::to_string(p.num_stop));
  for (size_t i = 0; i < p.num_stop; ++i) {
    if (!p.stop[i]) invalid("generation params: stop[" + std::to_string(i) + "] is NULL");
    c.stop.emplace_back(p.stop[i]);
  }
  return c;
}

edgevl::Image to_image(const edgevl_image& im, size_t index) {
  const std::string name = "request.images[" + std::to_string(index) + "]";
  if (im.path) {
    if (!*im.path) invalid(name + ": empty file path");
    return edgevl::Image::from_file(im.path);
  }
  if (!im.rgb) invalid(name + ": neither path nor rgb is set");
  if (im.width <= 0 || im.height <= 0)
    invalid(name + ": rgb buffer size " + std::to_string(im.width) + "x" + std::to_string(im.height) +
            " must be positive");
  const size_t bytes = static_cast<size_t>(im.width) * static_cast<size_t>(im.height) * 3;
  return edgevl::Image::from_rgb(std::vector<uint8_t>(im.rgb, im.rgb + bytes), im.width, im.height);
}

edgevl::Request to_request(const edgevl_request& r) {
  if (r.num_images > 0 && !r.images)
    invalid("edgevl_generate: request.images is NULL but num_images is " + std::to_string(r.num_images));
  edgevl::Message user;
  user.role = edgevl::Role::kUser;
  if (r.text) user.text = r.text;
  for (size_t i = 0; i < r.num_images; ++i) user.images.push_back(to_image(r.images[i], i));
  edgevl::Request request;
  if (r.system && *r.system) {
    edgevl::Message system;
    system.role = edgevl::Role::kSystem;
    system.text = r.system;
    request.messages.push_back(std::move(system));
    request.messages.push_back(std::move(user));
  } else {
    request.text = std::move(user.text);
    request.images = std::move(user.images);
  }
  request.parse_special_tokens = r.parse_special_tokens;
  return request;
}

void to_stats(const edgevl::Stats& s, edgevl_stats* out) {
  out->images = s.images;
  out->preprocess_ms = s.preprocess_ms;
  out->vit_ms = s.vit_ms;
  out->prompt_tokens = s.prompt_tokens;
  out->prefill_tokens = s.prefill_tokens;
  out->prefill_ms = s.prefill_ms;
  out->prefill_tokens_per_s = s.prefill_tokens_per_s;
  out->ttft_ms = s.ttft_ms;
  out->decode_tokens = s.decode_tokens;
  out->decode_ms = s.decode_ms;
  out->decode_tokens_per_s = s.decode_tokens_per_s;
  out->total_ms = s.total_ms;
}

}  // namespace

extern "C" {

const char* edgevl_status_name(edgevl_status status) {
  // A C caller may pass any int; in C++ a value outside the enumerators' range is not a valid edgevl_status (loading
  // it is undefined behaviour: clang's -fsanitize=enum), so the bytes are read as the int they are.
  static_assert(sizeof(edgevl_status) == sizeof(int), "edgevl_status is an int in C");
  int v = 0;
  std::memcpy(&v, &status, sizeof v);
  if (v == EDGEVL_OK) return "ok";
  if (v < EDGEVL_ERR_INVALID_ARGUMENT || v > EDGEVL_ERR_INTERNAL) return "unknown";
  return edgevl::error_code_name(static_cast<ErrorCode>(v - 1));
}

const char* edgevl_last_error_message(void) { return t_last_error.c_str(); }

edgevl_status edgevl_model_open(const char* bundle_path, edgevl_model** out_model) {
  if (out_model) *out_model = nullptr;
  return guarded([&] {
    require(out_model, "edgevl_model_open", "out_model");
    require(bundle_path, "edgevl_model_open", "bundle_path");
    auto handle = std::make_unique<edgevl_model>(edgevl_model{edgevl::Model::open(bundle_path)});
    *out_model = handle.release();
  });
}

void edgevl_model_free(edgevl_model* model) { delete model; }

edgevl_status edgevl_model_get_info(const edgevl_model* model, edgevl_model_info* out_info) {
  return guarded([&] {
    require(model, "edgevl_model_get_info", "model");
    require(out_info, "edgevl_model_get_info", "out_info");
    const edgevl::ModelInfo& i = model->model.info();
    out_info->context_length = i.context_length;
    out_info->prefill_chunk = i.prefill_chunk;
    out_info->vocab_size = i.vocab_size;
    out_info->max_patches = i.vit_buckets.empty() ? 0 : *std::max_element(i.vit_buckets.begin(), i.vit_buckets.end());
    out_info->precision = edgevl::precision_name(i.precision);
    out_info->family = i.family.c_str();
  });
}

edgevl_status edgevl_session_create(edgevl_model* model, edgevl_session** out_session) {
  if (out_session) *out_session = nullptr;
  return guarded([&] {
    require(out_session, "edgevl_session_create", "out_session");
    require(model, "edgevl_session_create", "model");
    *out_session = new edgevl_session(model->model);
  });
}

void edgevl_session_free(edgevl_session* session) { delete session; }

edgevl_status edgevl_session_reset(edgevl_session* session) {
  return guarded([&] {
    require(session, "edgevl_session_reset", "session");
    session->session.reset();
    session->last = edgevl::Result{};
  });
}

edgevl_status edgevl_session_cancel(edgevl_session* session) {
  if (!session) return fail(EDGEVL_ERR_INVALID_ARGUMENT, "edgevl_session_cancel: session is NULL");
  session->session.cancel();  // an atomic store: safe from any thread, and touches no thread-local state
  return EDGEVL_OK;
}

int64_t edgevl_session_cached_tokens(const edgevl_session* session) {
  return session ? session->session.cached_tokens() : -1;
}

edgevl_generation_params edgevl_generation_params_default(void) {
  edgevl_generation_params p;
  p.max_new_tokens = EDGEVL_UNSET;
  p.temperature = static_cast<float>(EDGEVL_UNSET);
  p.top_k = EDGEVL_UNSET;
  p.top_p = static_cast<float>(EDGEVL_UNSET);
  p.repetition_penalty = static_cast<float>(EDGEVL_UNSET);
  p.seed = EDGEVL_UNSET;
  p.stop = nullptr;
  p.num_stop = 0;
  return p;
}

const char* edgevl_stop_reason_name(edgevl_stop_reason reason) {
  const int v = static_cast<int>(reason);
  if (v < EDGEVL_STOP_EOS || v > EDGEVL_STOP_CANCELLED) return "unknown";
  return edgevl::stop_reason_name(static_cast<edgevl::StopReason>(v));
}

edgevl_status edgevl_generate(edgevl_session* session, const edgevl_request* request,
                              const edgevl_generation_params* params, edgevl_token_callback on_token, void* user_data,
                              edgevl_result* out_result) {
  return guarded([&] {
    require(session, "edgevl_generate", "session");
    require(request, "edgevl_generate", "request");
    const edgevl::Request req = to_request(*request);
    const edgevl::GenerationConfig config = to_config(params ? *params : edgevl_generation_params_default());
    edgevl::TokenCallback callback;
    std::string piece;  // the NUL-terminated copy handed to C
    if (on_token) {
      callback = [&](std::string_view text) {
        piece.assign(text.data(), text.size());
        return on_token(piece.c_str(), piece.size(), user_data);
      };
    }
    edgevl::Result result = session->session.generate(req, config, callback);
    session->last = std::move(result);
    if (out_result) {
      const edgevl::Result& r = session->last;
      out_result->text = r.text.c_str();
      out_result->text_len = r.text.size();
      out_result->token_ids = r.token_ids.empty() ? nullptr : r.token_ids.data();
      out_result->num_tokens = r.token_ids.size();
      out_result->stop_reason = static_cast<edgevl_stop_reason>(static_cast<int>(r.stop_reason));
      to_stats(r.stats, &out_result->stats);
    }
  });
}

}  // extern "C"
